"""The gradient explorer's data: the norm of dL/dh_t against t for a grid of settings.

A static site has no kernel, so :func:`precompute` runs
:func:`~reviewkit.rnn.gradients.explorer_curve` (in float64) for every cell of
a small grid when the page is built, and :func:`explorer_html` inlines the
numbers and the shipped ES modules ``explorer_core.js`` (DOM-free logic) and
``explorer.js`` (the widget) into self-contained HTML that loads nothing.
:mod:`reviewkit.rnn.display` shows it (and a live version).

**The data format** (JSON; :func:`precompute` returns it, the explorer and
the site's RNN practice page read it)::

    {"grid": {"nonlinearities": ["linear", ...],
              "weight_scales": [0.5, ...],
              "seq_lens": [10, ...]},
     "curves": {"<curve_key>": {"grad": [v_1, ..., v_T],
                                "state": [v_1, ..., v_T]}, ...}}

One curve per grid cell, under :func:`curve_key`. ``grad`` holds
:math:`\\|\\partial L/\\partial h_t\\|` and ``state`` the mean :math:`\\|h_t\\|`
for :math:`t = 1, \\dots, T`, each entry the :math:`\\log_{10}` of the norm
rounded to ``grid.decimals``, or the string ``"inf"`` (it overflowed float64,
past about :math:`10^{308}`; JSON has no infinity) or ``"-inf"`` (it is 0 in
float64: exactly, as before the last step at weight scale 0, or underflowed).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from functools import partial
from importlib.resources import files
from typing import Any

import torch

from reviewkit.checks import (
    check_bool,
    check_choice,
    check_distinct,
    check_float,
    check_instance,
    check_int,
    check_seed,
    check_tuple,
)
from reviewkit.rnn.gradients import explorer_curve
from reviewkit.rnn.model import NONLINEARITIES

__all__ = [
    "MAX_SEQ_LEN",
    "MAX_WEIGHT_SCALE",
    "ExplorerGrid",
    "curve_key",
    "explorer_html",
    "explorer_script",
    "precompute",
]

#: The largest weight scale the explorer accepts (grid and live sliders).
MAX_WEIGHT_SCALE = 10.0
#: The longest sequence the explorer accepts (grid and live sliders).
MAX_SEQ_LEN = 200


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
        """Check every field, naming it in the error (overflows are stored as inf)."""
        for name, check in (
            ("nonlinearities", partial(check_choice, choices=NONLINEARITIES)),
            ("weight_scales", partial(check_float, low=0, high=MAX_WEIGHT_SCALE)),
            ("seq_lens", partial(check_int, minimum=1, maximum=MAX_SEQ_LEN)),
        ):
            check_distinct(name, check_tuple(name, getattr(self, name), check))
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_seed("seed", self.seed)
        check_int("decimals", self.decimals, minimum=0, maximum=10)


def curve_key(
    nonlinearity: str, weight_scale: float, seq_len: int, last_step_only: bool
) -> str:
    """The key of one grid cell in the data of :func:`precompute`.

    Returns:
        For example ``"tanh|1.0|25|1"``: the nonlinearity, the weight scale as
        Python prints a float, the length, 1 for loss on the last step only.
    """
    check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
    check_float("weight_scale", weight_scale)
    check_int("seq_len", seq_len, minimum=1)
    check_bool("last_step_only", last_step_only)
    return f"{nonlinearity}|{float(weight_scale)}|{seq_len}|{int(last_step_only)}"


def _encode(norms: torch.Tensor, decimals: int) -> list[float | str]:
    """log10 of each norm, rounded; ``"inf"`` if it overflowed, ``"-inf"`` if 0."""
    return [
        "inf" if v == math.inf else "-inf" if v == 0 else round(math.log10(v), decimals)
        for v in norms.tolist()
    ]


def precompute(grid: ExplorerGrid = ExplorerGrid()) -> dict[str, Any]:
    """Compute the profile for every cell of ``grid``: the static explorer's data.

    Args:
        grid: The settings to cover.

    Returns:
        A JSON-ready map in the format of this module's docstring.
    """
    check_instance("grid", grid, ExplorerGrid)
    curves = {}
    sizes = dict(
        hidden_size=grid.hidden_size, batch_size=grid.batch_size, seed=grid.seed
    )
    for cell in itertools.product(
        grid.nonlinearities, grid.weight_scales, grid.seq_lens, (True, False)
    ):  # (nonlinearity, weight scale, T, last_step_only)
        p = explorer_curve(*cell, **sizes)
        curves[curve_key(*cell)] = {
            "grad": _encode(p.grad_norms, grid.decimals),
            "state": _encode(p.state_norms, grid.decimals),
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
<script type="module">
@SCRIPT@
rkRnnExplorer(document.getElementById("@ID@"), @DATA@);
</script>
"""

# the widget's one import of the DOM-free module, dropped when they are inlined
_IMPORT = re.compile(r'^import \{[^}]*\} from "\./explorer_core\.js";\n', re.M)


def explorer_script() -> str:
    """The explorer's JavaScript as one ES module, for an inline ``<script>``.

    Returns:
        ``explorer_core.js`` then ``explorer.js`` (which exports
        ``rkRnnExplorer(root, data)``) without its import of the first.
    """
    package = files("reviewkit.rnn")
    core = package.joinpath("explorer_core.js").read_text(encoding="utf-8")
    widget = package.joinpath("explorer.js").read_text(encoding="utf-8")
    widget, found = _IMPORT.subn("", widget)
    if found != 1:
        raise RuntimeError("explorer.js must import from explorer_core.js once")
    return core + "\n" + widget


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
