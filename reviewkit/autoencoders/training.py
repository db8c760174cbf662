r"""Training an autoencoder, and measuring how well it reconstructs.

With corruption :math:`c`, encoder :math:`f`, decoder :math:`g` and target
:math:`t` (usually the clean :math:`x`), the loss on a batch is

.. math::

    \tilde x, M = c(x), \qquad
    L = \frac{1}{|M|} \sum_{i \in M} \big(g(f(\tilde x))_i - t_i\big)^2

where :math:`M` is every pixel (``loss_on="all"``) or only the corrupted
ones (``loss_on="masked"``). Training is deterministic given the
configuration, the data and the seed, which is what lets
:class:`~reviewkit.autoencoders.cache.ModelCache` keep trained models.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from reviewkit.autoencoders.corruptions import (
    Corrupted,
    Corruption,
    NoCorruption,
    check_corruption,
    corrupt,
)
from reviewkit.autoencoders.data import check_images
from reviewkit.autoencoders.models import AutoencoderConfig, build_model
from reviewkit.checks import check_choice, check_instance, check_seed, seeded_generator
from reviewkit.measure import one_thread

__all__ = [
    "ImageRangeWarning",
    "TrainedAutoencoder",
    "check_training_data",
    "reconstruction_error",
    "train_autoencoder",
    "untrained_autoencoder",
]


class ImageRangeWarning(UserWarning):
    """Training images outside ``[0, 1]``: almost surely a mistake.

    The decoder ends in a sigmoid, which cannot reach such values, so images
    on a 0-255 scale train into a model that reconstructs nothing well.
    """


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
        """Codes of images ``x`` ``(N, H, W)``: ``(N, code_size)`` or a feature map.

        ``x`` is cast to the model's dtype; its images must have the size the
        model was built for (any even size for ``arch="conv"``).
        """
        x = check_training_data(self.config, "x", x).to(self.dtype)
        with one_thread():
            return self.model.encode(x)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Decoder output for images ``x`` ``(N, H, W)``, cast as in :meth:`encode`."""
        x = check_training_data(self.config, "x", x).to(self.dtype)
        with one_thread():
            return self.model(x)

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of the model's parameters; inputs are cast to it."""
        return next(self.model.parameters()).dtype


def _loss(
    recon: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, loss_on: str
) -> torch.Tensor:
    err = (recon - target) ** 2  # (N, H, W)
    if loss_on == "all":
        return err.mean()
    # L = sum over masked pixels / number of masked pixels
    return (err * mask).sum() / mask.sum().clamp(min=1)


def _warn_range(images: dict[str, torch.Tensor], stacklevel: int = 3) -> None:
    """Warn (at the caller's caller) of images outside ``[0, 1]``, by name."""
    for name, x in images.items():
        low, high = x.min().item(), x.max().item()
        if low < 0 or high > 1:
            warnings.warn(
                f"{name} ranges over [{low:.3g}, {high:.3g}], outside [0, 1]: the "
                "decoder's sigmoid cannot reconstruct such values; scale the "
                "images to [0, 1] first (divide 8-bit images by 255)",
                ImageRangeWarning,
                stacklevel=stacklevel,
            )


def check_training_data(
    config: AutoencoderConfig, name: str, x: object
) -> torch.Tensor:
    """Return images ``x`` ``(N, H, W)`` unchanged if a model of ``config`` takes them.

    Raises:
        TypeError: If ``config`` is not a configuration, or ``x`` (called
            ``name`` in the message) not a floating tensor.
        ValueError: If ``x`` is not finite or its images do not fit the model:
            ``config.image_shape`` for an MLP, even sides for a conv model.
    """
    check_instance("config", config, AutoencoderConfig)
    x = check_images(name, x)
    size = tuple(x.shape[1:])
    if config.arch == "mlp" and size != config.image_shape:
        raise ValueError(
            f"{name} must hold images of shape {config.image_shape} "
            f"(config.image_shape), got {size}"
        )
    if config.arch == "conv" and (size[0] % 2 or size[1] % 2):
        # the stride-2 encoder and its decoder give back even sides only
        raise ValueError(
            f"{name} must hold images with even height and width for "
            f"arch='conv', got {size}"
        )
    return x


def train_autoencoder(
    config: AutoencoderConfig, x_train: torch.Tensor, x_val: torch.Tensor, seed: int
) -> TrainedAutoencoder:
    """Train an autoencoder with Adam, recording train and validation loss.

    The seed fixes the initial weights, the minibatch order and every
    corruption, all drawn from generators of this call (the global random
    state is untouched), so the same call gives the same model, also when
    several threads train at once. Training runs on one CPU thread
    (:func:`~reviewkit.measure.one_thread`): with matrices this small, more
    only add overhead. Images are cast to float32; images outside ``[0, 1]``
    train, with an :class:`ImageRangeWarning`.

    Args:
        config: Model, corruption and optimisation settings.
        x_train: Training images, shape ``(N_train, H, W)``, finite.
        x_val: Validation images, shape ``(N_val, H, W)``, finite.
        seed: Seed for initialisation, shuffling and corruption, in
            ``[0, 2**63)``.

    Returns:
        The trained model and its loss curves (one value per epoch).

    Raises:
        TypeError: If ``config`` is not an
            :class:`~reviewkit.autoencoders.models.AutoencoderConfig` or the
            images are not floating-point tensors.
        ValueError: If the images do not fit the model or are not finite, the
            seed is out of range, or ``loss_on="masked"`` meets a corruption
            that hid no pixel of a batch (the loss would be exactly 0).
    """
    x_train = check_training_data(config, "x_train", x_train)
    x_val = check_training_data(config, "x_val", x_val)
    seed = check_seed("seed", seed)
    _warn_range({"x_train": x_train, "x_val": x_val})
    return _train_checked(config, x_train, x_val, seed)


