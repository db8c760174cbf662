"""Tests for reviewkit.rnn.tasks: the running-average and lag tasks, the loss."""

import pytest
import torch

from reviewkit import rnn


def test_running_average_targets_are_running_means():
    """The target at step t is the mean of x_1..x_t, and the task is seeded."""
    x, y = rnn.running_average_task(5, 12, seed=3)
    assert x.shape == y.shape == (5, 12, 1)
    for t in range(12):
        torch.testing.assert_close(y[:, t], x[:, : t + 1].mean(dim=1))
    x2, _ = rnn.running_average_task(5, 12, seed=3)
    x3, _ = rnn.running_average_task(5, 12, seed=4)
    assert torch.equal(x, x2)
    assert not torch.equal(x, x3)


def test_last_step_loss_ignores_earlier_steps():
    """sequence_loss with last_step_only=True depends only on step T."""
    y = torch.zeros(2, 5, 1)
    y_hat = torch.zeros(2, 5, 1)
    y_hat[:, :-1] = 3.0
    assert rnn.sequence_loss(y_hat, y, last_step_only=True).item() == 0.0
    assert rnn.sequence_loss(y_hat, y, last_step_only=False).item() == pytest.approx(
        9.0 * 4 / 5
    )


def test_lag_task_targets_are_shifted_inputs():
    """lag_task: y_t = x_{t-D} for t > D, 0 before; seeded; unit-variance noise."""
    x, y = rnn.lag_task(256, 30, 7, seed=2)
    assert x.shape == y.shape == (256, 30, 1)
    torch.testing.assert_close(y[:, 7:], x[:, :23])
    assert bool((y[:, :7] == 0).all())
    assert x.std().item() == pytest.approx(1.0, abs=0.05)
    assert torch.equal(rnn.lag_task(256, 30, 7, seed=2)[0], x)


def test_first_step_leaves_steps_out_of_the_loss():
    """sequence_loss(first_step=k) averages over steps k.. only."""
    y = torch.zeros(2, 5, 1)
    y_hat = torch.zeros(2, 5, 1)
    y_hat[:, :2] = 10.0
    y_hat[:, 2:] = 1.0
    assert rnn.sequence_loss(
        y_hat, y, last_step_only=False, first_step=2
    ).item() == pytest.approx(1.0)
