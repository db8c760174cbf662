"""Sentences the autoencoder pages choose from their run's numbers (1b, 1e, 1f).

The pages keep these small functions in one ``remove-cell`` each
(``docs/autoencoders/reconstruction.md`` and ``labels_and_masking.md``). These
tests read that cell from the page (with a small reader of code-cell
fences, so they need no myst-nb), run it, and feed its functions the edge
outcomes a run can give: no flip at all, one of each, every pair within
noise, gains exactly at two standard errors, gains on both sides of zero.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

PAGES = Path(__file__).resolve().parents[2] / "docs" / "autoencoders"


def _sentence_cell(page: str) -> dict:
    """Run the page's sentence-choosing cell; return its namespace."""
    # each ```{code-cell} block, less its ":key: value" option lines
    text = (PAGES / page).read_text()
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```$", text, re.S | re.M)
    sources = [
        re.sub(r"\A(?::[\w-]+:[^\n]*\n)+", "", c)
        for c in cells
        if "The sentences chosen" in c
    ]
    assert len(sources) == 1, f"{page} has one cell of sentence functions"
    namespace: dict = {}
    exec(compile(sources[0], page, "exec"), namespace)
    return namespace


R = _sentence_cell("reconstruction.md")
L = _sentence_cell("labels_and_masking.md")


def _pairs(agree=0, flip=0, noise=0):
    pairs = iter((i, i + 1) for i in range(agree + flip + noise))
    return {
        "agree": [next(pairs) for _ in range(agree)],
        "flip": [next(pairs) for _ in range(flip)],
        "within noise": [next(pairs) for _ in range(noise)],
    }


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((21, 0, 0), "21 rank alike, 0 flip and 0 are within noise"),
        ((0, 0, 21), "0 rank alike, 0 flip and 21 are within noise"),
        ((1, 1, 1), "1 ranks alike, 1 flips and 1 is within noise"),
        ((15, 2, 4), "15 rank alike, 2 flip and 4 are within noise"),
    ],
)
def test_the_pairs_sentence_counts_each_kind_with_its_verb(counts, expected):
    """Each count gets the verb that agrees with it, zero included."""
    text = R["pairs_words"](_pairs(*counts), sum(counts))
    assert text == f"of the {sum(counts)} pairs of variants, {expected}"


@pytest.mark.parametrize("n_flip", [0, 1, 5])
def test_only_a_flip_beyond_the_noise_supports_cannot_be_relied_on(n_flip):
    """'cannot be relied on' is said only when some pair flipped beyond noise."""
    text = R["flip_conclusion"](n_flip)
    assert ("cannot be relied on" in text) == (n_flip > 0)
    assert ("no pair flips" in text) == (n_flip == 0)


def test_the_classic_counterexample_is_claimed_only_when_it_happened():
    """The best reconstructor is beaten only if it is in a flip."""
    names = ["a", "b", "c"]
    mean = np.array([[0, 0.01, 0.9], [0, 0.02, 0.8], [0, 0.03, 0.95]])
    best, probe, meaning = R["wide_words"](names, mean, {"flip": [(0, 2)]})
    assert (best, probe) == ("a", "c probes better by more than the noise")
    assert meaning == "that is the classic counterexample"
    # a flip between two other models says nothing about the best one
    best, probe, meaning = R["wide_words"](names, mean, {"flip": [(1, 2)]})
    assert best == "a" and probe.startswith("no model")
    assert meaning == "the classic counterexample does not show here"


@pytest.mark.parametrize(
    ("values", "place"),
    [
        ([0.1, 0.1, 0.1], "above zero"),  # no spread at all
        ([0.0, 0.0, 0.0], "within"),
        ([-0.1, -0.1, -0.1], "below zero"),
        ([0.0, 0.2], "within"),  # mean 0.1, se 0.1: 1 standard error
        ([-0.5, 0.5, 0.1, -0.1], "within"),
        ([0.09, 0.11, 0.1], "above zero"),
        ([-0.09, -0.11, -0.1], "below zero"),
    ],
)
def test_versus_zero_uses_two_standard_errors(values, place):
    """The place against zero follows mean against 2 * std / sqrt(n)."""
    assert place in L["versus_zero"](values)


def test_versus_zero_at_exactly_two_standard_errors_says_within():
    """mean == 2 se is not 'more than two standard errors' from zero."""
    values = np.array([1.0, 3.0])  # mean 2, std sqrt 2, se 1 -> 2 se = 2
    assert L["versus_zero"](values) == "within two standard errors of zero"
    assert "above" in L["versus_zero"](values + 1e-9 + 0.01)


def test_gain_words_give_mean_and_sample_standard_deviation():
    """'+0.100 ± 0.141' from (0, 0.2): signed mean, ddof=1 spread."""
    assert L["gain_words"]([0.0, 0.2]) == "+0.100 ± 0.141"
    assert L["gain_words"]([-0.3, -0.1]) == "-0.200 ± 0.141"


def test_zero_words_summarise_agreeing_and_mixed_places():
    """One place for all: 'each ...'; mixed: a count for each place."""
    up, flat, down = [0.1, 0.1], [0.0, 0.0], [-0.1, -0.1]
    assert L["zero_words"]([up, up]) == "each more than two standard errors above zero"
    assert L["zero_words"]([flat]) == "within two standard errors of zero"
    mixed = L["zero_words"]([up, flat, up, down])
    assert mixed == (
        "2 of 4 more than two standard errors above zero, "
        "1 of 4 within two standard errors of zero, "
        "1 of 4 more than two standard errors below zero"
    )
