"""The chapter's two regression tasks and the loss that scores them.

The running average (the review sheet's task, :func:`running_average_task`)
and lag-:math:`D` recall (page 2c, :func:`lag_task`: white noise in, the input
:math:`D` steps back out, which isolates long-range credit assignment).
:func:`sequence_loss` weighs each step's squared error by :func:`loss_weights`
(every step with a target, or the last only); as a tensor, the choice can
differ between models trained side by side under ``torch.func.vmap``.
"""

from __future__ import annotations

import torch

from reviewkit.checks import check_bool, check_int, check_tensor, seeded_generator

__all__ = ["lag_task", "loss_weights", "running_average_task", "sequence_loss"]


def _gen(seed: int | torch.Generator) -> torch.Generator:
    """Use ``seed`` if it is a generator, else a fresh one seeded with it."""
    return seed if isinstance(seed, torch.Generator) else seeded_generator(seed)


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
        ``(x, y)``, both of shape (B, T, 1), float32.
    """
    B = check_int("batch_size", batch_size, minimum=1)
    T = check_int("seq_len", seq_len, minimum=1)
    gen = _gen(seed)
    level = torch.randn(B, 1, 1, generator=gen)  # (B, 1, 1)
    x = level + torch.randn(B, T, 1, generator=gen)  # (B, T, 1)
    steps = torch.arange(1, T + 1, dtype=x.dtype).view(1, T, 1)
    # y_t = (1 / t) sum_{s <= t} x_s
    y = torch.cumsum(x, dim=1) / steps  # (B, T, 1)
    return x, y


def lag_task(
    batch_size: int, seq_len: int, lag: int, *, seed: int | torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """White-noise inputs; the target at step :math:`t` is the input ``lag`` steps back.

    .. math::

        x_t \\sim \\mathcal N(0, 1), \\qquad y_t = x_{t-D} \\quad (t > D)

    The first :math:`D` targets are 0 (nothing to recall; ``first_step=lag``
    in :func:`loss_weights` leaves them out). The target has variance 1, so
    :math:`R^2 = 1 - \\mathrm{MSE}`.

    Args:
        batch_size: Number of sequences, :math:`B`.
        seq_len: Steps per sequence, :math:`T`, more than ``lag``.
        lag: How far back the target looks, :math:`D \\ge 0`.
        seed: An int seed, or a generator to draw from (it advances).

    Returns:
        ``(x, y)``, both of shape (B, T, 1), float32.
    """
    B = check_int("batch_size", batch_size, minimum=1)
    T = check_int("seq_len", seq_len, minimum=1)
    D = check_int("lag", lag, minimum=0, maximum=T - 1)
    x = torch.randn(B, T, 1, generator=_gen(seed))  # (B, T, 1)
    y = torch.zeros_like(x)  # (B, T, 1)
    # y_t = x_{t-D} for t > D
    y[:, D:] = x[:, : T - D]
    return x, y


def loss_weights(
    seq_len: int, *, last_step_only: bool, first_step: int = 0
) -> torch.Tensor:
    """Where the loss sits: the weight of each step's error in :func:`sequence_loss`.

    .. math::

        w_t = \\frac{1}{T - t_0} \\; (t > t_0) \\quad\\text{or}\\quad
        w_t = [t = T] \\; (\\text{last step only})

    Args:
        seq_len: Steps per sequence, :math:`T`.
        last_step_only: All the weight on step :math:`T` (task 2).
        first_step: Steps before this (0-based) index carry no loss (the first
            ``lag`` steps of :func:`lag_task`).

    Returns:
        :math:`w`, shape (T,), float64, summing to 1.
    """
    T = check_int("seq_len", seq_len, minimum=1)
    check_bool("last_step_only", last_step_only)
    t0 = check_int("first_step", first_step, minimum=0, maximum=T - 1)
    w = torch.zeros(T, dtype=torch.float64)  # cast to the model's dtype when used
    if last_step_only:
        w[-1] = 1.0
    else:
        w[t0:] = 1.0 / (T - t0)
    return w


def sequence_loss(
    y_hat: torch.Tensor, y: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor:
    """The weighted sum over steps of the mean squared error.

    .. math::

        L = \\sum_t w_t \\, \\overline{(\\hat y_t - y_t)^2}

    (the bar: the mean over batch and outputs). It checks types and shapes,
    not values, so it runs under ``torch.func.vmap``.

    Args:
        y_hat: Predictions, shape (B, T, O).
        y: Targets, the same shape; cast to the dtype of ``y_hat``.
        weights: :math:`w`, shape (T,), from :func:`loss_weights`.

    Returns:
        The loss, a scalar tensor.
    """
    check_tensor("y_hat", y_hat, ndim=3, floating=True)
    check_tensor("y", y, floating=True)
    check_tensor("weights", weights, ndim=1, floating=True)
    if y.shape != y_hat.shape or weights.shape != y.shape[1:2] or 0 in y.shape:
        raise ValueError(
            "y_hat, y and weights must have shapes (B, T, O), (B, T, O) and (T,), "
            f"not empty, got {tuple(y_hat.shape)}, {tuple(y.shape)} and "
            f"{tuple(weights.shape)}"
        )
    # L = sum_t w_t * mean over batch and outputs of (y_hat_t - y_t)^2
    per_step = ((y_hat - y.to(y_hat.dtype)) ** 2).mean(dim=(0, 2))  # (T,)
    return (weights.to(y_hat.dtype) * per_step).sum()
