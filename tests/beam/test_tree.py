"""Tests for reviewkit.beam.tree: the table language model and random trees."""

import math

import pytest

from reviewkit.beam import tree as lm
from reviewkit.beam.search import beam_search


def test_tree_rejects_unnormalised_rows():
    """A tree row that does not sum to one, or has the wrong length, is named."""
    with pytest.raises(ValueError, match=r"table\[\(\)\] must be positive and sum"):
        lm.TreeLanguageModel({(): (0.5, 0.6)}, ("a", "b"))
    with pytest.raises(ValueError, match="must hold 2 probabilities"):
        lm.TreeLanguageModel({(): (1.0,)}, ("a", "b"))


def test_tree_scores_sequences_by_summing_log_probs():
    """A sequence's score is the sum of the log-probs along its path."""
    tree = lm.worked_example()
    assert tree.sequence_log_prob((0, 1, 0)) == pytest.approx(
        math.log(0.6) + math.log(0.45) + math.log(0.9)
    )
    assert tree.words((0, 1)) == "neural network"


def test_a_wider_beam_can_do_worse_but_rarely():
    """Some random tree has k = 3 scoring below k = 2; few of the first 200 do."""

    def worse(seed):
        tree = lm.random_tree(3, 4, seed=seed)
        small, large = (beam_search(tree, 4, k)[0] for k in (2, 3))
        return large.score < small.score - 1e-9

    assert sum(worse(s) for s in range(200)) <= 4
    assert any(worse(s) for s in range(2000))
