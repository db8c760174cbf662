"""How big dL/dh_t is at every step: an autograd probe, a closed form, analyses.

For the regressor of :mod:`reviewkit.rnn` the total derivative of the loss
with respect to the hidden state :math:`h_t` collects every path from
:math:`h_t` to a loss term. With :math:`J_k = \\partial h_k / \\partial h_{k-1}
= \\mathrm{diag}(\\sigma'(a_k)) W_h`, and loss terms :math:`L_s`,

.. math::

    \\frac{\\partial L}{\\partial h_t}
    = \\sum_{s \\ge t} J_{t+1}^\\top \\cdots J_s^\\top \\,
      W_f^\\top \\frac{\\partial L_s}{\\partial \\hat y_s} .

Without a nonlinearity every :math:`J_k` is :math:`W_h`, and the sum becomes
powers of :math:`W_h^\\top` (:func:`linear_closed_form`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import torch

from reviewkit.checks import check_int, check_tensor
from reviewkit.rnn import (
    RNNRegressor,
    TrainConfig,
    running_average_task,
    sequence_loss,
    train_regressor,
)

__all__ = [
    "GradientProfile",
    "LongRange",
    "LongRangeResult",
    "ScaleSweep",
    "SweepResult",
    "contribution_norms",
    "fit_log_rate",
    "input_influence",
    "linear_closed_form",
    "long_range",
    "mean_by_distance",
    "probe_gradients",
    "scale_sweep",
]


@dataclass(frozen=True)
class GradientProfile:
    """What :func:`probe_gradients` measures, one entry per time step."""

    grads: torch.Tensor  #: :math:`\partial L / \partial h_t` per step, (B, T, H)
    grad_norms: torch.Tensor  #: norm of the whole (B, H) gradient per step, (T,)
    state_norms: torch.Tensor  #: mean over the batch of :math:`\|h_t\|`, (T,)


def _check_batch(model: RNNRegressor, x: torch.Tensor, y: torch.Tensor) -> None:
    """Check the model type and that ``x`` and ``y`` fit it and each other."""
    if not isinstance(model, RNNRegressor):
        raise TypeError(f"model must be an RNNRegressor, got {type(model).__name__}")
    check_tensor("x", x, ndim=3, floating=True)
    check_tensor("y", y, ndim=3, floating=True)
    O = model.W_f.shape[0]
    if tuple(y.shape) != (*x.shape[:2], O):
        raise ValueError(
            f"y must have shape {(*x.shape[:2], O)} (B, T, O) to match x, "
            f"got {tuple(y.shape)}"
        )


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def probe_gradients(
    model: RNNRegressor, x: torch.Tensor, y: torch.Tensor, *, last_step_only: bool
) -> GradientProfile:
    """Measure :math:`\\partial L / \\partial h_t` at every step with autograd.

    The loss is :func:`reviewkit.rnn.sequence_loss`. The model's parameter
    gradients are left untouched.

    .. math::

        g_t = \\Big\\| \\frac{\\partial L}{\\partial h_t} \\Big\\|_F

    Args:
        model: The regressor to probe.
        x: Input sequences, shape (B, T, D).
        y: Targets, shape (B, T, O).
        last_step_only: Loss on the last step only, instead of on every step.

    Returns:
        The gradients, their norms and the hidden-state norms.
    """
    _check_batch(model, x, y)
    _check_bool("last_step_only", last_step_only)
    states = model.rnn.unroll(x)  # T tensors of shape (B, H)
    y_hat = model.readout(torch.stack(states, dim=1))  # (B, T, O)
    loss = sequence_loss(y_hat, y, last_step_only=last_step_only)
    grads = torch.autograd.grad(loss, states)  # T tensors of shape (B, H)
    G = torch.stack(grads, dim=1).detach()  # (B, T, H)
    S = torch.stack(states, dim=1).detach()  # (B, T, H)
    return GradientProfile(
        grads=G,
        grad_norms=G.double().pow(2).sum(dim=(0, 2)).sqrt(),  # (T,), float64
        state_norms=S.double().norm(dim=2).mean(dim=0),  # (T,), float64
    )


@torch.no_grad()
def linear_closed_form(
    model: RNNRegressor, x: torch.Tensor, y: torch.Tensor, *, last_step_only: bool
) -> torch.Tensor:
    """:math:`\\partial L / \\partial h_t` of a linear RNN from matrix powers.

    With :math:`\\sigma` the identity, :math:`e_s = \\partial L/\\partial
    \\hat y_s` (zero for steps without a loss term) and no autograd:

    .. math::

        \\frac{\\partial L}{\\partial h_t}
        = \\sum_{s=t}^{T} (W_h^\\top)^{s-t} W_f^\\top e_s .

    Args:
        model: A regressor whose nonlinearity is ``"linear"``.
        x: Input sequences, shape (B, T, D).
        y: Targets, shape (B, T, O).
        last_step_only: Loss on the last step only, instead of on every step.

    Returns:
        The gradients, shape (B, T, H).
    """
    _check_batch(model, x, y)
    _check_bool("last_step_only", last_step_only)
    if model.rnn.nonlinearity != "linear":
        raise ValueError(
            "model must have nonlinearity 'linear' for the closed form, "
            f"got {model.rnn.nonlinearity!r}"
        )
    B, T, _ = x.shape
    err = model(x) - y  # (B, T, O)
    # dL/dy_hat_s for the mean squared error over the steps that count
    if last_step_only:
        e = torch.zeros_like(err)
        e[:, -1] = 2 * err[:, -1] / err[:, -1].numel()
    else:
        e = 2 * err / err.numel()  # (B, T, O)
    W_h, W_f = model.rnn.W_h, model.W_f
    grads = torch.zeros(B, T, W_h.shape[0], dtype=x.dtype)
    powers = [torch.linalg.matrix_power(W_h, k) for k in range(T)]  # W_h^k, (H, H)
    for t in range(T):
        for s in range(t, T):
            # row form of (W_h^T)^(s-t) W_f^T e_s
            grads[:, t] += e[:, s] @ W_f @ powers[s - t]
    return grads


def contribution_norms(
    model: RNNRegressor, x: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """Split :math:`\\partial L/\\partial h_t` into one term per loss step.

    With the loss on every step, :math:`L = \\frac1T \\sum_s L_s`, and

    .. math::

        C_{ts} = \\Big\\| \\frac{\\partial (L_s / T)}{\\partial h_t} \\Big\\|_F ,
        \\qquad \\frac{\\partial L}{\\partial h_t}
        = \\sum_{s \\ge t} \\frac{\\partial (L_s / T)}{\\partial h_t} .

    Args:
        model: The regressor to probe.
        x: Input sequences, shape (B, T, D).
        y: Targets, shape (B, T, O).

    Returns:
        :math:`C`, shape (T, T): row ``t`` is the state, column ``s`` the loss
        step (zero below the diagonal, where :math:`s < t`).
    """
    _check_batch(model, x, y)
    states = model.rnn.unroll(x)  # T tensors of shape (B, H)
    y_hat = model.readout(torch.stack(states, dim=1))  # (B, T, O)
    T = x.shape[1]
    per_step = ((y_hat - y) ** 2).mean(dim=(0, 2)) / T  # L_s / T, (T,)
    C = torch.zeros(T, T, dtype=x.dtype)
    for s in range(T):
        grads = torch.autograd.grad(per_step[s], states[: s + 1], retain_graph=True)
        C[: s + 1, s] = torch.stack([g.pow(2).sum().sqrt() for g in grads])
    return C


def mean_by_distance(C: torch.Tensor) -> torch.Tensor:
    """Average the contributions :math:`C_{ts}` over pairs at the same distance.

    .. math::

        c_d = \\frac{1}{T-d} \\sum_{t=1}^{T-d} C_{t,\\,t+d}

    Args:
        C: Contributions from :func:`contribution_norms`, shape (T, T).

    Returns:
        :math:`c_d` for :math:`d = 0, \\dots, T-1`, shape (T,).
    """
    check_tensor("C", C, ndim=2, floating=True)
    if C.shape[0] != C.shape[1] or C.shape[0] == 0:
        raise ValueError(f"C must be a non-empty square matrix, got {tuple(C.shape)}")
    T = C.shape[0]
    return torch.stack([torch.diagonal(C, offset=d).mean() for d in range(T)])


def fit_log_rate(norms: torch.Tensor, *, skip: int = 0) -> float:
    """Fit how fast a per-step norm changes, per step back from the last step.

    Least squares on :math:`\\ln g_{T-k} \\approx a + r\\,k` for
    :math:`k \\ge` ``skip``. For a linear RNN with last-step loss and a normal
    :math:`W_h`, :math:`r` tends to :math:`\\ln \\rho(W_h)`.

    Args:
        norms: Positive norms per step, shape (T,).
        skip: Steps next to the last one to leave out of the fit.

    Returns:
        The fitted rate :math:`r` (negative: vanishing, positive: exploding).
    """
    check_tensor("norms", norms, ndim=1, floating=True)
    skip = check_int("skip", skip, minimum=0)
    if norms.shape[0] - skip < 2:
        raise ValueError(
            f"norms must have at least skip + 2 = {skip + 2} entries, "
            f"got {norms.shape[0]}"
        )
    if not bool((norms > 0).all() and torch.isfinite(norms).all()):
        raise ValueError("norms must be positive and finite to take logs")
    log_g = norms.flip(0)[skip:].double().log()  # ln g_{T-k}, k = skip..T-1
    k = torch.arange(skip, norms.shape[0], dtype=torch.float64)
    k_c = k - k.mean()
    return float((k_c * (log_g - log_g.mean())).sum() / (k_c**2).sum())


def input_influence(model: RNNRegressor, x: torch.Tensor) -> torch.Tensor:
    """How much the last prediction moves with each input, on average.

    For the running average the ideal answer is :math:`1/T` for every step.

    .. math::

        \\iota_t = \\frac1B \\sum_b \\frac{\\partial \\hat y_T^{(b)}}
        {\\partial x_t^{(b)}}

    Args:
        model: A regressor with one input and one output per step.
        x: Input sequences, shape (B, T, 1).

    Returns:
        :math:`\\iota`, shape (T,).
    """
    if not isinstance(model, RNNRegressor):
        raise TypeError(f"model must be an RNNRegressor, got {type(model).__name__}")
    check_tensor("x", x, ndim=3, floating=True)
    if x.shape[2] != 1 or model.W_f.shape[0] != 1:
        raise ValueError(
            f"x must have shape (B, T, 1) and the model one output, "
            f"got x of shape {tuple(x.shape)}"
        )
    x = x.detach().requires_grad_(True)
    y_last = model(x)[:, -1, 0].sum()  # examples are independent: sum, then mean
    (g,) = torch.autograd.grad(y_last, x)  # (B, T, 1)
    return g[:, :, 0].mean(dim=0)


@dataclass(frozen=True)
class ScaleSweep:
    """Hidden-state and gradient sizes over weight scales (page 2b)."""

    nonlinearities: tuple[str, ...] = ("tanh", "relu")  # the pair 2b compares
    # from deep in the vanishing regime to well past the edge at about 1
    weight_scales: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
    seeds: tuple[int, ...] = (0, 1, 2)  # three models per cell: spread is visible
    hidden_size: int = 32  # as on the other pages
    seq_len: int = 30  # long enough for 10+ decades at the extremes
    batch_size: int = 16  # probe batch; the norms barely move with more
    train: TrainConfig | None = None  # None: probe untrained models


@dataclass(frozen=True)
class SweepResult:
    """What :func:`scale_sweep` measures, per (nonlinearity, weight scale)."""

    #: mean :math:`\|h_T\|`, one entry per seed
    state_norm: dict[tuple[str, float], list[float]]
    log10_grad_ratio: dict[tuple[str, float], list[float]]  #: see :func:`scale_sweep`
    final_loss: dict[tuple[str, float], list[float]]  #: last training loss (or nan)


def scale_sweep(config: ScaleSweep) -> SweepResult:
    """Probe (optionally trained) regressors over a grid of weight scales.

    For each nonlinearity, weight scale and seed, a regressor with a Gaussian
    :math:`W_h` of that scale is (trained with ``config.train`` and) probed
    with the loss on the last step only, on a fresh batch. It records the mean
    hidden-state norm at the last step and how much the gradient grew from the
    last step back to the first:

    .. math::

        \\log_{10} \\frac{\\|\\partial L/\\partial h_1\\|}
        {\\|\\partial L/\\partial h_T\\|}
        \\quad (< 0: \\text{vanishing}, \\; > 0: \\text{exploding})

    Args:
        config: The grid, the sizes and the training (if any).

    Returns:
        The measurements, keyed by ``(nonlinearity, weight_scale)``.
    """
    if not isinstance(config, ScaleSweep):
        raise TypeError(f"config must be a ScaleSweep, got {type(config).__name__}")
    states, ratios, losses = {}, {}, {}
    for nonlinearity in config.nonlinearities:
        for scale in config.weight_scales:
            key = (nonlinearity, scale)
            states[key], ratios[key], losses[key] = [], [], []
            for seed in config.seeds:
                model = RNNRegressor(
                    1,
                    config.hidden_size,
                    1,
                    nonlinearity,
                    weight_scale=scale,
                    seed=seed,
                )
                loss = math.nan
                if config.train is not None:
                    train = replace(config.train, seed=seed, last_step_only=True)
                    loss = train_regressor(model, train)[-1]
                x, y = running_average_task(
                    config.batch_size, config.seq_len, seed=1000 + seed
                )
                p = probe_gradients(model, x, y, last_step_only=True)
                states[key].append(p.state_norms[-1].item())
                first, last = p.grad_norms[0].item(), p.grad_norms[-1].item()
                ratios[key].append(math.log10(first) - math.log10(last))
                losses[key].append(loss)
    return SweepResult(states, ratios, losses)


@dataclass(frozen=True)
class LongRange:
    """Train with each loss and measure how far back the model looks (page 2c)."""

    nonlinearity: str = "tanh"  # the usual choice; ReLU diverges more easily
    weight_scale: float = 1.0  # the edge between vanishing and exploding
    hidden_size: int = 32  # as on the other pages
    seeds: tuple[int, ...] = (0, 1, 2)  # three runs per loss: is a gap systematic?
    # 200 Adam steps on 30-step sequences: the loss has flattened, ~1 s per run
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(steps=200, seq_len=30)
    )
    eval_batch: int = 256  # test sequences for the influence and the error


@dataclass(frozen=True)
class LongRangeResult:
    """What :func:`long_range` measures, keyed by ``last_step_only``."""

    influence: dict[bool, torch.Tensor]  #: mean :func:`input_influence`, (seeds, T)
    last_step_mse: dict[bool, list[float]]  #: test error at step T, per seed


def long_range(config: LongRange) -> LongRangeResult:
    """Train one model per seed with each loss; measure memory of early inputs.

    The target at the last step weighs every input by :math:`1/T`, so a model
    that solved it would have :func:`input_influence` equal to :math:`1/T` at
    every step. The influence it actually has on early steps shows how far
    back it learned to look.

    Args:
        config: Model, training and evaluation settings.

    Returns:
        Influence profiles and last-step test errors for both losses.
    """
    if not isinstance(config, LongRange):
        raise TypeError(f"config must be a LongRange, got {type(config).__name__}")
    T = config.train.seq_len
    influence, mse = {}, {}
    for last_step_only in (False, True):
        rows, errors = [], []
        for seed in config.seeds:
            model = RNNRegressor(
                1,
                config.hidden_size,
                1,
                config.nonlinearity,
                weight_scale=config.weight_scale,
                seed=seed,
            )
            train = replace(config.train, seed=seed, last_step_only=last_step_only)
            train_regressor(model, train)
            x, y = running_average_task(config.eval_batch, T, seed=1000 + seed)
            rows.append(input_influence(model, x).detach())
            with torch.no_grad():
                errors.append(((model(x)[:, -1] - y[:, -1]) ** 2).mean().item())
        influence[last_step_only] = torch.stack(rows)
        mse[last_step_only] = errors
    return LongRangeResult(influence, mse)
