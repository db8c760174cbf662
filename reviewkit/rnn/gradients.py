"""How big dL/dh_t is at every step: the gradient profile, a closed form, analyses.

For the regressor of :mod:`reviewkit.rnn.model` the total derivative of the loss
with respect to the hidden state :math:`h_t` collects every path from
:math:`h_t` to a loss term. With :math:`J_k = \\partial h_k / \\partial h_{k-1}
= \\mathrm{diag}(\\sigma'(a_k)) W_h`, and loss terms :math:`L_s`,

.. math::

    \\frac{\\partial L}{\\partial h_t}
    = \\sum_{s \\ge t} J_{t+1}^\\top \\cdots J_s^\\top \\,
      W_f^\\top \\frac{\\partial L_s}{\\partial \\hat y_s} .

Without a nonlinearity every :math:`J_k` is :math:`W_h`, and the sum becomes
powers of :math:`W_h^\\top` (:func:`linear_closed_form`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from reviewkit.checks import check_bool, check_int, check_tensor
from reviewkit.measure import fit_line
from reviewkit.rnn.model import RNNRegressor, check_regressor, check_sequences
from reviewkit.rnn.tasks import loss_weights, running_average_task, sequence_loss

__all__ = [
    "GradientProfile",
    "contribution_norms",
    "explorer_curve",
    "fit_log_rate",
    "gradient_profile",
    "linear_closed_form",
    "mean_by_distance",
]


@dataclass(frozen=True)
class GradientProfile:
    """What :func:`gradient_profile` measures, one entry per time step."""

    grads: torch.Tensor  #: :math:`\partial L / \partial h_t` per step, (B, T, H)
    grad_norms: torch.Tensor  #: norm of the whole (B, H) gradient per step, (T,)
    state_norms: torch.Tensor  #: mean over the batch of :math:`\|h_t\|`, (T,)

    def ratio(self, t: int = 1) -> float:
        """How many times larger the gradient is at step ``t`` than at step :math:`T`.

        .. math::

            \\frac{g_t}{g_T} = \\frac{\\|\\partial L/\\partial h_t\\|}
            {\\|\\partial L/\\partial h_T\\|}
            \\quad (t = 1: \\; < 1 \\text{ vanishing}, \\; > 1 \\text{ exploding})

        Returns:
            The ratio for ``t`` in 1..T; ``inf`` after an overflow anywhere.
        """
        g = self.grad_norms
        t = check_int("t", t, minimum=1, maximum=len(g))
        if bool(torch.isinf(g).any()):
            return math.inf
        return (g[t - 1] / g[-1]).item()


def _check_batch(
    model: RNNRegressor, x: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Check the model (finite weights) and that ``x`` and ``y`` fit it; cast them."""
    check_regressor("model", model)
    for name, p in model.named_parameters():
        check_tensor(f"model.{name}", p.detach(), finite=True)
    dtype = model.W_f.dtype
    x = check_sequences("x", x, model.rnn.input_size, dtype)  # (B, T, D)
    check_tensor("y", y, ndim=3, floating=True)
    O = model.W_f.shape[0]
    if tuple(y.shape) != (*x.shape[:2], O):
        raise ValueError(
            f"y must have shape {(*x.shape[:2], O)} (B, T, O) to match x, "
            f"got {tuple(y.shape)}"
        )
    check_tensor("y", y, finite=True)
    # a graph from x to every state, also for frozen weights (the caller's x untouched)
    return x.detach().requires_grad_(), y.to(dtype)


