"""Tests for reviewkit.beam.hypothesis: what every decoder returns."""

import dataclasses

import pytest

from reviewkit.beam.hypothesis import Hypothesis


def test_equality_compares_tokens_and_score_not_token_scores():
    """Two hypotheses are equal when their tokens and scores are."""
    a = Hypothesis((0, 1), -1.5, (-1.0, -0.5))
    assert a == Hypothesis((0, 1), -1.5)
    assert a != Hypothesis((0, 1), -1.25, (-1.0, -0.5))
    assert a != Hypothesis((1, 0), -1.5, (-1.0, -0.5))


def test_a_hypothesis_is_frozen_and_hashable():
    """Hypotheses cannot be changed after the fact and can key a dict."""
    a = Hypothesis((2,), -0.1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.score = 0.0  # type: ignore[misc]
    assert {a: 1}[Hypothesis((2,), -0.1, (-0.1,))] == 1
