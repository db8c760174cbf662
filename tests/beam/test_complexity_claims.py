"""Claims of the complexity page (3e): its chosen sentences and its counts.

The page's timings differ from build to build, so the sentences about them
are chosen by small functions in one ``remove-cell`` of
``docs/beam/complexity.md``. These tests read that cell from the page (as
``tests/test_snippets.py`` reads cells), run it, and feed its functions the
edge outcomes a run can give: slopes near 0, near 1 and above 1, times that
fall or grow faster than the size, a fixed part of (nearly) all the time. The
counting claims run on a smaller network and T = 4 (the page: H = 32, T = 8;
the selection counts do not depend on ``H``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from myst_nb.core.read import read_myst_markdown_notebook

from reviewkit.beam import RNNLanguageModel
from reviewkit.beam.complexity import sheet_beam_search, sheet_cost

PAGE = Path(__file__).resolve().parents[2] / "docs" / "beam" / "complexity.md"


def _words_cell() -> dict:
    """Run the page's sentence-choosing cell; return its namespace."""
    notebook = read_myst_markdown_notebook(PAGE.read_text())
    sources = [
        c.source
        for c in notebook.cells
        if c.cell_type == "code" and "def growth_words" in c.source
    ]
    assert len(sources) == 1, "the page has one cell of sentence functions"
    namespace: dict = {}
    exec(compile(sources[0], str(PAGE), "exec"), namespace)
    return namespace


W = _words_cell()


def _well_formed(text: str) -> None:
    """No percentage outside 0-100, no doubled spaces, no empty branch."""
    assert text and "  " not in text and "None" not in text
    for value in re.findall(r"(-?\d+)%", text):
        assert 0 <= int(value) <= 100, text


@pytest.mark.parametrize("slope", [0.0, 0.5, 0.84, 0.86, 1.0, 1.14, 1.16, 2.5])
def test_the_length_sentence_calls_time_linear_only_near_slope_1(slope):
    """'linear in T' is said only for a slope within 0.15 of 1."""
    text = W["length_words"](slope, 8, 256)
    _well_formed(text)
    assert text.endswith(".")
    assert text.startswith("Time is linear") == (abs(slope - 1) <= 0.15)
    assert f"{slope:.2f}" in text


# (times at the smallest and largest size, expected kind); sizes 2 to 256
GROWTH = [
    ((10.0, 9.0), "fixed"),  # the time fell
    ((10.0, 10.0), "fixed"),  # did not change
    ((10.0, 10.5), "fixed"),  # a fixed part of nearly all of the time
    ((10.0, 45.0), "fixed"),  # the page's own outcome, about 97%
    ((10.0, 700.0), "scaling"),  # about 46% fixed
    ((10.0, 1280.0), "scaling"),  # exactly proportional: no fixed part
    ((10.0, 3000.0), "irregular"),  # faster than the size
]


@pytest.mark.parametrize(("times", "kind"), GROWTH)
def test_the_growth_clause_never_claims_a_share_outside_0_to_100(times, kind):
    """For every time ratio the fixed part is 0-100% or not claimed at all."""
    text, found = W["growth_words"]("k", [2, 256], list(times))
    _well_formed(text)
    assert found == kind
    assert text.startswith("growing k 128-fold, from 2 to 256,")
    assert ("fixed part" in text) == (times[0] < times[1] <= 128 * times[0])
    share = {45.0: "about 97%", 700.0: "about 46%", 10.5: "nearly all"}
    share |= {1280.0: "almost none"}
    if times[1] in share:
        assert f"a fixed part of {share[times[1]]} of the time at k = 2" in text


def test_the_fixed_share_is_the_line_through_the_end_points():
    """(R - Q)/(R - 1) is a + b x's intercept share at the smallest size."""
    text, _ = W["growth_words"]("M", [16, 8192], [13.2, 27.78])
    r, q = 8192 / 16, 27.78 / 13.2
    b = (27.78 - 13.2) / (8192 - 16)
    a = 13.2 - b * 16
    assert (r - q) / (r - 1) == pytest.approx(a / 13.2)
    assert "nearly all of the time at M = 16" in text  # 99.8%


