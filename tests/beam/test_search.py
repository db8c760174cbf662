"""Tests for reviewkit.beam.search: the fast beam search against references."""

import math

import numpy as np
import pytest
import torch
from beam.rule_options import options, with_eos
from beam_reference import (
    Holey,
    Strict,
    depth,
    diverse_beam,
    row,
    sequences,
    trees,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewkit.beam import search as s
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.exact import exact_search, exhaustive_search
from reviewkit.beam.plain import plain_beam_search
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.trace import beam_trace
from reviewkit.beam.tree import TreeLanguageModel, random_tree, worked_example
from reviewkit.checks import seeded_generator


@given(tree=trees, k=st.integers(1, 6), holes=st.booleans())
def test_fast_search_returns_what_the_plain_loop_returns(tree, k, holes):
    """Plain rules: the batched search keeps exactly the readable loop's beam."""
    length = depth(tree)
    model = Holey(tree, seed=k) if holes else tree
    got = s.beam_search(model, length, k)
    want = plain_beam_search(model, length, k)
    assert [h.tokens for h in got] == [h.tokens for h in want]
    assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-12)
    for h in got:
        assert sum(h.token_scores) == pytest.approx(h.score, abs=1e-12)


@given(tree=trees)
def test_greedy_is_the_argmax_at_every_step(tree):
    """greedy_decode takes the most likely token each step, the lower id on ties."""
    length = depth(tree)
    (h,) = s.greedy_decode(tree, length)
    for i, token in enumerate(h.tokens):
        lp = row(tree, h.tokens[:i])
        assert token == max(range(tree.vocab_size), key=lambda v: (lp[v], -v))


@given(tree=trees, min_length=st.integers(0, 3))
def test_greedy_stops_at_the_end_token_and_not_before_min_length(tree, min_length):
    """With eos, greedy takes the best allowed token each step and stops at eos."""
    length, eos = depth(tree), tree.vocab_size - 1
    min_length = min(min_length, length)  # more is refused
    rules = SearchRules(eos=eos, min_length=min_length)
    got = s.greedy_decode(tree, length, rules=rules)
    if not got:  # the only token is eos, and it is banned at first
        assert tree.vocab_size == 1 and min_length > 0
        return
    (h,) = got
    assert eos not in h.tokens[:-1] and (h.tokens[-1] == eos or len(h.tokens) == length)
    for i, token in enumerate(h.tokens):
        lp = row(tree, h.tokens[:i])
        allowed = [v for v in range(tree.vocab_size) if v != eos or i >= min_length]
        assert token == max(allowed, key=lambda v: (lp[v], -v))


@given(tree=trees, k=st.integers(1, 5))
def test_beam_never_beats_exact(tree, k):
    """Beam's best score never exceeds the mode found by exact search."""
    length = depth(tree)
    best = s.beam_search(tree, length, k)[0].score
    assert best <= exact_search(tree, length)[0].score + 1e-12


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
    (greedy,) = s.greedy_decode(tree, 3)
    assert mode.tokens == (0, 1, 0)
    assert beam.tokens != mode.tokens and beam.score < mode.score
    assert greedy.tokens != beam.tokens and greedy.score < beam.score
    assert mode.tokens[:2] not in {h.tokens[:2] for h in s.beam_search(tree, 2, 2)}


def test_batched_beam_equals_one_prompt_at_a_time():
    """Decoding a batch of prompts gives each prompt's own beam (plain rules)."""
    model = RNNLanguageModel(7, 16, seed=1)
    prompts = torch.randint(0, 7, (5, 3), generator=seeded_generator(0))
    batch = s.beam_search_batch(model, 6, 3, prompts=prompts)
    assert len(batch) == 5
    for i, got in enumerate(batch):
        single = s.beam_search(model, 6, 3, prompt=prompts[i])
        assert [h.tokens for h in got] == [h.tokens for h in single]
        assert [h.score for h in got] == pytest.approx([h.score for h in single])


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_stateful_path_equals_stateless_path(cell):
    """The RNN's carried-state path decodes exactly as re-feeding the prefix."""
    model = RNNLanguageModel(6, 12, cell, seed=0)
    fast = s.beam_search(model, 5, 3, prompt=[1, 2])
    slow = s.beam_search(model.next_log_probs, 5, 3, prompt=[1, 2])
    assert [h.tokens for h in fast] == [h.tokens for h in slow]
    assert [h.score for h in fast] == pytest.approx([h.score for h in slow], abs=1e-5)


