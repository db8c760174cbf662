// The RNN gradient explorer's widget (reviewkit.rnn.explorer): the DOM part.
//
// rkRnnExplorer(root, data) fills the controls inside `root` from data.grid
// and draws the chosen curves of data.curves as SVG: log10 |dL/dh_t| (solid)
// and log10 of the mean |h_t| (dashed) against t, overflowed values as ▲ on
// the top edge and zeros as ▼ on the bottom edge. Loads nothing.
import {
  caption,
  curveIndex,
  curvePath,
  decadeTicks,
  linearScale,
  normalKey,
  stepTicks,
  yRange,
} from "./explorer_core.js";

const NS = "http://www.w3.org/2000/svg";
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
const [LEFT, RIGHT, TOP, BOTTOM] = [62, 620, 26, 286];

/**
 * Mount the explorer on `root` (the HTML of reviewkit.rnn.explorer_html).
 * @param {HTMLElement} root Holds the controls, an <svg> and a caption.
 * @param {{grid: Object, curves: Object}} data precompute()'s output.
 * @returns {function(): void} Redraws from the controls' current state.
 */
export function rkRnnExplorer(root, data) {
  const svg = root.querySelector("svg");
  const control = (k) => root.querySelector(`[data-k="${k}"]`);
  const curves = curveIndex(data.curves);
  const grid = data.grid;
  const fill = (k, values, pick) => {
    for (const v of values) {
      const option = document.createElement("option");
      option.value = option.textContent = String(v);
      option.selected = v === pick;
      control(k).appendChild(option);
    }
  };
  const nls = grid.nonlinearities;
  fill("nl", nls, nls.includes("tanh") ? "tanh" : nls[0]);
  fill("ws", grid.weight_scales, grid.weight_scales.includes(1) ? 1 : grid.weight_scales[0]);
  fill("T", grid.seq_lens, grid.seq_lens[grid.seq_lens.length - 1]);

  const add = (name, attrs, text) => {
    const e = document.createElementNS(NS, name);
    for (const [a, v] of Object.entries(attrs)) e.setAttribute(a, v);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  const label = (x, y, anchor, size, fill, text) =>
    add("text", { x, y, "text-anchor": anchor, "font-size": size, fill }, text);

  function draw() {
    svg.replaceChildren();
    const nl = control("nl").value;
    const T = Number(control("T").value);
    const lso = control("lso").checked;
    const all = control("all").checked;
    const scales = all ? grid.weight_scales : [Number(control("ws").value)];
    const series = [];
    scales.forEach((s, i) => {
      const c = curves.get(normalKey(nl, s, T, lso));
      series.push({ v: c.grad, col: COLOURS[all ? i % COLOURS.length : 0], dash: "",
        lab: all ? `scale ${s}` : "|dL/dh_t|" });
      if (!all) series.push({ v: c.state, col: COLOURS[1], dash: "5,4", lab: "mean |h_t|" });
    });
    const { lo, hi } = yRange(series.map((s) => s.v));
    const X = linearScale(1, T, LEFT, RIGHT);
    const Y = linearScale(lo, hi, BOTTOM, TOP);
    for (const p of decadeTicks(lo, hi)) {
      add("line", { x1: LEFT, x2: RIGHT, y1: Y(p), y2: Y(p), stroke: "#ddd" });
      label(LEFT - 6, Y(p) + 4, "end", 11, "#222", `1e${p}`);
    }
    for (const t of stepTicks(T)) label(X(t), BOTTOM + 16, "middle", 11, "#222", String(t));
    add("line", { x1: LEFT, x2: LEFT, y1: TOP, y2: BOTTOM, stroke: "#333" });
    add("line", { x1: LEFT, x2: RIGHT, y1: BOTTOM, y2: BOTTOM, stroke: "#333" });
    label((LEFT + RIGHT) / 2, BOTTOM + 36, "middle", 12, "#222", "time step t");
    label(14, (TOP + BOTTOM) / 2, "middle", 12, "#222", "norm (log scale)")
      .setAttribute("transform", `rotate(-90 14 ${(TOP + BOTTOM) / 2})`);
    let over = 0;
    let zero = 0;
    series.forEach((s, i) => {
      const path = curvePath(s.v, X, Y);
      add("path", { d: path.d, fill: "none", stroke: s.col, "stroke-width": 2,
        "stroke-dasharray": s.dash });
      for (const x of path.over) label(x, TOP + 4, "middle", 10, s.col, "▲");
      for (const x of path.zero) label(x, BOTTOM - 2, "middle", 10, s.col, "▼");
      over += path.over.length;
      zero += path.zero.length;
      label(LEFT + 92 * i, 12, "start", 11, s.col, s.lab);
    });
    control("note").textContent = caption({ all, lso, over, zero });
  }
  root.addEventListener("change", draw);
  draw();
  return draw;
}
