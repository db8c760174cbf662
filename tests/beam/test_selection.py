"""Tests for reviewkit.beam.selection: top-k with ties, back-pointers, n-best lists."""

import math
from contextlib import contextmanager

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam import selection
from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.selection import final_beams, finish, read_back, top_k
from reviewkit.checks import seeded_generator


@contextmanager
def settled(where):
    """top_k with its ties settled in Python ("host") or by tensor operations."""
    saved = selection._ON_HOST
    selection._ON_HOST = 10**9 if where == "host" else 0
    try:
        yield
    finally:
        selection._ON_HOST = saved


@pytest.mark.parametrize("where", ["host", "tensors"])
@given(
    st.integers(1, 3),
    st.integers(2, 40),
    st.integers(1, 12),
    st.integers(0, 2**31 - 1),
)
def test_top_k_matches_a_stable_sort_even_with_many_ties(where, rows, width, k, seed):
    """The selection step equals a full stable sort: value first, then lower index;
    a kept -inf is flagged, and below the row's width only a kept -inf; whether
    the ties are settled in Python or with tensor operations."""
    g = seeded_generator(seed)
    scores = torch.randint(-3, 1, (rows, width), generator=g).double()  # many ties
    scores[scores == -3] = -math.inf
    with settled(where):
        values, index, maybe_dead = top_k(scores, k)
    assert values.dtype == scores.dtype and index.dtype == torch.long
    ref_values, ref_index = torch.sort(scores, dim=1, descending=True, stable=True)
    k = min(k, width)
    assert torch.equal(index, ref_index[:, :k])
    assert torch.equal(values, ref_values[:, :k])
    # the flag the fast search trusts to skip its dead-slot check
    assert maybe_dead or bool(torch.isfinite(values).all())
    if k < width:  # exact: a finite tie does not cost the search that check
        assert maybe_dead == (not bool(torch.isfinite(values).all()))


def test_read_back_follows_the_pointers_to_each_path():
    """Three steps of pointers, tokens and totals give back each path and its gains."""
    pointers = [torch.tensor([[0, 0]]), torch.tensor([[1, 0]]), torch.tensor([[0, 1]])]
    tokens = [torch.tensor([[5, 6]]), torch.tensor([[7, 8]]), torch.tensor([[9, 4]])]
    totals = [
        torch.tensor([[-1.0, -2.0]]),
        torch.tensor([[-2.5, -3.0]]),
        torch.tensor([[-3.0, -3.5]]),
    ]
    last, slot = torch.tensor([[2, 2, 0]]), torch.tensor([[0, 1, 1]])
    paths, gains = read_back(pointers, tokens, totals, last, slot, pad=0)
    # slot 0 at step 3 came from slot 0 at step 2, which came from slot 1
    assert paths.tolist() == [[[6, 7, 9], [5, 8, 4], [6, 0, 0]]]
    assert gains.tolist() == [[[-2.0, -0.5, -0.5], [-1.0, -2.0, -0.5], [-2.0, 0, 0]]]


def test_finish_ranks_and_leaves_out_empty_slots():
    """The n-best list is sorted by ranking, and a -inf slot is not a hypothesis."""
    tokens = torch.tensor([[[1, 2], [3, 0], [0, 0]]])
    scores = torch.tensor([[-2.0, -1.0, -math.inf]])
    lengths = torch.tensor([[2, 1, 0]])
    gains = torch.tensor([[[-1.0, -1.0], [-1.0, 0.0], [0.0, 0.0]]])
    (got,) = finish(tokens, scores, lengths, scores, gains)
    assert got == [Hypothesis((3,), -1.0), Hypothesis((1, 2), -2.0)]
    assert got[1].token_scores == (-1.0, -1.0)


@pytest.mark.parametrize("where", ["host", "tensors"])
def test_top_k_never_sorts_a_whole_row(monkeypatch, where):
    """Ties are settled without sorting the k M candidates of a row: long searches
    tie in float32 at most steps, and a sort of every tied row made beam search up
    to 9 times slower (1.85 s against 0.2 s for M = 10,000, k = 16, T = 200)."""
    widths = []
    real_sort = torch.sort

    def sort(tensor, *args, **kwargs):
        widths.append(tensor.shape[-1])
        return real_sort(tensor, *args, **kwargs)

    monkeypatch.setattr(torch, "sort", sort)
    scores = torch.zeros(2, 1000)  # every candidate ties
    scores[1, 7] = 1.0
    with settled(where):
        values, index, may_be_dead = top_k(scores, 4)
    assert index.tolist() == [[0, 1, 2, 3], [7, 0, 1, 2]]
    assert values.tolist() == [[0.0] * 4, [1.0, 0.0, 0.0, 0.0]] and not may_be_dead
    assert max(widths, default=0) <= 4


