"""Beam search with every rule, one prompt, plain Python, every candidate recorded.

:func:`beam_trace` is :func:`~reviewkit.beam.plain.plain_beam_search` plus the
rules of :class:`~reviewkit.beam.rules.SearchRules`, each concern in its own
small function: the candidates of a step (``_expand``), which go on and which
end (``_choose``), and when to stop (``_done``). It records every step
(:class:`BeamStep`, what the pages tabulate) and returns what the fast
:func:`~reviewkit.beam.search.beam_search` returns (the tests check it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.interface import LanguageModel, advance, decoder_inputs, start
from reviewkit.beam.rules import SearchRules
from reviewkit.checks import check_int

__all__ = ["BeamStep", "beam_trace"]


@dataclass(frozen=True)
class BeamStep:
    """Every candidate beam search scored at one step, for one prompt.

    The candidates are in the order scored: by parent (its rank in the beam),
    then token id; the other fields hold one entry per candidate.
    """

    step: int  #: the step, from 1 to ``T``
    candidates: tuple[tuple[int, ...], ...]  #: each candidate's tokens so far
    scores: tuple[float, ...]  #: its total log-probability
    kept: tuple[bool, ...]  #: whether it made it into the beam
    rank: tuple[int | None, ...]  #: its rank in the new beam (0 = best), or None
    #: whether it ended and moved to the pool (``finished="pool"``)
    finished: tuple[bool, ...] = ()

    @classmethod
    def of(
        cls,
        step: int,
        candidates: Sequence[Hypothesis],
        kept: Sequence[int],
        ended: Sequence[int],
    ) -> BeamStep:
        """Record a step: ``kept``, the new beam best first; ``ended``, to the pool."""
        rank = {i: r for r, i in enumerate(kept)}
        every = range(len(candidates))
        return cls(
            step,
            tuple(c.tokens for c in candidates),
            tuple(c.score for c in candidates),
            tuple(i in rank for i in every),
            tuple(rank.get(i) for i in every),
            tuple(i in ended for i in every),
        )

    def markdown(
        self, spell: Callable[[tuple[int, ...]], str] | None = None, digits: int = 3
    ) -> str:
        """This step as a Markdown table, best candidate first.

        One row per candidate: its tokens (spelled by ``spell``, ids if
        omitted), total log-probability (``digits`` decimals), probability,
        and whether it was kept.
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


def beam_trace(
    model: LanguageModel,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
) -> tuple[list[Hypothesis], list[BeamStep]]:
    """Run beam search for one prompt, the readable way, and record every step.

    .. math::

        B_t = \\operatorname{top}_k \\{ (y v,\\; s(y) + \\log p(v \\mid x, y))
        : y \\in B_{t-1},\\ v \\in V \\}

    Hold the beam as a list of hypotheses, extend each by every allowed
    token, sort the candidates stably (ties go to the better parent, then the
    lower id), keep the best ``k``; with an end token, as
    :func:`~reviewkit.beam.search.beam_search_batch` describes. With
    ``rules.groups = G``, diverse beam search: ``G`` such beams of ``k / G``,
    searched in turn at each step, group ``g`` ranking a new candidate
    :math:`y v` by :math:`s(y v) - \\lambda\\, c_v` (``rules.diversity``),
    :math:`c_v` the number of hypotheses groups before it chose (kept or
    ended) with token :math:`v` at this step (the Hamming penalty); scores stay
    log-probabilities, and the list is the ``k`` best of all groups (which
    may repeat a sequence). Returns the n-best list, best first, and one
    :class:`BeamStep` per step run (every group's candidates, in turn).
    """
    model, length, prompts = decoder_inputs(model, length, prompt, rules, check)
    k = check_int("beam_size", beam_size, minimum=1)
    rules.check_beam(k)
    n_groups, pool_mode = rules.groups, rules.finished == "pool"
    size = k // n_groups  # each group's beam width
    before = prompts[0].tolist()
    ngrams = rules.no_repeat_ngram_size > 0
    held = [Hypothesis((), 0.0, ())]  # the hypothesis in each row of the state
    beams = [[0] for _ in range(n_groups)]  # each group's rows of held, best first
    pools: list[list[Hypothesis]] = [[] for _ in range(n_groups)]  # best first
    done = [False] * n_groups
    steps: list[BeamStep] = []
    with torch.inference_mode():
        log_probs, state = start(model, prompts, check=check, name="prompt")  # (1, M)
        rules.check_vocab(log_probs.shape[1])
        for t in range(length):
            # every row's tokens so far, for n-gram blocking (a finished one's
            # row is unused: padded with its end token, as the fast loop does)
            history = (
                torch.tensor([[*before, *_padded(h, t)] for h in held])
                if ngrams
                else None
            )
            rows = rules.mask(log_probs, history, t, length).tolist()  # banned: -inf
            chosen: Counter[int] = Counter()  # tokens earlier groups chose at t
            every: list[Hypothesis] = []  # this step's candidates, group by group
            kept_all, ended_all, fed, next_held = [], [], [], []
            for g in range(n_groups):
                mine = beams[g]  # this group's rows of the state
                beam = [held[r] for r in mine]
                candidates, parents = _expand(beam, [rows[r] for r in mine], rules)
                new = [len(c.tokens) == t + 1 for c in candidates]  # not finished
                # Hamming diversity: lambda per earlier group's pick of the token
                cost = [
                    rules.diversity * chosen[c.tokens[-1]] if n else 0.0
                    for c, n in zip(candidates, new, strict=True)
                ]
                kept, ended = _choose(candidates, size, rules, cost)
                chosen.update(candidates[i].tokens[-1] for i in kept + ended if new[i])
                kept_all += [len(every) + i for i in kept]
                ended_all += [len(every) + i for i in ended]
                every += candidates
                pools[g] = _best(pools[g] + [candidates[i] for i in ended], size, rules)
                beam = [candidates[i] for i in kept]
                done[g] = _done(rules, pools[g], beam, size, t + 1, length)
                if done[g] and pool_mode:
                    kept = []  # this group is over: nothing goes on
                beams[g] = list(range(len(next_held), len(next_held) + len(kept)))
                fed += [mine[parents[i]] for i in kept]
                next_held += [candidates[i] for i in kept]
            steps.append(BeamStep.of(t + 1, every, kept_all, ended_all))
            held = next_held
            if all(done) or t + 1 == length:
                break
            state = model.select(state, torch.tensor(fed))
            last = torch.tensor([h.tokens[-1] for h in held])
            log_probs, state = advance(model, last, state, check=check)
    # in a pool, hypotheses still live at T compete unfinished
    final = [h for p in pools for h in p] + held if pool_mode else held
    return _best(final, k, rules), steps


