"""Searches that need no beam: exhaustive search and exact search.

* :func:`exhaustive_search` scores all :math:`M^T` sequences.
* :func:`exact_search` finds the most likely sequences best-first, pruning
  with the fact that a score never increases as a sequence grows;
  :func:`counted_exact_search` also reports its work
  (:class:`ExactSearchWork`).

Both rank ties lexicographically (the smaller token sequence first) and
apply the :class:`~reviewkit.beam.rules.SearchRules` that decide which
sequences exist: a sequence ends at ``eos`` or after ``length`` tokens, and
``min_length``, ``no_repeat_ngram_size`` and ``force_eos`` ban tokens as in
beam search (``finished`` and ``early_stopping`` are rules of a beam and
change nothing here). :func:`exhaustive_search` ranks by
:math:`s / f(L)` under a length penalty; :func:`exact_search` refuses one,
because its pruning needs a score that only falls as a sequence grows.

**Budgets.** Both refuse work that would take the machine's memory or
minutes: :func:`exhaustive_search` checks :math:`M^T` against
``max_sequences`` before it starts, and :func:`exact_search` stops
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

#: Default budget of :func:`exhaustive_search`: the largest :math:`M^T` it
#: agrees to enumerate.
MAX_EXHAUSTIVE = 1_000_000

#: Default budget of :func:`exact_search`: model calls (expanded prefixes).
MAX_EXPANSIONS = 10_000

#: Default budget of :func:`exact_search`: prefixes waiting on its queue
#: (each holds its tokens and a reference to a model state).
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
    return len(tokens) == length or tokens[-1] == rules.eos


def _budget(vocab: Any, length: int, limit: int) -> None:
    """Refuse an enumeration of ``M**T`` sequences above ``limit``."""
    if isinstance(vocab, int) and vocab**length > limit:
        raise ValueError(
            f"exhaustive search would enumerate M**T = {vocab}**{length} "
            f"sequences; the limit is max_sequences={limit}"
        )


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
    Sequences of probability 0 (a banned token) are left out.

    Args:
        model: A :data:`~reviewkit.beam.interface.LanguageModel`.
        length: Most tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        rules: Which sequences exist, and the ranking :math:`s / f(L)`.
        check: Validate every model output (shape, NaN, normalisation).
        max_sequences: Refuse (``ValueError``, before any work) when
            :math:`M^T` exceeds this.

    Returns:
        Every sequence, best first; ties in lexicographic order.
    """
    model, length, prompts = decoder_inputs(model, length, prompt, rules, check)
    max_sequences = check_int("max_sequences", max_sequences, minimum=1)
    _budget(model.vocab_size, length, max_sequences)
    history, done = prompts[0].tolist(), []
    with torch.inference_mode():
        log_probs, state = start(model, prompts, check=check, name="prompt")
        _budget(log_probs.shape[1], length, max_sequences)
        rules.check_vocab(log_probs.shape[1])
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
    """What :func:`counted_exact_search` did to find its answer.

    Attributes:
        expanded: Nodes (prefixes) whose next-token distribution was computed.
        pushed: Nodes put on the priority queue.
    """

    expanded: int
    pushed: int


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
    """The ``n_best`` most likely sequences, found without enumerating them all.

    :func:`counted_exact_search` without the count of its work.

    Returns:
        The best sequences, best first (fewer than ``n_best`` if fewer exist).
    """
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
        model: A :data:`~reviewkit.beam.interface.LanguageModel`.
        length: Most tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        rules: Which sequences exist (no length penalty: see above).
        check: Validate every model output (shape, NaN, normalisation).
        n_best: How many of the most likely sequences to return.
        max_expansions: Give up (``RuntimeError``) after this many model calls.
        max_queue: Give up (``RuntimeError``) when this many prefixes wait.

    Returns:
        The best sequences, best first (fewer than ``n_best`` if fewer exist),
        and the work done.
    """
    model, length, prompts = decoder_inputs(model, length, prompt, rules, check)
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
    found: list[Hypothesis] = []
    with torch.inference_mode():
        log_probs, state = start(model, prompts, check=check, name="prompt")
        rules.check_vocab(log_probs.shape[1])
        expanded, pushed = 1, 0
        # Heap entries: (-score, tokens, token scores, state of the parent
        # prefix). Tokens are unique: equal scores go lexicographically.
        heap: list[tuple[float, tuple[int, ...], tuple[float, ...], Any]] = []
        node: tuple[float, tuple[int, ...], tuple[float, ...], Any]
        node = (0.0, (), (), state)
        while True:
            neg, tokens, gains, node_state = node
            (row,) = _rows(rules, log_probs, history, [tokens], length)
            for v, lp in enumerate(row):
                if lp == -math.inf:
                    continue  # banned, or of probability 0
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
                if not _complete(node[1], length, rules):
                    break
                found.append(Hypothesis(node[1], -node[0], node[2]))
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
            last = torch.tensor([node[1][-1]])
            log_probs, state = advance(model, last, node[3], check=check)
            node = (node[0], node[1], node[2], state)
            expanded += 1
    return found, ExactSearchWork(expanded, pushed)