@given(
    st.integers(1, 40), st.integers(1, 3), st.integers(1, 6), st.integers(0, 2**31 - 1)
)
def test_read_back_by_doubling_equals_one_step_at_a_time(steps, rows, width, seed):
    """Paths that all end at the last step (read by composing the pointer maps by
    doubling) equal the same paths followed back one step at a time."""
    g = seeded_generator(seed)
    pointers = [
        torch.randint(0, width, (rows, width), generator=g) for _ in range(steps)
    ]
    tokens = [torch.randint(0, 50, (rows, width), generator=g) for _ in range(steps)]
    totals = [-torch.rand(rows, width, generator=g) * (t + 1) for t in range(steps)]
    slot = torch.randint(0, width, (rows, 2 * width), generator=g)
    last = torch.full_like(slot, steps - 1)
    fast = read_back(pointers, tokens, totals, last, slot, pad=0, same_end=True)
    slow = read_back(pointers, tokens, totals, last, slot, pad=0, same_end=False)
    assert torch.equal(fast[0], slow[0]) and torch.equal(fast[1], slow[1])


@pytest.mark.parametrize("at_a_time", ["path", "step"])
@given(
    st.integers(1, 30),
    st.integers(1, 3),
    st.integers(1, 6),
    st.integers(0, 3),
    st.integers(0, 2**31 - 1),
)
def test_final_beams_in_python_equal_read_back_then_finish(
    at_a_time, steps, rows, width, dead, seed
):
    """The plain search's end read in Python (from each step's kept candidate,
    parent slot * M + token) gives read_back then finish's lists, token
    log-probabilities included: beams that widen over the first steps, and
    slots of score -inf (left out) at the end of a beam; whether the paths are
    followed one at a time or all of a beam's a step at a time."""
    g = seeded_generator(seed)
    widths = [min(width, 2**t) for t in range(steps)]  # (a small vocabulary)
    pointers = [
        torch.randint(0, widths[t - 1] if t else 1, (rows, w), generator=g)
        for t, w in enumerate(widths)
    ]
    tokens = [torch.randint(0, 50, (rows, w), generator=g) for w in widths]
    totals = [
        torch.sort(-torch.rand(rows, w, generator=g) * (t + 1), descending=True)[0]
        for t, w in enumerate(widths)
    ]
    end = widths[-1]
    totals[-1][:, end - min(dead, end) :] = -math.inf  # the last slots died
    last = torch.full((rows, end), steps - 1)
    slot = torch.arange(end).expand(rows, end)
    paths, gains = read_back(pointers, tokens, totals, last, slot, 0, True)
    lengths = torch.full((rows, end), steps)
    want = finish(paths, totals[-1], lengths, totals[-1], gains, True)
    flat = [p * 50 + c for p, c in zip(pointers, tokens, strict=True)]  # M = 50
    saved = selection._PATH_AT_A_TIME
    selection._PATH_AT_A_TIME = 10**9 if at_a_time == "path" else 0
    try:
        got = final_beams(flat, totals, 50)
    finally:
        selection._PATH_AT_A_TIME = saved
    assert got == want
    assert [[h.token_scores for h in b] for b in got] == [
        [h.token_scores for h in b] for b in want
    ]


@pytest.mark.parametrize("where", ["host", "tensors"])
def test_top_k_into_given_tensors_gives_the_same_and_keeps_them(where):
    """With out=, top_k returns what it returns without, as views of out when
    no tie needs settling (a search keeps every step's results there)."""
    g = seeded_generator(3)
    scores = torch.randn(3, 200, generator=g)
    scores[1, 5] = scores[1, 9] = scores[1].max() + 1  # a tie inside the kept set
    out = (torch.empty(3, 5), torch.empty(3, 5, dtype=torch.long))
    other = (torch.empty(2, 5), torch.empty(2, 5, dtype=torch.long))
    with settled(where):
        want = top_k(scores, 4)
        got = top_k(scores, 4, out)
        plain = top_k(scores[[0, 2]], 4, other)
    assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])
    assert got[2] == want[2]
    assert plain[0].data_ptr() == other[0].data_ptr()  # no tie: a view of out
    assert plain[1].data_ptr() == other[1].data_ptr()
    if where == "host":  # ties settled in Python are written into out too
        assert got[1].data_ptr() == out[1].data_ptr()
        assert got[1].tolist()[1][:2] == [5, 9]


def test_top_k_passes_nan_through_as_topk_orders_it():
    """A NaN (only with check=False) is never a tie: the row is topk's, in order."""
    scores = torch.tensor([[0.5, math.nan, -1.0, 2.0, 0.3, 0.1]])
    values, index, maybe_dead = top_k(scores, 3)
    want_values, want_index = torch.topk(scores, 3)
    assert torch.equal(index, want_index) and not maybe_dead
    assert torch.equal(values.isnan(), want_values.isnan())
