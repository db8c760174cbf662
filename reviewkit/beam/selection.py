"""The two pieces of bookkeeping under the fast beam search.

* :func:`top_k` picks the ``k`` best candidates of every row with the
  chapter's tie rule (higher score first, then the lower index), without
  sorting whole rows.
* :class:`FinishedPool` keeps the ``k`` best finished hypotheses of each
  prompt, merging each step's new ones with one small stable sort.
* :func:`read_back` follows the back-pointers stored at each step to read
  the token paths (and each token's log-probability) of any set of
  hypotheses at the end, so prefixes are never copied during the search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

__all__ = ["FinishedPool", "read_back", "top_k"]


def top_k(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` best entries of each row: higher value first, ties to the lower index.

    One ``topk`` of size ``k + 1`` per call. ``topk`` orders equal values
    arbitrarily, so ties are settled afterwards, and only where they matter:
    a tie across the cut (entry ``k`` equals entry ``k + 1``) decides which
    entries are kept, and is resolved exactly for that row; a tie inside the
    kept set only decides their order, which a sort of the ``k`` kept entries
    fixes. Neither ever sorts a whole row.

    Args:
        scores: Candidate scores, shape ``(N, W)``.
        k: How many to keep, ``1 <= k``; ``min(k, W)`` are returned.

    Returns:
        Values and column indices, each of shape ``(N, min(k, W))``.
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


def read_back(
    parents: list[torch.Tensor],
    tokens: list[torch.Tensor],
    scores: list[torch.Tensor],
    last: torch.Tensor,
    slot: torch.Tensor,
    pad: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token paths and per-token log-probs of hypotheses, from back-pointers.

    Step ``t`` of the search stored, for each slot of its beam, the slot of
    the parent in step ``t - 1`` (``parents[t]``), the token appended
    (``tokens[t]``) and the total score (``scores[t]``), each ``(N, w_t)``.
    A hypothesis is named by the step of its last token and its slot there.

    Args:
        parents: Back-pointers of each step, ``T'`` tensors ``(N, w_t)``.
        tokens: Tokens of each step, ``T'`` tensors ``(N, w_t)``.
        scores: Total scores of each step, ``T'`` tensors ``(N, w_t)``.
        last: Step of each hypothesis' last token, shape ``(N, J)``; ``-1``
            for the empty hypothesis.
        slot: Its slot in that step's beam, shape ``(N, J)``.
        pad: Token id written after a hypothesis' last token.

    Returns:
        Tokens ``(N, J, T')`` and each token's log-probability ``(N, J, T')``
        in float64 (the difference of consecutive total scores; 0 after the
        last token).
    """
    n, j = last.shape
    steps = len(tokens)
    width = max(x.shape[1] for x in tokens)
    by_step = [_stack(xs, width, fill) for xs, fill in ((parents, 0), (tokens, pad))]
    all_parents, all_tokens = by_step  # (T', N, w) each
    all_scores = _stack(scores, width, 0.0)  # (T', N, w)
    slots = torch.empty(steps, n, j, dtype=torch.long)  # slot of each step
    slot = slot.clone()
    same_end = bool((last == steps - 1).all())  # plain beam search: no masks
    for t in range(steps - 1, -1, -1):
        slots[t] = slot
        parent = all_parents[t].gather(1, slot)  # (N, J): slot one step earlier
        slot = parent if same_end else torch.where(last >= t, parent, slot)
    out_tokens = all_tokens.gather(2, slots).permute(1, 2, 0)  # (N, J, T')
    totals = all_scores.gather(2, slots).permute(1, 2, 0).double()  # (N, J, T')
    before = torch.cat([totals.new_zeros(n, j, 1), totals[..., :-1]], dim=2)
    # log p(y_t | y_<t) = s(y_{1:t}) - s(y_{1:t-1}), only up to the last token
    gains = totals - before  # (N, J, T')
    if same_end:
        return out_tokens, gains
    within = torch.arange(steps)[None, None, :] <= last[..., None]  # (N, J, T')
    return torch.where(within, out_tokens, pad), torch.where(within, gains, 0.0)


def _stack(xs: list[torch.Tensor], width: int, fill: float) -> torch.Tensor:
    """Stack ``(N, w_t)`` tensors into ``(T', N, width)``, padding with ``fill``."""
    padded = [
        x
        if x.shape[1] == width
        else torch.cat([x, x.new_full((x.shape[0], width - x.shape[1]), fill)], 1)
        for x in xs
    ]
    return torch.stack(padded)


@dataclass(frozen=True)
class FinishedPool:
    """The ``k`` best finished hypotheses of each prompt, by rank.

    An entry names its hypothesis by its parent (the step of the parent's
    last token and its slot in that step's beam, for :func:`read_back`) and
    whether ``eos`` follows the parent; at the maximum length, hypotheses cut
    there join without ``eos``. Empty entries have rank ``-inf``.
    """

    rank: torch.Tensor  # (N, k): s / f(L); -inf for an empty entry
    score: torch.Tensor  # (N, k): total log-probability
    step: torch.Tensor  # (N, k): step of the parent's last token (-1: root)
    slot: torch.Tensor  # (N, k): the parent's slot in that step's beam
    eos: torch.Tensor  # (N, k): True if eos follows the parent

    @classmethod
    def empty(cls, n: int, k: int, dtype: torch.dtype) -> FinishedPool:
        """A pool of ``k`` empty entries for each of ``n`` prompts."""
        none = torch.full((n, k), -math.inf, dtype=dtype)
        zeros = torch.zeros(n, k, dtype=torch.long)
        return cls(none, none.clone(), zeros, zeros.clone(), zeros.bool())

    def merge(
        self,
        rank: torch.Tensor,
        score: torch.Tensor,
        step: int,
        slot: torch.Tensor,
        eos: bool,
    ) -> FinishedPool:
        """Add new entries ``(N, c)`` (rank ``-inf``: none) and keep the k best.

        A stable sort keeps older entries ahead of newer ones on equal rank.
        """
        k = self.rank.shape[1]
        both = torch.cat([self.rank, rank], dim=1)  # (N, k + c)
        keep = torch.sort(both, dim=1, descending=True, stable=True).indices[:, :k]
        parts = (
            (self.score, score),
            (self.step, torch.full_like(slot, step)),
            (self.slot, slot),
            (self.eos, torch.full_like(slot, eos, dtype=torch.bool)),
        )
        merged = [torch.cat(p, dim=1).gather(1, keep) for p in parts]
        return FinishedPool(both.gather(1, keep), *merged)
