"""Training a regressor with Adam on fresh batches of one of the chapter's tasks.

Every step draws a new batch from a generator seeded with ``config.seed``, so
a run is reproducible and independent of any other run in the process (the
global RNG is never used).
"""

from __future__ import annotations

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

__all__ = ["TASKS", "TrainConfig", "train_regressor"]

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
