"""Experiments of the beam-search chapter: search errors and timing.

:func:`search_errors` runs exact search and beam search of several widths
from many prompts and reports how often beam search misses the mode;
:func:`time_beam_search` times one batched beam search with
:func:`reviewkit.measure.time_call`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from reviewkit.beam.exact import counted_exact_search
from reviewkit.beam.interface import LanguageModel
from reviewkit.beam.search import beam_search_batch
from reviewkit.beam.validation import as_prompts
from reviewkit.checks import check_distinct, check_float, check_int
from reviewkit.measure import time_call

__all__ = ["SearchErrors", "search_errors", "time_beam_search"]


@dataclass(frozen=True)
class SearchErrors:
    """Beam search against exact search on many prompts.

    Attributes:
        beam_sizes: The beam widths tried, ``(K,)``.
        exact: The mode's log-probability for each prompt, ``(P,)``.
        beam: Beam search's best log-probability, shape ``(P, K)``.
        expanded: Nodes exact search expanded for each prompt, ``(P,)``.
    """

    beam_sizes: tuple[int, ...]
    exact: torch.Tensor
    beam: torch.Tensor
    expanded: torch.Tensor

    def miss_rate(self, tol: float = 1e-4) -> torch.Tensor:
        """Fraction of prompts where beam's best scores below the mode, ``(K,)``."""
        tol = check_float("tol", tol, low=0.0)
        return (self.beam < self.exact[:, None] - tol).double().mean(0)

    def larger_beam_worse(self, tol: float = 1e-4) -> list[tuple[int, int, int]]:
        """Cases ``(prompt, k_small, k_large)`` where the larger beam did worse."""
        tol = check_float("tol", tol, low=0.0)
        out = []
        for i, j in itertools.combinations(range(len(self.beam_sizes)), 2):
            worse = self.beam[:, j] < self.beam[:, i] - tol
            for p in worse.nonzero().flatten().tolist():
                out.append((p, self.beam_sizes[i], self.beam_sizes[j]))
        return out


def search_errors(
    model: LanguageModel,
    prompts: Sequence[Sequence[int]],
    length: int,
    beam_sizes: Sequence[int],
) -> SearchErrors:
    """Run exact search and beam search (each ``k``) from every prompt.

    Beam search runs batched over prompts of equal length.

    Args:
        model: The language model.
        prompts: Token-id prompts (lengths may differ).
        length: Tokens to generate after each prompt.
        beam_sizes: Beam widths to try (distinct).

    Returns:
        Scores of the mode and of beam search's best, per prompt and ``k``.
    """
    length = check_int("length", length, minimum=1)
    beam_sizes = tuple(check_int("beam_sizes[i]", k, minimum=1) for k in beam_sizes)
    if not beam_sizes:
        raise ValueError("beam_sizes must hold at least one beam width, got none")
    check_distinct("beam_sizes", beam_sizes)
    if isinstance(prompts, str | torch.Tensor) or not len(prompts):
        raise ValueError(
            "prompts must be a non-empty list of token-id sequences, "
            f"got {type(prompts).__name__} of length {len(prompts)}"
        )
    prompts = [as_prompts(p, batch=False)[0].tolist() for p in prompts]
    exact, expanded = [], []
    for p in prompts:
        found, work = counted_exact_search(model, length, prompt=p, check=False)
        if not found:
            raise ValueError(
                f"prompts hold {p}, after which nothing has probability > 0"
            )
        exact.append(found[0].score)
        expanded.append(work.expanded)
    beam = torch.empty(len(prompts), len(beam_sizes), dtype=torch.float64)
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        groups.setdefault(len(p), []).append(i)
    for rows in groups.values():
        batch = torch.tensor([list(prompts[i]) for i in rows], dtype=torch.long)
        batch = batch.reshape(len(rows), -1)
        for j, k in enumerate(beam_sizes):
            out = beam_search_batch(model, length, k, prompts=batch, check=False)
            beam[rows, j] = torch.tensor([hyps[0].score for hyps in out]).double()
    return SearchErrors(
        beam_sizes,
        torch.tensor(exact, dtype=torch.float64),
        beam,
        torch.tensor(expanded),
    )


def time_beam_search(
    model: LanguageModel,
    length: int,
    beam_size: int,
    *,
    prompts: torch.Tensor | None = None,
    repeats: int = 5,
    statistic: str = "median",
) -> float:
    """Wall time of :func:`~reviewkit.beam.search.beam_search_batch`, in seconds.

    Output checks are off (``check=False``): this times the search, not the
    checks. One untimed warm-up run comes first (see
    :func:`reviewkit.measure.time_call`).

    Args:
        model: A :data:`~reviewkit.beam.interface.LanguageModel`.
        length: Number of tokens to generate.
        beam_size: Beam width.
        prompts: Token ids, shape ``(N, P)``; ``None`` for one empty prompt.
        repeats: Number of timed runs.
        statistic: ``"median"`` or ``"min"`` of the timed runs.

    Returns:
        The chosen statistic of the timed runs.
    """
    length = check_int("length", length, minimum=1)
    beam_size = check_int("beam_size", beam_size, minimum=1)
    return time_call(
        lambda: beam_search_batch(
            model, length, beam_size, prompts=prompts, check=False
        ),
        repeats=repeats,
        statistic=statistic,
    )
