"""Tests for reviewkit.beam.exact: exhaustive and exact search."""

import pytest
import torch
from beam_reference import Holey, brute_force, depth, normalised, sequences, trees
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewkit.beam import exact as e
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.tree import TreeLanguageModel, random_tree


@given(tree=trees)
def test_exhaustive_and_exact_match_brute_force(tree):
    """Exhaustive and exact search agree with brute-force enumeration."""
    length = depth(tree)
    want = brute_force(tree, length)
    ex = e.exhaustive_search(tree, length)
    assert [h.tokens for h in ex] == [w[0] for w in want]
    assert [h.score for h in ex] == pytest.approx([w[1] for w in want], abs=1e-12)
    exact = e.exact_search(tree, length, n_best=3)
    assert [h.score for h in exact] == pytest.approx(
        [w[1] for w in want[:3]], abs=1e-12
    )
    if len(want) == 1 or want[0][1] > want[1][1] + 1e-9:
        assert exact[0].tokens == want[0][0]


@settings(max_examples=20)
@given(seed=st.integers(0, 1000), m=st.integers(2, 4))
def test_exact_search_finds_the_mode_of_a_float32_model(seed, m):
    """Greedy's float32 total may round above the float64 sums: never prune the mode."""
    tree = random_tree(m, 4, seed=seed, concentration=0.3)
    tree32 = TreeLanguageModel(tree.table, tree.vocab, dtype=torch.float32)
    want = e.exhaustive_search(tree32, 4)[0]
    assert e.exact_search(tree32, 4)[0].score == pytest.approx(want.score, abs=1e-6)


def test_exact_search_counts_its_work_and_expands_few_nodes():
    """On a peaked tree exact search expands far fewer nodes than M**T."""
    tree = random_tree(4, 6, seed=3, concentration=0.2)
    found, work = e.counted_exact_search(tree, 6)
    assert found == e.exact_search(tree, 6)
    assert found[0].score == pytest.approx(e.exhaustive_search(tree, 6)[0].score)
    assert 1 <= work.expanded < 4**5 / 10 and work.pushed >= work.expanded


@pytest.mark.parametrize("seed", [0, 1])
def test_stateful_and_stateless_exact_search_agree(seed):
    """Exact search finds the same mode through the state or the prefix."""
    model = RNNLanguageModel(6, 12, seed=seed)
    fast = e.exact_search(model, 4)
    slow = e.exact_search(model.next_log_probs, 4)
    assert fast[0].tokens == slow[0].tokens


def test_rnn_exact_equals_exhaustive():
    """On an RNN model, exact search finds the exhaustive mode."""
    model = RNNLanguageModel(4, 8, seed=3)
    assert e.exact_search(model, 5)[0].tokens == e.exhaustive_search(model, 5)[0].tokens


@given(
    tree=trees,
    min_length=st.integers(0, 3),
    ngram=st.integers(0, 2),
    holes=st.booleans(),
)
def test_searches_with_rules_match_brute_force(tree, min_length, ngram, holes):
    """With eos, min_length and n-gram blocking, both rank as brute force does."""
    length, eos = depth(tree), tree.vocab_size - 1
    min_length = min(min_length, length)  # more is refused
    model = Holey(tree, seed=1) if holes else tree
    want = sorted(
        sequences(model, length, eos, min_length, ngram), key=lambda x: (-x[1], x[0])
    )
    rules = SearchRules(eos=eos, min_length=min_length, no_repeat_ngram_size=ngram)
    got = e.exhaustive_search(model, length, rules=rules)
    assert [h.tokens for h in got] == [w[0] for w in want]
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-12)
    exact = e.exact_search(model, length, rules=rules, n_best=2)
    assert [h.score for h in exact] == pytest.approx(
        [w[1] for w in want[:2]], abs=1e-12
    )
    assert all(sum(h.token_scores) == pytest.approx(h.score) for h in got)


@given(tree=trees, alpha=st.sampled_from([-1.0, 0.6, 2.0]))
def test_exhaustive_search_ranks_by_the_length_penalty(tree, alpha):
    """With a length penalty, exhaustive search ranks by s / L**alpha."""
    length, eos = depth(tree), tree.vocab_size - 1
    rules = SearchRules(eos=eos, length_penalty=alpha)
    got = e.exhaustive_search(tree, length, rules=rules)
    ranks = [normalised(h.score, len(h.tokens), alpha, "power") for h in got]
    assert ranks == sorted(ranks, reverse=True)
    assert len(got) == len(sequences(tree, length, eos))


def test_exact_search_refuses_a_length_penalty():
    """Its pruning needs scores that only fall: a penalty is refused, by name."""
    with pytest.raises(ValueError, match="rules.length_penalty must be 0"):
        e.exact_search(
            random_tree(2, 2, seed=0), 2, rules=SearchRules(eos=1, length_penalty=1.0)
        )


def test_exact_search_fails_fast_on_a_flat_model():
    """A near-uniform model: exact search stops at its budget, with the numbers."""
    model = RNNLanguageModel(30, 16, seed=0)
    with pytest.raises(RuntimeError, match="max_queue=1000"):
        e.exact_search(model, 8, max_queue=1000)
    with pytest.raises(RuntimeError, match="max_expansions=50"):
        e.exact_search(model, 8, max_expansions=50)
