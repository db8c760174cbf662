"""Training a regressor with Adam on fresh batches of one of the chapter's tasks.

Every step draws a new batch from a generator seeded with ``config.seed``, so
a run is reproducible and independent of any other run in the process (the
global RNG is never used).

:func:`train_regressor` trains one model. :func:`train_regressors` trains
several side by side in one stacked computation: each model still sees its
own batches, loss, clipping and Adam state, so it ends where it would have
ended alone (up to float rounding), in a fraction of the time, because a
small RNN's training step costs mostly Python and autograd overhead per time
step, which the stacked models share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from reviewkit.checks import (
    check_bool,
    check_choice,
    check_float,
    check_generator,
    check_int,
)
from reviewkit.rnn.model import RNNRegressor, check_regressor
from reviewkit.rnn.tasks import lag_task, running_average_task, sequence_loss
from reviewkit.rnn.weights import generator

__all__ = ["TASKS", "TrainConfig", "train_regressor", "train_regressors"]

#: The tasks :class:`TrainConfig` can name.
TASKS: tuple[str, ...] = ("average", "lag")


@dataclass(frozen=True)
class TrainConfig:
    """How :func:`train_regressor` trains a model; checked when it is built."""

    steps: int = 300  # enough for the loss to flatten at this size, in ~1 s
    batch_size: int = 32  # small batches keep a step at about a millisecond
    seq_len: int = 20  # long enough for gradients to shrink or grow visibly
    lr: float = 3e-3  # Adam's usual range; larger rates diverge for ReLU
    last_step_only: bool = False  # False: task 1 (every step); True: task 2
    clip: float = 1.0  # gradient-norm clipping keeps exploding runs finite
    seed: int = 0  # seeds the training batches (weights are seeded separately)
    task: str = "average"  # "average": the sheet's running mean; "lag": recall
    lag: int = 0  # D for task "lag" (target x_{t-D}); must be 0 for "average"

    def __post_init__(self) -> None:
        """Check every field, naming it in the error."""
        check_int("steps", self.steps, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_int("seq_len", self.seq_len, minimum=1)
        check_float("lr", self.lr, low=0.0, low_inclusive=False)
        check_bool("last_step_only", self.last_step_only)
        check_float("clip", self.clip, low=0.0, low_inclusive=False)
        check_int("seed", self.seed, minimum=0, maximum=2**63 - 1)
        check_choice("task", self.task, TASKS)
        if self.task == "lag":
            check_int("lag", self.lag, minimum=0, maximum=self.seq_len - 1)
        elif check_int("lag", self.lag) != 0:
            raise ValueError(f"lag must be 0 for task 'average', got {self.lag}")

    def batch(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw one training batch of this config's task.

        Args:
            gen: The generator to draw from (it advances).

        Returns:
            ``(x, y)``, both of shape (batch_size, seq_len, 1).
        """
        check_generator("gen", gen)
        if self.task == "lag":
            return lag_task(self.batch_size, self.seq_len, self.lag, seed=gen)
        return running_average_task(self.batch_size, self.seq_len, seed=gen)


def train_regressor(model: RNNRegressor, config: TrainConfig) -> list[float]:
    """Train ``model`` in place with Adam on fresh batches of ``config.task``.

    Each step clips the gradient norm at ``config.clip``. For the lag task the
    first ``lag`` steps carry no loss (they have nothing to recall).

    Args:
        model: The model to train (one input and one output per step).
        config: Steps, batch size, sequence length, learning rate, loss, task,
            seed.

    Returns:
        The training loss at every step.
    """
    check_regressor("model", model, scalar=True)
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    gen = generator(config.seed, name="config.seed")
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    for _ in range(config.steps):
        x, y = config.batch(gen)  # (B, T, 1) each
        loss = sequence_loss(
            model(x),
            y,
            last_step_only=config.last_step_only,
            first_step=config.lag,
        )
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        losses.append(loss.item())
    return losses


# what every config of one train_regressors call must share: the stacked
# batches need one shape, and the models take their steps together
_SHARED_FIELDS = ("steps", "batch_size", "seq_len", "lr")


