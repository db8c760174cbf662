// The RNN gradient explorer's logic, DOM-free: finds and decodes a grid cell's
// curve in precompute()'s data (format: reviewkit.rnn.explorer's docstring)
// and turns it into plot geometry. explorer.js draws.

/**
 * A curve key independent of how Python printed the numbers (ws "1.0" or 1).
 * @returns {string} For example "tanh|1|25|1".
 */
export function normalKey(nl, ws, T, lso) {
  return `${nl}|${Number(ws)}|${Number(T)}|${Number(lso) ? 1 : 0}`;
}

const decode = (v) => {
  if (v === "inf" || v === "-inf") return Number(v.replace("inf", "Infinity"));
  if (Number.isFinite(v)) return v;
  throw new TypeError(`a stored value must be a number, "inf" or "-inf", got ${v}`);
};

/**
 * Decode data.curves (keyed by Python's curve_key()) and index them by normalKey().
 * @param {Object<string, {grad: Array, state: Array}>} curves
 * @returns {Map<string, {grad: number[], state: number[]}>} log10 values, or
 *   +-Infinity where a norm overflowed or is 0; a TypeError on other values.
 */
export function curveIndex(curves) {
  const index = new Map();
  for (const [key, c] of Object.entries(curves)) {
    const [nl, ws, T, lso] = key.split("|");
    index.set(normalKey(nl, ws, T, lso), { grad: c.grad.map(decode), state: c.state.map(decode) });
  }
  return index;
}

/**
 * Scales and ticks of a log plot of curves over t = 1..T in the SVG box.
 * @param {number[][]} series log10 values (+-Infinity ignored).
 * @param {{left: number, right: number, top: number, bottom: number}} box
 * @returns {{X: Function, Y: Function, decades: number[], steps: number[]}}
 *   t -> x, log10 -> y, whole decades around the finite values (at most 9)
 *   and about 10 step ticks 1, 1 + k, ...
 */
export function axes(series, T, box) {
  const finite = series.flat().filter(Number.isFinite);
  const lo = finite.length ? Math.floor(Math.min(...finite)) : 0;
  const hi = finite.length ? Math.max(Math.ceil(Math.max(...finite)), lo + 1) : 1;
  const every = (from, to, step) => {
    const out = [];
    for (let v = from; v <= to; v += step) out.push(v);
    return out;
  };
  return {
    X: (t) => (T > 1 ? box.left + ((box.right - box.left) * (t - 1)) / (T - 1)
      : (box.left + box.right) / 2),
    Y: (v) => box.bottom - ((box.bottom - box.top) * (v - lo)) / (hi - lo),
    decades: every(lo, hi, Math.max(1, Math.ceil((hi - lo) / 8))),
    steps: every(1, T, Math.max(1, Math.round(T / 10))),
  };
}

/**
 * SVG path data for a curve, broken where a value is not finite.
 * @param {number[]} values log10 values for t = 1..T; X and Y map t and log10 to SVG.
 * @returns {{d: string, over: number[], zero: number[]}} The path and the x
 *   of each overflowed (over) and zero (zero) step, to mark on the edges.
 */
export function curvePath(values, X, Y) {
  const [parts, over, zero] = [[], [], []];
  let pen = "M";
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      (v > 0 ? over : zero).push(X(i + 1));
      pen = "M";
      return;
    }
    parts.push(`${pen}${X(i + 1).toFixed(1)},${Y(v).toFixed(1)}`);
    pen = "L";
  });
  return { d: parts.join(" "), over, zero };
}

/**
 * The caption: what is drawn (all scales? last step only?), what is marked.
 * @param {{all: boolean, lso: boolean, over: number, zero: number}} s
 * @returns {string}
 */
export function caption({ all, lso, over, zero }) {
  const n = (k, one, many) => `${k} ${k === 1 ? one : many}`;
  return [
    all ? "Solid: |dL/dh_t| for each weight scale." : "",
    lso ? "Loss on the last step only." : "Loss on every step.",
    over ? `${n(over, "value", "values")} overflowed float64 (▲ on the top edge).` : "",
    zero ? `${n(zero, "value is", "values are")} 0 in float64 (▼ on the bottom edge).` : "",
  ].filter(Boolean).join(" ");
}
