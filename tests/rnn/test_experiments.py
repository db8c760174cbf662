"""Tests for reviewkit.rnn.experiments: the runs behind pages 2b and 2c."""

import math

import pytest

from reviewkit import rnn

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def small_sweep():
    config = rnn.ScaleSweep(
        weight_scales=(0.5, 1.0, 3.0), seeds=SEEDS, seq_len=20, batch_size=8
    )
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
    train = rnn.TrainConfig(steps=100, batch_size=16, seq_len=20, last_step_only=True)
    before = rnn.scale_sweep(
        rnn.ScaleSweep(weight_scales=(1.0, 2.0), seeds=(0, 1), seq_len=20)
    )
    after = rnn.scale_sweep(
        rnn.ScaleSweep(weight_scales=(1.0, 2.0), seeds=(0, 1), seq_len=20, train=train)
    )
    for nl in ("tanh", "relu"):
        assert _mean(after.log10_grad_ratio[nl, 1.0]) > _mean(
            before.log10_grad_ratio[nl, 1.0]
        )
    assert min(after.log10_grad_ratio["relu", 2.0]) > 0
    assert _mean(after.final_loss["relu", 2.0]) > _mean(after.final_loss["tanh", 2.0])


def test_every_step_loss_does_not_teach_long_range_memory():
    """2c: neither loss teaches early inputs their 1/T share; every-step no better."""
    config = rnn.LongRange(
        seeds=SEEDS,
        train=rnn.TrainConfig(steps=100, batch_size=16, seq_len=20),
        eval_batch=64,
    )
    result = rnn.long_range(config)
    T = config.train.seq_len
    early = {
        lso: result.influence[lso][:, : T // 3].mean(dim=1) for lso in (False, True)
    }
    for lso in (False, True):
        assert bool((early[lso] < 0.6 / T).all())
    assert early[False].mean() <= early[True].mean() * 1.1
