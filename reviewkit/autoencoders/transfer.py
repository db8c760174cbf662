r"""Transfer from photographs to digits: do codes learned on other data help (1e)?

A wide autoencoder is trained on grey patches of scikit-learn's two sample
photographs, then its encoder, frozen, turns *digits* into codes, and a linear
probe is fitted with only a few labels per class. Two baselines isolate what
the photographs taught: raw pixels, and the same network with its random
initial weights (a random nonlinear projection of the same width).

Every comparison is paired: for seed :math:`s` the photo-trained and the
untrained network start from the same seed, and all three feature sets are
probed on the same labelled digits. The gain over a baseline is reported as
the mean of the per-seed differences :math:`d_s` with its standard error,

.. math::

    \bar d = \frac{1}{n}\sum_{s=1}^{n} d_s, \qquad
    \mathrm{SE} = \frac{1}{\sqrt n}
        \sqrt{\frac{1}{n-1}\sum_{s=1}^{n} (d_s - \bar d)^2}

The page writes the experiment out in its visible cells; this module holds
its settings and its results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.checks import (
    check_choice,
    check_distinct,
    check_int,
    check_seed,
    check_tuple,
)

__all__ = ["TransferConfig", "TransferResult"]


@dataclass(frozen=True)
class TransferConfig:
    """The photo-to-digits transfer experiment of 1e.

    Attributes:
        hidden: Width of the autoencoder's hidden layers.
        code_size: Length of its code.
        epochs: Passes over the photo patches.
        n_patches: Photo patches to train on (8x8, seed 0).
        seeds: One paired comparison per seed (model seed and label draw).
        labels_per_class: Labelled digits per class the probe gets.
    """

    # four times the chapter's default width: room for many local photo features
    hidden: int = 512
    # 128 numbers for 64 pixels: an overcomplete code keeps what the photos taught
    code_size: int = 128
    # the validation loss is flat by then (50 epochs probed the same)
    epochs: int = 30
    # as many patches as digits in the chapter's training and validation sets
    n_patches: int = 1437
    # eight paired comparisons: enough for a standard error of the gain
    seeds: tuple[int, ...] = tuple(range(8))
    # few labels, where transfer could matter, up to where it stops mattering
    labels_per_class: tuple[int, ...] = (1, 2, 3, 5, 10)

    def __post_init__(self) -> None:
        """Check every field and name the one that is wrong."""
        check_int("hidden", self.hidden, minimum=1)
        check_int("code_size", self.code_size, minimum=1)
        check_int("epochs", self.epochs, minimum=1)
        check_int("n_patches", self.n_patches, minimum=10)
        check_distinct("seeds", check_tuple("seeds", self.seeds, check_seed))
        if len(self.seeds) < 2:
            raise ValueError(f"seeds must hold at least two seeds, got {self.seeds!r}")
        counts = check_tuple(
            "labels_per_class",
            self.labels_per_class,
            lambda name, v: check_int(name, v, minimum=1),
        )
        check_distinct("labels_per_class", counts)

    def autoencoder(self) -> AutoencoderConfig:
        """The autoencoder configuration (a vanilla MLP on 8x8 images)."""
        return AutoencoderConfig(
            hidden=self.hidden, code_size=self.code_size, epochs=self.epochs
        )


@dataclass(frozen=True)
class TransferResult:
    """Probe accuracies of the three feature sets, one row per seed.

    Attributes:
        config: The experiment's settings.
        photo: Photo-trained codes, shape ``(seeds, counts)``.
        untrained: Codes of the untrained network, same shape.
        raw: Raw pixels, same shape.
        photo_all: Photo-trained codes with every label, shape ``(seeds,)``.
        raw_all: Raw pixels with every label.
    """

    config: TransferConfig
    photo: np.ndarray
    untrained: np.ndarray
    raw: np.ndarray
    photo_all: np.ndarray
    raw_all: float

    def gain(self, baseline: str) -> np.ndarray:
        """Per-seed accuracy of photo codes minus ``"raw"`` or ``"untrained"``.

        Returns:
            The paired differences, shape ``(seeds, counts)``.
        """
        check_choice("baseline", baseline, ("raw", "untrained"))
        return self.photo - getattr(self, baseline)

    def gain_mean_se(self, baseline: str) -> tuple[np.ndarray, np.ndarray]:
        """Mean paired gain over ``baseline`` and its standard error, per count.

        Returns:
            ``(mean, se)``, each of shape ``(counts,)``.
        """
        d = self.gain(baseline)  # (seeds, counts)
        # SE = std(d, ddof=1) / sqrt(n)
        return d.mean(axis=0), d.std(axis=0, ddof=1) / np.sqrt(len(d))
