"""Small, shared versions of the autoencoder chapter's experiments (not a test module).

The claim tests in ``test_autoencoders.py`` and ``test_probes.py`` need the
same trained models; this module trains each one once per test session, with
fewer epochs than the pages use, in an in-memory cache.
"""

from __future__ import annotations

import functools

import torch

from reviewkit.autoencoders import AutoencoderConfig, ModelCache, TrainedAutoencoder
from reviewkit.corruptions import GaussianNoise, PatchMask, PixelMask
from reviewkit.data import DigitSplit, load_digits_split, photo_patches, upsample
from reviewkit.probes import probe_accuracy

SEEDS = (0, 1, 2)
EPOCHS = 30  # the pages use 50; the claims already hold at 30

CONFIGS = {
    "code 2": AutoencoderConfig(code_size=2, epochs=EPOCHS),
    "code 8": AutoencoderConfig(code_size=8, epochs=EPOCHS),
    "code 32": AutoencoderConfig(epochs=EPOCHS),
    "code 128": AutoencoderConfig(code_size=128, epochs=EPOCHS),
    "denoising": AutoencoderConfig(corruption=GaussianNoise(0.3), epochs=EPOCHS),
    "augmented": AutoencoderConfig(
        corruption=GaussianNoise(0.3), target="corrupted", epochs=EPOCHS
    ),
    "pixel masked": AutoencoderConfig(corruption=PixelMask(0.5), epochs=EPOCHS),
    "patch masked": AutoencoderConfig(corruption=PatchMask(0.5, 2), epochs=EPOCHS),
}
MASKS_16 = {"pixels": PixelMask(0.75), "patches": PatchMask(0.75, 4)}

_cache = ModelCache(disk=False)


@functools.cache
def digits() -> DigitSplit:
    return load_digits_split(seed=0)


@functools.cache
def big_digits() -> DigitSplit:
    return digits().map_images(lambda x: upsample(x, 16))


@functools.cache
def photos() -> tuple[torch.Tensor, torch.Tensor]:
    return photo_patches(1437, seed=0), photo_patches(180, seed=1)


def model(name: str, seed: int) -> TrainedAutoencoder:
    d = digits()
    return _cache.get(CONFIGS[name], d.x_train, d.x_val, seed)


def photo_model(seed: int) -> TrainedAutoencoder:
    train, val = photos()
    return _cache.get(AutoencoderConfig(epochs=EPOCHS), train, val, seed)


def masked_16(name: str, seed: int) -> TrainedAutoencoder:
    d = big_digits()
    config = AutoencoderConfig(
        image_shape=(16, 16),
        corruption=MASKS_16[name],
        loss_on="masked",
        epochs=EPOCHS,
    )
    return _cache.get(config, d.x_train[:600], d.x_val, seed)  # half, for speed


def probe(m: TrainedAutoencoder, data: DigitSplit | None = None) -> float:
    d = digits() if data is None else data
    return probe_accuracy(m.encode(d.x_train), d.y_train, m.encode(d.x_test), d.y_test)


@functools.cache
def raw_accuracy() -> float:
    d = digits()
    return probe_accuracy(d.x_train, d.y_train, d.x_test, d.y_test)
