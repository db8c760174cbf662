"""Tests for reviewkit.beam.validation: prompt and model-output checks."""

import math
import warnings

import numpy as np
import pytest
import torch

from reviewkit.beam.search import beam_search
from reviewkit.beam.tree import worked_example
from reviewkit.beam.validation import (
    NORMALISATION_TOL,
    PAD,
    UnnormalisedRowsWarning,
    as_prompts,
    check_id_list,
    check_id_tensor,
    check_log_probs,
    check_token_ids,
    is_ragged,
    prompt_groups,
    warn_if_unnormalised,
)


def test_banned_tokens_are_allowed_but_not_a_fully_banned_row():
    """A -inf entry is a banned token; a row of -inf leaves nothing to decode."""
    row = torch.tensor([[0.0, -math.inf]])
    assert check_log_probs(row, 1, 2) is row
    with pytest.raises(ValueError, match="a finite entry in every row"):
        check_log_probs(torch.full((1, 2), -math.inf), 1, 2)


def test_normalisation_tolerance_follows_the_dtype():
    """Rounding a uniform row to bfloat16 passes; an unnormalised float64 row fails."""
    uniform = torch.full((1, 7), -math.log(7))
    check_log_probs(uniform.to(torch.bfloat16), 1)  # rounded, still accepted
    with pytest.raises(ValueError, match="normalised"):
        check_log_probs(uniform.double() + 0.01, 1)
    assert check_log_probs(torch.zeros(0, 3), 0).shape == (0, 3)  # no rows


