"""Fast batched beam search: the loop the pages time and the toolkits compare to.

Every step is one model call on the live rows, one ``topk`` over the
flattened candidate scores and one gather of the model state; prefixes are
never copied (:mod:`reviewkit.beam.selection` reads back-pointers once at the
end). It returns what :func:`~reviewkit.beam.plain.plain_beam_search` and
:func:`~reviewkit.beam.trace.beam_trace` return (the tests check it), with the
same ties: a higher score first, then the better-ranked parent, then the lower
token id; in the pool, the one that finished earlier. Scores add up in the
model's dtype promoted to at least float32.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.interface import (
    LanguageModel,
    StatefulLanguageModel,
    advance,
    can_concat,
    decoder_inputs,
    inference,
    start,
)
from reviewkit.beam.pool import pool_loop
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.selection import (
    PATHS_ON_HOST,
    final_beams,
    finish,
    live_inputs,
    read_back,
    stack_steps,
    top_k,
)
from reviewkit.beam.trace import beam_trace
from reviewkit.beam.validation import is_ragged, prompt_groups
from reviewkit.checks import check_int

__all__ = ["beam_search", "beam_search_batch", "greedy_decode"]

#: A search of at most this many (prompt, slot, step) entries keeps each
#: step's top-k as ``topk`` returns it; a larger one writes them into buffers
#: (see :func:`_more_buffers`). Measured here: at k = 4, T = 1 making them
#: costs 15 us of the search's 105 us over the floor; at k = 64, T = 10 and
#: k = 16, T = 50 they made no measurable difference either way.
_UNBUFFERED = 512


def beam_search_batch(
    model: LanguageModel,
    length: int,
    beam_size: int,
    *,
    prompts: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
) -> list[list[Hypothesis]]:
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
    kept, so a prompt may end with fewer than ``k`` hypotheses, or none. With
    an end token, a finished hypothesis leaves the beam for a pool of the
    ``k`` best finished ones (``rules.finished="pool"``, the toolkits' way: see
    :mod:`reviewkit.beam.pool`), or keeps its slot and competes with the live
    ones (``"beam"``, stopping once all have ended); the final list is ranked
    by :math:`s / f(L)`.

    Args:
        model: A :data:`~reviewkit.beam.interface.LanguageModel`.
        length: Most tokens to generate, ``T >= 1`` (end token included).
        beam_size: Beam width ``k >= 1``.
        prompts: Token ids ``(N, P)``, or a sequence of prompts of different
            lengths (each a sequence of ids or a 1-D tensor); ``None``: one
            empty prompt. Every prompt gets the list it gets alone.
        rules: End token, banned tokens and ranking
            (:class:`~reviewkit.beam.rules.SearchRules`).
        check: Validate every model output (shape, NaN, normalisation).

    Returns:
        For each prompt, up to ``k`` hypotheses, best first.
    """
    model, length, prompts = decoder_inputs(
        model, length, prompts, rules, check, batch=True
    )
    beam_size = check_int("beam_size", beam_size, minimum=1)
    return _search(model, length, beam_size, prompts, rules, check)


def beam_search(
    model: LanguageModel,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
) -> list[Hypothesis]:
    """Beam search for one prompt ``(P,)``: :func:`beam_search_batch` of one."""
    model, length, prompts = decoder_inputs(model, length, prompt, rules, check)
    beam_size = check_int("beam_size", beam_size, minimum=1)
    return _search(model, length, beam_size, prompts, rules, check)[0]


def greedy_decode(
    model: LanguageModel,
    length: int,
    *,
    prompt: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
) -> list[Hypothesis]:
    """Take the most likely token each step: beam search with ``k = 1``.

    :math:`y_t = \\arg\\max_v \\log p(v \\mid x, y_{<t})`, ties to the lower id;
    the list holds one hypothesis (none if every token was banned).
    """
    model, length, prompts = decoder_inputs(model, length, prompt, rules, check)
    return _search(model, length, 1, prompts, rules, check)[0]


