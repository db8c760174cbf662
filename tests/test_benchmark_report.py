"""Tests for benchmarks/report.py (and the modules it gathers): fits, targets, file."""

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from reviewkit.measure import markdown_table

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the report lives beside the harness, not in reviewkit
    sys.path.insert(0, str(ROOT))

from benchmarks import figures, results_file, scaling, summaries, targets  # noqa: E402
from benchmarks import report as benchmarks  # noqa: E402
from benchmarks.results_file import cell_key  # noqa: E402

GRID = {
    "hidden_size": [64, 256],
    "vocab_size": [100, 1000],
    "beam_size": [1, 4, 16],
    "length": [10, 50, 200],
}
LONG = {"hidden_size": 64, "vocab_size": 1000, "beam_size": [4], "length": []}
LONG_LENGTHS = [10, 50, 100, 200, 400, 800]


def linear(a, b):
    """A decoder costing ``a`` once and ``b`` per step (seconds)."""
    return lambda h, m, k, t: a + b(h, m, k) * t


def synthetic(reviewkit, transformers, floor, *, repeats=5):
    """A results file whose medians are the given functions of (H, M, k, T)."""
    methods = {"reviewkit": reviewkit, "transformers": transformers, "floor": floor}
    cells = []
    jobs = [
        ("grid", h, m, k, t)
        for h in GRID["hidden_size"]
        for m in GRID["vocab_size"]
        for k in GRID["beam_size"]
        for t in GRID["length"]
    ] + [("long", 64, 1000, 4, t) for t in LONG_LENGTHS]
    for part, h, m, k, t in jobs:
        times = {}
        for name, f in methods.items():
            centre = f(h, m, k, t)
            # runs spread symmetrically around the centre: the median is exact
            times[name] = [
                centre * (1 + 0.01 * (i - repeats // 2)) for i in range(repeats)
            ]
        cells.append(
            {
                "part": part,
                "hidden_size": h,
                "vocab_size": m,
                "beam_size": k,
                "length": t,
                "check": {"same_hypotheses": True},
                "times": times,
            }
        )
    return {
        "machine": {},
        "versions": {},
        "settings": {},
        "grid": GRID,
        "long": LONG | {"length": LONG_LENGTHS},
        "cells": cells,
    }


def power(c, alpha, beta):
    """Per-step cost ``c * k**alpha * M**beta``."""
    return lambda h, m, k: c * k**alpha * m**beta


def good_results():
    """reviewkit 5% above the floor, transformers 3x the floor, all linear in T."""
    per_step = power(1e-6, 1.0, 1.0)
    return synthetic(
        linear(1e-4, lambda *a: 1.05 * per_step(*a)),
        linear(3e-3, lambda *a: 3.0 * per_step(*a)),
        linear(1e-4, per_step),
    )


def test_per_step_fits_separate_fixed_and_per_step_cost():
    """per_step_fits recovers a (ms) and b (µs per step) of t = a + bT."""
    results = good_results()
    for row in benchmarks.per_step_fits(results):
        b = 1e-6 * row["k"] * row["M"]
        assert row["floor fixed"] == pytest.approx(0.1, rel=1e-6)
        assert row["floor per step"] == pytest.approx(1e6 * b, rel=1e-6)
        assert row["transformers fixed"] == pytest.approx(3.0, rel=1e-6)


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.5, 0.8), (0.0, 1.3)])
def test_exponents_recover_a_power_law(alpha, beta):
    """exponents recovers alpha and beta of a per-step cost c k^alpha M^beta."""
    f = linear(1e-3, power(1e-7, alpha, beta))
    results = synthetic(f, f, f)
    for row in benchmarks.exponents(results):
        assert row["alpha"] == pytest.approx(alpha, abs=1e-6)
        assert row["beta"] == pytest.approx(beta, abs=1e-6)


def test_flatness_tells_a_constant_step_from_a_growing_one():
    """A step whose cost grows with T has a flatness ratio well above 1."""
    flat = linear(1e-3, lambda *a: 1e-4)
    growing = lambda h, m, k, t: 1e-3 + 1e-4 * t + 1e-7 * t**2  # noqa: E731
    results = synthetic(flat, growing, flat)
    ratios = {r["method"]: r["ratio"] for r in benchmarks.flatness(results)}
    assert ratios["reviewkit"] == pytest.approx(1.0)
    assert ratios["transformers"] > 1.5


