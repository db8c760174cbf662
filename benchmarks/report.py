"""Read, summarise and plot the decoding benchmark's committed results.

This is the Performance page's report, kept next to the harness and outside
the ``reviewkit`` package (import it as ``benchmarks.report`` from the
repository root). Fits and tables come from :mod:`reviewkit.measure`.

The benchmark itself (``benchmarks/decoding.py``, run with ``nox -s bench``)
times three ways of decoding the same small RNN language model: reviewkit's
beam search, Hugging Face transformers' ``generate(num_beams=k)`` and *the
floor*, a loop that does only the unavoidable work of a beam step (the model on
:math:`k` rows, a log-softmax, one top-:math:`k` over :math:`kM` scores and the
gather of the state). It writes every run's time to a JSON file under
``benchmarks/results/``. This module turns that file into the tables, fits and
figures of the Performance page, so the docs build never reruns the benchmark.

Each decode of length :math:`T` is modelled as a fixed cost plus a cost per
step,

.. math::

    t(T) = a + b\\,T ,

and the per-step cost :math:`b` as a power law in the beam size :math:`k` and
the vocabulary size :math:`M`, :math:`b \\propto k^{\\alpha} M^{\\beta}`.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter, NullFormatter

from reviewkit.measure import fit_line

__all__ = [
    "FLAT_RATIO",
    "FLOOR_RATIO",
    "METHODS",
    "MIN_REPEATS",
    "RESULTS_PATH",
    "SMALL_MODEL_SPEEDUP",
    "Target",
    "agreement",
    "cell_rows",
    "exponents",
    "flatness",
    "load_results",
    "long_rows",
    "median_times",
    "per_step_fits",
    "plot_long_run",
    "plot_times",
    "profile_rows",
    "ratio_summary",
    "run_spread",
    "targets",
]

#: The three decoders the benchmark times, in the order tables list them.
METHODS: tuple[str, ...] = ("reviewkit", "transformers", "floor")

#: Where ``nox -s bench`` writes the full grid's results (committed to git).
RESULTS_PATH: Path = Path(__file__).resolve().parent / "results" / "decoding.json"

#: Fewest timed runs per method and cell; the issue asks for a median of >= 5.
MIN_REPEATS: int = 5

#: Target (issue 12): the median over the grid of reviewkit's time over the
#: floor's, per cell, is at most this.
FLOOR_RATIO: float = 1.10

#: Target: on small-model cells (H = 64, M <= 1000) reviewkit is at least this
#: many times faster than transformers.
SMALL_MODEL_SPEEDUP: float = 2.0

#: Target: per-step cost at long lengths over per-step cost at short lengths;
#: at most this ratio counts as "flat in T".
FLAT_RATIO: float = 1.10

#: Lengths of the long run counted as "short" and as "long" by :func:`flatness`.
_SHORT_MAX, _LONG_MIN = 100, 200

_CELL_KEYS = ("hidden_size", "vocab_size", "beam_size", "length")
_RATIOS = ("reviewkit/floor", "transformers/floor", "reviewkit/transformers")


def load_results(path: str | Path | None = None) -> dict[str, Any]:
    """Load a results file and check that it is complete.

    Args:
        path: The JSON file ``benchmarks/decoding.py`` wrote; defaults to the
            committed full-grid results, :data:`RESULTS_PATH`.

    Returns:
        The parsed results: ``"machine"``, ``"versions"``, ``"settings"``,
        ``"grid"``, ``"long"`` and ``"cells"`` (one entry per timed cell, with
        every run's time in seconds under ``"times"``).

    Raises:
        ValueError: If a key, a grid cell, a method's times or an agreement
            check is missing, or if a cell has fewer than :data:`MIN_REPEATS`
            runs.
    """
    if path is None:
        path = RESULTS_PATH
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    results = json.loads(Path(path).read_text())
    missing = {"machine", "versions", "settings", "grid", "long", "cells"} - set(
        results
    )
    if missing:
        raise ValueError(f"results file {path} lacks the keys {sorted(missing)}")
    grid = results["grid"]
    have = {_key(c) for c in results["cells"] if c["part"] == "grid"}
    want = {
        (h, m, k, t)
        for h in grid["hidden_size"]
        for m in grid["vocab_size"]
        for k in grid["beam_size"]
        for t in grid["length"]
    }
    if want - have:
        raise ValueError(
            f"results file {path} lacks grid cells (H, M, k, T) {sorted(want - have)}"
        )
    for cell in results["cells"]:
        for method in METHODS:
            runs = cell["times"].get(method, [])
            if len(runs) < MIN_REPEATS:
                raise ValueError(
                    f"cell {_key(cell)} has {len(runs)} runs of {method}, "
                    f"expected at least {MIN_REPEATS}"
                )
        if not cell.get("check", {}).get("same_hypotheses", False):
            raise ValueError(f"cell {_key(cell)} has no passed agreement check")
    return results


def _key(cell: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(int(cell[k]) for k in _CELL_KEYS)


def _cells(results: Mapping[str, Any], part: str) -> list[Mapping[str, Any]]:
    if part not in ("grid", "long", "eos"):
        raise ValueError(f"part must be 'grid', 'long' or 'eos', got {part!r}")
    return sorted((c for c in results["cells"] if c["part"] == part), key=_key)


def agreement(results: Mapping[str, Any]) -> dict[str, Any]:
    """Summarise the agreement checks the benchmark ran before timing.

    Args:
        results: What :func:`load_results` returned.

    Returns:
        ``cells`` (how many were checked), ``full_length`` (how many agree
        over the whole length), ``tie_limited`` (how many were checked only
        up to a float32 tie that each search broke its own way),
        ``shortest_check`` (the smallest fraction of a cell's length that was
        checked) and ``max_score_difference`` (the largest difference between
        the two searches' scores, in nats).
    """
    checks = [(c["check"], c["length"]) for c in results["cells"]]
    full = sum(check["verified_length"] == length for check, length in checks)
    return {
        "cells": len(checks),
        "full_length": full,
        "tie_limited": len(checks) - full,
        "shortest_check": min(check["verified_length"] / n for check, n in checks),
        "max_score_difference": max(
            check["max_score_difference"] for check, _ in checks
        ),
    }


def median_times(cell: Mapping[str, Any]) -> dict[str, float]:
    """Median time in seconds of each method on one cell."""
    return {m: statistics.median(cell["times"][m]) for m in METHODS}


def run_spread(results: Mapping[str, Any]) -> dict[str, float]:
    """How much repeated runs of the same cell vary, per method.

    For each cell the spread is the interquartile range of its runs over
    their median; the result is the median of that over all cells. A shared
    or virtual machine makes this larger.

    Args:
        results: What :func:`load_results` returned.

    Returns:
        A map from each method to its typical relative spread.
    """
    spread = {}
    for method in METHODS:
        values = []
        for cell in results["cells"]:
            q1, q2, q3 = np.percentile(cell["times"][method], [25, 50, 75])
            values.append((q3 - q1) / q2)
        spread[method] = float(statistics.median(values))
    return spread


def cell_rows(results: Mapping[str, Any], part: str = "grid") -> list[dict[str, Any]]:
    """One row per cell: its sizes, each method's median (ms) and the ratios.

    Args:
        results: What :func:`load_results` returned.
        part: ``"grid"`` for the main grid, ``"long"`` for the long-T run,
            ``"eos"`` for the cells decoded with an end token.

    Returns:
        Rows with keys ``H``, ``M``, ``k``, ``T``, ``reviewkit``,
        ``transformers``, ``floor`` (medians in milliseconds),
        ``reviewkit/floor``, ``transformers/floor`` and
        ``reviewkit/transformers``.
    """
    rows = []
    for cell in _cells(results, part):
        med = median_times(cell)
        row: dict[str, Any] = dict(zip(("H", "M", "k", "T"), _key(cell), strict=True))
        row.update({m: 1e3 * med[m] for m in METHODS})
        row["reviewkit/floor"] = med["reviewkit"] / med["floor"]
        row["transformers/floor"] = med["transformers"] / med["floor"]
        row["reviewkit/transformers"] = med["reviewkit"] / med["transformers"]
        rows.append(row)
    return rows


def ratio_summary(
    results: Mapping[str, Any], by: Sequence[str] = ("H", "M")
) -> list[dict[str, Any]]:
    """Median of each ratio of :func:`cell_rows` over groups of grid cells.

    Args:
        results: What :func:`load_results` returned.
        by: The sizes to group by, among ``"H"``, ``"M"``, ``"k"`` and
            ``"T"``; ``()`` gives one row for the whole grid.

    Returns:
        One row per group: its sizes, ``cells`` (how many) and the median of
        ``reviewkit/floor``, ``transformers/floor`` and
        ``reviewkit/transformers``.
    """
    bad = [b for b in by if b not in ("H", "M", "k", "T")]
    if bad:
        raise ValueError(f"by must name sizes among H, M, k, T, got {bad}")
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in cell_rows(results):
        groups.setdefault(tuple(row[b] for b in by), []).append(row)
    out = []
    for key, rows in sorted(groups.items()):
        summary: dict[str, Any] = dict(zip(by, key, strict=True))
        summary["cells"] = len(rows)
        for ratio in _RATIOS:
            summary[ratio] = statistics.median(r[ratio] for r in rows)
        out.append(summary)
    return out


def per_step_fits(
    results: Mapping[str, Any], part: str = "grid"
) -> list[dict[str, Any]]:
    """Fit :math:`t = a + bT` across lengths for each method and (H, M, k).

    Args:
        results: What :func:`load_results` returned.
        part: ``"grid"`` (lengths of the grid) or ``"long"`` (the long run).

    Returns:
        Rows with keys ``H``, ``M``, ``k``, and for each method
        ``"<method> fixed"`` (:math:`a`, ms) and ``"<method> per step"``
        (:math:`b`, µs per step).
    """
    groups: dict[tuple[int, int, int], list[Mapping[str, Any]]] = {}
    for cell in _cells(results, part):
        groups.setdefault(_key(cell)[:3], []).append(cell)
    rows = []
    for (h, m, k), cells in sorted(groups.items()):
        row: dict[str, Any] = {"H": h, "M": m, "k": k}
        lengths = [c["length"] for c in cells]
        for method in METHODS:
            times = [median_times(c)[method] for c in cells]
            a, b = fit_line(lengths, times)
            row[f"{method} fixed"] = 1e3 * a
            row[f"{method} per step"] = 1e6 * b
        rows.append(row)
    return rows


def exponents(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Log-log exponents of the per-step cost in ``k`` and in ``M``.

    For each method and hidden size, the per-step costs :math:`b` of
    :func:`per_step_fits` are fitted as

    .. math::

        \\log b = c + \\alpha \\log k + \\beta \\log M ,

    over every (M, k) of the grid. Work proportional to :math:`kM` (the output
    layer, the log-softmax and the top-k) gives :math:`\\alpha = \\beta = 1`;
    a cost per step that does not depend on the sizes pulls both towards 0.

    Args:
        results: What :func:`load_results` returned.

    Returns:
        Rows with keys ``method``, ``H``, ``alpha`` (exponent in k) and
        ``beta`` (exponent in M).
    """
    fits = per_step_fits(results, "grid")
    rows = []
    for method in METHODS:
        for h in sorted({f["H"] for f in fits}):
            sub = [f for f in fits if f["H"] == h]
            X = np.column_stack(
                [
                    np.ones(len(sub)),
                    np.log([f["k"] for f in sub]),
                    np.log([f["M"] for f in sub]),
                ]
            )
            y = np.log([max(f[f"{method} per step"], 1e-3) for f in sub])
            coef = np.linalg.lstsq(X, y, rcond=None)[0]
            rows.append(
                {
                    "method": method,
                    "H": h,
                    "alpha": float(coef[1]),
                    "beta": float(coef[2]),
                }
            )
    return rows


def long_rows(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The long-T run as rows of time per step and marginal cost per step.

    Args:
        results: What :func:`load_results` returned.

    Returns:
        Rows with keys ``H``, ``M``, ``k``, ``T``, ``method``, ``median``
        (ms), ``per step`` (the median over :math:`T`, µs) and ``marginal``
        (µs per step between this length and the previous one, ``nan`` for
        the shortest).
    """
    cells = _cells(results, "long")
    rows = []
    for method in METHODS:
        previous: dict[tuple[int, ...], tuple[int, float]] = {}
        for cell in cells:
            h, m, k, t = _key(cell)
            med = median_times(cell)[method]
            marginal = math.nan
            if (h, m, k) in previous:
                t0, med0 = previous[(h, m, k)]
                marginal = 1e6 * (med - med0) / (t - t0)
            previous[(h, m, k)] = (t, med)
            rows.append(
                {
                    "H": h,
                    "M": m,
                    "k": k,
                    "T": t,
                    "method": method,
                    "median": 1e3 * med,
                    "per step": 1e6 * med / t,
                    "marginal": marginal,
                }
            )
    return rows


def flatness(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """How much the per-step cost grows with ``T`` in the long run.

    The slope :math:`b` of :math:`t = a + bT` is fitted once over the short
    lengths (:math:`T \\le 100`) and once over the long ones
    (:math:`T \\ge 200`); a decoder whose step does not depend on how far it is
    into the sequence has a ratio near 1.

    Args:
        results: What :func:`load_results` returned.

    Returns:
        Rows with keys ``H``, ``M``, ``k``, ``method``, ``short`` and ``long``
        (µs per step) and ``ratio`` (long over short).
    """
    cells = _cells(results, "long")
    rows = []
    for hmk in sorted({_key(c)[:3] for c in cells}):
        sub = [c for c in cells if _key(c)[:3] == hmk]
        short = [c for c in sub if c["length"] <= _SHORT_MAX]
        long = [c for c in sub if c["length"] >= _LONG_MIN]
        for method in METHODS:
            slopes = []
            for part in (short, long):
                lengths = [c["length"] for c in part]
                times = [median_times(c)[method] for c in part]
                slopes.append(1e6 * fit_line(lengths, times)[1])
            rows.append(
                dict(zip(("H", "M", "k"), hmk, strict=True))
                | {
                    "method": method,
                    "short": slopes[0],
                    "long": slopes[1],
                    "ratio": slopes[1] / slopes[0],
                }
            )
    return rows


def profile_rows(
    results: Mapping[str, Any], cell: Sequence[int], kind: str = "ops"
) -> list[dict[str, Any]]:
    """Where one decode's time goes, per method, for a profiled cell.

    Args:
        results: What :func:`load_results` returned.
        cell: ``(H, M, k, T)`` of a cell listed under ``"profiles"``.
        kind: ``"ops"`` for torch operators (``torch.profiler`` self CPU time)
            or ``"python"`` for Python functions (``cProfile`` own time).

    Returns:
        One row per operator or function that is among the most expensive of
        any method, with ``name`` and, per method, ``"<method> µs"`` (time
        per decode) and ``"<method> calls"`` (calls per decode; 0 when
        absent); sorted by reviewkit's time minus the floor's, largest first.
    """
    if kind not in ("ops", "python"):
        raise ValueError(f"kind must be 'ops' or 'python', got {kind!r}")
    want = tuple(int(x) for x in cell)
    for profile in results.get("profiles", []):
        if _key(profile) == want:
            break
    else:
        have = [_key(p) for p in results.get("profiles", [])]
        raise ValueError(f"cell must be one of the profiled cells {have}, got {want}")
    rows: dict[str, dict[str, Any]] = {}
    for method in METHODS:
        for entry in profile["methods"][method][kind]:
            row = rows.setdefault(
                entry["name"],
                {"name": entry["name"]}
                | {f"{m} µs": 0.0 for m in METHODS}
                | {f"{m} calls": 0.0 for m in METHODS},
            )
            row[f"{method} µs"] = entry["self_us"]
            row[f"{method} calls"] = entry["calls"]
    return sorted(rows.values(), key=lambda r: r["floor µs"] - r["reviewkit µs"])


@dataclass(frozen=True)
class Target:
    """One of the benchmark's targets and whether the results meet it.

    Attributes:
        name: Short name of the target.
        goal: The target in words, with its threshold.
        measured: The measured value the target is judged on.
        met: Whether the measured value meets the target.
        detail: Where the target is missed (empty if it is met).
    """

    name: str
    goal: str
    measured: float
    met: bool
    detail: str


def targets(results: Mapping[str, Any]) -> list[Target]:
    """Judge the results against the benchmark's four targets.

    Args:
        results: What :func:`load_results` returned.

    Returns:
        The targets ``"floor"`` (median of reviewkit/floor over the grid at
        most :data:`FLOOR_RATIO`), ``"transformers"`` (reviewkit faster on
        every cell; measured: the largest reviewkit/transformers),
        ``"small models"`` (at least :data:`SMALL_MODEL_SPEEDUP` times faster
        where H = 64 and M <= 1000; measured: the smallest speed-up) and
        ``"flat"`` (reviewkit's per-step cost ratio of :func:`flatness` at most
        :data:`FLAT_RATIO`; measured: the largest ratio).
    """
    rows = cell_rows(results, "grid")

    def where(bad: list[dict[str, Any]], key: str, fmt: str) -> str:
        return "; ".join(
            f"H={r['H']} M={r['M']} k={r['k']} T={r['T']}: {format(r[key], fmt)}"
            for r in bad
        )

    floor = statistics.median(r["reviewkit/floor"] for r in rows)
    worst_floor = [r for r in rows if r["reviewkit/floor"] > FLOOR_RATIO]
    slower = [r for r in rows if r["reviewkit/transformers"] >= 1.0]
    small = [r for r in rows if r["H"] == 64 and r["M"] <= 1000]
    for r in small:
        r["speed-up"] = r["transformers"] / r["reviewkit"]
    too_slow = [r for r in small if r["speed-up"] < SMALL_MODEL_SPEEDUP]
    flat = [f for f in flatness(results) if f["method"] == "reviewkit"]
    not_flat = [f for f in flat if f["ratio"] > FLAT_RATIO]
    largest = max(r["reviewkit/transformers"] for r in rows)
    return [
        Target(
            "floor",
            f"median reviewkit/floor over the grid <= {FLOOR_RATIO}",
            floor,
            floor <= FLOOR_RATIO,
            ""
            if floor <= FLOOR_RATIO
            else f"{len(worst_floor)} of {len(rows)} cells above {FLOOR_RATIO}",
        ),
        Target(
            "transformers",
            "reviewkit faster than transformers on every cell",
            largest,
            not slower,
            where(slower, "reviewkit/transformers", ".2f"),
        ),
        Target(
            "small models",
            f"at least {SMALL_MODEL_SPEEDUP}x faster than transformers "
            "where H = 64 and M <= 1000",
            min(r["speed-up"] for r in small) if small else math.nan,
            bool(small) and not too_slow,
            where(too_slow, "speed-up", ".2f"),
        ),
        Target(
            "flat",
            f"per-step cost at T >= {_LONG_MIN} within {FLAT_RATIO}x of "
            f"that at T <= {_SHORT_MAX}",
            max(f["ratio"] for f in flat),
            not not_flat,
            "; ".join(f"k={f['k']}: {f['ratio']:.2f}" for f in not_flat),
        ),
    ]


def _log_axes(ax: Any) -> None:
    """Log scales with plain numbers on the ticks (2, 16, 0.5, 100 ...)."""
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(LogFormatter(base=2, labelOnlyBase=False))
    ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
    ax.yaxis.set_minor_formatter(NullFormatter())


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