@pytest.mark.parametrize("length", [15, 16, 17, 49, 120])
def test_long_searches_keep_their_steps_across_buffer_blocks(length):
    """The loop keeps each step's top-k in blocks of buffers (16 steps, then
    doubling): searches ending on either side of a block's end still return
    what the readable loop returns, read back in Python or by tensors."""
    model = RNNLanguageModel(20, 16, "gru", seed=0)
    want = plain_beam_search(model, length, 3, prompt=[0])
    assert len(set(want[0].tokens)) > 2  # paths that a mix-up would change
    saved = s.PATHS_ON_HOST
    try:
        for threshold in (10**9, 0):
            s.PATHS_ON_HOST = threshold
            got = s.beam_search(model, length, 3, prompt=[0])
            assert [h.tokens for h in got] == [h.tokens for h in want]
            # float32 totals against the readable loop's float64 sum
            assert [h.score for h in got] == pytest.approx(
                [h.score for h in want], rel=1e-5
            )
    finally:
        s.PATHS_ON_HOST = saved


def test_end_token_finishes_hypotheses():
    """With eos, finished hypotheses keep their score and stop at eos."""
    table = {(): (0.3, 0.2, 0.5), (0,): (0.02, 0.02, 0.96), (1,): (0.9, 0.05, 0.05)}
    table[(2,)] = (1 / 3, 1 / 3, 1 / 3)  # queried, then masked: eos is final
    table |= {(a, b): (1 / 3, 1 / 3, 1 / 3) for a in range(3) for b in range(3)}
    tree = TreeLanguageModel(table, ("a", "b", "<eos>"))
    hyps = s.beam_search(tree, 3, 3, rules=SearchRules(eos=2))
    assert hyps[0].tokens == (2,)
    assert hyps[0].score == pytest.approx(math.log(0.5))
    assert all(h.tokens[-1] == 2 or len(h.tokens) == 3 for h in hyps)
    longer = s.beam_search(tree, 3, 3, rules=SearchRules(eos=2, length_penalty=1.0))
    assert longer[0].tokens == (0, 2)  # log(0.288)/2 beats log(0.5)/1


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

    prompts = torch.zeros(2, 1, dtype=torch.long)
    s.beam_search_batch(Counting(), 7, 4, prompts=prompts)
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


def test_beam_of_one_fast_path_equals_the_general_loop():
    """k = 1 skips the beam bookkeeping but returns exactly what the full loop does."""
    model = RNNLanguageModel(7, 16, seed=0)
    prompts = torch.randint(0, 7, (3, 2), generator=seeded_generator(0))
    fast = s.beam_search_batch(model, 12, 1, prompts=prompts)  # the greedy loop
    full = s._beam_loop(model, prompts, 12, 1, SearchRules(), True)  # general loop
    assert fast == full
    for a, b in zip(fast, full, strict=True):
        assert a[0].token_scores == pytest.approx(b[0].token_scores, abs=1e-5)


# -- end tokens, banned tokens and the toolkit options ------------------------


@given(tree=trees, k=st.integers(1, 6), rules=options, holes=st.booleans())
def test_fast_search_equals_the_readable_trace(tree, k, rules, holes):
    """With every option, the fast search returns exactly the readable loop's list."""
    length = depth(tree)
    rules = with_eos(rules, tree, length)
    model = Holey(tree, seed=k) if holes else tree
    fast = s.beam_search(model, length, k, rules=rules)
    slow, _ = beam_trace(model, length, k, rules=rules)
    assert [h.tokens for h in fast] == [h.tokens for h in slow]
    assert [h.score for h in fast] == pytest.approx([h.score for h in slow], abs=1e-9)
    for a, b in zip(fast, slow, strict=True):
        assert a.token_scores == pytest.approx(b.token_scores, abs=1e-9)