def test_long_rows_marginal_cost_is_the_step_cost():
    """The marginal cost per step of a linear decoder is its slope."""
    results = good_results()
    rows = [r for r in benchmarks.long_rows(results) if r["method"] == "floor"]
    assert math.isnan(rows[0]["marginal"])
    for row in rows[1:]:
        assert row["marginal"] == pytest.approx(1e6 * 1e-6 * 4 * 1000, rel=1e-6)


def test_targets_all_met_on_good_results():
    """Results 5% above the floor and 3x faster than transformers meet every target."""
    got = {t.name: t for t in benchmarks.targets(good_results())}
    assert set(got) == {"floor", "worst cell", "transformers", "small models", "flat"}
    assert all(t.met for t in got.values()), got
    assert got["floor"].measured == pytest.approx(1.05, rel=1e-3)
    assert 3 / 1.05 <= got["small models"].measured < 3


def test_targets_name_the_cells_that_miss():
    """A cell where reviewkit is slower than transformers is reported by name."""
    results = good_results()
    for cell in results["cells"]:
        sizes = (cell["hidden_size"], cell["vocab_size"], cell["beam_size"])
        if sizes == (256, 100, 1):
            times = cell["times"]
            times["reviewkit"] = [10 * t for t in times["transformers"]]
    got = {t.name: t for t in benchmarks.targets(results)}
    assert not got["transformers"].met
    assert "H=256 M=100 k=1 T=10" in got["transformers"].detail
    assert got["small models"].met  # H = 256 is not a small-model cell


def test_targets_flag_a_slow_reviewkit_against_the_floor():
    """reviewkit at 1.3x the floor misses the floor target."""
    per_step = power(1e-6, 1.0, 1.0)
    results = synthetic(
        linear(1e-4, lambda *a: 1.3 * per_step(*a)),
        linear(3e-3, lambda *a: 3.0 * per_step(*a)),
        linear(1e-4, per_step),
    )
    got = {t.name: t for t in benchmarks.targets(results)}
    assert not got["floor"].met
    assert got["floor"].measured == pytest.approx(1.3, rel=0.05)


def test_one_cell_far_above_the_floor_misses_the_worst_cell_target():
    """One grid cell at 1.31x the floor: only the worst-cell target misses, by name."""
    results = good_results()
    for cell in results["cells"]:
        if cell["part"] == "grid" and cell_key(cell) == (64, 100, 16, 200):
            cell["times"]["reviewkit"] = [1.31 * t for t in cell["times"]["floor"]]
    got = {t.name: t for t in benchmarks.targets(results)}
    assert not got["worst cell"].met
    assert got["worst cell"].measured == pytest.approx(1.31)
    assert got["worst cell"].detail == "H=64 M=100 k=16 T=200: 1.31"
    assert got["floor"].met  # one cell does not move the median
    # just under the threshold is met
    for cell in results["cells"]:
        if cell["part"] == "grid" and cell_key(cell) == (64, 100, 16, 200):
            cell["times"]["reviewkit"] = [1.29 * t for t in cell["times"]["floor"]]
    assert {t.name: t for t in benchmarks.targets(results)}["worst cell"].met


def test_load_results_round_trips(tmp_path):
    """A complete results file loads unchanged."""
    path = tmp_path / "r.json"
    path.write_text(json.dumps(good_results()))
    assert benchmarks.load_results(path)["cells"] == good_results()["cells"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda r: r["cells"].pop(0), "lacks grid cells"),
        (lambda r: r.pop("machine"), "lacks the keys"),
        (lambda r: r["cells"][3]["times"]["floor"].pop(), "expected at least 5"),
        (lambda r: r["cells"][5].pop("check"), "agreement check"),
    ],
)
def test_load_results_rejects_incomplete_files(tmp_path, damage, message):
    """A missing cell, key, run or agreement check is a ValueError naming it."""
    results = good_results()
    damage(results)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(results))
    with pytest.raises(ValueError, match=message):
        benchmarks.load_results(path)


