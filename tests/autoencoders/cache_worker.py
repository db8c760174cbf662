"""A process that asks a shared model cache for one small model (test helper).

Run by tests/autoencoders/test_cache.py in several processes at once through
multiprocessing (spawn), so it lives in an importable module of its own.
"""

import hashlib
import warnings

import torch


def get_and_report(directory: str, seed: int, barrier, queue) -> None:
    """Get a small model from the cache in ``directory``, all processes at once.

    Every process loads its data, then waits at ``barrier`` so that all of
    them ask the cache at the same moment, and puts
    ``(hits, misses, weight digest, warnings seen)`` on ``queue``.
    """
    from reviewkit.autoencoders.cache import ModelCache
    from reviewkit.autoencoders.data import load_digits_split
    from reviewkit.autoencoders.models import AutoencoderConfig

    torch.set_num_threads(1)
    d = load_digits_split(seed=0)
    # 20 epochs (about half a second): long enough that without the lock
    # every process would find no file and train
    config = AutoencoderConfig(hidden=16, code_size=4, epochs=20)
    cache = ModelCache(directory)
    barrier.wait(120)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        trained = cache.get(config, d.x_train[:200], d.x_val[:50], seed)
    digest = hashlib.sha256()
    for value in trained.model.state_dict().values():
        digest.update(value.numpy().tobytes())
    queue.put((cache.hits, cache.misses, digest.hexdigest(), len(seen)))