@given(tree=trees, k=st.integers(1, 6), holes=st.booleans(), ngram=st.integers(0, 2))
def test_fast_search_equals_the_trace_without_an_end_token(tree, k, holes, ngram):
    """Without eos (plain beam search, banned tokens, n-gram blocking) too."""
    length = depth(tree)
    model = Holey(tree, seed=k) if holes else tree
    rules = SearchRules(no_repeat_ngram_size=ngram)
    fast = s.beam_search(model, length, k, rules=rules)
    slow, _ = beam_trace(model, length, k, rules=rules)
    assert [h.tokens for h in fast] == [h.tokens for h in slow]
    assert [h.score for h in fast] == pytest.approx([h.score for h in slow], abs=1e-9)


@given(tree=trees, k=st.integers(1, 6), holes=st.booleans(), ngram=st.integers(0, 2))
def test_the_end_read_in_python_equals_the_end_read_by_tensors(tree, k, holes, ngram):
    """A small plain search reads its paths in Python (PATHS_ON_HOST), a large
    one with tensor operations: both give the same lists, to the last bit of
    every token's log-probability."""
    length = depth(tree)
    model = Holey(tree, seed=k) if holes else tree
    rules = SearchRules(no_repeat_ngram_size=ngram)
    saved, found = s.PATHS_ON_HOST, []
    try:
        for threshold in (10**9, 0):
            s.PATHS_ON_HOST = threshold
            found.append(s.beam_search(model, length, k, rules=rules))
    finally:
        s.PATHS_ON_HOST = saved
    host, tensors = found
    assert host == tensors
    assert [h.token_scores for h in host] == [h.token_scores for h in tensors]


@given(tree=trees, k=st.integers(1, 6), rules=options, holes=st.booleans())
def test_every_hypothesis_is_real_and_follows_the_rules(tree, k, rules, holes):
    """No -inf or duplicate hypothesis, at most k, scores and per-token scores true."""
    length = depth(tree)
    rules = with_eos(rules, tree, length)
    model = Holey(tree, seed=k) if holes else tree
    got = s.beam_search(model, length, k, rules=rules)
    assert len(got) <= k and len({h.tokens for h in got}) == len(got)
    allowed = {
        x[0]: x[1]
        for x in sequences(
            model, length, rules.ends, rules.min_length, rules.no_repeat_ngram_size
        )
    }
    for h in got:
        assert math.isfinite(h.score)
        assert sum(h.token_scores) == pytest.approx(h.score, abs=1e-9)
        assert h.tokens in allowed  # ends right, no early eos, no repeated n-gram
        assert h.score == pytest.approx(allowed[h.tokens], abs=1e-9)
        if rules.force_eos:
            assert h.tokens[-1] in rules.ends


def test_a_fully_banned_beam_returns_nothing():
    """When every continuation is banned the list is empty, not an error."""

    def only_zero(prefixes):  # token 1 has probability 0
        return torch.tensor([[0.0, -math.inf]]).expand(prefixes.shape[0], 2)

    assert [h.tokens for h in s.beam_search(only_zero, 1, 2)] == [(0,)]
    blocked = SearchRules(no_repeat_ngram_size=1)
    assert s.beam_search(only_zero, 2, 2, rules=blocked) == []


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_scores_add_up_in_float32_at_least(dtype):
    """A uniform 3-token model in low precision: 200 steps sum without stalling."""

    def uniform(prefixes):
        return torch.full((prefixes.shape[0], 3), -math.log(3)).to(dtype)

    rules = SearchRules(eos=2, min_length=200)
    (h,) = s.beam_search(uniform, 200, 1, rules=rules)
    per_token = float(torch.tensor(-math.log(3)).to(dtype))
    wide = s.beam_search(uniform, 200, 2, rules=rules)[0].score
    assert wide == pytest.approx(200 * per_token, abs=1e-3)
    assert h.score == pytest.approx(200 * per_token, abs=1e-3)
    assert abs(h.score - 200 * math.log(1 / 3)) < 0.8  # -204 / -223 before


