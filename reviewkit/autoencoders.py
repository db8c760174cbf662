r"""Autoencoders with a pluggable corruption, their training loop and a model cache.

One training loop covers the vanilla, denoising and masked autoencoder: they
differ only in the corruption applied to the input (see
:mod:`reviewkit.corruptions`), in which pixels the loss scores, and in
whether the target is the clean or the corrupted image. With corruption
:math:`c`, encoder :math:`f`, decoder :math:`g` and target :math:`t`
(usually the clean :math:`x`), the loss on a batch is

.. math::

    \tilde x, M = c(x), \qquad
    L = \frac{1}{|M|} \sum_{i \in M} \big(g(f(\tilde x))_i - t_i\big)^2

where :math:`M` is every pixel (``loss_on="all"``) or only the corrupted
ones (``loss_on="masked"``).

Training is deterministic given the configuration, the data and the seed, so
:class:`ModelCache` keeps trained models in memory and on disk, keyed by all
three, and a page never trains the same model twice.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from reviewkit.checks import check_choice, check_float, check_int
from reviewkit.corruptions import Corruption, NoCorruption, one_thread
from reviewkit.data import check_images

__all__ = [
    "CACHE_ENV",
    "TRAINING_MODULES",
    "AutoencoderConfig",
    "ConvAutoencoder",
    "MLPAutoencoder",
    "ModelCache",
    "TrainedAutoencoder",
    "default_cache_dir",
    "reconstruction_error",
    "train_autoencoder",
    "untrained_autoencoder",
]

#: Environment variable that sets where :class:`ModelCache` keeps its files.
CACHE_ENV = "REVIEWKIT_CACHE_DIR"


@dataclass(frozen=True)
class AutoencoderConfig:
    """Everything that decides what an autoencoder learns, apart from data and seed.

    Attributes:
        image_shape: ``(H, W)`` of the images.
        arch: ``"mlp"`` (code is a vector) or ``"conv"`` (code is a feature map).
        hidden: Width of the hidden layer (MLP) or channels (conv).
        code_size: Length of the code (MLP) or channels per position (conv).
        corruption: What is done to the input before encoding.
        loss_on: Score ``"all"`` pixels or only the ``"masked"`` ones.
        target: Reconstruct the ``"clean"`` image or the ``"corrupted"`` one.
        epochs: Passes over the training set.
        batch_size: Images per gradient step.
        lr: Adam's learning rate.
    """

    # 8x8: scikit-learn's digits, the chapter's main data set.
    image_shape: tuple[int, int] = (8, 8)
    # An MLP is enough for 64-pixel images and trains in about a second.
    arch: Literal["mlp", "conv"] = "mlp"
    # 128 hidden units: twice the input, wide enough that the code is the limit.
    hidden: int = 128
    # 32 numbers for 64 pixels: a real bottleneck that still keeps most detail.
    code_size: int = 32
    # None by default: the plain (vanilla) autoencoder.
    corruption: Corruption = field(default_factory=NoCorruption)
    # "all": the usual choice; masked autoencoders may score hidden pixels only.
    loss_on: Literal["all", "masked"] = "all"
    # "clean": the denoising target; "corrupted" is plain data augmentation (1h).
    target: Literal["clean", "corrupted"] = "clean"
    # 50 epochs of ten steps: under a second per model, loss mostly converged.
    epochs: int = 50
    # 128: about ten steps per epoch on the 1257 training digits.
    batch_size: int = 128
    # 3e-3: converges in 50 epochs for every variant, with no instability seen.
    lr: float = 3e-3

    def __post_init__(self) -> None:
        """Check every field and name the one that is wrong."""
        shape = self.image_shape
        if (
            not isinstance(shape, tuple)
            or len(shape) != 2
            or not all(isinstance(s, int) and s >= 1 for s in shape)
        ):
            raise ValueError(
                f"image_shape must be a tuple (H, W) of positive ints, got {shape!r}"
            )
        check_choice("arch", self.arch, ("mlp", "conv"))
        check_int("hidden", self.hidden, minimum=1)
        check_int("code_size", self.code_size, minimum=1)
        if not isinstance(self.corruption, Corruption):
            raise TypeError(
                "corruption must be a corruption from reviewkit.corruptions, "
                f"got {type(self.corruption).__name__}"
            )
        check_choice("loss_on", self.loss_on, ("all", "masked"))
        check_choice("target", self.target, ("clean", "corrupted"))
        check_int("epochs", self.epochs, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_float("lr", self.lr, low=0, low_inclusive=False)
        if self.arch == "conv" and (shape[0] % 2 or shape[1] % 2):
            raise ValueError(f"image_shape must be even for arch='conv', got {shape!r}")


class MLPAutoencoder(nn.Module):
    r"""Fully connected autoencoder whose code is a vector of ``code_size`` numbers.

    .. math::

        z = W_2\,\mathrm{relu}(W_1 x + b_1) + b_2, \qquad
        \hat x = \mathrm{sigmoid}\big(W_4\,\mathrm{relu}(W_3 z + b_3) + b_4\big)

    Args:
        image_shape: ``(H, W)`` of the images.
        hidden: Width of the hidden layers.
        code_size: Length of the code :math:`z`; larger than ``H * W`` makes
            the code overcomplete.
    """

    def __init__(self, image_shape: tuple[int, int], hidden: int, code_size: int):
        super().__init__()
        self.image_shape = image_shape
        d = image_shape[0] * image_shape[1]
        self.encoder = nn.Sequential(
            nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, code_size)
        )
        self.decoder = nn.Sequential(
            nn.Linear(code_size, hidden), nn.ReLU(), nn.Linear(hidden, d), nn.Sigmoid()
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map images ``(N, H, W)`` to codes ``(N, code_size)``."""
        return self.encoder(x.flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Map codes ``(N, code_size)`` to images ``(N, H, W)``."""
        return self.decoder(z).view(-1, *self.image_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct images ``(N, H, W)``."""
        return self.decode(self.encode(x))


class ConvAutoencoder(nn.Module):
    """Convolutional autoencoder whose code is a feature map, not a vector.

    The encoder is two 3x3 convolutions, the second with stride 2, so an
    ``(H, W)`` image becomes a ``(code_size, H/2, W/2)`` map. Being fully
    convolutional, it accepts images of any even size, and the code grows
    with the image.

    Args:
        hidden: Channels of the first convolution.
        code_size: Channels of the code at each position.
    """

    def __init__(self, hidden: int, code_size: int):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, hidden, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden, code_size, 3, stride=2, padding=1),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(code_size, hidden, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden, 1, 3, padding=1),
            nn.Sigmoid(),
        )

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Map images ``(N, H, W)`` to feature maps ``(N, code_size, H/2, W/2)``."""
        return self.encoder(x[:, None])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Map feature maps ``(N, code_size, h, w)`` to images ``(N, 2h, 2w)``."""
        return self.decoder(z)[:, 0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruct images ``(N, H, W)``."""
        return self.decode(self.encode(x))


def _build(config: AutoencoderConfig) -> nn.Module:
    if config.arch == "conv":
        return ConvAutoencoder(config.hidden, config.code_size)
    return MLPAutoencoder(config.image_shape, config.hidden, config.code_size)


@dataclass
class TrainedAutoencoder:
    """A trained model with the losses recorded while it trained.

    Attributes:
        config: The configuration it was trained with.
        seed: The seed it was trained with.
        model: The network, in evaluation mode.
        train_loss: Mean training loss of each epoch.
        val_loss: Validation loss after each epoch, same objective, with a
            corruption drawn once and reused so epochs compare fairly.
    """

    config: AutoencoderConfig
    seed: int
    model: nn.Module
    train_loss: list[float]
    val_loss: list[float]

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Codes of images ``x`` ``(N, H, W)``: ``(N, code_size)`` or a feature map."""
        x = check_images("x", x)
        with one_thread():
            return self.model.encode(x)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Decoder output for images ``x`` ``(N, H, W)``, same shape."""
        x = check_images("x", x)
        with one_thread():
            return self.model(x)


def _loss(
    recon: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, loss_on: str
) -> torch.Tensor:
    err = (recon - target) ** 2  # (N, H, W)
    if loss_on == "all":
        return err.mean()
    # L = sum over masked pixels / number of masked pixels
    return (err * mask).sum() / mask.sum().clamp(min=1)


def _check_data(config: AutoencoderConfig, name: str, x: object) -> torch.Tensor:
    x = check_images(name, x)
    if config.arch == "mlp" and tuple(x.shape[1:]) != config.image_shape:
        raise ValueError(
            f"{name} must hold images of shape {config.image_shape} "
            f"(config.image_shape), got {tuple(x.shape[1:])}"
        )
    return x


def train_autoencoder(
    config: AutoencoderConfig, x_train: torch.Tensor, x_val: torch.Tensor, seed: int
) -> TrainedAutoencoder:
    """Train an autoencoder with Adam, recording train and validation loss.

    The seed fixes the initial weights, the minibatch order and every
    corruption, so the same call gives the same model. Global random state is
    left as it was. Training runs on one CPU thread (the previous setting is
    restored afterwards): with matrices this small, extra threads only add
    overhead, and the result does not depend on the machine's core count.

    Args:
        config: Model, corruption and optimisation settings.
        x_train: Training images, shape ``(N_train, H, W)``.
        x_val: Validation images, shape ``(N_val, H, W)``.
        seed: Seed for initialisation, shuffling and corruption.

    Returns:
        The trained model and its loss curves (one value per epoch).
    """
    if not isinstance(config, AutoencoderConfig):
        raise TypeError(
            f"config must be an AutoencoderConfig, got {type(config).__name__}"
        )
    x_train = _check_data(config, "x_train", x_train)
    x_val = _check_data(config, "x_val", x_val)
    seed = check_int("seed", seed, minimum=0)
    with one_thread():
        return _train(config, x_train, x_val, seed)


def untrained_autoencoder(config: AutoencoderConfig, seed: int) -> TrainedAutoencoder:
    """The network :func:`train_autoencoder` would start from, with no training.

    A baseline: its codes are a random (but seeded) nonlinear projection.

    Args:
        config: Model settings (the optimisation fields are ignored).
        seed: Seed of the initial weights, as in :func:`train_autoencoder`.

    Returns:
        The model with empty loss curves.
    """
    if not isinstance(config, AutoencoderConfig):
        raise TypeError(
            f"config must be an AutoencoderConfig, got {type(config).__name__}"
        )
    seed = check_int("seed", seed, minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _build(config)
    model.eval()
    return TrainedAutoencoder(config, seed, model, [], [])


def _train(
    config: AutoencoderConfig, x_train: torch.Tensor, x_val: torch.Tensor, seed: int
) -> TrainedAutoencoder:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _build(config)
    gen = torch.Generator().manual_seed(seed)
    val_in, val_mask = config.corruption(x_val, torch.Generator().manual_seed(seed + 1))
    val_target = x_val if config.target == "clean" else val_in
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    train_curve, val_curve = [], []
    n = len(x_train)
    for _ in range(config.epochs):
        model.train()
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, config.batch_size):
            x = x_train[order[start : start + config.batch_size]]  # (B, H, W)
            x_in, mask = config.corruption(x, gen)
            target = x if config.target == "clean" else x_in
            loss = _loss(model(x_in), target, mask, config.loss_on)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
        train_curve.append(total / n)
        model.eval()
        with torch.no_grad():
            val = _loss(model(val_in), val_target, val_mask, config.loss_on)
        val_curve.append(val.item())
    model.eval()
    return TrainedAutoencoder(config, seed, model, train_curve, val_curve)


@torch.no_grad()
def reconstruction_error(
    trained: TrainedAutoencoder,
    x: torch.Tensor,
    corruption: Corruption | None = None,
    *,
    on: Literal["all", "masked"] = "all",
    seed: int = 0,
) -> float:
    """Mean squared error between the clean images and the model's output.

    Args:
        trained: The model.
        x: Clean images, shape ``(N, H, W)``.
        corruption: Applied to ``x`` before the model sees it; ``None`` feeds
            the clean images.
        on: Average over ``"all"`` pixels or only the ``"masked"`` ones.
        seed: Seed of the corruption.

    Returns:
        The mean squared error per pixel.
    """
    x = check_images("x", x)
    check_choice("on", on, ("all", "masked"))
    corruption = NoCorruption() if corruption is None else corruption
    with one_thread():
        x_in, mask = corruption(x, torch.Generator().manual_seed(seed))
        return _loss(trained.model(x_in), x, mask, on).item()


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
TRAINING_MODULES: tuple[str, ...] = (
    "checks.py",
    "autoencoders.py",
    "corruptions.py",
    "data.py",
)


def _fingerprint() -> str:
    """Hash of the training code and torch's version: code changes miss the cache."""
    digest = hashlib.sha256(torch.__version__.encode())
    for name in TRAINING_MODULES:
        path = Path(__file__).parent / name
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
            The same model :func:`train_autoencoder` would return.
        """
        x_train = _check_data(config, "x_train", x_train)
        x_val = _check_data(config, "x_val", x_val)
        key = self.key(config, x_train, x_val, seed)
        if key in self._memory:
            self.hits += 1
            return self._memory[key]
        path = self.directory / f"{key[:32]}.pt"
        if self.disk and path.exists():
            saved = torch.load(path, weights_only=True)
            with torch.random.fork_rng(devices=[]):
                model = _build(config)
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