def _search(
    model: StatefulLanguageModel,
    length: int,
    beam_size: int,
    prompts: torch.Tensor,
    rules: SearchRules,
    check: bool,
) -> list[list[Hypothesis]]:
    """The search on checked arguments: the loop that fits the rules.

    Diverse beam search (``rules.groups > 1``) runs the readable
    :func:`~reviewkit.beam.trace.beam_trace`, one prompt at a time.
    """
    rules.check_beam(beam_size)
    if (rules.groups > 1 or not can_concat(model)) and is_ragged(prompts):
        # one search per prompt length; a prompt's result is its own in any batch
        results: list[list[Hypothesis]] = [[] for _ in range(prompts.shape[0])]
        for rows, group in prompt_groups(prompts):
            found = _search(model, length, beam_size, group, rules, check)
            for row, hypotheses in zip(rows, found, strict=True):
                results[row] = hypotheses
        return results
    if rules.groups > 1:
        return [
            beam_trace(model, length, beam_size, prompt=p, rules=rules, check=check)[0]
            for p in prompts
        ]
    if rules.plain:
        if beam_size == 1:
            return _greedy_batch(model, prompts, length, check)
        return _plain_loop(model, prompts, length, beam_size, check)
    if rules.finished == "pool":
        return pool_loop(model, prompts, length, beam_size, rules, check)
    return _beam_loop(model, prompts, length, beam_size, rules, check)


def _plain_loop(
    model: StatefulLanguageModel,
    prompts: torch.Tensor,
    length: int,
    beam_size: int,
    check: bool,
) -> list[list[Hypothesis]]:
    """Plain beam search (no rules), every prompt's beam at once.

    The sheet's loop on tensors: extend each of the beam's ``w`` hypotheses by
    every token, keep the ``k`` best of the ``w M`` candidates, feed their
    last tokens. Each step keeps only which candidate each slot took (parent
    slot times ``M`` plus token) and its total; the paths are read back once
    at the end.
    """
    n = prompts.shape[0]
    with inference():
        log_probs, state = start(model, prompts, check=check)  # (N, M)
        vocab = log_probs.shape[1]
        dtype = torch.promote_types(log_probs.dtype, torch.float32)
        scores = torch.zeros(n, 1, dtype=dtype)  # (N, w): the beam's totals
        outs = [] if n * beam_size * length > _UNBUFFERED else None  # _more_buffers
        flats, totals = [], []  # per step, (N, w_t) each
        width, offsets, offsets_width = 1, None, 0  # offsets: made when needed
        for t in range(length):
            # s(y_{1:t}) = s(y_{1:t-1}) + log p(y_t | x, y_{<t}), the rows of
            # log_probs (N w, M) promoted to the scores' dtype
            cand = (scores.reshape(-1, 1) + log_probs).view(n, width * vocab)
            kept = min(beam_size, width * vocab)  # the next beam's width
            out = None
            if outs is not None and kept == beam_size:
                if t >= len(outs):
                    _more_buffers(outs, t, n, beam_size, dtype, length)
                out = outs[t]
            # (N, w'); maybe_dead: False proves every kept score finite
            scores, flat, maybe_dead = top_k(cand, kept, out)
            flats.append(flat)
            totals.append(scores)
            parents, width = width, kept  # the beam's width before and after
            if t + 1 == length:
                break
            parent, token = flat // vocab, flat % vocab  # (N, w') each
            if n == 1:  # one prompt: a parent's slot is its row of the state
                rows = parent.view(-1)
            else:  # rows of the state to keep
                if offsets_width != parents:  # the beam widened: recompute once
                    offsets, offsets_width = torch.arange(n)[:, None] * parents, parents
                rows = (parent + offsets).view(-1)
            tokens = token.reshape(-1)
            if maybe_dead:
                fed = live_inputs(scores, rows, tokens)
                if fed is None:  # nothing live: every slot is -inf
                    break
                rows, tokens = fed
            state = model.select(state, rows)
            log_probs, state = advance(model, tokens, state, check=check)
        steps = len(flats)
        if n * width * steps <= PATHS_ON_HOST:
            return final_beams(flats, totals, vocab)  # small: in Python
        tokens, gains = _final_paths(flats, totals, vocab, 0)
        lengths = torch.full((n, width), steps)
        return finish(tokens, scores, lengths, scores, gains, True)  # ranked


