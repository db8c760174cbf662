"""Claims the beam-search pages make, on small versions of the same runs.

* 3e (docs/beam/complexity.md): the terms of the sheet's cost against the
  operations :func:`reviewkit.beam.complexity.sheet_beam_search` counts.
* 3d (docs/beam/worked-example.md): where beam search and greedy land.
* Ending sequences (docs/beam/endings.md): the pool and in-beam conventions
  on :func:`reviewkit.beam.tree.ending_example`.
* Beyond the sheet (docs/beam/beyond.md): what diverse beam search costs and
  buys, its experiment on the small character model and its sentences on
  edge outcomes.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch

from reviewkit.beam import (
    RNNLanguageModel,
    SearchRules,
    beam_search,
    beam_trace,
    ending_example,
    exhaustive_search,
    greedy_decode,
    plain_beam_search,
    worked_example,
)
from reviewkit.beam.complexity import sheet_beam_search, sheet_cost

# --- 3e: the sheet's recipe and its cost -----------------------------------


@pytest.mark.parametrize("M", [64, 256])
def test_topk_comparisons_grow_as_TkM(M):
    """Quickselect's comparisons stay within a constant band of T k M for every k."""
    model = RNNLanguageModel(M, 8, seed=1)
    ratios = []
    for k in [2, 4, 8, 16, 32]:
        _, ops = sheet_beam_search(model, 4, k, seed=0)
        ratios.append(ops.topk_comparisons / sheet_cost(4, k, M, 8).topk)
        assert ops.log_probs_read == M * (1 + 3 * k)  # one row at step 1, then k
    assert min(ratios) >= 0.7 and max(ratios) <= 4.0, ratios


def test_sort_comparisons_grow_as_k2_log_k():
    """The sort's comparisons stay within a constant band of T k^2 log2 k."""
    model = RNNLanguageModel(64, 8, seed=2)
    ratios = [
        sheet_beam_search(model, 4, k)[1].sort_comparisons
        / sheet_cost(4, k, 64, 8).sort
        for k in [2, 4, 8, 16, 32]
    ]
    assert min(ratios) >= 0.5 and max(ratios) <= 2.2, ratios


def test_the_sort_overtakes_the_topk_once_k_log_k_exceeds_M():
    """Counted: the sort costs less than the top-k at k log k << M, more at >> M."""
    _, small_k = sheet_beam_search(RNNLanguageModel(256, 8, seed=0), 4, 2)
    _, big_k = sheet_beam_search(RNNLanguageModel(16, 8, seed=0), 4, 16)
    assert small_k.sort_comparisons < small_k.topk_comparisons
    assert big_k.sort_comparisons > big_k.topk_comparisons


# --- 3d: the worked example -------------------------------------------------


def test_worked_example_beam_misses_the_mode_and_greedy_does_worse():
    """Beam (k=2) misses the mode, greedy ranks lower; its prefix is 3rd at t=2."""
    tree = worked_example()
    ranked = [h.tokens for h in exhaustive_search(tree, 3)]
    beam = beam_search(tree, 3, 2)[0].tokens
    greedy = greedy_decode(tree, 3)[0].tokens
    assert 1 < ranked.index(beam) + 1 < ranked.index(greedy) + 1
    step2 = beam_trace(tree, 3, 2)[1][1]
    order = sorted(zip(step2.scores, step2.candidates, strict=True), reverse=True)
    assert [c for _, c in order].index(ranked[0][:2]) == 2
    assert beam_search(tree, 3, tree.vocab_size**2)[0].tokens == ranked[0]


def test_the_readable_loop_the_page_shows_gives_the_beam_it_tabulates():
    """The page's plain loop returns the final beam the trace's last step keeps."""
    tree = worked_example()
    _, steps = beam_trace(tree, 3, 2)
    kept = sorted(
        (r, c)
        for c, r in zip(steps[-1].candidates, steps[-1].rank, strict=True)
        if r is not None
    )
    assert [h.tokens for h in plain_beam_search(tree, 3, 2)] == [c for _, c in kept]


# --- Ending sequences -------------------------------------------------------


EOS = 2


