"""Tests for reviewkit.autoencoders.cache: keys, hits, copies, damage, locks, prune."""

import hashlib
import io
import os
import subprocess
import sys
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
from autoencoders.tiny import TINY, same_weights, tiny_data

from reviewkit.autoencoders import cache as cache_module
from reviewkit.autoencoders.cache import (
    ModelCache,
    ModelCacheWarning,
    default_cache_dir,
)
from reviewkit.autoencoders.corruptions import Compose, GaussianNoise, PixelMask
from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.training import train_autoencoder


def _only_file(folder):
    (path,) = folder.glob("*.pt")
    return path


@pytest.fixture
def silent():
    """Turn every warning into an error inside the test: the normal path is silent."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_cache_hit_returns_identical_weights_from_memory_and_disk(tmp_path, silent):
    """A hit, from memory or disk, gives the trained weights, silently and untrained."""
    x_train, x_val = tiny_data()
    cache = ModelCache(tmp_path)
    first = cache.get(TINY, x_train, x_val, seed=1)
    again = cache.get(TINY, x_train, x_val, seed=1)
    assert (cache.hits, cache.misses) == (1, 1)
    fresh = ModelCache(tmp_path)
    loaded = fresh.get(TINY, x_train, x_val, seed=1)
    assert (fresh.hits, fresh.misses) == (1, 0)
    assert same_weights(first, again) and same_weights(first, loaded)
    assert loaded.val_loss == first.val_loss and loaded.train_loss == first.train_loss
    assert same_weights(loaded, train_autoencoder(TINY, x_train, x_val, seed=1))


def test_get_returns_an_independent_copy_every_time(tmp_path):
    """Changing a model that get returned does not change what get returns next."""
    x_train, x_val = tiny_data()
    cache = ModelCache(tmp_path)
    first = cache.get(TINY, x_train, x_val, seed=1)
    with torch.no_grad():
        for p in first.model.parameters():
            p.zero_()
    first.val_loss.append(99.0)
    second = cache.get(TINY, x_train, x_val, seed=1)
    assert second is not first and second.model is not first.model
    assert not same_weights(first, second) and 99.0 not in second.val_loss
    assert same_weights(second, train_autoencoder(TINY, x_train, x_val, seed=1))


def test_key_follows_seed_config_and_data_but_not_dtype():
    """The key changes with the seed, the config and the images, not with float64."""
    x_train, x_val = tiny_data(100, 30)
    cache = ModelCache(disk=False)
    base = cache.key(TINY, x_train, x_val, 0)
    assert cache.key(TINY, x_train.double(), x_val.double(), 0) == base
    assert cache.key(TINY, x_train, x_val, 1) != base
    other = AutoencoderConfig(hidden=17, code_size=4, epochs=3)
    assert cache.key(other, x_train, x_val, 0) != base
    noisy = AutoencoderConfig(corruption=Compose((GaussianNoise(0.1), PixelMask(0.5))))
    assert cache.key(noisy, x_train, x_val, 0) != cache.key(
        AutoencoderConfig(corruption=GaussianNoise(0.1)), x_train, x_val, 0
    )
    changed = x_train.clone()
    changed[0, 0, 0] += 0.5
    assert cache.key(TINY, changed, x_val, 0) != base


def test_key_follows_the_training_code(monkeypatch):
    """Editing a training module (here: its bytes as read) gives a new key."""
    x_train, x_val = tiny_data(100, 30)
    cache = ModelCache(disk=False)
    base = cache.key(TINY, x_train, x_val, 0)
    cache_module._code_digest.cache_clear()
    monkeypatch.setattr(cache_module, "_TRAINING_CODE", cache_module._TRAINING_CODE[1:])
    try:
        assert cache.key(TINY, x_train, x_val, 0) != base
    finally:
        cache_module._code_digest.cache_clear()


def test_cache_misses_on_a_different_config_seed_or_data(tmp_path):
    """Changing the config, the seed or the training data trains a new model."""
    x_train, x_val = tiny_data()
    cache = ModelCache(tmp_path)
    cache.get(TINY, x_train, x_val, seed=1)
    cache.get(AutoencoderConfig(hidden=16, code_size=5, epochs=3), x_train, x_val, 1)
    cache.get(TINY, x_train, x_val, seed=2)
    cache.get(TINY, x_train[:100], x_val, seed=1)
    assert (cache.hits, cache.misses) == (0, 4)
    assert len(list(tmp_path.glob("*.pt"))) == 4


class _Darken:
    """A user's corruption: code outside reviewkit, which the key cannot follow."""

    def __call__(self, x, generator):
        return x * 0.5, torch.ones_like(x, dtype=torch.bool)


