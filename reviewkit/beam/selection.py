"""The bookkeeping under the fast beam search: selection, back-pointers, results.

* :func:`top_k` picks the ``k`` best candidates of every row with the
  chapter's tie rule (higher score first, then the lower index).
* :func:`finish` sorts the final hypotheses into n-best lists of
  :class:`~reviewkit.beam.hypothesis.Hypothesis`.
* :func:`live_inputs` keeps prefixes of probability zero away from the model.
* :func:`read_back` follows the back-pointers stored at each step to read
  the token paths (and each token's log-probability) of any set of
  hypotheses at the end, so prefixes are never copied during the search;
  :func:`final_beams` does it in plain Python for a small plain search.
"""

from __future__ import annotations

import math
import operator
from itertools import islice, pairwise

import torch

from reviewkit.beam.hypothesis import Hypothesis, new_hypothesis

__all__ = [
    "PATHS_ON_HOST",
    "final_beams",
    "finish",
    "live_inputs",
    "read_back",
    "stack_steps",
    "top_k",
]

#: :func:`top_k` settles ties in Python on at most this many values, on more
#: with tensor operations (measured here: below ~100 numbers, Python is cheaper).
_ON_HOST = 128

#: The fast search reads its paths in Python (:func:`final_beams`) when it kept
#: at most this many (prompt, slot, step) entries, else with :func:`read_back`
#: then :func:`finish` (measured here: Python takes a quarter of their time at
#: k = 4, T = 10; the two are about even between 500 and 800 entries).
PATHS_ON_HOST = 512

#: :func:`final_beams` follows one path at a time back through a beam of at
#: most this many slots, else all of the beam's paths a step at a time
#: (measured here: one at a time is faster up to k = 16, 0.6 of the time at
#: k = 4, T = 100; a step at a time 0.65 of it at k = 64, T = 10).
_PATH_AT_A_TIME = 16