def test_pool_returns_the_mode_and_the_beam_does_not():
    """The pool returns 'network <end>', the mode; in-beam returns a worse one."""
    tree = ending_example()
    mode = exhaustive_search(tree, 4, rules=SearchRules(eos=EOS))[0]
    pool = beam_search(tree, 4, 2, rules=SearchRules(eos=EOS, finished="pool"))[0]
    in_beam = beam_search(tree, 4, 2, rules=SearchRules(eos=EOS, finished="beam"))[0]
    assert tree.words(mode.tokens) == "network <end>"
    assert pool.tokens == mode.tokens
    assert in_beam.tokens != mode.tokens and in_beam.score < mode.score
    default = beam_search(tree, 4, 2, rules=SearchRules(eos=EOS))[0]
    assert default.tokens == pool.tokens


def test_in_beam_loses_the_finished_sequence_at_step_3():
    """In the beam, 'network <end>' kept at step 2, out at 3, beaten by none."""
    tree = ending_example()
    _, trace = beam_trace(tree, 4, 2, rules=SearchRules(eos=EOS, finished="beam"))
    finished = (1, EOS)
    s2, s3, s4 = trace[1], trace[2], trace[3]
    assert dict(zip(s2.candidates, s2.kept, strict=True))[finished]
    assert not dict(zip(s3.candidates, s3.kept, strict=True))[finished]
    f_score = dict(zip(s3.candidates, s3.scores, strict=True))[finished]
    kept3 = [s for s, k in zip(s3.scores, s3.kept, strict=True) if k]
    assert len(kept3) == 2 and min(kept3) > f_score
    assert max(s4.scores) < f_score
    live_after_2 = [
        c for c, k in zip(s2.candidates, s2.kept, strict=True) if k and c[-1] != EOS
    ]
    assert len(live_after_2) == 1  # the in-beam search follows one live prefix


def test_pool_keeps_k_live_hypotheses_every_step():
    """With a pool, every step keeps k live prefixes; the ended one goes to the pool."""
    tree = ending_example()
    hypotheses, trace = beam_trace(tree, 4, 2, rules=SearchRules(eos=EOS))
    for step in trace:
        live = [
            c for c, r in zip(step.candidates, step.rank, strict=True) if r is not None
        ]
        assert len(live) == 2 and all(c[-1] != EOS for c in live)
    assert [
        c for c, f in zip(trace[1].candidates, trace[1].finished, strict=True) if f
    ] == [(1, EOS)]
    assert math.isclose(hypotheses[0].score, math.log(0.2 * 0.9))


def test_trace_and_fast_search_agree_on_the_endings_tree():
    """The traced search the page prints returns what beam_search returns, both ways."""
    tree = ending_example()
    for mode in ("pool", "beam"):
        rules = SearchRules(eos=EOS, finished=mode)
        traced, _ = beam_trace(tree, 4, 2, rules=rules)
        fast = beam_search(tree, 4, 2, rules=rules)
        assert [h.tokens for h in traced] == [h.tokens for h in fast]


def test_worked_rows_of_the_endings_tree():
    """The prefixes the page lists are rows of the tree, every other row uniform."""
    tree = ending_example()
    assert tree.vocab == ("neural", "network", "<end>")
    assert tree.table[(2, 2, 2)] == pytest.approx((1 / 3,) * 3)
    assert torch.tensor(tree.table[()]).sum().item() == pytest.approx(1.0)


def test_worked_example_paths_named_in_the_alt_text():
    """The coloured tree's alt text: greedy neural x3, beam network neural neural,
    mode neural network neural."""
    tree = worked_example()
    assert tree.words(greedy_decode(tree, 3)[0].tokens) == "neural neural neural"
    assert tree.words(beam_search(tree, 3, 2)[0].tokens) == "network neural neural"
    assert tree.words(exhaustive_search(tree, 3)[0].tokens) == "neural network neural"


@pytest.mark.parametrize("mode", ["pool", "beam"])
def test_endings_step_1_keeps_both_words(mode):
    """At step 1 both conventions keep neural and network and drop <end>."""
    tree = ending_example()
    step = beam_trace(tree, 4, 2, rules=SearchRules(eos=EOS, finished=mode))[1][0]
    kept = {tree.words(c) for c, k in zip(step.candidates, step.kept, strict=True) if k}
    assert kept == {"neural", "network"}
    assert not any(step.finished)
    assert tree.table[(1,)][EOS] == max(tree.table[(1,)])  # network almost surely ends


# --- beyond the sheet: diverse beam search -----------------------------------

BEYOND = Path(__file__).resolve().parents[2] / "docs" / "beam" / "beyond.md"


