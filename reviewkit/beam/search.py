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
from typing import Any

import torch

from reviewkit.beam.interface import (
    BeamOutput,
    Hypothesis,
    StatefulLanguageModel,
    _advance,
    _start,
    as_prompts,
    as_stateful,
)
from reviewkit.beam.pool import pool_loop
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.selection import finish, read_back, top_k
from reviewkit.checks import check_int

__all__ = ["beam_search", "beam_search_batch"]

_PLAIN = SearchRules()  # the rules of plain beam search, checked once


def _is_plain(options: tuple[Any, ...]) -> bool:
    """Whether ``options`` are exactly the defaults (same types, same values)."""
    return all(
        a is b or (type(a) is type(b) and a == b)
        for a, b in zip(options, _DEFAULTS, strict=True)
    )


_DEFAULTS = (None, None, 0, 0, 0.0, "power", False, False)


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
        return pool_loop(model, prompts, length, beam_size, rules, check)
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
        cast, masking = log_probs.dtype != dtype, not rules.plain
        scores = torch.zeros(n, 1, dtype=dtype)  # (N, w)
        done = torch.zeros(n, 1, dtype=torch.bool)  # (N, w): ended in eos
        history = prompts if rules.no_repeat_ngram_size else None  # (N w, P+t)
        parents, chosen, totals = [], [], []  # per step, (N, w_t) each
        width, offsets, offsets_width = 1, torch.zeros(n, 1, dtype=torch.long), 0
        for t in range(length):
            lp = log_probs.to(dtype) if cast else log_probs
            if masking:
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
        tokens, gains = read_back(parents, chosen, totals, last, slot, eos or 0, True)
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
        return finish(tokens, scores, lengths, ranking, gains, length, eos, ranked)


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
    return finish(out, scores, lengths, scores, per_token, length, None, True)


def beam_search(
    model: Any,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    eos: int | None = None,
    finished: str | None = None,
    min_length: int = 0,
    no_repeat_ngram_size: int = 0,
    length_penalty: float = 0.0,
    length_norm: str = "power",
    force_eos: bool = False,
    early_stopping: bool = False,
    check: bool = True,
) -> list[Hypothesis]:
    """Beam search for one prompt; returns its n-best list, best first.

    The options are those of :func:`beam_search_batch`, which this calls with
    a batch of one prompt.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Most tokens to generate, ``T >= 1`` (end token included).
        beam_size: Beam width ``k >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        eos: End-of-sequence token id, or ``None``.
        finished: ``"pool"`` or ``"beam"``; ``None``: ``"pool"`` with ``eos``.
        min_length: ``eos`` is banned before this many tokens.
        no_repeat_ngram_size: Ban tokens repeating an n-gram; 0 turns it off.
        length_penalty: :math:`\\alpha` of the final ranking; needs ``eos``.
        length_norm: ``"power"`` or ``"gnmt"``.
        force_eos: Allow only ``eos`` at the last step.
        early_stopping: Stop as soon as ``k`` have finished (pool).
        check: Validate every model output.

    Returns:
        Up to ``k`` hypotheses, best first (fewer if fewer exist).
    """
    prompts = as_prompts(prompt, batch=False)
    out = beam_search_batch(
        model,
        prompts,
        length,
        beam_size,
        eos=eos,
        finished=finished,
        min_length=min_length,
        no_repeat_ngram_size=no_repeat_ngram_size,
        length_penalty=length_penalty,
        length_norm=length_norm,
        force_eos=force_eos,
        early_stopping=early_stopping,
        check=check,
    )
    return out.hypotheses(0)
