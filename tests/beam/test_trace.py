"""Tests for reviewkit.beam.trace: the readable beam search with every rule."""

import pytest
from beam_reference import depth, reference_beam, trees
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam.plain import plain_beam_search
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.search import beam_search
from reviewkit.beam.trace import BeamStep, beam_trace
from reviewkit.beam.tree import random_tree, worked_example


def final_beam(steps):
    """The kept candidates of the last step, by rank."""
    last = steps[-1]
    rows = zip(last.rank, last.candidates, last.scores, strict=True)
    return [(c, sc) for r, c, sc in sorted(x for x in rows if x[0] is not None)]


@given(tree=trees, k=st.integers(1, 6))
def test_trace_matches_the_reference_and_the_plain_loop(tree, k):
    """Plain rules: the last step's beam is the reference's; the result, the loop's."""
    length = depth(tree)
    got, steps = beam_trace(tree, length, k)
    want = reference_beam(tree, length, k)
    assert [c for c, _ in final_beam(steps)] == [w[0] for w in want]
    assert got == plain_beam_search(tree, length, k)
    assert len(steps) == length


def test_ties_at_a_step_with_two_parents_go_to_the_better_parent_first():
    """Uniform tree, k = 2: at step 2 the two kept are children of the first parent.

    Every candidate of step 2 ties (scores are all 2 log(1/3)); the tie rule
    keeps (0, 0) and (0, 1), the better parent's children in token order. A
    rule that broke ties by token id alone would keep (0, 0) and (1, 0).
    """
    tree = random_tree(3, 3, seed=0, levels=1)  # every distribution uniform
    hypotheses, steps = beam_trace(tree, 3, 2)
    step2 = steps[1]
    assert step2.candidates[:3] == ((0, 0), (0, 1), (0, 2))  # parent 0 first
    assert len(set(step2.scores)) == 1  # one six-way tie
    kept = [
        c
        for r, c in sorted(
            (r, c)
            for c, r in zip(step2.candidates, step2.rank, strict=True)
            if r is not None
        )
    ]
    assert kept == [(0, 0), (0, 1)]
    assert [h.tokens for h in hypotheses] == [(0, 0, 0), (0, 0, 1)]


def test_worked_example_beams_at_each_step():
    """The worked example keeps and drops the sequences the page describes."""
    tree = worked_example()
    _, steps = beam_trace(tree, 3, 2)
    kept = [{c for c, k in zip(s.candidates, s.kept, strict=True) if k} for s in steps]
    assert kept == [{(0,), (1,)}, {(1, 0), (0, 0)}, {(1, 0, 0), (0, 0, 0)}]
    assert [len(s.candidates) for s in steps] == [2, 4, 4]
    for s in steps:
        for c, score in zip(s.candidates, s.scores, strict=True):
            assert score == pytest.approx(tree.sequence_log_prob(c))


def test_markdown_lists_every_candidate_best_first():
    """A step's table has one row per candidate, best first, with its verdict."""
    tree = worked_example()
    table = beam_trace(tree, 3, 2)[1][1].markdown(tree.words).splitlines()
    assert len(table) == 2 + 4
    assert "kept (rank 1)" in table[2] and "dropped" in table[-1]
    step = BeamStep.of(1, [], [], [])
    assert step.markdown().count("\n") == 1  # the header only


def test_trace_marks_the_hypotheses_that_move_to_the_pool():
    """With eos and the pool, the step where a hypothesis ends marks it finished."""
    tree = random_tree(3, 3, seed=4)
    hypotheses, steps = beam_trace(tree, 3, 2, rules=SearchRules(eos=2))
    for step in steps:
        for tokens, finished, kept in zip(
            step.candidates, step.finished, step.kept, strict=True
        ):
            assert not (finished and kept)  # a finished one leaves the beam
            if finished:
                assert tokens[-1] == 2
    ended = [h for h in hypotheses if h.tokens[-1] == 2]
    assert ended  # this tree ends two of its final hypotheses
    assert all(
        any(
            tokens == h.tokens and f
            for s in steps
            for tokens, f in zip(s.candidates, s.finished, strict=True)
        )
        for h in ended
    )
    rows = "\n".join(s.markdown() for s in steps)
    assert "finished (to the pool)" in rows


def test_in_beam_finished_hypotheses_and_ngram_blocking_mix():
    """A hypothesis that ended in the beam is padded, not ragged, for n-gram checks.

    The trace used to build a ragged history (and raise) once an ended
    hypothesis sat in the beam next to a longer live one.
    """
    tree = random_tree(3, 4, seed=1)
    rules = SearchRules(eos=2, finished="beam", no_repeat_ngram_size=2)
    got, steps = beam_trace(tree, 4, 3, rules=rules)
    assert any(h.tokens[-1] == 2 and len(h.tokens) < 4 for h in got) or len(steps) < 4
    assert got == beam_search(tree, 4, 3, rules=rules)
