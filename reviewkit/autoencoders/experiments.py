"""The autoencoder chapter's named models, and the lab the tests train them in.

The pages train the configurations below with
:func:`~reviewkit.autoencoders.training.train_autoencoder` and probe them with
:func:`~reviewkit.autoencoders.probes.probe_accuracy` in their visible cells
(the build puts a :class:`~reviewkit.autoencoders.cache.ModelCache` and
:func:`probe_once` behind those two calls). The tests run the same
experiments through a :class:`Lab`, which holds the data, the seeds and a
cache; they pass a smaller :class:`LabSize` (fewer epochs, fewer images), so
they check the pages' claims faster.

.. code-block:: python

    lab = Lab()                                  # digits, seeds (0, 1, 2), cache
    model = lab.model("denoising", seed=0)       # trained once, then cached
    lab.probe(model)                             # linear-probe test accuracy
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import torch

from reviewkit.autoencoders.cache import ModelCache
from reviewkit.autoencoders.corruptions import (
    Corruption,
    GaussianNoise,
    PatchMask,
    PixelMask,
)
from reviewkit.autoencoders.data import (
    DigitSplit,
    load_digits_split,
    photo_patches,
    upsample,
)
from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.probes import mean_std, probe_accuracy
from reviewkit.autoencoders.training import TrainedAutoencoder
from reviewkit.checks import (
    check_distinct,
    check_instance,
    check_int,
    check_seed,
    check_tuple,
)

__all__ = [
    "MASKS_16",
    "NOISE_STD",
    "OVERFIT",
    "OVERFIT_TRAIN",
    "SEEDS",
    "VARIANTS",
    "Lab",
    "LabSize",
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
#: epochs are the point, so :class:`LabSize` never shortens them.
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


@dataclass(frozen=True)
class LabSize:
    """How big the chapter's experiments are; tests shrink it, pages keep it.

    Attributes:
        seeds: Seeds to repeat every experiment with.
        epochs: Epochs of every named model except :data:`OVERFIT`; ``None``
            keeps each configuration's own.
        masked_train: Training images of the 16x16 masked models (the first
            ones of the training split); ``None`` uses all of them.
    """

    # three seeds: enough for a spread, and each model trains in about a second
    seeds: tuple[int, ...] = SEEDS
    # None: the configurations' 50 epochs; the claims already hold at 30,
    # except 1g's pixel-masking model against interpolation (tested at full size)
    epochs: int | None = None
    # None: all 1257; 16x16 models are four times bigger, so tests use fewer
    masked_train: int | None = None

    def __post_init__(self) -> None:
        """Check the fields."""
        check_distinct("seeds", check_tuple("seeds", self.seeds, check_seed))
        if len(self.seeds) < 2:
            raise ValueError(f"seeds must hold at least two seeds, got {self.seeds!r}")
        if self.epochs is not None:
            check_int("epochs", self.epochs, minimum=1)
        if self.masked_train is not None:
            check_int("masked_train", self.masked_train, minimum=10)


class Lab:
    """The chapter's data, seeds and trained models, shared by pages and tests.

    Data sets are loaded on first use; models come from the cache, so a model
    one page trained is loaded by the next.

    Args:
        size: How big the experiments are; ``None`` uses :class:`LabSize`'s
            defaults (the pages' size).
        cache: Where trained models are kept; ``None`` makes a
            :class:`~reviewkit.autoencoders.cache.ModelCache` in its default
            folder.
    """

    def __init__(self, size: LabSize | None = None, cache: ModelCache | None = None):
        self.size = LabSize() if size is None else check_instance("size", size, LabSize)
        self.cache = ModelCache() if cache is None else cache
        check_instance("cache", self.cache, ModelCache)

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seeds of every experiment."""
        return self.size.seeds

    @functools.cached_property
    def digits(self) -> DigitSplit:
        """Digits split 1257 / 180 / 360 with seed 0, images ``(N, 8, 8)``."""
        return load_digits_split(seed=0)

    @functools.cached_property
    def big_digits(self) -> DigitSplit:
        """The same digits upsampled to ``(N, 16, 16)`` (1g)."""
        return self.digits.map_images(lambda x: upsample(x, 16))

    @functools.cached_property
    def photos(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Photo patches to train on (1437) and to validate (180), ``(N, 8, 8)``."""
        return photo_patches(1437, seed=0), photo_patches(180, seed=1)

    def config(self, name: str) -> AutoencoderConfig:
        """The configuration of a model in :data:`VARIANTS`, at this lab's size."""
        if name not in VARIANTS:
            raise ValueError(f"name must be one of {list(VARIANTS)}, got {name!r}")
        config = VARIANTS[name]
        if self.size.epochs is not None:
            config = replace(config, epochs=self.size.epochs)
        return config

    def model(self, name: str, seed: int) -> TrainedAutoencoder:
        """The model ``name`` of :data:`VARIANTS`, trained on digits with ``seed``."""
        d = self.digits
        return self.cache.get(self.config(name), d.x_train, d.x_val, seed)

    def models(self, name: str) -> list[TrainedAutoencoder]:
        """The model called ``name`` for every seed of the lab."""
        return [self.model(name, s) for s in self.seeds]

    def overfit_model(self, seed: int) -> TrainedAutoencoder:
        """:data:`OVERFIT` trained on the first :data:`OVERFIT_TRAIN` digits (1a)."""
        d = self.digits
        return self.cache.get(OVERFIT, d.x_train[:OVERFIT_TRAIN], d.x_val, seed)

    def masked_model(self, mask: str, seed: int) -> TrainedAutoencoder:
        """The 16x16 masked autoencoder of 1g for the mask in :data:`MASKS_16`."""
        if mask not in MASKS_16:
            raise ValueError(f"mask must be one of {list(MASKS_16)}, got {mask!r}")
        config = masked_config(MASKS_16[mask])
        if self.size.epochs is not None:
            config = replace(config, epochs=self.size.epochs)
        d = self.big_digits
        x_train = d.x_train[: self.size.masked_train]
        return self.cache.get(config, x_train, d.x_val, seed)

    def probe(self, model: TrainedAutoencoder, data: DigitSplit | None = None) -> float:
        """Linear-probe test accuracy of ``model``'s codes, with every label.

        Args:
            model: The autoencoder whose encoder makes the features.
            data: The split to probe on; ``None`` uses :attr:`digits`.

        Returns:
            The share of test images the probe classifies correctly.
        """
        d = self.digits if data is None else data
        return probe_once(
            model.encode(d.x_train), d.y_train, model.encode(d.x_test), d.y_test
        )

    def raw_accuracy(self, data: DigitSplit | None = None) -> float:
        """The same probe on raw pixels (the chapter's baseline)."""
        d = self.digits if data is None else data
        return probe_once(d.x_train, d.y_train, d.x_test, d.y_test)

    def raw_features(self, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw training and test pixels, for :func:`~.probes.label_efficiency`.

        The seed is ignored: pixels do not depend on it.
        """
        return self.digits.x_train, self.digits.x_test

    def code_features(
        self, models: Callable[[int], TrainedAutoencoder]
    ) -> Callable[[int], tuple[torch.Tensor, torch.Tensor]]:
        """A ``featurize(seed)`` for :func:`~.probes.label_efficiency` from models.

        Args:
            models: Maps a seed to the autoencoder trained with it, for
                example ``lambda s: lab.model("denoising", s)``.

        Returns:
            A function from a seed to the codes of the training and test digits.
        """

        def featurize(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
            model = models(seed)
            return model.encode(self.digits.x_train), model.encode(self.digits.x_test)

        return featurize


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
