"""Tests for reviewkit.beam.search: the fast beam search against references."""

import math

import pytest
import torch
from beam_reference import Holey, depth, normalised, reference_beam, sequences, trees
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam import search as s
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.exact import exact_search, exhaustive_search, greedy_decode
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.selection import top_k
from reviewkit.beam.trace import beam_trace
from reviewkit.beam.tree import TreeLanguageModel, random_tree, worked_example


@given(tree=trees, k=st.integers(1, 6))
def test_beam_matches_reference_beam(tree, k):
    """Beam search keeps exactly the beams of a plain-Python reference, in order."""
    length = depth(tree)
    got = s.beam_search(tree, length, k)
    want = reference_beam(tree, length, k)
    assert [h.tokens for h in got] == [w[0] for w in want]
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-12)


@given(tree=trees)
def test_beam_of_width_one_is_greedy(tree):
    """Beam search with k = 1 returns exactly the greedy sequence."""
    length = depth(tree)
    (greedy,) = greedy_decode(tree, length)
    assert s.beam_search(tree, length, 1) == [greedy]


@given(tree=trees)
def test_wide_beam_is_exhaustive(tree):
    """With k >= M**(T-1), beam search's final beam is the exhaustive top k."""
    length = depth(tree)
    k = tree.vocab_size ** (length - 1)
    beam = s.beam_search(tree, length, k)
    ex = exhaustive_search(tree, length)[:k]
    assert [h.score for h in beam] == pytest.approx([h.score for h in ex], abs=1e-12)


@given(tree=trees, k=st.integers(1, 5))
def test_beam_never_beats_exact(tree, k):
    """Beam's best score never exceeds the mode found by exact search."""
    length = depth(tree)
    best = s.beam_search(tree, length, k)[0].score
    assert best <= exact_search(tree, length).best.score + 1e-12


def test_ties_are_broken_by_parent_rank_then_token_id():
    """Exact ties go to the better parent beam, then to the lower token id."""
    tree = random_tree(3, 2, seed=0, levels=1)  # every distribution uniform
    got = s.beam_search(tree, 2, 4)
    assert [h.tokens for h in got] == [(0, 0), (0, 1), (0, 2), (1, 0)]


def test_worked_example_teaches_a_search_error():
    """Beam misses the mode, and greedy returns a different, worse sequence."""
    tree = worked_example()
    mode = exhaustive_search(tree, 3)[0]
    beam = s.beam_search(tree, 3, 2)[0]
    (greedy,) = greedy_decode(tree, 3)
    assert mode.tokens == (0, 1, 0)
    assert beam.tokens != mode.tokens and beam.score < mode.score
    assert greedy.tokens != beam.tokens and greedy.score < beam.score
    assert mode.tokens[:2] not in {h.tokens[:2] for h in s.beam_search(tree, 2, 2)}


def test_batched_beam_equals_one_prompt_at_a_time():
    """Decoding a batch of prompts gives each prompt's own beam."""
    model = RNNLanguageModel(7, 16, seed=1)
    prompts = torch.randint(0, 7, (5, 3), generator=torch.Generator().manual_seed(0))
    batch = s.beam_search_batch(model, prompts, 6, 3)
    for i in range(5):
        single = s.beam_search(model, 6, 3, prompt=prompts[i])
        got = batch.hypotheses(i)
        assert [h.tokens for h in got] == [h.tokens for h in single]
        assert [h.score for h in got] == pytest.approx([h.score for h in single])


