r"""Autoencoder architectures and the configuration that describes one.

One configuration covers the vanilla, denoising and masked autoencoder: they
differ only in the corruption applied to the input (see
:mod:`reviewkit.autoencoders.corruptions`), in which pixels the loss scores
and in whether the target is the clean or the corrupted image. Two
architectures: a fully connected one whose code is a vector, and a small
convolutional one whose code is a feature map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn

from reviewkit.autoencoders.corruptions import (
    Compose,
    Corruption,
    NoCorruption,
    PatchMask,
    PixelMask,
    check_corruption,
)
from reviewkit.checks import (
    check_choice,
    check_float,
    check_generator,
    check_instance,
    check_int,
    seeded_generator,
)

__all__ = [
    "AutoencoderConfig",
    "ConvAutoencoder",
    "MLPAutoencoder",
    "build_model",
    "init_weights",
]


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
    # NoCorruption by default: the plain (vanilla) autoencoder.
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
        if not isinstance(shape, tuple) or len(shape) != 2:
            raise ValueError(
                f"image_shape must be a tuple (H, W) of positive ints, got {shape!r}"
            )
        # numpy ints become ints, as everywhere (and the repr, the cache key, stays)
        shape = tuple(check_int(f"image_shape[{i}]", s, minimum=1)
                      for i, s in enumerate(shape))  # fmt: skip
        object.__setattr__(self, "image_shape", shape)
        check_choice("arch", self.arch, ("mlp", "conv"))
        check_int("hidden", self.hidden, minimum=1)
        check_int("code_size", self.code_size, minimum=1)
        check_corruption("corruption", self.corruption)
        check_choice("loss_on", self.loss_on, ("all", "masked"))
        check_choice("target", self.target, ("clean", "corrupted"))
        check_int("epochs", self.epochs, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_float("lr", self.lr, low=0, low_inclusive=False)
        if self.arch == "conv" and (shape[0] % 2 or shape[1] % 2):
            raise ValueError(f"image_shape must be even for arch='conv', got {shape!r}")
        if self.loss_on == "masked" and _hides_nothing(self.corruption):
            # the loss would average over no pixel at all: exactly 0, no learning
            raise ValueError(
                "loss_on='masked' needs a corruption that hides pixels, got "
                f"corruption={self.corruption!r}: the loss would be exactly 0"
            )


def _hides_nothing(corruption: Corruption) -> bool:
    """Whether a corruption of this package never marks a pixel in its mask."""
    if isinstance(corruption, NoCorruption):
        return True
    if isinstance(corruption, (PixelMask, PatchMask)):
        return corruption.ratio == 0
    if isinstance(corruption, Compose):
        return all(_hides_nothing(part) for part in corruption.parts)
    return False  # a user's corruption: training checks its masks instead


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


@torch.no_grad()
def init_weights(model: nn.Module, generator: torch.Generator) -> nn.Module:
    r"""Draw every layer's weights from ``generator``, as PyTorch's default init does.

    Each linear, convolutional and transposed convolutional layer, in the
    order the model registers them, gets its weight and then its bias from

    .. math::

        W \sim \mathcal U\!\left(-\tfrac{1}{\sqrt{n}}, \tfrac{1}{\sqrt{n}}\right),
        \qquad
        b \sim \mathcal U\!\left(-\tfrac{1}{\sqrt{n}}, \tfrac{1}{\sqrt{n}}\right)

    with :math:`n` the layer's fan-in: the distributions and the order of
    ``reset_parameters``, so a generator seeded with ``s`` gives the weights
    that ``torch.manual_seed(s)`` followed by building the model would, but
    without touching torch's global random state (threads cannot disturb it).

    Args:
        model: The network; changed in place.
        generator: A CPU generator; every draw comes from it.

    Returns:
        ``model``.
    """
    check_generator("generator", generator)
    for layer in model.modules():
        if not isinstance(layer, (nn.Linear, nn.modules.conv._ConvNd)):
            continue
        # kaiming_uniform_ with a = sqrt(5): W ~ U(-1/sqrt(n), 1/sqrt(n))
        nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
        if layer.bias is not None:
            fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
            # b ~ U(-1/sqrt(n), 1/sqrt(n))
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return model


def build_model(config: AutoencoderConfig, seed: int | torch.Generator) -> nn.Module:
    """The untrained network a configuration describes, its weights drawn from a seed.

    The layers are created on PyTorch's ``meta`` device (no memory, no random
    draws), moved to the CPU and filled by :func:`init_weights`, so the global
    random state is neither read nor changed.

    Args:
        config: The configuration.
        seed: A seed in ``[0, 2**63)`` or a :class:`torch.Generator` to draw
            the weights from.

    Returns:
        An :class:`MLPAutoencoder` or a :class:`ConvAutoencoder` (float32, CPU).

    Raises:
        ValueError: If the weights do not fit in memory.
    """
    check_instance("config", config, AutoencoderConfig)
    generator = seed if isinstance(seed, torch.Generator) else seeded_generator(seed)
    with torch.device("meta"):
        if config.arch == "conv":
            model = ConvAutoencoder(config.hidden, config.code_size)
        else:
            model = MLPAutoencoder(config.image_shape, config.hidden, config.code_size)
    try:
        model = model.to_empty(device="cpu")
    except RuntimeError as err:  # torch's allocator: name the fields that asked
        n = sum(p.numel() for p in model.parameters())
        raise ValueError(
            f"config's hidden={config.hidden}, code_size={config.code_size} and "
            f"image_shape={config.image_shape} need {n:.3g} weights "
            f"({n * 4 / 2**30:.3g} GiB in float32), more than can be allocated"
        ) from err
    return init_weights(model, generator)
