"""Tests for reviewkit.rnn.gradients: the profile, the closed form, the analyses."""

import math

import pytest
import torch

from reviewkit import rnn

SEEDS = (0, 1, 2)


def _linear_model(rho, seed, H=16, kind="symmetric"):
    W_h = rnn.matrix_with_spectral_radius(H, rho, kind=kind, seed=seed)
    return rnn.RNNRegressor(1, H, 1, "linear", W_h=W_h, seed=seed)


@pytest.mark.parametrize("last_step_only", [True, False])
@pytest.mark.parametrize("rho", [0.7, 1.0, 1.2])
def test_probe_matches_closed_form(rho, last_step_only):
    """Autograd dL/dh_t equals the sum of (W_h^T)^(s-t) W_f^T e_s for a linear RNN."""
    for seed in SEEDS:
        model = _linear_model(rho, seed, kind="gaussian").double()
        x, y = rnn.running_average_task(5, 25, seed=seed)
        x, y = x.double(), y.double()
        auto = rnn.gradient_profile(model, x, y, last_step_only=last_step_only)
        closed = rnn.linear_closed_form(model, x, y, last_step_only=last_step_only)
        torch.testing.assert_close(auto.grads, closed, rtol=1e-10, atol=1e-14)
        torch.testing.assert_close(
            auto.grad_norms, closed.pow(2).sum(dim=(0, 2)).sqrt(), rtol=1e-10, atol=0
        )


def test_probe_reports_state_norms_and_leaves_parameters_alone():
    """The probe's state norms are the mean |h_t|, and parameter .grad stays None."""
    model = rnn.RNNRegressor(1, 8, 1, "tanh", seed=1)
    x, y = rnn.running_average_task(4, 7, seed=1)
    p = rnn.gradient_profile(model, x, y, last_step_only=False)
    torch.testing.assert_close(
        p.state_norms, model.rnn(x).detach().double().norm(dim=2).mean(dim=0)
    )
    assert p.grads.shape == (4, 7, 8)
    assert all(param.grad is None for param in model.parameters())


def test_last_step_gradient_is_the_readout_error():
    """With last_step_only, dL/dh_T = W_f^T dL/dy_hat_T, for every nonlinearity."""
    for nonlinearity in rnn.NONLINEARITIES:
        model = rnn.RNNRegressor(1, 8, 1, nonlinearity, seed=2)
        x, y = rnn.running_average_task(4, 6, seed=2)
        p = rnn.gradient_profile(model, x, y, last_step_only=True)
        err = (model(x) - y)[:, -1].detach()  # (B, 1)
        torch.testing.assert_close(p.grads[:, -1], 2 * err / 4 @ model.W_f.detach())


@pytest.mark.parametrize("rho", [0.8, 0.9, 1.1, 1.2])
def test_log_gradient_slope_is_log_spectral_radius(rho):
    """2a: for normal W_h the fitted log-gradient rate per step back is ln(rho)."""
    x, y = rnn.running_average_task(8, 40, seed=0)
    for seed in SEEDS:
        for kind, tol in (("orthogonal", 1e-4), ("symmetric", 0.04)):
            model = _linear_model(rho, seed, H=32, kind=kind)
            p = rnn.gradient_profile(model, x, y, last_step_only=True)
            rate = rnn.fit_log_rate(p.grad_norms, skip=10)
            assert rate == pytest.approx(math.log(rho), abs=tol)


def test_symmetric_fit_approaches_log_radius_with_length():
    """2a: the symmetric fit is steeper than ln(rho), closer on longer sequences."""
    x, y = rnn.running_average_task(8, 150, seed=0)
    for seed in SEEDS:
        model = _linear_model(0.9, seed, H=32)
        gaps = []
        for T in (40, 150):
            p = rnn.gradient_profile(model, x[:, :T], y[:, :T], last_step_only=True)
            gaps.append(rnn.fit_log_rate(p.grad_norms, skip=10) - math.log(0.9))
        assert gaps[0] < 0 and gaps[1] < 0
        assert abs(gaps[1]) < 0.5 * abs(gaps[0])


def test_gradient_vanishes_below_and_explodes_above_radius_one():
    """2a: last-step loss: |dL/dh_1| << |dL/dh_T| if rho < 1, >> if rho > 1."""
    x, y = rnn.running_average_task(8, 40, seed=0)
    for seed in SEEDS:
        for rho, sign in ((0.8, -1), (1.2, 1)):
            p = rnn.gradient_profile(
                _linear_model(rho, seed), x, y, last_step_only=True
            )
            assert sign * math.log10(p.grad_norms[0] / p.grad_norms[-1]) > 2


