"""Fast batched beam search: the loop the pages time and the toolkits compare to.

Every step is one model call on the live rows, one ``topk`` over the
flattened candidate scores and one gather of the model state; prefixes are
never copied (back-pointers are read back once at the end). The readable
one-prompt loop it is tested against is :func:`reviewkit.beam.trace.beam_trace`.

**Ties.** Every ranking is deterministic: a higher score first; among equal
scores, the candidate from the better-ranked parent hypothesis, then the lower
token id (the lower index in the flattened ``(k, M)`` candidate grid).
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
from reviewkit.checks import check_float, check_int

__all__ = ["BeamOutput", "beam_search", "beam_search_batch"]


@dataclass(frozen=True)
class BeamOutput:
    """The final beams of a batched beam search.

    Attributes:
        tokens: Generated tokens, shape ``(N, k', T)``, beams best first
            (``k' = min(k, M**T)``). With an end token, positions after it
            hold the end token again.
        scores: Total log-probabilities, shape ``(N, k')``.
        lengths: Number of real tokens (up to and including the end token),
            shape ``(N, k')``.
        ranking: The value each beam was ranked by at the end (the score, or
            the length-normalised score), shape ``(N, k')``.
    """

    tokens: torch.Tensor
    scores: torch.Tensor
    lengths: torch.Tensor
    ranking: torch.Tensor

    def hypotheses(self, row: int = 0) -> list[Hypothesis]:
        """Return the final beam of prompt ``row`` as hypotheses, best first."""
        row = check_int("row", row, minimum=0)
        if row >= self.tokens.shape[0]:
            raise ValueError(
                f"row must be < {self.tokens.shape[0]} (the number of prompts), "
                f"got {row}"
            )
        out = []
        for j in range(self.tokens.shape[1]):
            n = int(self.lengths[row, j])
            out.append(
                Hypothesis(
                    tuple(self.tokens[row, j, :n].tolist()),
                    float(self.scores[row, j]),
                )
            )
        return out


def _top(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` best entries of each row ``(N, W)``: higher value first, ties
    to the lower index.

    One ``topk`` of size ``k + 1`` per call. ``topk`` orders equal values
    arbitrarily, so ties are settled afterwards, and only where they matter:
    a tie across the cut (entry ``k`` equals entry ``k + 1``) decides which
    entries are kept, and is resolved exactly for that row; a tie inside the
    kept set only decides their order, which a sort of the ``k`` kept entries
    fixes. Neither ever sorts a whole row of ``W`` entries.
    """
    width = scores.shape[1]
    if k >= width:
        return torch.sort(scores, dim=1, descending=True, stable=True)
    values, index = torch.topk(scores, k + 1, dim=1)  # (N, k+1), descending
    equal = values[:, 1:] == values[:, :-1]  # (N, k): neighbours that tie
    if not bool(equal.any()):  # the common case: one check per step
        return values[:, :k], index[:, :k]
    for row in equal[:, k - 1].nonzero().flatten().tolist():  # the cut splits a tie
        values[row, :k], index[row, :k] = _top_row_exact(scores[row], k)
    return _order_by_value_then_index(values[:, :k], index[:, :k])


def _top_row_exact(row: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` best entries of one row ``(W,)`` with ties to the lower index."""
    cut = torch.topk(row, k).values[-1]  # the k-th best value
    above = (row > cut).nonzero().flatten()  # all of these are kept (< k)
    tied = (row == cut).nonzero().flatten()[: k - above.numel()]  # lowest first
    index = torch.cat([above, tied])  # (k,)
    values, index = _order_by_value_then_index(row[index][None], index[None])
    return values[0], index[0]


def _order_by_value_then_index(
    values: torch.Tensor, index: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reorder each row of ``(N, k)`` pairs: value descending, then index ascending."""
    by_index = torch.argsort(index, dim=1)
    values, index = values.gather(1, by_index), index.gather(1, by_index)
    by_value = torch.sort(values, dim=1, descending=True, stable=True).indices
    return values.gather(1, by_value), index.gather(1, by_value)


def beam_search_batch(
    model: Any,
    prompts: torch.Tensor | None,
    length: int,
    beam_size: int,
    *,
    eos: int | None = None,
    length_penalty: float = 0.0,
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

    Each step is one model call on the ``N k`` live rows, one ``topk`` over
    the flattened ``(N, k M)`` scores and one gather of the model state.
    Prefixes are never copied: each step stores back-pointers (the parent beam
    of every survivor) and the sequences are read back once at the end, so the
    bookkeeping is :math:`O(kT)` per prompt.

    Beams start with one hypothesis and widen to at most ``k`` as candidates
    allow (``min(k, M**t)`` after step ``t``). Ties: see the module docstring.

    **End token.** With ``eos`` set, a hypothesis that emits it is finished: it
    stays in the beam, and its only continuation is ``eos`` again at
    log-probability 0, so it keeps its score and competes with the live ones;
    the search stops early once every beam is finished. The final beam is then
    ranked by :math:`s / L^{\\alpha}` (``alpha = length_penalty``, ``L`` the
    length up to and including ``eos``); ``alpha = 0`` ranks by the raw score.
    The normalisation only re-ranks the final beam: during the search
    hypotheses compete on their raw scores.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        prompts: Token ids, shape ``(N, P)``; ``None`` for one empty prompt.
        length: Number of tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        eos: Optional end-of-sequence token id.
        length_penalty: Exponent :math:`\\alpha \\ge 0` of the length
            normalisation of the final ranking (only used with ``eos``).
        check: Validate every model output (shape, finite, normalised).
            Switch off for timing.

    Returns:
        The final beams, best first.
    """
    length = check_int("length", length, minimum=1)
    beam_size = check_int("beam_size", beam_size, minimum=1)
    if eos is not None:
        eos = check_int("eos", eos, minimum=0)
    alpha = check_float("length_penalty", length_penalty, low=0.0)
    model = as_stateful(model)
    prompts = as_prompts(prompts, batch=True)
    if beam_size == 1 and eos is None:
        return _greedy_batch(model, prompts, length, check)

    return _beam_loop(model, prompts, length, beam_size, eos, alpha, check)


def _beam_loop(
    model: StatefulLanguageModel,
    prompts: torch.Tensor,
    length: int,
    beam_size: int,
    eos: int | None,
    alpha: float,
    check: bool,
) -> BeamOutput:
    """The general beam loop of :func:`beam_search_batch` (checked arguments)."""
    n_prompts = prompts.shape[0]
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (N, M)
        if eos is not None and eos >= vocab:
            raise ValueError(f"eos must be < vocab size {vocab}, got {eos}")
        scores = torch.zeros(n_prompts, 1, dtype=log_probs.dtype)  # (N, w)
        finished = torch.zeros(n_prompts, 1, dtype=torch.bool)  # (N, w)
        parents: list[torch.Tensor] = []  # T tensors (N, w_t): back-pointers
        chosen: list[torch.Tensor] = []  # T tensors (N, w_t): tokens
        width = 1
        offsets, offsets_width = torch.zeros(n_prompts, 1, dtype=torch.long), 0
        for t in range(length):
            lp = log_probs.view(n_prompts, width, vocab)  # (N, w, M)
            if eos is not None and bool(finished.any()):
                # A finished hypothesis can only repeat eos, at no cost.
                pad = torch.full_like(lp, -math.inf)
                pad[..., eos] = 0.0
                lp = torch.where(finished[..., None], pad, lp)
            # s(y_{1:t}) = s(y_{1:t-1}) + log p(y_t | x, y_{<t})
            cand = (scores[..., None] + lp).reshape(n_prompts, width * vocab)
            new_width = min(beam_size, width * vocab)
            top_scores, flat = _top(cand, new_width)  # (N, w')
            parent = flat // vocab  # (N, w'): which hypothesis it extends
            token = flat % vocab  # (N, w'): which token it appends
            parents.append(parent)
            chosen.append(token)
            scores = top_scores
            if offsets_width != width:  # the beam widened: recompute once
                offsets = torch.arange(n_prompts)[:, None] * width  # (N, 1)
                offsets_width = width
            rows = (parent + offsets).reshape(-1)  # rows of the state to keep
            if eos is not None:
                finished = finished.gather(1, parent) | (token == eos)
            width = new_width
            if t + 1 == length or (eos is not None and bool(finished.all())):
                break
            state = model.select(state, rows)
            log_probs, state = _advance(model, token.reshape(-1), state, vocab, check)
        tokens = _backtrack(parents, chosen)  # (N, w, t)
        done = tokens.shape[2]
        if done < length:  # stopped early: every beam already ended in eos
            tokens = torch.cat(
                [tokens, tokens.new_full((n_prompts, width, length - done), eos)], 2
            )
        if eos is None:
            lengths = torch.full((n_prompts, width), length, dtype=torch.long)
            ranking = scores
        else:
            is_eos = tokens == eos
            first = torch.where(
                is_eos.any(2), is_eos.float().argmax(2) + 1, torch.tensor(length)
            )
            lengths = first.long()
            ranking = scores / lengths.to(scores.dtype) ** alpha
            order = torch.sort(ranking, dim=1, descending=True, stable=True).indices
            tokens = tokens.gather(1, order[..., None].expand_as(tokens))
            scores, lengths, ranking = (
                x.gather(1, order) for x in (scores, lengths, ranking)
            )
    return BeamOutput(tokens, scores, lengths, ranking)


def _greedy_batch(
    model: StatefulLanguageModel, prompts: torch.Tensor, length: int, check: bool
) -> BeamOutput:
    """Beam search with ``k = 1``: greedy, with no back-pointers to keep.

    Gives exactly what the general loop gives for ``k = 1`` (same float
    additions, same tie-breaking: ``max`` returns the first maximal index, so
    the lower token id wins), without its bookkeeping.
    """
    n_prompts = prompts.shape[0]
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (N, M)
        scores = torch.zeros(n_prompts, 1, dtype=log_probs.dtype)  # (N, 1)
        tokens = []
        for t in range(length):
            best, token = log_probs.max(dim=1)  # (N,), (N,)
            scores = scores + best[:, None]
            tokens.append(token)
            if t + 1 == length:
                break
            log_probs, state = _advance(model, token, state, vocab, check)
        out = torch.stack(tokens, dim=1)[:, None, :]  # (N, 1, T)
    lengths = torch.full((n_prompts, 1), length, dtype=torch.long)
    return BeamOutput(out, scores, lengths, scores)


def _backtrack(parents: list[torch.Tensor], chosen: list[torch.Tensor]) -> torch.Tensor:
    """Follow back-pointers from the last step: tokens ``(N, w, T)``."""
    n, width = chosen[-1].shape
    beam = torch.arange(width).expand(n, width)  # (N, w): slot in each step
    out = []
    for parent, token in zip(reversed(parents), reversed(chosen), strict=True):
        out.append(token.gather(1, beam))
        beam = parent.gather(1, beam)
    return torch.stack(out[::-1], dim=2)


def beam_search(
    model: Any,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    eos: int | None = None,
    length_penalty: float = 0.0,
    check: bool = True,
) -> list[Hypothesis]:
    """Beam search for one prompt; returns the final beam (the n-best).

    See :func:`beam_search_batch` for the algorithm, ties and the end token.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        eos: Optional end-of-sequence token id.
        length_penalty: Length-normalisation exponent for the final ranking.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        Up to ``k`` hypotheses, best first.
    """
    prompts = as_prompts(prompt, batch=False)
    out = beam_search_batch(
        model,
        prompts,
        length,
        beam_size,
        eos=eos,
        length_penalty=length_penalty,
        check=check,
    )
    return out.hypotheses(0)