def test_report_uses_the_shared_helpers():
    """The report fits and tables with reviewkit.measure, not a copy of its own."""
    parts = (benchmarks, results_file, summaries, scaling, targets, figures)
    assert not any(hasattr(module, "markdown_table") for module in parts)
    assert scaling.fit_line.__module__ == "reviewkit.measure"
    assert markdown_table([{"k": 4}], ["k"]).splitlines()[0] == "| k |"
    assert benchmarks.RESULTS_PATH == ROOT / "benchmarks" / "results" / "decoding.json"


def test_load_results_rejects_a_non_path():
    """load_results raises TypeError for a path of the wrong type."""
    with pytest.raises(TypeError, match="path"):
        benchmarks.load_results(3)


def test_plots_have_one_panel_per_configuration():
    """plot_times draws one panel per (H, M); plot_long_run one per long config."""
    results = good_results()
    fig = benchmarks.plot_times(results)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == len(GRID["hidden_size"]) * len(GRID["vocab_size"])
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == list(benchmarks.METHODS)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(
        benchmarks.METHODS
    )
    assert np.allclose(lines[0].get_xdata(), GRID["beam_size"])
    assert len(benchmarks.plot_long_run(results).axes) == 1
    with pytest.raises(ValueError, match="length"):
        benchmarks.plot_times(results, length=7)


def with_profile(results):
    """Add a profiled cell where reviewkit spends 30 µs more in aten::sort."""
    ops = {
        "reviewkit": [{"name": "aten::sort", "calls": 2, "self_us": 30.0}],
        "floor": [{"name": "aten::topk", "calls": 5, "self_us": 10.0}],
        "transformers": [{"name": "aten::topk", "calls": 10, "self_us": 20.0}],
    }
    methods = {m: {"ops": ops[m], "python": []} for m in benchmarks.METHODS}
    results["profiles"] = [
        {
            "hidden_size": 64,
            "vocab_size": 100,
            "beam_size": 4,
            "length": 50,
            "methods": methods,
        }
    ]
    return results


def test_profile_rows_put_reviewkits_extra_time_first():
    """profile_rows lines up operators across methods, reviewkit's excess first."""
    rows = benchmarks.profile_rows(with_profile(good_results()), (64, 100, 4, 50))
    assert [r["name"] for r in rows] == ["aten::sort", "aten::topk"]
    assert rows[0]["reviewkit µs"] == 30.0 and rows[0]["floor µs"] == 0.0
    assert rows[1]["transformers calls"] == 10


def test_profile_rows_reject_an_unprofiled_cell():
    """An unprofiled cell or an unknown kind is a ValueError naming what is allowed."""
    with pytest.raises(ValueError, match="profiled cells"):
        benchmarks.profile_rows(with_profile(good_results()), (64, 100, 1, 10))
    with pytest.raises(ValueError, match="kind"):
        benchmarks.profile_rows(with_profile(good_results()), (64, 100, 4, 50), "x")


def test_agreement_counts_tie_limited_cells():
    """agreement counts cells checked over their whole length and up to a tie."""
    results = good_results()
    for cell in results["cells"]:
        cell["check"] |= {"verified_length": cell["length"], "max_score_difference": 0}
    results["cells"][2]["check"]["verified_length"] = 20  # a T = 200 cell
    got = benchmarks.agreement(results)
    assert got["cells"] == len(results["cells"])
    assert got["tie_limited"] == 1
    assert got["shortest_check"] == pytest.approx(0.1)


def test_ratio_summary_takes_medians_per_group():
    """ratio_summary gives the median ratios per (H, M) and over the whole grid."""
    results = good_results()
    rows = benchmarks.ratio_summary(results)
    assert [(r["H"], r["M"]) for r in rows] == [
        (64, 100),
        (64, 1000),
        (256, 100),
        (256, 1000),
    ]
    assert all(r["cells"] == 9 for r in rows)
    (whole,) = benchmarks.ratio_summary(results, by=())
    assert whole["cells"] == 36
    assert whole["reviewkit/floor"] == pytest.approx(1.05, rel=1e-3)
    with pytest.raises(ValueError, match="by"):
        benchmarks.ratio_summary(results, by=("depth",))


