"""Tests for reviewkit.rnn: the layer, the regressor, the task and training."""

import math

import pytest
import torch

from reviewkit import rnn


def _spectral_radius(W: torch.Tensor) -> float:
    return torch.linalg.eigvals(W.double()).abs().max().item()


def test_layer_computes_the_recurrence_step_by_step():
    """VanillaRNN returns h_t = sigma(W_h h_{t-1} + W_x x_t + b) for every t."""
    for nonlinearity, sigma in (
        ("linear", lambda a: a),
        ("tanh", torch.tanh),
        ("relu", torch.relu),
    ):
        layer = rnn.VanillaRNN(3, 5, nonlinearity, seed=4)
        with torch.no_grad():
            layer.b.copy_(torch.linspace(-0.5, 0.5, 5))
        x = torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(0))
        h = torch.zeros(2, 5)
        expected = []
        for t in range(4):
            h = sigma(h @ layer.W_h.T + x[:, t] @ layer.W_x.T + layer.b)
            expected.append(h)
        out = layer(x)
        assert out.shape == (2, 4, 5)
        torch.testing.assert_close(out, torch.stack(expected, dim=1))


def test_parameters_are_named_after_the_equations():
    """The layer has W_h, W_x, b and the regressor adds W_f, b_f, with their shapes."""
    model = rnn.RNNRegressor(3, 7, 2, "tanh")
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes == {
        "W_f": (2, 7),
        "b_f": (2,),
        "rnn.W_h": (7, 7),
        "rnn.W_x": (7, 3),
        "rnn.b": (7,),
    }


def test_regressor_applies_the_readout_at_every_step():
    """RNNRegressor returns y_hat_t = W_f h_t + b_f, shape (B, T, O)."""
    model = rnn.RNNRegressor(1, 6, 2, "relu", seed=3)
    x, _ = rnn.running_average_task(4, 9, seed=0)
    h = model.rnn(x)
    torch.testing.assert_close(model(x), h @ model.W_f.T + model.b_f)
    assert model(x).shape == (4, 9, 2)


def test_weights_are_seeded_and_leave_global_rng_alone():
    """Equal seeds give equal weights; building a model leaves the global RNG."""
    state = torch.get_rng_state()
    a = rnn.RNNRegressor(1, 8, 1, seed=5)
    b = rnn.RNNRegressor(1, 8, 1, seed=5)
    c = rnn.RNNRegressor(1, 8, 1, seed=6)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a.rnn.W_h, b.rnn.W_h)
    assert not torch.equal(a.rnn.W_h, c.rnn.W_h)


@pytest.mark.parametrize("kind", ["symmetric", "orthogonal", "gaussian"])
@pytest.mark.parametrize("radius", [0.5, 0.9, 1.0, 1.3])
def test_matrix_has_the_exact_spectral_radius(kind, radius):
    """matrix_with_spectral_radius gives the requested spectral radius."""
    for seed in range(3):
        W = rnn.matrix_with_spectral_radius(16, radius, kind=kind, seed=seed)
        assert _spectral_radius(W) == pytest.approx(radius, rel=1e-5)


def test_orthogonal_kind_scales_every_vector_by_the_radius():
    """The scaled orthogonal matrix is normal: |W^k v| = rho^k |v| (page 2a)."""
    W = rnn.matrix_with_spectral_radius(8, 0.9, kind="orthogonal", seed=0).double()
    v = torch.randn(8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    for k in (1, 5, 20):
        Wk_v = torch.linalg.matrix_power(W, k) @ v
        assert Wk_v.norm().item() == pytest.approx(0.9**k * v.norm().item(), rel=1e-5)


def test_gaussian_scale_is_roughly_the_spectral_radius():
    """A Gaussian matrix of weight scale s has spectral radius near s (circular law)."""
    for seed in range(3):
        for scale in (0.5, 1.0, 2.0):
            W = rnn.gaussian_matrix(64, 64, scale, seed=seed)
            assert _spectral_radius(W) == pytest.approx(scale, rel=0.2)


def test_jordan_matrix_grows_before_it_decays():
    """jordan_matrix has spectral radius rho < 1, yet its powers first grow."""
    W = rnn.jordan_matrix(4, 0.9, 0.5).double()
    assert _spectral_radius(W) == pytest.approx(0.9)
    norms = [
        torch.linalg.matrix_norm(torch.linalg.matrix_power(W, k), 2).item()
        for k in range(200)
    ]
    assert max(norms) > 5
    assert norms[-1] < 0.1


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


def test_unknown_nonlinearity_is_named():
    """An unknown nonlinearity raises ValueError naming the argument and the options."""
    with pytest.raises(ValueError, match="nonlinearity must be one of .*'sigmoid'"):
        rnn.VanillaRNN(1, 4, "sigmoid")


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (torch.zeros(2, 3), ValueError, "x must have 3 dimensions"),
        (torch.zeros(2, 0, 1), ValueError, "x must hold at least one sequence"),
        (torch.zeros(0, 4, 1), ValueError, "x must hold at least one sequence"),
        (torch.zeros(2, 3, 2), ValueError, "x must have 1 features"),
        (torch.zeros(2, 3, 1, dtype=torch.long), TypeError, "x must be a floating"),
        ([[0.0]], TypeError, "x must be a torch.Tensor"),
    ],
)
def test_bad_input_is_named(x, error, message):
    """Wrong shapes, empty sequences and wrong types raise an error naming x."""
    with pytest.raises(error, match=message):
        rnn.RNNRegressor(1, 4, 1)(x)


def test_bad_arguments_are_named():
    """Bad sizes, matrices, targets and switches raise errors naming the argument."""
    with pytest.raises(ValueError, match="W_h must have shape"):
        rnn.VanillaRNN(1, 4, W_h=torch.zeros(3, 3))
    with pytest.raises(ValueError, match="hidden_size must be >= 1"):
        rnn.VanillaRNN(1, 0)
    with pytest.raises(ValueError, match="radius must be >= 0"):
        rnn.matrix_with_spectral_radius(4, -1.0, seed=0)
    with pytest.raises(ValueError, match="kind must be one of"):
        rnn.matrix_with_spectral_radius(4, 1.0, kind="diagonal", seed=0)
    with pytest.raises(ValueError, match="seq_len must be >= 1"):
        rnn.running_average_task(2, 0, seed=0)
    with pytest.raises(ValueError, match="y must have the shape of y_hat"):
        rnn.sequence_loss(
            torch.zeros(2, 3, 1), torch.zeros(2, 4, 1), last_step_only=True
        )
    with pytest.raises(TypeError, match="last_step_only must be a bool"):
        rnn.sequence_loss(torch.zeros(2, 3, 1), torch.zeros(2, 3, 1), last_step_only=1)
    with pytest.raises(TypeError, match="config must be a TrainConfig"):
        rnn.train_regressor(rnn.RNNRegressor(), {"steps": 1})
    with pytest.raises(ValueError, match="scale must be finite"):
        rnn.gaussian_matrix(2, 2, math.inf, seed=0)