def train_regressors(
    models: Sequence[RNNRegressor], configs: Sequence[TrainConfig]
) -> list[list[float]]:
    """Train several models at once, each as :func:`train_regressor` would alone.

    Model ``i`` is trained with ``configs[i]``: its own batches (from its
    own seed and task), its own loss (last step only or every step from
    ``lag`` on), its own gradient-norm clipping and its own Adam state. The
    models' parameters are stacked along a new first dimension and run through
    one batched recurrence,

    .. math::

        h^{(i)}_t = \\sigma(W^{(i)}_h h^{(i)}_{t-1} + W^{(i)}_x x^{(i)}_t + b^{(i)})
        \\quad \\text{for all } i \\text{ at once,}

    and the per-model losses are summed, which gives each model's parameters
    exactly the gradient of its own loss. Adam is elementwise, so one Adam on
    the stacked parameters is the models' separate Adams. The result matches
    separate training up to float rounding (the batched matrix products add in
    another order), which chaotic runs can amplify over many steps.

    Args:
        models: The models to train in place, distinct objects with the same
            hidden size, nonlinearity and dtype, one input and one output per
            step.
        configs: One config per model. They must agree on ``steps``,
            ``batch_size``, ``seq_len`` and ``lr``; seeds, tasks, lags, losses
            and clipping may differ.

    Returns:
        The training loss of every model at every step, one list per model.
    """
    models, configs = list(models), list(configs)
    if not models:
        raise ValueError("models must hold at least one model, got none")
    if len(configs) != len(models):
        raise ValueError(
            f"configs must hold one config per model ({len(models)}), "
            f"got {len(configs)}"
        )
    for i, model in enumerate(models):
        check_regressor(f"models[{i}]", model, scalar=True)
    for i, config in enumerate(configs):
        if not isinstance(config, TrainConfig):
            raise TypeError(
                f"configs[{i}] must be a TrainConfig, got {type(config).__name__}"
            )
    if len({id(m) for m in models}) != len(models):
        raise ValueError("models must be distinct objects, got one model twice")
    first, first_config = models[0].rnn, configs[0]
    for i, model in enumerate(models[1:], start=1):
        got = (model.rnn.hidden_size, model.rnn.nonlinearity, model.rnn.W_h.dtype)
        want = (first.hidden_size, first.nonlinearity, first.W_h.dtype)
        if got != want:
            raise ValueError(
                f"models[{i}] must match models[0] in (hidden_size, nonlinearity, "
                f"dtype) = {want}, got {got}"
            )
    for i, config in enumerate(configs[1:], start=1):
        for name in _SHARED_FIELDS:
            if getattr(config, name) != getattr(first_config, name):
                raise ValueError(
                    f"configs[{i}].{name} must equal configs[0].{name} "
                    f"({getattr(first_config, name)!r}), got {getattr(config, name)!r}"
                )

    N, T = len(models), first_config.seq_len
    names = ("rnn.W_h", "rnn.W_x", "rnn.b", "W_f", "b_f")
    stacked = [
        nn.Parameter(
            torch.stack([dict(m.named_parameters())[n].detach() for m in models])
        )
        for n in names
    ]  # (N, H, H), (N, H, 1), (N, H), (N, 1, H), (N, 1)
    W_h, W_x, b, W_f, b_f = stacked
    # per model and step: the weight of that step's squared error in its loss
    weights = torch.zeros(N, T, dtype=W_h.dtype)  # (N, T)
    for i, config in enumerate(configs):
        if config.last_step_only:
            weights[i, -1] = 1.0
        else:  # the mean over steps lag + 1, ..., T
            weights[i, config.lag :] = 1.0 / (T - config.lag)
    clips = torch.tensor([c.clip for c in configs], dtype=W_h.dtype)  # (N,)
    gens = [generator(c.seed, name=f"configs[{i}].seed") for i, c in enumerate(configs)]
    optimizer = torch.optim.Adam(stacked, lr=first_config.lr)
    losses: list[list[float]] = [[] for _ in models]
    for _ in range(first_config.steps):
        pairs = [c.batch(g) for c, g in zip(configs, gens, strict=True)]
        x = torch.stack([p[0] for p in pairs]).to(W_h.dtype)  # (N, B, T, 1)
        y = torch.stack([p[1] for p in pairs]).to(W_h.dtype)  # (N, B, T, 1)
        # W_x x_t + b for every model and step at once
        u = x @ W_x.transpose(1, 2).unsqueeze(1) + b[:, None, None]  # (N, B, T, H)
        h = x.new_zeros(N, x.shape[1], W_h.shape[1])  # h_0 = 0, (N, B, H)
        W_h_T = W_h.transpose(1, 2)  # (N, H, H)
        states = []
        # unbind, not u[:, :, t]: its backward is one stack, not T zero-filled copies
        for u_t in u.unbind(dim=2):  # (N, B, H) each
            # h_t = sigma(W_h h_{t-1} + W_x x_t + b), every model at once
            h = first.sigma(torch.baddbmm(u_t, h, W_h_T))  # (N, B, H)
            states.append(h)
        # y_hat_t = W_f h_t + b_f
        y_hat = torch.stack(states, dim=2) @ W_f.transpose(1, 2).unsqueeze(1)
        y_hat = y_hat + b_f[:, None, None]  # (N, B, T, 1)
        # L_i = sum_t w_it * mean over the batch of (y_hat - y)^2
        per_step = ((y_hat - y) ** 2).mean(dim=(1, 3))  # (N, T)
        loss = (weights * per_step).sum(dim=1)  # (N,)
        optimizer.zero_grad()
        loss.sum().backward()  # model i's parameters get dL_i only
        # clip each model's gradient norm on its own, as clip_grad_norm_ does
        norms = torch.stack([p.grad.flatten(1).norm(dim=1) for p in stacked])
        coef = (clips / (norms.norm(dim=0) + 1e-6)).clamp(max=1.0)  # (N,)
        for p in stacked:
            p.grad.mul_(coef.view(N, *[1] * (p.dim() - 1)))
        optimizer.step()
        for i, value in enumerate(loss.tolist()):
            losses[i].append(value)
    with torch.no_grad():
        for i, model in enumerate(models):
            params = dict(model.named_parameters())
            for n, p in zip(names, stacked, strict=True):
                params[n].copy_(p[i])
    return losses
