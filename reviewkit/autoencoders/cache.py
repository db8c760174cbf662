"""Trained autoencoders kept in memory and on disk, keyed by what made them.

Training is deterministic given the configuration, the images, the seed and
the training code, so a model is stored under a key hashing all four. On disk
it is one file, ``<key>.pt``: a header line with the SHA-256 of the content,
then the content (weights and loss curves by ``torch.save``, read back with
``torch.load(weights_only=True)``, which refuses anything but tensors and
plain containers). Files are written under a temporary name and renamed into
place; a lock file per key makes other processes wait for the one training.
(``joblib.Memory`` pickles its results, unsafe to load from a shared folder,
and neither checks them nor trains a key once across processes.)
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import io
import os
import threading
import time
import warnings
from importlib import resources
from pathlib import Path

import torch
from filelock import FileLock

from reviewkit.autoencoders.corruptions import Compose, Corruption
from reviewkit.autoencoders.models import AutoencoderConfig, build_model
from reviewkit.autoencoders.training import (
    TrainedAutoencoder,
    _train_checked,
    _warn_range,
    check_training_data,
)
from reviewkit.checks import check_bool, check_instance, check_int, check_seed

__all__ = ["CACHE_ENV", "ModelCache", "ModelCacheWarning", "default_cache_dir"]

#: Environment variable that sets where :class:`ModelCache` keeps its files.
CACHE_ENV = "REVIEWKIT_CACHE_DIR"

#: First bytes of every file the cache writes; a new layout gets a new number.
_MAGIC = b"reviewkit-model-cache 3 sha256="
#: What every layout's files start with: prune() removes old layouts' files too.
_ANY_LAYOUT = b"reviewkit-model-cache "

#: The loss curves stored beside the weights.
_LOSSES = ("train_loss", "val_loss")

#: The package files whose code decides what training produces.
_TRAINING_CODE = ("checks.py", "autoencoders/data.py", "autoencoders/corruptions.py",
                  "autoencoders/models.py", "autoencoders/training.py")  # fmt: skip


class ModelCacheWarning(UserWarning):
    """A damaged cache file (retrained, replaced) or an unwritable folder (memory only).

    The model returned is right either way.
    """


def default_cache_dir() -> Path:
    """Where cached models go: ``$REVIEWKIT_CACHE_DIR``, else ``~/.cache/reviewkit``.

    ``$XDG_CACHE_HOME`` replaces ``~/.cache`` when it is set.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reviewkit"


@functools.cache
def _code_digest() -> bytes:
    """SHA-256 of the training code and torch's version, read once per process."""
    digest = hashlib.sha256(torch.__version__.encode())
    for name in _TRAINING_CODE:
        digest.update(resources.files("reviewkit").joinpath(name).read_bytes())
    return digest.digest()


def _package_code_only(corruption: Corruption) -> bool:
    """Whether a corruption is the package's own, so the code digest covers it."""
    if isinstance(corruption, Compose):
        return all(_package_code_only(part) for part in corruption.parts)
    return type(corruption).__module__.startswith("reviewkit.")


