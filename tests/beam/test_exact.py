"""Tests for reviewkit.beam.exact: greedy, exhaustive and exact search."""

import pytest
from beam_reference import brute_force, depth, trees
from hypothesis import given

from reviewkit.beam import exact as e
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.tree import random_tree, worked_example


@given(tree=trees)
def test_exhaustive_and_exact_match_brute_force(tree):
    """Exhaustive and exact search agree with brute-force enumeration."""
    length = depth(tree)
    want = brute_force(tree, length)
    ex = e.exhaustive_search(tree, length)
    assert [h.tokens for h in ex] == [w[0] for w in want]
    assert [h.score for h in ex] == pytest.approx([w[1] for w in want], abs=1e-12)
    exact = e.exact_search(tree, length, n_best=3)
    assert [h.score for h in exact.hypotheses] == pytest.approx(
        [w[1] for w in want[:3]], abs=1e-12
    )
    if len(want) == 1 or want[0][1] > want[1][1] + 1e-9:
        assert exact.best.tokens == want[0][0]


def test_exact_search_expands_fewer_nodes_than_the_tree_has():
    """On a peaked tree exact search expands far fewer nodes than M**T."""
    tree = random_tree(4, 6, seed=3, concentration=0.2)
    result = e.exact_search(tree, 6)
    assert result.best.score == pytest.approx(e.exhaustive_search(tree, 6)[0].score)
    assert result.expanded < 4**5 / 10


def test_greedy_follows_the_most_likely_word():
    """On the worked example greedy takes 'neural' three times."""
    (greedy,) = e.greedy_decode(worked_example(), 3)
    assert greedy.tokens == (0, 0, 0)


@pytest.mark.parametrize("seed", [0, 1])
def test_stateful_and_stateless_exact_search_agree(seed):
    """Exact search finds the same mode through the state or the prefix."""
    model = RNNLanguageModel(6, 12, seed=seed)
    fast = e.exact_search(model, 4)
    slow = e.exact_search(model.next_log_probs, 4)
    assert fast.best.tokens == slow.best.tokens


def test_rnn_exact_equals_exhaustive():
    """On an RNN model, exact search finds the exhaustive mode."""
    model = RNNLanguageModel(4, 8, seed=3)
    assert (
        e.exact_search(model, 5).best.tokens == e.exhaustive_search(model, 5)[0].tokens
    )


def test_bad_arguments_raise():
    """T < 1, a non-callable model and too large an enumeration raise clearly."""
    tree = worked_example()
    with pytest.raises(ValueError, match="length must be >= 1"):
        e.exact_search(tree, 0)
    with pytest.raises(TypeError, match="model must be callable"):
        e.greedy_decode(42, 3)
    with pytest.raises(ValueError, match="M\\*\\*T"):
        e.exhaustive_search(RNNLanguageModel(50, 4), 5)
