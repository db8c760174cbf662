"""Tests for reviewkit.beam.pool: the pool of finished hypotheses and its stop rule."""

import math

import pytest
import torch
from beam_reference import Holey, depth, normalised, sequences, trees
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam.pool import FinishedPool
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.search import beam_search
from reviewkit.beam.tree import random_tree


@given(
    tree=trees,
    alpha=st.sampled_from([0.0, -1.0, 0.6, 2.0]),
    norm=st.sampled_from(["power", "gnmt"]),
    min_length=st.integers(0, 2),
    holes=st.booleans(),
)
def test_pool_with_a_wide_beam_is_the_brute_force_n_best(
    tree, alpha, norm, min_length, holes
):
    """With k >= every sequence, the pool search returns the exact n-best by rank.

    Brute force enumerates every sequence (ended by eos or by the length),
    ranks it by s / f(L) and keeps the best k; the pool search prunes nothing
    at this width, and its stopping rule must not stop too early.
    """
    length, eos = depth(tree), tree.vocab_size - 1
    min_length = min(min_length, length)  # more is refused
    model = Holey(tree, seed=3, keep=eos) if holes else tree
    every = sequences(model, length, eos, min_length)
    k = max(1, tree.vocab_size**length)
    ranked = sorted(every, key=lambda x: -normalised(x[1], len(x[0]), alpha, norm))
    rules = SearchRules(
        eos=eos, min_length=min_length, length_penalty=alpha, length_norm=norm
    )
    got = beam_search(model, length, k, rules=rules)
    want = [normalised(x[1], len(x[0]), alpha, norm) for x in ranked[:k]]
    have = [normalised(h.score, len(h.tokens), alpha, norm) for h in got]
    assert have == pytest.approx(want, abs=1e-9)
    by_tokens = {x[0]: x[1] for x in every}
    assert all(by_tokens[h.tokens] == pytest.approx(h.score) for h in got)


@pytest.mark.parametrize("finished", ["pool", "beam"])
def test_no_phantom_hypotheses_when_k_exceeds_what_exists(finished):
    """M = 2, eos = 1, T = 4, k = 8: the five real sequences and nothing scored -inf."""
    tree = random_tree(2, 4, seed=0)
    got = beam_search(tree, 4, 8, rules=SearchRules(eos=1, finished=finished))
    assert sorted(h.tokens for h in got) == sorted(
        [(1,), (0, 1), (0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0)]
    )
    assert all(math.isfinite(h.score) for h in got)


def test_merge_keeps_the_k_best_and_the_older_entry_on_a_tie():
    """The pool keeps the k best ranks; of two equal ranks, the earlier one first."""
    pool = FinishedPool.empty(1, 2, torch.float64)
    slots = torch.tensor([[0, 1]])
    ends, cut = torch.tensor([[7, 8]]), torch.tensor([[-1, -1]])
    pool = pool.merge(
        torch.tensor([[-1.0, -3.0]]), torch.tensor([[-1.0, -3.0]]), 0, slots, ends
    )
    pool = pool.merge(
        torch.tensor([[-2.0, -1.0]]), torch.tensor([[-2.0, -1.0]]), 4, slots, cut
    )
    assert pool.rank.tolist() == [[-1.0, -1.0]]
    assert pool.step.tolist() == [[0, 4]] and pool.slot.tolist() == [[0, 1]]
    assert pool.end.tolist() == [[7, -1]]


@pytest.mark.parametrize(("alpha", "stops_at_once"), [(0.0, True), (3.0, False)])
def test_the_pool_stops_once_nothing_live_can_beat_it(alpha, stops_at_once):
    """k = 1, eos at 0.9 first: done at once by score; a strong penalty goes on.

    With alpha = 3 a live prefix of log-probability log 0.05 could still end
    at length 5 with rank log(0.05) / 125, above the pool's log(0.9) / 1
    (and one does: the answer is a longer sequence).
    """
    calls = []

    def model(prefixes):
        calls.append(prefixes.shape[1])
        row = torch.tensor([0.9, 0.05, 0.05]).log()
        return row.expand(prefixes.shape[0], 3)

    rules = SearchRules(eos=0, length_penalty=alpha)
    got = beam_search(model, 5, 1, rules=rules)
    assert (got[0].tokens == (0,)) == stops_at_once
    assert (calls == [0]) == stops_at_once  # only the prompt was read
