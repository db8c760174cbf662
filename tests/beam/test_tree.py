"""Tests for reviewkit.beam.tree: the table language models and random trees."""

import itertools
import math

import pytest
import torch

from reviewkit.beam import tree as lm
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.search import beam_search
from reviewkit.beam.trace import beam_trace


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
    assert tree.words((0, 1)) == "neural network" and tree.depth == 3


def test_next_log_probs_looks_up_each_prefix():
    """Each row of the output is the log of the table's row for that prefix."""
    tree = lm.worked_example()
    got = tree.next_log_probs(torch.tensor([[0, 1], [1, 1]]))
    want = torch.tensor([[0.9, 0.1], [0.8, 0.2]], dtype=torch.float64).log()
    assert torch.allclose(got, want) and got.dtype == torch.float64


def test_random_trees_are_seeded_full_and_normalised():
    """Same seed, same tree; every prefix below the depth has a distribution."""
    a, b = lm.random_tree(3, 3, seed=5), lm.random_tree(3, 3, seed=5)
    assert a.table == b.table != lm.random_tree(3, 3, seed=6).table
    assert len(a.table) == 1 + 3 + 9
    assert all(sum(row) == pytest.approx(1.0) for row in a.table.values())
    tied = lm.random_tree(3, 2, seed=0, levels=1)
    assert set(tied.table.values()) == {(1 / 3, 1 / 3, 1 / 3)}


#: A tree where a beam of three does worse than a beam of two: "c", third
#: at step 1, has two children that push "b a" out of the wider beam at
#: step 2, and "b a" was the prefix of the best sequence, "b a a".
WIDER_IS_WORSE = {
    (): (0.34, 0.335, 0.325),
    (0,): (0.46, 0.27, 0.27),
    (1,): (0.45, 0.3, 0.25),
    (2,): (0.48, 0.48, 0.04),
    (1, 0): (0.98, 0.01, 0.01),
}


def test_a_wider_beam_can_do_worse():
    """On a hand-made tree, k = 3 drops the prefix k = 2 keeps, and ends lower."""
    uniform = (1 / 3, 1 / 3, 1 / 3)
    table = {
        p: WIDER_IS_WORSE.get(p, uniform)
        for t in range(3)
        for p in itertools.product(range(3), repeat=t)
    }
    tree = lm.TreeLanguageModel(table, ("a", "b", "c"))
    small, large = (beam_search(tree, 3, k)[0] for k in (2, 3))
    assert small.tokens == (1, 0, 0) and large.score < small.score
    _, steps = beam_trace(tree, 3, 3)
    kept = dict(zip(steps[1].candidates, steps[1].kept, strict=True))
    assert not kept[(1, 0)] and kept[(2, 0)] and kept[(2, 1)]


def test_a_wider_beam_does_worse_rarely():
    """Of the first 100 random trees (M = 3, T = 4), at most 2 have k = 3 below k = 2.

    The page (docs/beam/beyond.md) searches random trees in order until one
    shows it, at build time; there the search fails the build if none does.
    """

    def worse(seed):
        tree = lm.random_tree(3, 4, seed=seed)
        small, large = (beam_search(tree, 4, k, check=False)[0] for k in (2, 3))
        return large.score < small.score - 1e-9

    assert sum(worse(s) for s in range(100)) <= 2


def test_ending_example_splits_the_two_conventions():
    """The endings tree: the pool returns 'network <end>', the beam does not."""
    tree = lm.ending_example()
    assert tree.vocab == lm.ENDING_EXAMPLE_VOCAB and tree.depth == 4
    assert tree.table[(2, 2, 2)] == pytest.approx((1 / 3,) * 3)
    pool = beam_search(tree, 4, 2, rules=SearchRules(eos=2))[0]
    in_beam = beam_search(tree, 4, 2, rules=SearchRules(eos=2, finished="beam"))[0]
    assert tree.words(pool.tokens) == "network <end>" != tree.words(in_beam.tokens)
