"""Searches that need no beam: greedy decoding, exhaustive and exact search.

* :func:`greedy_decode` takes the most likely token at every step.
* :func:`exhaustive_search` scores all :math:`M^T` sequences.
* :func:`exact_search` finds the most likely sequences best-first, pruning
  with the fact that a score never increases as a sequence grows.

Exhaustive and exact search rank ties lexicographically (the smaller token
sequence first); greedy gives ties to the lower token id. All three honour an
end token ``eos`` (a sequence ends there, or at ``length`` tokens) and
``min_length`` (``eos`` banned before that many tokens), and rank by the raw
score (no length normalisation: exact search's pruning needs a score that
only falls as a sequence grows).

**Budgets.** Both enumerating searches refuse work that would take the
machine's memory or minutes: :func:`exhaustive_search` checks :math:`M^T`
against ``max_sequences`` before it starts, and :func:`exact_search` stops
(``RuntimeError``, with the numbers) after ``max_expansions`` model calls or
``max_queue`` queued prefixes; on a near-uniform model, where almost every
prefix must be expanded, it fails within seconds.
"""

from __future__ import annotations

import heapq
import math
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
from reviewkit.beam.rules import SearchRules
from reviewkit.checks import check_int

__all__ = [
    "MAX_EXHAUSTIVE",
    "MAX_EXPANSIONS",
    "MAX_QUEUE",
    "ExactSearchResult",
    "exact_search",
    "exhaustive_search",
    "greedy_decode",
]

#: Default budget of :func:`exhaustive_search`: the largest :math:`M^T` it
#: agrees to enumerate.
MAX_EXHAUSTIVE = 1_000_000

#: Default budget of :func:`exact_search`: model calls (expanded prefixes).
MAX_EXPANSIONS = 10_000

#: Default budget of :func:`exact_search`: prefixes waiting on its queue
#: (each holds its tokens and a reference to a model state).
MAX_QUEUE = 200_000


def _rules(eos: int | None, min_length: int) -> SearchRules:
    """The end-token rules the three searches share (checked)."""
    return SearchRules(eos=eos, min_length=min_length)


def _allowed(
    rules: SearchRules, log_probs: list[float], tokens: tuple[int, ...]
) -> list[tuple[int, float]]:
    """``(token, log p)`` of every token that may follow ``tokens``."""
    step = len(tokens)
    out = []
    for v, lp in enumerate(log_probs):
        banned = v == rules.eos and step < rules.min_length
        if not banned and lp > -math.inf:
            out.append((v, lp))
    return out


def greedy_decode(
    model: Any,
    length: int,
    *,
    prompt: Any = None,
    eos: int | None = None,
    min_length: int = 0,
    check: bool = True,
) -> list[Hypothesis]:
    """Take the most likely next token at every step.

    .. math::

        y_t = \\arg\\max_{v} \\log p(v \\mid x, y_{<t})

    Ties go to the lower token id. The sequence ends at ``eos`` or after
    ``length`` tokens.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Most tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        eos: End-of-sequence token id, or ``None``.
        min_length: ``eos`` is banned before this many tokens.
        check: Validate every model output (shape, NaN, normalisation).

    Returns:
        A list with the greedy hypothesis (empty if every token was banned).
    """
    length = check_int("length", length, minimum=1)
    rules = _rules(eos, min_length)
    model = as_stateful(model)
    prompts = as_prompts(prompt, batch=False)
    tokens: tuple[int, ...] = ()
    gains: list[float] = []
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        rules.check_vocab(vocab)
        for t in range(length):
            allowed = _allowed(rules, log_probs[0].tolist(), tokens)
            if not allowed:
                return []
            # max returns the first maximal pair: the lower id wins ties
            token, gain = max(allowed, key=lambda pair: pair[1])
            tokens, gains = (*tokens, token), [*gains, gain]
            if token == eos or t + 1 == length:
                break
            log_probs, state = _advance(
                model, torch.tensor([token]), state, vocab, check
            )
    # s(y) = sum of log p(y_t | x, y_<t), added in order as the beam does
    return [Hypothesis(tokens, sum(gains, 0.0), tuple(gains))]


def _budget(vocab: Any, length: int, limit: int) -> None:
    """Refuse an enumeration of ``M**T`` sequences above ``limit``."""
    if isinstance(vocab, int) and vocab**length > limit:
        raise ValueError(
            f"exhaustive search would enumerate M**T = {vocab}**{length} "
            f"sequences; the limit is max_sequences={limit}"
        )


