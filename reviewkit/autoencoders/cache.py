"""A cache of trained autoencoders, in memory and on disk, keyed by what made them.

Training is deterministic given the configuration, the data and the seed, so
:class:`ModelCache` keeps trained models and a page never trains the same
model twice. The key (:mod:`reviewkit.autoencoders.cache_key`) also hashes the source of
the training code and of any user-written code in the configuration (a
custom corruption), so editing either trains anew.

On disk, each model is one file, ``<key>.pt``: a header line with the SHA-256
of the content, then the content (the weights and loss curves, saved with
``torch.save`` and read back with ``torch.load(weights_only=True)``).
Files are written to a temporary name and renamed into place
(``os.replace``), under a per-key inter-process lock (``filelock``), so
pages built in parallel can share a folder. A file that is damaged or does
not match is reported in a
:class:`~reviewkit.autoencoders.cache_key.ModelCacheWarning` naming its path, then
the model is trained again and the file replaced. Old files are removed with
:meth:`ModelCache.prune`, by hand or after every write (``max_bytes``).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import pickle
import threading
import time
import warnings
from pathlib import Path

import torch
from filelock import FileLock, Timeout

from reviewkit.autoencoders.cache_key import ModelCacheWarning, training_key
from reviewkit.autoencoders.models import AutoencoderConfig, build_model
from reviewkit.autoencoders.training import TrainedAutoencoder, train_autoencoder
from reviewkit.checks import check_float, check_int

__all__ = ["CACHE_ENV", "ModelCache", "default_cache_dir"]

#: Environment variable that sets where :class:`ModelCache` keeps its files.
CACHE_ENV = "REVIEWKIT_CACHE_DIR"

#: First line of every model file; a new layout gets a new number.
_MAGIC = b"reviewkit-model-cache 2 sha256="


def default_cache_dir() -> Path:
    """Where cached models go: ``$REVIEWKIT_CACHE_DIR``, else ``~/.cache/reviewkit``.

    ``$XDG_CACHE_HOME`` replaces ``~/.cache`` when it is set.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reviewkit"


