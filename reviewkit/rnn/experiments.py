"""The chapter's experiments as small frozen configs and the functions that run them.

* :class:`ScaleSweep` / :func:`scale_sweep` (page 2b): hidden-state and
  gradient sizes over a grid of weight scales and nonlinearities.
* :class:`LagRecall` / :func:`lag_recall` (page 2c): recall of the input
  :math:`D` steps back, trained with each loss, across several lags.

Pages and tests call the same functions, the tests at smaller sizes. Every
config checks its fields when it is built; repeated settings are refused. The
runs train side by side (:func:`~reviewkit.rnn.training.train_regressors`)
and are probed in float64, so overflow starts far beyond the pages' settings
and, where it happens, is recorded as ``inf`` instead of raised.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from reviewkit.checks import (
    check_choice,
    check_distinct,
    check_float,
    check_instance,
    check_int,
    check_seed,
    check_tuple,
)
from reviewkit.rnn.gradients import GradientProfile, gradient_profile
from reviewkit.rnn.model import NONLINEARITIES, RNNRegressor
from reviewkit.rnn.tasks import lag_task, running_average_task
from reviewkit.rnn.training import TrainConfig, train_regressors

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


def _scale(name: str, value: Any) -> float:
    return check_float(name, value, low=0.0)


def _distinct(name: str, values: Any, check: Any) -> None:
    check_distinct(name, check_tuple(name, values, check))


def _profile(model: RNNRegressor, x: torch.Tensor, y: torch.Tensor, **loss: Any):
    """The float64 profile of a copy of ``model``; None if training made it NaN."""
    if not all(bool(p.isfinite().all()) for p in model.parameters()):
        return None
    return gradient_profile(copy.deepcopy(model).double(), x, y, **loss)


def _decades(profile: GradientProfile | None, t: int = 1) -> float:
    """log10 g_t / g_T: -inf if g_t is 0, inf if it overflowed, nan if diverged."""
    if profile is None:
        return math.nan
    ratio = profile.ratio(t)
    return math.log10(ratio) if ratio > 0 else -math.inf


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
        _distinct("nonlinearities", self.nonlinearities, _nonlinearity)
        _distinct("weight_scales", self.weight_scales, _scale)  # 0: -inf decades
        _distinct("seeds", self.seeds, check_seed)
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_int("seq_len", self.seq_len, minimum=2)
        check_int("batch_size", self.batch_size, minimum=1)
        if self.train is not None:
            check_instance("train", self.train, TrainConfig)


@dataclass(frozen=True)
class SweepResult:
    """What :func:`scale_sweep` measures, per (nonlinearity, weight scale)."""

    #: mean :math:`\|h_T\|`, one entry per seed
    state_norm: dict[tuple[str, float], list[float]]
    log10_grad_ratio: dict[tuple[str, float], list[float]]  #: see :func:`scale_sweep`
    final_loss: dict[tuple[str, float], list[float]]  #: last training loss (or nan)
    #: how much the mean :math:`\|h_t\|` grows per step over the last
    #: :math:`k = \min(10, T - 1)` steps, :math:`(\|h_T\| / \|h_{T-k}\|)^{1/k}`,
    #: one entry per seed (1: level, > 1: growing)
    state_growth: dict[tuple[str, float], list[float]]


def scale_sweep(config: ScaleSweep) -> SweepResult:
    """Probe (optionally trained) regressors over a grid of weight scales.

    For each nonlinearity, weight scale and seed, a regressor with a Gaussian
    :math:`W_h` of that scale is (trained with ``config.train``, the models of
    one nonlinearity side by side, and) probed in float64 with the loss on the
    last step only, on a fresh batch. It records the mean hidden-state norm at
    the last step and how much the gradient grew from the last step back to
    the first:

    .. math::

        \\log_{10} \\frac{\\|\\partial L/\\partial h_1\\|}
        {\\|\\partial L/\\partial h_T\\|}
        \\quad (< 0: \\text{vanishing}, \\; > 0: \\text{exploding})

    A gradient that is exactly 0 at step 1 (weight scale 0) is recorded as
    ``-inf`` decades; a probe that overflows float64 (the model exploded past
    about :math:`10^{308}`) as ``inf`` decades (and an ``inf`` state norm if
    the states overflowed); a model whose training diverged to NaN as NaN.

    Args:
        config: The grid, the sizes and the training (if any).

    Returns:
        The measurements, keyed by ``(nonlinearity, weight_scale)``.
    """
    check_instance("config", config, ScaleSweep)
    cells = [
        (nl, scale, seed)
        for nl in config.nonlinearities
        for scale in config.weight_scales
        for seed in config.seeds
    ]
    models = {
        (nl, scale, seed): RNNRegressor(
            1, config.hidden_size, 1, nl, weight_scale=scale, seed=seed
        )
        for nl, scale, seed in cells
    }
    final = dict.fromkeys(cells, math.nan)
    if config.train is not None:
        for nl in config.nonlinearities:  # one nonlinearity per stack
            group = [cell for cell in cells if cell[0] == nl]
            runs = train_regressors(
                [models[cell] for cell in group],
                [replace(config.train, seed=s, last_step_only=True) for *_, s in group],
            )
            final.update((cell, run[-1]) for cell, run in zip(group, runs, strict=True))
    states, ratios, losses, growth = {}, {}, {}, {}
    k = min(10, config.seq_len - 1)  # steps of the growth measurement
    for nl, scale, seed in cells:
        x, y = running_average_task(config.batch_size, config.seq_len, seed=1000 + seed)
        p = _profile(models[nl, scale, seed], x, y, last_step_only=True)
        key = (nl, scale)
        states.setdefault(key, []).append(
            math.nan if p is None else p.state_norms[-1].item()
        )
        # log10 |dL/dh_1| - log10 |dL/dh_T|
        ratios.setdefault(key, []).append(_decades(p))
        losses.setdefault(key, []).append(final[nl, scale, seed])
        h = [math.nan] * 2 if p is None else p.state_norms[[-1 - k, -1]].tolist()
        # (|h_T| / |h_{T-k}|)^(1/k); inf if the states overflowed
        rate = math.inf if h[1] == math.inf else (h[1] / h[0]) ** (1 / k)
        growth.setdefault(key, []).append(rate)
    return SweepResult(states, ratios, losses, growth)


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
        _scale("weight_scale", self.weight_scale)
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_instance("train", self.train, TrainConfig)
        if self.train.task != "lag":
            raise ValueError(
                f"train.task must be 'lag' for LagRecall, got {self.train.task!r}"
            )
        T = self.train.seq_len
        _distinct(
            "lags", self.lags, lambda n, v: check_int(n, v, minimum=1, maximum=T - 1)
        )
        _distinct("seeds", self.seeds, check_seed)
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
    check_instance("config", config, LagRecall)
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
        own = _profile(model, x, y, last_step_only=lso, first_step=lag)
        # log10 g_{D+1} - log10 g_T: the steps that carry a loss
        span.setdefault((lso, lag), []).append(_decades(own, lag + 1))
        reach.setdefault((lso, lag), []).append(_reach(model, x, y, lag))
    return LagResult(r2, span, reach, reach_init)


def _reach(model: RNNRegressor, x: torch.Tensor, y: torch.Tensor, lag: int) -> float:
    """Decades one last-step loss term loses over ``lag`` steps back in time."""
    # log10 |dL_T/dh_{T-D}| - log10 |dL_T/dh_T|
    return _decades(_profile(model, x, y, last_step_only=True), x.shape[1] - lag)