def test_non_normal_matrix_grows_then_decays():
    """2a: a Jordan-like W_h (rho 0.9, sigma_max > 1) first amplifies, then shrinks."""
    jordan = 0.9 * torch.eye(4) + 0.5 * torch.diag(torch.ones(3), 1)  # as on the page
    assert torch.linalg.matrix_norm(jordan, 2) > 1 > 0.9  # sigma_max > 1 > rho
    model = rnn.RNNRegressor(1, 4, 1, "linear", W_h=jordan)
    for seed in SEEDS:
        x, y = rnn.running_average_task(8, 100, seed=seed)
        g = rnn.gradient_profile(model, x, y, last_step_only=True).grad_norms
        ratio = (g / g[-1]).flip(0)
        assert ratio.max() > 3
        assert 10 < ratio.argmax() < 60
        assert ratio[-1] < 0.5 * ratio.max()


def test_every_step_loss_keeps_early_gradients():
    """2c: with the loss on every step and rho < 1, dL/dh_1 is no longer tiny."""
    x, y = rnn.running_average_task(8, 40, seed=0)
    for seed in SEEDS:
        model = _linear_model(0.8, seed)
        every = rnn.gradient_profile(model, x, y, last_step_only=False).grad_norms
        last = rnn.gradient_profile(model, x, y, last_step_only=True).grad_norms
        assert every[0] / every[-1] > 0.05
        assert last[0] / last[-1] < 1e-3


def test_contributions_add_up_and_decay_with_distance():
    """2c: per-loss-step terms add up to the probe's gradient and decay like rho^d."""
    x, y = rnn.running_average_task(8, 40, seed=0)
    for seed in SEEDS:
        model = _linear_model(0.9, seed, H=32, kind="orthogonal")
        C = rnn.contribution_norms(model, x, y)
        g = rnn.gradient_profile(model, x, y, last_step_only=False).grad_norms
        assert bool((g <= C.sum(dim=1) * (1 + 1e-5)).all())  # triangle inequality
        assert bool((C.tril(-1) == 0).all())  # no term from earlier loss steps
        c = rnn.mean_by_distance(C)
        rate = rnn.fit_log_rate(c.flip(0), skip=5)
        assert rate == pytest.approx(math.log(0.9), abs=0.03)
        far = (C[0, 10:].sum() / C[0].sum()).item()
        assert far < 0.5


def test_contributions_match_single_step_losses():
    """2c: the column s of C is the probe's gradient norm for the loss L_s / T alone."""
    model = rnn.RNNRegressor(1, 8, 1, "tanh", seed=3)
    x, y = rnn.running_average_task(4, 6, seed=3)
    C = rnn.contribution_norms(model, x, y)
    # the loss on the last step alone is L_T; C holds L_T / T
    p = rnn.gradient_profile(model, x, y, last_step_only=True)
    torch.testing.assert_close(C[:, -1], (p.grad_norms / 6).float(), rtol=1e-5, atol=0)


def test_fit_log_rate_recovers_a_geometric_rate():
    """fit_log_rate returns r exactly for norms c * exp(r k), k steps back."""
    k = torch.arange(30, dtype=torch.float64)
    norms = (3.0 * torch.exp(-0.25 * k)).flip(0)
    assert rnn.fit_log_rate(norms) == pytest.approx(-0.25)


