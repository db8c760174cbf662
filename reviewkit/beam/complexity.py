"""What beam search costs, counted: the review sheet's algorithm, instrumented.

The sheet's beam search takes the ``k`` most likely next tokens of each of the
``k`` hypotheses, then sorts the ``k^2`` candidates and keeps the ``k`` best.
:func:`sheet_beam_search` runs exactly that in plain Python and counts each
part's work (:class:`OperationCounts`): the model's FLOPs (PyTorch's own
``FlopCounterMode``), the comparisons of the per-hypothesis quickselect and
those of the sort. :func:`sheet_cost` gives the derivation's matching terms,
so a test (and the 3e page) can set each count beside its term. Keeping only
each hypothesis' ``k`` best tokens loses nothing (the ``k`` best of all ``kM``
candidates hold at most ``k`` children of any one hypothesis).
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.interface import LanguageModel, advance, decoder_inputs, start
from reviewkit.beam.rules import SearchRules
from reviewkit.checks import check_int, check_seed

__all__ = ["CostTerms", "OperationCounts", "sheet_beam_search", "sheet_cost"]


@dataclass(frozen=True)
class OperationCounts:
    """The work one run of :func:`sheet_beam_search` did, by part.

    The first model call reads the prompt and is not counted.
    """

    steps: int  #: steps run, ``T``
    model_rows: int  #: hypothesis-steps the model computed (``k`` a full step)
    model_flops: int  #: FLOPs of the model calls (two per multiply-add)
    log_probs_read: int  #: log-probs the top-``k`` looked at, ``M`` per row
    topk_comparisons: int  #: comparisons of the per-hypothesis quickselect
    sort_comparisons: int  #: comparisons sorting the candidates


@dataclass(frozen=True)
class CostTerms:
    """The terms of the derived cost :math:`O(T(kM + k^2\\log k) + Tk(H^2 + HM))`."""

    model: float  #: :math:`T k (H^2 + H M)`, the network's matrix products
    topk: float  #: :math:`T k M`, a top-``k`` over each hypothesis' scores
    sort: float  #: :math:`T k^2 \\log_2 k`, sorting the ``k^2`` candidates


def sheet_cost(
    length: int, beam_size: int, vocab_size: int, hidden_size: int
) -> CostTerms:
    """The derivation's terms for the sheet's beam search over an RNN.

    .. math::

        \\underbrace{T k (H^2 + HM)}_{\\text{model}}
        + \\underbrace{T k M}_{\\text{top-}k\\text{ per hypothesis}}
        + \\underbrace{T k^2 \\log_2 k}_{\\text{sort } k^2}

    Each size (``T``, ``k``, ``M``, ``H``) is at least 1; the terms carry no
    constant factors.
    """
    T = check_int("length", length, minimum=1)
    k = check_int("beam_size", beam_size, minimum=1)
    M = check_int("vocab_size", vocab_size, minimum=1)
    H = check_int("hidden_size", hidden_size, minimum=1)
    return CostTerms(
        model=float(T * k * (H * H + H * M)),
        topk=float(T * k * M),
        sort=T * k * k * math.log2(k),
    )


class _Counter:
    """A comparison counter: ``less(a, b)`` is ``a < b``, counted."""

    def __init__(self) -> None:
        self.n = 0

    def less(self, a: tuple, b: tuple) -> bool:
        self.n += 1
        return a < b


def _top_tokens(
    row: list[float], k: int, counter: _Counter, rng: random.Random
) -> list[int]:
    """The ``k`` best tokens of one row, unordered, by quickselect.

    Keys ``(log-prob, -token)`` are distinct (ties go to the lower token). A
    random pivot splits them in two, one comparison each, and the search goes
    on in the part that holds the ``k``-th best: :math:`O(M)` comparisons
    expected, whatever ``k``.
    """
    items = [(lp, -v) for v, lp in enumerate(row) if lp != -math.inf]  # banned: skip
    chosen: list[tuple[float, int]] = []
    need = min(k, len(items))
    while need > 0:
        if len(items) == need:
            chosen += items
            break
        pivot = items[rng.randrange(len(items))]
        above, below = [], []
        for key in items:
            if key is not pivot:
                (above if counter.less(pivot, key) else below).append(key)
        if len(above) >= need:
            items = above  # the k-th best lies above the pivot
        else:
            chosen += [*above, pivot]  # all of these are among the best
            need -= len(above) + 1
            items = below
    return [-t for _, t in chosen]


def sheet_beam_search(
    model: LanguageModel,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
    seed: int = 0,
) -> tuple[list[Hypothesis], OperationCounts]:
    """The review sheet's beam search, with every part's work counted.

    .. math::

        C_t = \\{ (y v, s(y) + \\log p(v \\mid y)) : y \\in B_{t-1},
        v \\in \\operatorname{top}_k \\log p(\\cdot \\mid y) \\}, \\qquad
        B_t = \\operatorname{top}_k C_t \\text{ (by sorting } C_t)

    Ties go as in :func:`~reviewkit.beam.search.beam_search`: a higher score,
    then the better-ranked parent, then the lower token id. The other
    arguments are every decoder's (:func:`~reviewkit.beam.search.beam_search`;
    ``rules`` must be plain: the sheet's recipe has no end token).

    Args:
        seed: Seeds quickselect's pivots; it changes the counts a little,
            never the result.

    Returns:
        The final beam, best first, and the counts.
    """
    model, T, prompts = decoder_inputs(model, length, prompt, rules, check)
    k = check_int("beam_size", beam_size, minimum=1)
    if not rules.plain:
        raise ValueError(f"rules must be plain here, got {rules}: use beam_search")
    rng = random.Random(check_seed("seed", seed))
    topk_counter, sort_counter = _Counter(), _Counter()
    # keys (-score, parent, token) are distinct: each "<" of the sort is counted
    by_counted_key = functools.cmp_to_key(
        lambda a, b: -1 if sort_counter.less(a[0], b[0]) else 1
    )
    rows = flops = read = 0
    beam = [Hypothesis((), 0.0, ())]
    with torch.inference_mode():
        log_probs, state = start(model, prompts, check=check, name="prompt")  # (1, M)
        for t in range(T):
            candidates = []
            rows_now = log_probs.tolist()  # one row of M log-probs per hypothesis
            for parent, (h, row) in enumerate(zip(beam, rows_now, strict=True)):
                read += len(row)
                for v in _top_tokens(row, k, topk_counter, rng):  # k of M, O(M)
                    # s(y v) = s(y) + log p(v | y)
                    score = h.score + row[v]
                    child = Hypothesis((*h.tokens, v), score, (*h.token_scores, row[v]))
                    candidates.append(((-score, parent, v), parent, child))
            candidates.sort(key=by_counted_key)  # k^2 candidates, O(k^2 log k)
            best = candidates[:k]
            beam = [h for _, _, h in best]
            if t + 1 == T:
                break
            state = model.select(state, torch.tensor([p for _, p, _ in best]))
            last = torch.tensor([h.tokens[-1] for h in beam])
            with FlopCounterMode(display=False) as counter:
                log_probs, state = advance(model, last, state, check=check)  # (k, M)
            flops += counter.get_total_flops()
            rows += len(beam)
    counts = OperationCounts(T, rows, flops, read, topk_counter.n, sort_counter.n)
    return beam, counts
