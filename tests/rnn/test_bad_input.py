"""Bad input to the RNN chapter's public API: a clear error naming the argument.

One table of calls that must fail, each with the exception type it must raise
and the argument name its message must contain, then hypothesis tests that
feed random shapes, dtypes and values to the main entry points and accept only
a clear error or a correct, finite result.
"""

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewkit import rnn

NAN, INF = math.nan, math.inf


def _model(nonlinearity: str = "tanh", input_size: int = 1) -> rnn.RNNRegressor:
    return rnn.RNNRegressor(input_size, 4, 1, nonlinearity, seed=0)


def _batch(T: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    return rnn.running_average_task(2, T, seed=0)


def _with(value: float, shape=(2, 5, 1)) -> torch.Tensor:
    t = torch.zeros(shape)
    t[0, 0, 0] = value
    return t


X, Y = _batch()
W5 = rnn.loss_weights(5, last_step_only=False)
DATA = rnn.precompute(rnn.ExplorerGrid(weight_scales=(1.0,), seq_lens=(3,)))

CASES = [
    # -- weights ---------------------------------------------------------------
    (lambda: rnn.gaussian_matrix(0, 2, 1.0, seed=0), ValueError, "rows"),
    (lambda: rnn.gaussian_matrix(2, 2.0, 1.0, seed=0), TypeError, "cols"),
    (lambda: rnn.gaussian_matrix(2, 2, -1.0, seed=0), ValueError, "scale"),
    (lambda: rnn.gaussian_matrix(2, 2, NAN, seed=0), ValueError, "scale"),
    (lambda: rnn.gaussian_matrix(2, 2, 1.0, seed=-1), ValueError, "seed"),
    (lambda: rnn.gaussian_matrix(2, 2, 1.0, seed="0"), TypeError, "seed"),
    (lambda: rnn.matrix_with_spectral_radius(4, -0.5, seed=0), ValueError, "radius"),
    (
        lambda: rnn.matrix_with_spectral_radius(4, 1.0, kind="diag", seed=0),
        ValueError,
        "kind",
    ),
    (lambda: rnn.matrix_with_spectral_radius(0, 1.0, seed=0), ValueError, "size"),
    # -- model -----------------------------------------------------------------
    (lambda: rnn.VanillaRNN(0, 4), ValueError, "input_size"),
    (lambda: rnn.VanillaRNN(1, 4, "sigmoid"), ValueError, "nonlinearity"),
    (lambda: rnn.VanillaRNN(1, 4, weight_scale=-1.0), ValueError, "weight_scale"),
    (lambda: rnn.VanillaRNN(1, 4, weight_scale=NAN), ValueError, "weight_scale"),
    (lambda: rnn.VanillaRNN(1, 4, W_h=torch.zeros(3, 3)), ValueError, "W_h"),
    (
        lambda: rnn.VanillaRNN(1, 2, W_h=torch.tensor([[NAN, 0.0], [0.0, 0.0]])),
        ValueError,
        "W_h",
    ),
    (
        lambda: rnn.VanillaRNN(1, 2, W_h=torch.zeros(2, 2, dtype=torch.long)),
        TypeError,
        "W_h",
    ),
    (lambda: rnn.VanillaRNN(1, 2, W_h=[[0.0, 0.0], [0.0, 0.0]]), TypeError, "W_h"),
    (lambda: rnn.VanillaRNN(1, 4, seed=-3), ValueError, "seed"),
    (lambda: rnn.RNNRegressor(output_size=0), ValueError, "output_size"),
    (lambda: _model()(torch.zeros(2, 3)), ValueError, "x"),
    (lambda: _model()(torch.zeros(2, 0, 1)), ValueError, "x"),
    (lambda: _model()(torch.zeros(0, 3, 1)), ValueError, "x"),
    (lambda: _model()(torch.zeros(2, 3, 2)), ValueError, "x"),
    (lambda: _model()(torch.zeros(2, 3, 1, dtype=torch.long)), TypeError, "x"),
    (lambda: _model()(np.zeros((2, 3, 1))), TypeError, "x"),
    # -- tasks -----------------------------------------------------------------
    (lambda: rnn.running_average_task(0, 5, seed=0), ValueError, "batch_size"),
    (lambda: rnn.running_average_task(2, 0, seed=0), ValueError, "seq_len"),
    (lambda: rnn.running_average_task(2, 5, seed=1.5), TypeError, "seed"),
    (lambda: rnn.lag_task(2, 5, 5, seed=0), ValueError, "lag"),
    (lambda: rnn.lag_task(2, 5, -1, seed=0), ValueError, "lag"),
    (lambda: rnn.sequence_loss(X, torch.zeros(2, 4, 1), W5), ValueError, "y"),
    (lambda: rnn.sequence_loss(X, Y, [1.0] * 5), TypeError, "weights"),
    (lambda: rnn.sequence_loss(X.long(), Y, W5), TypeError, "y_hat"),
    (lambda: rnn.loss_weights(5, last_step_only=1), TypeError, "last_step_only"),
    (
        lambda: rnn.loss_weights(5, last_step_only=False, first_step=5),
        ValueError,
        "first_step",
    ),
    (lambda: rnn.loss_weights(0, last_step_only=True), ValueError, "seq_len"),
    # -- training --------------------------------------------------------------
    (lambda: rnn.TrainConfig(clip=-1.0), ValueError, "clip"),
    (lambda: rnn.TrainConfig(clip=0.0), ValueError, "clip"),
    (lambda: rnn.TrainConfig(steps=0), ValueError, "steps"),
    (lambda: rnn.TrainConfig(steps=-5), ValueError, "steps"),
    (lambda: rnn.TrainConfig(steps=10.0), TypeError, "steps"),
    (lambda: rnn.TrainConfig(lr=0.0), ValueError, "lr"),
    (lambda: rnn.TrainConfig(lr=NAN), ValueError, "lr"),
    (lambda: rnn.TrainConfig(batch_size=0), ValueError, "batch_size"),
    (lambda: rnn.TrainConfig(seq_len=0), ValueError, "seq_len"),
    (lambda: rnn.TrainConfig(last_step_only="yes"), TypeError, "last_step_only"),
    (lambda: rnn.TrainConfig(task="copy"), ValueError, "task"),
    (lambda: rnn.TrainConfig(task="lag", lag=20, seq_len=20), ValueError, "lag"),
    (lambda: rnn.TrainConfig(lag=3), ValueError, "lag"),
    (lambda: rnn.TrainConfig(seed=-1), ValueError, "seed"),
    (lambda: rnn.TrainConfig().batch(0), TypeError, "gen"),
    (lambda: rnn.train_regressor(_model(), {"steps": 1}), TypeError, "config"),
    (
        lambda: rnn.train_regressor(_model(input_size=2), rnn.TrainConfig()),
        ValueError,
        "model",
    ),
    (lambda: rnn.train_regressor(_model().rnn, rnn.TrainConfig()), TypeError, "model"),
    (lambda: rnn.train_regressors([], []), ValueError, "models"),
    (lambda: rnn.train_regressors([_model()], []), ValueError, "configs"),
    (
        lambda: rnn.train_regressors([_model().rnn], [rnn.TrainConfig()]),
        TypeError,
        "models",
    ),
    (
        lambda: rnn.train_regressors([_model()], [{"steps": 1}]),
        TypeError,
        "configs",
    ),
    (
        lambda: rnn.train_regressors(
            [_model(), _model("relu")], [rnn.TrainConfig()] * 2
        ),
        ValueError,
        "models",
    ),
    (
        lambda: rnn.train_regressors(
            [_model(), _model()], [rnn.TrainConfig(), rnn.TrainConfig(steps=2)]
        ),
        ValueError,
        "configs",
    ),
    (
        lambda: rnn.train_regressors([m := _model(), m], [rnn.TrainConfig()] * 2),
        ValueError,
        "models",
    ),
    # -- gradients -------------------------------------------------------------
    (
        lambda: rnn.gradient_profile(_model(), X, Y[:, :2], last_step_only=True),
        ValueError,
        "y",
    ),
    (
        lambda: rnn.gradient_profile(_model(), X, Y, last_step_only="no"),
        TypeError,
        "last_step_only",
    ),
    (
        lambda: rnn.gradient_profile(_model().rnn, X, Y, last_step_only=True),
        TypeError,
        "model",
    ),
    (
        lambda: rnn.gradient_profile(_model(), X, _with(NAN), last_step_only=True),
        ValueError,
        "y",
    ),
    (
        lambda: rnn.gradient_profile(_model(), _with(INF), Y, last_step_only=True),
        ValueError,
        "x",
    ),
    (
        lambda: rnn.gradient_profile(
            _model(), X, Y, last_step_only=False, first_step=-1
        ),
        ValueError,
        "first_step",
    ),
    (
        lambda: rnn.linear_closed_form(_model("tanh"), X, Y, last_step_only=True),
        ValueError,
        "model",
    ),
    (lambda: rnn.contribution_norms(_model(), X, "y"), TypeError, "y"),
    (lambda: rnn.mean_by_distance(torch.zeros(2, 3)), ValueError, "C"),
    (lambda: rnn.mean_by_distance(torch.zeros(0, 0)), ValueError, "C"),
    (lambda: rnn.fit_log_rate(torch.tensor([1.0, 0.0, 2.0])), ValueError, "norms"),
    (lambda: rnn.fit_log_rate(torch.ones(5), skip=-1), ValueError, "skip"),
    (lambda: rnn.fit_log_rate(torch.tensor([1, 2, 3])), TypeError, "norms"),
    # -- experiments -----------------------------------------------------------
    (lambda: rnn.ScaleSweep(weight_scales=(-0.5, 1.0)), ValueError, "weight_scales"),
    (lambda: rnn.ScaleSweep(weight_scales=[1.0]), TypeError, "weight_scales"),
    (lambda: rnn.ScaleSweep(nonlinearities=("gelu",)), ValueError, "nonlinearities"),
    (lambda: rnn.ScaleSweep(seeds=()), TypeError, "seeds"),
    (lambda: rnn.ScaleSweep(seq_len=1), ValueError, "seq_len"),
    (lambda: rnn.ScaleSweep(train={"steps": 1}), TypeError, "train"),
    (lambda: rnn.LagRecall(lags=(40,)), ValueError, "lags"),
    (lambda: rnn.LagRecall(train=rnn.TrainConfig()), ValueError, "train.task"),
    (lambda: rnn.LagRecall(seeds=(0, -1)), ValueError, "seeds"),
    (lambda: rnn.LagRecall(seeds=(1, 1)), ValueError, "seeds"),
    (lambda: rnn.LagRecall(lags=(3, 12, 3)), ValueError, "lags"),
    (lambda: rnn.scale_sweep(rnn.LagRecall()), TypeError, "config"),
    (lambda: rnn.lag_recall(rnn.ScaleSweep()), TypeError, "config"),
    (lambda: rnn.LagRecall(eval_batch=1), ValueError, "eval_batch"),
    (lambda: rnn.LagRecall(weight_scale=-1.0), ValueError, "weight_scale"),
    # -- explorer and display --------------------------------------------------
    (lambda: rnn.ExplorerGrid(weight_scales=(-1.0,)), ValueError, "weight_scales"),
    (lambda: rnn.ExplorerGrid(seq_lens=(0,)), ValueError, "seq_lens"),
    (lambda: rnn.ExplorerGrid(decimals=-1), ValueError, "decimals"),
    (lambda: rnn.ExplorerGrid(nonlinearities=()), TypeError, "nonlinearities"),
    (lambda: rnn.explorer_curve("gelu", 1.0, 5, True), ValueError, "nonlinearity"),
    (lambda: rnn.explorer_curve("tanh", 1.0, 0, True), ValueError, "seq_len"),
    (lambda: rnn.explorer_curve("tanh", -1.0, 5, True), ValueError, "weight_scale"),
    (
        lambda: rnn.explorer_curve("tanh", 1.0, 5, "yes"),
        TypeError,
        "last_step_only",
    ),
    (
        lambda: rnn.explorer_curve("tanh", 1.0, 5, True, batch_size=0),
        ValueError,
        "batch_size",
    ),
    (lambda: rnn.explorer_html({"curves": {}}), ValueError, "data"),
    (lambda: rnn.explorer_html(DATA, element_id="a b"), ValueError, "element_id"),
    (lambda: rnn.precompute("grid"), TypeError, "grid"),
    (lambda: rnn.show_explorer(rnn.ExplorerGrid(), path=3), TypeError, "path"),
    (lambda: rnn.curve_key("tanh", 1.0, 5, 1), TypeError, "last_step_only"),
]

# Issue 22's cases, each with its whole expected message; each failed (raised
# something else, or nothing) on the code before the issue was fixed.
_OVERFLOW = "keeps float32 weights finite; larger ones overflow to inf"
ISSUE_22 = [
    (
        "clip -inf (inf is allowed)",
        lambda: rnn.TrainConfig(clip=-INF),
        ValueError,
        "clip must be > 0 (math.inf: no clipping), got -inf",
    ),
    (
        "clip NaN",
        lambda: rnn.TrainConfig(clip=NAN),
        ValueError,
        "clip must be > 0 (math.inf: no clipping), got nan",
    ),
    (
        "a weight scale past float32",
        lambda: rnn.gaussian_matrix(2, 2, 1e39, seed=0),
        ValueError,
        f"scale must be <= 1e+36, which {_OVERFLOW}, got 1e+39",
    ),
    (
        "a spectral radius past float32",
        lambda: rnn.matrix_with_spectral_radius(3, 1e39, seed=0),
        ValueError,
        f"radius must be <= 1e+36, which {_OVERFLOW}, got 1e+39",
    ),
    (
        "a model weight scale past float32",
        lambda: rnn.RNNRegressor(weight_scale=1e39),
        ValueError,
        f"weight_scale must be <= 1e+36, which {_OVERFLOW}, got 1e+39",
    ),
    (
        "a float64 W_h past float32",
        lambda: rnn.VanillaRNN(
            1, 2, W_h=torch.full((2, 2), 1e300, dtype=torch.float64)
        ),
        ValueError,
        "W_h must fit float32 (|entries| up to about 3.4e38; the model keeps its "
        "weights in float32), got entries as large as 1e+300",
    ),
    (
        "a sweep scale past float32",
        lambda: rnn.ScaleSweep(weight_scales=(1.0, 1e39)),
        ValueError,
        f"weight_scales[1] must be <= 1e+36, which {_OVERFLOW}, got 1e+39",
    ),
    (
        "a lag-recall scale past float32",
        lambda: rnn.LagRecall(weight_scale=1e39),
        ValueError,
        f"weight_scale must be <= 1e+36, which {_OVERFLOW}, got 1e+39",
    ),
    (
        "one model instead of a list",
        lambda: rnn.train_regressors(_model(), [rnn.TrainConfig()]),
        TypeError,
        "models must be of type list or tuple, got RNNRegressor",
    ),
    (
        "one config instead of a list",
        lambda: rnn.train_regressors([_model()], rnn.TrainConfig()),
        TypeError,
        "configs must be of type list or tuple, got TrainConfig",
    ),
    (
        "repeated sweep seed",
        lambda: rnn.ScaleSweep(seeds=(0, 1, 0)),
        ValueError,
        "seeds must not repeat a value, got 0 more than once",
    ),
    (
        "repeated sweep scale",
        lambda: rnn.ScaleSweep(weight_scales=(1.0, 1)),
        ValueError,
        "weight_scales must not repeat a value, got 1.0 more than once",
    ),
    (
        "repeated sweep nonlinearity",
        lambda: rnn.ScaleSweep(nonlinearities=("tanh", "tanh")),
        ValueError,
        "nonlinearities must not repeat a value, got 'tanh' more than once",
    ),
    (
        "repeated explorer scale",
        lambda: rnn.ExplorerGrid(weight_scales=(0.5, 0.5)),
        ValueError,
        "weight_scales must not repeat a value, got 0.5 more than once",
    ),
    (
        "repeated explorer length",
        lambda: rnn.ExplorerGrid(seq_lens=(10, 10)),
        ValueError,
        "seq_lens must not repeat a value, got 10 more than once",
    ),
    (
        "repeated explorer nonlinearity",
        lambda: rnn.ExplorerGrid(nonlinearities=("relu", "relu")),
        ValueError,
        "nonlinearities must not repeat a value, got 'relu' more than once",
    ),
    (
        "explorer length beyond the sliders",
        lambda: rnn.ExplorerGrid(seq_lens=(rnn.MAX_SEQ_LEN + 1,)),
        ValueError,
        f"seq_lens[0] must be <= {rnn.MAX_SEQ_LEN}, got {rnn.MAX_SEQ_LEN + 1}",
    ),
    (
        "NaN weights to the probe",
        lambda: rnn.gradient_profile(_nan_model(), X, Y, last_step_only=True),
        ValueError,
        "model.rnn.W_h must be finite, got NaN or infinite entries",
    ),
    (
        "ratio at step 0",
        lambda: rnn.gradient_profile(_model(), X, Y, last_step_only=True).ratio(0),
        ValueError,
        "t must be >= 1, got 0",
    ),
    (
        "weights of the wrong length",
        lambda: rnn.sequence_loss(X, Y, torch.ones(4)),
        ValueError,
        "y_hat, y and weights must have shapes (B, T, O), (B, T, O) and (T,), "
        "not empty, got (2, 5, 1), (2, 5, 1) and (4,)",
    ),
    (
        "a setting instead of a profile",
        lambda: rnn.plot_curve("tanh"),
        TypeError,
        "profile must be of type GradientProfile, got str",
    ),
]


def _nan_model() -> rnn.RNNRegressor:
    model = _model()
    with torch.no_grad():
        model.rnn.W_h[0, 0] = NAN
    return model


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [case[1:] for case in ISSUE_22],
    ids=[case[0] for case in ISSUE_22],
)
def test_issue_22_cases_raise_the_expected_message(call, error, message):
    """Each of issue 22's bad inputs raises the stated type with the whole message."""
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


