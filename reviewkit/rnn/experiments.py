"""The chapter's experiments as small frozen configs and the functions that run them.

* :class:`ScaleSweep` / :func:`scale_sweep` (page 2b): hidden-state and
  gradient sizes over a grid of weight scales and nonlinearities.
* :class:`LagRecall` / :func:`lag_recall` (page 2c): recall of the input
  :math:`D` steps back, trained with each loss, across several lags.

Pages and tests call the same functions, the tests at smaller sizes. Configs
check their fields when built (repeated settings refused); runs train side by
side and are probed in float64: an overflow is ``inf``, a diverged run NaN.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import torch

from reviewkit.checks import (
    check_choice,
    check_distinct,
    check_instance,
    check_int,
    check_seed,
    check_tuple,
)
from reviewkit.rnn.gradients import GradientProfile, gradient_profile
from reviewkit.rnn.model import NONLINEARITIES, RNNRegressor
from reviewkit.rnn.tasks import lag_task, running_average_task
from reviewkit.rnn.training import TrainConfig, train_regressors
from reviewkit.rnn.weights import check_scale

__all__ = [
    "LagRecall",
    "LagResult",
    "ScaleSweep",
    "SweepResult",
    "lag_recall",
    "scale_sweep",
]


_choose_nonlinearity = partial(check_choice, choices=NONLINEARITIES)
_scale = check_scale


def _distinct(name: str, values: Any, check: Any) -> None:
    check_distinct(name, check_tuple(name, values, check))


def _profile(model: RNNRegressor, x: torch.Tensor, y: torch.Tensor, **loss: Any):
    """The profile of a float64 copy of ``model``; None if training made it NaN."""
    if not all(bool(p.isfinite().all()) for p in model.parameters()):
        return None
    return gradient_profile(copy.deepcopy(model).double(), x, y, **loss)


def _decades(profile: GradientProfile | None, t: int = 1) -> float:
    """log10 g_t / g_T: -inf if g_t is 0, inf if it overflowed, NaN if diverged."""
    ratio = math.nan if profile is None else profile.ratio(t)
    return -math.inf if ratio == 0 else math.log10(ratio)


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
        _distinct("nonlinearities", self.nonlinearities, _choose_nonlinearity)
        _distinct("weight_scales", self.weight_scales, _scale)  # 0: -inf decades
        _distinct("seeds", self.seeds, check_seed)
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_int("seq_len", self.seq_len, minimum=2)
        check_int("batch_size", self.batch_size, minimum=1)
        if self.train is not None:
            check_instance("train", self.train, TrainConfig)


@dataclass(frozen=True)
class SweepResult:
    """What :func:`scale_sweep` measures per (nonlinearity, weight scale), per seed."""

    state_norm: dict[tuple[str, float], list[float]]  #: mean :math:`\|h_T\|`
    log10_grad_ratio: dict[tuple[str, float], list[float]]  #: see :func:`scale_sweep`
    final_loss: dict[tuple[str, float], list[float]]  #: last training loss (or nan)
    #: growth of the mean :math:`\|h_t\|` per step over the last
    #: :math:`k = \min(10, T-1)` steps, :math:`(\|h_T\| / \|h_{T-k}\|)^{1/k}`
    #: (NaN for states exactly 0 at both steps)
    state_growth: dict[tuple[str, float], list[float]]


def scale_sweep(config: ScaleSweep) -> SweepResult:
    """Probe (optionally trained) regressors over a grid of weight scales.

    For each nonlinearity, weight scale and seed, a regressor with a Gaussian
    :math:`W_h` of that scale is (trained with ``config.train``, then) probed
    in float64 with the loss on the last step only for its state norms and

    .. math::

        \\log_{10} \\frac{\\|\\partial L/\\partial h_1\\|}
        {\\|\\partial L/\\partial h_T\\|}
        \\quad (< 0: \\text{vanishing}, \\; > 0: \\text{exploding}).

    A gradient of exactly 0 at step 1 (weight scale 0) gives ``-inf``
    decades, an overflow of float64 ``inf``, a diverged training run NaN.

    Args:
        config: The grid, the sizes and the training (if any).

    Returns:
        The measurements, keyed by ``(nonlinearity, weight_scale)``.
    """
    check_instance("config", config, ScaleSweep)
    H, T, k = config.hidden_size, config.seq_len, min(10, config.seq_len - 1)
    cells = list(
        itertools.product(config.nonlinearities, config.weight_scales, config.seeds)
    )
    models = {
        c: RNNRegressor(1, H, 1, c[0], weight_scale=c[1], seed=c[2]) for c in cells
    }
    final = dict.fromkeys(cells, math.nan)
    for nl in config.nonlinearities if config.train is not None else ():
        group = [c for c in cells if c[0] == nl]  # one nonlinearity per stack
        configs = [replace(config.train, seed=c[2], last_step_only=True) for c in group]
        runs = train_regressors([models[c] for c in group], configs)
        final.update((c, run[-1]) for c, run in zip(group, runs, strict=True))
    result = SweepResult({}, {}, {}, {})
    for (nl, scale, seed), model in models.items():
        x, y = running_average_task(config.batch_size, T, seed=1000 + seed)
        p = _profile(model, x, y, last_step_only=True)
        h = [math.nan] * 2 if p is None else p.state_norms[[-1 - k, -1]].tolist()
        key = (nl, scale)
        result.state_norm.setdefault(key, []).append(h[1])
        # log10 |dL/dh_1| - log10 |dL/dh_T|
        result.log10_grad_ratio.setdefault(key, []).append(_decades(p))
        result.final_loss.setdefault(key, []).append(final[nl, scale, seed])
        # (|h_T| / |h_{T-k}|)^(1/k); inf if the states overflowed or left 0
        growth = (h[1] / h[0]) ** (1 / k) if 0 < h[0] < math.inf else math.nan
        growth = math.inf if h[1] == math.inf or (h[0] == 0 < h[1]) else growth
        result.state_growth.setdefault(key, []).append(growth)
    return result


@dataclass(frozen=True)
class LagRecall:
    """Recall the input ``lag`` steps back, trained with each loss (page 2c)."""

    nonlinearity: str = "tanh"  # the usual choice; ReLU diverges more easily
    weight_scale: float = 1.0  # the edge between vanishing and exploding
    hidden_size: int = 32  # as on the other pages
    # short lags any model learns, to lags beyond the vanishing horizon
    lags: tuple[int, ...] = (3, 12, 18, 24)
    seeds: tuple[int, ...] = (0,)  # one run per cell keeps the page fast
    # 300 Adam steps on 64 sequences of 40 steps; the 8 runs train side by side
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(
            steps=300, batch_size=64, seq_len=40, task="lag"
        )
    )
    eval_batch: int = 512  # test sequences: R^2 to about +-0.03

    def __post_init__(self) -> None:
        """Check every field, naming it in the error."""
        _choose_nonlinearity("nonlinearity", self.nonlinearity)
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
    """What :func:`lag_recall` measures per ``(last_step_only, lag)``, per seed."""

    #: :math:`R^2` of the prediction at the last step on test data
    r2: dict[tuple[bool, int], list[float]]
    #: :math:`\log_{10}(g_{D+1}/g_T)` under the loss the model was trained
    #: with: how much the gradient changes over the supervised steps
    profile_span: dict[tuple[bool, int], list[float]]
    #: :math:`\log_{10}(\|\partial L_T/\partial h_{T-D}\| /
    #: \|\partial L_T/\partial h_T\|)` after training: what one loss term keeps
    #: after travelling back :math:`D` steps
    reach: dict[tuple[bool, int], list[float]]
    #: the same reach before training (the same for both losses), keyed by lag
    reach_init: dict[int, list[float]]


def lag_recall(config: LagRecall) -> LagResult:
    r"""Train one regressor per lag, seed and loss on the lag-recall task.

    The runs (:func:`~reviewkit.rnn.tasks.lag_task`) train side by side. Each
    trained model gets, on fresh test sequences, :math:`R^2 = 1 - \mathrm{MSE}
    / \mathrm{Var}(y_T)` at the last step (1: perfect recall of
    :math:`x_{T-D}`; 0: no better than guessing 0), the span of its gradient
    profile over the steps with a loss, and the reach of one loss term (the
    decades a :math:`D`-step signal loses on its way back), also untrained.

    Args:
        config: Model, lags, seeds, training and evaluation sizes.

    Returns:
        The measurements for every (loss, lag) pair.
    """
    check_instance("config", config, LagRecall)
    T, nl, scale = config.train.seq_len, config.nonlinearity, config.weight_scale
    keys = list(itertools.product((False, True), config.lags, config.seeds))
    models = {
        key: RNNRegressor(1, config.hidden_size, 1, nl, weight_scale=scale, seed=key[2])
        for key in keys
    }
    tests = {
        (lag, seed): lag_task(config.eval_batch, T, lag, seed=1000 + seed)
        for lag, seed in itertools.product(config.lags, config.seeds)
    }  # (x, y) test sequences, shared by both losses

    def reach(model: RNNRegressor, lag: int, seed: int) -> float:
        # log10 |dL_T/dh_{T-D}| - log10 |dL_T/dh_T|
        return _decades(
            _profile(model, *tests[lag, seed], last_step_only=True), T - lag
        )

    # the untrained model is the same for both losses: measure it once
    result = LagResult({}, {}, {}, {})
    for lag, seed in tests:
        result.reach_init.setdefault(lag, []).append(
            reach(models[False, lag, seed], lag, seed)
        )
    configs = [
        replace(config.train, seed=s, last_step_only=lso, lag=d) for lso, d, s in keys
    ]
    train_regressors(list(models.values()), configs)
    for (lso, lag, seed), model in models.items():
        x, y = tests[lag, seed]
        with torch.no_grad():
            err = ((model(x)[:, -1] - y[:, -1]) ** 2).mean().item()
        # R^2 = 1 - MSE / Var(y_T)
        result.r2.setdefault((lso, lag), []).append(1.0 - err / y[:, -1].var().item())
        own = _profile(model, x, y, last_step_only=lso, first_step=lag)
        # log10 g_{D+1} - log10 g_T: the steps that carry a loss
        result.profile_span.setdefault((lso, lag), []).append(_decades(own, lag + 1))
        result.reach.setdefault((lso, lag), []).append(reach(model, lag, seed))
    return result
