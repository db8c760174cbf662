"""Tests for reviewkit.autoencoders.training."""

import pytest
import torch

from reviewkit.autoencoders.corruptions import PixelMask
from reviewkit.autoencoders.data import load_digits_split
from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.training import (
    reconstruction_error,
    train_autoencoder,
    untrained_autoencoder,
)

TINY = AutoencoderConfig(hidden=16, code_size=4, epochs=3)


def _data():
    d = load_digits_split(seed=0)
    return d.x_train[:200], d.x_val[:50]


def _same_weights(a, b):
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_training_is_deterministic_and_leaves_global_rng_alone():
    """Same config, data and seed give the same weights; the global RNG is untouched."""
    x_train, x_val = _data()
    state = torch.get_rng_state()
    a = train_autoencoder(TINY, x_train, x_val, seed=4)
    assert torch.equal(state, torch.get_rng_state())
    b = train_autoencoder(TINY, x_train, x_val, seed=4)
    c = train_autoencoder(TINY, x_train, x_val, seed=5)
    assert _same_weights(a, b) and a.val_loss == b.val_loss
    assert not _same_weights(a, c)


def test_losses_are_recorded_per_epoch():
    """Training records one train and one validation loss per epoch, and they fall."""
    x_train, x_val = _data()
    run = train_autoencoder(AutoencoderConfig(epochs=8), x_train, x_val, seed=0)
    assert len(run.train_loss) == len(run.val_loss) == 8
    assert run.val_loss[-1] < run.val_loss[0] and run.train_loss[-1] < run.train_loss[0]


def test_masked_error_scores_only_hidden_pixels():
    """reconstruction_error(on='masked') averages the error over hidden pixels only."""
    m = untrained_autoencoder(TINY, seed=0)
    x = load_digits_split(seed=0).x_test[:10]
    corruption = PixelMask(0.5)
    x_in, mask = corruption(x, torch.Generator().manual_seed(3))
    expected = ((m.reconstruct(x_in) - x) ** 2)[mask].mean().item()
    got = reconstruction_error(m, x, corruption, on="masked", seed=3)
    assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (
            lambda: train_autoencoder(
                TINY, torch.zeros(5, 16, 16), torch.zeros(2, 8, 8), 0
            ),
            ValueError,
            "x_train",
        ),
        (
            lambda: train_autoencoder(TINY, torch.zeros(5, 8, 8), torch.zeros(8, 8), 0),
            ValueError,
            "x_val",
        ),
        (
            lambda: train_autoencoder(
                TINY, torch.zeros(5, 8, 8), torch.zeros(2, 8, 8), -1
            ),
            ValueError,
            "seed",
        ),
        (
            lambda: train_autoencoder(
                {}, torch.zeros(5, 8, 8), torch.zeros(2, 8, 8), 0
            ),
            TypeError,
            "config",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    """Wrong image shapes and out-of-range settings raise errors naming the argument."""
    with pytest.raises(error, match=name):
        call()
