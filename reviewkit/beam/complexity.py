"""What beam search costs, counted: the review sheet's algorithm, instrumented.

The review sheet describes beam search as: for each of the ``k`` hypotheses,
take its ``k`` most likely next tokens; then sort the ``k^2`` candidates and
keep the ``k`` best. :func:`sheet_beam_search` runs exactly that, one
hypothesis at a time in plain Python, and returns the final beam with the work
of each part (:class:`OperationCounts`):

* the model's floating-point operations, from PyTorch's own FLOP counter
  (``torch.utils.flop_counter.FlopCounterMode``), which for a recurrent
  language model is :math:`O(k(H^2 + HM))` a step;
* the comparisons of the per-hypothesis top-``k`` (quickselect over the
  ``M`` log-probabilities: :math:`O(M)` expected, whatever ``k``);
* the comparisons of the sort of the ``k^2`` candidates,
  :math:`O(k^2 \\log k)`.

:func:`sheet_cost` gives the matching terms of the derivation,
:math:`T k (H^2 + HM)`, :math:`T k M` and :math:`T k^2 \\log_2 k`, so a test
(and the 3e page) can set each count beside its term. Keeping only the ``k``
best tokens of each hypothesis loses nothing: the ``k`` best of all ``kM``
candidates hold at most ``k`` children of any one hypothesis, so the search
returns what :func:`~reviewkit.beam.search.beam_search` returns.
"""

from __future__ import annotations

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

    Attributes:
        steps: Steps run, ``T``.
        model_rows: Hypothesis-steps the model computed (``k`` a step once the
            beam is full).
        model_flops: Floating-point operations of the model's calls after the
            first (PyTorch's FLOP counter: two per multiply-add of a matrix
            product); the first call reads the prompt and is not counted.
        log_probs_read: Log-probabilities the per-hypothesis top-``k`` looked
            at, ``M`` per hypothesis-step.
        topk_comparisons: Comparisons made by the per-hypothesis top-``k``
            (quickselect).
        sort_comparisons: Comparisons made sorting the candidates.
    """

    steps: int
    model_rows: int
    model_flops: int
    log_probs_read: int
    topk_comparisons: int
    sort_comparisons: int


@dataclass(frozen=True)
class CostTerms:
    """The terms of the derived cost :math:`O(T(kM + k^2\\log k) + Tk(H^2 + HM))`.

    Attributes:
        model: :math:`T k (H^2 + H M)`, the network's matrix products.
        topk: :math:`T k M`, a top-``k`` over each hypothesis' ``M`` scores.
        sort: :math:`T k^2 \\log_2 k`, sorting the ``k^2`` candidates.
    """

    model: float
    topk: float
    sort: float

    def dominant(self) -> str:
        """Name of the largest term (``"model"``, ``"topk"`` or ``"sort"``)."""
        terms = {"model": self.model, "topk": self.topk, "sort": self.sort}
        return max(terms, key=terms.__getitem__)


def sheet_cost(
    length: int, beam_size: int, vocab_size: int, hidden_size: int
) -> CostTerms:
    """The derivation's terms for the sheet's beam search over an RNN.

    .. math::

        \\underbrace{T k (H^2 + HM)}_{\\text{model}}
        + \\underbrace{T k M}_{\\text{top-}k\\text{ per hypothesis}}
        + \\underbrace{T k^2 \\log_2 k}_{\\text{sort } k^2}

    Args:
        length: ``T >= 1``.
        beam_size: ``k >= 1``.
        vocab_size: ``M >= 1``.
        hidden_size: ``H >= 1``.

    Returns:
        The three terms, without constant factors.
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

    Keys are ``(log-prob, -token)``, all distinct, so of equal log-probs the
    lower token wins. A random pivot splits the keys into those above and
    below it, one comparison each; the search goes on in the part that holds
    the ``k``-th best. Expected comparisons: :math:`O(M)` whatever ``k``
    (at most about :math:`3.4M`). The tokens come back unordered: the sort
    of all candidates that follows orders them.
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


class _Key:
    """A candidate's sort key that counts its comparisons."""

    __slots__ = ("counter", "value")

    def __init__(self, value: tuple, counter: _Counter) -> None:
        self.value = value
        self.counter = counter

    def __lt__(self, other: _Key) -> bool:
        return self.counter.less(self.value, other.value)


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
    then the better-ranked parent, then the lower token id. ``rules`` must be
    plain (the sheet's recipe has no end token).

    Args:
        model: A :data:`~reviewkit.beam.interface.LanguageModel`.
        length: Tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        rules: Must be ``SearchRules()``.
        check: Validate every model output (shape, NaN, normalisation).
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
    rows = flops = read = 0
    beam = [Hypothesis((), 0.0, ())]
    with torch.inference_mode():
        log_probs, state = start(model, prompts, check=check, name="prompt")  # (1, M)
        for t in range(T):
            candidates = []
            for parent, (h, row) in enumerate(
                zip(beam, log_probs.tolist(), strict=True)
            ):
                read += len(row)
                for v in _top_tokens(row, k, topk_counter, rng):  # k of M, O(M)
                    # s(y v) = s(y) + log p(v | y)
                    score = h.score + row[v]
                    key = _Key((-score, parent, v), sort_counter)
                    child = Hypothesis((*h.tokens, v), score, (*h.token_scores, row[v]))
                    candidates.append((key, parent, child))
            candidates.sort(key=lambda c: c[0])  # k^2 candidates, O(k^2 log k)
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
