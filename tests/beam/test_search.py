"""Tests for reviewkit.beam.search: the fast beam search against references."""

import math

import pytest
import torch
from beam_reference import depth, reference_beam, trees
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam import search as s
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.exact import exact_search, exhaustive_search, greedy_decode
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
    values, index = s._top(scores, k)
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
    full = s._beam_loop(model, prompts, 12, 1, None, 0.0, True)  # general loop
    assert torch.equal(fast.tokens, full.tokens)
    assert torch.equal(fast.scores, full.scores)
    assert torch.equal(fast.lengths, full.lengths)