def test_gnmt_and_power_penalties_rank_as_documented():
    """alpha = 1: power divides by L, gnmt by (5 + L) / 6; alpha < 0 favours short."""
    table = {(): (0.3, 0.2, 0.5), (0,): (0.02, 0.02, 0.96), (1,): (0.9, 0.05, 0.05)}
    table |= {(a, b): (1 / 3,) * 3 for a in range(3) for b in range(3)}
    table[(2,)] = (1 / 3,) * 3
    tree = TreeLanguageModel(table, ("a", "b", "<eos>"))

    def best(**options):
        return s.beam_search(tree, 3, 3, rules=SearchRules(eos=2, **options))[0]

    assert best(length_penalty=1.0).tokens == (0, 2)  # log(0.288)/2 > log(0.5)/1
    assert best(length_penalty=1.0, length_norm="gnmt").tokens == (2,)  # 7/6
    assert best(length_penalty=-1.0).tokens == (2,)


def test_numpy_beam_size_and_the_batch_contract():
    """A numpy int is a beam size; a batch returns one n-best list per prompt."""
    tree = worked_example()
    assert s.beam_search(tree, 3, np.int64(2)) == s.beam_search(tree, 3, 2)
    both = s.beam_search_batch(tree, 2, 2, prompts=[[0], [1]])
    assert both == [
        s.beam_search(tree, 2, 2, prompt=[0]),
        s.beam_search(tree, 2, 2, prompt=[1]),
    ]
    assert s.beam_search_batch(tree, 3, 2) == [s.beam_search(tree, 3, 2)]


# -- dead slots: fewer than k finite candidates --------------------------------


@settings(max_examples=60)
@given(
    tree=trees,
    k=st.integers(1, 5),
    rules=options,
    plain=st.booleans(),
    check=st.booleans(),
)
def test_no_model_call_on_a_dead_prefix_in_any_mode(tree, k, rules, plain, check):
    """A model that gives NaN after an impossible prefix is never asked about one.

    ``Strict`` bans 40% of the tokens, so fewer than ``k`` candidates are often
    finite; the fast search (plain, pool and in-beam, one prompt and a batch,
    checks on and off) leaves those slots out of the model's call and returns
    what the readable trace returns.
    """
    length = depth(tree)
    rules = SearchRules() if plain else with_eos(rules, tree, length)
    model, reference = Strict(tree, k, rules.ends), Strict(tree, k, rules.ends)
    got = s.beam_search(model, length, k, rules=rules, check=check)
    want, _ = beam_trace(reference, length, k, rules=rules)
    assert model.dead == [] and reference.dead == []
    assert [h.tokens for h in got] == [h.tokens for h in want]
    assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-9)
    if length == 1:
        return
    prompts = [[v] for v in range(tree.vocab_size) if not model.banned((), v)]
    rules = with_eos(rules, tree, length - 1) if not plain else rules
    batch = s.beam_search_batch(
        model, length - 1, k, prompts=prompts, rules=rules, check=check
    )
    assert model.dead == []
    for prompt, got in zip(prompts, batch, strict=True):
        want, _ = beam_trace(reference, length - 1, k, prompt=prompt, rules=rules)
        assert [h.tokens for h in got] == [h.tokens for h in want]


# -- several end tokens and per_node_beam_size ---------------------------------


@given(tree=trees, k=st.integers(1, 4), two=st.booleans(), holes=st.booleans())
def test_any_end_token_ends_a_hypothesis(tree, k, two, holes):
    """With two end tokens, a hypothesis ends at either; the pool at full width
    returns brute force's n-best over sequences that end at either, in order.
    """
    length, m = depth(tree), tree.vocab_size
    ends = tuple(range(max(0, m - 2), m)) if two else (m - 1,)
    model = Holey(tree, seed=k) if holes else tree
    width = m**length
    got = s.beam_search(model, length, width, rules=SearchRules(eos=ends))
    want = sorted(sequences(model, length, ends), key=lambda x: (-x[1], x[0]))
    assert sorted(h.tokens for h in got) == sorted(w[0] for w in want)
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-9)
    narrow = s.beam_search(model, length, k, rules=SearchRules(eos=list(ends)))
    assert all(e not in h.tokens[:-1] for h in narrow for e in ends)