def exhaustive_search(
    model: Any,
    length: int,
    *,
    prompt: Any = None,
    eos: int | None = None,
    min_length: int = 0,
    max_sequences: int = MAX_EXHAUSTIVE,
    check: bool = True,
) -> list[Hypothesis]:
    """Score every sequence and rank them.

    Breadth first: after step :math:`t` every live prefix of :math:`t`
    tokens is held with its score and extended by every token. A prefix that
    ends in ``eos`` is complete; so is one of ``length`` tokens. Sequences of
    probability 0 (a banned token) are left out.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Most tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        eos: End-of-sequence token id, or ``None``.
        min_length: ``eos`` is banned before this many tokens.
        max_sequences: Refuse (``ValueError``, before any work) when
            :math:`M^T` exceeds this.
        check: Validate every model output (shape, NaN, normalisation).

    Returns:
        Every sequence, best first; ties in lexicographic order.
    """
    length = check_int("length", length, minimum=1)
    max_sequences = check_int("max_sequences", max_sequences, minimum=1)
    rules = _rules(eos, min_length)
    model = as_stateful(model)
    prompts = as_prompts(prompt, batch=False)
    _budget(getattr(model, "vocab_size", None), length, max_sequences)
    done: list[tuple[tuple[int, ...], float, tuple[float, ...]]] = []
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        _budget(vocab, length, max_sequences)
        rules.check_vocab(vocab)
        live = [((), 0.0, ())]  # (tokens, score, token scores), lexicographic
        for t in range(length):
            rows = log_probs.tolist()  # one row per live prefix
            grown, parents = [], []
            for i, (tokens, score, gains) in enumerate(live):
                for v, lp in _allowed(rules, rows[i], tokens):
                    # s(y v) = s(y) + log p(v | x, y)
                    child = ((*tokens, v), score + lp, (*gains, lp))
                    if v == eos or t + 1 == length:
                        done.append(child)
                    else:
                        grown.append(child)
                        parents.append(i)
            live = grown
            if not live:
                break
            state = model.select(state, torch.tensor(parents))
            last = torch.tensor([tokens[-1] for tokens, _, _ in live])
            log_probs, state = _advance(model, last, state, vocab, check)
    done.sort(key=lambda h: (-h[1], h[0]))
    return [Hypothesis(*h) for h in done]


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
    eos: int | None = None,
    min_length: int = 0,
    max_expansions: int = MAX_EXPANSIONS,
    max_queue: int = MAX_QUEUE,
    check: bool = True,
) -> ExactSearchResult:
    """Find the most likely sequences without enumerating them all.

    Best-first (uniform-cost) search over prefixes. Because every
    log-probability is at most zero, a prefix's score bounds the score of every
    completion:

    .. math::

        s(y_{1:T}) = s(y_{1:t}) + \\sum_{i>t} \\log p(y_i \\mid x, y_{<i})
        \\le s(y_{1:t}).

    So when the best prefix on the queue is complete (it ends in ``eos`` or
    has ``length`` tokens), nothing left on the queue can beat it: it is the
    mode. Popping on to ``n_best`` complete sequences gives the exact n-best
    list. For ``n_best = 1`` the greedy sequence's score is a floor: a prefix
    scoring below it cannot lead to the mode and is never queued.

    Args:
        model: A ``next_log_probs`` callable or a
            :class:`~reviewkit.beam.interface.StatefulLanguageModel`.
        length: Most tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        n_best: How many of the most likely sequences to return.
        eos: End-of-sequence token id, or ``None``.
        min_length: ``eos`` is banned before this many tokens.
        max_expansions: Give up (``RuntimeError``) after this many model calls.
        max_queue: Give up (``RuntimeError``) when this many prefixes wait.
        check: Validate every model output (shape, NaN, normalisation).

    Returns:
        The best sequences (fewer than ``n_best`` if fewer exist) and the
        work done.
    """
    length = check_int("length", length, minimum=1)
    n_best = check_int("n_best", n_best, minimum=1)
    max_expansions = check_int("max_expansions", max_expansions, minimum=1)
    max_queue = check_int("max_queue", max_queue, minimum=1)
    rules = _rules(eos, min_length)
    model = as_stateful(model)
    prompts = as_prompts(prompt, batch=False)
    floor = -math.inf
    if n_best == 1:
        greedy = greedy_decode(
            model,
            length,
            prompt=prompts[0],
            eos=eos,
            min_length=min_length,
            check=check,
        )
        if greedy:  # a little slack: the two sums may round differently
            floor = greedy[0].score - 1e-9 * (1 + abs(greedy[0].score))
    found: list[Hypothesis] = []
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        rules.check_vocab(vocab)
        expanded, pushed = 1, 0
        # Heap entries: (-score, tokens, token scores, state of the parent
        # prefix). Tokens are unique: equal scores go lexicographically.
        heap: list[tuple[float, tuple[int, ...], tuple[float, ...], Any]] = []
        node: tuple[float, tuple[int, ...], tuple[float, ...], Any] = (
            0.0,
            (),
            (),
            state,
        )
        while True:
            neg, tokens, gains, node_state = node
            for v, lp in _allowed(rules, log_probs[0].tolist(), tokens):
                # s(y v) = s(y) + log p(v | x, y) <= s(y)
                if -(neg - lp) >= floor:
                    heapq.heappush(
                        heap, (neg - lp, (*tokens, v), (*gains, lp), node_state)
                    )
                    pushed += 1
            if len(heap) > max_queue:
                raise RuntimeError(
                    f"exact_search queued more than max_queue={max_queue} prefixes "
                    f"after {expanded} expansions; the model is too flat for an "
                    "exact search at this length: shorten T or raise the limit"
                )
            while heap and len(found) < n_best:
                node = heapq.heappop(heap)
                tokens = node[1]
                if tokens[-1] != eos and len(tokens) < length:
                    break
                found.append(Hypothesis(tokens, -node[0], node[2]))
            else:
                break
            if expanded >= max_expansions:
                raise RuntimeError(
                    f"exact_search expanded max_expansions={max_expansions} "
                    f"prefixes ({len(heap)} still queued) without finishing; the "
                    "model is too flat for an exact search at this length: "
                    "shorten T or raise the limit"
                )
            # The node's state is its parent's; feed its last token now.
            log_probs, state = _advance(
                model, torch.tensor([node[1][-1]]), node[3], vocab, check
            )
            node = (node[0], node[1], node[2], state)
            expanded += 1
    return ExactSearchResult(found, expanded, pushed)
