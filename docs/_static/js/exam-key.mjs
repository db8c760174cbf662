/**
 * The mock exam's key for the drawn problems, as plain sentences (no DOM):
 * the beam after every step and whether beam search finds the most likely
 * sequence, and the gradient prediction's verdict. The exam page shows them
 * once the exam is scored and prints them in the key.
 * @module exam-key
 */

import { fmt, fmtProb, spell } from "./format.mjs";

/** Probabilities of three multiples of 0.05 multiply to at most 6 decimals. */
const DIGITS = 6;

/** '"red blue" (p = 0.24)' for a sequence and its total log-probability. */
function sequence(vocab, tokens, score) {
  return `"${spell(vocab, tokens)}" (p = ${fmtProb(Math.exp(score), DIGITS)})`;
}

/**
 * The key of a beam-search problem.
 * @param {{data: {vocab: string[]}, k: number, steps: {step: number,
 *   candidates: number[][], scores: number[], rank: (number|null)[]}[],
 *   hypotheses: {tokens: number[], score: number}[],
 *   mode: {tokens: number[], score: number}, found: boolean}} problem
 *   beam-problem.mjs's problem (with its solution).
 * @returns {string[]} one sentence per step, then the verdict.
 */
export function beamKey(problem) {
  const { vocab } = problem.data;
  const lines = problem.steps.map((st) => {
    const kept = st.candidates
      .map((tokens, i) => ({ tokens, score: st.scores[i], rank: st.rank[i] }))
      .filter((c) => c.rank !== null)
      .sort((a, b) => a.rank - b.rank)
      .map((c) => sequence(vocab, c.tokens, c.score));
    return `After step ${st.step}, the beam keeps ${kept.join(", ")}.`;
  });
  const best = problem.hypotheses[0];
  const mode = problem.mode;
  lines.push(
    problem.found
      ? `Yes: beam search with k = ${problem.k} returns ${sequence(vocab, best.tokens, best.score)}, the most likely sequence.`
      : `No: beam search with k = ${problem.k} returns ${sequence(vocab, best.tokens, best.score)}, ` +
          `but the most likely sequence is ${sequence(vocab, mode.tokens, mode.score)}.`,
  );
  return lines;
}

/** How each verdict of the gradient prediction reads in the key. */
export const RNN_WORDS = {
  vanish: "It vanishes",
  flat: "It stays roughly flat",
  explode: "It explodes",
};

/**
 * The key of a gradient prediction.
 * @param {{verdict: string, r: number}} problem rnn-problem.mjs's problem:
 *   its verdict and r = log10 |dL/dh_1| - log10 |dL/dh_T|.
 * @returns {string}
 */
export function rnnKey(problem) {
  if (!(problem.verdict in RNN_WORDS)) {
    throw new RangeError(`verdict must be one of ${Object.keys(RNN_WORDS)}, got ${problem.verdict}`);
  }
  const r = problem.r;
  const size = Number.isFinite(r)
    ? `log10(|\u2202L/\u2202h\u2081| / |\u2202L/\u2202h_T|) = ${fmt(r, 1)}`
    : r > 0 ? "|\u2202L/\u2202h\u2081| overflows" : "|\u2202L/\u2202h\u2081| is exactly 0";
  return `${RNN_WORDS[problem.verdict]}: ${size}.`;
}
