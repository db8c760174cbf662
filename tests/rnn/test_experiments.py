"""Tests for reviewkit.rnn.experiments: the runs behind pages 2b and 2c."""

import math
from dataclasses import replace

import pytest
import torch

from reviewkit import rnn
from reviewkit.measure import one_thread

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def small_sweep():
    config = rnn.ScaleSweep(
        weight_scales=(0.5, 1.0, 3.0), seeds=SEEDS, seq_len=20, batch_size=8
    )
    with one_thread():
        return rnn.scale_sweep(config)


def _mean(values):
    return sum(values) / len(values)


def test_tanh_states_are_bounded_relu_states_blow_up(small_sweep):
    """2b: tanh keeps |h_T| below sqrt(H); ReLU states reach far beyond at scale 3."""
    bound = math.sqrt(32)
    for (nl, _), norms in small_sweep.state_norm.items():
        if nl == "tanh":
            assert max(norms) < bound
    assert min(small_sweep.state_norm["relu", 3.0]) > 1e3 * bound


def test_relu_explodes_more_than_tanh(small_sweep):
    """2b: at a large weight scale ReLU gradients gain many more decades than tanh's."""
    for relu, tanh in zip(
        small_sweep.log10_grad_ratio["relu", 3.0],
        small_sweep.log10_grad_ratio["tanh", 3.0],
        strict=True,
    ):
        assert relu > 3
        assert relu > tanh + 3


def test_tanh_vanishes_more_than_relu_at_scale_one(small_sweep):
    """2b: at weight scale 1 tanh gradients lose more decades than ReLU's."""
    tanh = _mean(small_sweep.log10_grad_ratio["tanh", 1.0])
    relu = _mean(small_sweep.log10_grad_ratio["relu", 1.0])
    assert tanh < relu < 0


def test_small_scales_vanish_for_both(small_sweep):
    """2b: at weight scale 0.5 both nonlinearities lose several decades, similarly."""
    tanh = _mean(small_sweep.log10_grad_ratio["tanh", 0.5])
    relu = _mean(small_sweep.log10_grad_ratio["relu", 0.5])
    assert tanh < -4 and relu < -4
    assert abs(tanh - relu) < 0.25 * abs(tanh)


def test_training_reduces_vanishing_but_not_relu_explosion():
    """2b: training softens vanishing at scale 1; ReLU at scale 2 still explodes."""
    train = rnn.TrainConfig(steps=80, batch_size=16, seq_len=20, last_step_only=True)
    sweep = rnn.ScaleSweep(
        nonlinearities=("tanh", "relu"),
        weight_scales=(1.0, 2.0),
        seeds=(0, 1),
        seq_len=20,
    )
    before = rnn.scale_sweep(sweep)
    after = rnn.scale_sweep(replace(sweep, train=train))
    for nl in ("tanh", "relu"):
        assert _mean(after.log10_grad_ratio[nl, 1.0]) > _mean(
            before.log10_grad_ratio[nl, 1.0]
        )
    assert min(after.log10_grad_ratio["relu", 2.0]) > 0
    assert _mean(after.final_loss["relu", 2.0]) > _mean(after.final_loss["tanh", 2.0])


def test_linear_baseline_vanishes_less_than_both_nonlinearities(small_sweep):
    """2b: at scale 0.5 tanh and ReLU lose > 0.075 decades/step more than linear."""
    steps_back = 19  # small_sweep: seq_len 20
    for nl in ("tanh", "relu"):
        for scale, min_gap in ((0.5, 0.075 * steps_back), (1.0, 0.0)):
            for value, linear in zip(
                small_sweep.log10_grad_ratio[nl, scale],
                small_sweep.log10_grad_ratio["linear", scale],
                strict=True,
            ):
                assert value - linear < -min_gap


def test_linear_explodes_most_relu_next_tanh_least(small_sweep):
    """2b: at scale 3 the linear RNN gains the most decades, then ReLU, then tanh."""
    for lin, relu, tanh in zip(
        small_sweep.log10_grad_ratio["linear", 3.0],
        small_sweep.log10_grad_ratio["relu", 3.0],
        small_sweep.log10_grad_ratio["tanh", 3.0],
        strict=True,
    ):
        assert lin > relu > tanh
        assert relu > 0.5 * lin  # the inactive units cut the growth, most remains


def test_relu_cost_is_about_half_the_units_inactive():
    """2b: ~half the ReLU units are active; sqrt(active) per step predicts the cost."""
    config = rnn.ScaleSweep(
        nonlinearities=("linear", "relu"), weight_scales=(0.5,), seeds=SEEDS
    )
    sweep = rnn.scale_sweep(config)
    x, _ = rnn.running_average_task(config.batch_size, config.seq_len, seed=1000)
    for i, seed in enumerate(SEEDS):
        relu = rnn.RNNRegressor(1, 32, 1, "relu", weight_scale=0.5, seed=seed)
        with torch.no_grad():
            active = (relu.rnn(x) > 0).float().mean().item()
        assert 0.35 < active < 0.65
        estimate = (config.seq_len - 1) * math.log10(math.sqrt(active))
        gap = sweep.log10_grad_ratio["relu", 0.5][i]
        gap -= sweep.log10_grad_ratio["linear", 0.5][i]
        assert gap == pytest.approx(estimate, abs=1.5)


@pytest.fixture(scope="module")
def small_lag():
    config = rnn.LagRecall(
        lags=(5, 16),
        seeds=SEEDS,
        eval_batch=512,
        train=rnn.TrainConfig(steps=120, batch_size=16, seq_len=20, task="lag"),
    )
    with one_thread():  # module fixtures run before conftest's per-test limit
        return rnn.lag_recall(config)


