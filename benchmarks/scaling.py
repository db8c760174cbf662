"""How the decoding time grows: with the length T, the beam k and the vocabulary M.

Each decode of length :math:`T` is modelled as a fixed cost plus a cost per
step, :math:`t(T) = a + b\\,T` (:func:`per_step_fits`), and the per-step cost
as a power law :math:`b \\propto k^{\\alpha} M^{\\beta}` (:func:`exponents`).
The long-T run shows whether a step costs the same late in a sequence as
early (:func:`long_rows`, :func:`flatness`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmarks.results_file import METHODS, cell_key, median_times, part_cells
from reviewkit.measure import fit_line

__all__ = [
    "LONG_MIN",
    "SHORT_MAX",
    "exponents",
    "flatness",
    "long_rows",
    "per_step_fits",
]

#: Lengths of the long run counted as "short" and as "long" by :func:`flatness`.
SHORT_MAX, LONG_MIN = 100, 200


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
    for cell in part_cells(results, part):
        groups.setdefault(cell_key(cell)[:3], []).append(cell)
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
    cells = part_cells(results, "long")
    rows = []
    for method in METHODS:
        previous: dict[tuple[int, ...], tuple[int, float]] = {}
        for cell in cells:
            h, m, k, t = cell_key(cell)
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
    cells = part_cells(results, "long")
    rows = []
    for hmk in sorted({cell_key(c)[:3] for c in cells}):
        sub = [c for c in cells if cell_key(c)[:3] == hmk]
        short = [c for c in sub if c["length"] <= SHORT_MAX]
        long = [c for c in sub if c["length"] >= LONG_MIN]
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
