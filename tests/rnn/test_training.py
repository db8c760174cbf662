"""Tests for reviewkit.rnn.training: Adam on fresh batches."""

import pytest

from reviewkit import rnn


@pytest.mark.parametrize("last_step_only", [False, True])
def test_training_lowers_the_loss(last_step_only):
    """train_regressor lowers the loss on both tasks, several seeds, reproducibly."""
    for seed in range(3):
        config = rnn.TrainConfig(
            steps=120,
            batch_size=16,
            seq_len=8,
            last_step_only=last_step_only,
            seed=seed,
        )
        model = rnn.RNNRegressor(1, 16, 1, "tanh", seed=seed)
        losses = rnn.train_regressor(model, config)
        assert sum(losses[-10:]) / 10 < 0.5 * sum(losses[:10]) / 10
    again = rnn.train_regressor(rnn.RNNRegressor(1, 16, 1, "tanh", seed=2), config)
    assert again == losses
