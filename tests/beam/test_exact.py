"""Tests for reviewkit.beam.exact: greedy, exhaustive and exact search."""

import pytest
from beam_reference import Holey, brute_force, depth, row, sequences, trees
from hypothesis import given
from hypothesis import strategies as st

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


@given(tree=trees, min_length=st.integers(0, 3), holes=st.booleans())
def test_searches_with_an_end_token_match_brute_force(tree, min_length, holes):
    """With eos and min_length, exhaustive and exact search rank as brute force."""
    length, eos = depth(tree), tree.vocab_size - 1
    model = Holey(tree, seed=1) if holes else tree
    want = sorted(
        sequences(model, length, eos, min_length), key=lambda x: (-x[1], x[0])
    )
    got = e.exhaustive_search(model, length, eos=eos, min_length=min_length)
    assert [h.tokens for h in got] == [w[0] for w in want]
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-12)
    exact = e.exact_search(model, length, eos=eos, min_length=min_length, n_best=2)
    assert [h.score for h in exact.hypotheses] == pytest.approx(
        [w[1] for w in want[:2]], abs=1e-12
    )
    assert all(sum(h.token_scores) == pytest.approx(h.score) for h in got)


@given(tree=trees, min_length=st.integers(0, 3))
def test_greedy_stops_at_the_end_token_and_not_before_min_length(tree, min_length):
    """Greedy takes the best allowed token each step and stops at eos."""
    length, eos = depth(tree), tree.vocab_size - 1
    got = e.greedy_decode(tree, length, eos=eos, min_length=min_length)
    if not got:  # the only token is eos, and it is banned at first
        assert tree.vocab_size == 1 and min_length > 0
        return
    (h,) = got
    assert eos not in h.tokens[:-1] and (h.tokens[-1] == eos or len(h.tokens) == length)
    assert eos not in h.tokens[:min_length]
    for i, token in enumerate(h.tokens):
        lp = row(tree, h.tokens[:i])
        allowed = [v for v in range(tree.vocab_size) if v != eos or i >= min_length]
        assert token == max(allowed, key=lambda v: (lp[v], -v))


def test_exact_search_fails_fast_on_a_flat_model():
    """A near-uniform model: exact search stops at its budget, with the numbers."""
    model = RNNLanguageModel(30, 16, seed=0)
    with pytest.raises(RuntimeError, match="max_queue=1000"):
        e.exact_search(model, 8, max_queue=1000)
    with pytest.raises(RuntimeError, match="max_expansions=50"):
        e.exact_search(model, 8, max_expansions=50)
