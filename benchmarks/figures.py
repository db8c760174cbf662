"""Figures of the decoding benchmark's results for the Performance page.

:func:`plot_times` shows the median time against the beam size for every
(H, M) of the grid; :func:`plot_long_run` the marginal cost of a step against
the length in the long run. Both are log-log with plain numbers on the ticks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter

from benchmarks.results_file import METHODS
from benchmarks.scaling import long_rows
from benchmarks.summaries import cell_rows

__all__ = ["plot_long_run", "plot_times"]


def _log_axes(ax: Any) -> None:
    """Log scales with plain numbers on the ticks (2, 16, 0.5, 100 ...)."""
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(LogFormatter(base=2, labelOnlyBase=False))
    ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
    # Panels spanning less than about a decade label some minor ticks (2, 3, 5),
    # so none is left without numbers on its y axis.
    ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False))


def plot_times(results: Mapping[str, Any], length: int | None = None) -> Figure:
    """Median time against beam size, one panel per (H, M), log-log.

    Args:
        results: What :func:`load_results` returned.
        length: The sequence length to show; defaults to the grid's longest.

    Returns:
        The figure.
    """
    import matplotlib.pyplot as plt

    grid = results["grid"]
    if length is None:
        length = max(grid["length"])
    if length not in grid["length"]:
        raise ValueError(f"length must be one of {grid['length']}, got {length}")
    rows = [r for r in cell_rows(results) if r["T"] == length]
    hs, ms = grid["hidden_size"], grid["vocab_size"]
    fig, axes = plt.subplots(
        len(hs),
        len(ms),
        figsize=(2.4 * len(ms), 2.2 * len(hs) + 0.4),
        sharex=True,
        layout="constrained",
    )
    axes = np.atleast_2d(axes)
    for i, h in enumerate(hs):
        for j, m in enumerate(ms):
            ax = axes[i, j]
            sub = [r for r in rows if r["H"] == h and r["M"] == m]
            for method, marker in zip(METHODS, ("o", "s", "^"), strict=True):
                ax.plot(
                    [r["k"] for r in sub],
                    [r[method] for r in sub],
                    marker=marker,
                    label=method,
                )
            _log_axes(ax)
            ax.set_title(f"H = {h}, M = {m}")
            if i == len(hs) - 1:
                ax.set_xlabel("beam size k")
            if j == 0:
                ax.set_ylabel(f"ms for T = {length}")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(METHODS))
    return fig


def plot_long_run(results: Mapping[str, Any]) -> Figure:
    """Marginal cost per step against ``T`` in the long run, per beam size.

    Args:
        results: What :func:`load_results` returned.

    Returns:
        The figure.
    """
    import matplotlib.pyplot as plt

    rows = long_rows(results)
    configs = sorted({(r["H"], r["M"], r["k"]) for r in rows})
    fig, axes = plt.subplots(
        1, len(configs), figsize=(3.2 * len(configs), 3.0), layout="constrained"
    )
    axes = np.atleast_1d(axes)
    for ax, (h, m, k) in zip(axes, configs, strict=True):
        for method, marker in zip(METHODS, ("o", "s", "^"), strict=True):
            sub = [
                r
                for r in rows
                if (r["H"], r["M"], r["k"]) == (h, m, k)
                and r["method"] == method
                and not math.isnan(r["marginal"])
            ]
            ax.plot(
                [r["T"] for r in sub],
                [r["marginal"] for r in sub],
                marker=marker,
                label=method,
            )
        _log_axes(ax)
        ax.set_title(f"H = {h}, M = {m}, k = {k}")
        ax.set_xlabel("length T")
    axes[0].set_ylabel("µs per extra step")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(METHODS))
    return fig
