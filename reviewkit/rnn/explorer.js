// The RNN gradient explorer's widget (reviewkit.rnn.explorer), the DOM part:
// log10 |dL/dh_t| (solid) and the mean |h_t| (dashed) against t as SVG, with
// overflowed values as ▲ on the top edge and zeros as ▼ on the bottom edge.
import { axes, caption, curveIndex, curvePath, normalKey } from "./explorer_core.js";

const NS = "http://www.w3.org/2000/svg";
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
const BOX = { left: 62, right: 620, top: 26, bottom: 286 };

/**
 * Fill the controls inside `root` from data.grid and draw the chosen curves.
 * @param {HTMLElement} root The HTML of reviewkit.rnn.explorer_html().
 * @param {{grid: Object, curves: Object}} data precompute()'s output.
 * @returns {function(): void} Redraws from the controls' state.
 */
export function rkRnnExplorer(root, data) {
  const svg = root.querySelector("svg");
  const control = (k) => root.querySelector(`[data-k="${k}"]`);
  const curves = curveIndex(data.curves);
  const { nonlinearities, weight_scales: scales, seq_lens: lens } = data.grid;
  const fill = (k, values, pick) => {
    for (const v of values) {
      control(k).add(new Option(String(v), String(v), false, v === pick));
    }
  };
  fill("nl", nonlinearities, nonlinearities.includes("tanh") ? "tanh" : nonlinearities[0]);
  fill("ws", scales, scales.includes(1) ? 1 : scales[0]);
  fill("T", lens, lens[lens.length - 1]);
  const add = (name, attrs, text = "") => {
    const e = svg.appendChild(document.createElementNS(NS, name));
    for (const [a, v] of Object.entries(attrs)) e.setAttribute(a, v);
    e.textContent = text;
    return e;
  };
  const label = (x, y, anchor, size, fill, text) =>
    add("text", { x, y, "text-anchor": anchor, "font-size": size, fill }, text);

  function draw() {
    svg.replaceChildren();
    const [nl, T, lso, all] = [control("nl").value, Number(control("T").value),
      control("lso").checked, control("all").checked];
    const series = [];
    (all ? scales : [Number(control("ws").value)]).forEach((s, i) => {
      const c = curves.get(normalKey(nl, s, T, lso));
      series.push({ v: c.grad, col: COLOURS[i % COLOURS.length], dash: "",
        lab: all ? `scale ${s}` : "|dL/dh_t|" });
      if (!all) series.push({ v: c.state, col: COLOURS[1], dash: "5,4", lab: "mean |h_t|" });
    });
    const { X, Y, decades, steps } = axes(series.map((s) => s.v), T, BOX);
    for (const p of decades) {
      add("line", { x1: BOX.left, x2: BOX.right, y1: Y(p), y2: Y(p), stroke: "#ddd" });
      label(BOX.left - 6, Y(p) + 4, "end", 11, "#222", `1e${p}`);
    }
    for (const t of steps) label(X(t), BOX.bottom + 16, "middle", 11, "#222", String(t));
    add("path", { d: `M${BOX.left},${BOX.top} V${BOX.bottom} H${BOX.right}`,
      fill: "none", stroke: "#333" });
    label((BOX.left + BOX.right) / 2, BOX.bottom + 36, "middle", 12, "#222", "time step t");
    const mid = (BOX.top + BOX.bottom) / 2;
    label(14, mid, "middle", 12, "#222", "norm (log scale)")
      .setAttribute("transform", `rotate(-90 14 ${mid})`);
    let [over, zero] = [0, 0];
    series.forEach((s, i) => {
      const path = curvePath(s.v, X, Y);
      add("path", { d: path.d, fill: "none", stroke: s.col, "stroke-width": 2,
        "stroke-dasharray": s.dash });
      for (const x of path.over) label(x, BOX.top + 4, "middle", 10, s.col, "▲");
      for (const x of path.zero) label(x, BOX.bottom - 2, "middle", 10, s.col, "▼");
      [over, zero] = [over + path.over.length, zero + path.zero.length];
      label(BOX.left + 92 * i, 12, "start", 11, s.col, s.lab);
    });
    control("note").textContent = caption({ all, lso, over, zero });
  }
  root.addEventListener("change", draw);
  draw();
  return draw;
}