def test_run_spread_is_the_relative_interquartile_range():
    """run_spread is the interquartile range over the median, typical over cells."""
    results = good_results()  # runs at 0.98, 0.99, 1, 1.01, 1.02 of the centre
    spread = benchmarks.run_spread(results)
    assert set(spread) == set(benchmarks.METHODS)
    assert spread["floor"] == pytest.approx(0.02)


@pytest.mark.parametrize(
    ("ratios", "expected"),
    [
        ([0.87, 0.89], "runs below the floor, at 0.87 to 0.89 times its time in the 2"),
        ([0.9], "runs below the floor, at 0.90 times its time in the one cell"),
        ([0.9, 1.01], "0.90 to 1.01 times the floor's time, below the floor in 1 of"),
        ([1.0, 1.2], "1.00 to 1.20 times the floor's time in the 2 cells, although"),
    ],
)
def test_greedy_sentence_is_true_of_every_outcome(ratios, expected):
    """Below the floor everywhere, nowhere, or in some cells: each is said so;
    cells with k > 1 are not read."""
    rows = [{"k": 1, "reviewkit/floor": r} for r in ratios]
    rows.append({"k": 4, "reviewkit/floor": 0.5})
    sentence = summaries.greedy_sentence(rows)
    assert expected in sentence
    assert sentence.startswith("At k = 1 reviewkit") and sentence.endswith(".")
    assert ("below" in sentence) == (min(ratios) < 1)


def test_greedy_sentence_needs_a_greedy_cell():
    with pytest.raises(ValueError, match="k == 1"):
        summaries.greedy_sentence([{"k": 4, "reviewkit/floor": 1.1}])


@pytest.mark.parametrize(
    ("ratios", "expected"),
    [
        ([], "no batched cells"),
        ([0.5], "faster than transformers in the one batched cell, taking 0.50 times"),
        ([1.2], "is not faster than transformers in the one batched cell, taking 1.20"),
        ([0.3, 0.5], "faster than transformers in all 2 batched cells, taking 0.30 to"),
        ([1.1, 1.3], "faster than transformers in none of the 2 batched cells"),
        ([0.5, 0.6, 1.1], "faster than transformers in 2 of the 3 batched cells"),
    ],
)
def test_batch_sentence_is_true_of_every_outcome(ratios, expected):
    """No batched cells, all, none or some faster than transformers: each said so."""
    rows = [{"reviewkit/transformers": r, "reviewkit/floor": 1.25} for r in ratios]
    sentence = summaries.batch_sentence(rows)
    assert expected in sentence
    assert sentence.endswith(".") and "  " not in sentence
    if ratios:
        assert sentence.endswith("and 1.25 times the floor's.")


def flat_rows(reviewkit, floor):
    return [
        {"H": 64, "M": 1000, "k": k, "method": method, "ratio": ratio}
        for k, (rk, fl) in enumerate(zip(reviewkit, floor, strict=True))
        for method, ratio in (("reviewkit", rk), ("floor", fl), ("transformers", 2.0))
    ]


@pytest.mark.parametrize(
    ("reviewkit", "floor", "expected"),
    [
        ([1.02, 1.05], [1.0, 1.3], "at most 1.05 times its cost over the short ones"),
        ([1.3, 1.05], [1.0, 1.02], "while the floor's grew by at most 1.02 times"),
        ([1.3, 1.1], [1.25, 1.0], "reviewkit's step grew at most 1.10 times, within"),
        ([1.5, 1.1], [1.15, 1.0], "grew at most 1.30 times, beyond the target too."),
    ],
)
def test_flat_sentence_is_true_of_every_outcome(reviewkit, floor, expected):
    """Flat, not flat alone, not flat with a drifting floor (within or beyond)."""
    sentence = summaries.flat_sentence(flat_rows(reviewkit, floor), 1.1)
    assert expected in sentence
    assert sentence.endswith(".") and "(target: at most 1.1)" in sentence
    assert ("up to" in sentence.split("(")[0]) == (max(reviewkit) > 1.1)


