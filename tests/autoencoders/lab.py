"""The autoencoder chapter's experiments at test size: a lab and the 1e run.

The pages write their experiments out in visible cells with the library's
public calls (``train_autoencoder``, ``probe_accuracy``); the tests run the
same experiments through a :class:`Lab`, which holds the data, the seeds and
a cache, at a smaller :class:`LabSize` (fewer epochs, fewer images), so they
check the pages' claims faster. Imported by name
(``from autoencoders.lab import Lab``), as :mod:`autoencoders.tiny` is.

.. code-block:: python

    lab = Lab()                                  # digits, seeds (0, 1, 2), cache
    model = lab.model("denoising", seed=0)       # trained once, then cached
    lab.probe(model)                             # linear-probe test accuracy
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from reviewkit.autoencoders.cache import ModelCache
from reviewkit.autoencoders.data import (
    DigitSplit,
    load_digits_split,
    photo_patches,
    upsample,
)
from reviewkit.autoencoders.experiments import (
    MASKS_16,
    OVERFIT,
    OVERFIT_TRAIN,
    SEEDS,
    VARIANTS,
    masked_config,
    probe_once,
)
from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.probes import label_efficiency
from reviewkit.autoencoders.training import TrainedAutoencoder, untrained_autoencoder
from reviewkit.autoencoders.transfer import TransferConfig, TransferResult


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


class Lab:
    """The chapter's data, seeds and trained models, shared by the tests.

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
        self.size = LabSize() if size is None else size
        self.cache = ModelCache() if cache is None else cache

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


def transfer_experiment(
    lab: Lab, config: TransferConfig | None = None
) -> TransferResult:
    """Train the wide autoencoder on photo patches and probe it on digits.

    Models come from ``lab.cache``; the digits are ``lab.digits``; the photo
    patches are cut with seed 0 (training) and seed 1 (validation, 180), as
    ``lab.photos`` holds them.

    Args:
        lab: The chapter's lab (its seeds are not used: ``config.seeds`` are).
        config: The experiment; ``None`` uses :class:`TransferConfig` defaults.

    Returns:
        Accuracies of photo codes, untrained codes and raw pixels.
    """
    config = TransferConfig() if config is None else config
    ae = config.autoencoder()
    # the lab's patches when the count matches (cutting patches takes a second)
    lab_train, val = lab.photos  # (1437, 8, 8), (180, 8, 8)
    if config.n_patches == len(lab_train):
        train = lab_train
    else:
        train = photo_patches(config.n_patches, seed=0)  # (n_patches, 8, 8)
    d = lab.digits
    photo = lab.code_features(lambda s: lab.cache.get(ae, train, val, s))
    untrained = lab.code_features(lambda s: untrained_autoencoder(ae, s))
    counts, seeds = config.labels_per_class, config.seeds

    def curve(featurize):
        return label_efficiency(featurize, d.y_train, d.y_test, counts, seeds)

    photo_all = [lab.probe(lab.cache.get(ae, train, val, s)) for s in seeds]
    return TransferResult(
        config=config,
        photo=curve(photo).accuracies,
        untrained=curve(untrained).accuracies,
        raw=curve(lab.raw_features).accuracies,
        photo_all=np.array(photo_all),
        raw_all=lab.raw_accuracy(),
    )
