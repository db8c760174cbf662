"""Tests for reviewkit.autoencoders.cache: hits, copies, damage, locks, pruning."""

import multiprocessing
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from autoencoders.tiny import TINY, same_weights, tiny_data

from reviewkit.autoencoders.cache import ModelCache, default_cache_dir
from reviewkit.autoencoders.cache_key import ModelCacheWarning
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


def _damage_heals(tmp_path, damage, match):
    """Damage the one cached file, then check a new cache warns, retrains, replaces."""
    x_train, x_val = tiny_data()
    original = ModelCache(tmp_path).get(TINY, x_train, x_val, seed=3)
    path = _only_file(tmp_path)
    damage(path)
    cache = ModelCache(tmp_path)
    with pytest.warns(ModelCacheWarning, match=match) as record:
        healed = cache.get(TINY, x_train, x_val, seed=3)
    message = str(record[0].message)
    assert str(path) in message
    assert "weights_only=False" not in message and "False" not in message
    assert (cache.hits, cache.misses) == (0, 1)
    assert same_weights(healed, original)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the replaced file loads silently
        again = ModelCache(tmp_path)
        assert same_weights(again.get(TINY, x_train, x_val, seed=3), original)
    assert (again.hits, again.misses) == (1, 0)


def test_truncated_file_is_reported_retrained_and_replaced(tmp_path):
    """A file cut short is named in a warning, retrained and replaced."""

    def truncate(path):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    _damage_heals(tmp_path, truncate, "does not match the hash")


def test_flipped_bit_is_reported_retrained_and_replaced(tmp_path):
    """One flipped bit in the stored weights fails the hash check: never served."""

    def flip(path):
        data = bytearray(path.read_bytes())
        data[-200] ^= 0x10  # inside the tensor data, near the end
        path.write_bytes(bytes(data))

    _damage_heals(tmp_path, flip, "does not match the hash")


def test_garbage_file_is_reported_retrained_and_replaced(tmp_path):
    """A file that is not a model file at all is reported and replaced."""
    _damage_heals(
        tmp_path, lambda p: p.write_bytes(b"hello"), "not a reviewkit model file"
    )


def test_another_models_file_under_this_name_is_reported(tmp_path):
    """A valid file of another model, copied under this key's name, is not served."""
    x_train, x_val = tiny_data()
    other_folder = tmp_path / "other"
    ModelCache(other_folder).get(TINY, x_train, x_val, seed=4)
    other = _only_file(other_folder).read_bytes()
    _damage_heals(tmp_path / "main", lambda p: p.write_bytes(other), "different model")


def test_content_that_weights_only_refuses_is_reported(tmp_path):
    """A well-hashed file holding a pickled object is refused by weights_only=True."""
    import hashlib
    import io

    from reviewkit.autoencoders import cache as cache_module

    def pickled_object(path):
        buffer = io.BytesIO()
        torch.save({"key": ModelCache, "state_dict": {}}, buffer)
        content = buffer.getvalue()
        digest = hashlib.sha256(content).hexdigest().encode()
        path.write_bytes(cache_module._MAGIC + digest + b"\n" + content)

    _damage_heals(tmp_path, pickled_object, "objects other than tensors")


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


def test_concurrent_processes_on_one_key_train_once(tmp_path):
    """Three processes asking at once: one trains, the others load its file."""
    from autoencoders.cache_worker import get_and_report

    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(3), ctx.Queue()
    workers = [
        ctx.Process(target=get_and_report, args=(str(tmp_path), 6, barrier, queue))
        for _ in range(3)
    ]
    for w in workers:
        w.start()
    reports = [queue.get(timeout=300) for _ in workers]
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    assert sum(misses for _, misses, _, _ in reports) == 1
    assert sum(hits for hits, _, _, _ in reports) == 2
    assert len({digest for _, _, digest, _ in reports}) == 1
    assert all(seen == 0 for *_, seen in reports)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_prune_removes_least_recently_used_files_first(tmp_path):
    """prune(max_bytes) keeps the most recently used files that fit; prune() empties."""
    x_train, x_val = tiny_data()
    cache = ModelCache(tmp_path)
    for seed in (0, 1, 2):
        cache.get(TINY, x_train, x_val, seed)
    files = {
        seed: cache.path(cache.key(TINY, x_train, x_val, seed)) for seed in (0, 1, 2)
    }
    for age, seed in enumerate((1, 0, 2)):  # seed 1 oldest, seed 2 newest
        os.utime(files[seed], (1_000_000 + age, 1_000_000 + age))
    size = files[0].stat().st_size
    removed = cache.prune(max_bytes=2 * size)
    assert removed == [files[1]]
    assert cache.prune() == [files[0], files[2]]
    assert list(tmp_path.glob("*.pt")) == []


def test_prune_removes_stale_temporary_files_only(tmp_path):
    """prune() removes a crashed writer's old temp file, not one being written now."""
    cache = ModelCache(tmp_path)
    stale, fresh = tmp_path / "a.pt.1.2.tmp", tmp_path / "b.pt.3.4.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(stale, (1_000_000, 1_000_000))
    assert cache.prune() == [stale]
    assert fresh.exists()


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


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: ModelCache(3), TypeError, "directory"),
        (lambda: ModelCache(disk="yes"), TypeError, "disk"),
        (lambda: ModelCache(max_bytes=-1), ValueError, "max_bytes"),
        (lambda: ModelCache(lock_timeout=float("nan")), ValueError, "lock_timeout"),
        (lambda: ModelCache(disk=False).prune(max_bytes=1.5), TypeError, "max_bytes"),
    ],
)
def test_bad_cache_arguments_name_the_argument(call, error, name):
    """Bad constructor or prune arguments raise errors naming the argument."""
    with pytest.raises(error, match=name):
        call()