def _padded(h: Hypothesis, t: int) -> tuple[int, ...]:
    """``h``'s tokens, its last one repeated up to ``t`` tokens."""
    return h.tokens + h.tokens[-1:] * (t - len(h.tokens))


def _expand(
    beam: list[Hypothesis], rows: list[list[float]], rules: SearchRules
) -> tuple[list[Hypothesis], list[int]]:
    """Every candidate of one step (parent by parent, then by token id), and
    each one's parent rank. A hypothesis that ended stays as it is
    (``finished="beam"``); a token of probability 0 (or banned) starts nothing.
    """
    candidates, parents = [], []
    for parent, (h, row) in enumerate(zip(beam, rows, strict=True)):
        if h.tokens and h.tokens[-1] in rules.ends:  # in the beam, finished
            candidates.append(h)
            parents.append(parent)
            continue
        for v, lp in enumerate(row):
            if lp > -math.inf:
                # s(y v) = s(y) + log p(v | x, y)
                candidates.append(
                    Hypothesis((*h.tokens, v), h.score + lp, (*h.token_scores, lp))
                )
                parents.append(parent)
    return candidates, parents


def _choose(
    candidates: list[Hypothesis], k: int, rules: SearchRules, cost: list[float]
) -> tuple[list[int], list[int]]:
    """Which candidates form the next beam (best first), and which end in the pool.

    Ranked by score minus ``cost`` (the diversity penalty, else 0). In the
    beam (or without an end token) the ``k`` best go on. With a pool, an
    ``eos`` candidate among the ``k`` best ends, and the ``k`` best of the
    others go on.
    """
    order = sorted(range(len(candidates)), key=lambda i: cost[i] - candidates[i].score)
    if rules.finished != "pool":
        return order[:k], []

    ends = [c.tokens[-1] in rules.ends for c in candidates]
    return [i for i in order if not ends[i]][:k], [i for i in order[:k] if ends[i]]


def _best(hypotheses: list[Hypothesis], k: int, rules: SearchRules) -> list[Hypothesis]:
    """The ``k`` best by rank; a stable sort keeps earlier ones first on ties."""
    ranked = sorted(hypotheses, key=lambda h: -rules.rank(h.score, len(h.tokens)))
    return ranked[:k]


def _done(
    rules: SearchRules,
    pool: list[Hypothesis],
    beam: list[Hypothesis],
    k: int,
    steps: int,
    length: int,
) -> bool:
    """Whether the search can stop: in the beam, once every hypothesis ended;
    with a pool, once it holds ``k`` and nothing live can still beat its worst
    (with ``early_stopping``, once it holds ``k``), or nothing is live.
    """
    if rules.finished != "pool":
        return all(h.tokens[-1] in rules.ends for h in beam)
    if not beam:
        return True
    if len(pool) < k:
        return False
    if rules.early_stopping:
        return True
    worst = rules.rank(pool[-1].score, len(pool[-1].tokens))
    return rules.best_possible(beam[0].score, steps, length) <= worst
