"""A vanilla RNN written out step by step, and the regressor built on it.

The textbook recurrence, unrolled as a Python loop so that every hidden state
:math:`h_t` is a tensor autograd can differentiate with respect to:

.. math::

    h_t = \\sigma(W_h h_{t-1} + W_x x_t + b), \\qquad
    \\hat y_t = W_f h_t + b_f .

Models follow their parameters' dtype (float32 unless ``model.double()``);
inputs are cast to it. ``forward`` checks types and shapes, not values, so it
runs under ``torch.func.vmap``; the functions that take data refuse
non-finite values at their door.
"""

from __future__ import annotations

import torch
from torch import nn

from reviewkit.checks import (
    check_choice,
    check_instance,
    check_int,
    check_tensor,
)
from reviewkit.rnn.weights import check_scale, gaussian_matrix

__all__ = [
    "NONLINEARITIES",
    "RNNRegressor",
    "VanillaRNN",
    "check_regressor",
    "check_sequences",
]

#: The nonlinearities :class:`VanillaRNN` accepts for :math:`\sigma`.
NONLINEARITIES: tuple[str, ...] = ("linear", "tanh", "relu")
_SIGMA = {"linear": lambda a: a, "tanh": torch.tanh, "relu": torch.relu}

# the weights use generators seeded with seed, seed + 1 and seed + 2
_MAX_SEED = 2**63 - 3


def check_sequences(
    name: str,
    x: object,
    features: int,
    dtype: torch.dtype | None = None,
    *,
    finite: bool = True,
) -> torch.Tensor:
    """Return ``x`` if it is a non-empty float (B, T, features) batch, cast to dtype.

    Raises:
        TypeError: If ``x`` is not a floating-point tensor.
        ValueError: If its shape is wrong or empty, or (``finite``) not finite.
    """
    check_tensor(name, x, ndim=3, floating=True)
    assert isinstance(x, torch.Tensor)
    if 0 in x.shape[:2] or x.shape[2] != features:
        raise ValueError(
            f"{name} must have shape (B, T, {features}) with B, T >= 1, "
            f"got {tuple(x.shape)}"
        )
    check_tensor(name, x, finite=finite)
    return x if dtype is None else x.to(dtype)


class VanillaRNN(nn.Module):
    """One vanilla RNN layer, unrolled over time with an explicit loop.

    .. math::

        h_t = \\sigma(W_h h_{t-1} + W_x x_t + b), \\qquad h_0 = 0

    Args:
        input_size: Features per input step, :math:`D`.
        hidden_size: Hidden units, :math:`H`.
        nonlinearity: :math:`\\sigma`: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian ``W_h``, in ``[0, MAX_SCALE]`` (see
            :func:`~reviewkit.rnn.weights.gaussian_matrix`).
        W_h: A finite recurrent matrix to use instead, shape (H, H) (copied,
            as float32).
        seed: Seed for the random weights (``W_h`` from ``seed``, ``W_x`` from
            ``seed + 1``).
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
        seed = check_int("seed", seed, minimum=0, maximum=_MAX_SEED)
        weight_scale = check_scale("weight_scale", weight_scale)
        if W_h is None:
            W_h = gaussian_matrix(H, H, weight_scale, seed=seed)
        else:
            check_tensor("W_h", W_h, ndim=2, floating=True)
            if tuple(W_h.shape) != (H, H):
                raise ValueError(
                    f"W_h must have shape ({H}, {H}), got {tuple(W_h.shape)}"
                )
            check_tensor("W_h", W_h, finite=True)
            if (big := W_h.detach().abs().max().item()) > torch.finfo().max:
                raise ValueError(
                    "W_h must fit float32 (|entries| up to about 3.4e38; the model "
                    f"keeps its weights in float32), got entries as large as {big:g}"
                )
        self.W_h = nn.Parameter(W_h.detach().clone().float())  # (H, H)
        self.W_x = nn.Parameter(gaussian_matrix(H, input_size, 1.0, seed=seed + 1))
        self.b = nn.Parameter(torch.zeros(H))  # (H,)

    def unroll(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Run the recurrence and return each hidden state as its own tensor.

        Args:
            x: Input sequences, shape (B, T, D); cast to the model's dtype.

        Returns:
            ``[h_1, ..., h_T]``, each of shape (B, H).
        """
        x = check_sequences("x", x, self.input_size, self.W_h.dtype, finite=False)
        sigma = _SIGMA[self.nonlinearity]
        h = x.new_zeros(x.shape[0], self.hidden_size)  # h_0 = 0, (B, H)
        u = x @ self.W_x.T + self.b  # W_x x_t + b for every t at once, (B, T, H)
        W_h_T = self.W_h.T  # (H, H)
        states = []
        # unbind, not u[:, t]: its backward is one stack, not T zero-filled copies
        for u_t in u.unbind(dim=1):  # (B, H) each
            # h_t = sigma(W_h h_{t-1} + W_x x_t + b)
            h = sigma(h @ W_h_T + u_t)  # (B, H)
            states.append(h)
        return states

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Hidden states of every step, (B, T, H), for inputs ``x``, (B, T, D)."""
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
        W_h: A finite recurrent matrix to use instead, shape (H, H).
        seed: Seed for the random weights (``W_f`` from ``seed + 2``).
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
        """Predictions :math:`W_f h + b_f`, (..., O), for states ``h``, (..., H)."""
        # y_hat_t = W_f h_t + b_f
        return h @ self.W_f.T + self.b_f

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Predictions at every step, (B, T, O), for inputs ``x``, (B, T, D)."""
        return self.readout(self.rnn(x))


def check_regressor(name: str, model: object, *, scalar: bool = False) -> RNNRegressor:
    """Return ``model`` if it is an :class:`RNNRegressor` (D = O = 1 if ``scalar``).

    Raises:
        TypeError: If ``model`` is not an :class:`RNNRegressor`.
        ValueError: If ``scalar`` and it has more than one input or output.
    """
    check_instance(name, model, RNNRegressor)
    if scalar and (model.rnn.input_size != 1 or model.W_f.shape[0] != 1):
        raise ValueError(
            f"{name} must have one input and one output per step (input_size 1, "
            f"output_size 1), got {model.rnn.input_size} and {model.W_f.shape[0]}"
        )
    return model