def _more_buffers(
    outs: list[tuple[torch.Tensor, torch.Tensor] | None],
    t: int,
    n: int,
    beam_size: int,
    dtype: torch.dtype,
    length: int,
) -> None:
    """Tensors for :func:`top_k` from step ``t`` on, a block of steps at a time.

    In a larger search (more than :data:`_UNBUFFERED` entries) each step's
    top-k lands in buffers: a small tensor kept per step would sit between
    the step's large temporaries, and the allocator would then map fresh
    memory at every decode (measured: thousands of page faults per decode in
    the benchmark's larger cells). Blocks are 16 steps, then doubling, so a
    huge ``length`` costs nothing up front.
    """
    outs += [None] * (t - len(outs))  # steps of a narrower beam: none
    outs += _top_k_buffers(n, beam_size, dtype, min(length - t, t + 16))


def _beam_loop(
    model: StatefulLanguageModel,
    prompts: torch.Tensor,
    length: int,
    beam_size: int,
    rules: SearchRules,
    check: bool,
) -> list[list[Hypothesis]]:
    """Beam search with rules: n-gram blocking, per-node limits, or finished
    hypotheses kept in the beam (``finished="beam"``).

    :func:`_plain_loop` with each step's rules applied to the log-probs
    first; a hypothesis that ended keeps its slot, extended by the end token
    at no cost, until every slot has ended. (The two loops share their
    selection lines rather than a helper: a function call per step costs the
    plain search a measurable share of its overhead over the floor.)
    """
    n, eos = prompts.shape[0], rules.eos
    pad_token = (*rules.ends, 0)[0]
    with inference():
        log_probs, state = start(model, prompts, check=check)  # (N, M)
        vocab = log_probs.shape[1]
        rules.check_vocab(vocab)
        dtype = torch.promote_types(log_probs.dtype, torch.float32)
        scores = torch.zeros(n, 1, dtype=dtype)  # (N, w)
        # (N, w): ended in eos (only with an end token)
        done = torch.zeros(n, 1, dtype=torch.bool) if eos is not None else None
        history = prompts if rules.no_repeat_ngram_size else None  # (N w, P+t)
        outs = [] if n * beam_size * length > _UNBUFFERED else None
        flats, totals = [], []  # per step, (N, w_t) each
        width, offsets, offsets_width = 1, None, 0  # offsets: made when needed
        for t in range(length):
            lp = rules.mask(log_probs.to(dtype), history, t, length)  # (N w, M)
            if done is not None and bool(done.any()):
                # A finished hypothesis can only repeat eos, at no cost.
                pad = torch.full_like(lp, -math.inf)
                pad[:, pad_token] = 0.0
                lp = torch.where(done.view(-1, 1), pad, lp)
            # s(y_{1:t}) = s(y_{1:t-1}) + log p(y_t | x, y_{<t}), rows (N w, M)
            cand = (scores.reshape(-1, 1) + lp).view(n, width * vocab)
            kept = min(beam_size, width * vocab)  # the next beam's width
            out = None
            if outs is not None and kept == beam_size:
                if t >= len(outs):
                    _more_buffers(outs, t, n, beam_size, dtype, length)
                out = outs[t]
            # (N, w'); maybe_dead: False proves every kept score finite
            scores, flat, maybe_dead = top_k(cand, kept, out)
            flats.append(flat)
            totals.append(scores)
            parents, width = width, kept  # the beam's width before and after
            if t + 1 == length:
                break
            parent, token = flat // vocab, flat % vocab  # (N, w') each
            if n == 1:  # one prompt: a parent's slot is its row of the state
                rows = parent.view(-1)
            else:  # rows of the state to keep
                if offsets_width != parents:  # the beam widened: recompute once
                    offsets, offsets_width = torch.arange(n)[:, None] * parents, parents
                rows = (parent + offsets).view(-1)
            if done is not None:
                done = done.gather(1, parent) | rules.is_end(token)
                if bool(done.all()):
                    break
            if history is not None:
                history = torch.cat([history[rows], token.reshape(-1, 1)], dim=1)
            tokens = token.reshape(-1)
            if maybe_dead:
                fed = live_inputs(scores, rows, tokens)
                if fed is None:  # nothing live: every slot is -inf
                    break
                rows, tokens = fed
            state = model.select(state, rows)
            log_probs, state = advance(model, tokens, state, check=check)
        steps = len(flats)
        if eos is None and n * width * steps <= PATHS_ON_HOST:
            return final_beams(flats, totals, vocab)  # small: in Python
        tokens, gains = _final_paths(flats, totals, vocab, pad_token)
        if eos is None:
            lengths = torch.full((n, width), steps)
        else:
            is_eos = rules.is_end(tokens)  # (N, w, T')
            first = is_eos.to(torch.int8).argmax(2) + 1  # (N, w)
            lengths = torch.where(is_eos.any(2), first, steps)
        ranking = scores
        if rules.length_penalty != 0.0:
            ranking = scores / rules.normaliser(lengths.to(dtype))
        ranked = eos is None  # the beam is sorted by score already
        return finish(tokens, scores, lengths, ranking, gains, ranked)


