"""Tests for reviewkit.decoding: every decoder against brute force and each other."""

import itertools
import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reviewkit import decoding as d
from reviewkit.lm import RNNLanguageModel, random_tree, worked_example


def brute_force(model, length):
    """All sequences with scores summed in Python, best first, ties lexicographic."""
    seqs = []
    for tokens in itertools.product(range(model.vocab_size), repeat=length):
        score = 0.0
        for i, tok in enumerate(tokens):
            row = model.next_log_probs(torch.tensor([tokens[:i]], dtype=torch.long))
            score = score + float(row[0, tok])
        seqs.append((tokens, score))
    return sorted(seqs, key=lambda s: (-s[1], s[0]))


def reference_beam(model, length, k):
    """Plain-Python beam search with the documented tie-breaking."""
    beam = [((), 0.0)]
    for _ in range(length):
        cands = []
        for rank, (prefix, score) in enumerate(beam):
            row = model.next_log_probs(torch.tensor([prefix], dtype=torch.long))[0]
            for v in range(model.vocab_size):
                cands.append((-(score + float(row[v])), rank, v, (*prefix, v)))
        cands.sort()
        beam = [(c[3], -c[0]) for c in cands[:k]]
    return beam


trees = st.builds(
    lambda m, t, seed, levels: random_tree(m, t, seed=seed, levels=levels),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 10_000),
    st.sampled_from([None, 2, 3]),
)


@given(tree=trees, k=st.integers(1, 6))
def test_beam_matches_reference_beam(tree, k):
    """Beam search keeps exactly the beams of a plain-Python reference, in order."""
    length = max(len(p) for p in tree.table) + 1
    got = d.beam_search(tree, length, k)
    want = reference_beam(tree, length, k)
    assert [h.tokens for h in got] == [w[0] for w in want]
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-12)


@given(tree=trees)
def test_exhaustive_and_exact_match_brute_force(tree):
    """Exhaustive and exact search agree with brute-force enumeration."""
    length = max(len(p) for p in tree.table) + 1
    want = brute_force(tree, length)
    ex = d.exhaustive_search(tree, length)
    assert [h.tokens for h in ex] == [w[0] for w in want]
    assert [h.score for h in ex] == pytest.approx([w[1] for w in want], abs=1e-12)
    exact = d.exact_search(tree, length, n_best=3)
    assert [h.score for h in exact.hypotheses] == pytest.approx(
        [w[1] for w in want[:3]], abs=1e-12
    )
    if len(want) == 1 or want[0][1] > want[1][1] + 1e-9:
        assert exact.best.tokens == want[0][0]


@given(tree=trees)
def test_beam_of_width_one_is_greedy(tree):
    """Beam search with k = 1 returns exactly the greedy sequence."""
    length = max(len(p) for p in tree.table) + 1
    (greedy,) = d.greedy_decode(tree, length)
    assert d.beam_search(tree, length, 1) == [greedy]


@given(tree=trees)
def test_wide_beam_is_exhaustive(tree):
    """With k >= M**(T-1), beam search's final beam is the exhaustive top k."""
    length = max(len(p) for p in tree.table) + 1
    k = tree.vocab_size ** (length - 1)
    beam = d.beam_search(tree, length, k)
    ex = d.exhaustive_search(tree, length)[:k]
    assert [h.score for h in beam] == pytest.approx([h.score for h in ex], abs=1e-12)


@given(tree=trees, k=st.integers(1, 5))
def test_beam_never_beats_exact(tree, k):
    """Beam's best score never exceeds the mode found by exact search."""
    length = max(len(p) for p in tree.table) + 1
    best = d.beam_search(tree, length, k)[0].score
    assert best <= d.exact_search(tree, length).best.score + 1e-12


def test_exact_search_expands_fewer_nodes_than_the_tree_has():
    """On a peaked tree exact search expands far fewer nodes than M**T."""
    tree = random_tree(4, 6, seed=3, concentration=0.2)
    result = d.exact_search(tree, 6)
    assert result.best.score == pytest.approx(d.exhaustive_search(tree, 6)[0].score)
    assert result.expanded < 4**5 / 10