@given(tree=trees, per_node=st.integers(1, 3), holes=st.booleans())
def test_per_node_beam_size_searches_the_pruned_tree(tree, per_node, holes):
    """A beam wide enough for everything, each node after the root proposing
    ``p`` children, returns brute force over the tree where each nonempty
    prefix keeps its ``p`` best tokens; and ``p = 1`` (AllenNLP's case) is a
    greedy search from each of the ``k`` best first tokens.
    """
    length = depth(tree)
    model = Holey(tree, seed=per_node) if holes else tree
    rules = SearchRules(per_node_beam_size=per_node)
    got = s.beam_search(model, length, tree.vocab_size**length, rules=rules)
    want = sorted(
        sequences(model, length, per_node=per_node), key=lambda x: (-x[1], x[0])
    )
    assert sorted(h.tokens for h in got) == sorted(w[0] for w in want)
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-9)
    one = s.beam_search(model, length, 3, rules=SearchRules(per_node_beam_size=1))
    lp = row(model, ())
    firsts = sorted(
        (v for v in range(tree.vocab_size) if lp[v] > -math.inf),
        key=lambda v: (-lp[v], v),
    )[:3]
    greedy = []
    for v in firsts:
        rest = s.greedy_decode(model, length - 1, prompt=[v])[0] if length > 1 else None
        tokens = (v, *rest.tokens) if rest else (v,)
        greedy.append((tokens, lp[v] + (rest.score if rest else 0.0)))
    greedy.sort(key=lambda x: -x[1])
    assert [h.tokens for h in one] == [g[0] for g in greedy]


# -- diverse beam search ---------------------------------------------------------


@given(
    tree=trees,
    split=st.sampled_from([(2, 1), (2, 2), (3, 1), (4, 2)]),
    diversity=st.sampled_from([0.3, 1.0, 1e6]),
    holes=st.booleans(),
)
def test_diverse_beam_search_is_the_papers_hamming_diversity(
    tree, split, diversity, holes
):
    """Groups and the Hamming penalty as in Vijayakumar et al.: the search equals
    the plain-Python reference, keeps the first group's plain beam of ``k / G``,
    and with a huge penalty the groups start with distinct tokens.
    """
    groups, size = split
    k, length = groups * size, depth(tree)
    model = Holey(tree, seed=k) if holes else tree
    rules = SearchRules(groups=groups, diversity=diversity)
    got = s.beam_search(model, length, k, rules=rules)
    want = diverse_beam(model, length, k, groups, diversity)
    assert [h.tokens for h in got] == [w[0] for w in want]
    assert [h.score for h in got] == pytest.approx([w[1] for w in want], abs=1e-12)
    first = s.beam_search(model, length, size)  # group 0 has no penalty
    assert {h.tokens for h in first} <= {h.tokens for h in got}
    starts = [v for v in range(tree.vocab_size) if row(model, ())[v] > -math.inf]
    if diversity == 1e6 and len(starts) >= k:
        assert len({h.tokens[0] for h in got}) == k


def test_diverse_beam_search_batch_and_trace_agree_with_end_tokens():
    """With a pool, the batch gives each prompt the trace's diverse list."""
    tree = random_tree(4, 5, seed=5)
    rules = SearchRules(eos=3, groups=2, diversity=0.7, length_penalty=1.0)
    prompts = [[0], [1], [2]]
    batch = s.beam_search_batch(tree, 4, 4, prompts=prompts, rules=rules)
    for prompt, got in zip(prompts, batch, strict=True):
        assert got == beam_trace(tree, 4, 4, prompt=prompt, rules=rules)[0]
        assert all(h.tokens[-1] == 3 or len(h.tokens) == 4 for h in got)
