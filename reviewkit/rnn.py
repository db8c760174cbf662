"""A vanilla RNN written out step by step, its regressor, task and training.

The layer is the textbook recurrence, unrolled as an explicit Python loop so
that every hidden state :math:`h_t` is a tensor of its own that autograd can
take a derivative with respect to (see :mod:`reviewkit.gradients`):

.. math::

    h_t = \\sigma(W_h h_{t-1} + W_x x_t + b), \\qquad
    \\hat y_t = W_f h_t + b_f .

The task is a regression: the target at step :math:`t` is the running average
of the inputs so far. The recurrent matrix can be built with an exact spectral
radius (:func:`matrix_with_spectral_radius`) or as a Gaussian with a chosen
weight scale (:func:`gaussian_matrix`), which is what the pages sweep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from reviewkit.checks import check_choice, check_float, check_int, check_tensor

__all__ = [
    "NONLINEARITIES",
    "RNNRegressor",
    "TrainConfig",
    "VanillaRNN",
    "gaussian_matrix",
    "jordan_matrix",
    "matrix_with_spectral_radius",
    "running_average_task",
    "sequence_loss",
    "train_regressor",
]

#: The nonlinearities :class:`VanillaRNN` accepts for :math:`\sigma`.
NONLINEARITIES: tuple[str, ...] = ("linear", "tanh", "relu")

_MATRIX_KINDS = ("orthogonal", "symmetric", "gaussian")


def _generator(seed: int) -> torch.Generator:
    """A fresh CPU generator seeded with ``seed`` (global state untouched)."""
    return torch.Generator().manual_seed(check_int("seed", seed, minimum=0))


def gaussian_matrix(rows: int, cols: int, scale: float, *, seed: int) -> torch.Tensor:
    """A Gaussian matrix whose entries have standard deviation ``scale / sqrt(cols)``.

    For a square matrix the eigenvalues fill a disc of radius close to
    ``scale`` (the circular law), so ``scale`` is roughly the spectral radius.

    .. math::

        W_{ij} \\sim \\mathcal{N}(0, \\mathrm{scale}^2 / \\mathrm{cols})

    Args:
        rows: Number of rows.
        cols: Number of columns (the fan-in).
        scale: The weight scale; 0 gives the zero matrix.
        seed: Seed of the generator that draws the entries.

    Returns:
        The matrix, shape (rows, cols).
    """
    rows = check_int("rows", rows, minimum=1)
    cols = check_int("cols", cols, minimum=1)
    scale = check_float("scale", scale, low=0.0)
    G = torch.randn(rows, cols, generator=_generator(seed))
    return G * (scale / math.sqrt(cols))


def matrix_with_spectral_radius(
    size: int, radius: float, *, kind: str = "symmetric", seed: int
) -> torch.Tensor:
    """A random square matrix rescaled so its spectral radius is exactly ``radius``.

    .. math::

        W = \\rho \\, \\frac{A}{\\max_i |\\lambda_i(A)|}

    ``kind`` picks ``A``: ``"symmetric"`` (a normal matrix with spread-out real
    eigenvalues), ``"orthogonal"`` (a normal matrix whose eigenvalues all have
    modulus :math:`\\rho`, so :math:`\\|W^k v\\| = \\rho^k \\|v\\|`) or
    ``"gaussian"`` (a generic, non-normal matrix).

    Args:
        size: Number of rows and columns.
        radius: The spectral radius :math:`\\rho` wanted, at least 0.
        kind: One of ``"symmetric"``, ``"orthogonal"``, ``"gaussian"``.
        seed: Seed of the generator that draws ``A``.

    Returns:
        The matrix, shape (size, size), in float32.
    """
    size = check_int("size", size, minimum=1)
    radius = check_float("radius", radius, low=0.0)
    kind = check_choice("kind", kind, _MATRIX_KINDS)
    G = torch.randn(size, size, generator=_generator(seed), dtype=torch.float64)
    if kind == "symmetric":
        A = (G + G.T) / 2
    elif kind == "orthogonal":
        A, R = torch.linalg.qr(G)
        A = A * torch.sign(torch.diagonal(R))  # a uniformly random orthogonal matrix
    else:
        A = G
    rho_A = torch.linalg.eigvals(A).abs().max()
    return (radius * A / rho_A).to(torch.float32)


def jordan_matrix(size: int, radius: float, coupling: float) -> torch.Tensor:
    """A non-normal matrix: ``radius`` on the diagonal, ``coupling`` just above it.

    Its only eigenvalue is ``radius``, so its spectral radius is ``radius``,
    yet the powers :math:`\\|W^k\\|` can grow for a while before they decay.

    .. math::

        W = \\rho I + c \\sum_i e_i e_{i+1}^\\top

    Args:
        size: Number of rows and columns.
        radius: The diagonal, which is also the spectral radius (at least 0).
        coupling: The superdiagonal :math:`c`.

    Returns:
        The matrix, shape (size, size).
    """
    size = check_int("size", size, minimum=1)
    radius = check_float("radius", radius, low=0.0)
    coupling = check_float("coupling", coupling)
    return radius * torch.eye(size) + coupling * torch.diag(torch.ones(size - 1), 1)


def _check_sequences(name: str, x: torch.Tensor, features: int) -> torch.Tensor:
    """Check that ``x`` is a non-empty float batch of shape (B, T, features)."""
    check_tensor(name, x, ndim=3, floating=True)
    B, T, D = x.shape
    if B == 0 or T == 0:
        raise ValueError(
            f"{name} must hold at least one sequence of at least one step, "
            f"got shape {tuple(x.shape)} (B, T, D)"
        )
    if features != D:
        raise ValueError(
            f"{name} must have {features} features in its last dimension, "
            f"got shape {tuple(x.shape)}"
        )
    return x


class VanillaRNN(nn.Module):
    """One vanilla RNN layer, unrolled over time with an explicit loop.

    .. math::

        h_t = \\sigma(W_h h_{t-1} + W_x x_t + b), \\qquad h_0 = 0

    Args:
        input_size: Features per input step, :math:`D`.
        hidden_size: Hidden units, :math:`H`.
        nonlinearity: :math:`\\sigma`: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian ``W_h`` (see :func:`gaussian_matrix`).
        W_h: A recurrent matrix to use instead, shape (H, H).
        seed: Seed for the random weights.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        nonlinearity: str = "tanh",
        *,
        weight_scale: float = 1.0,
        W_h: torch.Tensor | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.input_size = check_int("input_size", input_size, minimum=1)
        self.hidden_size = H = check_int("hidden_size", hidden_size, minimum=1)
        self.nonlinearity = check_choice("nonlinearity", nonlinearity, NONLINEARITIES)
        if W_h is None:
            W_h = gaussian_matrix(H, H, weight_scale, seed=seed)
        else:
            check_tensor("W_h", W_h, ndim=2, floating=True)
            if tuple(W_h.shape) != (H, H):
                raise ValueError(
                    f"W_h must have shape ({H}, {H}), got {tuple(W_h.shape)}"
                )
        self.W_h = nn.Parameter(W_h.detach().clone().float())  # (H, H)
        self.W_x = nn.Parameter(gaussian_matrix(H, input_size, 1.0, seed=seed + 1))
        self.b = nn.Parameter(torch.zeros(H))  # (H,)

    def sigma(self, a: torch.Tensor) -> torch.Tensor:
        """Apply the layer's nonlinearity elementwise.

        Args:
            a: Pre-activations, any shape.

        Returns:
            :math:`\\sigma(a)`, the same shape.
        """
        if self.nonlinearity == "tanh":
            return torch.tanh(a)
        if self.nonlinearity == "relu":
            return torch.relu(a)
        return a

    def unroll(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Run the recurrence and return each hidden state as its own tensor.

        Args:
            x: Input sequences, shape (B, T, D).

        Returns:
            ``[h_1, ..., h_T]``, each of shape (B, H).
        """
        _check_sequences("x", x, self.input_size)
        h = x.new_zeros(x.shape[0], self.hidden_size)  # h_0 = 0, (B, H)
        states = []
        for t in range(x.shape[1]):
            # h_t = sigma(W_h h_{t-1} + W_x x_t + b)
            h = self.sigma(h @ self.W_h.T + x[:, t] @ self.W_x.T + self.b)  # (B, H)
            states.append(h)
        return states

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden states of every step.

        Args:
            x: Input sequences, shape (B, T, D).

        Returns:
            The hidden states, shape (B, T, H).
        """
        return torch.stack(self.unroll(x), dim=1)


class RNNRegressor(nn.Module):
    """A :class:`VanillaRNN` with a linear readout at every step.

    .. math::

        \\hat y_t = W_f h_t + b_f

    Args:
        input_size: Features per input step, :math:`D`.
        hidden_size: Hidden units, :math:`H`.
        output_size: Outputs per step, :math:`O`.
        nonlinearity: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian ``W_h``.
        W_h: A recurrent matrix to use instead, shape (H, H).
        seed: Seed for the random weights.
    """

    def __init__(
        self,
        input_size: int = 1,
        hidden_size: int = 32,
        output_size: int = 1,
        nonlinearity: str = "tanh",
        *,
        weight_scale: float = 1.0,
        W_h: torch.Tensor | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.rnn = VanillaRNN(
            input_size,
            hidden_size,
            nonlinearity,
            weight_scale=weight_scale,
            W_h=W_h,
            seed=seed,
        )
        O = check_int("output_size", output_size, minimum=1)
        self.W_f = nn.Parameter(gaussian_matrix(O, hidden_size, 1.0, seed=seed + 2))
        self.b_f = nn.Parameter(torch.zeros(O))  # (O,)

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """The prediction for hidden states ``h``.

        Args:
            h: Hidden states, shape (..., H).

        Returns:
            :math:`W_f h + b_f`, shape (..., O).
        """
        # y_hat_t = W_f h_t + b_f
        return h @ self.W_f.T + self.b_f

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predictions at every step.

        Args:
            x: Input sequences, shape (B, T, D).

        Returns:
            The predictions, shape (B, T, O).
        """
        return self.readout(self.rnn(x))


def running_average_task(
    batch_size: int, seq_len: int, *, seed: int | torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random sequences and the running average of each as the target.

    Each sequence has its own level :math:`m \\sim \\mathcal N(0, 1)` plus
    independent noise, :math:`x_t = m + \\varepsilon_t`, so the average at the
    last step stays of order one and depends on every input equally.

    .. math::

        y_t = \\frac{1}{t} \\sum_{s=1}^{t} x_s

    Args:
        batch_size: Number of sequences, :math:`B`.
        seq_len: Steps per sequence, :math:`T`.
        seed: An int seed, or a generator to draw from (it advances).

    Returns:
        ``(x, y)``, both of shape (B, T, 1).
    """
    B = check_int("batch_size", batch_size, minimum=1)
    T = check_int("seq_len", seq_len, minimum=1)
    gen = seed if isinstance(seed, torch.Generator) else _generator(seed)
    level = torch.randn(B, 1, 1, generator=gen)  # (B, 1, 1)
    x = level + torch.randn(B, T, 1, generator=gen)  # (B, T, 1)
    steps = torch.arange(1, T + 1, dtype=x.dtype).view(1, T, 1)
    # y_t = (1 / t) sum_{s <= t} x_s
    y = torch.cumsum(x, dim=1) / steps  # (B, T, 1)
    return x, y


def sequence_loss(
    y_hat: torch.Tensor, y: torch.Tensor, *, last_step_only: bool
) -> torch.Tensor:
    """Mean squared error on every step, or on the last step only.

    .. math::

        L = \\frac{1}{T}\\sum_{t=1}^{T} \\overline{(\\hat y_t - y_t)^2}
        \\quad\\text{or}\\quad L = \\overline{(\\hat y_T - y_T)^2}

    (the bar is the mean over the batch and the outputs).

    Args:
        y_hat: Predictions, shape (B, T, O).
        y: Targets, the same shape.
        last_step_only: Use only step :math:`T` (task 2) instead of all steps.

    Returns:
        The loss, a scalar tensor.
    """
    check_tensor("y_hat", y_hat, ndim=3, floating=True)
    check_tensor("y", y, ndim=3, floating=True)
    if y_hat.shape != y.shape:
        raise ValueError(
            f"y must have the shape of y_hat {tuple(y_hat.shape)}, got {tuple(y.shape)}"
        )
    if not isinstance(last_step_only, bool):
        raise TypeError(
            f"last_step_only must be a bool, got {type(last_step_only).__name__}"
        )
    if last_step_only:
        y_hat, y = y_hat[:, -1:], y[:, -1:]
    return ((y_hat - y) ** 2).mean()


@dataclass(frozen=True)
class TrainConfig:
    """How :func:`train_regressor` trains a model on the running-average task."""

    steps: int = 300  # enough for the loss to flatten at this size, in ~1 s
    batch_size: int = 32  # small batches keep a step at about a millisecond
    seq_len: int = 20  # long enough for gradients to shrink or grow visibly
    lr: float = 3e-3  # Adam's usual range; larger rates diverge for ReLU
    last_step_only: bool = False  # False: task 1 (every step); True: task 2
    clip: float = 1.0  # gradient-norm clipping keeps exploding runs finite
    seed: int = 0  # seeds the training batches (weights are seeded separately)


def train_regressor(model: RNNRegressor, config: TrainConfig) -> list[float]:
    """Train ``model`` in place with Adam on fresh running-average batches.

    Args:
        model: The model to train.
        config: Steps, batch size, sequence length, learning rate, loss, seed.

    Returns:
        The training loss at every step.
    """
    if not isinstance(model, RNNRegressor):
        raise TypeError(f"model must be an RNNRegressor, got {type(model).__name__}")
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    gen = _generator(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    for _ in range(config.steps):
        x, y = running_average_task(config.batch_size, config.seq_len, seed=gen)
        loss = sequence_loss(model(x), y, last_step_only=config.last_step_only)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
