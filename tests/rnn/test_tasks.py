"""Tests for reviewkit.rnn.tasks: the running-average and lag tasks, the loss."""

import pytest
import torch

from reviewkit import rnn
from reviewkit.checks import seeded_generator


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
    """With last_step_only=True weights, sequence_loss depends only on step T."""
    y = torch.zeros(2, 5, 1)
    y_hat = torch.zeros(2, 5, 1)
    y_hat[:, :-1] = 3.0
    assert rnn.sequence_loss(y_hat, y, _w(5, True)).item() == 0.0
    assert rnn.sequence_loss(y_hat, y, _w(5, False)).item() == pytest.approx(
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
    """loss_weights(first_step=k) makes sequence_loss average over steps k.. only."""
    y = torch.zeros(2, 5, 1)
    y_hat = torch.zeros(2, 5, 1)
    y_hat[:, :2] = 10.0
    y_hat[:, 2:] = 1.0
    assert rnn.sequence_loss(y_hat, y, _w(5, False, 2)).item() == pytest.approx(1.0)


def test_loss_weights_put_the_loss_where_sequence_loss_does():
    """loss_weights: 1/(T - t0) from first_step on, or all on step T; they sum to 1."""
    every = rnn.loss_weights(5, last_step_only=False, first_step=2)
    assert every.tolist() == [0.0, 0.0, 1 / 3, 1 / 3, 1 / 3]
    assert rnn.loss_weights(5, last_step_only=True).tolist() == [0, 0, 0, 0, 1.0]
    assert rnn.loss_weights(4, last_step_only=False).sum().item() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("last_step_only", "first_step"), [(False, 0), (False, 3), (True, 0)]
)
def test_sequence_loss_is_the_mean_over_the_steps_that_count(
    last_step_only, first_step
):
    """sequence_loss equals the plain mean of (y_hat - y)^2 over the kept steps."""
    g = seeded_generator(0)
    y_hat, y = torch.randn(4, 7, 2, generator=g), torch.randn(4, 7, 2, generator=g)
    kept = slice(-1, None) if last_step_only else slice(first_step, None)
    expected = ((y_hat[:, kept] - y[:, kept]) ** 2).mean()
    got = rnn.sequence_loss(y_hat, y, _w(7, last_step_only, first_step))
    torch.testing.assert_close(got, expected)


def test_sequence_loss_runs_under_vmap():
    """sequence_loss checks no values, so vmap gives each model its own weights."""
    from torch.func import vmap

    g = seeded_generator(1)
    y_hat, y = (
        torch.randn(3, 2, 5, 1, generator=g),
        torch.randn(3, 2, 5, 1, generator=g),
    )
    w = torch.stack([_w(5, True), _w(5, False), _w(5, False, 2)]).float()
    got = vmap(rnn.sequence_loss)(y_hat, y, w)
    for i in range(3):
        torch.testing.assert_close(got[i], rnn.sequence_loss(y_hat[i], y[i], w[i]))


def _w(T, last_step_only, first_step=0):
    return rnn.loss_weights(T, last_step_only=last_step_only, first_step=first_step)
