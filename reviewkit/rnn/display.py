"""Showing the gradient explorer: a static page anywhere, live sliders in Jupyter.

:func:`show_explorer` precomputes a grid (:mod:`reviewkit.rnn.explorer`) and
shows it inline in Jupyter or, in a plain ``python``, writes a standalone HTML
file and returns its path. :func:`live_explorer` gives the same controls wired
to the real computation (:func:`~reviewkit.rnn.gradients.explorer_curve`,
drawn by :func:`~reviewkit.rnn.figures.plot_curve`) through ipywidgets (the
``widgets`` extra: ``pip install "reviewkit[widgets]"``). Nothing here
computes: it calls those modules and displays what they return.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from reviewkit.checks import check_instance
from reviewkit.rnn.explorer import (
    MAX_SEQ_LEN,
    MAX_WEIGHT_SCALE,
    ExplorerGrid,
    explorer_html,
    precompute,
)
from reviewkit.rnn.figures import plot_curve
from reviewkit.rnn.gradients import explorer_curve

__all__ = ["live_explorer", "show_explorer"]

_GRID = ExplorerGrid()  # the default grid


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

    def _show(
        nonlinearity: str, weight_scale: float, seq_len: int, last_step_only: bool
    ) -> None:
        profile = explorer_curve(
            nonlinearity,
            weight_scale,
            seq_len,
            last_step_only,
            hidden_size=grid.hidden_size,
            batch_size=grid.batch_size,
            seed=grid.seed,
        )
        title = f"{nonlinearity}, weight scale {weight_scale}, T = {seq_len}"
        display(plot_curve(profile, title))

    return widgets.interactive(
        _show,
        nonlinearity=list(grid.nonlinearities),
        weight_scale=widgets.FloatSlider(
            value=1.0, min=0.0, max=MAX_WEIGHT_SCALE, step=0.05
        ),
        seq_len=widgets.IntSlider(value=50, min=1, max=MAX_SEQ_LEN),
        last_step_only=True,
    )
