"""A cache of trained autoencoders, in memory and on disk, keyed by what made them.

Training is deterministic given the configuration, the data and the seed, so
:class:`ModelCache` keeps trained models and a page never trains the same
model twice; the key also hashes the source of the training code, so editing
it trains anew.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

import torch

from reviewkit.autoencoders.models import AutoencoderConfig, build_model
from reviewkit.autoencoders.training import (
    TrainedAutoencoder,
    check_training_data,
    train_autoencoder,
)

__all__ = ["CACHE_ENV", "TRAINING_MODULES", "ModelCache", "default_cache_dir"]

#: Environment variable that sets where :class:`ModelCache` keeps its files.
CACHE_ENV = "REVIEWKIT_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where cached models go: ``$REVIEWKIT_CACHE_DIR``, else ``~/.cache/reviewkit``.

    ``$XDG_CACHE_HOME`` replaces ``~/.cache`` when it is set.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reviewkit"


#: The modules whose code decides what training produces; the cache key hashes them.
#: Paths are relative to the ``reviewkit`` package folder.
TRAINING_MODULES: tuple[str, ...] = (
    "checks.py",
    "autoencoders/data.py",
    "autoencoders/corruptions.py",
    "autoencoders/models.py",
    "autoencoders/training.py",
)


def _fingerprint() -> str:
    """Hash of the training code and torch's version: code changes miss the cache."""
    digest = hashlib.sha256(torch.__version__.encode())
    for name in TRAINING_MODULES:
        path = resources.files("reviewkit").joinpath(name)
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class ModelCache:
    """Trained autoencoders, kept in memory and on disk, keyed by what made them.

    The key hashes the configuration, the seed, the training and validation
    images, the source of the modules in :data:`TRAINING_MODULES` and torch's
    version; any change trains anew. Files are written atomically, so pages
    built in parallel can share a folder. If the folder cannot be written,
    the cache keeps models in memory only (same results, only slower).

    Args:
        directory: Where to keep model files; ``None`` uses
            :func:`default_cache_dir`.
        disk: Keep models on disk as well as in memory.

    Attributes:
        hits: How many requests were served from memory or disk.
        misses: How many requests had to train.
    """

    def __init__(self, directory: str | Path | None = None, *, disk: bool = True):
        self.directory = Path(directory) if directory else default_cache_dir()
        self.disk = bool(disk)
        self.hits = 0
        self.misses = 0
        self._memory: dict[str, TrainedAutoencoder] = {}
        self._code = _fingerprint()

    def key(
        self,
        config: AutoencoderConfig,
        x_train: torch.Tensor,
        x_val: torch.Tensor,
        seed: int,
    ) -> str:
        """The cache key of a training run (hex digest).

        Args:
            config: The configuration.
            x_train: Training images ``(N_train, H, W)``.
            x_val: Validation images ``(N_val, H, W)``.
            seed: The seed.

        Returns:
            A SHA-256 hex digest.
        """
        digest = hashlib.sha256(self._code.encode())
        digest.update(repr(config).encode())
        digest.update(str(seed).encode())
        for x in (x_train, x_val):
            digest.update(str(tuple(x.shape)).encode())
            digest.update(x.detach().contiguous().numpy().tobytes())
        return digest.hexdigest()

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
            x_train: Training images ``(N_train, H, W)``.
            x_val: Validation images ``(N_val, H, W)``.
            seed: The seed.

        Returns:
            The same model
            :func:`~reviewkit.autoencoders.training.train_autoencoder` would
            return.
        """
        x_train = check_training_data(config, "x_train", x_train)
        x_val = check_training_data(config, "x_val", x_val)
        key = self.key(config, x_train, x_val, seed)
        if key in self._memory:
            self.hits += 1
            return self._memory[key]
        path = self.directory / f"{key[:32]}.pt"
        if self.disk and path.exists():
            saved = torch.load(path, weights_only=True)
            with torch.random.fork_rng(devices=[]):
                model = build_model(config)
            model.load_state_dict(saved["state_dict"])
            model.eval()
            trained = TrainedAutoencoder(
                config, seed, model, saved["train_loss"], saved["val_loss"]
            )
            self.hits += 1
        else:
            trained = train_autoencoder(config, x_train, x_val, seed)
            self.misses += 1
            if self.disk:
                self._save(trained, path)
        self._memory[key] = trained
        return trained

    def _save(self, trained: TrainedAutoencoder, path: Path) -> None:
        """Write a model file atomically; on a read-only disk keep memory only."""
        saved = {
            "state_dict": trained.model.state_dict(),
            "train_loss": trained.train_loss,
            "val_loss": trained.val_loss,
        }
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            torch.save(saved, tmp)
            os.replace(tmp, path)
        except OSError:
            # the cache only saves time: results are the same without it
            self.disk = False