def test_every_step_loss_helps_at_a_moderate_lag(small_lag):
    """2c: at a moderate lag the every-step loss recalls better, on every seed."""
    every, last = small_lag.r2[False, 5], small_lag.r2[True, 5]
    for e, s in zip(every, last, strict=True):
        assert e > s + 0.03
    assert _mean(every) > 0.85


def test_beyond_the_horizon_neither_loss_learns_despite_a_flat_profile(small_lag):
    """2c: at a long lag both R^2 ~ 0, though the every-step profile is flat."""
    for lso in (False, True):
        assert all(abs(r) < 0.1 for r in small_lag.r2[lso, 16])
    assert all(abs(s) < 1 for s in small_lag.profile_span[False, 16])
    # the one term that links x_{T-D} to L_T starts decades down, more for longer D
    for far, near in zip(
        small_lag.reach_init[16], small_lag.reach_init[5], strict=True
    ):
        assert far < -1.5
        assert far < near


def test_lag_recall_is_deterministic():
    """lag_recall gives identical numbers on a second run (same seeds)."""
    config = rnn.LagRecall(
        lags=(2,),
        eval_batch=16,
        train=rnn.TrainConfig(steps=5, batch_size=4, seq_len=6, task="lag"),
    )
    assert rnn.lag_recall(config) == rnn.lag_recall(config)


def test_tanh_cost_over_linear_grows_with_the_scale(small_sweep):
    """2b: tanh's extra loss over the linear baseline grows as units saturate."""

    def gap(scale):
        return _mean(small_sweep.log10_grad_ratio["tanh", scale]) - _mean(
            small_sweep.log10_grad_ratio["linear", scale]
        )

    assert gap(3.0) < gap(1.0) < gap(0.5) < 0


def test_relu_states_grow_at_about_0_8_s_not_s_over_root_2(small_sweep):
    """2b: ReLU states grow ~1 per step at s = 1, 0.65-0.9 s at s = 3 (mean > s/√2)."""
    growth = small_sweep.state_growth
    assert all(abs(g - 1) < 0.05 for g in growth["relu", 1.0])
    at_3 = growth["relu", 3.0]
    assert all(0.65 * 3 < g < 0.9 * 3 for g in at_3)
    assert _mean(at_3) > 3 / math.sqrt(2)
    assert all(g > 3 for g in growth["linear", 3.0])  # no unit switched off: ~ s
    assert all(abs(g - 1) < 0.01 for g in growth["tanh", 3.0])  # saturated


def test_weight_scale_zero_is_accepted_and_gives_minus_inf_decades():
    """ScaleSweep accepts weight scale 0: W_h = 0 cuts the gradient to exactly 0."""
    sweep = rnn.scale_sweep(
        rnn.ScaleSweep(weight_scales=(0.0,), seeds=(0,), seq_len=5, batch_size=2)
    )
    for nl in rnn.NONLINEARITIES:
        assert sweep.log10_grad_ratio[nl, 0.0] == [-math.inf]
        assert math.isfinite(sweep.state_norm[nl, 0.0][0])


def test_overflow_is_recorded_as_inf_not_raised():
    """A linear RNN exploding past float64 is recorded as inf (it used to raise)."""
    sweep = rnn.scale_sweep(
        rnn.ScaleSweep(
            nonlinearities=("linear",),
            weight_scales=(1e3,),
            seeds=(0,),
            seq_len=120,
            batch_size=2,
            hidden_size=4,
        )
    )
    key = ("linear", 1e3)
    assert sweep.log10_grad_ratio[key] == sweep.state_norm[key] == [math.inf]
    assert sweep.state_growth[key] == [math.inf]


def test_states_that_start_from_zero_give_an_infinite_growth_not_an_error():
    """A mean state norm of exactly 0 at T - k gives growth inf, not an error."""
    # ReLU at a huge scale: every unit is off at step 1, back on at T = 3 (it raised)
    sweep = rnn.scale_sweep(
        rnn.ScaleSweep(("relu",), (1e30,), seeds=(0,), seq_len=3, hidden_size=2,
                       batch_size=2)
    )  # fmt: skip
    assert sweep.state_norm["relu", 1e30][0] > 0
    assert sweep.state_growth["relu", 1e30] == [math.inf]


def test_training_that_diverges_is_recorded_as_nan():
    """A model whose training turned its weights to NaN is recorded as NaN."""
    train = rnn.TrainConfig(steps=2, batch_size=4, seq_len=30)
    sweep = rnn.scale_sweep(
        rnn.ScaleSweep(("relu",), (10.0,), seeds=(0,), seq_len=30, train=train)
    )
    for values in (sweep.log10_grad_ratio, sweep.state_norm, sweep.final_loss):
        assert math.isnan(values["relu", 10.0][0])


def test_relu_gradient_grows_as_fast_as_its_states(small_sweep):
    """2b: at s = 3 the ReLU gradient's growth per step is its states' (within 25%)."""
    steps_back = 19  # small_sweep: seq_len 20
    for decades, growth in zip(
        small_sweep.log10_grad_ratio["relu", 3.0],
        small_sweep.state_growth["relu", 3.0],
        strict=True,
    ):
        assert 10 ** (decades / steps_back) == pytest.approx(growth, rel=0.25)
    # ... while at s = 1 the linear RNN keeps its gradient about level
    assert abs(_mean(small_sweep.log10_grad_ratio["linear", 1.0])) < 1.5
