"""Tests for reviewkit.beam.hypothesis: what every decoder returns."""

import dataclasses

import pytest

from reviewkit.beam.hypothesis import Hypothesis, new_hypothesis


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


def test_new_hypothesis_builds_what_the_constructor_builds():
    """The decoders' fast constructor gives an equal, frozen, hashable object
    with the same fields, repr and token scores."""
    fast = new_hypothesis((3, 1), -2.0, (-1.5, -0.5))
    slow = Hypothesis((3, 1), -2.0, (-1.5, -0.5))
    assert type(fast) is Hypothesis and fast == slow and hash(fast) == hash(slow)
    assert repr(fast) == repr(slow) and vars(fast) == vars(slow)
    assert dataclasses.astuple(fast) == dataclasses.astuple(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.tokens = ()  # type: ignore[misc]
    assert new_hypothesis((), 0.0) == Hypothesis((), 0.0)
    assert new_hypothesis((), 0.0).token_scores == ()
