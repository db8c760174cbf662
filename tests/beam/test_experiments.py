"""Tests for reviewkit.beam.experiments: search errors and timing."""

import pytest

from reviewkit.beam import charlm as lm
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.experiments import search_errors, time_beam_search


@pytest.mark.parametrize("seed", [0, 1])
def test_search_errors_shrink_as_the_beam_widens(seed):
    """Greedy misses the mode often; a wide beam misses it less, never more often."""
    trained = lm.train_char_lm(lm.CharLMConfig(n_sentences=600, steps=150, seed=seed))
    held = lm.generate_corpus(8, seed=100 + seed)
    prompts = [trained.vocab.encode(s[:p]) for s in held for p in (0, 4, 9, 14)]
    report = search_errors(trained.model, prompts, 16, (1, 2, 8))
    rate = report.miss_rate()
    assert rate[0] > 0.1
    assert rate[2] < rate[0]
    assert bool((report.beam <= report.exact[:, None] + 1e-4).all())


def test_time_beam_search_returns_a_positive_time():
    """The timer returns a positive number of seconds and checks its arguments."""
    model = RNNLanguageModel(5, 8, seed=0)
    assert time_beam_search(model, None, 4, 2, repeats=2, statistic="min") > 0
    with pytest.raises(ValueError, match="statistic"):
        time_beam_search(model, None, 4, 2, statistic="mean")