def _beyond_cell(marker):
    """The namespace of the one code cell of beyond.md that holds ``marker``."""
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", BEYOND.read_text(), re.S)
    (source,) = [c for c in cells if marker in c]
    source = re.sub(r"^:tags: .*\n", "", source)  # a cell option, not Python
    namespace = {"beam_search": beam_search, "T": 12}
    exec(compile(source, str(BEYOND), "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    ("plain", "diverse", "says"),
    [
        ((-3.6, -3.9, 2.0), (-3.7, -4.2, 3.0), ("less likely", "less", "more")),
        ((-3.6, -3.9, 2.0), (-3.5, -3.8, 1.5), ("more likely", "more", "fewer")),
        ((-3.6, -3.9, 2.0), (-3.6, -3.9, 2.0), ("as likely", "as likely", "as many")),
    ],
)
def test_the_diversity_sentence_is_true_for_any_outcome(plain, diverse, says):
    """Costs and gains of either sign, or none, give the matching words."""
    text = _beyond_cell("def diversity_words")["diversity_words"]("G", plain, diverse)
    best, mean, words = text.split(", ")[1], text.split(", ")[2], text.split(", ")[3]
    assert says[0] in best and says[1] in mean and says[2] in words
    assert "  " not in text and text.endswith(".") and "-0.000" not in text


@pytest.mark.parametrize(
    ("diverse", "says"),
    [
        ({"A": (-3.7, -4.2, 1.7), "B": (-4.0, -4.9, 3.3)},
         "It costs log-probability, and only B buys more different next words."),
        ({"A": (-3.7, -4.2, 2.5), "B": (-4.0, -4.9, 3.3)},
         "It costs log-probability, and every split tried buys more different"),
        ({"A": (-3.7, -3.8, 2.0)},
         "It need not cost log-probability (not with A), and no split tried buys"),
        ({"A": (-3.7, -4.2, 2.5), "B": (-4.0, -4.9, 3.3), "C": (-4.0, -4.9, 1.0)},
         "It costs log-probability, and only A and B buy more different next words."),
    ],
)  # fmt: skip
def test_the_diversity_verdict_is_true_for_any_outcome(diverse, says):
    """Costs or none, more words from every split, some or none: said as it is."""
    plain = (-3.6, -3.9, 2.06)
    verdict = _beyond_cell("def diversity_words")["diversity_verdict"](plain, diverse)
    assert verdict.startswith(says) and verdict.endswith(".")


def test_diverse_beam_search_on_the_small_character_model(small_lm):
    """The page's comparison, on a few prompts: scores are true, the lists sane,
    groups of one start their lists with more distinct first characters.
    """
    namespace = _beyond_cell("def compare")
    namespace |= {"model": small_lm.model, "vocab": small_lm.vocab}
    prompts = ["the ", "a ", "the net ", "the norm sees "]
    k, lam = 6, 1.0
    plain = namespace["compare"](SearchRules(), prompts, k)
    diverse = namespace["compare"](SearchRules(groups=6, diversity=lam), prompts, k)
    for best, mean, words in (plain, diverse):
        assert mean <= best <= 0 and 1 <= words <= k
    starts = []
    for rules in (SearchRules(), SearchRules(groups=6, diversity=lam)):
        hyps = beam_search(
            small_lm.model, 12, k, prompt=small_lm.vocab.encode("the "), rules=rules
        )
        starts.append(len({h.tokens[0] for h in hyps}))
    assert starts[1] >= starts[0]


def test_endings_several_end_tokens_and_one_child_per_node():
    """The endings page: with *network* and *<end>* both ending, every returned
    sequence ends in one of them or at T; one child per node is a greedy
    search from each of the k likeliest first tokens.
    """
    tree = ending_example()
    ends = [tree.vocab.index("network"), tree.vocab.index("<end>")]
    got = beam_search(tree, 4, 2, rules=SearchRules(eos=ends))
    assert got and all(h.tokens[-1] in ends or len(h.tokens) == 4 for h in got)
    assert all(e not in h.tokens[:-1] for h in got for e in ends)
    first = tree.next_log_probs(torch.zeros(1, 0, dtype=torch.long))[0]
    order = sorted(range(3), key=lambda v: (-first[v].item(), v))
    for k in (1, 2, 3):
        one = SearchRules(eos=ends, per_node_beam_size=1)
        want = []
        for v in order[:k]:
            rest = (
                []
                if v in ends
                else greedy_decode(tree, 3, prompt=[v], rules=SearchRules(eos=ends))
            )
            want.append((v, *(rest[0].tokens if rest else ())))
        got = beam_search(tree, 4, k, rules=one)
        assert sorted(h.tokens for h in got) == sorted(want)