class ModelCache:
    """Trained autoencoders, kept in memory and on disk, keyed by what made them.

    The key (:func:`~reviewkit.autoencoders.cache_key.training_key`) hashes
    the configuration, the seed, the training and validation images, the
    source of the training code and of user code in the configuration, and
    torch's version; any change trains anew. :meth:`get` returns an independent copy
    every time, so changing a returned model never changes the cache.

    Safe to share: threads asking for the same key wait for one training,
    processes (pages built in parallel) do the same through a lock file per
    key, and files are replaced atomically. Nothing is printed on the normal
    path; a :class:`~reviewkit.autoencoders.cache_key.ModelCacheWarning`
    reports a damaged or mismatched file (which is then retrained and
    replaced) or a folder that cannot be written (the cache then keeps models
    in memory only: same results, only slower).

    To limit the disk used, pass ``max_bytes`` (the least recently used files
    are removed after each write until the rest fit) or call :meth:`prune`.

    Args:
        directory: Where to keep model files; ``None`` uses
            :func:`default_cache_dir`.
        disk: Keep models on disk as well as in memory.
        max_bytes: Size cap of the folder's model files, or ``None`` for none.
        lock_timeout: Seconds to wait for another process training the same
            model before training it here without the disk.

    Attributes:
        hits: How many requests were served from memory or disk.
        misses: How many requests had to train.
    """

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        disk: bool = True,
        max_bytes: int | None = None,
        lock_timeout: float = 600.0,
    ):
        if directory is not None and not isinstance(directory, (str, os.PathLike)):
            raise TypeError(
                f"directory must be a str or path, got {type(directory).__name__}"
            )
        if not isinstance(disk, bool):
            raise TypeError(f"disk must be a bool, got {type(disk).__name__}")
        self.directory = Path(directory) if directory else default_cache_dir()
        self.disk = disk
        self.max_bytes = (
            None if max_bytes is None else check_int("max_bytes", max_bytes, minimum=0)
        )
        self.lock_timeout = check_float("lock_timeout", lock_timeout, low=0)
        self.hits = 0
        self.misses = 0
        self._memory: dict[str, TrainedAutoencoder] = {}
        self._guard = threading.Lock()  # protects the dicts and counters
        self._key_locks: dict[str, threading.Lock] = {}

    def key(
        self,
        config: AutoencoderConfig,
        x_train: torch.Tensor,
        x_val: torch.Tensor,
        seed: int,
    ) -> str:
        """The cache key of a training run (hex digest).

        See :func:`~reviewkit.autoencoders.cache_key.training_key`.

        Args:
            config: The configuration.
            x_train: Training images ``(N_train, H, W)``.
            x_val: Validation images ``(N_val, H, W)``.
            seed: The seed, in ``[0, 2**63)``.

        Returns:
            A SHA-256 hex digest.
        """
        return training_key(config, x_train, x_val, seed)

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
        """Return the trained model for these inputs, training it only if needed.

        Args:
            config: The configuration.
            x_train: Training images ``(N_train, H, W)``, finite.
            x_val: Validation images ``(N_val, H, W)``, finite.
            seed: The seed, in ``[0, 2**63)``.

        Returns:
            A fresh copy of the model
            :func:`~reviewkit.autoencoders.training.train_autoencoder` would
            return: same weights and loss curves, its own tensors.
        """
        key = self.key(config, x_train, x_val, seed)
        with self._guard:
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:  # one training per key at a time in this process
            with self._guard:
                trained = self._memory.get(key)
            if trained is not None:
                self._count(hit=True)
            else:
                trained = self._from_disk_or_training(key, config, x_train, x_val, seed)
                with self._guard:
                    self._memory[key] = trained
        return _copy(trained)

    def prune(self, max_bytes: int = 0) -> list[Path]:
        """Remove the least recently used model files until the rest fit ``max_bytes``.

        ``prune()`` empties the folder of model files (and of temporary
        files more than an hour old, left by crashed writers). Models already
        in this object's memory stay there. The small ``.lock`` files are
        kept: removing one while another process holds it would break the
        locking.

        Args:
            max_bytes: Total size the remaining model files may take.

        Returns:
            The files removed, least recently used first.
        """
        max_bytes = check_int("max_bytes", max_bytes, minimum=0)
        if not self.directory.is_dir():
            return []
        removed = []
        for tmp in self.directory.glob("*.tmp"):
            # an hour old: left by a crashed writer, not one writing right now
            with contextlib.suppress(OSError):
                if time.time() - tmp.stat().st_mtime > 3600:
                    removed += _unlink(tmp)
        files = []
        for path in self.directory.glob("*.pt"):
            try:
                stat = path.stat()
            except OSError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        files.sort()  # oldest use first (loads refresh the time)
        total = sum(size for _, size, _ in files)
        for _, size, path in files:
            if total <= max_bytes:
                break
            removed += _unlink(path)
            total -= size
        return removed

    def _count(self, *, hit: bool) -> None:
        with self._guard:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def _from_disk_or_training(
        self,
        key: str,
        config: AutoencoderConfig,
        x_train: torch.Tensor,
        x_val: torch.Tensor,
        seed: int,
    ) -> TrainedAutoencoder:
        """Load the model from disk under the key's file lock, or train and save it."""
        path = self.path(key)
        if self.disk:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                file_lock = FileLock(f"{path}.lock", timeout=self.lock_timeout)
                with file_lock:
                    return self._load_or_train(key, path, config, x_train, x_val, seed)
            except Timeout:
                warnings.warn(
                    f"model cache entry {path} stayed locked by another process "
                    f"for {self.lock_timeout:g} s; training here without the disk",
                    ModelCacheWarning,
                    stacklevel=3,
                )
            except OSError as err:
                self._memory_only(err)
        trained = train_autoencoder(config, x_train, x_val, seed)
        self._count(hit=False)
        return trained

    def _load_or_train(
        self,
        key: str,
        path: Path,
        config: AutoencoderConfig,
        x_train: torch.Tensor,
        x_val: torch.Tensor,
        seed: int,
    ) -> TrainedAutoencoder:
        trained = _load(path, key, config, seed)
        if trained is not None:
            self._count(hit=True)
            return trained
        trained = train_autoencoder(config, x_train, x_val, seed)
        self._count(hit=False)
        try:
            _save(trained, key, path)
        except OSError as err:
            self._memory_only(err)
            return trained
        if self.max_bytes is not None:
            self.prune(self.max_bytes)
        return trained

    def _memory_only(self, err: OSError) -> None:
        """Stop using the disk, and say why (once)."""
        if self.disk:
            self.disk = False
            warnings.warn(
                f"cannot use the model cache folder {self.directory} ({err}); "
                "keeping models in memory only (same results, retrained in a "
                "new process)",
                ModelCacheWarning,
                stacklevel=4,
            )


