"""A gradient explorer: the norm of dL/dh_t against t for a grid of settings.

The static site has no kernel, so :func:`precompute` runs the probe of
:mod:`reviewkit.gradients` for every cell of a small grid (nonlinearity x
weight scale x sequence length x ``last_step_only``) when the page is built,
and :func:`explorer_html` turns the numbers into self-contained HTML: a few
``<select>`` controls and a short inline script that draws the chosen curve as
SVG. Nothing is loaded from the network. In Jupyter, :func:`live_explorer`
gives the same controls wired to the real probe through ipywidgets.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import torch
from matplotlib.figure import Figure

from reviewkit.checks import check_choice, check_float, check_int
from reviewkit.gradients import GradientProfile, probe_gradients
from reviewkit.rnn import NONLINEARITIES, RNNRegressor, running_average_task

__all__ = [
    "ExplorerGrid",
    "curve_key",
    "explorer_curve",
    "explorer_html",
    "live_explorer",
    "plot_curve",
    "precompute",
    "show_explorer",
]


@dataclass(frozen=True)
class ExplorerGrid:
    """The settings the static explorer offers, and the probe's fixed sizes."""

    nonlinearities: tuple[str, ...] = NONLINEARITIES  # all three the layer has
    # scales on both sides of 1, where the untrained gradients turn around
    weight_scales: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
    seq_lens: tuple[int, ...] = (10, 25, 50)  # short to long; 50 spans ~10 decades
    hidden_size: int = 32  # big enough for the circular law to hold roughly
    batch_size: int = 16  # a batch averages out one lucky sequence
    seed: int = 0  # one seed for weights and inputs: the same model in every cell
    decimals: int = 3  # log10 values to 3 decimals: 0.7% error, small JSON


def curve_key(
    nonlinearity: str, weight_scale: float, seq_len: int, last_step_only: bool
) -> str:
    """The key of one grid cell in the data of :func:`precompute`.

    Args:
        nonlinearity: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian recurrent matrix.
        seq_len: Sequence length.
        last_step_only: Loss on the last step only.

    Returns:
        A string such as ``"tanh|1.0|25|1"``.
    """
    return f"{nonlinearity}|{float(weight_scale)}|{seq_len}|{int(last_step_only)}"


def explorer_curve(
    nonlinearity: str,
    weight_scale: float,
    seq_len: int,
    last_step_only: bool,
    *,
    hidden_size: int = 32,
    batch_size: int = 16,
    seed: int = 0,
) -> GradientProfile:
    """Probe a fresh, untrained regressor for one setting of the explorer.

    Args:
        nonlinearity: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian recurrent matrix (at least 0).
        seq_len: Sequence length, :math:`T`.
        last_step_only: Loss on the last step only, instead of on every step.
        hidden_size: Hidden units, :math:`H`.
        batch_size: Sequences in the probe batch, :math:`B`.
        seed: Seed of the weights and of the inputs.

    Returns:
        The probe's result; its norms have shape (T,).
    """
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    check_float("weight_scale", weight_scale, low=0.0)
    check_int("seq_len", seq_len, minimum=1)
    model = RNNRegressor(
        1, hidden_size, 1, nonlinearity, weight_scale=weight_scale, seed=seed
    )
    x, y = running_average_task(batch_size, seq_len, seed=seed)
    return probe_gradients(model, x, y, last_step_only=last_step_only)


def _log10_list(values: torch.Tensor, decimals: int) -> list[float | None]:
    """log10 of each value, rounded; ``None`` where it is zero or not finite."""
    out: list[float | None] = []
    for v in values.tolist():
        out.append(round(math.log10(v), decimals) if 0 < v < math.inf else None)
    return out


def precompute(grid: ExplorerGrid = ExplorerGrid()) -> dict[str, Any]:
    """Run the probe for every cell of ``grid``: the static explorer's data.

    Args:
        grid: The settings to cover.

    Returns:
        A JSON-ready map: ``"grid"`` (the choices) and ``"curves"``, which maps
        :func:`curve_key` to ``{"grad": [...], "state": [...]}``, the log10 of
        :math:`\\|\\partial L/\\partial h_t\\|` and of the mean :math:`\\|h_t\\|`.
    """
    if not isinstance(grid, ExplorerGrid):
        raise TypeError(f"grid must be an ExplorerGrid, got {type(grid).__name__}")
    curves = {}
    for nonlinearity in grid.nonlinearities:
        for scale in grid.weight_scales:
            for T in grid.seq_lens:
                for last_step_only in (True, False):
                    profile = explorer_curve(
                        nonlinearity,
                        scale,
                        T,
                        last_step_only,
                        hidden_size=grid.hidden_size,
                        batch_size=grid.batch_size,
                        seed=grid.seed,
                    )
                    key = curve_key(nonlinearity, scale, T, last_step_only)
                    curves[key] = {
                        "grad": _log10_list(profile.grad_norms, grid.decimals),
                        "state": _log10_list(profile.state_norms, grid.decimals),
                    }
    return {
        "grid": {
            "nonlinearities": list(grid.nonlinearities),
            "weight_scales": [float(s) for s in grid.weight_scales],
            "seq_lens": list(grid.seq_lens),
        },
        "curves": curves,
    }


