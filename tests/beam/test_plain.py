"""Tests for reviewkit.beam.plain: the sheet's beam search in plain Python."""

import pytest
from beam_reference import Holey, brute_force, depth, reference_beam, row, trees
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam.plain import plain_beam_search
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.tree import worked_example


@given(tree=trees, k=st.integers(1, 6))
def test_plain_loop_keeps_the_reference_beam(tree, k):
    """The library's loop returns the independent reference's final beam, in order."""
    length = depth(tree)
    got = plain_beam_search(tree, length, k)
    want = reference_beam(tree, length, k)
    assert [h.tokens for h in got] == [w[0] for w in want]
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-12)


@given(tree=trees)
def test_a_beam_as_wide_as_the_tree_is_brute_force(tree):
    """With k = M**T the loop returns every sequence, ranked as brute force does."""
    length = depth(tree)
    got = plain_beam_search(tree, length, tree.vocab_size**length)
    want = brute_force(tree, length)
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-12)


@given(tree=trees)
def test_a_beam_of_one_takes_the_most_likely_token_each_step(tree):
    """k = 1 is greedy: every token is the argmax given the ones before it."""
    length = depth(tree)
    (h,) = plain_beam_search(tree, length, 1)
    for i, token in enumerate(h.tokens):
        lp = row(tree, h.tokens[:i])
        assert token == max(range(tree.vocab_size), key=lambda v: (lp[v], -v))


@given(tree=trees, k=st.integers(1, 4), seed=st.integers(0, 100))
def test_a_token_of_probability_zero_starts_nothing(tree, k, seed):
    """With banned tokens (-inf), no kept hypothesis holds one."""
    model = Holey(tree, seed=seed)
    for h in plain_beam_search(model, depth(tree), k):
        assert all(not model.banned(h.tokens[:i], t) for i, t in enumerate(h.tokens))


def test_worked_example_beam_is_network_neural_neural():
    """On the chapter's tree, k = 2 ends with network neural neural first."""
    tree = worked_example()
    got = plain_beam_search(tree, 3, 2, prompt=None)
    assert [tree.words(h.tokens) for h in got] == [
        "network neural neural",
        "neural neural neural",
    ]


def test_rules_beyond_plain_beam_search_are_refused():
    """An end token is for beam_search; the plain loop refuses it by name."""
    with pytest.raises(ValueError, match="rules must be plain"):
        plain_beam_search(worked_example(), 3, 2, rules=SearchRules(eos=1))