def gradient_profile(
    model: RNNRegressor,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    last_step_only: bool,
    first_step: int = 0,
) -> GradientProfile:
    """Measure :math:`\\partial L / \\partial h_t` at every step with autograd.

    The loss is :func:`~reviewkit.rnn.tasks.sequence_loss`; parameter gradients
    are left untouched. Inputs and weights are checked finite, so a non-finite
    norm is an overflow of the model's dtype: it comes out as ``inf``.

    .. math::

        g_t = \\Big\\| \\frac{\\partial L}{\\partial h_t} \\Big\\|_F

    Args:
        model: The regressor to probe.
        x: Input sequences, shape (B, T, D); cast to the model's dtype.
        y: Targets, shape (B, T, O); cast to the model's dtype.
        last_step_only: Loss on the last step only, instead of on every step.
        first_step: With the loss on every step, steps before this (0-based)
            index carry no loss (the first ``lag`` steps of the lag task).

    Returns:
        The gradients (raw: NaN or inf where they overflowed), their norms and
        the hidden-state norms; also under ``torch.no_grad()`` or with frozen
        weights.
    """
    x, y = _check_batch(model, x, y)
    check_bool("last_step_only", last_step_only)
    w = loss_weights(x.shape[1], last_step_only=last_step_only, first_step=first_step)
    with torch.enable_grad():  # also inside the caller's torch.no_grad()
        states = model.rnn.unroll(x)  # T tensors of shape (B, H)
        y_hat = model.readout(torch.stack(states, dim=1))  # (B, T, O)
        loss = sequence_loss(y_hat, y, w)
    grads = torch.autograd.grad(loss, states)  # T tensors of shape (B, H)
    G = torch.stack(grads, dim=1).detach()  # (B, T, H)
    S = torch.stack(states, dim=1).detach()  # (B, T, H)
    grad_norms = G.double().pow(2).sum(dim=(0, 2)).sqrt()  # (T,), float64
    state_norms = S.double().norm(dim=2).mean(dim=0)  # (T,), float64
    # NaN (inf - inf, 0 * inf) is an overflow too: inf
    inf = [torch.where(v.isfinite(), v, math.inf) for v in (grad_norms, state_norms)]
    return GradientProfile(G, *inf)


def explorer_curve(
    nonlinearity: str,
    weight_scale: float,
    seq_len: int,
    last_step_only: bool,
    *,
    hidden_size: int = 32,
    batch_size: int = 16,
    seed: int = 0,
) -> GradientProfile:
    """The gradient profile of a fresh regressor on running averages, in float64.

    One curve of the gradient explorer (:mod:`reviewkit.rnn.explorer`): the
    weights are drawn as in float32, then cast; past float64's range (about
    :math:`10^{308}`) a norm comes out as ``inf``.

    Args:
        nonlinearity: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian recurrent matrix (at least 0).
        seq_len: Sequence length, :math:`T`.
        last_step_only: Loss on the last step only, instead of on every step.
        hidden_size: Hidden units, :math:`H`.
        batch_size: Sequences in the probe batch, :math:`B`.
        seed: Seed of the weights and of the inputs.

    Returns:
        The profile; its norms have shape (T,).
    """
    model = RNNRegressor(
        1, hidden_size, 1, nonlinearity, weight_scale=weight_scale, seed=seed
    ).double()
    x, y = running_average_task(batch_size, seq_len, seed=seed)  # (B, T, 1) each
    return gradient_profile(model, x, y, last_step_only=last_step_only)


@torch.no_grad()
def linear_closed_form(
    model: RNNRegressor, x: torch.Tensor, y: torch.Tensor, *, last_step_only: bool
) -> torch.Tensor:
    """:math:`\\partial L / \\partial h_t` of a linear RNN from matrix powers.

    With :math:`\\sigma` the identity, :math:`e_s = \\partial L/\\partial
    \\hat y_s` (zero for steps without a loss term) and no autograd:

    .. math::

        \\frac{\\partial L}{\\partial h_t}
        = \\sum_{s=t}^{T} (W_h^\\top)^{s-t} W_f^\\top e_s .

    Args:
        model: A regressor whose nonlinearity is ``"linear"``.
        x: Input sequences, shape (B, T, D).
        y: Targets, shape (B, T, O).
        last_step_only: Loss on the last step only, instead of on every step.

    Returns:
        The gradients, shape (B, T, H), in the model's dtype.
    """
    x, y = _check_batch(model, x, y)
    check_bool("last_step_only", last_step_only)
    if model.rnn.nonlinearity != "linear":
        raise ValueError(
            "model must have nonlinearity 'linear' for the closed form, "
            f"got {model.rnn.nonlinearity!r}"
        )
    (B, T, _), O = x.shape, model.W_f.shape[0]
    w = loss_weights(T, last_step_only=last_step_only).to(x.dtype)  # (T,)
    # e_s = dL/dy_hat_s = 2 w_s (y_hat_s - y_s) / (B O)
    e = 2 * w[:, None] * (model(x) - y) / (B * O)  # (B, T, O)
    W_h, W_f = model.rnn.W_h, model.W_f
    grads = torch.zeros(B, T, W_h.shape[0], dtype=x.dtype)  # (B, T, H)
    powers = [torch.linalg.matrix_power(W_h, k) for k in range(T)]  # W_h^k, (H, H)
    for t in range(T):
        for s in range(t, T):
            # row form of (W_h^T)^(s-t) W_f^T e_s
            grads[:, t] += e[:, s] @ W_f @ powers[s - t]
    return grads


