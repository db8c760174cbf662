"""Searches that need no beam: exhaustive search and exact search.

:func:`exhaustive_search` scores all :math:`M^T` sequences; :func:`exact_search`
finds the most likely ones best-first (:func:`counted_exact_search` also counts
its work). Both rank ties lexicographically, apply the rules that decide which
sequences exist (``finished`` and ``early_stopping`` are rules of a beam and
change nothing here), and refuse work beyond their budgets
(``max_sequences``; ``max_expansions`` and ``max_queue``), with the numbers.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any

import torch

from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.interface import LanguageModel, advance, decoder_inputs, start
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.search import greedy_decode
from reviewkit.checks import check_int

__all__ = [
    "MAX_EXHAUSTIVE",
    "MAX_EXPANSIONS",
    "MAX_QUEUE",
    "ExactSearchWork",
    "counted_exact_search",
    "exact_search",
    "exhaustive_search",
]

#: Default budget of :func:`exhaustive_search`: the largest :math:`M^T`.
MAX_EXHAUSTIVE = 1_000_000

#: Default budget of :func:`exact_search`: model calls (expanded prefixes).
MAX_EXPANSIONS = 10_000

#: Default budget of :func:`exact_search`: prefixes waiting on its queue.
MAX_QUEUE = 200_000


def _rows(
    rules: SearchRules,
    log_probs: torch.Tensor,
    prompt: list[int],
    prefixes: list[tuple[int, ...]],
    length: int,
) -> list[list[float]]:
    """Next-token log-probs ``(R, M)`` of prefixes of one length, banned ones -inf."""
    history = None  # every row's tokens so far, needed for n-gram blocking
    if rules.no_repeat_ngram_size:
        history = torch.tensor([[*prompt, *p] for p in prefixes])
    return rules.mask(log_probs, history, len(prefixes[0]), length).tolist()


def _complete(tokens: tuple[int, ...], length: int, rules: SearchRules) -> bool:
    """Whether a sequence has ended: at ``eos`` or at ``length`` tokens."""
    return len(tokens) == length or tokens[-1] in rules.ends


def exhaustive_search(
    model: LanguageModel,
    length: int,
    *,
    prompt: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
    max_sequences: int = MAX_EXHAUSTIVE,
) -> list[Hypothesis]:
    """Score every sequence and rank them.

    Breadth first: after step :math:`t` every live prefix of :math:`t`
    tokens is held with its score and extended by every allowed token. A
    prefix that ends in ``eos`` is complete; so is one of ``length`` tokens.
    Sequences of probability 0 (a banned token) are left out. The arguments
    are every decoder's (:func:`~reviewkit.beam.search.beam_search`); ``rules``
    also give the ranking, :math:`s / f(L)`.

    Args:
        max_sequences: Refuse (``ValueError``, after reading the prompt) when
            :math:`M^T` exceeds this.

    Returns:
        Every sequence, best first; ties in lexicographic order.
    """
    model, length, prompts = decoder_inputs(model, length, prompt, rules, check)
    rules.check_beam(None)
    max_sequences = check_int("max_sequences", max_sequences, minimum=1)
    history, done = prompts[0].tolist(), []
    with torch.inference_mode():
        log_probs, state = start(model, prompts, check=check, name="prompt")
        vocab = log_probs.shape[1]
        if vocab**length > max_sequences:
            raise ValueError(
                f"exhaustive search would enumerate M**T = {vocab}**{length} "
                f"sequences; the limit is max_sequences={max_sequences}"
            )
        rules.check_vocab(vocab)
        live = [Hypothesis((), 0.0, ())]  # in lexicographic order
        for _ in range(length):
            grown, parents = [], []
            rows = _rows(rules, log_probs, history, [h.tokens for h in live], length)
            for i, (h, row) in enumerate(zip(live, rows, strict=True)):
                for v, lp in enumerate(row):
                    if lp == -math.inf:
                        continue  # banned, or of probability 0
                    # s(y v) = s(y) + log p(v | x, y)
                    tokens = (*h.tokens, v)
                    child = Hypothesis(tokens, h.score + lp, (*h.token_scores, lp))
                    if _complete(tokens, length, rules):
                        done.append(child)
                    else:
                        grown.append(child)
                        parents.append(i)
            live = grown
            if not live:
                break
            state = model.select(state, torch.tensor(parents))
            last = torch.tensor([h.tokens[-1] for h in live])
            log_probs, state = advance(model, last, state, check=check)
    done.sort(key=lambda h: (-rules.rank(h.score, len(h.tokens)), h.tokens))
    return done


@dataclass(frozen=True)
class ExactSearchWork:
    """What :func:`counted_exact_search` did to find its answer."""

    expanded: int  #: prefixes whose next-token distribution was computed
    pushed: int  #: prefixes put on the priority queue


def exact_search(
    model: LanguageModel,
    length: int,
    *,
    prompt: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
    n_best: int = 1,
    max_expansions: int = MAX_EXPANSIONS,
    max_queue: int = MAX_QUEUE,
) -> list[Hypothesis]:
    """The ``n_best`` most likely sequences: :func:`counted_exact_search`'s list."""
    return counted_exact_search(
        model,
        length,
        prompt=prompt,
        rules=rules,
        check=check,
        n_best=n_best,
        max_expansions=max_expansions,
        max_queue=max_queue,
    )[0]