def test_flat_sentence_compares_each_cell_with_its_own_floor():
    """The relative growth pairs a cell's reviewkit with the same cell's floor."""
    sentence = summaries.flat_sentence(flat_rows([1.4, 1.0], [1.2, 1.4]), 1.1)
    assert "grew at most 1.17 times" in sentence  # 1.4 / 1.2, not 1.4 / 1.4


@pytest.mark.parametrize(
    ("ratios", "expected"),
    [
        (
            [1.1, 1.2],
            "Every one of the 2 cells is within 1.3 times the floor; the worst",
        ),
        ([1.1, 1.5], "1 of the 2 cells is above 1.3 times the floor, the worst"),
        (
            [1.4, 1.5, 1.0],
            "by size, 1 with H = 64 and 1 with H = 256, and by length, 2",
        ),
    ],
)
def test_worst_cell_sentence_is_true_of_every_outcome(ratios, expected):
    """All within the goal, one above it, several across sizes."""
    rows = [
        {"H": 64 * 4**i, "M": 100, "k": 4, "T": 10, "reviewkit/floor": r}
        for i, r in enumerate(ratios)
    ]
    sentence = summaries.worst_cell_sentence(rows, 1.3)
    assert expected in sentence
    assert f"at {max(ratios):.2f}" in sentence and sentence.endswith(".")


def test_many_cells_above_the_floor_are_counted_not_listed():
    """Beyond three cells, the worst-cell detail gives the count and the worst."""
    results = good_results()
    grid = [c for c in results["cells"] if c["part"] == "grid"]
    for i, cell in enumerate(grid[:5]):
        cell["times"]["reviewkit"] = [
            (1.4 + i / 100) * t for t in cell["times"]["floor"]
        ]
    got = {t.name: t for t in benchmarks.targets(results)}
    worst = "H={} M={} k={} T={}: 1.44".format(*cell_key(grid[4]))
    assert got["worst cell"].detail == f"5 of {len(grid)} cells, the worst {worst}"


@pytest.mark.parametrize(
    ("missed", "expected"),
    [
        ([], "Every target is met in this run. The margins are thinnest"),
        (["flat"], "What would close the gaps (flat target): fewer"),
        (["floor", "worst cell"], "(floor and worst cell targets): fewer"),
        (["floor", "flat", "worst cell"], "(floor, flat and worst cell targets)"),
    ],
)
def test_gaps_sentence_is_true_of_every_outcome(missed, expected):
    """All met, one missed, several missed: each reads as a sentence."""
    sentence = summaries.gaps_sentence(missed, 123.4)
    assert expected in sentence
    assert "floor's 123 µs per step" in sentence and sentence.endswith(".")


@pytest.mark.parametrize(
    ("missed", "expected"),
    [
        (
            [],
            "The flat target is missed by the machine, not the code: the floor's "
            "cost per step, the same work at every length, grew as much. Every other "
            "target is met in this run.",
        ),
        (["worst cell"], "(worst cell target): fewer"),
    ],
)
def test_gaps_sentence_when_the_machine_missed_flat(missed, expected):
    """Flat missed by the machine's drift: said apart, never as code's to fix,
    and "every target is met" is never claimed."""
    sentence = summaries.gaps_sentence(missed, 123.4, flat_drifted=True)
    assert expected in sentence and "Every target is met" not in sentence
    assert sentence.endswith("grew as much.") or sentence.endswith("cells.")
    assert "flat target" not in sentence.split("The flat target")[0]


@pytest.mark.parametrize(
    ("k", "length", "expected"),
    [
        (4, 10, "in plain Python (this cell keeps k T = 40 of them, within the 512"),
        (64, 8, "in plain Python (this cell keeps k T = 512 of them"),  # the edge
        (3, 171, "with a few gathers (this cell keeps k T = 513 of them, more than"),
        (64, 200, "about log2 T = 7.6 of them)"),
    ],
)
def test_read_back_clause_is_true_of_either_way(k, length, expected):
    """At most the limit of back-pointers: Python; one more: the gathers."""
    clause = summaries.read_back_clause(k, length, 512)
    assert expected in clause and clause.endswith(")")