def test_the_table_is_large_enough():
    """The table covers at least 45 bad inputs across the chapter's modules."""
    assert len(CASES) >= 45


@pytest.mark.parametrize(("call", "error", "name"), CASES)
def test_bad_input_raises_a_clear_error(call, error, name):
    """Each bad input raises the stated type, and the message names the argument."""
    with pytest.raises(error) as info:
        call()
    assert re.search(rf"(?<![\w.]){re.escape(name)}\b", str(info.value)), str(
        info.value
    )


# -- hypothesis: random shapes, dtypes and values ---------------------------------

DTYPES = [
    torch.float32,
    torch.float64,
    torch.float16,
    torch.bfloat16,
    torch.int64,
    torch.bool,
    torch.complex64,
]
SPECIAL = st.sampled_from([0.0, 1.0, -1.0, 1e3, -1e3, NAN, INF, -INF])
VALUES = st.one_of(st.floats(-1e3, 1e3, allow_nan=False), SPECIAL)


@st.composite
def tensors(draw, max_dims: int = 4):
    """A tensor of random rank, shape, dtype and values (some NaN or inf)."""
    shape = draw(st.lists(st.integers(0, 4), min_size=0, max_size=max_dims))
    n = int(np.prod(shape)) if shape else 1
    values = draw(st.lists(VALUES, min_size=n, max_size=n))
    dtype = draw(st.sampled_from(DTYPES))
    t = torch.tensor(values, dtype=torch.float64).reshape(shape)
    if dtype in (torch.int64, torch.bool):
        t = torch.nan_to_num(t, nan=0.0, posinf=1.0, neginf=-1.0)
    return t.to(dtype)


