"""The beam-search chapter's experiment: how often beam search misses the mode."""

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

__all__ = ["SearchErrors", "search_errors"]


@dataclass(frozen=True)
class SearchErrors:
    """Beam search against exact search on ``P`` prompts and ``K`` beam widths."""

    beam_sizes: tuple[int, ...]  #: the beam widths tried, ``(K,)``
    exact: torch.Tensor  #: the mode's log-probability for each prompt, ``(P,)``
    beam: torch.Tensor  #: beam search's best log-probability, ``(P, K)``
    expanded: torch.Tensor  #: nodes exact search expanded per prompt, ``(P,)``

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
    """Run exact search, and beam search with each of ``beam_sizes`` (distinct).

    ``length`` tokens are decoded after each prompt (prompts may differ in
    length; beam search runs batched over prompts of one length).
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
    for rows in groups.values():  # one batch per prompt length
        batch = torch.tensor([prompts[i] for i in rows]).long().reshape(len(rows), -1)
        for j, k in enumerate(beam_sizes):
            out = beam_search_batch(model, length, k, prompts=batch, check=False)
            beam[rows, j] = torch.tensor([hyps[0].score for hyps in out]).double()
    exact_scores = torch.tensor(exact, dtype=torch.float64)
    return SearchErrors(beam_sizes, exact_scores, beam, torch.tensor(expanded))