def _final_paths(
    flats: list[torch.Tensor], totals: list[torch.Tensor], vocab: int, pad: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokens and per-token log-probs ``(N, w, T')`` of the last step's slots.

    ``flats[t]`` holds each slot's kept candidate, parent slot * M + token;
    every path runs to the last step (:func:`read_back` with ``same_end``).
    """
    width = flats[-1].shape[1]  # a beam never narrows
    picked = stack_steps(flats, width, 0)  # (T', N, w)
    n, steps = picked.shape[1], picked.shape[0]
    last = torch.full((n, width), steps - 1)
    slot = torch.arange(width).expand(n, width)
    return read_back(picked // vocab, picked % vocab, totals, last, slot, pad, True)


def _top_k_buffers(
    n: int, beam_size: int, dtype: torch.dtype, steps: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Room for ``steps`` steps of :func:`top_k`: values and indices ``(N, k + 1)``."""
    values = torch.empty(steps, n, beam_size + 1, dtype=dtype)
    index = torch.empty(steps, n, beam_size + 1, dtype=torch.long)
    return list(zip(values.unbind(), index.unbind(), strict=True))


def _greedy_batch(
    model: StatefulLanguageModel, prompts: torch.Tensor, length: int, check: bool
) -> list[list[Hypothesis]]:
    """Beam search with ``k = 1`` and no rules: greedy, without back-pointers.

    Gives exactly what the general loop gives for ``k = 1`` (same float
    additions, same tie-breaking: ``max`` returns the first maximal index, so
    the lower token id wins), without its bookkeeping. Every row has a finite
    entry (``check=True`` refuses one without; with ``check=False`` that is
    the caller's promise), so the one hypothesis never dies.
    """
    n = prompts.shape[0]
    with inference():
        log_probs, state = start(model, prompts, check=check)  # (N, M)
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
            log_probs, state = advance(model, token, state, check=check)
        out = torch.stack(tokens, dim=1)[:, None, :]  # (N, 1, T)
        per_token = torch.stack(gains, dim=1)[:, None, :].double()  # (N, 1, T)
    lengths = torch.full((n, 1), length)
    return finish(out, scores, lengths, scores, per_token, True)