@st.composite
def sequences(draw):
    """A well-shaped (B, T, 1) batch of a random float dtype, mostly finite."""
    B, T = draw(st.integers(1, 3)), draw(st.integers(1, 6))
    values = draw(st.lists(st.floats(-1e3, 1e3), min_size=B * T, max_size=B * T))
    if draw(st.integers(0, 9)) == 0:  # now and then one NaN or inf entry
        values[draw(st.integers(0, B * T - 1))] = draw(st.sampled_from([NAN, INF]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64, torch.float16]))
    return torch.tensor(values, dtype=torch.float64).reshape(B, T, 1).to(dtype)


INPUTS = st.one_of(sequences(), tensors())


def _reference(model: rnn.RNNRegressor, x: torch.Tensor) -> torch.Tensor:
    """The regressor's output computed step by step in float64."""
    W_h, W_x, b = (
        p.detach().double() for p in (model.rnn.W_h, model.rnn.W_x, model.rnn.b)
    )
    W_f, b_f = model.W_f.detach().double(), model.b_f.detach().double()
    sigma = {"linear": lambda a: a, "tanh": torch.tanh, "relu": torch.relu}
    h = torch.zeros(x.shape[0], W_h.shape[0], dtype=torch.float64)
    out = []
    for t in range(x.shape[1]):
        h = sigma[model.rnn.nonlinearity](h @ W_h.T + x[:, t] @ W_x.T + b)
        out.append(h @ W_f.T + b_f)
    return torch.stack(out, dim=1)


