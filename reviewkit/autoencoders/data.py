"""Image data sets that ship with scikit-learn or are generated: no downloads.

* :func:`load_digits_split` — scikit-learn's 8x8 handwritten digits, scaled to
  ``[0, 1]`` and split into train, validation and test sets with a seed.
* :func:`upsample` — the same digits blown up with bilinear interpolation, so
  neighbouring pixels are strongly correlated (question 1g).
* :func:`photo_patches` — small grey patches cut from the two sample
  photographs bundled with scikit-learn: a source of images very unlike
  digits (question 1e).

Images are float32 tensors of shape ``(N, H, W)`` with values in ``[0, 1]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from reviewkit.checks import check_float, check_int, check_seed, check_tensor

__all__ = [
    "DigitSplit",
    "check_images",
    "load_digits_split",
    "photo_patches",
    "upsample",
]


def check_images(name: str, images: object) -> torch.Tensor:
    """Return ``images`` unchanged if it is a finite floating tensor ``(N, H, W)``.

    Raises:
        TypeError: If ``images`` (called ``name`` in the message) is not a
            floating-point tensor.
        ValueError: If it does not have three dimensions, is empty, or holds
            NaN or infinite values.
    """
    if isinstance(images, torch.Tensor) and images.ndim != 3:
        raise ValueError(
            f"{name} must be a batch of images of shape (N, H, W), "
            f"got shape {tuple(images.shape)}"
        )
    images = check_tensor(name, images, ndim=3, floating=True)
    if images.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(images.shape)}")
    if not math.isfinite(images.sum().item()):  # a finite sum: every pixel finite
        check_tensor(name, images, finite=True)
    return images


@dataclass(frozen=True)
class DigitSplit:
    """Digits split into train, validation and test sets.

    Attributes:
        x_train: Training images, shape ``(N_train, H, W)``.
        y_train: Training labels ``0..9``, shape ``(N_train,)``.
        x_val: Validation images, shape ``(N_val, H, W)``.
        y_val: Validation labels, shape ``(N_val,)``.
        x_test: Test images, shape ``(N_test, H, W)``.
        y_test: Test labels, shape ``(N_test,)``.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def map_images(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> DigitSplit:
        """A copy with the same labels and ``fn`` applied to every image tensor.

        ``fn`` takes and returns an ``(N, H, W)`` tensor, for example
        ``lambda x: upsample(x, 16)``.
        """
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        x = {}
        for name in ("x_train", "x_val", "x_test"):
            x[name] = check_images(f"fn(self.{name})", fn(getattr(self, name)))
            if len(x[name]) != len(getattr(self, name)):
                raise ValueError(
                    f"fn must keep one image per label, got {len(x[name])} images "
                    f"from the {len(getattr(self, name))} of {name}"
                )
        return DigitSplit(
            x["x_train"], self.y_train, x["x_val"], self.y_val, x["x_test"], self.y_test
        )


def load_digits_split(
    seed: int = 0, *, val_fraction: float = 0.1, test_fraction: float = 0.2
) -> DigitSplit:
    """Load scikit-learn's digits (1797 images, 8x8) and split them with a seed.

    Pixel values 0..16 are divided by 16. The split is stratified by class, so
    every set has about the same share of each digit.

    Args:
        seed: Seed of the shuffle that decides which image goes where, in
            ``[0, 2**32)`` (scikit-learn's range).
        val_fraction: Share of images in the validation set, in ``(0, 1)``.
        test_fraction: Share of images in the test set, in ``(0, 1)``.

    Returns:
        The three sets, images of shape ``(N, 8, 8)``.

    Raises:
        ValueError: If a fraction is out of range, or so small (or so large)
            that a set would hold fewer images than there are classes (10),
            which a stratified split cannot do.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    # scikit-learn's random_state is a numpy legacy seed: below 2**32
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    val_fraction, test_fraction = (
        check_float(name, value, low=0, high=1, low_inclusive=False,
                    high_inclusive=False)
        for name, value in (("val_fraction", val_fraction),
                            ("test_fraction", test_fraction))
    )  # fmt: skip
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            "val_fraction + test_fraction must be < 1, "
            f"got {val_fraction} + {test_fraction}"
        )
    _check_split_sizes(1797, 10, val_fraction, test_fraction)
    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32)  # (1797, 8, 8)
    y = torch.tensor(digits.target, dtype=torch.long)  # (1797,)
    idx = np.arange(len(y))
    rest, test = train_test_split(
        idx, test_size=test_fraction, random_state=seed, stratify=y.numpy()
    )
    train, val = train_test_split(
        rest,
        test_size=val_fraction / (1 - test_fraction),
        random_state=seed,
        stratify=y.numpy()[rest],
    )
    t = [torch.as_tensor(i) for i in (train, val, test)]
    return DigitSplit(x[t[0]], y[t[0]], x[t[1]], y[t[1]], x[t[2]], y[t[2]])


def _check_split_sizes(
    n: int, classes: int, val_fraction: float, test_fraction: float
) -> None:
    """Refuse fractions that leave a set with fewer images than classes.

    The sizes are scikit-learn's: the test set takes ``ceil(fraction * n)``
    images and the training part keeps the rest, in both splits.
    """
    n_test = math.ceil(test_fraction * n)
    n_val = math.ceil(val_fraction / (1 - test_fraction) * (n - n_test))
    sets = (
        ("test", "test_fraction", n_test),
        ("validation", "val_fraction", n_val),
        ("training", "val_fraction + test_fraction", n - n_test - n_val),
    )
    for what, name, size in sets:
        if size < classes:
            raise ValueError(
                f"{name} must leave at least {classes} {what} images (one per "
                f"class) of the {n} digits, got val_fraction={val_fraction}, "
                f"test_fraction={test_fraction}: {size} {what} images (each set "
                f"needs a share of at least {classes / n:.4f})"
            )


def upsample(images: torch.Tensor, size: int) -> torch.Tensor:
    """Enlarge images to ``size`` x ``size`` with bilinear interpolation.

    Every new pixel is a weighted mean of its nearest original pixels, so
    neighbours end up strongly correlated: a missing pixel can be guessed well
    from the pixels around it.

    Args:
        images: Images, shape ``(N, H, W)``.
        size: Side of the output images, at least ``max(H, W)``.

    Returns:
        Images of shape ``(N, size, size)``, values still in the input range.
    """
    images = check_images("images", images)
    size = check_int("size", size, minimum=max(images.shape[1:]), maximum=4096)
    out = F.interpolate(
        images[:, None], size=(size, size), mode="bilinear", align_corners=False
    )  # (N, 1, size, size)
    return out[:, 0]


def photo_patches(
    n: int, *, size: int = 8, downscale: int = 4, seed: int = 0
) -> torch.Tensor:
    """Cut random grey patches out of scikit-learn's two sample photographs.

    The photographs (a temple in China and a flower, 427x640 colour) ship with
    scikit-learn. They are turned grey, shrunk by ``downscale`` (block means)
    so a patch spans more of the scene, and each patch is stretched to the
    range ``[0, 1]`` (min-max per patch) so it uses the same range as digits.

    Args:
        n: Number of patches.
        size: Side of each square patch, in pixels.
        downscale: Shrink factor applied to the photographs first.
        seed: Seed for the patch positions.

    Returns:
        Patches of shape ``(n, size, size)``.
    """
    from sklearn.datasets import load_sample_images

    n = check_int("n", n, minimum=1, maximum=1_000_000)
    size = check_int("size", size, minimum=2)
    # the smaller photograph side is 427 pixels
    downscale = check_int("downscale", downscale, minimum=1, maximum=427 // 2)
    seed = check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    grey = []
    for photo in load_sample_images().images:  # (427, 640, 3) uint8
        g = photo.mean(axis=2) / 255.0
        h, w = (s // downscale * downscale for s in g.shape)
        g = g[:h, :w].reshape(h // downscale, downscale, w // downscale, downscale)
        grey.append(g.mean(axis=(1, 3)))
    side = min(min(g.shape) for g in grey)
    if size > side:
        raise ValueError(
            f"size must be at most {side}, the smaller side of the photographs "
            f"shrunk by downscale={downscale}, got size={size}"
        )
    which = rng.integers(0, len(grey), size=n)
    patches = np.empty((n, size, size))
    for k, i in enumerate(which):
        h, w = grey[i].shape
        r, c = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
        p = grey[i][r : r + size, c : c + size]
        patches[k] = (p - p.min()) / max(p.max() - p.min(), 1e-6)
    return torch.tensor(patches, dtype=torch.float32)
