"""Corruptions: what a denoising or masked autoencoder does to its input.

Every corruption is a small frozen dataclass with one interface,

.. code-block:: python

    corrupted, mask = corruption(x, generator)  # x: (N, H, W)

where ``mask`` is a boolean tensor of the same shape, ``True`` where the
corruption touched a pixel. The autoencoder's loss can use the mask to score
only the hidden pixels. Corruptions compose with :class:`Compose`, and are
hashable, so a training configuration that holds one can key a cache.

The no-learning baseline for masking, filling each hidden pixel from the
visible pixels around it, is in :mod:`reviewkit.autoencoders.inpainting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from reviewkit.autoencoders.data import check_images
from reviewkit.checks import check_float, check_generator, check_int

__all__ = [
    "Compose",
    "Corruption",
    "GaussianNoise",
    "NoCorruption",
    "PatchMask",
    "PixelMask",
]


@runtime_checkable
class Corruption(Protocol):
    """What every corruption implements: ``(x, generator) -> (corrupted, mask)``."""

    def __call__(
        self, x: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Corrupt a batch of images ``(N, H, W)``; return it and the mask."""
        ...  # pragma: no cover


def _check_call(x: object, generator: object) -> torch.Tensor:
    x = check_images("x", x)
    check_generator("generator", generator)
    return x


class _Checked:
    """Base of the package's corruptions: check the arguments, then ``_apply``.

    The training loop checks its images once and calls ``_apply`` directly on
    every batch (see :mod:`reviewkit.autoencoders.training`).
    """

    def __call__(
        self, x: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Corrupt a batch of images ``(N, H, W)``; return it and the mask."""
        return self._apply(_check_call(x, generator), generator)

    def _apply(
        self, x: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The corruption itself, for images and a generator already checked."""
        raise NotImplementedError


def _exact_mask(
    n: int, cells: int, ratio: float, generator: torch.Generator, what: str
) -> torch.Tensor:
    """Choose exactly ``round(ratio * cells)`` cells per row, uniformly.

    A positive ratio that rounds to no cell, or one that rounds to every
    cell, is refused: the first would silently hide nothing, the second
    leave nothing visible. ``what`` names the cells (``"pixels"``).
    """
    k = round(ratio * cells)
    if ratio > 0 and k == 0:
        raise ValueError(
            f"ratio={ratio} of {cells} {what} per image rounds to 0 hidden "
            f"{what}: the mask would hide nothing; use a ratio above "
            f"{0.5 / cells:.3g}"
            + (" or a smaller patch_size" if what == "patches" else "")
        )
    if k == cells and cells > 0 and ratio > 0:
        raise ValueError(
            f"ratio={ratio} of {cells} {what} per image rounds to all {cells}: "
            "nothing would stay visible; use a smaller ratio"
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
class NoCorruption(_Checked):
    """Leave the input as it is (a vanilla autoencoder). The mask is all False."""

    def _apply(
        self, x: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The corruption itself, for images and a generator already checked."""
        return x.clone(), torch.zeros_like(x, dtype=torch.bool)


@dataclass(frozen=True)
class GaussianNoise(_Checked):
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

    def _apply(
        self, x: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The corruption itself, for images and a generator already checked."""
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)  # (N, H, W)
        # x~ = x + sigma * eps
        return x + self.std * noise, torch.ones_like(x, dtype=torch.bool)


@dataclass(frozen=True)
class PixelMask(_Checked):
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

    def _apply(
        self, x: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The corruption itself, for images and a generator already checked."""
        n, h, w = x.shape
        mask = _exact_mask(n, h * w, self.ratio, generator, "pixels").view(n, h, w)
        return x.masked_fill(mask, self.fill), mask


@dataclass(frozen=True)
class PatchMask(_Checked):
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

    def _apply(
        self, x: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The corruption itself, for images and a generator already checked."""
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
        if not isinstance(self.parts, tuple) or not self.parts:
            raise TypeError(
                f"parts must be a non-empty tuple of corruptions, got {self.parts!r}"
            )
        for part in self.parts:
            if isinstance(part, type) or not isinstance(part, Corruption):
                raise TypeError(f"parts must hold corruption instances, got {part!r}")

    def __call__(
        self, x: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Apply every part to ``x`` ``(N, H, W)``; return it and the joint mask."""
        x = _check_call(x, generator)
        mask = torch.zeros_like(x, dtype=torch.bool)
        for part in self.parts:
            x, m = part(x, generator)
            mask |= m
        return x, mask
