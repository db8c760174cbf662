"""Fast batched beam search: the loop the pages time and the toolkits compare to.

Every step is one model call on the live rows, one ``topk`` over the
flattened candidate scores and one gather of the model state; prefixes are
never copied (back-pointers are read back once at the end, see
:mod:`reviewkit.beam.selection`). The readable one-prompt loop it is tested
against is :func:`reviewkit.beam.trace.beam_trace`.

**Ties.** Every ranking is deterministic: a higher score first; among equal
scores, the candidate from the better-ranked parent hypothesis, then the lower
token id (the lower index in the flattened ``(k, M)`` candidate grid). In the
pool of finished hypotheses, one that finished earlier wins a tie.

**Precision.** Scores add up in the model's dtype promoted to at least
float32, so a bfloat16 or float16 model still gets float32 totals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from reviewkit.beam.interface import (
    Hypothesis,
    StatefulLanguageModel,
    _advance,
    _start,
    as_prompts,
    as_stateful,
)
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.selection import FinishedPool, read_back, top_k
from reviewkit.checks import check_int

__all__ = ["BeamOutput", "beam_search", "beam_search_batch"]

_PLAIN = SearchRules()  # the rules of plain beam search, checked once


def _is_plain(options: tuple[Any, ...]) -> bool:
    """Whether ``options`` are exactly the defaults (same types, same values)."""
    return all(
        a is b or (type(a) is type(b) and a == b)
        for a, b in zip(options, _DEFAULTS, strict=True)
    )


_DEFAULTS = (None, None, 0, 0, 0.0, "power", False, False)


@dataclass(frozen=True)
class BeamOutput:
    """The final n-best lists of a batched beam search.

    Attributes:
        tokens: Generated tokens, shape ``(N, k', T')``, best first; after a
            hypothesis' last token the end token (or 0 without one) fills in.
        scores: Total log-probabilities, shape ``(N, k')``; ``-inf`` marks an
            empty slot (fewer than ``k'`` hypotheses exist for that prompt).
        lengths: Number of tokens of each hypothesis (end token included),
            shape ``(N, k')``; 0 for an empty slot.
        ranking: The value each hypothesis was ranked by (the score, or the
            length-normalised score), shape ``(N, k')``.
        token_scores: Each token's log-probability, shape ``(N, k', T')``,
            float64, 0 after the last token.
    """

    tokens: torch.Tensor
    scores: torch.Tensor
    lengths: torch.Tensor
    ranking: torch.Tensor
    token_scores: torch.Tensor

    def hypotheses(self, row: int = 0) -> list[Hypothesis]:
        """The n-best list of prompt ``row``, best first, without empty slots."""
        row = check_int("row", row, minimum=0)
        if row >= self.tokens.shape[0]:
            raise ValueError(
                f"row must be < {self.tokens.shape[0]} (the number of prompts), "
                f"got {row}"
            )
        # one conversion per tensor, then plain Python
        lengths, scores = self.lengths[row].tolist(), self.scores[row].tolist()
        tokens, gains = self.tokens[row].tolist(), self.token_scores[row].tolist()
        return [
            Hypothesis(tuple(tokens[j][:n]), scores[j], tuple(gains[j][:n]))
            for j, n in enumerate(lengths)
            if n > 0
        ]


def beam_search_batch(
    model: Any,
    prompts: Any,
    length: int,
    beam_size: int,
    *,
    eos: int | None = None,
    finished: str | None = None,
    min_length: int = 0,
    no_repeat_ngram_size: int = 0,
    length_penalty: float = 0.0,
    length_norm: str = "power",
    force_eos: bool = False,
    early_stopping: bool = False,
    check: bool = True,
) -> BeamOutput:
    """Beam search for a batch of prompts at once, vectorised over beams.

    At step :math:`t` each of the :math:`k` hypotheses in a beam is extended by
    each of the :math:`M` tokens, and the :math:`k` best of the :math:`kM`
    candidates by total log-probability survive:

    .. math::

        s(y_{1:t}) = s(y_{1:t-1}) + \\log p(y_t \\mid x, y_{<t}), \\qquad
        B_t = \\operatorname{top}_k \\{ y_{1:t-1} v : y_{1:t-1} \\in B_{t-1},
        v \\in V \\}.

    Beams start with one hypothesis and widen to at most ``k`` as candidates
    allow. A candidate of score :math:`-\\infty` (a banned token) is never
    kept, so a prompt may end with fewer than ``k`` hypotheses, or none.

    **End token, pool** (``finished="pool"``, the default with ``eos``; as
    fairseq, OpenNMT-py and transformers do it). The beam holds ``k`` live
    hypotheses. Of each step's candidates, ranked by score, an ``eos``
    candidate among the first ``k`` moves to a pool of finished hypotheses,
    which keeps the ``k`` best by rank :math:`s / f(L)` (see
    :class:`~reviewkit.beam.rules.SearchRules`); the first ``k`` others
    form the next beam. A prompt is done when the pool holds ``k`` and no live
    hypothesis can still beat its worst (with ``early_stopping``, as soon as
    it holds ``k``: fairseq's rule), or when no live hypothesis is left. At
    ``length``, live hypotheses compete with the pool unfinished (with
    ``force_eos`` they all end there, scored with the model's eos
    probability, as fairseq's ``max_len``).

    **End token, in the beam** (``finished="beam"``). A finished hypothesis
    stays in the beam, continuing with ``eos`` at log-probability 0, and
    competes for a slot with the live ones; the search stops once all are
    finished, and the final beam is ranked by :math:`s / f(L)`.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        prompts: Token ids, shape ``(N, P)``; ``None`` for one empty prompt.
        length: Most tokens to generate, ``T >= 1`` (end token included).
        beam_size: Beam width ``k >= 1`` (an int or a numpy integer).
        eos: End-of-sequence token id, or ``None``.
        finished: ``"pool"`` or ``"beam"``; ``None``: ``"pool"`` with ``eos``.
        min_length: ``eos`` is banned before this many tokens.
        no_repeat_ngram_size: Ban any token that would repeat an n-gram of
            this size (prompt included); 0 turns it off.
        length_penalty: :math:`\\alpha` of the final ranking, any real; needs
            ``eos`` (without it every hypothesis has length ``T``).
        length_norm: ``"power"``, :math:`f(L) = L^\\alpha`, or ``"gnmt"``,
            :math:`f(L) = ((5 + L) / 6)^\\alpha`.
        force_eos: Allow only ``eos`` at the last step.
        early_stopping: Stop a prompt as soon as ``k`` have finished (pool).
        check: Validate every model output (shape, NaN, normalisation).
            Switch off for timing.

    Returns:
        Up to ``k`` hypotheses per prompt, best first.
    """
    length = check_int("length", length, minimum=1)
    beam_size = check_int("beam_size", beam_size, minimum=1)
    options = (
        eos,
        finished,
        min_length,
        no_repeat_ngram_size,
        length_penalty,
        length_norm,
        force_eos,
        early_stopping,
    )
    # the default rules are checked once, not on every call
    rules = _PLAIN if _is_plain(options) else SearchRules(*options)
    model = as_stateful(model)
    prompts = as_prompts(prompts, batch=True)
    if beam_size == 1 and rules.plain:
        return _greedy_batch(model, prompts, length, check)
    if rules.finished == "pool":
        return _pool_loop(model, prompts, length, beam_size, rules, check)
    return _beam_loop(model, prompts, length, beam_size, rules, check)


def _beam_loop(
    model: StatefulLanguageModel,
    prompts: torch.Tensor,
    length: int,
    beam_size: int,
    rules: SearchRules,
    check: bool,
) -> BeamOutput:
    """Plain beam search, or finished hypotheses kept in the beam."""
    n, eos = prompts.shape[0], rules.eos
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (N, M)
        rules.check_vocab(vocab)
        dtype = torch.promote_types(log_probs.dtype, torch.float32)
        scores = torch.zeros(n, 1, dtype=dtype)  # (N, w)
        done = torch.zeros(n, 1, dtype=torch.bool)  # (N, w): ended in eos
        history = prompts if rules.no_repeat_ngram_size else None  # (N w, P+t)
        parents, chosen, totals = [], [], []  # per step, (N, w_t) each
        width, offsets, offsets_width = 1, torch.zeros(n, 1, dtype=torch.long), 0
        for t in range(length):
            lp = log_probs if log_probs.dtype == dtype else log_probs.to(dtype)
            lp = rules.mask(lp, history, t, length)
            lp = lp.view(n, width, vocab)  # (N, w, M)
            if eos is not None and bool(done.any()):
                # A finished hypothesis can only repeat eos, at no cost.
                pad = torch.full_like(lp, -math.inf)
                pad[..., eos] = 0.0
                lp = torch.where(done[..., None], pad, lp)
            # s(y_{1:t}) = s(y_{1:t-1}) + log p(y_t | x, y_{<t})
            cand = (scores[..., None] + lp).reshape(n, width * vocab)
            scores, flat = top_k(cand, min(beam_size, width * vocab))  # (N, w')
            parent, token = flat // vocab, flat % vocab  # (N, w') each
            parents.append(parent)
            chosen.append(token)
            totals.append(scores)
            if offsets_width != width:  # the beam widened: recompute once
                offsets, offsets_width = torch.arange(n)[:, None] * width, width
            rows = (parent + offsets).reshape(-1)  # rows of the state to keep
            if eos is not None:
                done = done.gather(1, parent) | (token == eos)
            if history is not None:
                history = torch.cat([history[rows], token.reshape(-1, 1)], dim=1)
            width = scores.shape[1]
            if t + 1 == length or (eos is not None and bool(done.all())):
                break
            state = model.select(state, rows)
            log_probs, state = _advance(model, token.reshape(-1), state, vocab, check)
        steps = len(chosen)
        last = torch.full((n, width), steps - 1)
        slot = torch.arange(width).expand(n, width)
        tokens, gains = read_back(parents, chosen, totals, last, slot, eos or 0)
        if eos is None:
            lengths = torch.full((n, width), steps)
        else:
            is_eos = tokens == eos  # (N, w, T')
            first = is_eos.to(torch.int8).argmax(2) + 1  # (N, w)
            lengths = torch.where(is_eos.any(2), first, steps)
        ranking = scores
        if rules.length_penalty != 0.0:
            ranking = scores / rules.normaliser(lengths.to(dtype))
        ranked = eos is None  # the beam is sorted by score already
        return _finish(tokens, scores, lengths, ranking, gains, length, eos, ranked)


def _pool_loop(
    model: StatefulLanguageModel,
    prompts: torch.Tensor,
    length: int,
    k: int,
    rules: SearchRules,
    check: bool,
) -> BeamOutput:
    """``k`` live hypotheses plus a pool of the ``k`` best finished ones."""
    n, eos = prompts.shape[0], rules.eos
    assert eos is not None
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (N, M)
        rules.check_vocab(vocab)
        dtype = torch.promote_types(log_probs.dtype, torch.float32)
        scores = torch.zeros(n, 1, dtype=dtype)  # (N, w): live hypotheses
        # The pool, k entries per prompt: rank, score, step of the parent's
        # last token, parent's slot, whether eos ends it (False: cut at T).
        pool = FinishedPool.empty(n, k, dtype)
        done = torch.zeros(n, dtype=torch.bool)  # (N,)
        history = prompts if rules.no_repeat_ngram_size else None
        parents, chosen, totals = [], [], []
        width = 1
        for t in range(length):
            lp = log_probs if log_probs.dtype == dtype else log_probs.to(dtype)
            lp = rules.mask(lp, history, t, length)
            cand = (scores[..., None] + lp.view(n, width, vocab)).reshape(n, -1)
            top, flat = top_k(cand, min(2 * k, width * vocab))  # (N, c)
            parent, token = flat // vocab, flat % vocab  # (N, c) each
            finite = top > -math.inf
            ends = (token == eos) & finite
            if bool(ends[:, :k].any()):  # eos among the first k: to the pool
                n_new = min(k, top.shape[1])
                rank = top[:, :n_new] / rules.normaliser(t + 1)
                rank = torch.where(ends[:, :n_new], rank, -math.inf)
                pool = pool.merge(rank, top[:, :n_new], t - 1, parent[:, :n_new], True)
            # the next beam: the first k candidates that go on
            goes_on = finite & ~ends  # (N, c)
            pick = torch.argsort((~goes_on).to(torch.int8), dim=1, stable=True)
            pick = pick[:, :k]  # (N, w')
            alive = goes_on.gather(1, pick) & ~done[:, None]  # (N, w')
            scores = torch.where(alive, top.gather(1, pick), -math.inf)
            parent, token = parent.gather(1, pick), token.gather(1, pick)
            parents.append(parent)
            chosen.append(token)
            totals.append(scores)
            done = done | _stop(rules, pool, scores[:, 0], t + 1, length)
            if t + 1 == length or bool(done.all()):
                break
            rows = (parent + torch.arange(n)[:, None] * width).reshape(-1)
            width = scores.shape[1]
            if history is not None:
                history = torch.cat([history[rows], token.reshape(-1, 1)], dim=1)
            state = model.select(state, rows)
            log_probs, state = _advance(model, token.reshape(-1), state, vocab, check)
        steps = len(chosen)
        if steps == length:  # hypotheses still live at T compete unfinished
            rank = torch.where(done[:, None], -math.inf, scores)
            rank = rank / rules.normaliser(length) if rules.length_penalty else rank
            slots = torch.arange(scores.shape[1]).expand_as(scores)
            pool = pool.merge(rank, scores, steps - 1, slots, False)
        tokens, gains = read_back(parents, chosen, totals, pool.step, pool.slot, eos)
        # a finished entry ends with eos one step after its parent's last token
        at = (pool.step + 1).clamp(max=tokens.shape[2] - 1)[..., None]  # (N, k, 1)
        ends = pool.eos[..., None]  # (N, k, 1)
        tokens.scatter_(2, at, torch.where(ends, eos, tokens.gather(2, at)))
        # log p(eos | parent) = s(parent eos) - s(parent)
        eos_gain = (pool.score.double() - gains.sum(2))[..., None]  # (N, k, 1)
        gains.scatter_(2, at, torch.where(ends, eos_gain, gains.gather(2, at)))
        lengths = pool.step + 1 + pool.eos.long()
        return _finish(tokens, pool.score, lengths, pool.rank, gains, length, eos)


def _stop(
    rules: SearchRules,
    pool: FinishedPool,
    best_live: torch.Tensor,
    steps: int,
    length: int,
) -> torch.Tensor:
    """Which prompts are done after ``steps`` steps, shape ``(N,)``."""
    full = pool.rank[:, -1] > -math.inf  # the pool holds k
    if rules.early_stopping:
        return full | (best_live == -math.inf)
    if rules.length_penalty == 0.0:
        bound = best_live  # a score only falls as a sequence grows
    elif steps >= length:  # live ones are cut here: this is their rank
        bound = best_live / rules.normaliser(length)
    else:
        bound = best_live / max(rules.normaliser(steps + 1), rules.normaliser(length))
    return (full & (bound <= pool.rank[:, -1])) | (best_live == -math.inf)


def _finish(
    tokens: torch.Tensor,
    scores: torch.Tensor,
    lengths: torch.Tensor,
    ranking: torch.Tensor,
    gains: torch.Tensor,
    length: int,
    eos: int | None,
    ranked: bool = False,
) -> BeamOutput:
    """Sort by ranking (unless ``ranked``), blank empty slots, pad to ``length``."""
    if not ranked:
        order = torch.sort(ranking, dim=1, descending=True, stable=True).indices
        scores, lengths, ranking = (
            x.gather(1, order) for x in (scores, lengths, ranking)
        )
        index = order[..., None].expand_as(tokens)
        tokens, gains = tokens.gather(1, index), gains.gather(1, index)
    empty = scores == -math.inf  # (N, k'): no hypothesis here
    if bool(empty.any()):
        lengths = torch.where(empty, 0, lengths)
        gains = torch.where(empty[..., None], 0.0, gains)
    if tokens.shape[2] < length:
        fill = (*tokens.shape[:2], length - tokens.shape[2])
        tokens = torch.cat([tokens, tokens.new_full(fill, eos or 0)], dim=2)
        gains = torch.cat([gains, gains.new_zeros(fill)], dim=2)
    return BeamOutput(tokens, scores, lengths, ranking, gains)


def _greedy_batch(
    model: StatefulLanguageModel, prompts: torch.Tensor, length: int, check: bool
) -> BeamOutput:
    """Beam search with ``k = 1`` and no rules: greedy, without back-pointers.

    Gives exactly what the general loop gives for ``k = 1`` (same float
    additions, same tie-breaking: ``max`` returns the first maximal index, so
    the lower token id wins), without its bookkeeping.
    """
    n = prompts.shape[0]
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (N, M)
        dtype = torch.promote_types(log_probs.dtype, torch.float32)
        scores = torch.zeros(n, 1, dtype=dtype)  # (N, 1)
        tokens, gains = [], []
        for t in range(length):
            best, token = log_probs.max(dim=1)  # (N,), (N,)
            best = best if best.dtype == dtype else best.to(dtype)
            scores = scores + best[:, None]
            tokens.append(token)
            gains.append(best)
            if t + 1 == length:
                break
            log_probs, state = _advance(model, token, state, vocab, check)
        out = torch.stack(tokens, dim=1)[:, None, :]  # (N, 1, T)
        per_token = torch.stack(gains, dim=1)[:, None, :].double()  # (N, 1, T)
    lengths = torch.full((n, 1), length)
    return _finish(out, scores, lengths, scores, per_token, length, None, True)


def beam_search(
    model: Any,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    **options: Any,
) -> list[Hypothesis]:
    """Beam search for one prompt; returns its n-best list, best first.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Most tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        **options: ``eos``, ``finished``, ``min_length``,
            ``no_repeat_ngram_size``, ``length_penalty``, ``length_norm``,
            ``force_eos``, ``early_stopping`` and ``check``, as in
            :func:`beam_search_batch`.

    Returns:
        Up to ``k`` hypotheses, best first (fewer if fewer exist).
    """
    prompts = as_prompts(prompt, batch=False)
    return beam_search_batch(model, prompts, length, beam_size, **options).hypotheses(0)
