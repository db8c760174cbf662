// Checking a reader's beam-search answers against the solution, and the
// feedback sentences that say where an answer went wrong. DOM-free.

import { fmt, fmtProb, ordinal, spell } from "./format.mjs";
import { prefixKey } from "./tree.mjs";

/**
 * @typedef {object} Candidate
 * @property {number[]} tokens - The sequence so far.
 * @property {number} score - Its total log-probability.
 * @property {number} place - Its place among the step's candidates by
 *   score, 1 = most likely.
 */

/**
 * @typedef {object} StepCheck
 * @property {number} step - The step checked (1-based).
 * @property {boolean} correct - The reader kept exactly the beam.
 * @property {number} width - How many the beam keeps, min(k, candidates).
 * @property {number} chosen - How many the reader kept.
 * @property {Candidate[]} wronglyKept - Kept by the reader, dropped by the beam.
 * @property {Candidate[]} wronglyDropped - Dropped by the reader, kept by the beam.
 * @property {Candidate[]} beam - The beam after this step, best first.
 * @property {number} candidates - How many candidates the step had.
 */

/**
 * Check the candidates a reader kept at one step of beam search.
 *
 * @param {import("./search.mjs").Step} step - The solution's step.
 * @param {number[][]} chosen - The sequences the reader kept (any order).
 * @returns {StepCheck} What was right and what was not.
 */
export function checkStep(step, chosen) {
  const order = step.scores.map((_, i) => i).sort((i, j) => step.scores[j] - step.scores[i] || i - j);
  const place = new Map(order.map((i, r) => [i, r + 1]));
  const index = new Map(step.candidates.map((c, i) => [prefixKey(c), i]));
  const picked = new Set();
  for (const tokens of chosen) {
    const i = index.get(prefixKey(tokens));
    if (i === undefined) {
      throw new RangeError(`chosen holds ${JSON.stringify(tokens)}, not a candidate of step ${step.step}`);
    }
    picked.add(i);
  }
  const describe = (i) => ({ tokens: step.candidates[i], score: step.scores[i], place: place.get(i) });
  const wronglyKept = order.filter((i) => picked.has(i) && !step.kept[i]).map(describe);
  const wronglyDropped = order.filter((i) => !picked.has(i) && step.kept[i]).map(describe);
  const beam = order.filter((i) => step.kept[i]).map(describe);
  return {
    step: step.step,
    correct: wronglyKept.length === 0 && wronglyDropped.length === 0,
    width: beam.length,
    chosen: picked.size,
    wronglyKept,
    wronglyDropped,
    beam,
    candidates: step.candidates.length,
  };
}

/**
 * A candidate as feedback names it: its words, probability and log-probability.
 *
 * @param {string[]} vocab - The words.
 * @param {{tokens: number[], score: number}} c - The candidate.
 * @returns {string} E.g. "“red blue” (probability 0.24, log-probability −1.427)";
 *   probabilities to 6 decimals, enough for any product of three multiples
 *   of 0.05.
 */
export function describeCandidate(vocab, c) {
  return `\u201c${spell(vocab, c.tokens)}\u201d (probability ${fmtProb(Math.exp(c.score), 6)}, ` +
    `log-probability ${fmt(c.score, 3)})`;
}

/**
 * The feedback for one checked step, as sentences.
 *
 * @param {string[]} vocab - The words.
 * @param {StepCheck} check - The result of checkStep.
 * @returns {string[]} Sentences: the verdict, each wrong choice with its
 *   score and place, and the right beam.
 */
export function stepFeedback(vocab, check) {
  const out = [];
  const beamText = check.beam.map((c) => describeCandidate(vocab, c)).join(", ");
  if (check.correct) {
    out.push(`Step ${check.step}: right. The beam keeps ${beamText}.`);
    return out;
  }
  out.push(`Step ${check.step}: not quite.`);
  if (check.chosen !== check.width) {
    out.push(`The beam keeps exactly ${check.width} of the ${check.candidates} candidates; you kept ${check.chosen}.`);
  }
  for (const c of check.wronglyKept) {
    out.push(`You kept ${describeCandidate(vocab, c)}, but it is only the ${ordinal(c.place)} most ` +
      `likely of the ${check.candidates} candidates, so it falls out.`);
  }
  for (const c of check.wronglyDropped) {
    out.push(`You dropped ${describeCandidate(vocab, c)}, the ${ordinal(c.place)} most likely, ` +
      "which stays in the beam.");
  }
  out.push(`The beam after step ${check.step}: ${beamText}.`);
  return out;
}

/**
 * Check the reader's answer to "does beam search find the most likely
 * sequence?".
 *
 * @param {{found: boolean, mode: {tokens: number[], score: number},
 *   hypotheses: {tokens: number[], score: number}[], dropStep: number,
 *   data: {vocab: string[]}}} problem - A beamProblem (or the same fields).
 * @param {boolean} answer - The reader's yes (true) or no (false).
 * @returns {{correct: boolean, feedback: string}} The verdict and a sentence
 *   naming the most likely sequence, what beam search returns and, on a miss,
 *   the step where the mode's prefix falls out.
 */
export function checkFound(problem, answer) {
  if (typeof answer !== "boolean") {
    throw new TypeError(`answer must be true or false, got ${JSON.stringify(answer)}`);
  }
  const vocab = problem.data.vocab;
  const correct = answer === problem.found;
  const mode = describeCandidate(vocab, problem.mode);
  const returned = describeCandidate(vocab, problem.hypotheses[0]);
  const verdict = correct ? "Right" : "Not quite";
  const feedback = problem.found
    ? `${verdict}: beam search returns the most likely sequence, ${mode}.`
    : `${verdict}: beam search returns ${returned}, but the most likely sequence is ${mode}; ` +
      `its prefix \u201c${spell(vocab, problem.mode.tokens.slice(0, problem.dropStep))}\u201d ` +
      `falls out of the beam at step ${problem.dropStep}.`;
  return { correct, feedback };
}