def test_a_config_with_user_code_is_trained_every_time_and_never_stored(tmp_path):
    """A custom corruption (also in Compose) trains on every get, writing nothing."""
    x_train, x_val = tiny_data(100, 30)
    cache = ModelCache(tmp_path)
    for corruption in (_Darken(), Compose((GaussianNoise(0.1), _Darken()))):
        config = AutoencoderConfig(
            hidden=16, code_size=4, epochs=2, corruption=corruption
        )
        a = cache.get(config, x_train, x_val, 0)
        b = cache.get(config, x_train, x_val, 0)
        assert same_weights(a, b)
    assert (cache.hits, cache.misses) == (0, 4)
    assert list(tmp_path.iterdir()) == []


def test_a_string_seed_is_refused_not_served_the_model_of_seed_0(tmp_path):
    """get(seed='0') raises a TypeError naming seed, even when seed 0 is cached."""
    x_train, x_val = tiny_data()
    cache = ModelCache(tmp_path)
    cache.get(TINY, x_train, x_val, seed=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        cache.get(TINY, x_train, x_val, seed="0")


def test_float64_images_share_the_float32_entry(tmp_path):
    """float64 copies of the images hit the entry of the float32 originals."""
    x_train, x_val = tiny_data()
    cache = ModelCache(tmp_path)
    cache.get(TINY, x_train, x_val, seed=0)
    cache.get(TINY, x_train.double(), x_val.double(), seed=0)
    assert (cache.hits, cache.misses) == (1, 1)


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    """REVIEWKIT_CACHE_DIR sets the default cache folder."""
    monkeypatch.setenv("REVIEWKIT_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    assert ModelCache().directory == tmp_path


def test_an_empty_directory_is_refused():
    """ModelCache('') raises a ValueError naming directory, not the default folder."""
    with pytest.raises(ValueError, match="directory must name a folder, got ''"):
        ModelCache("")


def test_a_hit_on_images_outside_the_unit_range_warns_as_training_did(tmp_path):
    """0-255 images warn on every get, served from memory or disk (hits were silent)."""
    x_train, x_val = tiny_data()
    x_train = x_train * 255
    for cache in (ModelCache(tmp_path), ModelCache(tmp_path), ModelCache(tmp_path)):
        for _ in range(2):  # a miss or a disk hit, then a memory hit
            with warnings.catch_warnings(record=True) as record:
                warnings.simplefilter("always")
                cache.get(TINY, x_train, x_val, seed=0)
            assert [str(w.message)[:16] for w in record] == ["x_train ranges o"]
            assert Path(record[0].filename).name == "test_cache.py"
    assert (cache.hits, cache.misses) == (2, 0)


def test_unwritable_cache_folder_warns_and_falls_back_to_memory(tmp_path):
    """A folder that cannot be created is named in a warning; models stay in memory."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    x_train, x_val = tiny_data()
    cache = ModelCache(blocker / "cache")
    with pytest.warns(ModelCacheWarning, match="memory only") as record:
        first = cache.get(TINY, x_train, x_val, seed=0)
    assert str(blocker / "cache") in str(record[0].message)
    second = cache.get(TINY, x_train, x_val, seed=0)
    assert not cache.disk and (cache.hits, cache.misses) == (1, 1)
    assert same_weights(first, second)


def _file_with_header(content: bytes) -> bytes:
    """Bytes of a model file holding ``content`` under a correct hash header."""
    digest = hashlib.sha256(content).hexdigest().encode()
    return cache_module._MAGIC + digest + b"\n" + content


def _pickled_object() -> bytes:
    buffer = io.BytesIO()
    torch.save({"key": ModelCache, "state_dict": {}}, buffer)
    return buffer.getvalue()


def _flip_a_bit(data: bytes) -> bytes:
    data = bytearray(data)
    data[-200] ^= 0x10  # inside the tensor data, near the end
    return bytes(data)


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda data, other: data[: len(data) // 2], "does not match the hash"),
        (lambda data, other: _flip_a_bit(data), "does not match the hash"),
        (lambda data, other: b"hello", "not a reviewkit model file"),
        (lambda data, other: other, "holds another model"),
        (lambda data, other: _file_with_header(_pickled_object()), "cannot be loaded"),
    ],
    ids=["truncated", "flipped bit", "garbage", "another model", "pickled object"],
)
def test_a_damaged_file_is_reported_retrained_and_replaced(tmp_path, damage, match):
    """A damaged, foreign or unsafe file is named in a warning, retrained, replaced."""
    # The pickled object is refused by torch.load(weights_only=True), and the warning
    # never passes on torch's advice to load it unsafely.
    x_train, x_val = tiny_data()
    original = ModelCache(tmp_path / "main").get(TINY, x_train, x_val, seed=3)
    ModelCache(tmp_path / "other").get(TINY, x_train, x_val, seed=4)
    path, other = _only_file(tmp_path / "main"), _only_file(tmp_path / "other")
    path.write_bytes(damage(path.read_bytes(), other.read_bytes()))
    cache = ModelCache(tmp_path / "main")
    with pytest.warns(ModelCacheWarning, match=match) as record:
        healed = cache.get(TINY, x_train, x_val, seed=3)
    assert str(path) in str(record[0].message)
    assert "weights_only" not in str(record[0].message)
    assert (cache.hits, cache.misses) == (0, 1) and same_weights(healed, original)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the replaced file loads silently
        again = ModelCache(tmp_path / "main")
        assert same_weights(again.get(TINY, x_train, x_val, seed=3), original)
    assert (again.hits, again.misses) == (1, 0)


def test_loads_use_weights_only(tmp_path, monkeypatch):
    """Every load from disk calls torch.load(weights_only=True)."""
    x_train, x_val = tiny_data()
    ModelCache(tmp_path).get(TINY, x_train, x_val, seed=0)
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    ModelCache(tmp_path).get(TINY, x_train, x_val, seed=0)
    assert calls == [True]


def test_four_threads_on_one_key_train_once_and_get_the_same_model(tmp_path):
    """Four threads asking for one key at once: one training, four equal copies."""
    x_train, x_val = tiny_data()
    cache = ModelCache(tmp_path)
    barrier = threading.Barrier(4)

    def ask(_):
        barrier.wait(10)
        return cache.get(TINY, x_train, x_val, seed=5)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(ask, range(4)))
    assert (cache.hits, cache.misses) == (3, 1)
    assert all(same_weights(results[0], r) for r in results[1:])
    assert len({id(r.model) for r in results}) == 4


def test_another_process_training_a_key_makes_get_wait_and_load_its_file(tmp_path):
    """A process holding a key's lock (training) makes get wait, then load its file."""
    # The other process (tests/autoencoders/cache_worker.py) takes the lock, waits half
    # a second and only then writes the file: without the lock, get would find no file
    # and train (a miss). It imports no torch, so the test takes well under a second.
    x_train, x_val = tiny_data()
    source = ModelCache(tmp_path / "source")
    trained = source.get(TINY, x_train, x_val, seed=6)
    cache = ModelCache(tmp_path / "shared")
    cache.directory.mkdir()
    path = cache.path(cache.key(TINY, x_train, x_val, 6))
    worker = Path(__file__).with_name("cache_worker.py")
    files = (path.with_suffix(".lock"), _only_file(source.directory), path)
    with subprocess.Popen(
        [sys.executable, str(worker), *map(str, files)],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout.readline().strip() == "locked"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loaded = cache.get(TINY, x_train, x_val, seed=6)
    assert process.returncode == 0
    assert (cache.hits, cache.misses) == (1, 0) and same_weights(loaded, trained)


def _ages(files, *ages):
    """Set the files' access and modification times, oldest first."""
    for path, age in zip(files, ages, strict=True):
        os.utime(path, (1_000_000 + age, 1_000_000 + age))


def test_prune_removes_least_recently_used_files_first(tmp_path):
    """prune(max_bytes) keeps the most recently used files that fit; prune() empties."""
    x_train, x_val = tiny_data()
    cache = ModelCache(tmp_path)
    files = []
    for seed in (0, 1, 2):
        cache.get(TINY, x_train, x_val, seed)
        files.append(cache.path(cache.key(TINY, x_train, x_val, seed)))
    _ages(files, 1, 0, 2)  # seed 1 oldest, seed 2 newest
    size = files[0].stat().st_size
    assert cache.prune(max_bytes=2 * size) == [files[1]]
    assert cache.prune() == [files[0], files[2]]
    assert list(tmp_path.glob("*.pt")) == []


def test_prune_removes_stale_temporary_files_only(tmp_path):
    """prune() removes a crashed writer's old temp file, not one being written now."""
    cache = ModelCache(tmp_path)
    stale, fresh = tmp_path / "a.pt.1.2.tmp", tmp_path / "b.pt.3.4.tmp"
    stale.write_bytes(cache_module._MAGIC + b"x")
    fresh.write_bytes(cache_module._MAGIC + b"y")
    os.utime(stale, (1_000_000, 1_000_000))
    assert cache.prune() == [stale]
    assert fresh.exists()


def test_prune_removes_files_of_an_older_layout(tmp_path):
    """A file an older cache version wrote (layout 2) is pruned; the old code kept it
    forever, as it kept a user's file."""
    old = tmp_path / ("0" * 32 + ".pt")
    old.write_bytes(b"reviewkit-model-cache 2 sha256=" + b"0" * 64 + b"\nweights")
    mine = tmp_path / "reviewkit-notes.pt"
    mine.write_bytes(b"reviewkit-model-cache, my notes")  # not the header: kept
    assert ModelCache(tmp_path).prune() == [old]
    assert mine.exists()


def test_size_cap_prunes_after_each_write(tmp_path):
    """With max_bytes, the folder never keeps more model files than fit."""
    x_train, x_val = tiny_data()
    probe = ModelCache(tmp_path / "probe")
    probe.get(TINY, x_train, x_val, 0)
    size = _only_file(tmp_path / "probe").stat().st_size
    cache = ModelCache(tmp_path / "capped", max_bytes=size)
    for seed in (0, 1, 2):
        cache.get(TINY, x_train, x_val, seed)
    assert len(list((tmp_path / "capped").glob("*.pt"))) == 1


def test_a_users_files_in_the_folder_survive_prune_and_max_bytes(tmp_path):
    """A user's checkpoint and temp file in the folder outlive prune and the cap."""
    # They are older than every model file, so a prune by age alone would remove them
    # first; the old cache deleted any ``*.pt``.
    x_train, x_val = tiny_data()
    checkpoint, scratch = tmp_path / "my_checkpoint.pt", tmp_path / "notes.tmp"
    torch.save(
        train_autoencoder(TINY, x_train, x_val, 9).model.state_dict(), checkpoint
    )
    scratch.write_bytes(b"draft")
    _ages((checkpoint, scratch), 0, 0)
    cache = ModelCache(tmp_path, max_bytes=1)  # room for no model at all
    for seed in (0, 1):
        cache.get(TINY, x_train, x_val, seed)
    assert sorted(p.name for p in tmp_path.glob("*.pt")) == ["my_checkpoint.pt"]
    assert cache.prune() == [] and checkpoint.exists() and scratch.exists()
    assert torch.load(checkpoint, weights_only=True).keys()


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: ModelCache(3), TypeError, "directory"),
        (lambda: ModelCache(""), ValueError, "directory"),
        (lambda: ModelCache(disk="yes"), TypeError, "disk"),
        (lambda: ModelCache(max_bytes=-1), ValueError, "max_bytes"),
        (lambda: ModelCache(disk=False).prune(max_bytes=1.5), TypeError, "max_bytes"),
        (lambda: ModelCache(disk=False).key("cfg", torch.zeros(1, 8, 8),
                                            torch.zeros(1, 8, 8), 0), TypeError,
         "config"),
    ],
)  # fmt: skip
def test_bad_cache_arguments_name_the_argument(call, error, name):
    """Bad constructor, key or prune arguments raise errors naming the argument."""
    with pytest.raises(error, match=name):
        call()