def contribution_norms(
    model: RNNRegressor, x: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """Split :math:`\\partial L/\\partial h_t` into one term per loss step.

    With the loss on every step, :math:`L = \\frac1T \\sum_s L_s`:

    .. math::

        C_{ts} = \\Big\\| \\frac{\\partial (L_s / T)}{\\partial h_t} \\Big\\|_F ,
        \\qquad \\frac{\\partial L}{\\partial h_t}
        = \\sum_{s \\ge t} \\frac{\\partial (L_s / T)}{\\partial h_t} .

    Args:
        model: The regressor to probe.
        x: Input sequences, shape (B, T, D).
        y: Targets, shape (B, T, O).

    Returns:
        :math:`C`, shape (T, T): row ``t`` is the state, column ``s`` the loss
        step (zero below the diagonal, where :math:`s < t`); ``inf`` where the
        model's dtype overflowed.
    """
    x, y = _check_batch(model, x, y)
    T = x.shape[1]
    with torch.enable_grad():  # also inside the caller's torch.no_grad()
        states = model.rnn.unroll(x)  # T tensors of shape (B, H)
        y_hat = model.readout(torch.stack(states, dim=1))  # (B, T, O)
        # L_s / T, one scalar per step (unbound here, where the graph is kept)
        per_step = (((y_hat - y) ** 2).mean(dim=(0, 2)) / T).unbind()
    C = torch.zeros(T, T, dtype=x.dtype)
    for s in range(T):
        grads = torch.autograd.grad(per_step[s], states[: s + 1], retain_graph=True)
        C[: s + 1, s] = torch.stack([g.pow(2).sum().sqrt() for g in grads])
    return torch.where(C.isnan(), math.inf, C)  # NaN (inf - inf) is an overflow too


def mean_by_distance(C: torch.Tensor) -> torch.Tensor:
    """Average the contributions :math:`C_{ts}` over pairs at the same distance.

    .. math::

        c_d = \\frac{1}{T-d} \\sum_{t=1}^{T-d} C_{t,\\,t+d}

    Args:
        C: Contributions from :func:`contribution_norms`, shape (T, T); an
            ``inf`` (overflow) makes its distances' means ``inf``.

    Returns:
        :math:`c_d` for :math:`d = 0, \\dots, T-1`, shape (T,).
    """
    check_tensor("C", C, ndim=2, floating=True)
    if bool(C.isnan().any()):
        raise ValueError("C must not hold NaN (an overflow is inf), got NaN entries")
    if C.shape[0] != C.shape[1] or C.shape[0] == 0:
        raise ValueError(f"C must be a non-empty square matrix, got {tuple(C.shape)}")
    T = C.shape[0]
    return torch.stack([torch.diagonal(C, offset=d).mean() for d in range(T)])


def fit_log_rate(norms: torch.Tensor, *, skip: int = 0) -> float:
    """Fit how fast a per-step norm changes, per step back from the last step.

    Least squares on :math:`\\ln g_{T-k} \\approx a + r\\,k` for
    :math:`k \\ge` ``skip`` (:math:`r \\to \\ln \\rho(W_h)` for a linear RNN,
    last-step loss and a normal :math:`W_h`).

    Args:
        norms: Positive norms per step, shape (T,).
        skip: Steps next to the last one to leave out of the fit.

    Returns:
        The fitted rate :math:`r` (negative: vanishing, positive: exploding).
    """
    check_tensor("norms", norms, ndim=1, floating=True)
    skip = check_int("skip", skip, minimum=0)
    if norms.shape[0] - skip < 2:
        raise ValueError(
            f"norms must have at least skip + 2 = {skip + 2} entries, "
            f"got {norms.shape[0]}"
        )
    if not bool((norms > 0).all() and torch.isfinite(norms).all()):
        raise ValueError("norms must be positive and finite to take logs")
    log_g = norms.flip(0)[skip:].double().log()  # ln g_{T-k}, k = skip..T-1
    k = torch.arange(skip, norms.shape[0], dtype=torch.float64)
    # ln g_{T-k} = a + r k, least squares
    return fit_line(k.numpy(), log_g.numpy())[1]
