"""Tests for reviewkit.rnn.training: Adam on fresh batches."""

import math

import pytest
import torch

from reviewkit import rnn


@pytest.mark.parametrize("last_step_only", [False, True])
def test_training_lowers_the_loss(last_step_only):
    """train_regressor lowers the loss on both tasks, several seeds, reproducibly."""
    for seed in range(3):
        config = rnn.TrainConfig(
            steps=60,
            batch_size=16,
            seq_len=6,
            last_step_only=last_step_only,
            seed=seed,
        )
        model = rnn.RNNRegressor(1, 16, 1, "tanh", seed=seed)
        losses = rnn.train_regressor(model, config)
        assert sum(losses[-10:]) / 10 < 0.5 * sum(losses[:10]) / 10
    again = rnn.train_regressor(rnn.RNNRegressor(1, 16, 1, "tanh", seed=2), config)
    assert again == losses


def test_lag_training_is_reproducible_and_learns_a_short_lag():
    """train_regressor on the lag task: same seed, same losses; D = 2 gets learned."""
    config = rnn.TrainConfig(
        steps=100, batch_size=32, seq_len=10, task="lag", lag=2, seed=3
    )
    a = rnn.train_regressor(rnn.RNNRegressor(1, 16, 1, "tanh", seed=3), config)
    b = rnn.train_regressor(rnn.RNNRegressor(1, 16, 1, "tanh", seed=3), config)
    assert a == b
    assert sum(a[-10:]) / 10 < 0.3 * sum(a[:10]) / 10


def test_training_in_threads_matches_training_in_sequence():
    """Weights come from explicit generators: threads give bit-identical models."""
    from concurrent.futures import ThreadPoolExecutor

    config = rnn.TrainConfig(steps=10, batch_size=8, seq_len=6)

    def run(seed):
        model = rnn.RNNRegressor(1, 8, 1, "tanh", seed=seed)
        rnn.train_regressor(model, config)
        return [p.detach().clone() for p in model.parameters()]

    sequential = [run(s) for s in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(run, range(4)))
    for a, b in zip(sequential, threaded, strict=True):
        for pa, pb in zip(a, b, strict=True):
            assert torch.equal(pa, pb)


def _mixed_runs():
    """Configs that differ in everything train_regressors lets them differ in."""
    base = rnn.TrainConfig(steps=12, batch_size=8, seq_len=12)
    return [
        base,
        rnn.TrainConfig(**{**vars(base), "last_step_only": True, "seed": 5}),
        rnn.TrainConfig(**{**vars(base), "task": "lag", "lag": 4, "seed": 1}),
        rnn.TrainConfig(
            **{**vars(base), "task": "lag", "lag": 7, "last_step_only": True}
        ),
        rnn.TrainConfig(**{**vars(base), "clip": 0.05, "seed": 2}),  # clips often
    ]


@pytest.mark.parametrize("nonlinearity", ["linear", "tanh", "relu"])
def test_training_side_by_side_matches_training_alone(nonlinearity):
    """train_regressors ends where train_regressor ends for each model alone."""
    configs = _mixed_runs()
    alone = [rnn.RNNRegressor(1, 6, 1, nonlinearity, seed=s) for s in range(5)]
    together = [rnn.RNNRegressor(1, 6, 1, nonlinearity, seed=s) for s in range(5)]
    expected = [rnn.train_regressor(m, c) for m, c in zip(alone, configs, strict=True)]
    got = rnn.train_regressors(together, configs)
    for a, b, la, lb in zip(alone, together, expected, got, strict=True):
        assert la == pytest.approx(lb, rel=1e-4, abs=1e-6)
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(pb, pa, rtol=1e-4, atol=1e-5)
    # and it trained: the models moved away from their initial weights
    fresh = rnn.RNNRegressor(1, 6, 1, nonlinearity, seed=0)
    assert not torch.allclose(fresh.rnn.W_h, together[0].rnn.W_h)


def test_clipping_side_by_side_is_per_model():
    """A tiny clip on one model slows only that model, as it would alone."""
    base = rnn.TrainConfig(steps=10, batch_size=8, seq_len=6)
    tight = rnn.TrainConfig(**{**vars(base), "clip": 1e-3})
    models = [rnn.RNNRegressor(1, 4, 1, "tanh", seed=0) for _ in range(2)]
    start = models[0].rnn.W_h.detach().clone()
    rnn.train_regressors(models, [base, tight])
    moved = [(m.rnn.W_h - start).abs().max().item() for m in models]
    alone = rnn.RNNRegressor(1, 4, 1, "tanh", seed=0)
    rnn.train_regressor(alone, base)
    torch.testing.assert_close(models[0].rnn.W_h, alone.rnn.W_h, rtol=1e-5, atol=1e-6)
    assert moved[1] < moved[0]


def test_clip_inf_means_no_clipping():
    """clip=math.inf trains as a clip no gradient reaches, alone and side by side."""
    base = rnn.TrainConfig(steps=15, batch_size=8, seq_len=6, lr=0.05)
    off = rnn.TrainConfig(**{**vars(base), "clip": math.inf})
    huge = rnn.TrainConfig(**{**vars(base), "clip": 1e30})
    runs = {}
    for name, config in (("off", off), ("huge", huge), ("clipped", base)):
        model = rnn.RNNRegressor(1, 4, 1, "relu", weight_scale=1.5, seed=0)
        runs[name] = (rnn.train_regressor(model, config), model.rnn.W_h.detach())
    assert runs["off"][0] == runs["huge"][0]
    assert torch.equal(runs["off"][1], runs["huge"][1])
    assert runs["off"][0] != runs["clipped"][0]  # the default clip does bite here
    together = [rnn.RNNRegressor(1, 4, 1, "relu", weight_scale=1.5, seed=0)]
    got = rnn.train_regressors(together, [off])[0]
    assert got == pytest.approx(runs["off"][0], rel=1e-4)


def test_training_works_inside_no_grad():
    """train_regressor(s) inside torch.no_grad() train as outside it (they raised
    torch's 'element 0 of tensors does not require grad')."""
    config = rnn.TrainConfig(steps=3, batch_size=4, seq_len=5)
    want = rnn.train_regressor(rnn.RNNRegressor(1, 4, 1, seed=0), config)
    with torch.no_grad():
        alone = rnn.train_regressor(rnn.RNNRegressor(1, 4, 1, seed=0), config)
        stacked = rnn.train_regressors([rnn.RNNRegressor(1, 4, 1, seed=0)], [config])
    assert alone == want and stacked[0] == pytest.approx(want, rel=1e-5)