_TEMPLATE = """\
<div id="@ID@" class="rk-explorer" style="background:#fff;color:#222;\
border:1px solid #ccc;border-radius:6px;padding:10px;max-width:680px;\
font-family:sans-serif;font-size:14px">
<div style="display:flex;flex-wrap:wrap;gap:12px;margin-bottom:6px">
<label>nonlinearity <select data-k="nl"></select></label>
<label>weight scale <select data-k="ws"></select></label>
<label>sequence length <select data-k="T"></select></label>
<label><input type="checkbox" data-k="lso" checked> last_step_only</label>
<label><input type="checkbox" data-k="all"> all scales</label>
</div>
<svg viewBox="0 0 640 330" width="100%" role="img" \
aria-label="Log-scale plot of gradient and hidden-state norms against time step">
</svg>
<div data-k="note" style="font-size:12px;color:#555"></div>
</div>
<script>
(function () {
var D = @DATA@;
var root = document.getElementById("@ID@");
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
})();
</script>
"""


def explorer_html(data: dict[str, Any], *, element_id: str = "rk-rnn-explorer") -> str:
    """Self-contained HTML and inline JavaScript for the static explorer.

    Args:
        data: The output of :func:`precompute`.
        element_id: The id of the explorer's outer ``<div>`` (unique per page).

    Returns:
        The HTML, with the data inlined as JSON; it loads nothing else.
    """
    if not isinstance(data, dict) or not {"grid", "curves"} <= set(data):
        raise ValueError("data must be the dict returned by precompute()")
    if not isinstance(element_id, str) or not element_id.replace("-", "").isalnum():
        raise ValueError(
            f"element_id must be letters, digits and dashes, got {element_id!r}"
        )
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return _TEMPLATE.replace("@ID@", element_id).replace("@DATA@", payload)


def show_explorer(grid: ExplorerGrid = ExplorerGrid()) -> Any:
    """Precompute ``grid`` and return the explorer for display in a notebook.

    Args:
        grid: The settings to cover.

    Returns:
        An ``IPython.display.HTML`` object holding :func:`explorer_html`.
    """
    from IPython.display import HTML

    return HTML(explorer_html(precompute(grid)))


def plot_curve(
    nonlinearity: str = "tanh",
    weight_scale: float = 1.0,
    seq_len: int = 50,
    last_step_only: bool = True,
) -> Figure:
    """Plot one setting of the explorer with matplotlib, from a fresh probe.

    Args:
        nonlinearity: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian recurrent matrix.
        seq_len: Sequence length, :math:`T`.
        last_step_only: Loss on the last step only, instead of on every step.

    Returns:
        The figure: gradient and hidden-state norms against :math:`t`, log scale.
    """
    profile = explorer_curve(nonlinearity, weight_scale, seq_len, last_step_only)
    t = range(1, seq_len + 1)
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    ax.semilogy(t, profile.grad_norms, label=r"$\|\partial L/\partial h_t\|$")
    ax.semilogy(t, profile.state_norms, "--", label=r"mean $\|h_t\|$")
    ax.set_xlabel("time step t")
    ax.set_ylabel("norm (log scale)")
    ax.set_title(f"{nonlinearity}, weight scale {weight_scale}, T = {seq_len}")
    ax.legend()
    return fig


def live_explorer(grid: ExplorerGrid = ExplorerGrid()) -> Any:
    """The explorer with ipywidgets, calling the probe live (Jupyter only).

    Args:
        grid: Supplies the choices for nonlinearity and sequence length; the
            weight scale is a continuous slider.

    Returns:
        The ``ipywidgets.interactive`` widget; display it to use it.
    """
    import ipywidgets as widgets
    from IPython.display import display

    def _show(
        nonlinearity: str, weight_scale: float, seq_len: int, last_step_only: bool
    ) -> None:
        display(plot_curve(nonlinearity, weight_scale, seq_len, last_step_only))

    return widgets.interactive(
        _show,
        nonlinearity=list(grid.nonlinearities),
        weight_scale=widgets.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.05),
        seq_len=widgets.IntSlider(value=50, min=2, max=200),
        last_step_only=True,
    )
