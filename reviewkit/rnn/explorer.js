// The static RNN gradient explorer (reviewkit.rnn.explorer).
//
// rkRnnExplorer(root, D) fills the controls inside `root` from D.grid and
// draws the chosen curves of D.curves as SVG: log10 |dL/dh_t| (solid) and
// log10 of the mean |h_t| (dashed) against t. D is the JSON that
// reviewkit.rnn.explorer.precompute() returns; keys are made as in
// curve_key(): "nonlinearity|scale|T|last_step_only". Loads nothing.
function rkRnnExplorer(root, D) {
  "use strict";
  var svg = root.querySelector("svg"), NS = "http://www.w3.org/2000/svg";
  var sel = function (k) { return root.querySelector('[data-k="' + k + '"]'); };
  var fill = function (k, vals, pick) {
    vals.forEach(function (v) {
      var o = document.createElement("option"); o.value = String(v);
      o.textContent = String(v); if (v === pick) o.selected = true;
      sel(k).appendChild(o);
    });
  };
  var g = D.grid;
  fill("nl", g.nonlinearities, "tanh"); fill("ws", g.weight_scales, 1);
  fill("T", g.seq_lens, g.seq_lens[g.seq_lens.length - 1]);
  var key = function (nl, ws, T, lso) {
    var s = String(ws); if (s.indexOf(".") < 0) s += ".0";
    return nl + "|" + s + "|" + T + "|" + (lso ? 1 : 0);
  };
  var el = function (name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e); return e;
  };
  var txt = function (x, y, anchor, size, col, text) {
    return el("text", {x: x, y: y, "text-anchor": anchor, "font-size": size,
      fill: col}, text);
  };
  var C = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
  function draw() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var nl = sel("nl").value, T = +sel("T").value, lso = sel("lso").checked;
    var all = sel("all").checked, ws = +sel("ws").value;
    var scales = all ? g.weight_scales : [ws], series = [];
    scales.forEach(function (s, i) {
      var c = D.curves[key(nl, s, T, lso)];
      var col = all ? C[i % C.length] : C[0];
      var lab = all ? "scale " + s : "|dL/dh_t|";
      series.push({v: c.grad, col: col, dash: "", lab: lab});
      if (!all) {
        series.push({v: c.state, col: C[1], dash: "5,4", lab: "mean |h_t|"});
      }
    });
    var lo = Infinity, hi = -Infinity;
    series.forEach(function (s) { s.v.forEach(function (y) {
      if (y !== null) { lo = Math.min(lo, y); hi = Math.max(hi, y); } }); });
    lo = Math.floor(lo); hi = Math.ceil(hi); if (hi <= lo) hi = lo + 1;
    var L = 62, R = 620, Tp = 26, B = 286;
    var X = function (t) { return L + (R - L) * (T > 1 ? (t - 1) / (T - 1) : 0.5); };
    var Y = function (y) { return B - (B - Tp) * (y - lo) / (hi - lo); };
    var step = Math.max(1, Math.ceil((hi - lo) / 8));
    for (var p = lo; p <= hi; p += step) {
      el("line", {x1: L, x2: R, y1: Y(p), y2: Y(p), stroke: "#ddd"});
      txt(L - 6, Y(p) + 4, "end", 11, "#222", "1e" + p);
    }
    var tstep = Math.max(1, Math.round(T / 10));
    for (var t = 1; t <= T; t += tstep) {
      txt(X(t), B + 16, "middle", 11, "#222", String(t));
    }
    el("line", {x1: L, x2: L, y1: Tp, y2: B, stroke: "#333"});
    el("line", {x1: L, x2: R, y1: B, y2: B, stroke: "#333"});
    txt((L + R) / 2, B + 36, "middle", 12, "#222", "time step t");
    txt(14, (Tp + B) / 2, "middle", 12, "#222", "norm (log scale)")
      .setAttribute("transform", "rotate(-90 14 " + (Tp + B) / 2 + ")");
    var gaps = 0;
    series.forEach(function (s, i) {
      var d = "", pen = "M";
      s.v.forEach(function (y, j) {
        if (y === null) { gaps += 1; pen = "M"; return; }
        d += pen + X(j + 1).toFixed(1) + "," + Y(y).toFixed(1) + " "; pen = "L";
      });
      el("path", {d: d, fill: "none", stroke: s.col, "stroke-width": 2,
        "stroke-dasharray": s.dash});
      txt(L + 92 * i, 12, "start", 11, s.col, s.lab);
    });
    sel("note").textContent =
      (all ? "Solid: |dL/dh_t| for each weight scale. " : "") +
      (lso ? "Loss on the last step only. " : "Loss on every step. ") +
      (gaps ? gaps + " value(s) overflowed and are not drawn." : "");
  }
  root.addEventListener("change", draw); draw();
}