@pytest.mark.parametrize(
    ("kinds", "says"),
    [
        ({"k": "fixed", "M": "fixed"}, "cannot show"),
        ({"k": "scaling", "M": "scaling"}, "agree with the operation counts"),
        ({"k": "fixed", "M": "scaling"}, "For k the fixed cost"),
        ({"k": "scaling", "M": "fixed"}, "For M the fixed cost"),
        ({"k": "irregular", "M": "fixed"}, "do not fit"),
        ({"k": "scaling", "M": "irregular"}, "do not fit"),
    ],
)
def test_the_conclusion_follows_the_kinds(kinds, says):
    """Each combination of sweep outcomes gets its own true conclusion."""
    text = W["timing_conclusion"](kinds)
    _well_formed(text)
    assert says in text and text.endswith(".") and "O(kM)" in text


@pytest.mark.parametrize("slope", [-0.2, 0.0, 0.004, 0.34, 0.55, 0.999, 1.1, 1.16, 3.0])
def test_the_top_slope_clause_reads_true_for_any_slope(slope):
    """A share only for slopes in [0, 1.15], capped at 100%; steeper or
    falling times are named as such, without blaming one cause."""
    text = W["top_slope_words"]("M", 8192, slope)
    _well_formed(text)
    assert ("share of the time" in text) == (0 <= slope <= 1.15)
    assert ("steeper" in text) == (slope > 1.15)
    assert ("fell" in text) == (slope < 0)
    if slope > 1.15:
        assert "cannot tell" in text


@pytest.mark.parametrize(
    ("slow", "fast", "says"),
    [
        (1.63, 1.03, "steeper, as re-reading"),
        (1.95, 1.0, "close to the asymptotic 2"),
        (2.4, 1.0, "above the asymptotic 2"),
        (1.05, 1.0, "no steeper"),
        (0.7, 1.0, "no steeper"),
    ],
)
def test_the_stateless_clause_follows_both_slopes(slow, fast, says):
    """The stateless path's slope is described against the stateful one's."""
    text = W["stateless_words"](slow, fast)
    _well_formed(text)
    assert says in text


@pytest.mark.parametrize(("ratio", "cheap"), [(1.0, True), (1.54, True), (2.5, False)])
def test_the_batch_sentence_says_cheap_only_when_it_was(ratio, cheap):
    """'keeps beam search cheap' only if 4x the beam cost under 2x the time."""
    text = W["batch_words"](2, 8, ratio)
    _well_formed(text)
    assert ("cheap" in text) == cheap and "4 times the work" in text


@pytest.mark.parametrize(
    ("values", "verb"),
    [([1.71, 2.45], "climbs"), ([2.0, 2.05], "stays"), ([2.45, 1.71], "falls")],
)
def test_the_trend_clause_names_the_direction(values, verb):
    """A ratio that climbs is never called constant, and the reverse."""
    text = W["trend_words"]("quickselect's", values, [2, 32])
    assert verb in text and "k = 2" in text and "k = 32" in text


@pytest.mark.parametrize(
    ("share", "words"), [(1.0, "nearly all"), (0.0, "almost none")]
)
def test_share_words_at_the_ends(share, words):
    """Shares that would round to 100% or 0% are put in words."""
    assert W["share_words"](share) == words
    assert W["share_words"](0.5) == "about 50%"


# --- The counts the page tabulates, on a small network -----------------------


def _ratios(M: int, ks: list[int]) -> dict[str, list[float]]:
    model = RNNLanguageModel(M, 8, seed=0)
    out: dict[str, list[float]] = {"topk": [], "sort": [], "flops": []}
    for k in ks:
        _, ops = sheet_beam_search(model, 4, k, seed=0)
        terms = sheet_cost(4, k, M, 8)
        out["topk"].append(ops.topk_comparisons / terms.topk)
        out["sort"].append(ops.sort_comparisons / terms.sort)
        out["flops"].append(ops.model_flops / terms.model)
    return out


def test_the_counts_climb_as_the_page_says_and_flops_are_exact():
    """At M = 64: both selection ratios climb with k, the sort's stays below
    2, and the model's FLOPs are one constant times Tk(H^2 + HM)."""
    r = _ratios(64, [2, 8, 32])
    assert r["topk"][-1] > 1.1 * r["topk"][0]
    assert r["sort"] == sorted(r["sort"]) and max(r["sort"]) < 2
    assert max(r["flops"]) - min(r["flops"]) < 0.005


def test_a_larger_vocabulary_lowers_the_quickselect_ratio_at_the_same_k():
    """The quickselect constant depends on k/M: k = 32 of 1024 scores costs
    fewer comparisons per score than k = 32 of 64."""
    assert _ratios(1024, [32])["topk"][0] < _ratios(64, [32])["topk"][0]
