// Seeded RNN gradient predictions, from the explorer's precomputed grid.
//
// The grid is what reviewkit.rnn.explorer.precompute() returns (see
// docs/rnn/explorer.md): {"grid": {"nonlinearities", "weight_scales",
// "seq_lens"}, "curves": {curve_key: {"grad": [...], "state": [...]}}}, where
// grad[t - 1] is log10 |dL/dh_t| for t = 1..T. A value may be a number,
// null (not recorded: left out of the practice), or an overflow written as
// Infinity / "inf" (and "-inf" for a gradient of exactly 0).
//
// The verdict compares the two ends of the curve,
//   r = log10 |dL/dh_1| - log10 |dL/dh_T|,
// with the thresholds below, defined here once and stated on the page.

import { createRng } from "./prng.mjs";

/** r at or below this: the gradient vanishes (|dL/dh_1| is 100 times smaller or less). */
export const VANISH_AT = -2;
/** r at or above this: the gradient explodes (|dL/dh_1| is 100 times larger or more). */
export const EXPLODE_AT = 2;
/** |r| at or below this: roughly flat (within a factor of 10 either way). */
export const FLAT_WITHIN = 1;
/** The three verdicts, in the order the page offers them. */
export const VERDICTS = ["vanish", "flat", "explode"];

/**
 * The rule, in words, as the page states it.
 *
 * @returns {string[]} One sentence per verdict.
 */
export function thresholdsText() {
  const f = (d) => String(10 ** d);
  return [
    `vanish: |\u2202L/\u2202h\u2081| is at most 1/${f(-VANISH_AT)} of |\u2202L/\u2202h_T|;`,
    `roughly flat: the two are within a factor of ${f(FLAT_WITHIN)} of each other;`,
    `explode: |\u2202L/\u2202h\u2081| is at least ${f(EXPLODE_AT)} times |\u2202L/\u2202h_T|.`,
  ];
}

/**
 * A grid value as a number: log10 of a norm, +-Infinity for an overflow or
 * an exact zero, or null when it was not recorded (or is NaN).
 *
 * @param {*} value - A value of a curve in the grid.
 * @returns {number | null} The value.
 */
export function gridValue(value) {
  if (typeof value === "number") return Number.isNaN(value) ? null : value;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (v === "inf" || v === "infinity" || v === "+inf") return Infinity;
    if (v === "-inf" || v === "-infinity") return -Infinity;
  }
  return null;
}

/**
 * r = log10 |dL/dh_1| - log10 |dL/dh_T| of one curve.
 *
 * @param {Array<number | string | null>} grad - The curve's "grad" values.
 * @returns {number | null} r (may be +-Infinity), or null if either end was
 *   not recorded or both overflowed.
 */
export function logRatio(grad) {
  if (!Array.isArray(grad) || grad.length === 0) return null;
  const first = gridValue(grad[0]);
  const last = gridValue(grad[grad.length - 1]);
  if (first === null || last === null) return null;
  const r = first - last;
  return Number.isNaN(r) ? null : r;
}

/**
 * The verdict for r, or null for the in-between values the practice skips
 * (1 < |r| < 2: neither clearly flat nor clearly vanishing or exploding).
 *
 * @param {number | null} r - log10 |dL/dh_1| - log10 |dL/dh_T|.
 * @returns {"vanish" | "flat" | "explode" | null} The verdict.
 */
export function classify(r) {
  if (r === null || Number.isNaN(r)) return null;
  if (r <= VANISH_AT) return "vanish";
  if (r >= EXPLODE_AT) return "explode";
  if (Math.abs(r) <= FLAT_WITHIN) return "flat";
  return null;
}

/**
 * The grid's key of one setting, as reviewkit.rnn.explorer.curve_key writes it.
 *
 * @param {string} nonlinearity - "linear", "tanh" or "relu".
 * @param {number} scale - Weight scale.
 * @param {number} T - Sequence length.
 * @param {boolean} lastStepOnly - Loss on the last step only.
 * @returns {string} E.g. "tanh|1.0|25|1" (Python's float repr: "1.0", "0.75").
 */
export function curveKey(nonlinearity, scale, T, lastStepOnly) {
  let s = String(scale);
  if (!/[.e]/.test(s)) s += ".0";
  return `${nonlinearity}|${s}|${T}|${lastStepOnly ? 1 : 0}`;
}

/**
 * @typedef {object} RnnSetting
 * @property {string} nonlinearity - "linear", "tanh" or "relu".
 * @property {number} scale - Weight scale of W_h.
 * @property {number} T - Sequence length.
 * @property {boolean} lastStepOnly - Loss on the last step only.
 * @property {string} key - Its key in the grid.
 * @property {number} r - log10 |dL/dh_1| - log10 |dL/dh_T|.
 * @property {"vanish" | "flat" | "explode"} verdict - What the curve does.
 */

/**
 * Every setting of the grid with a clear verdict, in grid order.
 *
 * @param {{grid: {nonlinearities: string[], weight_scales: number[],
 *   seq_lens: number[]}, curves: Object<string, {grad: Array}>}} data - The grid.
 * @returns {RnnSetting[]} The settings the practice may draw.
 * @throws {TypeError} If `data` is not shaped like precompute()'s output.
 */
export function settings(data) {
  if (!data || !data.grid || !data.curves) {
    throw new TypeError("data must be reviewkit.rnn.explorer.precompute()'s output ({grid, curves})");
  }
  const out = [];
  const g = data.grid;
  for (const nonlinearity of g.nonlinearities) {
    for (const scale of g.weight_scales) {
      for (const T of g.seq_lens) {
        for (const lastStepOnly of [true, false]) {
          const key = curveKey(nonlinearity, scale, T, lastStepOnly);
          const curve = data.curves[key];
          if (!curve) continue;
          const r = logRatio(curve.grad);
          const verdict = classify(r);
          if (verdict) out.push({ nonlinearity, scale, T, lastStepOnly, key, r, verdict });
        }
      }
    }
  }
  return out;
}

/**
 * The RNN problem of a seed: a verdict drawn uniformly among those the grid
 * has, then a setting uniformly among the settings with that verdict, so
 * always guessing one answer is right only a third of the time.
 *
 * @param {number} seed - An integer in [0, 2^32 - 1].
 * @param {object} data - The grid (precompute()'s output).
 * @returns {RnnSetting & {seed: number, grad: (number | null)[]}} The
 *   setting, with its curve's log10 |dL/dh_t| for t = 1..T.
 * @throws {RangeError} If the grid has no setting with a clear verdict.
 */
export function rnnProblem(seed, data) {
  const rng = createRng(seed);
  const all = settings(data);
  const verdicts = VERDICTS.filter((v) => all.some((s) => s.verdict === v));
  if (verdicts.length === 0) throw new RangeError("the grid has no setting with a clear verdict");
  const verdict = rng.pick(verdicts);
  const setting = rng.pick(all.filter((s) => s.verdict === verdict));
  return { ...setting, seed, grad: data.curves[setting.key].grad.map(gridValue) };
}
