"""A gradient explorer: the norm of dL/dh_t against t for a grid of settings.

A static site has no kernel, so :func:`precompute` runs the gradient profile
of :mod:`reviewkit.rnn.gradients` for every cell of a small grid
(nonlinearity x weight scale x sequence length x ``last_step_only``) when the
page is built, and :func:`explorer_html` turns the numbers into self-contained
HTML: a few ``<select>`` controls and the script ``explorer.js`` (shipped with
the package) that draws the chosen curve as SVG. Nothing is loaded from the
network.

:func:`show_explorer` shows it inline in Jupyter and, in a plain ``python``,
writes a standalone HTML file and returns its path. :func:`live_explorer`
gives the same controls wired to the real computation through ipywidgets (the
``widgets`` extra: ``pip install "reviewkit[widgets]"``).
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import torch

from reviewkit.checks import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_seed,
    check_tuple,
)
from reviewkit.rnn.figures import plot_curve
from reviewkit.rnn.gradients import GradientProfile, gradient_profile
from reviewkit.rnn.model import NONLINEARITIES, RNNRegressor
from reviewkit.rnn.tasks import running_average_task

__all__ = [
    "ExplorerGrid",
    "curve_key",
    "explorer_curve",
    "explorer_html",
    "explorer_script",
    "live_explorer",
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

    def __post_init__(self) -> None:
        """Check every field, naming it in the error."""
        check_tuple(
            "nonlinearities",
            self.nonlinearities,
            lambda n, v: check_choice(n, v, NONLINEARITIES),
        )
        check_tuple(
            "weight_scales",
            self.weight_scales,
            # above 10 every ReLU and linear curve overflows float32 at T = 50
            lambda n, v: check_float(n, v, low=0.0, high=10.0),
        )
        check_tuple("seq_lens", self.seq_lens, lambda n, v: check_int(n, v, minimum=1))
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_seed("seed", self.seed)
        check_int("decimals", self.decimals, minimum=0, maximum=10)


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
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    check_float("weight_scale", weight_scale)
    check_int("seq_len", seq_len, minimum=1)
    check_bool("last_step_only", last_step_only)
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
    """The gradient profile of a fresh, untrained regressor for one setting.

    Args:
        nonlinearity: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian recurrent matrix (at least 0).
        seq_len: Sequence length, :math:`T`.
        last_step_only: Loss on the last step only, instead of on every step.
        hidden_size: Hidden units, :math:`H`.
        batch_size: Sequences in the probe batch, :math:`B`.
        seed: Seed of the weights and of the inputs.

    Returns:
        The profile; its norms have shape (T,).
    """
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    check_float("weight_scale", weight_scale, low=0.0)
    check_int("seq_len", seq_len, minimum=1)
    check_bool("last_step_only", last_step_only)
    check_int("hidden_size", hidden_size, minimum=1)
    check_int("batch_size", batch_size, minimum=1)
    check_seed("seed", seed)
    model = RNNRegressor(
        1, hidden_size, 1, nonlinearity, weight_scale=weight_scale, seed=seed
    )
    x, y = running_average_task(batch_size, seq_len, seed=seed)
    return gradient_profile(model, x, y, last_step_only=last_step_only)


def _log10_list(values: torch.Tensor, decimals: int) -> list[float | None]:
    """log10 of each value, rounded; ``None`` where it is zero or not finite."""
    out: list[float | None] = []
    for v in values.tolist():
        out.append(round(math.log10(v), decimals) if 0 < v < math.inf else None)
    return out


def precompute(grid: ExplorerGrid = ExplorerGrid()) -> dict[str, Any]:
    """Compute the profile for every cell of ``grid``: the static explorer's data.

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


_HTML = """\
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
@SCRIPT@
(function () {
var D = @DATA@;
rkRnnExplorer(document.getElementById("@ID@"), D);
})();
</script>
"""


def explorer_script() -> str:
    """The explorer's JavaScript, ``explorer.js``, shipped as package data.

    Returns:
        The source of the function ``rkRnnExplorer(root, data)``.
    """
    return files("reviewkit.rnn").joinpath("explorer.js").read_text(encoding="utf-8")


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
    return (
        _HTML.replace("@SCRIPT@", explorer_script())
        .replace("@ID@", element_id)
        .replace("@DATA@", payload)
    )


def _in_notebook() -> bool:
    """True inside a running Jupyter kernel (a terminal IPython cannot show HTML)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_explorer(
    grid: ExplorerGrid = ExplorerGrid(), *, path: str | Path | None = None
) -> Any:
    """Precompute ``grid`` and show the explorer: inline in Jupyter, else as a file.

    In a running Jupyter kernel (and with no ``path`` given) it returns an
    ``IPython.display.HTML`` object, which the notebook displays. Anywhere
    else, for example in a plain ``python``, it writes a standalone HTML page
    that any browser opens offline, prints where, and returns the path.

    Args:
        grid: The settings to cover.
        path: Where to write the HTML file; by default
            ``reviewkit-rnn-explorer.html`` in the system's temporary folder.

    Returns:
        The HTML object in a notebook, else the :class:`~pathlib.Path` written.
    """
    if not isinstance(grid, ExplorerGrid):
        raise TypeError(f"grid must be an ExplorerGrid, got {type(grid).__name__}")
    if path is not None and not isinstance(path, str | Path):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    html = explorer_html(precompute(grid))
    if path is None and _in_notebook():
        from IPython.display import HTML

        return HTML(html)
    out = Path(tempfile.gettempdir(), "reviewkit-rnn-explorer.html")
    out = out if path is None else Path(path)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>RNN gradient explorer</title></head><body>\n"
        f"{html}</body></html>\n"
    )
    out.write_text(page, encoding="utf-8")
    print(f"wrote the gradient explorer to {out}; open it in a web browser")
    return out


def live_explorer(grid: ExplorerGrid = ExplorerGrid()) -> Any:
    """The explorer with ipywidgets, computing each curve live (Jupyter only).

    Needs the ``widgets`` extra (``pip install "reviewkit[widgets]"``).

    Args:
        grid: Supplies the choices for nonlinearity; the weight scale and the
            sequence length are sliders.

    Returns:
        The ``ipywidgets.interactive`` widget; display it to use it.

    Raises:
        ImportError: If ipywidgets or IPython is not installed, saying how to
            install them.
    """
    if not isinstance(grid, ExplorerGrid):
        raise TypeError(f"grid must be an ExplorerGrid, got {type(grid).__name__}")
    try:
        import ipywidgets as widgets
        from IPython.display import display
    except ImportError as err:
        raise ImportError(
            "live_explorer needs ipywidgets and IPython (a Jupyter kernel): "
            'pip install "reviewkit[widgets]"; without them, show_explorer() '
            "writes a static HTML explorer"
        ) from err

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
