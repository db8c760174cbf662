r"""Adam, written out: the update ``torch.optim.Adam`` makes, in a few lines.

For a parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`,

.. math::

    m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
    v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \\
    \theta_t = \theta_{t-1} - \frac{\eta}{1 - \beta_1^t}\,
        \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

The operations and their order are those of PyTorch's single-tensor Adam
(no weight decay, no AMSGrad), so the weights come out bit for bit the same
(a test checks it). The point is speed: the chapter trains about fifty small
models of a few thousand steps each, and for tensors this small the
optimizer's bookkeeping in ``torch.optim`` costs more than the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from reviewkit.checks import check_float

__all__ = ["Adam"]


class Adam:
    """Adam without weight decay, for the chapter's training loop.

    Args:
        params: The parameters to update (each keeps its own step count and
            moments, as in ``torch.optim.Adam``).
        lr: The learning rate :math:`\\eta`.
        betas: :math:`(\\beta_1, \\beta_2)`, decay rates of the moments.
        eps: :math:`\\epsilon`, added to the denominator.
    """

    def __init__(
        self,
        params: Iterable[nn.Parameter],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        self.params = list(params)
        self.lr = check_float("lr", lr, low=0, low_inclusive=False)
        self.beta1 = check_float(
            "betas[0]", betas[0], low=0, high=1, high_inclusive=False
        )
        self.beta2 = check_float(
            "betas[1]", betas[1], low=0, high=1, high_inclusive=False
        )
        self.eps = check_float("eps", eps, low=0)
        self.steps = [0] * len(self.params)
        self.exp_avg = [torch.zeros_like(p) for p in self.params]  # m
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]  # v

    def zero_grad(self) -> None:
        """Forget the gradients (set them to ``None``, as ``torch.optim`` does)."""
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Update every parameter that has a gradient."""
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        for i in live:
            self.steps[i] += 1
        if len({self.steps[i] for i in live}) > 1:
            # parameters at different step counts: one at a time
            for i in live:
                self._update([i])
        elif live:
            self._update(live)

    def _update(self, idx: list[int]) -> None:
        """One Adam step for the parameters ``idx``, all at the same step count.

        The ``torch._foreach_*`` operations apply the same per-tensor kernels
        as one call each, which saves most of the per-operation overhead.
        """
        beta1, beta2 = self.beta1, self.beta2
        t = float(self.steps[idx[0]])
        params = [self.params[i] for i in idx]
        grads = [p.grad for p in params]
        m = [self.exp_avg[i] for i in idx]
        v = [self.exp_avg_sq[i] for i in idx]
        # m = beta1 m + (1 - beta1) g
        torch._foreach_lerp_(m, grads, 1 - beta1)
        # v = beta2 v + (1 - beta2) g^2
        torch._foreach_mul_(v, beta2)
        torch._foreach_addcmul_(v, grads, grads, 1 - beta2)
        step_size = self.lr / (1 - beta1**t)
        bias_correction2_sqrt = (1 - beta2**t) ** 0.5
        # theta -= step_size * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
        denom = torch._foreach_sqrt(v)
        torch._foreach_div_(denom, bias_correction2_sqrt)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(params, m, denom, -step_size)
