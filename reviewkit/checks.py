"""Argument checks shared by every chapter.

Each check returns the value (converted where that is safe: a numpy integer
becomes an ``int``) or raises an error that names the argument the caller
passed, says what was expected and shows what was given. Public functions
call them at the boundary, so bad input never reaches torch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection
from typing import Any

import torch

__all__ = [
    "check_bool",
    "check_choice",
    "check_distinct",
    "check_float",
    "check_generator",
    "check_instance",
    "check_int",
    "check_seed",
    "check_tensor",
    "check_tuple",
    "seeded_generator",
]


def check_int(
    name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` as an ``int`` if it is an integer in range.

    Python ints and numpy integers are accepted; bools, floats (even ``3.0``)
    and strings are not.

    Raises:
        TypeError: If ``value`` is not an integer.
        ValueError: If it is below ``minimum`` or above ``maximum``.
    """
    if type(value) is not int:  # a plain int needs no conversion (the usual case)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(
                f"{name} must be an int, got {type(value).__name__} {value!r}"
            )
        value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_seed(name: str, value: Any) -> int:
    """Return ``value`` if it is a usable seed: an int in ``[0, 2**63)``."""
    return check_int(name, value, minimum=0, maximum=2**63 - 1)


def seeded_generator(seed: Any, name: str = "seed") -> torch.Generator:
    """A new CPU ``torch.Generator`` seeded with ``seed`` (checked as a seed).

    The one way the package turns a caller's seed into random draws: nothing
    touches torch's global generator.
    """
    return torch.Generator().manual_seed(check_seed(name, seed))


def check_instance(name: str, value: Any, types: type | tuple[type, ...]) -> Any:
    """Return ``value`` if it is an instance of ``types`` (a TypeError names both)."""
    if not isinstance(value, types):
        wanted = types if isinstance(types, tuple) else (types,)
        names = " or ".join(t.__name__ for t in wanted)
        raise TypeError(f"{name} must be of type {names}, got {type(value).__name__}")
    return value


def check_distinct(name: str, values: Collection[Any]) -> None:
    """Refuse a collection with a repeated entry (seeds, grid values, lags).

    A repeated seed or grid value would count one run twice and shrink an
    error bar, so it is an error everywhere; the message names the first one.
    """
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(
                f"{name} must not repeat a value, got {value!r} more than once"
            )
        seen.add(value)


def check_float(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a float if it is a finite real number in range (no bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {value}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (``0``/``1`` and strings are refused)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def check_generator(name: str, value: Any) -> torch.Generator:
    """Return ``value`` if it is a ``torch.Generator`` (a seed is refused)."""
    if not isinstance(value, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator, got {type(value).__name__}")
    return value


def check_choice(name: str, value: Any, choices: Collection[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def check_tensor(
    name: str,
    value: Any,
    *,
    ndim: int | None = None,
    floating: bool = False,
    finite: bool = False,
) -> torch.Tensor:
    """Return ``value`` if it is a tensor with ``ndim`` dimensions (if given).

    ``floating`` requires a floating-point dtype and ``finite`` refuses NaN and
    infinite entries. A wrong type or dtype is a TypeError, the rest ValueError.
    """
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions, got shape {tuple(value.shape)}"
        )
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {value.dtype}")
    if finite and value.is_floating_point() and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} must be finite, got NaN or infinite entries")
    return value


def check_tuple(
    name: str, values: Any, check: Callable[[str, Any], Any]
) -> tuple[Any, ...]:
    """Return ``values`` if it is a non-empty tuple whose entries pass ``check``.

    Each entry is checked as ``check(f"{name}[{i}]", entry)``, so a message
    names the field and the position: ``weight_scales[1] must be > 0.0, got 0.0``.
    """
    if not isinstance(values, tuple) or len(values) == 0:
        raise TypeError(
            f"{name} must be a non-empty tuple, got {type(values).__name__} {values!r}"
        )
    return tuple(check(f"{name}[{i}]", v) for i, v in enumerate(values))