def _fault_rows(counts, ratios):
    return [
        {"reviewkit faults": c, "floor faults": 0, "reviewkit/floor": r}
        for c, r in zip(counts, ratios, strict=True)
    ]


@pytest.mark.parametrize(
    ("counts", "ratios", "expected"),
    [
        ([0, 9, 3], [1.1, 1.2, 1.3], "No decode of reviewkit page-faulted in this run"),
        (
            [10, 0, 0],
            [1.5, 1.1, 1.3],
            "In 1 of the 3 cells reviewkit's decodes touched memory the system had "
            "to map anew (10 minor page faults per decode; the floor's decodes had "
            "at most 0 there), and there reviewkit/floor is 1.50, against a median "
            "of 1.20 elsewhere.",
        ),
        ([389, 1463, 0], [1.38, 1.31, 1.1], "(389 to 1463 minor page faults"),
        ([20, 30], [1.2, 1.4], "is 1.20 to 1.40."),  # every cell faulted
    ],
)
def test_faults_sentence_is_true_of_every_outcome(counts, ratios, expected):
    """None faulting (the edge: 9 faults is none), one, several, all."""
    sentence = summaries.faults_sentence(_fault_rows(counts, ratios))
    assert expected in sentence and sentence.endswith(".")


def test_cell_rows_carry_each_methods_median_faults():
    """Results that counted page faults give their medians per cell; older
    results without the counts give rows without them."""
    cost = linear(1e-3, lambda h, m, k: 1e-4)
    older = synthetic(cost, cost, cost)
    results = synthetic(cost, cost, cost)
    for cell in results["cells"]:
        runs = len(cell["times"]["floor"])
        cell["faults"] = {m: [0] * (runs - 1) + [100] for m in cell["times"]}
    rows = benchmarks.cell_rows(results)
    assert rows and all(r["reviewkit faults"] == 0 for r in rows)
    assert "reviewkit faults" not in benchmarks.cell_rows(older)[0]
    with pytest.raises(ValueError, match="page-fault counts"):
        summaries.faults_sentence(benchmarks.cell_rows(older))


def _flat_rows(reviewkit, floor):
    """Flatness rows of two cells: (reviewkit ratio, floor ratio) per cell."""
    return [
        {"H": 64, "M": m, "k": 4, "method": method, "ratio": ratio}
        for m, pair in zip((100, 1000), zip(reviewkit, floor, strict=True), strict=True)
        for method, ratio in zip(("reviewkit", "floor"), pair, strict=True)
    ]


@pytest.mark.parametrize(
    ("reviewkit", "floor", "drifted", "says"),
    [
        ((1.05, 1.0), (1.0, 1.0), False, "at most 1.05"),  # flat: met
        ((1.3, 1.0), (1.25, 1.0), True, "within the target."),  # the machine
        ((1.4, 1.0), (1.2, 1.0), False, "beyond the target too."),  # both
        # reviewkit's own growth over its floor is within the goal, but the
        # floor stayed flat: that is the code's, not the machine's
        ((1.12, 1.0), (1.05, 1.0), False, "something in reviewkit's step grows"),
    ],
)
def test_flat_drifted_agrees_with_what_flat_sentence_says(
    reviewkit, floor, drifted, says
):
    """The page's closing sentence blames the machine exactly when the flat
    sentence does."""
    rows = _flat_rows(reviewkit, floor)
    assert summaries.flat_drifted(rows, 1.1) is drifted
    assert says in summaries.flat_sentence(rows, 1.1)


def test_the_sentences_need_rows_and_say_so():
    """No rows to speak of: a ValueError naming rows, not a bare max() error."""
    with pytest.raises(ValueError, match="rows must hold at least one grid cell"):
        summaries.worst_cell_sentence([], 1.3)
    only_floor = [{"H": 64, "M": 100, "k": 4, "method": "floor", "ratio": 1.0}]
    with pytest.raises(ValueError, match="rows must hold at least one reviewkit row"):
        summaries.flat_sentence(only_floor, 1.1)
