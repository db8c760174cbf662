"""The autoencoder chapter: data, corruptions, models, training, probes, experiments.

One module per concept, in the order a reader meets them:

* :mod:`~reviewkit.autoencoders.data`: digits and photo patches, no downloads;
* :mod:`~reviewkit.autoencoders.corruptions`: noise and masks (what makes an
  autoencoder denoising or masked);
* :mod:`~reviewkit.autoencoders.inpainting`: filling masked pixels with no learning;
* :mod:`~reviewkit.autoencoders.models`: the configuration and the networks;
* :mod:`~reviewkit.autoencoders.training`: the training loop and reconstruction error;
* :mod:`~reviewkit.autoencoders.cache`: trained models kept between pages and builds;
* :mod:`~reviewkit.autoencoders.probes`: linear probes on frozen codes;
* :mod:`~reviewkit.autoencoders.experiments`: the chapter's named models and
  the helpers its pages share;
* :mod:`~reviewkit.autoencoders.transfer`: the settings and results of codes
  learned on photographs, probed on digits (1e).

The names below are the chapter's main entry points, importable from here.
"""

from reviewkit.autoencoders.cache import ModelCache, ModelCacheWarning
from reviewkit.autoencoders.corruptions import (
    Compose,
    GaussianNoise,
    NoCorruption,
    PatchMask,
    PixelMask,
)
from reviewkit.autoencoders.data import load_digits_split, photo_patches, upsample
from reviewkit.autoencoders.inpainting import inpaint_from_neighbours
from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.probes import label_efficiency, probe_accuracy
from reviewkit.autoencoders.training import (
    TrainedAutoencoder,
    reconstruction_error,
    train_autoencoder,
    untrained_autoencoder,
)

__all__ = [
    "AutoencoderConfig",
    "Compose",
    "GaussianNoise",
    "ModelCache",
    "ModelCacheWarning",
    "NoCorruption",
    "PatchMask",
    "PixelMask",
    "TrainedAutoencoder",
    "inpaint_from_neighbours",
    "label_efficiency",
    "load_digits_split",
    "photo_patches",
    "probe_accuracy",
    "reconstruction_error",
    "train_autoencoder",
    "untrained_autoencoder",
    "upsample",
]