def test_ties_are_broken_by_parent_rank_then_token_id():
    """Exact ties go to the better parent beam, then to the lower token id."""
    tree = random_tree(3, 2, seed=0, levels=1)  # every distribution uniform
    got = d.beam_search(tree, 2, 4)
    assert [h.tokens for h in got] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    trace = d.beam_trace(tree, 2, 2)
    assert trace[0].kept == (True, True, False)


def test_worked_example_beams_at_each_step():
    """The worked example keeps and drops the sequences the page describes."""
    tree = worked_example()
    steps = d.beam_trace(tree, 3, 2)
    kept = [{c for c, k in zip(s.candidates, s.kept, strict=True) if k} for s in steps]
    assert kept == [{(0,), (1,)}, {(1, 0), (0, 0)}, {(1, 0, 0), (0, 0, 0)}]
    assert [len(s.candidates) for s in steps] == [2, 4, 4]
    for s in steps:
        for c, score in zip(s.candidates, s.scores, strict=True):
            assert score == pytest.approx(tree.sequence_log_prob(c))


def test_worked_example_teaches_a_search_error():
    """Beam misses the mode, and greedy returns a different, worse sequence."""
    tree = worked_example()
    mode = d.exhaustive_search(tree, 3)[0]
    beam = d.beam_search(tree, 3, 2)[0]
    (greedy,) = d.greedy_decode(tree, 3)
    assert mode.tokens == (0, 1, 0)
    assert beam.tokens != mode.tokens and beam.score < mode.score
    assert greedy.tokens != beam.tokens and greedy.score < beam.score
    assert mode.tokens[:2] not in {h.tokens[:2] for h in d.beam_search(tree, 2, 2)}


def test_batched_beam_equals_one_prompt_at_a_time():
    """Decoding a batch of prompts gives each prompt's own beam."""
    model = RNNLanguageModel(7, 16, seed=1)
    prompts = torch.randint(0, 7, (5, 3), generator=torch.Generator().manual_seed(0))
    batch = d.beam_search_batch(model, prompts, 6, 3)
    for i in range(5):
        single = d.beam_search(model, 6, 3, prompt=prompts[i])
        got = batch.hypotheses(i)
        assert [h.tokens for h in got] == [h.tokens for h in single]
        assert [h.score for h in got] == pytest.approx([h.score for h in single])


