"""Tests for reviewkit.autoencoders.cache."""

import torch

from reviewkit.autoencoders.cache import ModelCache, default_cache_dir
from reviewkit.autoencoders.data import load_digits_split
from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.training import train_autoencoder

TINY = AutoencoderConfig(hidden=16, code_size=4, epochs=3)


def _data():
    d = load_digits_split(seed=0)
    return d.x_train[:200], d.x_val[:50]


def _same_weights(a, b):
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_cache_hit_returns_identical_weights_from_memory_and_disk(tmp_path):
    """A cache hit, from memory or from disk, returns the same weights untrained."""
    x_train, x_val = _data()
    cache = ModelCache(tmp_path)
    first = cache.get(TINY, x_train, x_val, seed=1)
    assert cache.get(TINY, x_train, x_val, seed=1) is first
    assert (cache.hits, cache.misses) == (1, 1)
    fresh = ModelCache(tmp_path)
    loaded = fresh.get(TINY, x_train, x_val, seed=1)
    assert (fresh.hits, fresh.misses) == (1, 0)
    assert _same_weights(first, loaded) and loaded.val_loss == first.val_loss
    assert _same_weights(loaded, train_autoencoder(TINY, x_train, x_val, seed=1))


def test_cache_misses_on_a_different_config_seed_or_data(tmp_path):
    """Changing the config, the seed or the training data trains a new model."""
    x_train, x_val = _data()
    cache = ModelCache(tmp_path)
    cache.get(TINY, x_train, x_val, seed=1)
    cache.get(AutoencoderConfig(hidden=16, code_size=5, epochs=3), x_train, x_val, 1)
    cache.get(TINY, x_train, x_val, seed=2)
    cache.get(TINY, x_train[:100], x_val, seed=1)
    assert (cache.hits, cache.misses) == (0, 4)
    assert len(list(tmp_path.glob("*.pt"))) == 4


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    """REVIEWKIT_CACHE_DIR sets the default cache folder."""
    monkeypatch.setenv("REVIEWKIT_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    assert ModelCache().directory == tmp_path


def test_unwritable_cache_folder_falls_back_to_memory(tmp_path):
    """A cache folder that cannot be created still trains and caches in memory."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    x_train, x_val = _data()
    cache = ModelCache(blocker / "cache")
    first = cache.get(TINY, x_train, x_val, seed=0)
    assert cache.get(TINY, x_train, x_val, seed=0) is first
    assert not cache.disk
