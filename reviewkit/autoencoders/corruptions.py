"""Corruptions: what a denoising or masked autoencoder does to its input.

Every corruption is a small frozen dataclass with one interface,

.. code-block:: python

    corrupted, mask = corruption(x, generator)  # x: (N, H, W)

where ``mask`` is a boolean tensor of the same shape, ``True`` where the
corruption touched a pixel. The autoencoder's loss can use the mask to score
only the hidden pixels. Corruptions compose with :class:`Compose`, and are
hashable, so a training configuration that holds one can key a cache. Any
callable with this interface is a corruption; :func:`corrupt` applies one
and checks what it returned (training and :class:`Compose` go through it).

The no-learning baseline for masking, filling each hidden pixel from the
visible pixels around it, is in :mod:`reviewkit.autoencoders.inpainting`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from reviewkit.autoencoders.data import check_images
from reviewkit.checks import check_float, check_generator, check_int, check_tuple

__all__ = [
    "Compose",
    "Corrupted",
    "Corruption",
    "GaussianNoise",
    "NoCorruption",
    "PatchMask",
    "PixelMask",
    "check_corruption",
    "corrupt",
]


#: The pair every corruption returns, corrupted images and mask, both ``(N, H, W)``.
Corrupted = tuple[torch.Tensor, torch.Tensor]


@runtime_checkable
class Corruption(Protocol):
    """What every corruption implements: ``(x, generator) -> (corrupted, mask)``."""

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> Corrupted:
        """Corrupt a batch of images ``(N, H, W)``; return it and the mask."""
        ...  # pragma: no cover


def _check_call(x: object, generator: object) -> torch.Tensor:
    """The arguments every corruption takes: images ``(N, H, W)`` and a generator."""
    x = check_images("x", x)
    check_generator("generator", generator)
    return x


def check_corruption(name: str, value: object) -> Corruption:
    """Return ``value`` if it is a corruption instance (a class is refused).

    Raises:
        TypeError: Naming the argument, with an example of what to pass.
    """
    if isinstance(value, type) or not isinstance(value, Corruption):
        got = f"the class {value.__name__}" if isinstance(value, type) else repr(value)
        raise TypeError(
            f"{name} must be a corruption instance, a callable (x, generator) -> "
            "(corrupted, mask) such as GaussianNoise(0.3) or PixelMask(0.5) from "
            f"reviewkit.autoencoders.corruptions (NoCorruption() for none), got {got}"
        )
    return value


def corrupt(
    corruption: Corruption,
    x: torch.Tensor,
    generator: torch.Generator,
    name: str = "corruption",
) -> Corrupted:
    """Apply any corruption to images ``x`` ``(N, H, W)`` and check what it returns.

    A user's corruption that returns something else than finite floating
    images and a boolean mask of ``x``'s shape is named here (as ``name``)
    rather than failing later inside torch.

    Returns:
        The corrupted images, cast to the dtype of ``x``, and the mask.

    Raises:
        TypeError: For output of the wrong kind or dtype.
        ValueError: For output of the wrong shape, or non-finite images.
    """
    out = corruption(x, generator)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(
            f"{name}={corruption!r} must return a pair (corrupted, mask), "
            f"got {type(out).__name__}"
        )
    x_in, mask = out
    for what, value in (("corrupted images", x_in), ("a mask", mask)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(
                f"{name}={corruption!r} must return {what} as a tensor, "
                f"got {type(value).__name__}"
            )
        if value.shape != x.shape:
            raise ValueError(
                f"{name}={corruption!r} must return {what} of the input's shape "
                f"{tuple(x.shape)}, got {tuple(value.shape)}"
            )
    if mask.dtype != torch.bool or not x_in.is_floating_point():
        raise TypeError(
            f"{name}={corruption!r} must return floating-point images and a "
            f"boolean mask (True where it changed a pixel), got {x_in.dtype} and "
            f"{mask.dtype}; convert a 0/1 mask with mask.bool()"
        )
    # a finite sum means every pixel is finite (and costs a tenth of isfinite)
    if not math.isfinite(x_in.sum().item()) and not bool(x_in.isfinite().all()):
        raise ValueError(
            f"{name}={corruption!r} returned NaN or infinite values for finite images"
        )
    return x_in.to(x.dtype), mask


def _exact_mask(
    n: int, cells: int, ratio: float, generator: torch.Generator, what: str
) -> torch.Tensor:
    """Choose exactly ``round(ratio * cells)`` cells per row, uniformly.

    A positive ratio that rounds to no cell, or one that rounds to every
    cell, is refused: the first would silently hide nothing, the second
    leave nothing visible. ``what`` names the cells (``"pixels"``).
    """
    k = round(ratio * cells)
    if ratio > 0 and k in (0, cells):
        hide, use = ("nothing", "a larger") if k == 0 else ("everything", "a smaller")
        raise ValueError(
            f"ratio={ratio} of {cells} {what} per image rounds to {k} hidden "
            f"{what}: the mask would hide {hide}; use {use} ratio"
            + (" or a smaller patch_size" if what == "patches" else "")
        )
    if k == 0:
        return torch.zeros(n, cells, dtype=torch.bool)
    scores = torch.rand(n, cells, generator=generator, dtype=torch.float64)
    # the k smallest scores of each row: a k-th value threshold is much faster
    # than sorting; ties (probability ~1e-12) fall back to an exact sort.
    # numpy's partition finds the same k-th value as torch's kthvalue, about
    # twice as fast on these small rows
    kth = np.partition(scores.numpy(), k - 1, axis=1)[:, k - 1 : k]  # (n, 1)
    mask = scores <= torch.from_numpy(kth)  # (n, cells)
    if bool((mask.sum(dim=1) != k).any()):
        mask = torch.zeros(n, cells, dtype=torch.bool)
        mask.scatter_(1, scores.argsort(dim=1)[:, :k], True)
    return mask


@dataclass(frozen=True)
class NoCorruption:
    """Leave the input as it is (a vanilla autoencoder). The mask is all False."""

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> Corrupted:
        """Corrupt images ``x`` ``(N, H, W)``; return them and the mask."""
        x = _check_call(x, generator)
        return x.clone(), torch.zeros_like(x, dtype=torch.bool)


@dataclass(frozen=True)
class GaussianNoise:
    r"""Add independent Gaussian noise to every pixel (a denoising autoencoder).

    .. math::

        \tilde x = x + \sigma \varepsilon, \qquad \varepsilon \sim \mathcal N(0, I)

    Attributes:
        std: The noise level :math:`\sigma`, at least 0.
    """

    std: float = 0.3

    def __post_init__(self) -> None:
        """Check ``std``."""
        check_float("std", self.std, low=0)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> Corrupted:
        """Corrupt images ``x`` ``(N, H, W)``; return them and the mask."""
        x = _check_call(x, generator)
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)  # (N, H, W)
        # x~ = x + sigma * eps
        return x + self.std * noise, torch.ones_like(x, dtype=torch.bool)


@dataclass(frozen=True)
class PixelMask:
    """Hide a fixed share of single pixels, chosen at random in each image.

    Exactly ``round(ratio * H * W)`` pixels per image are set to ``fill``.
    A positive ratio that rounds to no pixel, or to every pixel, raises a
    ``ValueError`` when called rather than hiding nothing or everything.

    Attributes:
        ratio: Share of pixels hidden, in ``[0, 1)``.
        fill: Value written into hidden pixels.
    """

    ratio: float = 0.5
    fill: float = 0.0

    def __post_init__(self) -> None:
        """Check ``ratio`` and ``fill``."""
        check_float("ratio", self.ratio, low=0, high=1, high_inclusive=False)
        check_float("fill", self.fill)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> Corrupted:
        """Corrupt images ``x`` ``(N, H, W)``; return them and the mask."""
        x = _check_call(x, generator)
        n, h, w = x.shape
        mask = _exact_mask(n, h * w, self.ratio, generator, "pixels").view(n, h, w)
        return x.masked_fill(mask, self.fill), mask


@dataclass(frozen=True)
class PatchMask:
    """Hide a fixed share of square patches on a grid aligned with the image.

    The image is cut into non-overlapping ``patch_size`` x ``patch_size``
    patches; exactly ``round(ratio * number_of_patches)`` of them are set to
    ``fill`` in each image. A positive ratio that rounds to no patch (for
    example ``ratio=0.5`` with a single 8x8 patch on 8x8 images), or to every
    patch, raises a ``ValueError`` when called.

    Attributes:
        ratio: Share of patches hidden, in ``[0, 1)``.
        patch_size: Side of a patch; it must divide the image's height and width.
        fill: Value written into hidden pixels.
    """

    ratio: float = 0.5
    patch_size: int = 2
    fill: float = 0.0

    def __post_init__(self) -> None:
        """Check ``ratio``, ``patch_size`` and ``fill``."""
        check_float("ratio", self.ratio, low=0, high=1, high_inclusive=False)
        check_int("patch_size", self.patch_size, minimum=1)
        check_float("fill", self.fill)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> Corrupted:
        """Corrupt images ``x`` ``(N, H, W)``; return them and the mask."""
        x = _check_call(x, generator)
        n, h, w = x.shape
        p = self.patch_size
        if h % p or w % p:
            raise ValueError(
                f"patch_size must divide the image height and width, "
                f"got patch_size={p} for images of {h}x{w}"
            )
        grid = _exact_mask(n, (h // p) * (w // p), self.ratio, generator, "patches")
        grid = grid.view(n, h // p, w // p)
        # each grid cell becomes a p x p block of pixels
        mask = grid.repeat_interleave(p, dim=1).repeat_interleave(p, dim=2)
        return x.masked_fill(mask, self.fill), mask


@dataclass(frozen=True)
class Compose:
    """Apply several corruptions in turn; the mask is their union.

    Attributes:
        parts: The corruptions, applied first to last.
    """

    parts: tuple[Corruption, ...]

    def __post_init__(self) -> None:
        """Check that every part is a corruption."""
        check_tuple("parts", self.parts, check_corruption)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> Corrupted:
        """Apply every part to ``x`` ``(N, H, W)``; return it and the joint mask.

        Each part's output is checked (:func:`corrupt`), naming the part.
        """
        x = _check_call(x, generator)
        mask = torch.zeros_like(x, dtype=torch.bool)
        for i, part in enumerate(self.parts):
            x, m = corrupt(part, x, generator, f"parts[{i}]")
            mask |= m
        return x, mask
