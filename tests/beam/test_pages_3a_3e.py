"""Claims of the worked-example page (3a-3d) and its question source.

The self-checks in ``docs/_questions/beam.yml`` mark options right or wrong
and its verdicts name sequences in words; these tests recompute every one of
them from the searches on :func:`reviewkit.beam.worked_example`, so the
source cannot drift from the tree. The page's own numbers are glued from the
same searches at build time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reviewkit.beam import (
    beam_search,
    beam_trace,
    exhaustive_search,
    greedy_decode,
    random_tree,
    worked_example,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import reviewkit_questions as rq  # noqa: E402

QUESTIONS = rq.load_questions(ROOT)
TREE = worked_example()


def kept(step_index: int) -> list[str]:
    """The beam after a step of the page's search (k = 2), best first."""
    _, steps = beam_trace(TREE, 3, 2)
    step = steps[step_index]
    ranked = sorted(
        (r, c) for c, r in zip(step.candidates, step.rank, strict=True) if r is not None
    )
    return [TREE.words(c) for _, c in ranked]


def marked(qid: str, part: int = 0) -> tuple[set[str], set[str]]:
    """The option texts of one check part: (marked correct, marked wrong)."""
    options = QUESTIONS[qid].check[part].options
    right = {o.text for o in options if o.correct}
    return right, {o.text for o in options} - right


@pytest.mark.parametrize(("qid", "step"), [("3a", 0), ("3b", 1), ("3c", 2)])
def test_pick_the_beam_marks_exactly_the_kept_sequences(qid, step):
    """3a-3c: the options marked correct are the beam after that step, and the
    verdict names them best first."""
    right, wrong = marked(qid)
    assert right == set(kept(step))
    assert not right & wrong
    if qid != "3a":  # 3a's verdict says "both words"
        assert QUESTIONS[qid].verdict.startswith(" and ".join(kept(step)))


def test_the_wrong_options_of_3b_and_3c_are_candidates_or_the_lost_mode():
    """3b's wrong options are the step's dropped candidates; 3c's, its dropped
    candidates plus the mode, which is no candidate at step 3."""
    _, steps = beam_trace(TREE, 3, 2)
    for qid, step in (("3b", steps[1]), ("3c", steps[2])):
        dropped = {
            TREE.words(c)
            for c, k in zip(step.candidates, step.kept, strict=True)
            if not k
        }
        extra = marked(qid)[1] - dropped
        mode = TREE.words(exhaustive_search(TREE, 3)[0].tokens)
        assert extra == (set() if qid == "3b" else {mode})
        assert mode not in {TREE.words(c) for c in steps[2].candidates}


def test_3a_step_1_drops_M_minus_k_candidates():
    """3a part 2: with k = 2 and M = 5, step 1 keeps 2 of 5 first words."""
    _, steps = beam_trace(random_tree(5, 3, seed=0), 3, 2)
    assert len(steps[0].candidates) == 5 and sum(steps[0].kept) == 2
    right, _ = marked("3a", 1)
    assert right == {"Three."}


def test_3d_no_beam_misses_the_mode_that_exhaustive_and_k4_find():
    """3d: "No" is right; exhaustive search and k = 4 find the mode, greedy
    (beam search with k = 1) does not."""
    mode = exhaustive_search(TREE, 3)[0].tokens
    assert beam_search(TREE, 3, 2)[0].tokens != mode
    assert marked("3d", 0)[0] == {"No"} and QUESTIONS["3d"].verdict == "No"
    k_full = TREE.vocab_size ** (3 - 1)
    assert k_full == 4 and beam_search(TREE, 3, k_full)[0].tokens == mode
    greedy = greedy_decode(TREE, 3)[0].tokens
    assert greedy != mode and greedy == beam_search(TREE, 3, 1)[0].tokens
    right, wrong = marked("3d", 2)
    assert right == {
        "Exhaustive search over all eight sequences.",
        "Beam search with $k = 4$.",
    }
    assert wrong == {"Greedy decoding."}


def test_3d_why_the_mode_is_lost_third_after_step_2_with_a_likely_last_word():
    """3d's reason: the mode's prefix is third of four after step 2, its last
    word likelier than any continuation of the kept prefixes."""
    _, steps = beam_trace(TREE, 3, 2)
    mode = exhaustive_search(TREE, 3)[0].tokens
    order = [
        c
        for _, c in sorted(zip(steps[1].scores, steps[1].candidates, strict=True))[::-1]
    ]
    assert order.index(mode[:2]) == 2  # "third", as the page glues it
    p_last = TREE.table[mode[:2]][mode[2]]
    kept_prefixes = {c[:2] for c in steps[2].candidates}
    assert p_last >= 0.9 > max(max(TREE.table[p]) for p in kept_prefixes)


def test_3b_network_neural_overtakes_neural_neural():
    """3b's answer: network is second at step 1, network neural first at step 2."""
    assert kept(0) == ["neural", "network"]
    assert kept(1)[0] == "network neural"
    assert TREE.table[(1,)][0] == 0.9


def test_greedy_takes_the_better_word_at_each_step():
    """3d's fold: greedy commits to neural three times, the better word each time."""
    tokens = greedy_decode(TREE, 3)[0].tokens
    for t, token in enumerate(tokens):
        row = TREE.table[tokens[:t]]
        assert row[token] == max(row)
    assert TREE.words(tokens) == "neural neural neural"