def test_bad_arguments_are_named():
    """Bad models, shapes, switches and norms raise errors naming the argument."""
    model = rnn.RNNRegressor(1, 4, 1, "tanh")
    x, y = rnn.running_average_task(2, 5, seed=0)
    with pytest.raises(ValueError, match="y must have shape"):
        rnn.gradient_profile(model, x, y[:, :3], last_step_only=True)
    with pytest.raises(TypeError, match="last_step_only must be a bool"):
        rnn.gradient_profile(model, x, y, last_step_only="yes")
    with pytest.raises(TypeError, match="model must be of type RNNRegressor"):
        rnn.gradient_profile(model.rnn, x, y, last_step_only=True)
    with pytest.raises(
        ValueError, match=r"x must have shape \(B, T, 1\) with B, T >= 1"
    ):
        rnn.gradient_profile(
            model, torch.zeros(2, 0, 1), torch.zeros(2, 0, 1), last_step_only=True
        )
    with pytest.raises(ValueError, match="nonlinearity 'linear'"):
        rnn.linear_closed_form(model, x, y, last_step_only=True)
    with pytest.raises(ValueError, match="norms must be positive"):
        rnn.fit_log_rate(torch.tensor([1.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="norms must have at least"):
        rnn.fit_log_rate(torch.tensor([1.0, 2.0]), skip=1)
    with pytest.raises(ValueError, match="C must be a non-empty square"):
        rnn.mean_by_distance(torch.zeros(2, 3))
    broken = rnn.RNNRegressor(1, 4, 1, "tanh")
    with torch.no_grad():
        broken.rnn.W_h[0, 0] = float("nan")
    with pytest.raises(ValueError, match="model.rnn.W_h must be finite"):
        rnn.gradient_profile(broken, x, y, last_step_only=True)


@pytest.mark.parametrize("rho", [0.8, 0.9, 1.0, 1.1, 1.2])
def test_symmetric_fits_sit_slightly_below_log_radius(rho):
    """2a: symmetric fits lie a little below ln(rho): slower growth when rho > 1."""
    x, y = rnn.running_average_task(16, 50, seed=0)
    for seed in (0, 1, 2):
        model = _linear_model(rho, seed, H=32)
        p = rnn.gradient_profile(model, x, y, last_step_only=True)
        gap = rnn.fit_log_rate(p.grad_norms, skip=10) - math.log(rho)
        assert -0.04 < gap < 0


def test_symmetric_curves_drop_first_orthogonal_ones_do_not():
    """2a: near the loss a symmetric W_h's curve falls beyond rho^k; orthogonal not."""
    x, y = rnn.running_average_task(16, 50, seed=0)
    for seed in (0, 1, 2):
        for rho in (0.9, 1.0, 1.2):
            for kind in ("symmetric", "orthogonal"):
                model = _linear_model(rho, seed, H=32, kind=kind)
                g = rnn.gradient_profile(model, x, y, last_step_only=True).grad_norms
                g = g.flip(0)  # k steps back from the loss
                drop = (g[0] * rho**10 / g[10]).item()
                if kind == "orthogonal":
                    assert drop == pytest.approx(1.0, rel=1e-4)
                else:
                    assert drop > 2
                    # the first 10 steps fall more (in log) than the next 39
                    rest = (g[10] * rho**39 / g[49]).item()
                    assert math.log(drop) > math.log(rest) > 0


def test_rising_symmetric_curves_dip_before_they_grow():
    """2a: at rho = 1.1 and 1.2 the symmetric curve first dips, then ends higher."""
    x, y = rnn.running_average_task(16, 50, seed=0)
    for rho in (1.1, 1.2):
        g = rnn.gradient_profile(
            _linear_model(rho, 1, H=32), x, y, last_step_only=True
        ).grad_norms.flip(0)
        assert g.min() < g[0] < g[-1]
        assert 0 < int(g.argmin()) < 25


def test_first_step_leaves_early_loss_terms_out():
    """gradient_profile's first_step equals the loss on steps first_step.. only."""
    model = rnn.RNNRegressor(1, 8, 1, "tanh", seed=1)
    x, y = rnn.lag_task(4, 10, 3, seed=0)
    p = rnn.gradient_profile(model, x, y, last_step_only=False, first_step=3)
    states = model.rnn.unroll(x)
    y_hat = model.readout(torch.stack(states, dim=1))
    loss = ((y_hat[:, 3:] - y[:, 3:]) ** 2).mean()
    expected = torch.stack(torch.autograd.grad(loss, states), dim=1)
    torch.testing.assert_close(p.grads, expected.detach())


def test_profile_casts_float64_inputs_to_the_model_dtype():
    """float64 inputs to a float32 model give the float32 result (dtype policy)."""
    model = rnn.RNNRegressor(1, 8, 1, "tanh", seed=1)
    x, y = rnn.running_average_task(4, 6, seed=0)
    p32 = rnn.gradient_profile(model, x, y, last_step_only=True)
    p64 = rnn.gradient_profile(model, x.double(), y.double(), last_step_only=True)
    assert p64.grads.dtype == torch.float32
    torch.testing.assert_close(p32.grads, p64.grads)


def test_overflow_comes_out_as_inf_never_as_an_error():
    """A float32 probe that overflows reports inf norms (it used to raise)."""
    model = rnn.RNNRegressor(1, 32, 1, "linear", weight_scale=3.0, seed=0)
    x, y = rnn.running_average_task(16, 50, seed=0)
    p = rnn.gradient_profile(model, x, y, last_step_only=True)
    assert bool(p.grad_norms.isinf().any())
    assert not bool(p.grad_norms.isnan().any() or p.state_norms.isnan().any())
    assert p.ratio() == math.inf
    # float64 has the range: the same model and data give finite norms
    p64 = rnn.gradient_profile(model.double(), x, y, last_step_only=True)
    assert bool(p64.grad_norms.isfinite().all())
    assert p64.ratio() > 1e20


def test_contributions_that_overflow_are_inf_as_in_the_profile():
    """contribution_norms records an overflow as inf (it gave NaN); mean_by_distance
    averages it to inf instead of refusing it."""
    model = rnn.RNNRegressor(1, 8, 1, "linear", weight_scale=10.0, seed=0)
    x, y = rnn.running_average_task(2, 60, seed=0)  # 10^60 overflows float32
    C = rnn.contribution_norms(model, x, y)
    assert not bool(C.isnan().any()) and C[0, -1] == math.inf
    assert rnn.mean_by_distance(C)[-1] == math.inf
    with pytest.raises(ValueError, match="C must not hold NaN"):
        rnn.mean_by_distance(torch.tensor([[math.nan]]))


def test_ratio_is_the_gradient_at_step_t_over_the_last():
    """ratio(t) = g_t / g_T (1-based t); ratio() is step 1 against step T."""
    x, y = rnn.running_average_task(4, 10, seed=0)
    p = rnn.gradient_profile(_linear_model(0.8, 0), x, y, last_step_only=True)
    g = p.grad_norms
    assert p.ratio() == pytest.approx((g[0] / g[-1]).item(), rel=1e-12)
    assert p.ratio(4) == pytest.approx((g[3] / g[-1]).item(), rel=1e-12)
    assert p.ratio(10) == 1.0
    assert p.ratio() < 0.8**9  # rho = 0.8: the early gradient is the small one


def test_explorer_curve_is_the_float64_profile_of_a_fresh_model():
    """explorer_curve is gradient_profile on a seeded model cast to float64."""
    p = rnn.explorer_curve("relu", 1.5, 7, False, hidden_size=6, batch_size=3, seed=4)
    model = rnn.RNNRegressor(1, 6, 1, "relu", weight_scale=1.5, seed=4).double()
    x, y = rnn.running_average_task(3, 7, seed=4)
    expected = rnn.gradient_profile(model, x, y, last_step_only=False)
    assert p.grads.dtype == torch.float64
    torch.testing.assert_close(p.grad_norms, expected.grad_norms, rtol=0, atol=0)
    torch.testing.assert_close(p.state_norms, expected.state_norms, rtol=0, atol=0)


def test_2a_headline_ratio_is_step_one_over_step_t():
    """2a: on the page's rho = 0.8 model the glued g_1 / g_T is below 1e-5, not 1e+6."""
    x, y = rnn.running_average_task(16, 50, seed=0)
    W_h = rnn.matrix_with_spectral_radius(32, 0.8, seed=1)
    model = rnn.RNNRegressor(1, 32, 1, "linear", W_h=W_h, seed=0)
    p = rnn.gradient_profile(model, x, y, last_step_only=True)
    assert p.ratio() < 1e-5  # the gradient at step 1 is the small one
    assert p.grad_norms[0].item() < 1e-5 * p.grad_norms[-1].item()


def test_probes_work_under_no_grad_and_on_frozen_weights():
    """gradient_profile and contribution_norms give the same numbers inside
    torch.no_grad() and for a model whose parameters need no gradient (both raised
    torch's 'element 0 of tensors does not require grad')."""
    model = rnn.RNNRegressor(1, 4, 1, "tanh", seed=0)
    x, y = rnn.running_average_task(2, 5, seed=0)
    want = rnn.gradient_profile(model, x, y, last_step_only=False).grad_norms
    want_c = rnn.contribution_norms(model, x, y)
    with torch.no_grad():
        got = rnn.gradient_profile(model, x, y, last_step_only=False).grad_norms
        got_c = rnn.contribution_norms(model, x, y)
    frozen = rnn.RNNRegressor(1, 4, 1, "tanh", seed=0).requires_grad_(False)
    assert torch.equal(got, want) and torch.equal(got_c, want_c)
    assert torch.equal(
        rnn.gradient_profile(frozen, x, y, last_step_only=False).grad_norms, want
    )
    assert torch.equal(rnn.contribution_norms(frozen, x, y), want_c)
    assert not x.requires_grad and all(not p.requires_grad for p in frozen.parameters())
    assert all(p.grad is None for p in model.parameters())
