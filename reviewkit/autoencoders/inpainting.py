"""Filling hidden pixels from their visible neighbours: masking's no-learning baseline.

A masked autoencoder that only learns to interpolate has learned nothing about
the images' content. :func:`inpaint_from_neighbours` measures how far plain
interpolation gets, so a page can tell how much a trained model adds.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reviewkit.autoencoders.data import check_images
from reviewkit.checks import check_tensor
from reviewkit.measure import one_thread

__all__ = ["inpaint_from_neighbours"]


def inpaint_from_neighbours(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Fill hidden pixels with the mean of their visible neighbours, no learning.

    Hidden pixels with at least one known pixel among their eight neighbours
    take the mean of those; they then count as known, and the step repeats
    until every pixel is filled. A pixel deep inside a large hole is therefore
    filled from far away, which is why this baseline does well on scattered
    single pixels and badly on whole patches.

    Args:
        x: Corrupted images, shape ``(N, H, W)``, finite.
        mask: Boolean mask, ``True`` where hidden, same shape as ``x``.

    Returns:
        Images with every hidden pixel filled, shape ``(N, H, W)``, in the
        dtype of ``x``. An image whose pixels are all hidden has nothing to
        fill from and is refused.
    """
    x = check_images("x", x)
    if check_tensor("mask", mask).dtype != torch.bool:
        raise TypeError(f"mask must be a boolean tensor, got {mask.dtype}")
    if mask.shape != x.shape:
        raise ValueError(
            f"mask must have the shape of x {tuple(x.shape)}, got {tuple(mask.shape)}"
        )
    hidden_all = mask.flatten(1).all(dim=1)  # (N,)
    if bool(hidden_all.any()):
        first = int(hidden_all.nonzero()[0])
        raise ValueError(
            f"mask must leave at least one visible pixel per image, got image "
            f"{first} fully hidden: there is nothing to fill it from"
        )
    with one_thread():
        return _inpaint(x, mask)


def _inpaint(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    known = (~mask).to(x.dtype)  # (N, H, W), 1 where visible
    out = x * known  # (N, H, W)
    for _ in range(max(x.shape[1:])):
        if bool(known.all()):
            break
        total = _neighbour_sum(out * known)  # sum of known neighbours
        count = _neighbour_sum(known)  # how many neighbours are known
        fill = (known == 0) & (count > 0)
        out = torch.where(fill, total / count.clamp(min=1), out)
        known = known + fill.to(x.dtype)
    return out


def _neighbour_sum(x: torch.Tensor) -> torch.Tensor:
    """Sum over each pixel's 3x3 neighbourhood (zero outside the image)."""
    h, w = x.shape[1:]
    padded = F.pad(x, (1, 1, 1, 1))  # (N, H + 2, W + 2)
    return sum(padded[:, i : i + h, j : j + w] for i in range(3) for j in range(3))
