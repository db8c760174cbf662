"""What the decoding benchmark decodes: the tokens, the cells and the grid.

Every decode starts from :data:`BOS`; the ``eos`` cells end hypotheses at
:data:`EOS` and rank them by score over length; the ``batch`` cells decode
several prompts of unequal lengths at once (:func:`batch_prompts`). A
:class:`Grid` lists the cells (H, M, k, T) to time and how to time them;
:data:`FULL` is the grid of the committed results and :data:`QUICK` a few
cells for development.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from reviewkit.beam.rules import SearchRules

__all__ = [
    "BOS",
    "EOS",
    "EOS_LENGTH_PENALTY",
    "EOS_PROBABILITY",
    "FULL",
    "PROMPT_LENGTHS",
    "QUICK",
    "Grid",
    "batch_prompts",
    "reviewkit_rules",
]

#: Token every decode starts from (a one-token prompt, the same for all three).
BOS = 0

#: A batched cell's prompts have 1 to this many tokens (see :func:`batch_prompts`).
PROMPT_LENGTHS = 8

#: End token of the ``eos`` cells, and the length penalty they rank with.
EOS = 1
EOS_LENGTH_PENALTY = 1.0

#: The eos cells' model ends a sequence with about this probability per step.
EOS_PROBABILITY = 0.05


def reviewkit_rules(eos: bool) -> SearchRules:
    """reviewkit's rules for a cell: plain, or the end token and the penalty."""
    if eos:
        return SearchRules(eos=EOS, length_penalty=EOS_LENGTH_PENALTY)
    return SearchRules()


@dataclass(frozen=True)
class Grid:
    """The cells to time and how to time them."""

    hidden_sizes: tuple[int, ...]  # H: the RNN's width
    vocab_sizes: tuple[int, ...]  # M: the output layer's width
    beam_sizes: tuple[int, ...]  # k
    lengths: tuple[int, ...]  # T: tokens generated after the prompt
    long_hidden_size: int  # the long-T run's H ...
    long_vocab_size: int  # ... its M ...
    long_beam_sizes: tuple[int, ...]  # ... its k ...
    long_lengths: tuple[int, ...]  # ... and its T, short ones and long ones
    warmup: int  # untimed runs of each method before a cell is timed
    min_repeats: int  # timed runs per method at least (the median needs >= 5)
    max_repeats: int  # and at most
    seconds_per_cell: float  # aim for this much timing per cell (all methods)
    profiles: tuple[tuple[int, int, int, int], ...]  # (H, M, k, T) to profile
    eos_hidden_size: int = 64  # the eos cells' H ...
    eos_vocab_sizes: tuple[int, ...] = ()  # ... their M ...
    eos_beam_sizes: tuple[int, ...] = ()  # ... their k (> 1: a pool needs a beam)
    eos_lengths: tuple[int, ...] = ()  # ... and their maximum T
    batch_hidden_size: int = 64  # the batched cells' H ...
    batch_vocab_sizes: tuple[int, ...] = ()  # ... their M ...
    batch_beam_sizes: tuple[int, ...] = ()  # ... their k ...
    batch_lengths: tuple[int, ...] = ()  # ... their T ...
    batch_sizes: tuple[int, ...] = ()  # ... and how many prompts, N


def batch_prompts(batch_size: int, vocab_size: int, seed: int = 0) -> list[list[int]]:
    """``batch_size`` prompts of unequal lengths for the batched cells.

    Prompt ``i`` is :data:`BOS` and then ``i % PROMPT_LENGTHS`` tokens drawn
    with ``seed`` (so lengths 1 to :data:`PROMPT_LENGTHS`, each as often).
    """
    g = torch.Generator().manual_seed(seed)
    return [
        [
            BOS,
            *torch.randint(0, vocab_size, (i % PROMPT_LENGTHS,), generator=g).tolist(),
        ]
        for i in range(batch_size)
    ]


#: The grid of the issue: small enough for 2 cores in about ten minutes.
FULL = Grid(
    hidden_sizes=(64, 256),
    vocab_sizes=(100, 1000, 10000),
    beam_sizes=(1, 4, 16, 64),
    lengths=(10, 50, 200),
    long_hidden_size=64,
    long_vocab_size=1000,
    long_beam_sizes=(4, 16),
    long_lengths=(10, 25, 50, 100, 200, 400, 800),
    warmup=2,
    min_repeats=11,
    max_repeats=41,
    seconds_per_cell=1.0,
    # search overhead dominates, the middle, and the model dominates
    profiles=((64, 100, 4, 50), (64, 1000, 16, 50), (256, 10000, 64, 50)),
    eos_vocab_sizes=(100, 1000),
    eos_beam_sizes=(4, 16),
    eos_lengths=(50, 200),
    batch_vocab_sizes=(100, 1000),
    batch_beam_sizes=(4, 16),
    batch_lengths=(50,),
    batch_sizes=(8, 32),
)

#: A few cells for development (``--quick``): about half a minute.
QUICK = Grid(
    hidden_sizes=(64,),
    vocab_sizes=(100, 1000),
    beam_sizes=(1, 4),
    lengths=(10, 50),
    long_hidden_size=64,
    long_vocab_size=1000,
    long_beam_sizes=(4,),
    long_lengths=(10, 50, 100, 200, 400),
    warmup=1,
    min_repeats=5,
    max_repeats=9,
    seconds_per_cell=0.2,
    profiles=((64, 100, 4, 50),),
    eos_vocab_sizes=(100,),
    eos_beam_sizes=(4,),
    eos_lengths=(50,),
    batch_vocab_sizes=(100,),
    batch_beam_sizes=(4,),
    batch_lengths=(20,),
    batch_sizes=(8,),
)
