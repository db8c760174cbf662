"""Tests for the private argument checks in reviewkit._checks."""

import math

import pytest
import torch

from reviewkit import _checks


def test_check_int_names_the_argument():
    """A wrong int is rejected with an error naming the argument."""
    assert _checks.check_int("k", 3, minimum=1) == 3
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        _checks.check_int("k", 0, minimum=1)
    with pytest.raises(TypeError, match="k must be an int"):
        _checks.check_int("k", 2.0)
    with pytest.raises(TypeError, match="k must be an int"):
        _checks.check_int("k", True)


def test_check_float_bounds():
    """Ranges with open and closed ends are enforced, and NaN is rejected."""
    assert _checks.check_float("p", 0.0, low=0.0, high=1.0, high_inclusive=False) == 0
    with pytest.raises(ValueError, match="p must be < 1.0"):
        _checks.check_float("p", 1.0, low=0.0, high=1.0, high_inclusive=False)
    with pytest.raises(ValueError, match="p must be finite"):
        _checks.check_float("p", math.nan)


def test_check_choice_lists_the_options():
    """An unknown option is rejected with the list of valid ones."""
    with pytest.raises(ValueError, match="'tanh', 'relu'"):
        _checks.check_choice("nonlinearity", "gelu", ("tanh", "relu"))


def test_check_tensor_shape_and_dtype():
    """Tensors of the wrong rank or dtype are rejected, naming the argument."""
    shape_error = r"x must have 3 dimensions, got shape \(2, 3\)"
    with pytest.raises(ValueError, match=shape_error):
        _checks.check_tensor("x", torch.zeros(2, 3), ndim=3)
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        _checks.check_tensor("x", torch.zeros(2, dtype=torch.long), floating=True)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        _checks.check_tensor("x", [1.0])
