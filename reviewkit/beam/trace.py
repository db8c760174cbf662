"""Beam search as a reader would write it: one prompt, plain Python, every candidate.

:func:`beam_trace` is the beam search of the chapter's pages, in one screen of
code: hold the beam as a list of ``(tokens, score)`` pairs, extend each by
every token, sort the candidates, keep the best ``k``. It records every
candidate of every step (:class:`BeamStep`), which is what the worked example
tabulates. The fast, batched :func:`reviewkit.beam.search.beam_search_batch`
is tested against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from reviewkit.beam.interface import _advance, _start, as_prompts, as_stateful
from reviewkit.checks import check_int

__all__ = ["BeamStep", "beam_trace"]


@dataclass(frozen=True)
class BeamStep:
    """Every candidate beam search scored at one step, for one prompt.

    Attributes:
        step: The step, from 1 to ``T``.
        candidates: Each candidate's tokens so far, in the order scored
            (parent beam rank, then token id).
        scores: Each candidate's total log-probability.
        kept: Whether each candidate made it into the beam.
        rank: The candidate's rank in the new beam (0 = best), or ``None``.
    """

    step: int
    candidates: tuple[tuple[int, ...], ...]
    scores: tuple[float, ...]
    kept: tuple[bool, ...]
    rank: tuple[int | None, ...]

    def markdown(
        self, spell: Callable[[tuple[int, ...]], str] | None = None, digits: int = 3
    ) -> str:
        """This step as a Markdown table, best candidate first.

        Args:
            spell: Turns a token tuple into text; token ids if omitted.
            digits: Decimals of the log-probabilities.

        Returns:
            A table with one row per candidate: sequence, total
            log-probability, probability, and whether it was kept.
        """
        spell = spell or (lambda tokens: " ".join(map(str, tokens)))
        digits = check_int("digits", digits, minimum=0, maximum=12)
        order = sorted(range(len(self.scores)), key=lambda i: -self.scores[i])
        lines = [
            "| candidate | log-probability | probability | kept? |",
            "| --- | ---: | ---: | --- |",
        ]
        for i in order:
            rank = self.rank[i]
            verdict = f"kept (rank {rank + 1})" if rank is not None else "dropped"
            lines.append(
                f"| {spell(self.candidates[i])} | {self.scores[i]:.{digits}f} "
                f"| {math.exp(self.scores[i]):.4f} | {verdict} |"
            )
        return "\n".join(lines)


def beam_trace(
    model: Any,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    check: bool = True,
) -> list[BeamStep]:
    """Run beam search for one prompt and return every step's candidates.

    .. math::

        B_t = \\operatorname{top}_k \\{ (y v,\\; s(y) + \\log p(v \\mid x, y))
        : y \\in B_{t-1},\\ v \\in V \\}

    Ties go to the better-ranked parent, then to the lower token id (a stable
    sort of candidates listed in that order), as in the fast search.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        One :class:`BeamStep` per step; the last step's kept candidates,
        by rank, are the final beam.
    """
    length = check_int("length", length, minimum=1)
    beam_size = check_int("beam_size", beam_size, minimum=1)
    model = as_stateful(model)
    prompts = as_prompts(prompt, batch=False)
    steps = []
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (1, M)
        beam: list[tuple[tuple[int, ...], float]] = [((), 0.0)]
        for t in range(length):
            rows = log_probs.tolist()  # one row of M log-probs per hypothesis
            candidates = []  # (tokens, score, parent row), parent rank order
            for parent, (tokens, score) in enumerate(beam):
                for v in range(vocab):
                    # s(y v) = s(y) + log p(v | x, y)
                    candidates.append(((*tokens, v), score + rows[parent][v], parent))
            best = sorted(range(len(candidates)), key=lambda i: -candidates[i][1])
            best = best[:beam_size]  # stable sort: ties keep parent, token order
            rank = {i: r for r, i in enumerate(best)}
            steps.append(
                BeamStep(
                    t + 1,
                    tuple(c[0] for c in candidates),
                    tuple(c[1] for c in candidates),
                    tuple(i in rank for i in range(len(candidates))),
                    tuple(rank.get(i) for i in range(len(candidates))),
                )
            )
            beam = [candidates[i][:2] for i in best]
            if t + 1 < length:
                parents = torch.tensor([candidates[i][2] for i in best])
                tokens = torch.tensor([candidates[i][0][-1] for i in best])
                state = model.select(state, parents)
                log_probs, state = _advance(model, tokens, state, vocab, check)
    return steps