def _copy(trained: TrainedAutoencoder) -> TrainedAutoencoder:
    """An independent copy: its own model and loss lists."""
    return TrainedAutoencoder(
        trained.config,
        trained.seed,
        copy.deepcopy(trained.model),
        list(trained.train_loss),
        list(trained.val_loss),
    )


def _unlink(path: Path) -> list[Path]:
    try:
        path.unlink()
    except OSError:
        return []
    return [path]


def _save(trained: TrainedAutoencoder, key: str, path: Path) -> None:
    """Write a model file atomically: hash header, then the content."""
    buffer = io.BytesIO()
    torch.save(
        {
            "key": key,
            "state_dict": trained.model.state_dict(),
            "train_loss": [float(v) for v in trained.train_loss],
            "val_loss": [float(v) for v in trained.val_loss],
        },
        buffer,
    )
    content = buffer.getvalue()
    digest = hashlib.sha256(content).hexdigest().encode()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(_MAGIC + digest + b"\n" + content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        _unlink(tmp)


def _load(
    path: Path, key: str, config: AutoencoderConfig, seed: int
) -> TrainedAutoencoder | None:
    """The model stored in ``path``, or ``None`` (with a warning if it is unusable)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        return _unusable(path, f"cannot be read ({err})")
    header, newline, content = data.partition(b"\n")
    if not header.startswith(_MAGIC) or not newline:
        return _unusable(path, "is not a reviewkit model file (or is truncated)")
    if hashlib.sha256(content).hexdigest().encode() != header[len(_MAGIC) :]:
        return _unusable(
            path, "is damaged: its content does not match the hash stored with it"
        )
    try:
        saved = torch.load(io.BytesIO(content), weights_only=True)
        if saved["key"] != key:
            return _unusable(path, "holds a different model than its name says")
        model = build_model(config, seed)
        model.load_state_dict(saved["state_dict"])
        train_loss = [float(v) for v in saved["train_loss"]]
        val_loss = [float(v) for v in saved["val_loss"]]
    except pickle.UnpicklingError:
        # never pass on torch's advice to retry with weights_only=False: a model
        # file holds tensors and numbers only, anything else is not ours
        return _unusable(
            path,
            "holds objects other than tensors and numbers (refused by the safe loader)",
        )
    except Exception as err:  # any unreadable content: retrain rather than fail
        first_line = str(err).strip().splitlines()[0][:200] if str(err) else ""
        return _unusable(path, f"cannot be loaded ({type(err).__name__}: {first_line})")
    if not all(bool(torch.isfinite(p).all()) for p in model.parameters()):
        return _unusable(path, "holds NaN or infinite weights")
    model.eval()
    with contextlib.suppress(OSError):
        os.utime(path)  # mark as recently used, for prune()
    return TrainedAutoencoder(config, seed, model, train_loss, val_loss)


def _unusable(path: Path, problem: str) -> None:
    warnings.warn(
        f"model cache entry {path} {problem}; training the model again and "
        "replacing the entry",
        ModelCacheWarning,
        stacklevel=6,
    )
    return None
