// A log-scale line plot (SVG) of one gradient curve: log10 |dL/dh_t| against
// t, with the two ends the RNN practice compares marked. Colours come from
// CSS classes (beam-stepper.css), so the plot follows light and dark mode.

import { svg } from "./dom.mjs";
import { fmt } from "./format.mjs";

/**
 * Draw log10 values against t = 1..T.
 *
 * @param {(number | null)[]} values - log10 |dL/dh_t| for t = 1..T; null or
 *   non-finite values (not recorded, overflowed) are left as gaps.
 * @param {{titleId: string, title: string}} options - The id and text of
 *   the SVG's <title>, its accessible name.
 * @returns {SVGElement} The plot.
 */
export function curveFigure(values, { titleId, title }) {
  const T = values.length;
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  const span = finite.length ? finite : [0];
  const lo = Math.floor(Math.min(...span));
  let hi = Math.ceil(Math.max(...span));
  if (hi <= lo) hi = lo + 1;
  const L = 64;
  const R = 620;
  const top = 20;
  const B = 250;
  const X = (t) => L + ((R - L) * (T > 1 ? t - 1 : 0.5)) / Math.max(T - 1, 1);
  const Y = (v) => B - ((B - top) * (v - lo)) / (hi - lo);
  const figure = svg("svg", {
    viewBox: "0 0 640 296", role: "img", "aria-labelledby": titleId, class: "rk-curve-svg",
  });
  figure.append(svg("title", { id: titleId }, title));
  const every = Math.max(1, Math.ceil((hi - lo) / 8));
  for (let d = lo; d <= hi; d += every) {
    figure.append(svg("line", { x1: L, x2: R, y1: Y(d), y2: Y(d), class: "rk-grid" }));
    figure.append(svg("text", { x: L - 6, y: Y(d) + 4, "text-anchor": "end", class: "rk-axis" },
      `1e${fmt(d, 0)}`));
  }
  const tstep = Math.max(1, Math.round(T / 10));
  for (let t = 1; t <= T; t += tstep) {
    figure.append(svg("text", { x: X(t), y: B + 16, "text-anchor": "middle", class: "rk-axis" }, String(t)));
  }
  figure.append(
    svg("line", { x1: L, x2: L, y1: top, y2: B, class: "rk-frame" }),
    svg("line", { x1: L, x2: R, y1: B, y2: B, class: "rk-frame" }),
    svg("text", { x: (L + R) / 2, y: B + 36, "text-anchor": "middle", class: "rk-axis" }, "time step t"),
    svg("text", {
      x: 14, y: (top + B) / 2, "text-anchor": "middle", class: "rk-axis",
      transform: `rotate(-90 14 ${(top + B) / 2})`,
    }, "|\u2202L/\u2202h_t| (log scale)"),
  );
  let d = "";
  let pen = "M";
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = "M";
      return;
    }
    d += `${pen}${X(i + 1).toFixed(1)},${Y(v).toFixed(1)} `;
    pen = "L";
  });
  figure.append(svg("path", { d, class: "rk-curve" }));
  for (const t of [1, T]) {
    const v = values[t - 1];
    if (v === null || !Number.isFinite(v)) continue;
    figure.append(
      svg("circle", { cx: X(t), cy: Y(v), r: 5, class: "rk-end" }),
      svg("text", {
        x: X(t) + (t === 1 ? 8 : -8), y: Y(v) - 8, "text-anchor": t === 1 ? "start" : "end",
        class: "rk-axis rk-end-label",
      }, t === 1 ? "t = 1" : `t = ${T}`),
    );
  }
  return figure;
}
