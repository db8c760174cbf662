"""The chapter's experiments as small frozen configs and the functions that run them.

* :class:`ScaleSweep` / :func:`scale_sweep` (page 2b): hidden-state and
  gradient sizes over a grid of weight scales and nonlinearities.
* :class:`LongRange` / :func:`long_range` (page 2c): does the every-step loss
  teach the running-average model to use early inputs?
* :class:`LagRecall` / :func:`lag_recall` (page 2c): recall of the input
  :math:`D` steps back, trained with each loss, across several lags.

Pages and tests call the same functions, the tests at smaller sizes. Every
config checks its fields when it is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from reviewkit.checks import (
    check_choice,
    check_float,
    check_int,
    check_seed,
    check_tuple,
)
from reviewkit.rnn.gradients import gradient_profile, input_influence
from reviewkit.rnn.model import NONLINEARITIES, RNNRegressor
from reviewkit.rnn.tasks import running_average_task
from reviewkit.rnn.training import TrainConfig, train_regressor

__all__ = [
    "LongRange",
    "LongRangeResult",
    "ScaleSweep",
    "SweepResult",
    "long_range",
    "scale_sweep",
]


def _nonlinearity(name: str, value: Any) -> str:
    return check_choice(name, value, NONLINEARITIES)


def _positive_scale(name: str, value: Any) -> float:
    return check_float(name, value, low=0.0, low_inclusive=False)


def _train_config(name: str, value: Any) -> TrainConfig:
    if not isinstance(value, TrainConfig):
        raise TypeError(f"{name} must be a TrainConfig, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class ScaleSweep:
    """Hidden-state and gradient sizes over weight scales (page 2b)."""

    # the pair 2b compares, and the linear RNN as the baseline without sigma'
    nonlinearities: tuple[str, ...] = ("linear", "tanh", "relu")
    # from deep in the vanishing regime to well past the edge at about 1
    weight_scales: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
    seeds: tuple[int, ...] = (0, 1, 2)  # three models per cell: spread is visible
    hidden_size: int = 32  # as on the other pages
    seq_len: int = 30  # long enough for 10+ decades at the extremes
    batch_size: int = 16  # probe batch; the norms barely move with more
    train: TrainConfig | None = None  # None: probe untrained models

    def __post_init__(self) -> None:
        """Check every field, naming it in the error."""
        check_tuple("nonlinearities", self.nonlinearities, _nonlinearity)
        # scale 0 gives a zero gradient at step 1, whose log is undefined
        check_tuple("weight_scales", self.weight_scales, _positive_scale)
        check_tuple("seeds", self.seeds, check_seed)
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_int("seq_len", self.seq_len, minimum=2)
        check_int("batch_size", self.batch_size, minimum=1)
        if self.train is not None:
            _train_config("train", self.train)


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

    A gradient that underflows to 0 (or overflows) is recorded as ``-inf``
    (or ``inf``) decades.

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
                p = gradient_profile(model, x, y, last_step_only=True)
                states[key].append(p.state_norms[-1].item())
                first, last = p.grad_norms[0].item(), p.grad_norms[-1].item()
                # log10 |dL/dh_1| - log10 |dL/dh_T|
                ratios[key].append(_log10(first) - _log10(last))
                losses[key].append(loss)
    return SweepResult(states, ratios, losses)


def _log10(value: float) -> float:
    """log10 that maps 0 to -inf instead of raising."""
    return math.log10(value) if value > 0 else -math.inf


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

    def __post_init__(self) -> None:
        """Check every field, naming it in the error."""
        _nonlinearity("nonlinearity", self.nonlinearity)
        check_float("weight_scale", self.weight_scale, low=0.0)
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_tuple("seeds", self.seeds, check_seed)
        _train_config("train", self.train)
        if self.train.task != "average":
            raise ValueError(
                f"train.task must be 'average' for LongRange, got {self.train.task!r}"
            )
        check_int("eval_batch", self.eval_batch, minimum=1)


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
