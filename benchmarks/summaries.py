"""Tables of the decoding benchmark's results: medians, ratios, checks, profiles.

:func:`cell_rows` gives one row per cell with each method's median and the
ratios between them, and :func:`ratio_summary` their medians over groups of
cells; :func:`agreement` summarises the checks run before timing,
:func:`run_spread` how much repeated runs vary, :func:`profile_rows` where
one decode's time goes in a profiled cell, and :func:`greedy_sentence` what
the page says of the ``k = 1`` cells.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from benchmarks.results_file import METHODS, cell_key, median_times, part_cells

__all__ = [
    "agreement",
    "batch_sentence",
    "cell_rows",
    "faults_sentence",
    "flat_drifted",
    "flat_relative",
    "flat_sentence",
    "gaps_sentence",
    "greedy_sentence",
    "profile_rows",
    "ratio_summary",
    "read_back_clause",
    "run_spread",
    "worst_cell_sentence",
]

_RATIOS = ("reviewkit/floor", "transformers/floor", "reviewkit/transformers")


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
            ``"eos"`` for the cells decoded with an end token, ``"batch"``
            for the batched ones.

    Returns:
        Rows with keys ``H``, ``M``, ``k``, ``T`` (and ``N``, the batch size,
        for ``"batch"``), ``reviewkit``,
        ``transformers``, ``floor`` (medians in milliseconds),
        ``reviewkit/floor``, ``transformers/floor`` and
        ``reviewkit/transformers``; for results that counted them, each
        method's median minor page faults per decode (``"<method> faults"``).
    """
    rows = []
    for cell in part_cells(results, part):
        med = median_times(cell)
        row: dict[str, Any] = dict(
            zip(("H", "M", "k", "T"), cell_key(cell), strict=True)
        )
        if part == "batch":
            row["N"] = cell["batch_size"]
        row.update({m: 1e3 * med[m] for m in METHODS})
        row["reviewkit/floor"] = med["reviewkit"] / med["floor"]
        row["transformers/floor"] = med["transformers"] / med["floor"]
        row["reviewkit/transformers"] = med["reviewkit"] / med["transformers"]
        for m, counts in cell.get("faults", {}).items():
            row[f"{m} faults"] = statistics.median(counts)
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
        if cell_key(profile) == want:
            break
    else:
        have = [cell_key(p) for p in results.get("profiles", [])]
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


def greedy_sentence(rows: Sequence[Mapping[str, Any]]) -> str:
    """The Performance page's sentence on reviewkit against the floor at ``k = 1``.

    With one hypothesis reviewkit runs its greedy loop (``max`` over the ``M``
    scores, the state passed on as it is), while the floor still runs a top-k
    and gathers the state, so reviewkit can be faster than the floor there.
    The sentence says whether it was, in how many cells, and why.

    Args:
        rows: :func:`cell_rows`' rows (only those with ``k == 1`` are read).

    Returns:
        One sentence, true of the rows whatever their ratios.
    """
    ratios = [r["reviewkit/floor"] for r in rows if r["k"] == 1]
    if not ratios:
        raise ValueError("rows must hold at least one cell with k == 1")
    lo, hi, n = min(ratios), max(ratios), len(ratios)
    span = f"{lo:.2f}" if f"{lo:.2f}" == f"{hi:.2f}" else f"{lo:.2f} to {hi:.2f}"
    cells = "the one cell" if n == 1 else f"the {n} cells"
    why = (
        "with one hypothesis there is nothing to rank or reorder, so reviewkit "
        "takes the largest of the M scores and passes its state on as it "
        "is, while the floor, written for every k, still runs a top-k over the "
        "candidates and gathers the state"
    )
    if hi < 1:
        return (
            f"At k = 1 reviewkit runs below the floor, at {span} times its time "
            f"in {cells}: {why}."
        )
    if lo >= 1:
        return (
            f"At k = 1 reviewkit takes {span} times the floor's time in {cells}, "
            f"although {why}: the checks and the recording of each step cost more "
            "than the work it skips."
        )
    below = sum(r < 1 for r in ratios)
    return (
        f"At k = 1 reviewkit takes {span} times the floor's time, below the floor "
        f"in {below} of {cells}: {why}."
    )


