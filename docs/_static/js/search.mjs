// Greedy, beam and exhaustive search over a tree (tree.mjs), step by step,
// with exactly the numbers and tie rules of reviewkit.beam's decoders.
//
// A sequence's score is its total log-probability,
//   s(y_1..y_t) = s(y_1..y_{t-1}) + log p(y_t | y_<t),
// added in that order, as the Python decoders add it, so both give the same
// floating-point numbers. Ties are broken as in reviewkit:
//   greedy      - the lower token id;
//   beam        - the higher score first; among equal scores the candidate
//                 from the better-ranked parent, then the lower token id (the
//                 lower index in the flattened (k, M) candidate grid);
//   exhaustive  - equal scores in lexicographic order of the tokens.
// tests/js checks all three against fixtures exported from reviewkit.beam.

import { logProbs, parseTree, prefixKey } from "./tree.mjs";

/**
 * @typedef {object} Step
 * @property {number} step - 1 to T.
 * @property {number[][]} candidates - Every candidate scored at this step, in
 *   grid order (parent rank, then token id).
 * @property {number[]} scores - Each candidate's total log-probability.
 * @property {boolean[]} kept - Whether each candidate stays in the beam.
 * @property {(number | null)[]} rank - Its rank in the new beam (0 = best),
 *   or null if dropped.
 */

/**
 * @typedef {object} Hypothesis
 * @property {number[]} tokens - The sequence.
 * @property {number} score - Its total log-probability.
 */

function checkLength(tree, length) {
  if (length === undefined) return tree.T;
  if (!Number.isInteger(length) || length < 1 || length > tree.T) {
    throw new RangeError(`length must be an integer in [1, ${tree.T}], got ${length}`);
  }
  return length;
}

/** Candidate indices, best first: higher score, then lower grid index. */
function ranking(scores) {
  return scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i] || i - j);
}

/**
 * Greedy decoding: the most likely next word at every step (ties: lower id).
 *
 * @param {import("./tree.mjs").Tree} tree - A parsed tree.
 * @param {number} [length] - Steps, 1..T (T by default).
 * @returns {{tokens: number[], score: number, steps: Step[]}} The sequence,
 *   its score and every step's candidates.
 */
export function greedy(tree, length) {
  const T = checkLength(tree, length);
  let tokens = [];
  let score = 0;
  const steps = [];
  for (let t = 0; t < T; t++) {
    const lp = logProbs(tree, tokens);
    let best = 0;
    for (let v = 1; v < tree.M; v++) if (lp[v] > lp[best]) best = v;
    const candidates = [];
    const scores = [];
    for (let v = 0; v < tree.M; v++) {
      candidates.push(tokens.concat([v]));
      scores.push(score + lp[v]);
    }
    const rank = candidates.map((_, v) => (v === best ? 0 : null));
    steps.push({ step: t + 1, candidates, scores, kept: rank.map((r) => r !== null), rank });
    score = score + lp[best];
    tokens = tokens.concat([best]);
  }
  return { tokens, score, steps };
}

/**
 * Beam search with beam width k, recording every step's candidates.
 *
 * @param {import("./tree.mjs").Tree} tree - A parsed tree.
 * @param {number} k - Beam width, an integer >= 1.
 * @param {number} [length] - Steps, 1..T (T by default).
 * @returns {{hypotheses: Hypothesis[], steps: Step[]}} The final beam, best
 *   first (what reviewkit.beam.beam_search returns), and every step.
 */
export function beam(tree, k, length) {
  const T = checkLength(tree, length);
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`k (the beam width) must be an integer >= 1, got ${k}`);
  }
  let seqs = [[]];
  let seqScores = [0];
  const steps = [];
  for (let t = 0; t < T; t++) {
    const candidates = [];
    const scores = [];
    for (let b = 0; b < seqs.length; b++) {
      const lp = logProbs(tree, seqs[b]);
      for (let v = 0; v < tree.M; v++) {
        candidates.push(seqs[b].concat([v]));
        // s(y_1..y_t) = s(y_1..y_{t-1}) + log p(y_t | y_<t)
        scores.push(seqScores[b] + lp[v]);
      }
    }
    const best = ranking(scores).slice(0, Math.min(k, candidates.length));
    const rank = candidates.map(() => null);
    best.forEach((i, r) => {
      rank[i] = r;
    });
    steps.push({ step: t + 1, candidates, scores, kept: rank.map((r) => r !== null), rank });
    seqs = best.map((i) => candidates[i]);
    seqScores = best.map((i) => scores[i]);
  }
  return { hypotheses: seqs.map((s, i) => ({ tokens: s, score: seqScores[i] })), steps };
}

/**
 * Exhaustive search: score all M^t prefixes at every step, rank at the end.
 *
 * @param {import("./tree.mjs").Tree} tree - A parsed tree.
 * @param {number} [length] - Steps, 1..T (T by default).
 * @returns {{hypotheses: Hypothesis[], steps: Step[]}} Every sequence, best
 *   first (ties in lexicographic order), and every step (all kept, ranked).
 */
export function exhaustive(tree, length) {
  const T = checkLength(tree, length);
  let seqs = [[]];
  let scores = [0];
  const steps = [];
  for (let t = 0; t < T; t++) {
    const next = [];
    const nextScores = [];
    for (let i = 0; i < seqs.length; i++) {
      const lp = logProbs(tree, seqs[i]);
      for (let v = 0; v < tree.M; v++) {
        next.push(seqs[i].concat([v])); // stays in lexicographic order
        nextScores.push(scores[i] + lp[v]);
      }
    }
    seqs = next;
    scores = nextScores;
    const rank = seqs.map(() => null);
    ranking(scores).forEach((i, r) => {
      rank[i] = r;
    });
    steps.push({ step: t + 1, candidates: seqs, scores, kept: seqs.map(() => true), rank });
  }
  const hypotheses = ranking(scores).map((i) => ({ tokens: seqs[i], score: scores[i] }));
  return { hypotheses, steps };
}

/**
 * All three searches on one tree: what the stepper shows and tests compare.
 *
 * @param {import("./tree.mjs").TreeData | import("./tree.mjs").Tree} treeData -
 *   A tree's JSON or a parsed tree.
 * @param {number} k - Beam width.
 * @param {number} [length] - Steps (the tree's depth by default).
 * @returns {{greedy: ReturnType<typeof greedy>, beam: ReturnType<typeof beam>,
 *   exhaustive: ReturnType<typeof exhaustive>}} The three results.
 */
export function run(treeData, k, length) {
  const tree = treeData && treeData.logp instanceof Map ? treeData : parseTree(treeData);
  return {
    greedy: greedy(tree, length),
    beam: beam(tree, k, length),
    exhaustive: exhaustive(tree, length),
  };
}

/**
 * The step at which a sequence's prefix falls out of a search's beam.
 *
 * @param {Step[]} steps - The steps of a search (beam(...).steps).
 * @param {number[]} tokens - A full-length sequence.
 * @returns {number} The 1-based step where its prefix is not kept, or 0 if
 *   it survives to the end.
 */
export function dropStep(steps, tokens) {
  for (const st of steps) {
    const key = prefixKey(tokens.slice(0, st.step));
    if (!st.candidates.some((c, i) => st.kept[i] && prefixKey(c) === key)) return st.step;
  }
  return 0;
}
