"""Tests for the shared argument checks in reviewkit.checks."""

import math

import pytest
import torch

from reviewkit import checks


def test_check_int_names_the_argument():
    """A wrong int is rejected with an error naming the argument."""
    assert checks.check_int("k", 3, minimum=1) == 3
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        checks.check_int("k", 0, minimum=1)
    with pytest.raises(TypeError, match="k must be an int"):
        checks.check_int("k", 2.0)
    with pytest.raises(TypeError, match="k must be an int"):
        checks.check_int("k", True)


def test_check_float_bounds():
    """Ranges with open and closed ends are enforced, and NaN is rejected."""
    assert checks.check_float("p", 0.0, low=0.0, high=1.0, high_inclusive=False) == 0
    with pytest.raises(ValueError, match="p must be < 1.0"):
        checks.check_float("p", 1.0, low=0.0, high=1.0, high_inclusive=False)
    with pytest.raises(ValueError, match="p must be finite"):
        checks.check_float("p", math.nan)


def test_check_choice_lists_the_options():
    """An unknown option is rejected with the list of valid ones."""
    with pytest.raises(ValueError, match="'tanh', 'relu'"):
        checks.check_choice("nonlinearity", "gelu", ("tanh", "relu"))


def test_check_tensor_shape_and_dtype():
    """Tensors of the wrong rank or dtype are rejected, naming the argument."""
    shape_error = r"x must have 3 dimensions, got shape \(2, 3\)"
    with pytest.raises(ValueError, match=shape_error):
        checks.check_tensor("x", torch.zeros(2, 3), ndim=3)
    with pytest.raises(TypeError, match="x must be a floating-point tensor"):
        checks.check_tensor("x", torch.zeros(2, dtype=torch.long), floating=True)
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        checks.check_tensor("x", [1.0])


def test_check_int_accepts_numpy_integers():
    """A numpy integer is an int for every check (users index with numpy)."""
    import numpy as np

    assert checks.check_int("beam_size", np.int64(4), minimum=1) == 4
    assert type(checks.check_int("beam_size", np.int32(4))) is int


def test_check_int_maximum_and_seed():
    """An int above the maximum, and a negative or string seed, are refused by name."""
    with pytest.raises(ValueError, match="k must be <= 3"):
        checks.check_int("k", 4, maximum=3)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        checks.check_seed("seed", -1)
    with pytest.raises(TypeError, match="seed must be an int"):
        checks.check_seed("seed", "0")


def test_check_bool_refuses_ints():
    """check_bool refuses 0/1 and strings, naming the argument."""
    assert checks.check_bool("last_step_only", True) is True
    with pytest.raises(TypeError, match="last_step_only must be a bool"):
        checks.check_bool("last_step_only", 1)


def test_check_tensor_finite():
    """finite=True refuses NaN and infinities, naming the argument."""
    with pytest.raises(ValueError, match="W_h must be finite"):
        checks.check_tensor("W_h", torch.tensor([1.0, math.nan]), finite=True)


def test_check_tuple_names_the_field_and_position():
    """check_tuple refuses lists and empty tuples, and names a bad entry's index."""
    assert checks.check_tuple("seeds", (0, 1), checks.check_seed) == (0, 1)
    with pytest.raises(TypeError, match="seeds must be a non-empty tuple"):
        checks.check_tuple("seeds", [0, 1], checks.check_seed)
    with pytest.raises(TypeError, match="seeds must be a non-empty tuple"):
        checks.check_tuple("seeds", (), checks.check_seed)
    with pytest.raises(ValueError, match=r"seeds\[1\] must be >= 0, got -1"):
        checks.check_tuple("seeds", (0, -1), checks.check_seed)


def test_check_generator_refuses_seeds():
    """A generator passes through; a seed or None is refused, naming the argument."""
    gen = torch.Generator().manual_seed(0)
    assert checks.check_generator("gen", gen) is gen
    with pytest.raises(TypeError, match="gen must be a torch.Generator, got int"):
        checks.check_generator("gen", 0)
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        checks.check_generator("generator", None)


def test_seeded_generator_is_reproducible_and_checks_the_seed():
    """Two generators from one seed draw the same numbers; a bad seed is named."""
    a = checks.seeded_generator(3)
    b = checks.seeded_generator(3)
    assert torch.equal(torch.rand(4, generator=a), torch.rand(4, generator=b))
    with pytest.raises(ValueError, match="data_seed must be >= 0"):
        checks.seeded_generator(-1, "data_seed")
    with pytest.raises(TypeError, match="seed must be an int"):
        checks.seeded_generator(1.5)


def test_check_instance_names_argument_and_types():
    """A wrong type is refused with the argument, the expected and the given type."""
    assert checks.check_instance("x", 3, int) == 3
    with pytest.raises(TypeError, match="x must be of type int or str, got list"):
        checks.check_instance("x", [], (int, str))


def test_check_distinct_names_the_repeated_value():
    """A repeated seed is refused and named; distinct values pass."""
    checks.check_distinct("seeds", (0, 1, 2))
    with pytest.raises(ValueError, match="seeds must not repeat a value, got 1"):
        checks.check_distinct("seeds", (0, 1, 1))
