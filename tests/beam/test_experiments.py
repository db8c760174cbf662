"""Tests for reviewkit.beam.experiments: search errors and timing."""

import pytest

from reviewkit.beam import charlm as lm
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.experiments import search_errors


def test_search_errors_shrink_as_the_beam_widens(small_lm):
    """Greedy misses the mode often; a wide beam less; none scores above it."""
    held = lm.generate_corpus(6, seed=100)
    prompts = [small_lm.vocab.encode(s[:p]) for s in held for p in (0, 4, 9)]
    report = search_errors(small_lm.model, prompts, 16, (1, 2, 8))
    rate = report.miss_rate()
    assert rate[0] > 0.1
    assert rate[2] < rate[0]
    assert bool((report.beam <= report.exact[:, None] + 1e-4).all())
    assert bool((report.expanded >= 16).all())  # at least one call per token


def test_larger_beam_worse_lists_each_case_once(small_lm):
    """A case is (prompt, k_small, k_large) with the larger beam's score lower."""
    held = lm.generate_corpus(4, seed=7)
    prompts = [small_lm.vocab.encode(s[:p]) for s in held for p in (2, 6)]
    report = search_errors(small_lm.model, prompts, 10, (1, 3))
    for p, small, large in report.larger_beam_worse():
        assert (small, large) == (1, 3)
        assert report.beam[p, 1] < report.beam[p, 0]


def test_repeated_beam_sizes_are_refused():
    """A repeated k would count one run twice: refused by name."""
    with pytest.raises(ValueError, match="beam_sizes must not repeat"):
        search_errors(RNNLanguageModel(5, 4), [[1]], 3, (2, 2))
