// Seeded beam-search problems a reader can solve with a pencil.
//
// beamProblem(seed) draws, from prng.mjs's generator only:
//   * 2 or 3 words, a tree of depth 3 and a beam width k from 1 to 3;
//   * every probability a multiple of 0.05 (at least 0.05), each row summing
//     to exactly 1, so products stay short;
//   * no near-ties: wherever the answer compares two sequences (the last one
//     kept against the first one dropped at every step, the most likely
//     sequence against the runner-up, the final beam's top two) their
//     probabilities differ by a factor of at least MIN_RATIO, so rounding on
//     the way cannot change the answer;
//   * in a share MISS_SHARE of problems (decided by the seed before the tree
//     is drawn), a tree on which beam search misses the most likely sequence:
//     trees are drawn until one has the outcome the seed asked for.
// Rows near the root lean towards flat (close calls) and rows at the last
// level towards peaked (a late word can rescue a dropped prefix), the shape
// that makes beam search fail; the same draw serves both outcomes.

import { createRng } from "./prng.mjs";
import { beam, dropStep, exhaustive } from "./search.mjs";
import { allPrefixes, prefixKey } from "./tree.mjs";

/** Depth of every problem's tree. */
export const DEPTH = 3;
/** Compared probabilities differ at least by this factor. */
export const MIN_RATIO = 1.05;
/** Share of problems drawn so that beam search misses the most likely sequence. */
export const MISS_SHARE = 0.3;
/** Probabilities are multiples of 1 / UNITS. */
export const UNITS = 20;
/** Trees drawn per seed before giving up on the wanted outcome. */
export const MAX_TRIES = 200000;
/** Word sets the vocabulary is drawn from (2 or 3 of one set). */
export const WORD_SETS = [
  ["red", "blue", "green"],
  ["cat", "dog", "owl"],
  ["sun", "rain", "snow"],
  ["tea", "milk", "jam"],
  ["left", "right", "up"],
  ["oak", "elm", "fir"],
  ["north", "south", "east"],
  ["salt", "sugar", "flour"],
];
// P(a row is flat) at depth 0, 1, 2; the rest split evenly between peaked
// and uniform rows.
const FLAT_SHARE = [0.8, 0.6, 0.3];
const MARGIN = Math.log(MIN_RATIO) - 1e-12; // the float sum of logs may be a hair below

/** A row of M counts of 1/UNITS summing to UNITS, close to uniform. */
function flatRow(rng, M) {
  if (M === 2) {
    const a = rng.int(8, 12);
    return [a, UNITS - a];
  }
  for (;;) {
    const a = rng.int(5, 9);
    const b = rng.int(5, 9);
    const c = UNITS - a - b;
    if (c >= 4 && c <= 10) return [a, b, c];
  }
}

/** A row with one word at 0.65 or more. */
function peakedRow(rng, M) {
  const big = M === 2 ? rng.int(15, 19) : rng.int(13, 18);
  const row = M === 2 ? [big, UNITS - big] : (() => {
    const s = rng.int(1, UNITS - big - 1);
    return [big, s, UNITS - big - s];
  })();
  const j = rng.int(0, M - 1); // the likely word is any of the M
  [row[0], row[j]] = [row[j], row[0]];
  return row;
}

/** A row drawn uniformly among all rows of M counts >= 1 summing to UNITS. */
function anyRow(rng, M) {
  if (M === 2) {
    const a = rng.int(1, UNITS - 1);
    return [a, UNITS - a];
  }
  const i = rng.int(1, UNITS - 1);
  let j = rng.int(1, UNITS - 2);
  if (j >= i) j += 1;
  const lo = Math.min(i, j);
  const hi = Math.max(i, j);
  return [lo, hi - lo, UNITS - hi];
}

function drawRow(rng, M, depth) {
  const u = rng.next();
  const flat = FLAT_SHARE[depth];
  if (u < flat) return flatRow(rng, M);
  return u < flat + (1 - flat) / 2 ? peakedRow(rng, M) : anyRow(rng, M);
}

/** A parsed tree (tree.mjs's Tree) from rows of counts, one per prefix. */
function treeOf(vocab, prefixes, counts) {
  const probs = new Map();
  const logp = new Map();
  prefixes.forEach((prefix, i) => {
    const p = counts[i].map((c) => c / UNITS);
    probs.set(prefixKey(prefix), p);
    logp.set(prefixKey(prefix), p.map(Math.log));
  });
  return { vocab, M: vocab.length, T: DEPTH, probs, logp };
}

/**
 * The same checks as solve(), on exact integers, for the draw loop: a tree
 * given as counts (probability = count / UNITS), scores as products of
 * counts, "differ by MIN_RATIO" as 20a >= 21b. About 20 times faster than
 * solve(); solve() still decides on every tree it lets through.
 *
 * @param {number[][]} counts - One row per prefix, in allPrefixes order.
 * @param {number} M - Vocabulary size.
 * @param {number} k - Beam width.
 * @returns {null | boolean} null on a near-tie, else whether beam search
 *   returns the most likely sequence.
 */
