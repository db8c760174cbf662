/**
 * The mock exam, with no DOM: which items a seed draws, the complexity item's
 * numbers, and the score per part of the sheet.
 *
 * An exam is, for one seed (prng.mjs's generator only, so the same seed gives
 * the same exam in every browser, in Node and in the printed PDF):
 *   - Part 1: STATEMENTS statements drawn from the autoencoder questions the
 *     question source holds (1a-1j), listed in sheet order;
 *   - Part 2: a gradient prediction (rnn-practice.mjs, its own seed);
 *   - Part 3: a fresh beam-search tree (beam-practice.mjs, its own seed) and
 *     a complexity question whose numbers come from the seed.
 * @module exam
 */

import { MAX_SEED, checkSeed, createRng } from "./prng.mjs";

/** How many autoencoder statements an exam holds (fewer if fewer exist). */
export const STATEMENTS = 4;

/** The parts of the sheet, in order, as the score lists them. */
export const PARTS = [
  { name: "autoencoders", title: "Part 1: Autoencoders" },
  { name: "rnn", title: "Part 2: Vanilla RNNs" },
  { name: "beam", title: "Part 3: Beam search" },
];

/** Beam sizes, vocabulary sizes and lengths the complexity item draws from. */
export const BEAM_SIZES = [2, 3, 4, 5, 8, 10];
export const VOCAB_SIZES = [20, 50, 100, 1000, 10000, 32000];
export const LENGTHS = [5, 8, 10, 12, 16, 20, 25, 30, 40];

/**
 * An integer with thousands separators, the same in every engine.
 * @param {number} n a non-negative integer.
 * @returns {string} e.g. "1,280,000".
 */
