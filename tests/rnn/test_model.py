"""Tests for reviewkit.rnn.model: the layer and the regressor."""

import math

import pytest
import torch

from reviewkit import rnn
from reviewkit.checks import seeded_generator
from reviewkit.rnn.model import check_regressor


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
        x = torch.randn(2, 4, 3, generator=seeded_generator(0))
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


def test_unknown_nonlinearity_is_named():
    """An unknown nonlinearity raises ValueError naming the argument and the options."""
    with pytest.raises(ValueError, match="nonlinearity must be one of .*'sigmoid'"):
        rnn.VanillaRNN(1, 4, "sigmoid")


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (torch.zeros(2, 3), ValueError, "x must have 3 dimensions"),
        (torch.zeros(2, 0, 1), ValueError, r"x must have shape \(B, T, 1\) with B, T"),
        (torch.zeros(0, 4, 1), ValueError, r"x must have shape \(B, T, 1\) with B, T"),
        (torch.zeros(2, 3, 2), ValueError, r"x must have shape \(B, T, 1\)"),
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
    with pytest.raises(TypeError, match="config must be of type TrainConfig"):
        rnn.train_regressor(rnn.RNNRegressor(), {"steps": 1})
    with pytest.raises(ValueError, match="scale must be finite"):
        rnn.gaussian_matrix(2, 2, math.inf, seed=0)


def test_check_regressor_names_the_argument():
    """check_regressor returns a fitting model and names the argument otherwise."""
    model = rnn.RNNRegressor()
    assert check_regressor("model", model, scalar=True) is model
    assert check_regressor("net", rnn.RNNRegressor(2, 4, 3)) is not None
    with pytest.raises(
        TypeError, match="net must be of type RNNRegressor, got VanillaRNN"
    ):
        check_regressor("net", model.rnn)
    with pytest.raises(ValueError, match="net must have one input .* got 2 and 1"):
        check_regressor("net", rnn.RNNRegressor(2, 4, 1), scalar=True)
    with pytest.raises(ValueError, match="got 1 and 3"):
        check_regressor("net", rnn.RNNRegressor(1, 4, 3), scalar=True)


def test_forward_runs_under_vmap_over_stacked_models():
    """forward checks no values, so torch.func.vmap runs it on stacked models."""
    import copy

    from torch.func import functional_call, stack_module_state, vmap

    models = [rnn.RNNRegressor(1, 5, 1, "tanh", seed=i) for i in range(3)]
    params, _ = stack_module_state(models)
    template = copy.deepcopy(models[0]).to("meta")
    x = torch.randn(3, 2, 6, 1, generator=seeded_generator(1))  # (N, B, T, 1)
    out = vmap(lambda p, x: functional_call(template, p, (x,)))(params, x)
    for i, model in enumerate(models):
        torch.testing.assert_close(out[i], model(x[i]))


def test_forward_lets_nan_through():
    """forward does no data-dependent check: a NaN input gives NaN, not an error."""
    x = torch.zeros(2, 3, 1)
    x[0, 1, 0] = math.nan
    out = rnn.RNNRegressor(1, 4, 1, "tanh", seed=0)(x)
    assert bool(out[0, 1:].isnan().all())
    assert bool(out[1].isfinite().all())
