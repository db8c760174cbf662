"""Searches that need no beam: greedy decoding, exhaustive and exact search.

* :func:`greedy_decode` takes the most likely token at every step.
* :func:`exhaustive_search` scores all :math:`M^T` sequences.
* :func:`exact_search` finds the most likely sequences best-first, pruning
  with the fact that a score never increases as a sequence grows.

Exhaustive and exact search rank ties lexicographically (the smaller token
sequence first); greedy gives ties to the lower token id.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import torch

from reviewkit.beam.interface import (
    Hypothesis,
    _advance,
    _start,
    as_prompts,
    as_stateful,
)
from reviewkit.checks import check_int

__all__ = [
    "MAX_EXHAUSTIVE",
    "ExactSearchResult",
    "exact_search",
    "exhaustive_search",
    "greedy_decode",
]

#: Largest number of sequences :func:`exhaustive_search` agrees to enumerate.
MAX_EXHAUSTIVE = 1_000_000


def greedy_decode(
    model: Any, length: int, *, prompt: Any = None, check: bool = True
) -> list[Hypothesis]:
    """Take the most likely next token at every step.

    .. math::

        y_t = \\arg\\max_{v} \\log p(v \\mid x, y_{<t})

    Ties go to the lower token id.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        A one-element list with the greedy hypothesis.
    """
    length = check_int("length", length, minimum=1)
    model = as_stateful(model)
    prompts = as_prompts(prompt, batch=False)
    tokens: list[int] = []
    score = 0.0
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        for t in range(length):
            # torch.argmax returns the first maximal index: lower id wins ties.
            token = int(torch.argmax(log_probs[0]))
            score += float(log_probs[0, token])
            tokens.append(token)
            if t + 1 < length:
                log_probs, state = _advance(
                    model, torch.tensor([token]), state, vocab, check
                )
    return [Hypothesis(tuple(tokens), score)]


def exhaustive_search(
    model: Any, length: int, *, prompt: Any = None, check: bool = True
) -> list[Hypothesis]:
    """Score every one of the :math:`M^T` sequences and rank them.

    Breadth first: after step :math:`t` all :math:`M^t` prefixes are held
    with their scores, and each is extended by every token.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        All :math:`M^T` hypotheses, best first; ties in lexicographic order.

    Raises:
        ValueError: If :math:`M^T` exceeds :data:`MAX_EXHAUSTIVE`.
    """
    length = check_int("length", length, minimum=1)
    model = as_stateful(model)
    prompts = as_prompts(prompt, batch=False)
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        if vocab**length > MAX_EXHAUSTIVE:
            raise ValueError(
                f"exhaustive search would enumerate M**T = {vocab}**{length} "
                f"sequences; the limit is {MAX_EXHAUSTIVE}"
            )
        seqs = torch.zeros(1, 0, dtype=torch.long)  # (M^t, t), lexicographic
        scores = torch.zeros(1, dtype=log_probs.dtype)  # (M^t,)
        for t in range(length):
            n = seqs.shape[0]
            scores = (scores[:, None] + log_probs).reshape(-1)  # (n M,)
            parent = torch.arange(n).repeat_interleave(vocab)  # (n M,)
            token = torch.arange(vocab).repeat(n)  # (n M,)
            seqs = torch.cat([seqs[parent], token[:, None]], dim=1)
            if t + 1 < length:
                state = model.select(state, parent)
                log_probs, state = _advance(model, token, state, vocab, check)
        order = torch.sort(scores, descending=True, stable=True).indices
    return [Hypothesis(tuple(seqs[i].tolist()), float(scores[i])) for i in order]


@dataclass(frozen=True)
class ExactSearchResult:
    """What :func:`exact_search` found and what it cost.

    Attributes:
        hypotheses: The ``n_best`` most likely sequences, best first.
        expanded: Nodes (prefixes) whose next-token distribution was computed.
        pushed: Nodes put on the priority queue.
    """

    hypotheses: list[Hypothesis]
    expanded: int
    pushed: int

    @property
    def best(self) -> Hypothesis:
        """The most likely sequence."""
        return self.hypotheses[0]


def exact_search(
    model: Any,
    length: int,
    *,
    prompt: Any = None,
    n_best: int = 1,
    max_expansions: int = 1_000_000,
    check: bool = True,
) -> ExactSearchResult:
    """Find the most likely length-``T`` sequences without enumerating them all.

    Best-first (uniform-cost) search over prefixes. Because every
    log-probability is at most zero, a prefix's score bounds the score of every
    completion:

    .. math::

        s(y_{1:T}) = s(y_{1:t}) + \\sum_{i>t} \\log p(y_i \\mid x, y_{<i})
        \\le s(y_{1:t}).

    So when the best prefix on the queue is complete, nothing left on the queue
    can beat it: it is the mode. Only prefixes scoring at least the mode's
    score are ever expanded. Popping on to ``n_best`` complete sequences gives
    the exact n-best list.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        n_best: How many of the most likely sequences to return.
        max_expansions: Give up (``RuntimeError``) after this many expansions.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        The best sequences and the number of nodes expanded.
    """
    length = check_int("length", length, minimum=1)
    n_best = check_int("n_best", n_best, minimum=1)
    max_expansions = check_int("max_expansions", max_expansions, minimum=1)
    model = as_stateful(model)
    prompts = as_prompts(prompt, batch=False)
    found: list[Hypothesis] = []
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        expanded, pushed = 1, 0
        # Heap entries: (-score, tokens, state of the parent prefix). Tokens
        # are unique, so equal scores are ordered lexicographically.
        heap: list[tuple[float, tuple[int, ...], Any]] = []
        lp = log_probs[0].tolist()
        for v in range(vocab):
            heapq.heappush(heap, (-lp[v], (v,), state))
            pushed += 1
        while heap and len(found) < n_best:
            neg, tokens, parent_state = heapq.heappop(heap)
            if len(tokens) == length:
                found.append(Hypothesis(tokens, -neg))
                continue
            if expanded >= max_expansions:
                raise RuntimeError(
                    f"exact_search expanded max_expansions={max_expansions} "
                    "nodes without finishing; raise the limit or shorten T"
                )
            # The node's state is its parent's; feed its last token now.
            log_probs, node_state = _advance(
                model, torch.tensor([tokens[-1]]), parent_state, vocab, check
            )
            expanded += 1
            lp = log_probs[0].tolist()
            for v in range(vocab):
                # s(y_{1:t+1}) = s(y_{1:t}) + log p(v | x, y_{1:t}) <= s(y_{1:t})
                heapq.heappush(heap, (neg - lp[v], (*tokens, v), node_state))
                pushed += 1
    return ExactSearchResult(found, expanded, pushed)