def _train_checked(
    config: AutoencoderConfig, x_train: torch.Tensor, x_val: torch.Tensor, seed: int
) -> TrainedAutoencoder:
    """:func:`train_autoencoder` once its arguments are checked (and warned of)."""
    with one_thread(), torch.enable_grad():  # also in a caller's torch.no_grad()
        return _train(config, x_train.float(), x_val.float(), seed)


def untrained_autoencoder(config: AutoencoderConfig, seed: int) -> TrainedAutoencoder:
    """The network :func:`train_autoencoder` would start from, with no training.

    A baseline: its codes are a random (but seeded) nonlinear projection.

    Args:
        config: Model settings (the optimisation fields are ignored).
        seed: Seed of the initial weights, as in :func:`train_autoencoder`.

    Returns:
        The model with empty loss curves.
    """
    seed = check_seed("seed", seed)
    return TrainedAutoencoder(config, seed, build_model(config, seed).eval(), [], [])


def _corrupt(
    corruption: Corruption,
    x: torch.Tensor,
    generator: torch.Generator,
    on: str,
    option: str,
) -> Corrupted:
    """Corrupt ``x`` ``(N, H, W)``; refuse an empty mask when the loss is masked.

    A loss over no pixel would be exactly 0, so nothing would be learned
    (``option`` names the setting that asked for it).
    """
    x_in, mask = corrupt(corruption, x, generator)
    if on == "masked" and not bool(mask.any()):
        raise ValueError(
            f"{option}='masked' needs a corruption that hides pixels, but "
            f"corruption={corruption!r} hid none in a batch: the loss would be "
            "exactly 0"
        )
    return x_in, mask


def _train(
    config: AutoencoderConfig, x_train: torch.Tensor, x_val: torch.Tensor, seed: int
) -> TrainedAutoencoder:
    # init and training draws come from two generators seeded alike, which
    # reproduces the weights of torch.manual_seed(seed) + build (see build_model)
    model = build_model(config, seed)
    gen = seeded_generator(seed)
    val_gen = seeded_generator((seed + 1) % 2**63)  # the validation corruption's
    corruption, loss_on = config.corruption, config.loss_on
    val_in, val_mask = _corrupt(corruption, x_val, val_gen, loss_on, "loss_on")
    val_target = x_val if config.target == "clean" else val_in
    # foreach: one call per operation over all parameters, the same result as
    # the default per-tensor loop (tested) with less overhead per small tensor
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, foreach=True)
    train_curve, val_curve = [], []
    n = len(x_train)
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, config.batch_size):
            x = x_train[order[start : start + config.batch_size]]  # (B, H, W)
            x_in, mask = _corrupt(corruption, x, gen, loss_on, "loss_on")
            target = x if config.target == "clean" else x_in
            loss = _loss(model(x_in), target, mask, loss_on)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
        train_curve.append(total / n)
        model.eval()
        with torch.no_grad():
            val = _loss(model(val_in), val_target, val_mask, loss_on)
        val_curve.append(val.item())
        if not (math.isfinite(train_curve[-1]) and math.isfinite(val_curve[-1])):
            raise ValueError(
                f"training diverged: the loss is not finite after epoch {epoch + 1} "
                f"with config.lr={config.lr}; are x_train's images in [0, 1]?"
            )
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
        x: Clean images, shape ``(N, H, W)``, finite; cast to the model's dtype
            (outside ``[0, 1]``: an :class:`ImageRangeWarning`).
        corruption: Applied to ``x`` before the model sees it; ``None`` feeds
            the clean images.
        on: Average over ``"all"`` pixels or only the ``"masked"`` ones.
        seed: Seed of the corruption, in ``[0, 2**63)``.

    Returns:
        The mean squared error per pixel.

    Raises:
        ValueError: If ``on="masked"`` and the corruption hid no pixel (the
            mean over no pixels is undefined), or an argument is out of range.
    """
    check_instance("trained", trained, TrainedAutoencoder)
    x = check_training_data(trained.config, "x", x).to(trained.dtype)
    _warn_range({"x": x}, stacklevel=4)  # and torch.no_grad's wrapper
    corruption = NoCorruption() if corruption is None else corruption
    check_corruption("corruption", corruption)
    check_choice("on", on, ("all", "masked"))
    gen = seeded_generator(seed)
    with one_thread():
        x_in, mask = _corrupt(corruption, x, gen, on, "on")
        return _loss(trained.model(x_in), x, mask, on).item()
