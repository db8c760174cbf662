"""The decoding benchmark's results file: how it is written and read back.

``benchmarks/decoding.py`` writes every run's time of every cell, with the
machine, the versions and the settings, as JSON (:func:`write_results`);
:func:`load_results` reads it back and checks that it is complete. The rest of
the report starts from what :func:`load_results` returns.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "METHODS",
    "MIN_REPEATS",
    "PARTS",
    "RESULTS_PATH",
    "cell_key",
    "load_results",
    "median_times",
    "part_cells",
    "write_results",
]

#: The three decoders the benchmark times, in the order tables list them.
METHODS: tuple[str, ...] = ("reviewkit", "transformers", "floor")

#: Where ``nox -s bench`` writes the full grid's results (committed to git).
RESULTS_PATH: Path = Path(__file__).resolve().parent / "results" / "decoding.json"

#: Fewest timed runs per method and cell; the issue asks for a median of >= 5.
MIN_REPEATS: int = 5

_CELL_KEYS = ("hidden_size", "vocab_size", "beam_size", "length")


def write_results(results: dict[str, Any], path: Path) -> None:
    """Write the results as JSON: the record indented, one line per cell."""
    head = {k: v for k, v in results.items() if k not in ("cells", "profiles")}
    cells = [
        cell
        | {"times": {m: [round(t, 7) for t in ts] for m, ts in cell["times"].items()}}
        for cell in results["cells"]
    ]
    text = json.dumps(head, indent=1)[:-2]  # drop the closing "\n}"
    for key, items in (("profiles", results.get("profiles", [])), ("cells", cells)):
        lines = ",\n".join("  " + json.dumps(x, separators=(",", ":")) for x in items)
        text += f',\n "{key}": [\n{lines}\n ]'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n}\n")


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
    have = {cell_key(c) for c in results["cells"] if c["part"] == "grid"}
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
                    f"cell {cell_key(cell)} has {len(runs)} runs of {method}, "
                    f"expected at least {MIN_REPEATS}"
                )
        if not cell.get("check", {}).get("same_hypotheses", False):
            raise ValueError(f"cell {cell_key(cell)} has no passed agreement check")
    return results


def cell_key(cell: Mapping[str, Any]) -> tuple[int, ...]:
    """A cell's sizes ``(H, M, k, T)``."""
    return tuple(int(cell[k]) for k in _CELL_KEYS)


#: The parts of a results file: the grid, the long-T run, the cells with an
#: end token and the batched cells.
PARTS: tuple[str, ...] = ("grid", "long", "eos", "batch")


def part_cells(results: Mapping[str, Any], part: str) -> list[Mapping[str, Any]]:
    """The cells of one part (one of :data:`PARTS`), by size (and batch size)."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
    return sorted(
        (c for c in results["cells"] if c["part"] == part),
        key=lambda c: (*cell_key(c), c.get("batch_size", 1)),
    )


def median_times(cell: Mapping[str, Any]) -> dict[str, float]:
    """Median time in seconds of each method on one cell."""
    return {m: statistics.median(cell["times"][m]) for m in METHODS}
