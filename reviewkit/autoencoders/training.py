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

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from reviewkit.autoencoders.corruptions import Corruption, NoCorruption
from reviewkit.autoencoders.data import check_images
from reviewkit.autoencoders.models import AutoencoderConfig, build_model
from reviewkit.checks import check_choice, check_int
from reviewkit.measure import one_thread

__all__ = [
    "TrainedAutoencoder",
    "check_training_data",
    "reconstruction_error",
    "train_autoencoder",
    "untrained_autoencoder",
]


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


def check_training_data(
    config: AutoencoderConfig, name: str, x: object
) -> torch.Tensor:
    """Return images ``x`` ``(N, H, W)`` if a model with ``config`` can take them.

    Raises:
        TypeError: If ``x`` is not a floating tensor.
        ValueError: If its shape does not match ``config.image_shape`` (MLP).
    """
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
    x_train = check_training_data(config, "x_train", x_train)
    x_val = check_training_data(config, "x_val", x_val)
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
        model = build_model(config)
    model.eval()
    return TrainedAutoencoder(config, seed, model, [], [])


def _train(
    config: AutoencoderConfig, x_train: torch.Tensor, x_val: torch.Tensor, seed: int
) -> TrainedAutoencoder:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(config)
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
