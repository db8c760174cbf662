"""One matplotlib style for every figure on the site.

Figures are drawn on an opaque white card with dark text, so they read the same
in the theme's light and dark modes (the dark theme only dims images slightly).
Colours are the Okabe-Ito palette, which stays distinguishable for the common
forms of colour blindness.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import matplotlib as mpl
from cycler import cycler

__all__ = ["PALETTE", "STYLE", "style_context", "use_style"]

#: Okabe-Ito colours, in the order the style cycles through them.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)

#: The rcParams the style sets.
STYLE: dict[str, object] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "axes.titlesize": "medium",
    "axes.titleweight": "bold",
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(PALETTE)),
    "grid.color": "#d0d0d0",
    "grid.linewidth": 0.6,
    "font.size": 10,
    "text.color": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "figure.constrained_layout.use": True,
}


def use_style() -> None:
    """Apply the reviewkit style to matplotlib's global settings."""
    mpl.rcParams.update(STYLE)


@contextlib.contextmanager
def style_context() -> Iterator[None]:
    """Apply the reviewkit style inside a ``with`` block only."""
    with mpl.rc_context(STYLE):
        yield
