// The RNN gradient explorer's logic, DOM-free (reviewkit.rnn.explorer).
//
// It reads the data of reviewkit.rnn.explorer.precompute() (its format is in
// that module's docstring): finds a grid cell's curve, decodes the stored
// values ("inf": overflowed float64, "-inf": 0 in float64, else log10 of the
// norm), and turns curves into plot geometry that explorer.js draws as SVG.
// Tested with node --test in tests/js/rnn/.

/**
 * A curve key that does not depend on how Python printed the numbers.
 * @param {string} nl The nonlinearity.
 * @param {number|string} ws The weight scale ("1.0", "1e-05" and 1 agree).
 * @param {number|string} T The sequence length.
 * @param {boolean|number|string} lso Loss on the last step only.
 * @returns {string} For example "tanh|1|25|1".
 */
export function normalKey(nl, ws, T, lso) {
  return `${nl}|${Number(ws)}|${Number(T)}|${Number(lso) ? 1 : 0}`;
}

/**
 * Index the curves of the data by normalKey().
 * @param {Object<string, {grad: Array, state: Array}>} curves data.curves,
 *   keyed as reviewkit.rnn.explorer.curve_key() writes them.
 * @returns {Map<string, {grad: number[], state: number[]}>} Decoded curves.
 */
export function curveIndex(curves) {
  const index = new Map();
  for (const [key, curve] of Object.entries(curves)) {
    const [nl, ws, T, lso] = key.split("|");
    index.set(normalKey(nl, ws, T, lso), {
      grad: curve.grad.map(decodeValue),
      state: curve.state.map(decodeValue),
    });
  }
  return index;
}

/**
 * Decode one stored value into log10 of the norm.
 * @param {number|string} v A number, "inf" (overflowed) or "-inf" (zero).
 * @returns {number} v, Infinity or -Infinity.
 */
export function decodeValue(v) {
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  throw new TypeError(`a stored value must be a number, "inf" or "-inf", got ${v}`);
}

/**
 * The y range of a plot: whole decades around every finite value.
 * @param {number[][]} series log10 values, possibly +-Infinity.
 * @returns {{lo: number, hi: number}} Integer bounds, hi > lo ([0, 1] if
 *   nothing is finite).
 */
export function yRange(series) {
  const finite = series.flat().filter(Number.isFinite);
  if (finite.length === 0) return { lo: 0, hi: 1 };
  const lo = Math.floor(Math.min(...finite));
  const hi = Math.ceil(Math.max(...finite));
  return { lo, hi: hi > lo ? hi : lo + 1 };
}

/**
 * Decade ticks from lo to hi, at most about 9 of them.
 * @param {number} lo Lower bound (an integer).
 * @param {number} hi Upper bound (an integer).
 * @returns {number[]} The tick exponents.
 */
export function decadeTicks(lo, hi) {
  const step = Math.max(1, Math.ceil((hi - lo) / 8));
  const ticks = [];
  for (let p = lo; p <= hi; p += step) ticks.push(p);
  return ticks;
}

/**
 * Time-step labels 1, 1 + k, ... for about ten ticks.
 * @param {number} T The sequence length.
 * @returns {number[]} The steps to label.
 */
export function stepTicks(T) {
  const step = Math.max(1, Math.round(T / 10));
  const ticks = [];
  for (let t = 1; t <= T; t += step) ticks.push(t);
  return ticks;
}

/**
 * A linear map from [d0, d1] onto [r0, r1].
 * @param {number} d0 Domain start.
 * @param {number} d1 Domain end (d1 === d0 maps everything to the middle).
 * @param {number} r0 Range start.
 * @param {number} r1 Range end.
 * @returns {function(number): number} The map.
 */
export function linearScale(d0, d1, r0, r1) {
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((r1 - r0) * (v - d0)) / (d1 - d0);
}

/**
 * SVG path data for one curve, broken where a value is not finite, and the
 * steps to mark on the plot's edges instead.
 * @param {number[]} values log10 values for t = 1..T, possibly +-Infinity.
 * @param {function(number): number} X Maps a step t to an x coordinate.
 * @param {function(number): number} Y Maps a log10 value to a y coordinate.
 * @returns {{d: string, over: number[], zero: number[]}} The path data and
 *   the x coordinates of overflowed (over) and zero (zero) steps.
 */
export function curvePath(values, X, Y) {
  let d = "";
  let pen = "M";
  const over = [];
  const zero = [];
  values.forEach((v, i) => {
    const x = X(i + 1);
    if (Number.isFinite(v)) {
      d += `${pen}${x.toFixed(1)},${Y(v).toFixed(1)} `;
      pen = "L";
      return;
    }
    (v > 0 ? over : zero).push(x);
    pen = "M";
  });
  return { d: d.trim(), over, zero };
}

/**
 * The explorer's caption: what is drawn and which values are marked.
 * @param {{all: boolean, lso: boolean, over: number, zero: number}} s Overlay
 *   of all scales, loss on the last step only, and how many values
 *   overflowed or are exactly zero.
 * @returns {string} The caption.
 */
export function caption({ all, lso, over, zero }) {
  const parts = [];
  if (all) parts.push("Solid: |dL/dh_t| for each weight scale.");
  parts.push(lso ? "Loss on the last step only." : "Loss on every step.");
  const many = (n, one, more) => `${n} ${n === 1 ? one : more}`;
  if (over) {
    parts.push(`${many(over, "value", "values")} overflowed float64 (▲ on the top edge).`);
  }
  if (zero) {
    parts.push(`${many(zero, "value is", "values are")} 0 in float64 (▼ on the bottom edge).`);
  }
  return parts.join(" ");
}