export function grouped(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** `items` in an order drawn by `rng` (Fisher-Yates), as a new array. */
function shuffled(rng, items) {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** "M^T = 100^12 ≈ 10^24": exhaustive search's count, too big to write out. */
function power(M, T) {
  const exponent = Math.round(T * Math.log10(M));
  return `M^T = ${grouped(M)}^${T} \u2248 10^${exponent}`;
}

/**
 * The four variants of the complexity question, each `(numbers) => {prompt, options}`
 * with exactly one right option; every option's text and feedback are plain
 * text, numbers worked out.
 */
const VARIANTS = {
  "per-step": ({ k, M }) => ({
    prompt:
      `Beam search keeps k = ${k} sequences over a vocabulary of M = ${grouped(M)} tokens. ` +
      "Once the beam is full, how many candidate sequences does one step score?",
    options: [
      [true, `k \u00b7 M = ${grouped(k * M)}`,
        `Right: each of the k kept sequences is extended by every one of the M tokens, and the best k of those k \u00b7 M = ${grouped(k * M)} are kept.`],
      [false, `k = ${k}`,
        `That is how many the beam keeps, not how many it scores: each of the k is extended by all M tokens, k \u00b7 M = ${grouped(k * M)}.`],
      [false, `M = ${grouped(M)}`,
        `That is greedy decoding's count (one sequence, M tokens); beam search extends k sequences: k \u00b7 M = ${grouped(k * M)}.`],
      [false, `k + M = ${grouped(k + M)}`,
        `The counts multiply: k sequences times M tokens each, k \u00b7 M = ${grouped(k * M)}.`],
      [false, `k\u00b2 \u00b7 M = ${grouped(k * k * M)}`,
        `Only the k kept sequences are extended, each by the M tokens: k \u00b7 M = ${grouped(k * M)}.`],
    ],
  }),
  total: ({ k, M, T }) => ({
    prompt:
      `Beam search with k = ${k} over M = ${grouped(M)} tokens generates T = ${T} tokens. ` +
      "To leading order, how many candidate sequences does it score in all?",
    options: [
      [true, `T \u00b7 k \u00b7 M = ${grouped(T * k * M)}`,
        `Right: k \u00b7 M candidates at each of the T steps (the first step has only M, which does not change the leading term).`],
      [false, `T \u00b7 M = ${grouped(T * M)}`,
        "That is greedy decoding's count; beam search extends k sequences at every step, so T \u00b7 k \u00b7 M."],
      [false, power(M, T),
        "That is exhaustive search, which scores every sequence; beam search keeps only k, so its work grows like T \u00b7 k \u00b7 M."],
      [false, `k \u00b7 M = ${grouped(k * M)}`,
        `That is one step's count; there are T = ${T} steps, so T \u00b7 k \u00b7 M = ${grouped(T * k * M)}.`],
    ],
  }),
  "double-k": ({ k, M, T }) => ({
    prompt:
      `With T = ${T} and M = ${grouped(M)} fixed, the beam grows from k = ${k} to k = ${2 * k}. ` +
      "Counting the candidate sequences scored (not the model's own cost), the work is multiplied by about:",
    options: [
      [true, "2",
        `Right: the count is T \u00b7 k \u00b7 M, linear in k, so it goes from ${grouped(T * k * M)} to ${grouped(T * 2 * k * M)}.`],
      [false, "4",
        "That would be quadratic in k; each step scores k \u00b7 M candidates, linear in k."],
      [false, "1 (unchanged)",
        "Every kept sequence is extended at every step: a wider beam scores more candidates."],
      [false, `M = ${grouped(M)}`,
        "The vocabulary did not change; only k doubled, and the count is linear in k."],
    ],
  }),
  "longer-T": ({ k, M, T }) => ({
    prompt:
      `With k = ${k} and M = ${grouped(M)} fixed, the output grows from T = ${T} to T = ${3 * T} tokens. ` +
      "The number of candidate sequences beam search scores is multiplied by about:",
    options: [
      [true, "3",
        `Right: the same k \u00b7 M candidates at each step, T times: linear in T, from ${grouped(T * k * M)} to ${grouped(3 * T * k * M)}.`],
      [false, "9",
        "Nothing squares T: each step costs the same k \u00b7 M."],
      [false, `M^${2 * T}`,
        "That is how exhaustive search's count grows (M^T sequences); beam search keeps only k at each step."],
      [false, "1 (unchanged)",
        "Each extra token is one more step of k \u00b7 M candidates."],
    ],
  }),
};

/**
 * The complexity item a generator draws: its variant, numbers, prompt and
 * options (in a drawn order, exactly one right).
 * @param {{int: Function, pick: Function}} rng a prng.mjs generator.
 * @returns {{variant: string, k: number, M: number, T: number, prompt: string,
 *   options: {text: string, correct: boolean, feedback: string}[]}}
 */
export function complexityItem(rng) {
  const variant = rng.pick(Object.keys(VARIANTS));
  const numbers = { k: rng.pick(BEAM_SIZES), M: rng.pick(VOCAB_SIZES), T: rng.pick(LENGTHS) };
  const { prompt, options } = VARIANTS[variant](numbers);
  const drawn = shuffled(rng, options).map(([correct, text, feedback]) => ({ text, correct, feedback }));
  return { variant, ...numbers, prompt, options: drawn };
}

/**
 * The exam of a seed.
 * @param {number} seed an integer in [0, MAX_SEED].
 * @param {string[]} statementIds the autoencoder questions to draw from
 *   (ids such as "1a", distinct).
 * @param {{statements?: number}} [options] how many statements to draw.
 * @returns {{seed: number, items: object[]}} the items in exam order: each
 *   `{id, part, kind}`, with `seed` for "rnn" and "beam" and the complexity
 *   item's fields for "complexity".
 * @throws {RangeError|TypeError} on a bad seed, ids or count.
 */
export function examPlan(seed, statementIds, { statements = STATEMENTS } = {}) {
  checkSeed("seed", seed);
  if (!Array.isArray(statementIds) || !statementIds.every((id) => typeof id === "string" && id)) {
    throw new TypeError(`statementIds must be an array of ids, got ${JSON.stringify(statementIds)}`);
  }
  if (new Set(statementIds).size !== statementIds.length) {
    throw new RangeError(`statementIds must be distinct, got ${JSON.stringify(statementIds)}`);
  }
  if (!Number.isInteger(statements) || statements < 0) {
    throw new RangeError(`statements must be an integer >= 0, got ${statements}`);
  }
  const rng = createRng(seed);
  const picked = shuffled(rng, statementIds).slice(0, statements).sort();
  const rnnSeed = rng.int(0, MAX_SEED);
  const beamSeed = rng.int(0, MAX_SEED);
  const complexity = complexityItem(rng);
  return {
    seed,
    items: [
      ...picked.map((id) => ({ id, part: "autoencoders", kind: "statement" })),
      { id: "rnn", part: "rnn", kind: "rnn", seed: rnnSeed },
      { id: "beam", part: "beam", kind: "beam", seed: beamSeed },
      { ...complexity, id: "complexity", part: "beam", kind: "complexity" },
    ],
  };
}

/**
 * The score of an exam, per part of the sheet.
 * @param {{items: {id: string, part: string}[]}} plan what examPlan returned.
 * @param {Object<string, ?boolean>} results each item id's result: true
 *   (right), false (wrong) or null/absent (not answered, which counts as
 *   missed).
 * @returns {{right: number, total: number, parts: {name: string, title: string,
 *   right: number, total: number, missed: {id: string, answered: boolean}[]}[]}}
 *   only the parts the exam has items in.
 */
export function scoreExam(plan, results) {
  const parts = PARTS.map((p) => ({ ...p, right: 0, total: 0, missed: [] }));
  for (const item of plan.items) {
    const part = parts.find((p) => p.name === item.part);
    if (!part) throw new RangeError(`item ${item.id} has an unknown part ${JSON.stringify(item.part)}`);
    const result = results[item.id];
    if (result !== undefined && result !== null && typeof result !== "boolean") {
      throw new TypeError(`results[${JSON.stringify(item.id)}] must be true, false or null, got ${JSON.stringify(result)}`);
    }
    part.total += 1;
    if (result === true) part.right += 1;
    else part.missed.push({ id: item.id, answered: result === false });
  }
  const kept = parts.filter((p) => p.total > 0);
  return {
    right: kept.reduce((n, p) => n + p.right, 0),
    total: kept.reduce((n, p) => n + p.total, 0),
    parts: kept,
  };
}
