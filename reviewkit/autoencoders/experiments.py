"""The autoencoder chapter's named models and the helpers its pages share.

The pages train the configurations below with
:func:`~reviewkit.autoencoders.training.train_autoencoder` and probe them with
:func:`~reviewkit.autoencoders.probes.probe_accuracy` in their visible cells
(the build puts a :class:`~reviewkit.autoencoders.cache.ModelCache` and
:func:`probe_once` behind those two calls, so a model one page trained is
loaded by the next). The tests run the same experiments at a smaller size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
import torch

from reviewkit.autoencoders.corruptions import (
    Corruption,
    GaussianNoise,
    PatchMask,
    PixelMask,
)
from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.probes import mean_std, probe_accuracy

__all__ = [
    "MASKS_16",
    "NOISE_STD",
    "OVERFIT",
    "OVERFIT_TRAIN",
    "SEEDS",
    "VARIANTS",
    "masked_config",
    "probe_once",
    "stats",
]

#: The seeds every experiment is repeated with (each sets the initial weights,
#: the minibatch order, the corruptions and which images are labelled).
SEEDS: tuple[int, ...] = (0, 1, 2)

#: Standard deviation of the chapter's Gaussian noise (denoising, 1b, 1c, 1h-1j).
NOISE_STD = 0.3

_NOISE = GaussianNoise(std=NOISE_STD)

#: The chapter's named autoencoders on 8x8 digits, by the name the pages use.
VARIANTS: Mapping[str, AutoencoderConfig] = MappingProxyType(
    {
        "code 2": AutoencoderConfig(code_size=2),
        "code 8": AutoencoderConfig(code_size=8),
        "code 32": AutoencoderConfig(),
        "code 128": AutoencoderConfig(code_size=128),
        "denoising": AutoencoderConfig(corruption=_NOISE),
        "augmented": AutoencoderConfig(corruption=_NOISE, target="corrupted"),
        "pixel masked": AutoencoderConfig(corruption=PixelMask(ratio=0.5)),
        "patch masked": AutoencoderConfig(
            corruption=PatchMask(ratio=0.5, patch_size=2)
        ),
        "overcomplete denoising": AutoencoderConfig(code_size=128, corruption=_NOISE),
    }
)

#: A model too big for its :data:`OVERFIT_TRAIN` training images (1a); its
#: epochs are the point, so the tests never shorten them.
OVERFIT = AutoencoderConfig(hidden=256, code_size=64, epochs=300)

#: How many training digits (the first ones) :data:`OVERFIT` is trained on:
#: few enough that a model of its size memorises them.
OVERFIT_TRAIN = 100

#: The two masks of 1g for 16x16 upsampled digits (75 % of pixels or of patches).
MASKS_16: Mapping[str, Corruption] = MappingProxyType(
    {
        "pixels": PixelMask(ratio=0.75),
        "4x4 patches": PatchMask(ratio=0.75, patch_size=4),
    }
)


def masked_config(mask: Corruption) -> AutoencoderConfig:
    """The masked autoencoder of 1g for 16x16 digits, scored on hidden pixels only.

    Args:
        mask: The corruption, usually one of :data:`MASKS_16`.

    Returns:
        Its configuration.
    """
    return AutoencoderConfig(image_shape=(16, 16), corruption=mask, loss_on="masked")


# probe accuracies by a hash of the features and labels: a page asks for some
# twice (1a and 1b probe the same models), and a fit is deterministic
_PROBES: dict[str, float] = {}


def probe_once(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
) -> float:
    """:func:`~.probes.probe_accuracy`, fitted once per distinct input in a process.

    Takes and returns what :func:`~.probes.probe_accuracy` does (with its
    default probe); the pages put it behind that name when the site is built.
    Inputs that are not all tensors are not remembered: they go straight to
    :func:`~.probes.probe_accuracy`, which checks them.
    """
    tensors = (x_train, y_train, x_test, y_test)
    if not all(isinstance(t, torch.Tensor) for t in tensors):
        return probe_accuracy(*tensors)
    digest = hashlib.sha256()
    for t in tensors:
        t = t.detach().cpu().contiguous()
        digest.update(f"{t.dtype}{tuple(t.shape)}".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    key = digest.hexdigest()
    if key not in _PROBES:
        _PROBES[key] = probe_accuracy(x_train, y_train, x_test, y_test)
    return _PROBES[key]


def stats(name: str, values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Mean and sample standard deviation of per-seed results, named for the prose.

    Args:
        name: The quantity's name, for example ``"fit_gap"``.
        values: One result per seed (at least two).

    Returns:
        ``{f"{name}_mean": mean, f"{name}_std": std}``.
    """
    mean, std = mean_std(values)
    return {f"{name}_mean": mean, f"{name}_std": std}
