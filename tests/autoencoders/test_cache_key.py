"""Tests for reviewkit.autoencoders.cache_key: what the model cache's key covers."""

import importlib.util
import sys
import warnings

import pytest
import torch
from autoencoders.tiny import tiny_data

from reviewkit.autoencoders.cache import ModelCache
from reviewkit.autoencoders.cache_key import (
    ModelCacheWarning,
    code_fingerprint,
    training_key,
    user_code_digest,
)
from reviewkit.autoencoders.corruptions import Compose, GaussianNoise, PixelMask
from reviewkit.autoencoders.models import AutoencoderConfig

TINY = AutoencoderConfig(hidden=16, code_size=4, epochs=2)

CORRUPTION_SOURCE = '''
import torch
from dataclasses import dataclass


@dataclass(frozen=True)
class Darken:
    """A user's corruption: scale every pixel down (the mask is all True)."""

    def __call__(self, x, generator):
        return x * {factor}, torch.ones_like(x, dtype=torch.bool)
'''


def _import_corruption(tmp_path, name, factor):
    """Write the user's corruption module with ``factor`` and import it afresh."""
    path = tmp_path / f"{name}.py"
    path.write_text(CORRUPTION_SOURCE.format(factor=factor))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.Darken()


def test_key_changes_with_seed_config_and_data_but_not_with_dtype():
    """The key follows seed, config and images; a float64 copy keys the same."""
    x_train, x_val = tiny_data(100, 30)
    base = training_key(TINY, x_train, x_val, 0)
    assert training_key(TINY, x_train.double(), x_val.double(), 0) == base
    assert training_key(TINY, x_train, x_val, 1) != base
    other = AutoencoderConfig(hidden=17, code_size=4, epochs=2)
    assert training_key(other, x_train, x_val, 0) != base
    changed = x_train.clone()
    changed[0, 0, 0] += 0.5
    assert training_key(TINY, changed, x_val, 0) != base


def test_package_corruptions_add_no_user_code():
    """Corruptions of this package are covered by the code fingerprint instead."""
    empty = user_code_digest(AutoencoderConfig())
    config = AutoencoderConfig(corruption=Compose((GaussianNoise(0.1), PixelMask(0.5))))
    assert user_code_digest(config) == empty
    assert len(code_fingerprint()) == 64


def test_changed_user_corruption_code_changes_the_key(tmp_path):
    """Editing a user's corruption (same repr) gives a new key, and retrains.

    As between two builds: the key is taken, the module's file is edited and
    imported again, and the key is taken again (the source is read as it is
    on disk when the key is computed).
    """
    x_train, x_val = tiny_data(100, 30)
    cache = ModelCache(tmp_path / "cache")

    def config_and_digests(factor):
        corruption = _import_corruption(tmp_path, "user_corruption_a2", factor)
        config = AutoencoderConfig(
            hidden=16, code_size=4, epochs=2, corruption=corruption
        )
        nested = AutoencoderConfig(corruption=Compose((GaussianNoise(0.1), corruption)))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            trained = cache.get(config, x_train, x_val, 0)
        return (
            repr(corruption),
            training_key(config, x_train, x_val, 0),
            user_code_digest(nested),
            trained,
        )

    old = config_and_digests(0.5)
    new = config_and_digests(0.25)
    assert old[0] == new[0]  # same repr
    assert old[1] != new[1] and old[2] != new[2]  # new key, also inside Compose
    assert (cache.hits, cache.misses) == (0, 2)
    assert old[3].val_loss != new[3].val_loss  # really trained with the new code


def test_unreadable_user_code_is_reported_and_keyed_by_repr():
    """Unreadable corruption source: one warning, and its repr is hashed."""
    namespace = {}
    exec(  # a class with no source file, as in an interactive session
        "import torch\n"
        "class Shift:\n"
        "    def __repr__(self):\n"
        "        return 'Shift()'\n"
        "    def __call__(self, x, generator):\n"
        "        return x + 0.1, torch.ones_like(x, dtype=torch.bool)\n",
        namespace,
    )
    namespace["Shift"].__module__ = "interactive_a2"
    config = AutoencoderConfig(corruption=namespace["Shift"]())
    with pytest.warns(ModelCacheWarning, match="cannot read the source code"):
        first = user_code_digest(config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once per class, not on every key
        assert user_code_digest(config) == first
    assert first != user_code_digest(AutoencoderConfig())


def test_user_function_corruption_is_keyed_by_its_source(tmp_path):
    """A plain function used as a corruption is keyed by its source code."""

    def brighten(x, generator):
        return (x + 0.2).clamp(max=1), torch.ones_like(x, dtype=torch.bool)

    digest = user_code_digest(AutoencoderConfig(corruption=brighten))
    assert digest != user_code_digest(AutoencoderConfig())


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: user_code_digest("config"), TypeError, "config"),
        (
            lambda: training_key(TINY, torch.zeros(3, 8, 8), torch.zeros(2, 8, 8), -1),
            ValueError,
            "seed",
        ),
        (
            lambda: training_key(TINY, torch.zeros(3, 8, 8), [1.0], 0),
            TypeError,
            "x_val",
        ),
    ],
)
def test_bad_key_arguments_name_the_argument(call, error, name):
    """Bad arguments to the key functions raise errors naming the argument."""
    with pytest.raises(error, match=name):
        call()
