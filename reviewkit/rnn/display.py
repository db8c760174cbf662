"""Showing the gradient explorer: a static page anywhere, live sliders in Jupyter.

:func:`show_explorer` shows a precomputed grid (:mod:`reviewkit.rnn.explorer`)
inline in Jupyter or as a standalone HTML file; :func:`live_explorer` wires
ipywidgets to :func:`~reviewkit.rnn.gradients.explorer_curve`, each curve
drawn by :func:`plot_curve`. Nothing here computes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reviewkit.checks import check_instance
from reviewkit.rnn.explorer import (
    MAX_SEQ_LEN,
    MAX_WEIGHT_SCALE,
    ExplorerGrid,
    explorer_html,
    precompute,
)
from reviewkit.rnn.gradients import GradientProfile, explorer_curve

__all__ = ["live_explorer", "plot_curve", "show_explorer"]

_GRID = ExplorerGrid()  # the default grid


def _semilogy(ax: Axes, norms: torch.Tensor, style: str, label: str) -> None:
    """Draw norms against t = 1..T; inf as ^ on the top edge, zeros as v below."""
    t = torch.arange(1, len(norms) + 1)
    ok = norms.isfinite() & (norms > 0)
    (line,) = ax.semilogy(t[ok], norms[ok], style, label=label)
    edge = dict(transform=ax.get_xaxis_transform(), clip_on=False)  # y: 0 to 1
    marks = ((norms.isinf(), 1, "^", "overflowed"), (norms == 0, 0, "v", "zero"))
    for mask, y, marker, what in marks:
        if bool(mask.any()):
            kw = dict(c=line.get_color(), label=f"{label}: {what}", **edge)
            ax.plot(t[mask], [y] * int(mask.sum()), marker, **kw)


def plot_curve(profile: GradientProfile, title: str = "") -> Figure:
    """Plot one profile's gradient and hidden-state norms against :math:`t`.

    Args:
        profile: For example one setting of the explorer,
            :func:`~reviewkit.rnn.gradients.explorer_curve`.
        title: The axes' title.

    Returns:
        The figure: gradient (solid) and mean hidden-state (dashed) norms
        against :math:`t`, log scale.
    """
    check_instance("profile", profile, GradientProfile)
    check_instance("title", title, str)
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    _semilogy(ax, profile.grad_norms, "-", r"$\|\partial L/\partial h_t\|$")
    _semilogy(ax, profile.state_norms, "--", r"mean $\|h_t\|$")
    ax.set_yscale("log")  # also when no step is drawable
    ax.set_xlabel("time step t")
    ax.set_ylabel("norm (log scale)")
    ax.set_title(title)
    ax.legend()
    return fig


def _in_notebook() -> bool:
    """True inside a running Jupyter kernel (a terminal IPython cannot show HTML)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_explorer(grid: ExplorerGrid = _GRID, *, path: str | Path | None = None) -> Any:
    """Precompute ``grid`` and show the explorer: inline in Jupyter, else as a file.

    In a Jupyter kernel (with no ``path``) it returns an ``IPython.display.HTML``
    object; anywhere else (a plain ``python``) it writes a standalone HTML page
    that a browser opens offline, and prints where.

    Args:
        grid: The settings to cover.
        path: Where to write the HTML file; by default
            ``reviewkit-rnn-explorer.html`` in the system's temporary folder.

    Returns:
        The HTML object in a notebook, else the :class:`~pathlib.Path` written.
    """
    check_instance("grid", grid, ExplorerGrid)
    if path is not None:
        check_instance("path", path, (str, Path))
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


def live_explorer(grid: ExplorerGrid = _GRID) -> Any:
    """The explorer with ipywidgets, computing each curve live (Jupyter only).

    Needs the ``widgets`` extra (``pip install "reviewkit[widgets]"``). The
    sliders span what :class:`~reviewkit.rnn.explorer.ExplorerGrid` accepts:
    weight scales 0 to ``MAX_WEIGHT_SCALE``, lengths 1 to ``MAX_SEQ_LEN``; an
    overflow is drawn on the plot's top edge, never raised.

    Args:
        grid: Supplies the choices for nonlinearity and the probe's sizes.

    Returns:
        The ``ipywidgets.interactive`` widget; display it to use it.

    Raises:
        ImportError: If ipywidgets or IPython is not installed, saying how to
            install them.
    """
    check_instance("grid", grid, ExplorerGrid)
    try:
        import ipywidgets as widgets
        from IPython.display import display
    except ImportError as err:
        raise ImportError(
            "live_explorer needs ipywidgets and IPython (a Jupyter kernel): "
            'pip install "reviewkit[widgets]"; without them, show_explorer() '
            "writes a static HTML explorer"
        ) from err

    sizes = dict(
        hidden_size=grid.hidden_size, batch_size=grid.batch_size, seed=grid.seed
    )

    def _show(
        nonlinearity: str, weight_scale: float, seq_len: int, last_step_only: bool
    ):
        cell = (nonlinearity, weight_scale, seq_len, last_step_only)
        title = f"{nonlinearity}, scale {weight_scale}, T = {seq_len}"
        display(plot_curve(explorer_curve(*cell, **sizes), title))

    return widgets.interactive(
        _show,
        nonlinearity=list(grid.nonlinearities),
        weight_scale=widgets.FloatSlider(
            value=1.0, min=0.0, max=MAX_WEIGHT_SCALE, step=0.05
        ),
        seq_len=widgets.IntSlider(value=50, min=1, max=MAX_SEQ_LEN),
        last_step_only=True,
    )