@pytest.mark.parametrize("cell", ["gru", "rnn"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stateful_path_equals_stateless_path(cell, seed):
    """The RNN's carried-state path decodes exactly as re-feeding the prefix."""
    model = RNNLanguageModel(6, 12, cell, seed=seed)
    fast = s.beam_search(model, 5, 3, prompt=[1, 2])
    slow = s.beam_search(model.next_log_probs, 5, 3, prompt=[1, 2])
    assert [h.tokens for h in fast] == [h.tokens for h in slow]
    assert [h.score for h in fast] == pytest.approx([h.score for h in slow], abs=1e-5)


def test_end_token_finishes_hypotheses():
    """With eos, finished hypotheses keep their score and stop at eos."""
    table = {(): (0.3, 0.2, 0.5), (0,): (0.02, 0.02, 0.96), (1,): (0.9, 0.05, 0.05)}
    table[(2,)] = (1 / 3, 1 / 3, 1 / 3)  # queried, then masked: eos is final
    table |= {(a, b): (1 / 3, 1 / 3, 1 / 3) for a in range(3) for b in range(3)}
    tree = TreeLanguageModel(table, ("a", "b", "<eos>"))
    hyps = s.beam_search(tree, 3, 3, eos=2)
    assert hyps[0].tokens == (2,)
    assert hyps[0].score == pytest.approx(math.log(0.5))
    assert all(h.tokens[-1] == 2 or len(h.tokens) == 3 for h in hyps)
    longer = s.beam_search(tree, 3, 3, eos=2, length_penalty=1.0)
    assert longer[0].tokens == (0, 2)  # log(0.288)/2 beats log(0.5)/1


def test_bad_arguments_raise():
    """k < 1, T < 1 and a wrong prompt shape raise clear errors."""
    tree = worked_example()
    with pytest.raises(ValueError, match="beam_size must be >= 1"):
        s.beam_search(tree, 3, 0)
    with pytest.raises(ValueError, match="length must be >= 1"):
        s.beam_search(tree, 0, 2)
    with pytest.raises(ValueError, match="prompts must have shape"):
        s.beam_search_batch(tree, torch.zeros(3, dtype=torch.long), 3, 2)


def test_beam_calls_the_model_once_per_step_on_k_rows():
    """The cost model of the complexity page: T model calls, at most k rows each."""
    model = RNNLanguageModel(5, 8, seed=0)
    rows = []

    class Counting:
        vocab_size = 5

        def start(self, prompts):
            rows.append(prompts.shape[0])
            return model.start(prompts)

        def advance(self, tokens, state):
            rows.append(tokens.shape[0])
            return model.advance(tokens, state)

        def select(self, state, index):
            return model.select(state, index)

    s.beam_search_batch(Counting(), torch.zeros(2, 1, dtype=torch.long), 7, 4)
    assert rows == [2, 2 * 4, 2 * 4, 2 * 4, 2 * 4, 2 * 4, 2 * 4]  # width 5 >= 4


def test_stateless_path_re_reads_the_prefix():
    """The stateless path feeds O(T^2) tokens to the model, the stateful one O(T)."""
    fed = []

    def counting(prefixes):
        fed.append(prefixes.numel())
        return model.next_log_probs(prefixes)

    model = RNNLanguageModel(5, 8, seed=0)
    s.beam_search(counting, 16, 2, check=False)
    assert sum(fed) == sum(2 * t for t in range(1, 16))  # k rows of length t


@given(
    st.integers(1, 3),
    st.integers(2, 40),
    st.integers(1, 12),
    st.integers(0, 2**31 - 1),
)
def test_top_matches_a_stable_sort_even_with_many_ties(rows, width, k, seed):
    """The selection step equals a full stable sort: value first, then lower index."""
    g = torch.Generator().manual_seed(seed)
    scores = torch.randint(-3, 1, (rows, width), generator=g).double()  # many ties
    scores[scores == -3] = -math.inf
    values, index = top_k(scores, k)
    ref_values, ref_index = torch.sort(scores, dim=1, descending=True, stable=True)
    k = min(k, width)
    assert torch.equal(index, ref_index[:, :k])
    assert torch.equal(values, ref_values[:, :k])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beam_of_one_fast_path_equals_the_general_loop(seed):
    """k = 1 skips the beam bookkeeping but returns exactly what the full loop does."""
    model = RNNLanguageModel(7, 16, seed=seed)
    prompts = torch.randint(0, 7, (3, 2), generator=torch.Generator().manual_seed(seed))
    fast = s.beam_search_batch(model, prompts, 12, 1)
    assert fast.tokens.shape == (3, 1, 12)
    full = s._beam_loop(model, prompts, 12, 1, SearchRules(), True)  # general loop
    assert torch.equal(fast.tokens, full.tokens)
    assert torch.equal(fast.scores, full.scores)
    assert torch.equal(fast.lengths, full.lengths)


# -- end tokens, banned tokens and the toolkit options ------------------------

options = st.fixed_dictionaries(
    {
        "finished": st.sampled_from(["pool", "beam"]),
        "min_length": st.integers(0, 3),
        "no_repeat_ngram_size": st.integers(0, 3),
        "length_penalty": st.sampled_from([0.0, -0.5, 0.6, 1.0, 2.0]),
        "length_norm": st.sampled_from(["power", "gnmt"]),
        "force_eos": st.booleans(),
        "early_stopping": st.booleans(),
    }
)


def legal(opts):
    """Drop the option combinations SearchRules refuses."""
    if opts["finished"] != "pool":
        opts = opts | {"early_stopping": False}
    return opts


@given(tree=trees, k=st.integers(1, 6), opts=options, holes=st.booleans())
def test_fast_search_equals_the_readable_trace(tree, k, opts, holes):
    """With every option, the fast search returns exactly the readable loop's list."""
    length, eos = depth(tree), tree.vocab_size - 1
    model = Holey(tree, seed=k) if holes else tree
    opts = legal(opts)
    fast = s.beam_search(model, length, k, eos=eos, **opts)
    slow = beam_trace(model, length, k, eos=eos, **opts).hypotheses
    assert [h.tokens for h in fast] == [h.tokens for h in slow]
    assert [h.score for h in fast] == pytest.approx([h.score for h in slow], abs=1e-9)
    for a, b in zip(fast, slow, strict=True):
        assert a.token_scores == pytest.approx(b.token_scores, abs=1e-9)


@given(tree=trees, k=st.integers(1, 6), holes=st.booleans(), ngram=st.integers(0, 2))
def test_fast_search_equals_the_trace_without_an_end_token(tree, k, holes, ngram):
    """Without eos (plain beam search, banned tokens, n-gram blocking) too."""
    length = depth(tree)
    model = Holey(tree, seed=k) if holes else tree
    fast = s.beam_search(model, length, k, no_repeat_ngram_size=ngram)
    slow = beam_trace(model, length, k, no_repeat_ngram_size=ngram).hypotheses
    assert [h.tokens for h in fast] == [h.tokens for h in slow]
    assert [h.score for h in fast] == pytest.approx([h.score for h in slow], abs=1e-9)


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
    model = Holey(tree, seed=3, keep=eos) if holes else tree
    every = sequences(model, length, eos, min_length)
    k = max(1, tree.vocab_size**length)
    ranked = sorted(every, key=lambda x: -normalised(x[1], len(x[0]), alpha, norm))
    got = s.beam_search(
        model,
        length,
        k,
        eos=eos,
        min_length=min_length,
        length_penalty=alpha,
        length_norm=norm,
    )
    want = [normalised(x[1], len(x[0]), alpha, norm) for x in ranked[:k]]
    have = [normalised(h.score, len(h.tokens), alpha, norm) for h in got]
    assert have == pytest.approx(want, abs=1e-9)
    by_tokens = {x[0]: x[1] for x in every}
    assert all(by_tokens[h.tokens] == pytest.approx(h.score) for h in got)


@given(tree=trees, k=st.integers(1, 6), opts=options, holes=st.booleans())
def test_every_hypothesis_is_real_and_follows_the_rules(tree, k, opts, holes):
    """No -inf or duplicate hypothesis, at most k, scores and per-token scores true."""
    length, eos = depth(tree), tree.vocab_size - 1
    model = Holey(tree, seed=k) if holes else tree
    opts = legal(opts)
    got = s.beam_search(model, length, k, eos=eos, **opts)
    assert len(got) <= k and len({h.tokens for h in got}) == len(got)
    allowed = {
        x[0]: x[1]
        for x in sequences(
            model, length, eos, opts["min_length"], opts["no_repeat_ngram_size"]
        )
    }
    for h in got:
        assert math.isfinite(h.score)
        assert sum(h.token_scores) == pytest.approx(h.score, abs=1e-9)
        assert h.tokens in allowed  # ends right, no early eos, no repeated n-gram
        assert h.score == pytest.approx(allowed[h.tokens], abs=1e-9)
        if opts["force_eos"]:
            assert h.tokens[-1] == eos


@pytest.mark.parametrize("finished", ["pool", "beam"])
def test_no_phantom_hypotheses_when_k_exceeds_what_exists(finished):
    """M = 2, eos = 1, T = 4, k = 8: the five real sequences and nothing scored -inf."""
    tree = random_tree(2, 4, seed=0)
    got = s.beam_search(tree, 4, 8, eos=1, finished=finished)
    assert sorted(h.tokens for h in got) == sorted(
        [(1,), (0, 1), (0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0)]
    )
    assert all(math.isfinite(h.score) for h in got)


def test_a_fully_banned_beam_returns_nothing():
    """When every continuation is banned the list is empty, not an error."""

    def only_zero(prefixes):  # token 1 has probability 0
        return torch.tensor([[0.0, -math.inf]]).expand(prefixes.shape[0], 2)

    assert [h.tokens for h in s.beam_search(only_zero, 1, 2)] == [(0,)]
    assert s.beam_search(only_zero, 2, 2, no_repeat_ngram_size=1) == []


@pytest.mark.parametrize(
    ("dtype", "tol"), [(torch.bfloat16, 1e-3), (torch.float16, 1e-3)]
)
def test_scores_add_up_in_float32_at_least(dtype, tol):
    """A uniform 3-token model in low precision: 200 steps sum without stalling."""

    def uniform(prefixes):
        return torch.full((prefixes.shape[0], 3), -math.log(3)).to(dtype)

    (h,) = s.beam_search(uniform, 200, 1, eos=2, min_length=200)
    per_token = float(torch.tensor(-math.log(3)).to(dtype))
    assert s.beam_search(uniform, 200, 2, eos=2, min_length=200)[0].score == (
        pytest.approx(200 * per_token, abs=tol)
    )
    assert h.score == pytest.approx(200 * per_token, abs=tol)
    assert abs(h.score - 200 * math.log(1 / 3)) < 0.8  # -204 / -223 before


def test_gnmt_and_power_penalties_rank_as_documented():
    """alpha = 1: power divides by L, gnmt by (5 + L) / 6; alpha < 0 favours short."""
    table = {(): (0.3, 0.2, 0.5), (0,): (0.02, 0.02, 0.96), (1,): (0.9, 0.05, 0.05)}
    table |= {p: (1 / 3, 1 / 3, 1 / 3) for p in [(2,), (0, 0), (0, 1), (0, 2)]}
    table |= {p: (1 / 3, 1 / 3, 1 / 3) for p in [(1, 0), (1, 1), (1, 2), (2, 0)]}
    table |= {p: (1 / 3, 1 / 3, 1 / 3) for p in [(2, 1), (2, 2)]}
    tree = TreeLanguageModel(table, ("a", "b", "<eos>"))
    power = s.beam_search(tree, 3, 3, eos=2, length_penalty=1.0)
    assert power[0].tokens == (0, 2)  # log(0.288) / 2 beats log(0.5) / 1
    gnmt = s.beam_search(tree, 3, 3, eos=2, length_penalty=1.0, length_norm="gnmt")
    assert gnmt[0].tokens == (2,)  # log(0.5) / 1 beats log(0.288) / (7 / 6)
    short = s.beam_search(tree, 3, 3, eos=2, length_penalty=-1.0)
    assert short[0].tokens == (2,)


def test_numpy_beam_size_and_bad_options():
    """A numpy int is a beam size; empty batches and eos-less options are refused."""
    import numpy as np

    tree = worked_example()
    assert s.beam_search(tree, 3, np.int64(2)) == s.beam_search(tree, 3, 2)
    with pytest.raises(ValueError, match="prompts must hold at least one prompt"):
        s.beam_search_batch(tree, torch.zeros(0, 2, dtype=torch.long), 3, 2)
    with pytest.raises(ValueError, match="length_penalty needs an end token"):
        s.beam_search(tree, 3, 2, length_penalty=1.0)
    with pytest.raises(ValueError, match="eos must be < 2"):
        s.beam_search(tree, 3, 2, eos=5)