@pytest.mark.parametrize("size", [2, 1000])  # ids read in Python, or reduced
def test_token_ids_are_checked_against_the_vocabulary_when_known(size):
    """Ids must be >= 0 always and < M when M is given."""
    ids = torch.zeros(1, size, dtype=torch.long)
    ids[0, size // 2] = 4
    assert check_token_ids("x", ids) is ids
    check_token_ids("x", ids, 5)
    with pytest.raises(ValueError, match=r"x must hold token ids < 4 \(the .*, got 4"):
        check_token_ids("x", ids, 4)
    ids[0, -1] = -3
    with pytest.raises(ValueError, match=">= 0, got -3"):
        check_token_ids("x", ids)


def test_prompts_become_long_tensors_of_shape_n_by_p():
    """None, lists, numpy arrays and tensors all become LongTensors (N, P)."""
    assert as_prompts(None, batch=False).shape == (1, 0)
    assert as_prompts([], batch=False).shape == (1, 0)
    one = as_prompts(np.array([3, 1]), batch=False)
    assert one.dtype == torch.long and one.tolist() == [[3, 1]]
    assert as_prompts([[1, 2], [3, 4]], batch=True).shape == (2, 2)
    assert as_prompts(torch.tensor([[5]], dtype=torch.int32), batch=True).dtype == (
        torch.long
    )


def test_ragged_prompts_are_padded_on_the_left_and_split_back():
    """Prompts of different lengths: each checked, padded with PAD, grouped again."""
    prompts = as_prompts([[1], [2, 3, 4], [], torch.tensor([5, 6, 7])], batch=True)
    assert prompts.tolist() == [[PAD, PAD, 1], [2, 3, 4], [PAD, PAD, PAD], [5, 6, 7]]
    assert is_ragged(prompts) and not is_ragged(as_prompts([[1], [2]], batch=True))
    groups = [(rows, group.tolist()) for rows, group in prompt_groups(prompts)]
    assert groups == [([2], [[]]), ([0], [[1]]), ([1, 3], [[2, 3, 4], [5, 6, 7]])]
    # each prompt is checked as one, and named by its place in the batch
    with pytest.raises(ValueError, match=r"prompts\[1\] must hold token ids >= 0"):
        as_prompts([[1], [2, -3]], batch=True)
    with pytest.raises(TypeError, match=r"prompts\[0\] must hold integer token ids"):
        as_prompts([[1.5], [2, 3]], batch=True)
    with pytest.raises(ValueError, match=r"prompts\[1\] must have shape \(P,\)"):
        as_prompts([[1], [[2, 3]]], batch=True)


def test_id_lists_and_id_tensors_are_checked_by_name():
    """A list of ids must be ints in [0, M); an id tensor must hold integers."""
    assert check_id_list("path", (1, 0), 2) == [1, 0]
    with pytest.raises(
        ValueError, match=r"path must hold token ids < 2 \(the vocabulary size\), got 2"
    ):
        check_id_list("path", [0, 2], 2)
    with pytest.raises(TypeError, match="path must be token ids, got str"):
        check_id_list("path", "ab", 2)
    with pytest.raises(TypeError, match="path must be an int"):
        check_id_list("path", [0.0], 2)
    assert check_id_tensor("x", torch.zeros(2, 1, dtype=torch.int32), 2).ndim == 2
    with pytest.raises(TypeError, match="x must hold integer token ids"):
        check_id_tensor("x", torch.zeros(2, 1), 2)


def test_unchecked_unnormalised_rows_warn_once_and_normalised_ones_do_not():
    """check=False: logits passed as log-probs warn (first output only); true
    log-probs, -inf entries included, stay silent; check=True still refuses.
    """
    logits = torch.tensor([[2.0, 1.0, 0.5]])  # logsumexp 2.46, not 0

    def raw(prefixes):
        return logits.expand(prefixes.shape[0], -1)

    with pytest.warns(UnnormalisedRowsWarning, match=r"\|logsumexp\| up to 2.46") as w:
        beam_search(raw, 4, 2, check=False)
    assert len(w) == 1

    def normalised(prefixes):
        out = torch.log_softmax(raw(prefixes), dim=1).clone()
        out[:, 2] = -math.inf
        return out - torch.logsumexp(out, dim=1, keepdim=True)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        beam_search(normalised, 4, 2, check=False)
        beam_search(worked_example(), 3, 2, check=False)
    with pytest.raises(ValueError, match="normalised"):
        beam_search(raw, 4, 2)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_rows_are_judged_at_their_own_resolution(dtype):
    """Rows off by less than 4 eps of their dtype (bfloat16: 0.03) stay silent;
    rows off by far more still warn."""
    rows = torch.log_softmax(torch.arange(12.0).view(2, 6), dim=1)
    slack = 2 * torch.finfo(dtype).eps  # above 1e-3 in bfloat16, below 4 eps
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_unnormalised((rows + slack).to(dtype))
    with pytest.warns(UnnormalisedRowsWarning):
        warn_if_unnormalised((rows + 0.5).to(dtype))


def _rows(dtype):
    return torch.log_softmax(torch.arange(12.0, dtype=dtype).view(2, 6), dim=1)


BAD_ROWS = {
    "above": lambda r: r + 1.1 * NORMALISATION_TOL,
    "below": lambda r: r - 1.1 * NORMALISATION_TOL,
    "nan": lambda r: torch.where(torch.arange(6) == 3, math.nan, r),
    "-inf row": lambda r: torch.cat([r[:1], torch.full_like(r[:1], -math.inf)]),
    "overflowing logits": lambda r: torch.full_like(r, 1000.0),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rows_just_inside_the_tolerance_stay_silent(dtype):
    """The warning's line is |logsumexp| = NORMALISATION_TOL: rows off by 0.9
    of it, either way, stay silent."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_unnormalised(_rows(dtype) + 0.9 * NORMALISATION_TOL)
        warn_if_unnormalised(_rows(dtype) - 0.9 * NORMALISATION_TOL)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("case", BAD_ROWS)
def test_rows_outside_the_tolerance_or_not_numbers_warn(case, dtype):
    """Rows off by 1.1 of the tolerance warn, and so do NaN, a row of -inf
    and logits whose exponentials overflow."""
    with pytest.warns(UnnormalisedRowsWarning):
        warn_if_unnormalised(BAD_ROWS[case](_rows(dtype)))
