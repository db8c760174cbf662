"""The decoding benchmark's targets and whether the results meet them.

Five targets: reviewkit close to the floor, faster than transformers
everywhere and much faster on small models, and a per-step cost flat in T
(issue 12); and no grid cell far above the floor (issue 21).
:func:`targets` judges a results file against them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from benchmarks.scaling import LONG_MIN, SHORT_MAX, flatness
from benchmarks.summaries import cell_rows

__all__ = [
    "FLAT_RATIO",
    "FLOOR_RATIO",
    "SMALL_MODEL_SPEEDUP",
    "WORST_CELL_RATIO",
    "Target",
    "targets",
]

#: Target (issue 12): the median over the grid of reviewkit's time over the
#: floor's, per cell, is at most this.
FLOOR_RATIO: float = 1.10

#: Target (issue 21): no grid cell's reviewkit/floor is above this.
WORST_CELL_RATIO: float = 1.30

#: Target: on small-model cells (H = 64, M <= 1000) reviewkit is at least this
#: many times faster than transformers.
SMALL_MODEL_SPEEDUP: float = 2.0

#: Target: per-step cost at long lengths over per-step cost at short lengths;
#: at most this ratio counts as "flat in T".
FLAT_RATIO: float = 1.10


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
    """Judge the results against the benchmark's five targets.

    Args:
        results: What :func:`load_results` returned.

    Returns:
        The targets ``"floor"`` (median of reviewkit/floor over the grid at
        most :data:`FLOOR_RATIO`), ``"worst cell"`` (every grid cell's
        reviewkit/floor at most :data:`WORST_CELL_RATIO`; measured: the
        largest), ``"transformers"`` (reviewkit faster on
        every cell; measured: the largest reviewkit/transformers),
        ``"small models"`` (at least :data:`SMALL_MODEL_SPEEDUP` times faster
        where H = 64 and M <= 1000; measured: the smallest speed-up) and
        ``"flat"`` (reviewkit's per-step cost ratio of :func:`flatness` at most
        :data:`FLAT_RATIO`; measured: the largest ratio).
    """
    rows = cell_rows(results, "grid")

    def where(bad: list[dict[str, Any]], key: str, fmt: str) -> str:
        """The cells that miss, by name; beyond three, how many and the worst."""

        def name(r: dict[str, Any]) -> str:
            return f"H={r['H']} M={r['M']} k={r['k']} T={r['T']}: {format(r[key], fmt)}"

        if len(bad) <= 3:
            return "; ".join(name(r) for r in bad)
        worst = max(bad, key=lambda r: r[key])
        return f"{len(bad)} of {len(rows)} cells, the worst {name(worst)}"

    floor = statistics.median(r["reviewkit/floor"] for r in rows)
    worst_floor = [r for r in rows if r["reviewkit/floor"] > FLOOR_RATIO]
    worst_cells = [r for r in rows if r["reviewkit/floor"] > WORST_CELL_RATIO]
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
            "worst cell",
            f"every grid cell's reviewkit/floor <= {WORST_CELL_RATIO}",
            max(r["reviewkit/floor"] for r in rows),
            not worst_cells,
            where(worst_cells, "reviewkit/floor", ".2f"),
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
            f"per-step cost at T >= {LONG_MIN} within {FLAT_RATIO}x of "
            f"that at T <= {SHORT_MAX}",
            max(f["ratio"] for f in flat),
            not not_flat,
            "; ".join(f"k={f['k']}: {f['ratio']:.2f}" for f in not_flat),
        ),
    ]
