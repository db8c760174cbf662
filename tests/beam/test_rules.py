"""Tests for reviewkit.beam.rules: banned tokens, normalisation, stopping bounds."""

import math

import pytest
import torch
from beam_reference import banned
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam.rules import MAX_NORMALISER, SearchRules
from reviewkit.beam.search import beam_search
from reviewkit.beam.trace import beam_trace
from reviewkit.beam.tree import random_tree


@given(
    histories=st.lists(
        st.lists(st.integers(0, 3), min_size=5, max_size=5), min_size=1, max_size=4
    ),
    n=st.integers(0, 4),
    min_length=st.integers(0, 3),
    step=st.integers(0, 3),
    force=st.booleans(),
)
def test_mask_bans_exactly_what_the_plain_python_rules_ban(
    histories, n, min_length, step, force
):
    """Each row of the mask is -inf at the reference's banned tokens, else unchanged."""
    rules = SearchRules(
        eos=3, min_length=min_length, no_repeat_ngram_size=n, force_eos=force
    )
    log_probs = torch.full((len(histories), 4), -math.log(4))
    masked = rules.mask(log_probs, torch.tensor(histories), step, 4)
    for row, history in zip(masked.tolist(), histories, strict=True):
        want = banned(rules, history, step, 4, 4)
        assert {v for v, lp in enumerate(row) if lp == -math.inf} == want
    assert bool((log_probs == -math.log(4)).all())  # the input is not modified


def test_plain_rules_mask_nothing_and_are_plain():
    """The default rules leave the log-probs as they are (the very same tensor)."""
    log_probs = torch.zeros(2, 3)
    assert (
        SearchRules().plain and SearchRules().mask(log_probs, None, 0, 5) is log_probs
    )
    assert not SearchRules(eos=1).plain and SearchRules(eos=1).finished == "pool"


@pytest.mark.parametrize(
    ("norm", "want"), [("power", -6.0 / 3**0.5), ("gnmt", -6.0 / (8 / 6) ** 0.5)]
)
def test_rank_divides_the_score_by_the_length_normaliser(norm, want):
    """rank = s / L**alpha ("power") or s / ((5 + L) / 6)**alpha ("gnmt")."""
    rules = SearchRules(eos=0, length_penalty=0.5, length_norm=norm)
    assert rules.rank(-6.0, 3) == pytest.approx(want)
    assert SearchRules(eos=0).rank(-6.0, 3) == -6.0


@given(
    gains=st.lists(st.floats(-5, 0), min_size=1, max_size=6),
    cut=st.integers(0, 5),
    alpha=st.sampled_from([-1.0, 0.0, 0.5, 2.0]),
    norm=st.sampled_from(["power", "gnmt"]),
)
def test_best_possible_bounds_every_completion(gains, cut, alpha, norm):
    """No completion of a live prefix ranks above best_possible of the prefix."""
    cut = min(cut, len(gains) - 1)
    rules = SearchRules(eos=0, length_penalty=alpha, length_norm=norm)
    length = 6
    bound = rules.best_possible(sum(gains[:cut]), cut, length)
    assert rules.rank(sum(gains), len(gains)) <= bound + 1e-9
    batch = rules.best_possible(torch.tensor([sum(gains[:cut])]), cut, length)
    assert float(batch[0]) == pytest.approx(bound)


def test_eos_must_be_a_token_of_the_model():
    """check_vocab refuses an end token outside the model's vocabulary."""
    SearchRules(eos=2).check_vocab(3)
    with pytest.raises(ValueError, match="eos must be < 2"):
        SearchRules(eos=2).check_vocab(2)


@pytest.mark.parametrize("norm", ["power", "gnmt"])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_largest_allowed_penalty_still_ranks_every_finalist(norm, sign):
    """Just inside the bound, the float32 pool keeps and ranks what the trace does.

    f(T) is then near 1e30 (or 1e-30): the ranks s / f(L) stay finite and
    distinct, so no finalist is dropped as -inf or tied at 0. A step past the
    bound is refused (tests/beam/test_bad_input.py).
    """
    length = 3
    base = (5 + length) / 6 if norm == "gnmt" else length
    alpha = sign * 0.999 * math.log(MAX_NORMALISER) / math.log(base)
    rules = SearchRules(eos=2, length_penalty=alpha, length_norm=norm)
    tree = random_tree(3, length, seed=3)
    fast = beam_search(tree, length, 3, rules=rules)
    slow, _ = beam_trace(tree, length, 3, rules=rules)
    assert len(fast) == 3
    assert [h.tokens for h in fast] == [h.tokens for h in slow]
    with pytest.raises(ValueError, match="length_penalty"):
        SearchRules(eos=2, length_penalty=alpha * 1.01, length_norm=norm).check_length(
            length
        )