class ModelCache:
    """Trained autoencoders, kept in memory and on disk, keyed by what made them.

    Threads or processes (pages built in parallel) asking for one key wait
    for one training. A configuration holding code from outside reviewkit,
    such as a custom corruption, is trained on every call and never stored:
    its code could change without its key changing.

    Args:
        directory: Where to keep model files; ``None`` uses
            :func:`default_cache_dir`.
        disk: Keep models on disk as well as in memory.
        max_bytes: If set, after each write the least recently used model
            files are removed until the rest fit (see :meth:`prune`).

    Attributes:
        hits: Requests served from memory or disk.
        misses: Requests that trained.
    """

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        disk: bool = True,
        max_bytes: int | None = None,
    ):
        if directory is not None:
            check_instance("directory", directory, (str, os.PathLike))
            if os.fspath(directory) == "":
                raise ValueError(
                    "directory must name a folder, got '' (an empty path); pass "
                    f"None for the default folder ({default_cache_dir()}) or '.' "
                    "for the current one"
                )
        self.directory = default_cache_dir() if directory is None else Path(directory)
        self.disk = check_bool("disk", disk)
        self.max_bytes = (
            None if max_bytes is None else check_int("max_bytes", max_bytes, minimum=0)
        )
        self.hits = self.misses = 0
        self._memory: dict[str, TrainedAutoencoder] = {}
        self._guard = threading.Lock()  # protects the counters and the key locks
        self._key_locks: dict[str, threading.Lock] = {}

    def key(
        self,
        config: AutoencoderConfig,
        x_train: torch.Tensor,
        x_val: torch.Tensor,
        seed: int,
    ) -> str:
        """SHA-256 (hex) of what decides a training run, checking each argument.

        The training modules' source and torch's version, the configuration's
        ``repr``, the seed, and the images as the float32 values the model
        trains on (a float64 copy has the same key). Arguments as in
        :meth:`get`.
        """
        digest = hashlib.sha256(_code_digest())
        digest.update(f"{config!r} seed={check_seed('seed', seed)}".encode())
        for name, x in (("x_train", x_train), ("x_val", x_val)):
            x = check_training_data(config, name, x).detach().to(torch.float32)
            digest.update(str(tuple(x.shape)).encode())
            digest.update(x.contiguous().numpy().tobytes())
        return digest.hexdigest()

    def path(self, key: str) -> Path:
        """The file that holds (or would hold) the model with this key."""
        return self.directory / f"{key[:32]}.pt"

    def get(
        self,
        config: AutoencoderConfig,
        x_train: torch.Tensor,
        x_val: torch.Tensor,
        seed: int,
    ) -> TrainedAutoencoder:
        """What ``train_autoencoder(config, x_train, x_val, seed)`` returns.

        Args:
            config: The configuration.
            x_train: Training images ``(N_train, H, W)``, finite.
            x_val: Validation images ``(N_val, H, W)``, finite.
            seed: The seed, in ``[0, 2**63)``.

        Returns:
            A copy of the model (trained only if neither memory nor disk held
            it) with its own tensors: changing it never changes the cache.
        """
        key = self.key(config, x_train, x_val, seed)
        _warn_range({"x_train": x_train, "x_val": x_val})  # as training does
        run = (config, x_train, x_val, seed)
        if not _package_code_only(config.corruption):
            return self._train(run)
        with self._guard:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:  # one training per key in this process
            if key in self._memory:
                with self._guard:
                    self.hits += 1
            else:
                self._memory[key] = self._disk_or_train(key, run)
        trained = self._memory[key]
        return TrainedAutoencoder(
            config, trained.seed, copy.deepcopy(trained.model),
            list(trained.train_loss), list(trained.val_loss),
        )  # fmt: skip

    def prune(self, max_bytes: int = 0) -> list[Path]:
        """Remove the least recently used model files until the rest fit ``max_bytes``.

        Only files starting with the cache's own header (of any layout version)
        count and go (with those a crashed writer left over an hour ago): other
        files in the folder are never touched, nor the ``.lock`` files others
        may hold.

        Args:
            max_bytes: Total size the remaining model files may take.

        Returns:
            The files removed, least recently used first.
        """
        max_bytes = check_int("max_bytes", max_bytes, minimum=0)
        removed, files = [], []
        paths = self.directory.iterdir() if self.directory.is_dir() else ()
        for path in (p for p in paths if p.suffix in (".pt", ".tmp")):
            try:
                stat = path.stat()
                with open(path, "rb") as f:
                    if f.read(len(_ANY_LAYOUT)) != _ANY_LAYOUT:
                        continue  # not a file this cache wrote
            except OSError:
                continue
            if path.suffix == ".pt":
                files.append((stat.st_mtime, stat.st_size, path))
            elif path.suffix == ".tmp" and time.time() - stat.st_mtime > 3600:
                removed += _unlink(path)
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):  # oldest use first (loads touch files)
            if total <= max_bytes:
                break
            removed += _unlink(path)
            total -= size
        return removed

    def _train(self, run: tuple) -> TrainedAutoencoder:
        with self._guard:
            self.misses += 1
        return _train_checked(*run)  # key() checked the run, get() warned

    def _disk_or_train(self, key: str, run: tuple) -> TrainedAutoencoder:
        """Load the model under the key's file lock, or train and save it there."""
        trained = None
        if self.disk:
            path = self.path(key)
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                with FileLock(path.with_suffix(".lock")):
                    trained = self._load(path, key, run[0], run[3])
                    if trained is not None:
                        with self._guard:
                            self.hits += 1
                        return trained
                    trained = self._train(run)
                    self._save(trained, key, path)
            except OSError as err:
                self.disk = False
                warnings.warn(
                    f"cannot use the model cache folder {self.directory} ({err}); "
                    "keeping models in memory only (same results, retrained in a "
                    "new process)",
                    ModelCacheWarning,
                    stacklevel=4,
                )
        return self._train(run) if trained is None else trained

    def _save(self, trained: TrainedAutoencoder, key: str, path: Path) -> None:
        """Write the header and the content to a temporary file, then rename it."""
        buffer = io.BytesIO()
        state = {"key": key, "state_dict": trained.model.state_dict()}
        torch.save(state | {k: getattr(trained, k) for k in _LOSSES}, buffer)
        content = buffer.getvalue()
        digest = hashlib.sha256(content).hexdigest().encode()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(_MAGIC + digest + b"\n" + content)
            os.replace(tmp, path)
        finally:
            _unlink(tmp)
        if self.max_bytes is not None:
            self.prune(self.max_bytes)

    def _load(
        self, path: Path, key: str, config: AutoencoderConfig, seed: int
    ) -> TrainedAutoencoder | None:
        """The model in ``path``, or ``None`` (with a warning if it is unusable)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        header, _, content = data.partition(b"\n")
        if not header.startswith(_MAGIC):
            problem = "is not a reviewkit model file (or is cut short)"
        elif header[len(_MAGIC) :] != hashlib.sha256(content).hexdigest().encode():
            problem = "is damaged: its content does not match the hash stored with it"
        else:
            try:
                saved = torch.load(io.BytesIO(content), weights_only=True)
                if saved["key"] == key:
                    model = build_model(config, seed)
                    model.load_state_dict(saved["state_dict"])
                    with contextlib.suppress(OSError):
                        os.utime(path)  # recently used, for prune()
                    train, val = ([float(v) for v in saved[k]] for k in _LOSSES)
                    return TrainedAutoencoder(config, seed, model.eval(), train, val)
                problem = "holds another model than its name says"
            except Exception as err:  # whatever the safe loader refuses or cannot read
                problem = f"cannot be loaded ({type(err).__name__})"
        warnings.warn(
            f"model cache entry {path} {problem}; training the model again and "
            "replacing the entry",
            ModelCacheWarning,
            stacklevel=5,
        )
        return None


def _unlink(path: Path) -> list[Path]:
    """Remove ``path``; return ``[path]``, or ``[]`` if it could not be removed."""
    try:
        path.unlink()
    except OSError:
        return []
    return [path]
