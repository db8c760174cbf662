"""Tests for reviewkit.autoencoders.models."""

import pytest
import torch

from reviewkit.autoencoders.data import load_digits_split, upsample
from reviewkit.autoencoders.models import (
    AutoencoderConfig,
    ConvAutoencoder,
    MLPAutoencoder,
    build_model,
)
from reviewkit.autoencoders.training import untrained_autoencoder


def test_code_shapes_follow_the_config():
    """MLP codes are (N, code_size); conv codes are maps that grow with the image."""
    x = load_digits_split(seed=0).x_test[:3]
    over = untrained_autoencoder(AutoencoderConfig(code_size=128), seed=0)
    assert over.encode(x).shape == (3, 128)
    assert over.reconstruct(x).shape == x.shape
    conv = untrained_autoencoder(
        AutoencoderConfig(arch="conv", hidden=4, code_size=8), 0
    )
    assert conv.encode(x).shape == (3, 8, 4, 4)
    assert conv.encode(upsample(x, 16)).shape == (3, 8, 8, 8)


def test_build_model_follows_the_architecture():
    """build_model gives an MLP or a conv autoencoder whose output lies in [0, 1]."""
    mlp = build_model(AutoencoderConfig(hidden=8, code_size=3), seed=0)
    conv = build_model(AutoencoderConfig(arch="conv", hidden=4, code_size=2), seed=0)
    assert isinstance(mlp, MLPAutoencoder) and isinstance(conv, ConvAutoencoder)
    x = torch.rand(2, 8, 8, generator=torch.Generator().manual_seed(0))
    for model in (mlp, conv):
        out = model(x)
        assert out.shape == x.shape and (out >= 0).all() and (out <= 1).all()


@pytest.mark.parametrize(
    "config",
    [
        AutoencoderConfig(),
        AutoencoderConfig(hidden=512, code_size=128),
        AutoencoderConfig(arch="conv", hidden=4, code_size=8),
    ],
)
@pytest.mark.parametrize("seed", [0, 7])
def test_generator_init_reproduces_torch_default_init(config, seed):
    """Weights drawn from a seeded generator equal torch's init after manual_seed."""
    # The reference is PyTorch's ``reset_parameters`` run under the global RNG;
    # build_model must match it bit for bit without touching the global state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if config.arch == "conv":
            reference = ConvAutoencoder(config.hidden, config.code_size)
        else:
            reference = MLPAutoencoder(
                config.image_shape, config.hidden, config.code_size
            )
    state = torch.get_rng_state()
    model = build_model(config, seed)
    assert torch.equal(state, torch.get_rng_state())
    ref, got = reference.state_dict(), model.state_dict()
    assert ref.keys() == got.keys()
    assert all(torch.equal(ref[k], got[k]) for k in ref)


def test_build_model_takes_a_generator_and_ignores_the_global_rng():
    """A generator and its seed give the same weights, whatever the global RNG holds."""
    config = AutoencoderConfig(hidden=8, code_size=3)
    a = build_model(config, torch.Generator().manual_seed(5))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(123)
        b = build_model(config, 5)
    assert all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: AutoencoderConfig(code_size=0), ValueError, "code_size"),
        (lambda: AutoencoderConfig(loss_on="some"), ValueError, "loss_on"),
        (lambda: AutoencoderConfig(target="noisy"), ValueError, "target"),
        (lambda: AutoencoderConfig(image_shape=(8,)), ValueError, "image_shape"),
        (lambda: AutoencoderConfig(corruption="noise"), TypeError, "corruption"),
        (lambda: AutoencoderConfig(lr=0), ValueError, "lr"),
        (lambda: AutoencoderConfig(arch="rnn"), ValueError, "arch"),
        (lambda: AutoencoderConfig(loss_on="masked"), ValueError, "loss_on"),
        (lambda: build_model(AutoencoderConfig(), seed="0"), TypeError, "seed"),
        (lambda: build_model("mlp", seed=0), TypeError, "config"),
        (
            lambda: AutoencoderConfig(arch="conv", image_shape=(7, 8)),
            ValueError,
            "image_shape",
        ),
    ],
)
def test_bad_config_names_the_field(call, error, name):
    """Out-of-range or mistyped settings raise errors naming the field."""
    with pytest.raises(error, match=name):
        call()


def test_numpy_ints_in_image_shape_become_ints():
    """image_shape of numpy ints is accepted as (8, 8), with the same repr (cache key);
    it was refused as not 'a tuple (H, W) of positive ints'."""
    import numpy as np

    config = AutoencoderConfig(image_shape=(np.int64(8), np.int32(8)))
    assert config.image_shape == (8, 8) and type(config.image_shape[0]) is int
    assert repr(config) == repr(AutoencoderConfig())