@settings(max_examples=25)  # each example builds a model: fewer than the usual 60
@given(
    x=INPUTS,
    nonlinearity=st.sampled_from(rnn.NONLINEARITIES),
    scale=st.floats(0.0, 2.0),
)
def test_forward_gives_a_clear_error_or_the_right_answer(x, nonlinearity, scale):
    """RNNRegressor(x): a TypeError/ValueError naming x, or the float64 answer.

    forward checks types and shapes, not values: NaN or inf in x come out as
    the reference computes them (NaN in, NaN out).
    """
    model = rnn.RNNRegressor(1, 3, 1, nonlinearity, weight_scale=scale, seed=1)
    try:
        out = model(x)
    except (TypeError, ValueError) as err:
        assert re.match(r"x\b", str(err)), str(err)
        return
    assert out.dtype == torch.float32
    assert out.shape == (x.shape[0], x.shape[1], 1)
    expected = _reference(model, x.double()).float()
    finite = expected[expected.isfinite()]
    tol = 1e-4 * (1.0 + float(finite.abs().max() if finite.numel() else 0.0))
    torch.testing.assert_close(
        out.detach(), expected, rtol=1e-3, atol=tol, equal_nan=True
    )


@given(x=INPUTS, y=INPUTS, same_shape=st.booleans(), last_step_only=st.booleans())
def test_gradient_profile_gives_a_clear_error_or_finite_norms(
    x, y, same_shape, last_step_only
):
    """gradient_profile: a clear error naming x or y, or finite norms of shape (T,)."""
    model = rnn.RNNRegressor(1, 3, 1, "tanh", seed=2)
    if same_shape:  # often a y that fits x: the inputs themselves as targets
        y = x.clone()
    try:
        p = rnn.gradient_profile(model, x, y, last_step_only=last_step_only)
    except (TypeError, ValueError) as err:
        assert re.match(r"[xy]\b", str(err)), str(err)
        return
    T = x.shape[1]
    assert p.grad_norms.shape == p.state_norms.shape == (T,)
    assert bool(torch.isfinite(p.grad_norms).all())
    assert bool(torch.isfinite(p.state_norms).all())


@given(
    steps=st.one_of(st.integers(-3, 3), st.floats(-2, 2), st.none()),
    clip=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()),
    lr=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.booleans()),
)
def test_train_config_refuses_what_would_train_wrongly(steps, clip, lr):
    """TrainConfig: a clear error naming the field, or values that train sensibly."""
    try:
        config = rnn.TrainConfig(steps=steps, clip=clip, lr=lr)
    except (TypeError, ValueError) as err:
        assert re.match(r"(steps|clip|lr)\b", str(err)), str(err)
        return
    assert isinstance(config.steps, int) and config.steps >= 1
    assert config.clip > 0  # math.inf: no clipping
    assert math.isfinite(config.lr) and config.lr > 0


def test_the_strategies_reach_the_success_path():
    """The hypothesis inputs include well-shaped batches that the model accepts."""
    from hypothesis import find

    x = find(sequences(), lambda t: bool(torch.isfinite(t).all()) and t.shape[1] > 2)
    assert rnn.RNNRegressor(1, 3, 1)(x).shape == (*x.shape[:2], 1)
