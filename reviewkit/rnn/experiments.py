"""The chapter's experiments as small frozen configs and the functions that run them.

* :class:`ScaleSweep` / :func:`scale_sweep` (page 2b): hidden-state and
  gradient sizes over a grid of weight scales and nonlinearities.
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
from reviewkit.rnn.gradients import gradient_profile
from reviewkit.rnn.model import NONLINEARITIES, RNNRegressor
from reviewkit.rnn.tasks import lag_task, running_average_task
from reviewkit.rnn.training import TrainConfig, train_regressor, train_regressors

__all__ = [
    "LagRecall",
    "LagResult",
    "ScaleSweep",
    "SweepResult",
    "lag_recall",
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
class LagRecall:
    """Recall the input ``lag`` steps back, trained with each loss (page 2c)."""

    nonlinearity: str = "tanh"  # the usual choice; ReLU diverges more easily
    weight_scale: float = 1.0  # the edge between vanishing and exploding
    hidden_size: int = 32  # as on the other pages
    # short lags any model learns, to lags beyond the vanishing horizon
    lags: tuple[int, ...] = (3, 12, 18, 24)
    seeds: tuple[int, ...] = (0,)  # one run per cell keeps the page fast
    # 300 Adam steps on batches of 64 sequences of 40 steps; the 8 runs of
    # the defaults train side by side (train_regressors) in about 3 s
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(
            steps=300, batch_size=64, seq_len=40, task="lag"
        )
    )
    eval_batch: int = 512  # test sequences: R^2 to about +-0.03

    def __post_init__(self) -> None:
        """Check every field, naming it in the error."""
        _nonlinearity("nonlinearity", self.nonlinearity)
        check_float("weight_scale", self.weight_scale, low=0.0)
        check_int("hidden_size", self.hidden_size, minimum=1)
        _train_config("train", self.train)
        if self.train.task != "lag":
            raise ValueError(
                f"train.task must be 'lag' for LagRecall, got {self.train.task!r}"
            )
        T = self.train.seq_len
        check_tuple(
            "lags", self.lags, lambda n, v: check_int(n, v, minimum=1, maximum=T - 1)
        )
        check_tuple("seeds", self.seeds, check_seed)
        for name in ("lags", "seeds"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} must not repeat a value, got {values!r}")
        check_int("eval_batch", self.eval_batch, minimum=2)


@dataclass(frozen=True)
class LagResult:
    """What :func:`lag_recall` measures, keyed by ``(last_step_only, lag)``."""

    #: :math:`R^2` of the prediction at the last step on test data, per seed
    r2: dict[tuple[bool, int], list[float]]
    #: :math:`\log_{10}(g_{D+1}/g_T)` under the loss the model was trained
    #: with: how much the gradient changes over the supervised steps, per seed
    profile_span: dict[tuple[bool, int], list[float]]
    #: :math:`\log_{10}` of :math:`\|\partial L_T/\partial h_{T-D}\| /
    #: \|\partial L_T/\partial h_T\|` after training: what one loss term
    #: keeps after travelling back :math:`D` steps, per seed
    reach: dict[tuple[bool, int], list[float]]
    #: the same reach for the untrained model (the same for both losses),
    #: keyed by lag: the signal training starts from, per seed
    reach_init: dict[int, list[float]]


def lag_recall(config: LagRecall) -> LagResult:
    r"""Train one regressor per lag, seed and loss on the lag-recall task.

    The task is :func:`~reviewkit.rnn.tasks.lag_task`. For each trained model
    it measures, on fresh test sequences:

    * :math:`R^2 = 1 - \mathrm{MSE} / \mathrm{Var}(y_T)` at the last step
      (1: perfect recall of :math:`x_{T-D}`; 0: no better than guessing 0);
    * the span of its gradient profile under its own training loss, over the
      steps that carry a loss, :math:`\log_{10}(g_{D+1} / g_T)`;
    * the reach of a single loss term, :math:`\log_{10}` of
      :math:`\|\partial L_T/\partial h_{T-D}\| /
      \|\partial L_T/\partial h_T\|`: how many decades the learning signal
      for a :math:`D`-step dependency loses on its way back, after training
      and (the same model before training) at initialisation.

    All runs train together with
    :func:`~reviewkit.rnn.training.train_regressors`, each exactly as
    :func:`~reviewkit.rnn.training.train_regressor` would train it alone (up
    to float rounding), in less time.

    Args:
        config: Model, lags, seeds, training and evaluation sizes.

    Returns:
        The three measurements for every (loss, lag) pair.
    """
    if not isinstance(config, LagRecall):
        raise TypeError(f"config must be a LagRecall, got {type(config).__name__}")
    T = config.train.seq_len
    keys = [
        (lso, lag, seed)
        for lso in (False, True)
        for lag in config.lags
        for seed in config.seeds
    ]
    models = [
        RNNRegressor(
            1,
            config.hidden_size,
            1,
            config.nonlinearity,
            weight_scale=config.weight_scale,
            seed=seed,
        )
        for _, _, seed in keys
    ]
    tests = {
        (lag, seed): lag_task(config.eval_batch, T, lag, seed=1000 + seed)
        for lag in config.lags
        for seed in config.seeds
    }  # (x, y) test sequences, shared by both losses
    # the untrained model is the same for both losses: measure it once
    model_of = dict(zip(keys, models, strict=True))
    reach_init = {
        lag: [
            _reach(model_of[False, lag, seed], *tests[lag, seed], lag)
            for seed in config.seeds
        ]
        for lag in config.lags
    }
    # every (loss, lag, seed) run at once; each as train_regressor would alone
    train_regressors(
        models,
        [
            replace(config.train, seed=seed, last_step_only=lso, lag=lag)
            for lso, lag, seed in keys
        ],
    )
    r2: dict[tuple[bool, int], list[float]] = {}
    span: dict[tuple[bool, int], list[float]] = {}
    reach: dict[tuple[bool, int], list[float]] = {}
    for (lso, lag, seed), model in zip(keys, models, strict=True):
        x, y = tests[lag, seed]
        with torch.no_grad():
            err = ((model(x)[:, -1] - y[:, -1]) ** 2).mean().item()
        # R^2 = 1 - MSE / Var(y_T)
        r2.setdefault((lso, lag), []).append(1.0 - err / y[:, -1].var().item())
        own = gradient_profile(
            model, x, y, last_step_only=lso, first_step=lag
        ).grad_norms  # (T,)
        # log10 g_{D+1} - log10 g_T: the steps that carry a loss
        span.setdefault((lso, lag), []).append(
            _log10(own[lag].item()) - _log10(own[-1].item())
        )
        reach.setdefault((lso, lag), []).append(_reach(model, x, y, lag))
    return LagResult(r2, span, reach, reach_init)


def _reach(model: RNNRegressor, x: torch.Tensor, y: torch.Tensor, lag: int) -> float:
    """Decades one last-step loss term loses over ``lag`` steps back in time."""
    g = gradient_profile(model, x, y, last_step_only=True).grad_norms  # (T,)
    # log10 |dL_T/dh_{T-D}| - log10 |dL_T/dh_T|
    return _log10(g[-1 - lag].item()) - _log10(g[-1].item())