def top_k(
    scores: torch.Tensor,
    k: int,
    out: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """The ``k`` best entries of each row: higher value first, ties to the lower index.

    One ``topk`` of size ``k + 1`` per call. ``topk`` orders equal values
    arbitrarily, so ties are settled afterwards, and only where they matter:
    a tie across the cut (entry ``k`` equals entry ``k + 1``) decides which
    entries are kept, and is resolved exactly for that row; a tie inside the
    kept set only decides their order, which a sort of the ``k`` kept entries
    fixes. Neither ever sorts a whole row (float32 totals tie at most steps of
    a long search).

    Args:
        scores: Candidate scores, shape ``(N, W)``.
        k: How many to keep, ``1 <= k``; ``min(k, W)`` are returned.
        out: Tensors ``(N, k + 1)`` for ``topk``'s values and indices, so that
            a search can keep every step's results without allocating them
            (see :func:`~reviewkit.beam.search.beam_search`); the results are
            then views of them, unless more than ``_ON_HOST`` values had
            ties to settle.

    Returns:
        Values and column indices, each of shape ``(N, min(k, W))``, and
        whether a row may hold :math:`-\\infty` among them (``k >= W``, or
        a tie across the cut at :math:`-\\infty`); ``False`` proves every
        kept value finite.
    """
    n, width = scores.shape
    if k >= width:
        return (*torch.sort(scores, dim=1, descending=True, stable=True), True)
    if out is None:
        values, index = torch.topk(scores, k + 1, dim=1)  # (N, k+1), descending
    else:
        values, index = torch.topk(scores, k + 1, dim=1, out=out)
    if n * (k + 1) <= _ON_HOST:
        rows = values.tolist()
        # sorted rows: no tie if each value is above the next (a row with a
        # NaN, above nothing, takes the slow path, which finds no tie either)
        if all(all(map(operator.gt, r, islice(r, 1, None))) for r in rows):
            return values[:, :k], index[:, :k], False  # the common case
        return _settle_on_host(scores, values, index, k, rows)
    equal = values[:, 1:] == values[:, :-1]  # (N, k): neighbours that tie
    if not bool(equal.any()):  # the common case: one check per step
        return values[:, :k], index[:, :k], False
    # per row, 1 if the cut splits a tie and 2 more if the tie is at -inf (a
    # kept slot of probability zero: then the k-th value is -inf, and so is
    # the one after it); one read for both
    cut = equal[:, k - 1].to(torch.int8) + 2 * (values[:, k - 1] == -math.inf)
    codes = cut.tolist()
    for row, code in enumerate(codes):
        if code:
            values[row, :k], index[row, :k] = _top_row_exact(scores[row], k)
    return (*_order_by_value_then_index(values[:, :k], index[:, :k]), 3 in codes)


def _settle_on_host(
    scores: torch.Tensor,
    values: torch.Tensor,
    index: torch.Tensor,
    k: int,
    rows: list[list[float]],
) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """:func:`top_k` after its ``topk`` found ties, settled in Python.

    The same rule on the same ``k + 1`` values per row, for results small
    enough that a few Python comparisons cost less than launching tensor
    operations on them. ``topk`` sorted each row by value, so tied values sit
    next to each other in runs: a run inside the kept set only needs its
    indices in ascending order; the run the cut splits takes the lowest
    indices of all the row's entries of that value. Fixed indices are written
    back into ``index``, so the results are always views of ``values`` and
    ``index``. ``rows`` is ``values.tolist()``.
    """
    ties = [list(map(operator.eq, vals, vals[1:])) for vals in rows]  # (N, k)
    cols, dead = index.tolist(), False
    into = index.numpy()  # the same memory (the search's tensors are on the CPU)
    for row, equal in enumerate(ties):
        fixed, changed, end = cols[row], False, 0
        while True:
            try:  # a run of equal values starts
                start = equal.index(True, end)
            except ValueError:  # no more
                break
            end = start + 1
            while end < k and equal[end]:
                end += 1
            # the run is [start, end]; equal[k - 1]: the cut splits it
            if end == k:
                cut = rows[row][start]
                dead = dead or cut == -math.inf
                tied = (scores[row] == cut).nonzero().flatten()[: k - start]
                fixed[start:k] = tied.tolist()  # the lowest indices of that value
                changed = True
            elif any(map(operator.gt, fixed[start:end], fixed[start + 1 : end + 1])):
                fixed[start : end + 1] = sorted(fixed[start : end + 1])
                changed = True
        if changed:
            into[row, :k] = fixed[:k]
    return values[:, :k], index[:, :k], dead


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


def live_inputs(
    scores: torch.Tensor, rows: torch.Tensor, tokens: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The state rows and tokens ``(N w,)`` to feed the model for a beam ``(N, w)``.

    A slot of score :math:`-\\infty` (fewer than ``k`` finite candidates)
    holds a prefix of probability zero: the model is never asked about one
    (it may return NaN, or raise), so such a slot is given the row and token
    of the first live slot instead; its output is never used. ``None`` when
    no slot is live.
    """
    if not bool((scores[:, -1] == -math.inf).any()):  # a beam's dead slots are last
        return rows, tokens
    dead = (scores == -math.inf).reshape(-1)  # (N w,)
    if bool(dead.all()):
        return None
    first = (~dead).to(torch.int8).argmax()  # the first live slot
    return (
        torch.where(dead, rows[first], rows),
        torch.where(dead, tokens[first], tokens),
    )


def read_back(
    pointers: list[torch.Tensor],
    tokens: list[torch.Tensor],
    scores: list[torch.Tensor],
    last: torch.Tensor,
    slot: torch.Tensor,
    pad: int,
    same_end: bool | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token paths and per-token log-probs of hypotheses, from back-pointers.

    Step ``t`` of the search stored, for each slot of its beam, the slot of
    the parent in step ``t - 1`` (``pointers[t]``), the token appended
    (``tokens[t]``) and the total score (``scores[t]``), each ``(N, w_t)``.
    A hypothesis is named by the step of its last token and its slot there.

    Args:
        pointers: ``T'`` tensors ``(N, w_t)``, as above, or one tensor
            ``(T', N, w)`` (every step as wide); so are ``tokens`` and
            ``scores``.
        tokens: Tokens of each step.
        scores: Total scores of each step.
        last: Step of each hypothesis' last token, shape ``(N, J)``; ``-1``
            for the empty hypothesis.
        slot: Its slot in that step's beam, shape ``(N, J)``.
        pad: Token id written after a hypothesis' last token.
        same_end: Whether every ``last`` is the final step (checked if
            ``None``); then nothing needs masking.

    Returns:
        Tokens ``(N, J, T')`` and each token's log-probability ``(N, J, T')``
        in float64 (the difference of consecutive total scores; 0 after the
        last token).
    """
    n, j = last.shape
    steps = len(tokens)
    if isinstance(tokens, torch.Tensor):
        width = tokens.shape[-1]
    else:
        width = max(x.shape[1] for x in tokens)
    by_step = [
        stack_steps(xs, width, fill) for xs, fill in ((pointers, 0), (tokens, pad))
    ]
    all_pointers, all_tokens = by_step  # (T', N, w) each
    all_scores = stack_steps(scores, width, 0.0)  # (T', N, w)
    if same_end is None:  # plain beam search: every path runs to the end
        same_end = bool((last == steps - 1).all())
    if same_end:
        slots = _slots_from_the_end(all_pointers, slot)
    else:
        slots = torch.empty(steps, n, j, dtype=torch.long)  # slot of each step
        slot = slot.clone()
        for t in range(steps - 1, -1, -1):
            slots[t] = slot
            parent = all_pointers[t].gather(1, slot)  # (N, J): slot at t - 1
            slot = torch.where(last >= t, parent, slot)
    out_tokens = all_tokens.gather(2, slots).permute(1, 2, 0)  # (N, J, T')
    totals = all_scores.gather(2, slots).permute(1, 2, 0).double()  # (N, J, T')
    # log p(y_t | y_<t) = s(y_{1:t}) - s(y_{1:t-1}), only up to the last token
    gains = torch.diff(totals, dim=2, prepend=totals.new_zeros(n, j, 1))  # (N, J, T')
    if same_end:
        return out_tokens, gains
    within = torch.arange(steps)[None, None, :] <= last[..., None]  # (N, J, T')
    return torch.where(within, out_tokens, pad), torch.where(within, gains, 0.0)


def final_beams(
    flat: list[torch.Tensor], scores: list[torch.Tensor], vocab: int
) -> list[list[Hypothesis]]:
    """Each prompt's final beam, as lists of
    :class:`~reviewkit.beam.hypothesis.Hypothesis`, read in Python.

    What :func:`read_back` then :func:`finish` give for the last step's beams
    of a plain search (every path ends at the last step, each beam is sorted
    best first), with the same numbers. Step ``t`` stored, for each slot, the
    candidate it kept, ``flat[t] = parent_slot * vocab + token`` ``(N, w_t)``,
    and its total score ``scores[t]``. From slot ``j`` of the last step, walk
    back, collecting each step's token and total; a token's log-probability
    is the difference of consecutive totals, in float64. A slot of score
    :math:`-\\infty` is left out. Meant for small results
    (:data:`PATHS_ON_HOST`).
    """
    width = flat[-1].shape[1]  # a beam never narrows
    chosen = stack_steps(flat, width, 0).tolist()  # (T', N, w) as nested lists
    total = stack_steps(scores, width, -math.inf).tolist()
    if width <= _PATH_AT_A_TIME:
        return _beams_path_by_path(chosen, total, vocab)
    beams = []
    for row, finals in enumerate(total[-1]):
        # all of the beam's paths at once, one step at a time from the end:
        # the slot each path passes through, its token and total there
        slots: list[int] | range = range(width)
        tokens, totals = [], []  # per step, from the end: one entry per path
        for at, scored in zip(reversed(chosen), reversed(total), strict=True):
            totals.append([scored[row][slot] for slot in slots])
            picked = [at[row][slot] for slot in slots]  # parent slot * M + token
            tokens.append([c % vocab for c in picked])
            slots = [c // vocab for c in picked]  # the parents' slots
        tokens.reverse()
        totals.reverse()
        # log p(y_t | y_<t) = s(y_{1:t}) - s(y_{1:t-1}), in float64
        gains = [totals[0]]
        for before, now in pairwise(totals):
            gains.append([b - a for a, b in zip(before, now, strict=True)])
        paths = zip(
            zip(*tokens, strict=True), finals, zip(*gains, strict=True), strict=True
        )
        beams.append([new_hypothesis(p, s, g) for p, s, g in paths if s != -math.inf])
    return beams


def _beams_path_by_path(
    chosen: list[list[list[int]]], total: list[list[list[float]]], vocab: int
) -> list[list[Hypothesis]]:
    """:func:`final_beams` for a narrow beam: from each final slot, walk back."""
    steps = len(chosen)
    beams = []
    for row, finals in enumerate(total[-1]):
        beam = []
        for slot, score in enumerate(finals):
            if score == -math.inf:
                continue
            path, totals = [0] * steps, [0.0] * steps
            for t in range(steps - 1, -1, -1):
                totals[t] = total[t][row][slot]
                slot, path[t] = divmod(chosen[t][row][slot], vocab)  # parent's slot
            gains = [b - a for a, b in zip([0.0, *totals], totals, strict=False)]
            beam.append(new_hypothesis(tuple(path), score, tuple(gains)))
        beams.append(beam)
    return beams


def _slots_from_the_end(pointers: torch.Tensor, slot: torch.Tensor) -> torch.Tensor:
    """Each step's slot ``(T', N, J)`` on the paths to slots ``(N, J)`` of the end.

    Following the pointers back one step at a time costs a few tensor
    operations per step. Instead, the maps "slot at step t + 1 -> slot at
    step t" are composed by doubling (a Hillis-Steele scan): after round
    ``r``, ``maps[t]`` sends a slot at step ``min(t + 2^r, T' - 1)`` to its
    ancestor at step ``t``, so ``ceil(log2 T')`` rounds reach the end.
    """
    steps, n, width = pointers.shape
    maps = torch.empty_like(pointers)  # maps[t]: slot at step t + 1 -> slot at t
    maps[:-1] = pointers[1:]
    maps[-1] = torch.arange(width)  # the last step: itself
    shift = 1
    while shift < steps:
        # (f o g)[x] = f[g[x]]: first the later map g, then the earlier f
        maps[:-shift] = maps[:-shift].gather(2, maps[shift:])
        shift *= 2
    return maps.gather(2, slot.expand(steps, n, slot.shape[1]))


def stack_steps(
    xs: list[torch.Tensor] | torch.Tensor, width: int, fill: float
) -> torch.Tensor:
    """Stack ``(N, w_t)`` tensors into ``(T', N, width)``, padding with ``fill``.

    A tensor ``(T', N, width)`` is stacked already, and returned as it is.
    """
    if isinstance(xs, torch.Tensor):
        return xs
    padded = [
        x
        if x.shape[1] == width
        else torch.cat([x, x.new_full((x.shape[0], width - x.shape[1]), fill)], 1)
        for x in xs
    ]
    return torch.stack(padded)


def finish(
    tokens: torch.Tensor,
    scores: torch.Tensor,
    lengths: torch.Tensor,
    ranking: torch.Tensor,
    gains: torch.Tensor,
    ranked: bool = False,
) -> list[list[Hypothesis]]:
    """Each prompt's n-best list from ``J`` hypotheses ``(N, J[, T'])`` a prompt.

    Sorts by ``ranking`` (unless ``ranked``: in order already), cuts each to
    its length and leaves out empty slots (score ``-inf``).
    """
    if not ranked:
        order = torch.sort(ranking, dim=1, descending=True, stable=True).indices
        scores, lengths = scores.gather(1, order), lengths.gather(1, order)
        index = order[..., None].expand_as(tokens)
        tokens, gains = tokens.gather(1, index), gains.gather(1, index)
    # one conversion per tensor, then plain Python
    lists = (tokens.tolist(), scores.tolist(), lengths.tolist(), gains.tolist())
    rows = zip(*lists, strict=True)
    full = tokens.shape[2]  # a hypothesis of every step needs no cut
    return [
        [
            new_hypothesis(tuple(t[:n]), s, tuple(g[:n]))
            if n < full
            else new_hypothesis(tuple(t), s, tuple(g))
            for t, s, n, g in zip(*row, strict=True)
            if s > -math.inf
        ]
        for row in rows
    ]
