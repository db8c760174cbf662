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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch

from reviewkit.beam.interface import (
    Hypothesis,
    _advance,
    _start,
    as_prompts,
    as_stateful,
)
from reviewkit.beam.rules import SearchRules
from reviewkit.checks import check_int

__all__ = ["BeamStep", "BeamTrace", "beam_trace"]


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
        finished: Whether each candidate ended and moved to the pool of
            finished hypotheses (``finished="pool"``); all ``False``
            otherwise.
    """

    step: int
    candidates: tuple[tuple[int, ...], ...]
    scores: tuple[float, ...]
    kept: tuple[bool, ...]
    rank: tuple[int | None, ...]
    finished: tuple[bool, ...] = ()

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
            if self.finished and self.finished[i]:
                verdict = "finished (to the pool)"
            lines.append(
                f"| {spell(self.candidates[i])} | {self.scores[i]:.{digits}f} "
                f"| {math.exp(self.scores[i]):.4f} | {verdict} |"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class BeamTrace:
    """A traced beam search: every step's candidates and the final n-best list.

    Iterating over it (or indexing it) gives the steps.

    Attributes:
        steps: One :class:`BeamStep` per step the search ran.
        hypotheses: The n-best list, best first (as
            :func:`~reviewkit.beam.search.beam_search` returns it).
    """

    steps: tuple[BeamStep, ...]
    hypotheses: tuple[Hypothesis, ...]

    def __iter__(self) -> Iterator[BeamStep]:
        """The steps, first to last."""
        return iter(self.steps)

    def __len__(self) -> int:
        """The number of steps."""
        return len(self.steps)

    def __getitem__(self, i: int) -> BeamStep:
        """Step ``i`` (0-based)."""
        return self.steps[i]


def beam_trace(
    model: Any,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    check: bool = True,
    **options: Any,
) -> BeamTrace:
    """Run beam search for one prompt, the readable way, and record every step.

    .. math::

        B_t = \\operatorname{top}_k \\{ (y v,\\; s(y) + \\log p(v \\mid x, y))
        : y \\in B_{t-1},\\ v \\in V \\}

    Hold the beam as a list of hypotheses, extend each by every allowed
    token, sort the candidates (a stable sort of candidates listed by parent,
    then token id: ties go to the better parent, then the lower id), keep the
    best ``k``. With an end token the rules of
    :func:`~reviewkit.beam.search.beam_search_batch` apply, written out one
    hypothesis at a time; it returns what that fast search returns.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Most tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        check: Validate every model output (shape, NaN, normalisation).
        **options: ``eos``, ``finished``, ``min_length``,
            ``no_repeat_ngram_size``, ``length_penalty``, ``length_norm``,
            ``force_eos`` and ``early_stopping``, as in
            :func:`~reviewkit.beam.search.beam_search_batch`.

    Returns:
        Every step's candidates and the final n-best list.
    """
    length = check_int("length", length, minimum=1)
    k = check_int("beam_size", beam_size, minimum=1)
    rules = SearchRules(**options)
    eos, pool_mode = rules.eos, rules.finished == "pool"
    model = as_stateful(model)
    prompts = as_prompts(prompt, batch=False)
    before = prompts[0].tolist()
    steps: list[BeamStep] = []
    live = [Hypothesis((), 0.0, ())]  # the beam, best first
    pool: list[Hypothesis] = []  # finished hypotheses, best first
    done = False
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (1, M)
        rules.check_vocab(vocab)
        for t in range(length):
            rows = log_probs.tolist()  # one row of M log-probs per hypothesis
            candidates, parent_of = [], []
            for parent, h in enumerate(live):
                if not pool_mode and h.tokens and h.tokens[-1] == eos:
                    candidates.append(h)  # finished: stays as it is
                    parent_of.append(parent)
                    continue
                banned = rules.banned(before + list(h.tokens), t, length, vocab)
                for v, lp in enumerate(rows[parent]):
                    if v in banned or lp == -math.inf:
                        continue  # a token of probability 0 starts nothing
                    # s(y v) = s(y) + log p(v | x, y)
                    candidates.append(
                        Hypothesis((*h.tokens, v), h.score + lp, (*h.token_scores, lp))
                    )
                    parent_of.append(parent)
            order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
            ended = []
            if pool_mode:  # eos among the first k ends; the first k others go on
                ended = [i for i in order[:k] if candidates[i].tokens[-1] == eos]
                best = [i for i in order if candidates[i].tokens[-1] != eos][:k]
                pool = _best(pool + [candidates[i] for i in ended], k, rules)
            else:
                best = order[:k]
            rank = {i: r for r, i in enumerate(best)}
            steps.append(
                BeamStep(
                    t + 1,
                    tuple(c.tokens for c in candidates),
                    tuple(c.score for c in candidates),
                    tuple(i in rank for i in range(len(candidates))),
                    tuple(rank.get(i) for i in range(len(candidates))),
                    tuple(i in ended for i in range(len(candidates))),
                )
            )
            live = [candidates[i] for i in best]
            if pool_mode:
                done = _done(rules, pool, live, k, t + 1, length)
            elif all(h.tokens[-1] == eos for h in live):
                break
            if done or not live or t + 1 == length:
                break
            state = model.select(state, torch.tensor([parent_of[i] for i in best]))
            last = torch.tensor([h.tokens[-1] for h in live])
            log_probs, state = _advance(model, last, state, vocab, check)
    if pool_mode:
        final = _best(pool + ([] if done else live), k, rules)
    else:
        final = sorted(live, key=lambda h: -rules.rank(h.score, len(h.tokens)))
    return BeamTrace(tuple(steps), tuple(final))


def _best(hypotheses: list[Hypothesis], k: int, rules: SearchRules) -> list[Hypothesis]:
    """The ``k`` best by rank; a stable sort keeps earlier ones first on ties."""
    ranked = sorted(hypotheses, key=lambda h: -rules.rank(h.score, len(h.tokens)))
    return ranked[:k]


def _done(
    rules: SearchRules,
    pool: list[Hypothesis],
    live: list[Hypothesis],
    k: int,
    steps: int,
    length: int,
) -> bool:
    """Whether a pool search can stop: nothing live can still beat the pool."""
    if not live:
        return True
    if len(pool) < k:
        return False
    if rules.early_stopping:
        return True
    worst = rules.rank(pool[-1].score, len(pool[-1].tokens))
    return rules.best_possible(live[0].score, steps, length) <= worst
