"""Tests for reviewkit.beam.complexity: the sheet's recipe and the terms of its cost."""

import pytest

from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.complexity import CostTerms, sheet_beam_search, sheet_cost
from reviewkit.beam.plain import plain_beam_search
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.tree import random_tree, worked_example


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_sheet_recipe_returns_what_the_plain_loop_returns(seed, k):
    """Top-k per hypothesis, then a sort of the k^2 candidates, loses nothing."""
    tree = random_tree(3, 4, seed=seed, levels=3 if seed % 2 else None)
    got, _ = sheet_beam_search(tree, 4, k, seed=seed)
    expected = plain_beam_search(tree, 4, k)
    assert [h.tokens for h in got] == [h.tokens for h in expected]
    for a, b in zip(got, expected, strict=True):
        assert a.score == pytest.approx(b.score, abs=1e-12)


@pytest.mark.parametrize(("cell", "products"), [("gru", 6), ("rnn", 2)])
@pytest.mark.parametrize(("H", "M", "k", "T"), [(8, 16, 2, 3), (16, 32, 4, 5)])
def test_model_flops_are_the_model_term(cell, products, H, M, k, T):
    """The network's FLOPs are exactly 2 (T-1) k (c H^2 + H M): the Tk(H^2+HM) term."""
    model = RNNLanguageModel(M, H, seed=0, cell=cell)
    _, ops = sheet_beam_search(model, T, k)
    assert ops.steps == T and ops.model_rows == (T - 1) * k
    assert ops.model_flops == 2 * (T - 1) * k * (products * H * H + H * M)


def test_cost_terms_and_the_dominant_one():
    """The terms are Tk(H^2 + HM), TkM and Tk^2 log2 k; the model wins at real k."""
    terms = sheet_cost(10, 4, 64, 64)
    assert terms == CostTerms(10 * 4 * (64 * 64 + 64 * 64), 10 * 4 * 64, 10 * 16 * 2.0)
    assert terms.model > terms.topk > terms.sort
    huge = sheet_cost(1, 1024, 64, 64)  # k log k > H^2 + HM: the sort wins
    assert huge.sort > huge.model > huge.topk
    assert sheet_cost(3, 1, 5, 2).sort == 0.0


def test_bad_arguments_name_themselves():
    """Out-of-range sizes, a bad seed and rules with an end token are named."""
    with pytest.raises(ValueError, match="length"):
        sheet_cost(0, 1, 1, 1)
    with pytest.raises(ValueError, match="hidden_size"):
        sheet_cost(1, 1, 1, 0)
    with pytest.raises(ValueError, match="beam_size"):
        sheet_beam_search(worked_example(), 3, 0)
    with pytest.raises((TypeError, ValueError), match="seed"):
        sheet_beam_search(worked_example(), 3, 2, seed=-1.5)
    with pytest.raises(ValueError, match="rules must be plain"):
        sheet_beam_search(worked_example(), 3, 2, rules=SearchRules(eos=1))
    with pytest.raises(ValueError, match="prompt must hold token ids < 2"):
        sheet_beam_search(worked_example(), 2, 2, prompt=[5])