export function screen(counts, M, k) {
  const clear = (a, b) => a * 20 >= b * 21; // a / b >= MIN_RATIO = 1.05, exactly
  let ids = [0]; // the beam: each prefix's index within its level (base M)
  let scores = [1];
  let offset = 0; // where the current level's rows start in `counts`
  for (let t = 0; t < DEPTH; t++) {
    const n = ids.length * M;
    const cIds = new Array(n);
    const cScores = new Array(n);
    for (let b = 0; b < ids.length; b++) {
      const row = counts[offset + ids[b]];
      for (let v = 0; v < M; v++) {
        cIds[b * M + v] = ids[b] * M + v;
        cScores[b * M + v] = scores[b] * row[v];
      }
    }
    const order = cIds.map((_, i) => i).sort((i, j) => cScores[j] - cScores[i] || i - j);
    if (n > k && !clear(cScores[order[k - 1]], cScores[order[k]])) return null;
    const kept = order.slice(0, k);
    ids = kept.map((i) => cIds[i]);
    scores = kept.map((i) => cScores[i]);
    offset += M ** t;
  }
  let best = -1;
  let first = 0;
  let second = 0;
  const walk = (id, level, score) => {
    if (level === DEPTH) {
      if (score > first) {
        second = first;
        first = score;
        best = id;
      } else if (score > second) second = score;
      return;
    }
    const row = counts[(M ** level - 1) / (M - 1) + id];
    for (let v = 0; v < M; v++) walk(id * M + v, level + 1, score * row[v]);
  };
  walk(0, 0, 1);
  if (!clear(first, second)) return null;
  if (scores.length > 1 && !clear(scores[0], scores[1])) return null;
  return ids[0] === best;
}

/**
 * Solve a tree and check it is free of near-ties for beam width k.
 *
 * @param {import("./tree.mjs").Tree} tree - A parsed tree.
 * @param {number} k - Beam width.
 * @returns {null | {steps: import("./search.mjs").Step[],
 *   hypotheses: import("./search.mjs").Hypothesis[],
 *   mode: import("./search.mjs").Hypothesis, found: boolean, dropStep: number}}
 *   null if some comparison the answer rests on is closer than MIN_RATIO;
 *   else beam search's steps and final beam, the most likely sequence,
 *   whether beam search returns it, and the step where it falls out (0: never).
 */
export function solve(tree, k) {
  const b = beam(tree, k);
  for (const st of b.steps) {
    if (st.candidates.length <= k) continue;
    const sorted = st.scores.slice().sort((x, y) => y - x);
    if (sorted[k - 1] - sorted[k] < MARGIN) return null;
  }
  const all = exhaustive(tree).hypotheses;
  if (all[0].score - all[1].score < MARGIN) return null;
  const final = b.hypotheses;
  if (final.length > 1 && final[0].score - final[1].score < MARGIN) return null;
  const mode = all[0];
  return {
    steps: b.steps,
    hypotheses: final,
    mode,
    found: prefixKey(final[0].tokens) === prefixKey(mode.tokens),
    dropStep: dropStep(b.steps, mode.tokens),
  };
}

/**
 * @typedef {object} BeamProblem
 * @property {number} seed - The seed it was drawn from.
 * @property {number} k - Beam width, 1 to 3.
 * @property {import("./tree.mjs").TreeData} data - The tree as JSON
 *   (probabilities as two-decimal numbers), the format tree.mjs reads.
 * @property {import("./tree.mjs").Tree} tree - The same tree, parsed.
 * @property {import("./search.mjs").Step[]} steps - Beam search's steps.
 * @property {import("./search.mjs").Hypothesis[]} hypotheses - Its final beam.
 * @property {import("./search.mjs").Hypothesis} mode - The most likely sequence.
 * @property {boolean} found - Whether beam search returns the mode.
 * @property {number} dropStep - The step where the mode's prefix falls out (0: never).
 * @property {boolean} wantedMiss - The outcome the seed asked for.
 * @property {number} tries - Trees drawn to get it.
 */

/**
 * The beam-search problem of a seed: same seed, same problem, everywhere.
 *
 * @param {number} seed - An integer in [0, 2^32 - 1].
 * @returns {BeamProblem} The problem and its solution.
 */
export function beamProblem(seed) {
  const rng = createRng(seed);
  const M = rng.int(2, 3);
  const k = rng.int(1, 3);
  const wantedMiss = rng.chance(MISS_SHARE);
  const words = rng.pick(WORD_SETS).slice();
  for (let i = words.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [words[i], words[j]] = [words[j], words[i]];
  }
  const vocab = words.slice(0, M);
  const prefixes = allPrefixes(M, DEPTH);
  const nTop = prefixes.filter((p) => p.length < DEPTH - 1).length;
  let fallback = null;
  let tries = 0;
  while (tries < MAX_TRIES) {
    // The first two levels once, then up to 40 draws of the last level:
    // a good start (close calls near the root) gets many chances.
    const top = prefixes.slice(0, nTop).map((p) => drawRow(rng, M, p.length));
    for (let inner = 0; inner < 40 && tries < MAX_TRIES; inner++) {
      tries += 1;
      const counts = top.concat(prefixes.slice(nTop).map((p) => drawRow(rng, M, p.length)));
      const found = screen(counts, M, k);
      if (found === null || (found === wantedMiss && fallback)) continue;
      const tree = treeOf(vocab, prefixes, counts);
      const solution = solve(tree, k);
      if (!solution) continue; // not seen: screen() and solve() agree (tested)
      if (solution.found !== wantedMiss) {
        return finish(seed, k, prefixes, counts, tree, solution, wantedMiss, tries);
      }
      fallback = [counts, tree, solution];
    }
  }
  // Not reached for any seed the tests try; kept so a page never hangs.
  const [counts, tree, solution] = fallback;
  return finish(seed, k, prefixes, counts, tree, solution, wantedMiss, tries);
}

function finish(seed, k, prefixes, counts, tree, solution, wantedMiss, tries) {
  const data = {
    vocab: tree.vocab.slice(),
    depth: DEPTH,
    nodes: prefixes.map((prefix, i) => ({ prefix, probs: counts[i].map((c) => c / UNITS) })),
  };
  return { seed, k, data, tree, ...solution, wantedMiss, tries };
}