def counted_exact_search(
    model: LanguageModel,
    length: int,
    *,
    prompt: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
    n_best: int = 1,
    max_expansions: int = MAX_EXPANSIONS,
    max_queue: int = MAX_QUEUE,
) -> tuple[list[Hypothesis], ExactSearchWork]:
    """Find the most likely sequences without enumerating them all, and count the work.

    Best-first (uniform-cost) search over prefixes: a prefix's score bounds
    the score of every completion, since every log-probability is at most 0:

    .. math::

        s(y_{1:T}) = s(y_{1:t}) + \\sum_{i>t} \\log p(y_i \\mid x, y_{<i})
        \\le s(y_{1:t}).

    So when the best prefix on the queue is complete (it ends in ``eos`` or
    has ``length`` tokens), nothing queued can beat it. Popping on to
    ``n_best`` of them gives the exact n-best list. For ``n_best = 1`` the
    greedy score is a floor: a prefix below it is never queued. The other
    arguments are every decoder's (:func:`~reviewkit.beam.search.beam_search`;
    ``rules`` without a length penalty).

    Args:
        n_best: How many of the most likely sequences to return.
        max_expansions: Give up (``RuntimeError``) after this many model calls.
        max_queue: Give up (``RuntimeError``) when this many prefixes wait.

    Returns:
        The best sequences, best first (fewer than ``n_best`` if fewer exist),
        and the work done.
    """
    model, length, prompts = decoder_inputs(model, length, prompt, rules, check)
    rules.check_beam(None)
    n_best = check_int("n_best", n_best, minimum=1)
    max_expansions = check_int("max_expansions", max_expansions, minimum=1)
    max_queue = check_int("max_queue", max_queue, minimum=1)
    if rules.length_penalty != 0.0:
        raise ValueError(
            "rules.length_penalty must be 0 for exact search (its pruning needs "
            f"scores that only fall), got {rules.length_penalty}: use "
            "exhaustive_search to rank by a normalised score"
        )
    history = prompts[0].tolist()
    floor = -math.inf
    if n_best == 1:
        greedy = greedy_decode(
            model, length, prompt=prompts[0], rules=rules, check=check
        )
        if greedy:  # slack: greedy adds in the model's float32, this in float64
            floor = greedy[0].score - 1e-4 * (1 + abs(greedy[0].score))
    too_flat = "the model is too flat for an exact search at this length: shorten T"
    found: list[Hypothesis] = []
    # (-score, tokens, token scores, state before the last token): tokens are
    # unique, so equal scores go lexicographically and states are never compared
    heap: list[tuple[float, tuple[int, ...], tuple[float, ...], Any]]
    heap, expanded, pushed = [(0.0, (), (), None)], 0, 0
    with torch.inference_mode():
        while heap and len(found) < n_best:
            neg, tokens, gains, state = heapq.heappop(heap)
            if tokens and _complete(tokens, length, rules):
                found.append(Hypothesis(tokens, -neg, gains))  # none queued beats it
                continue
            if expanded >= max_expansions:
                raise RuntimeError(
                    f"exact_search expanded max_expansions={max_expansions} prefixes "
                    f"({len(heap)} still queued) without finishing; {too_flat} or "
                    "raise the limit"
                )
            if tokens:  # feed the prefix's last token to its parent's state
                last = torch.tensor([tokens[-1]])
                log_probs, state = advance(model, last, state, check=check)
            else:
                log_probs, state = start(model, prompts, check=check, name="prompt")
                rules.check_vocab(log_probs.shape[1])
            expanded += 1
            (row,) = _rows(rules, log_probs, history, [tokens], length)
            for v, lp in enumerate(row):
                # s(y v) = s(y) + log p(v | x, y) <= s(y); banned tokens are -inf
                if lp > -math.inf and -(neg - lp) >= floor:
                    heapq.heappush(heap, (neg - lp, (*tokens, v), (*gains, lp), state))
                    pushed += 1
            if len(heap) > max_queue:
                raise RuntimeError(
                    f"exact_search queued more than max_queue={max_queue} prefixes "
                    f"after {expanded} expansions; {too_flat} or raise the limit"
                )
    return found, ExactSearchWork(expanded, pushed)