def _and_list(parts: Sequence[str]) -> str:
    """``"a"``, ``"a and b"`` or ``"a, b and c"``."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _span(values: Sequence[float], spec: str = ".2f") -> str:
    """``"0.81"`` or ``"0.81 to 0.95"``: the range of values (two decimals)."""
    lo, hi = f"{min(values):{spec}}", f"{max(values):{spec}}"
    return lo if lo == hi else f"{lo} to {hi}"


def batch_sentence(rows: Sequence[Mapping[str, Any]]) -> str:
    """The Performance page's sentence on the batched cells.

    Args:
        rows: :func:`cell_rows` of part ``"batch"`` (may be empty: a results
            file written before the benchmark timed batches has none).

    Returns:
        One sentence, true of the rows whatever their ratios: in how many
        batched cells reviewkit is faster than transformers, and the range of
        its time against transformers' and the floor's.
    """
    if not rows:
        return (
            "This results file has no batched cells (it was written before the "
            "benchmark timed batches); rerunning nox -s bench adds them."
        )
    n = len(rows)
    faster = sum(r["reviewkit/transformers"] < 1 for r in rows)
    where = "the one batched cell" if n == 1 else f"the {n} batched cells"
    if faster == 0:
        verdict = f"reviewkit is not faster than transformers in {where}"
        if n > 1:
            verdict = f"reviewkit is faster than transformers in none of {where}"
    elif faster == n:
        verdict = "reviewkit is faster than transformers in " + (
            where if n == 1 else f"all {n} batched cells"
        )
    else:
        verdict = f"reviewkit is faster than transformers in {faster} of {where}"
    return (
        f"{verdict}, taking "
        f"{_span([r['reviewkit/transformers'] for r in rows])} times "
        "transformers' time and "
        f"{_span([r['reviewkit/floor'] for r in rows])} times the floor's."
    )


def flat_sentence(rows: Sequence[Mapping[str, Any]], goal: float) -> str:
    """The Performance page's sentence on how flat each cost per step is in T.

    Args:
        rows: :func:`~benchmarks.scaling.flatness`' rows.
        goal: The largest long-over-short ratio that counts as flat.

    Returns:
        One sentence, true of the rows whatever their ratios: reviewkit's
        largest ratio against the goal and, when it misses, whether the floor
        (whose step does the same work at every length) grew as much.
    """

    def largest(method: str) -> float:
        ratios = [r["ratio"] for r in rows if r["method"] == method]
        if not ratios:
            raise ValueError(f"rows must hold at least one {method} row")
        return max(ratios)

    rk, floor = largest("reviewkit"), largest("floor")
    head = (
        "reviewkit's cost per step over the long lengths is "
        f"{'at most' if rk <= goal else 'up to'} {rk:.2f} times its cost over "
        f"the short ones (target: at most {goal:g})"
    )
    if rk <= goal:
        return head + (
            ": it stores back-pointers and reads the sequences back once, at the end."
        )
    if floor > goal:
        relative = flat_relative(rows)
        return head + (
            f", and the floor's up to {floor:.2f} times, although the floor's step "
            "does the same work at every length: the machine itself ran the long "
            "decodes more slowly in this run. Measured against the floor's growth "
            f"in the same cells, reviewkit's step grew at most {relative:.2f} times, "
            + ("within the target." if relative <= goal else "beyond the target too.")
        )
    return head + (
        f", while the floor's grew by at most {floor:.2f} times: something in "
        "reviewkit's step grows with T."
    )


def flat_relative(rows: Sequence[Mapping[str, Any]]) -> float:
    """reviewkit's largest long-over-short ratio divided by the floor's, cell by cell.

    The floor's step does the same work at every length, so its ratio is the
    machine's own drift over the run; this is reviewkit's growth without it.
    """
    by_cell = {(r["H"], r["M"], r["k"], r["method"]): r["ratio"] for r in rows}
    return max(
        ratio / by_cell[(h, m, k, "floor")]
        for (h, m, k, method), ratio in by_cell.items()
        if method == "reviewkit"
    )


def flat_drifted(rows: Sequence[Mapping[str, Any]], goal: float) -> bool:
    """Whether the flat target is missed only because the machine slowed.

    True when reviewkit's cost per step grew beyond ``goal``, the floor's
    (the same work at every length) grew beyond it too, and reviewkit's growth
    measured against the floor's in the same cells (:func:`flat_relative`)
    is within it: the case :func:`flat_sentence` calls the machine's.
    """
    rk = max(r["ratio"] for r in rows if r["method"] == "reviewkit")
    floor = max(r["ratio"] for r in rows if r["method"] == "floor")
    return rk > goal and floor > goal and flat_relative(rows) <= goal


def worst_cell_sentence(rows: Sequence[Mapping[str, Any]], goal: float) -> str:
    """The Performance page's sentence on the grid cells furthest above the floor.

    Args:
        rows: :func:`cell_rows`' grid rows.
        goal: The largest reviewkit/floor a cell may have.

    Returns:
        One sentence, true of the rows whatever their ratios: the worst cell
        and, if some are above ``goal``, how many, by hidden size and length.
    """
    if not rows:
        raise ValueError("rows must hold at least one grid cell")
    worst = max(rows, key=lambda r: r["reviewkit/floor"])
    name = "H = {H}, M = {M}, k = {k}, T = {T}".format(**worst)
    ratio = worst["reviewkit/floor"]
    above = [r for r in rows if r["reviewkit/floor"] > goal]
    if not above:
        return (
            f"Every one of the {len(rows)} cells is within {goal:g} times the "
            f"floor; the worst, {name}, is at {ratio:.2f}."
        )

    def spread(key: str) -> str:
        counts = {
            v: sum(r[key] == v for r in above) for v in sorted({r[key] for r in above})
        }
        return _and_list([f"{c} with {key} = {v}" for v, c in counts.items()])

    return (
        f"{len(above)} of the {len(rows)} cells {'is' if len(above) == 1 else 'are'} "
        f"above {goal:g} times the "
        f"floor, the worst, {name}, at {ratio:.2f}; by size, {spread('H')}, and "
        f"by length, {spread('T')}."
    )


#: A decode "page-faults" in :func:`faults_sentence` with this many minor page
#: faults or more (median over a cell's runs): 40 KB of memory mapped anew.
FAULTING = 10


def faults_sentence(rows: Sequence[Mapping[str, Any]]) -> str:
    """The Performance page's sentence on the cells where reviewkit page-faulted.

    Args:
        rows: :func:`cell_rows`' grid rows, with the fault counts.

    Returns:
        One sentence, true of the rows whatever their counts: in how many
        cells reviewkit's decodes touched memory the system had to map anew
        (:data:`FAULTING` minor faults or more per decode), how many faults
        the floor had there, and the reviewkit/floor of those cells against
        the others'.
    """
    if not rows or any("reviewkit faults" not in r for r in rows):
        raise ValueError("rows must hold grid cells with their page-fault counts")
    faulting = [r for r in rows if r["reviewkit faults"] >= FAULTING]
    if not faulting:
        return (
            f"No decode of reviewkit page-faulted in this run (fewer than {FAULTING} "
            "minor page faults per decode in every cell)."
        )
    faults = [r["reviewkit faults"] for r in faulting]
    floor = max(r["floor faults"] for r in faulting)
    ratios = [r["reviewkit/floor"] for r in faulting]
    rest = [r["reviewkit/floor"] for r in rows if r["reviewkit faults"] < FAULTING]
    cells = "cells" if len(rows) > 1 else "cell"
    head = (
        f"In {len(faulting)} of the {len(rows)} {cells} reviewkit's decodes touched "
        f"memory the system had to map anew ({_span(faults, '.0f')} minor page "
        f"faults per decode; the floor's decodes had at most {floor:.0f} there), "
        f"and there reviewkit/floor is {_span(ratios)}"
    )
    if not rest:
        return head + "."
    return head + f", against a median of {statistics.median(rest):.2f} elsewhere."


def read_back_clause(beam_size: int, length: int, on_host: int) -> str:
    """How the fast search reads one prompt's sequences back, as a clause.

    A search of one prompt with beam width ``k`` for ``T`` steps keeps ``k T``
    back-pointers; at most ``on_host`` of them
    (:data:`reviewkit.beam.selection.PATHS_ON_HOST`) are followed in Python,
    more with tensor operations composing the pointers by doubling.

    Returns:
        A clause to follow "it keeps back-pointers that it reads back once, at
        the end, ", true of either way.
    """
    entries = beam_size * length
    if entries <= on_host:
        return (
            f"in plain Python (this cell keeps k T = {entries} of them, within the "
            f"{on_host} up to which Python is cheaper than tensor operations)"
        )
    return (
        f"with a few gathers (this cell keeps k T = {entries} of them, more than "
        f"the {on_host} up to which Python would be cheaper; the gathers compose "
        f"the pointers by doubling, about log2 T = {math.log2(length):.1f} of them)"
    )


def gaps_sentence(
    missed: Sequence[str], floor_step_us: float, *, flat_drifted: bool = False
) -> str:
    """The Performance page's closing sentence: what would close the gaps.

    Args:
        missed: The names of the targets the run misses because of the code
            (may be empty; leave out "flat" when ``flat_drifted``).
        floor_step_us: The floor's cost per step in the smallest cells, µs.
        flat_drifted: Whether the flat target is missed only because the
            machine slowed during the run (:func:`flat_drifted`); no change to
            the code would close that one.

    Returns:
        One sentence or two, true of every outcome.
    """
    how = (
        "fewer tensor operations per decode (the checks of the arguments and the "
        "prompt and the read-back of the sequences, which weigh most in the "
        "shortest decodes) and per step (for example by fusing the selection "
        "step, top-k, the split of its indices into parent and token and the "
        "gather of the state, into one compiled function): each operation saved "
        "is worth a few microseconds, against the floor's "
        f"{floor_step_us:.0f} µs per step in the smallest cells"
    )
    machine = (
        "The flat target is missed by the machine, not the code: the floor's "
        "cost per step, the same work at every length, grew as much."
    )
    if not missed:
        lead = "Every other target" if flat_drifted else "Every target"
        text = (
            f"{lead} is met in this run. The margins are thinnest where the "
            f"network is small; what would widen them: {how}."
        )
        return f"{machine} {text}" if flat_drifted else text
    target = "target" if len(missed) == 1 else "targets"
    text = f"What would close the gaps ({_and_list(missed)} {target}): {how}."
    return f"{text} {machine}" if flat_drifted else text
