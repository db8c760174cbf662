"""Tests for reviewkit.beam.trace: the readable beam search and its records."""

import pytest
from beam_reference import depth, reference_beam, trees
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam.search import beam_search
from reviewkit.beam.trace import beam_trace
from reviewkit.beam.tree import random_tree, worked_example


def final_beam(steps):
    """The kept candidates of the last step, by rank."""
    last = steps[-1]
    rows = zip(last.rank, last.candidates, last.scores, strict=True)
    return [(c, sc) for r, c, sc in sorted(x for x in rows if x[0] is not None)]


@given(tree=trees, k=st.integers(1, 6))
def test_trace_matches_reference_and_fast_search(tree, k):
    """The readable loop keeps the reference's beam, and the fast search agrees."""
    length = depth(tree)
    got = final_beam(beam_trace(tree, length, k))
    want = reference_beam(tree, length, k)
    assert [c for c, _ in got] == [w[0] for w in want]
    fast = beam_search(tree, length, k)
    assert [h.tokens for h in fast] == [c for c, _ in got]
    assert [h.score for h in fast] == pytest.approx([sc for _, sc in got], abs=1e-12)


def test_ties_are_broken_by_parent_rank_then_token_id():
    """Exact ties go to the better parent beam, then to the lower token id."""
    tree = random_tree(3, 2, seed=0, levels=1)  # every distribution uniform
    trace = beam_trace(tree, 2, 2)
    assert trace[0].kept == (True, True, False)


def test_worked_example_beams_at_each_step():
    """The worked example keeps and drops the sequences the page describes."""
    tree = worked_example()
    steps = beam_trace(tree, 3, 2)
    kept = [{c for c, k in zip(s.candidates, s.kept, strict=True) if k} for s in steps]
    assert kept == [{(0,), (1,)}, {(1, 0), (0, 0)}, {(1, 0, 0), (0, 0, 0)}]
    assert [len(s.candidates) for s in steps] == [2, 4, 4]
    for s in steps:
        for c, score in zip(s.candidates, s.scores, strict=True):
            assert score == pytest.approx(tree.sequence_log_prob(c))


def test_markdown_lists_every_candidate_best_first():
    """A step's table has one row per candidate, best first, with its verdict."""
    tree = worked_example()
    table = beam_trace(tree, 3, 2)[1].markdown(tree.words).splitlines()
    assert len(table) == 2 + 4
    assert "kept (rank 1)" in table[2] and "dropped" in table[-1]


def test_trace_marks_the_hypotheses_that_move_to_the_pool():
    """With eos and the pool, the step where a hypothesis ends marks it finished."""
    tree = random_tree(3, 3, seed=4)
    trace = beam_trace(tree, 3, 2, eos=2)
    for step in trace:
        for tokens, finished, kept in zip(
            step.candidates, step.finished, step.kept, strict=True
        ):
            assert not (finished and kept)  # a finished one leaves the beam
            if finished:
                assert tokens[-1] == 2
    ended = [h for h in trace.hypotheses if h.tokens[-1] == 2]
    assert ended  # this tree ends two of its final hypotheses
    assert all(
        any(
            tokens == h.tokens and f
            for s in trace
            for tokens, f in zip(s.candidates, s.finished, strict=True)
        )
        for h in ended
    )
    rows = "\n".join(s.markdown() for s in trace)
    assert ("finished (to the pool)" in rows) == bool(ended)
