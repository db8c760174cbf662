"""What identifies a trained autoencoder: the model cache's key.

Training is deterministic given the configuration, the data and the seed,
and the code that trains. :func:`training_key` hashes all four: the code as
the source of the modules in :data:`TRAINING_MODULES` (with torch's version),
plus the source of any user-written code the configuration holds, such as a
custom corruption (:func:`user_code_digest`), so editing it trains anew.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import sys
import warnings
from importlib import resources
from typing import Any

import torch

from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.training import check_training_data
from reviewkit.checks import check_seed

__all__ = [
    "TRAINING_MODULES",
    "ModelCacheWarning",
    "code_fingerprint",
    "training_key",
    "user_code_digest",
]


class ModelCacheWarning(UserWarning):
    """Something in the model cache needed attention; the result is still right.

    Raised as a warning, never an error: a damaged or mismatched file (then
    retrained and replaced), an unwritable folder (then memory only), or user
    code whose source cannot be read (then the key uses its ``repr``).
    """


#: The modules whose code decides what training produces; the cache key hashes them.
#: Paths are relative to the ``reviewkit`` package folder.
TRAINING_MODULES: tuple[str, ...] = (
    "checks.py",
    "autoencoders/data.py",
    "autoencoders/corruptions.py",
    "autoencoders/models.py",
    "autoencoders/training.py",
)


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of the training code and torch's version (hex digest).

    Read once per process: the modules in :data:`TRAINING_MODULES`, so any
    edit to them gives new keys and trains anew.
    """
    digest = hashlib.sha256(torch.__version__.encode())
    for name in TRAINING_MODULES:
        path = resources.files("reviewkit").joinpath(name)
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


#: Modules whose code the fingerprint or the installed libraries already pin.
_KNOWN = ("reviewkit", "torch", "numpy", "builtins", *sys.stdlib_module_names)
#: User objects whose source could not be read, so the warning is given once.
_UNREADABLE: set[str] = set()


def _is_known(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in _KNOWN


def _source_of(obj: Any, found: list[str]) -> None:
    """Append the source of the user code in ``obj`` to ``found``, recursively."""
    if isinstance(obj, (str, bytes, int, float, bool, type(None))):
        return
    if isinstance(obj, (tuple, list)):
        for item in obj:
            _source_of(item, found)
        return
    if isinstance(obj, functools.partial):
        _source_of((obj.func, obj.args, tuple(obj.keywords.values())), found)
        return
    code = obj if inspect.isfunction(obj) or inspect.ismethod(obj) else type(obj)
    if not _is_known(code):
        name = f"{code.__module__}.{code.__qualname__}"
        try:
            found.append(f"{name}\n{inspect.getsource(code)}")
        except (OSError, TypeError):
            found.append(f"{name}\n{obj!r}")
            if name not in _UNREADABLE:
                _UNREADABLE.add(name)
                warnings.warn(
                    f"cannot read the source code of {name} (defined in a "
                    "notebook or an interactive session?): the model cache key "
                    "uses its repr only, so a change to its code will not "
                    "retrain; use ModelCache(disk=False) or prune() after "
                    "editing it",
                    ModelCacheWarning,
                    stacklevel=4,
                )
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _source_of(getattr(obj, f.name), found)


def user_code_digest(config: AutoencoderConfig) -> str:
    """SHA-256 of the source of the user-written code a configuration holds.

    A custom corruption (a class or function defined outside reviewkit, also
    inside :class:`~reviewkit.autoencoders.corruptions.Compose`) is found by
    walking the configuration's fields; its source is read with
    ``inspect.getsource``. Where the source cannot be read, a
    :class:`ModelCacheWarning` says so and its ``repr`` is hashed instead.

    Args:
        config: The configuration.

    Returns:
        A hex digest; the same for every configuration with no user code.
    """
    if not isinstance(config, AutoencoderConfig):
        raise TypeError(
            f"config must be an AutoencoderConfig, got {type(config).__name__}"
        )
    found: list[str] = []
    _source_of(config, found)
    return hashlib.sha256("\n".join(found).encode()).hexdigest()


def training_key(
    config: AutoencoderConfig, x_train: torch.Tensor, x_val: torch.Tensor, seed: int
) -> str:
    """SHA-256 (hex) of everything that decides what a training run produces.

    The configuration's ``repr``, the source of its user code, the seed, the
    training code (:func:`code_fingerprint`) and the images, hashed as the
    float32 values the model trains on (so a float64 copy of the same images
    has the same key).

    Args:
        config: The configuration.
        x_train: Training images ``(N_train, H, W)``, finite.
        x_val: Validation images ``(N_val, H, W)``, finite.
        seed: The seed, in ``[0, 2**63)``.

    Returns:
        A hex digest.
    """
    x_train = check_training_data(config, "x_train", x_train)
    x_val = check_training_data(config, "x_val", x_val)
    seed = check_seed("seed", seed)
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(repr(config).encode())
    digest.update(user_code_digest(config).encode())
    digest.update(f"seed={seed}".encode())
    for x in (x_train, x_val):
        x = x.detach().to(torch.float32).contiguous()
        digest.update(str(tuple(x.shape)).encode())
        digest.update(x.numpy().tobytes())
    return digest.hexdigest()