@pytest.mark.parametrize("cell", ["gru", "rnn"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stateful_path_equals_stateless_path(cell, seed):
    """The RNN's carried-state path decodes exactly as re-feeding the prefix."""
    model = RNNLanguageModel(6, 12, cell, seed=seed)
    fast = d.beam_search(model, 5, 3, prompt=[1, 2])
    slow = d.beam_search(model.next_log_probs, 5, 3, prompt=[1, 2])
    assert [h.tokens for h in fast] == [h.tokens for h in slow]
    assert [h.score for h in fast] == pytest.approx([h.score for h in slow], abs=1e-5)
    e_fast = d.exact_search(model, 4)
    e_slow = d.exact_search(model.next_log_probs, 4)
    assert e_fast.best.tokens == e_slow.best.tokens


def test_rnn_exact_equals_exhaustive():
    """On an RNN model, exact search finds the exhaustive mode."""
    model = RNNLanguageModel(4, 8, seed=3)
    assert (
        d.exact_search(model, 5).best.tokens == d.exhaustive_search(model, 5)[0].tokens
    )


def test_end_token_finishes_hypotheses():
    """With eos, finished hypotheses keep their score and stop at eos."""
    table = {(): (0.3, 0.2, 0.5), (0,): (0.02, 0.02, 0.96), (1,): (0.9, 0.05, 0.05)}
    table[(2,)] = (1 / 3, 1 / 3, 1 / 3)  # queried, then masked: eos is final
    table |= {(a, b): (1 / 3, 1 / 3, 1 / 3) for a in range(3) for b in range(3)}
    from reviewkit.lm import TreeLanguageModel

    tree = TreeLanguageModel(table, ("a", "b", "<eos>"))
    hyps = d.beam_search(tree, 3, 3, eos=2)
    assert hyps[0].tokens == (2,)
    assert hyps[0].score == pytest.approx(math.log(0.5))
    assert all(h.tokens[-1] == 2 or len(h.tokens) == 3 for h in hyps)
    longer = d.beam_search(tree, 3, 3, eos=2, length_penalty=1.0)
    assert longer[0].tokens == (0, 2)  # log(0.288)/2 beats log(0.5)/1


def bad_models():
    """Models whose outputs break the interface in one way each."""
    good = worked_example()
    return {
        "shape": lambda p: torch.cat([good(p), good(p)]),
        "finite": lambda p: torch.full((p.shape[0], 2), math.nan),
        "normalised": lambda p: torch.zeros(p.shape[0], 2),
    }


@pytest.mark.parametrize("problem", ["shape", "finite", "normalised"])
@pytest.mark.parametrize(
    "decoder",
    [
        lambda m: d.greedy_decode(m, 3),
        lambda m: d.beam_search(m, 3, 2),
        lambda m: d.exhaustive_search(m, 3),
        lambda m: d.exact_search(m, 3),
    ],
)
def test_bad_model_outputs_raise(problem, decoder):
    """A model returning the wrong shape, NaN or unnormalised scores is named."""
    with pytest.raises(ValueError, match=problem):
        decoder(bad_models()[problem])


def test_bad_arguments_raise():
    """k < 1, T < 1, a non-callable model and a wrong prompt raise clear errors."""
    tree = worked_example()
    with pytest.raises(ValueError, match="beam_size must be >= 1"):
        d.beam_search(tree, 3, 0)
    with pytest.raises(ValueError, match="length must be >= 1"):
        d.beam_search(tree, 0, 2)
    with pytest.raises(ValueError, match="length must be >= 1"):
        d.exact_search(tree, 0)
    with pytest.raises(TypeError, match="model must be callable"):
        d.greedy_decode(42, 3)
    with pytest.raises(ValueError, match="prompts must have shape"):
        d.beam_search_batch(tree, torch.zeros(3, dtype=torch.long), 3, 2)
    with pytest.raises(ValueError, match="M\\*\\*T"):
        d.exhaustive_search(RNNLanguageModel(50, 4), 5)


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

    d.beam_search_batch(Counting(), torch.zeros(2, 1, dtype=torch.long), 7, 4)
    assert rows == [2, 2 * 4, 2 * 4, 2 * 4, 2 * 4, 2 * 4, 2 * 4]  # width 5 >= 4


def test_power_law_exponent_recovers_slope():
    """The fitted exponent of y = 3 x^1.5 is 1.5."""
    x = torch.tensor([1.0, 2.0, 4.0, 8.0])
    assert d.power_law_exponent(x, 3 * x**1.5) == pytest.approx(1.5)


def test_stateless_path_re_reads_the_prefix():
    """The stateless path feeds O(T^2) tokens to the model, the stateful one O(T)."""
    fed = []

    def counting(prefixes):
        fed.append(prefixes.numel())
        return model.next_log_probs(prefixes)

    model = RNNLanguageModel(5, 8, seed=0)
    d.beam_search(counting, 16, 2, check=False)
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
    values, index = d._top(scores, k)
    ref_values, ref_index = torch.sort(scores, dim=1, descending=True, stable=True)
    k = min(k, width)
    assert torch.equal(index, ref_index[:, :k])
    assert torch.equal(values, ref_values[:, :k])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beam_of_one_fast_path_equals_the_general_loop(seed):
    """k = 1 skips the beam bookkeeping but returns exactly what the full loop does."""
    model = RNNLanguageModel(7, 16, seed=seed)
    prompts = torch.randint(0, 7, (3, 2), generator=torch.Generator().manual_seed(seed))
    fast = d.beam_search_batch(model, prompts, 12, 1)
    full = d.beam_search_batch(model, prompts, 12, 1, trace=True)  # general loop
    assert torch.equal(fast.tokens, full.tokens)
    assert torch.equal(fast.scores, full.scores)
    assert torch.equal(fast.lengths, full.lengths)
