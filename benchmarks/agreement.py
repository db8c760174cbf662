"""Agreement: reviewkit and transformers must return the same n-best lists.

Before a cell is timed, :func:`check_cell` (:func:`check_batch_cell` for a
batch of prompts) decodes it with both searches (and the floor) and
:func:`compare` checks the lists hypothesis by hypothesis, with scores equal
within :func:`tolerance`. Ties, found by :func:`boundary_gaps`, are the only
excuse for a difference; anything else raises :class:`DisagreementError` and
stops the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

from benchmarks.floor import floor_search, floor_search_batch
from benchmarks.grid import BOS, EOS, EOS_LENGTH_PENALTY, reviewkit_rules
from benchmarks.hf_model import (
    RNNForCausalLM,
    hf_config,
    hf_generate,
    hf_generate_batch,
    padded_batch,
)
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.search import beam_search, beam_search_batch

__all__ = [
    "TOLERANCE",
    "ULPS",
    "DisagreementError",
    "boundary_gaps",
    "check_batch_cell",
    "check_cell",
    "close",
    "compare",
    "tolerance",
]

#: Largest allowed difference between the two searches' hypothesis scores ...
TOLERANCE = 1e-4

#: ... unless float32 cannot resolve it: a score of -3000 is only stored to
#: 2.4e-4, so scores as large as that may differ by this many float32 units in
#: the last place (rounding in a different order, not a different search).
ULPS = 4


def tolerance(score: float) -> float:
    """Allowed difference between two scores near ``score`` (nats)."""
    return max(TOLERANCE, ULPS * float(np.spacing(np.float32(abs(score)))))


def close(a: float, b: float) -> bool:
    """Whether two scores are equal within :func:`tolerance`."""
    return abs(a - b) <= tolerance(max(abs(a), abs(b)))


class DisagreementError(RuntimeError):
    """reviewkit and transformers returned different n-best lists."""


def compare(
    ours: Sequence[Any],
    theirs: Any,
    floor: torch.Tensor | None,
    beam_size: int,
    *,
    eos: bool = False,
    prompt_length: int = 1,
) -> dict[str, Any]:
    """Check the two n-best lists (and the floor's scores) against each other.

    The lists agree when they hold the same hypotheses in the same order with
    scores equal within :func:`tolerance`. Two hypotheses whose scores are
    equal in that sense are a tie, and a tie may be broken either way: swapped
    places, or a different member at the end of the list, still agree, and are
    counted.

    Raises:
        DisagreementError: If the lists disagree.
    """
    a_tokens = [tuple(int(t) for t in h.tokens) for h in ours]
    # with eos both rank by score / L: compare what they rank by
    penalty = EOS_LENGTH_PENALTY if eos else 0.0
    a_scores = [float(h.score) / len(h.tokens) ** penalty for h in ours]
    b_tokens = [_ended(s[prompt_length:], eos) for s in theirs.sequences.tolist()]
    if beam_size == 1:  # greedy: scores holds each step's logits
        steps = torch.stack(theirs.scores, dim=1).log_softmax(dim=-1)  # (1, T, M)
        chosen = steps.gather(2, theirs.sequences[:, 1:, None])  # (1, T, 1)
        total = torch.zeros(())  # float32, summed step by step like a beam
        for log_prob in chosen.flatten():
            total = total + log_prob
        b_scores = [float(total)]
    else:
        b_scores = [float(s) for s in theirs.sequences_scores]
    problems = []
    if len(a_tokens) != beam_size or len(b_tokens) != beam_size:
        problems.append(f"list lengths {len(a_tokens)} and {len(b_tokens)}")
    gap = max(abs(x - y) for x, y in zip(a_scores, b_scores, strict=False))
    if not all(close(x, y) for x, y in zip(a_scores, b_scores, strict=False)):
        problems.append(f"scores differ by up to {gap:.3g}")
    ties = 0
    b_index = {t: i for i, t in enumerate(b_tokens)}
    for i, tokens in enumerate(a_tokens):
        if i < len(b_tokens) and b_tokens[i] == tokens:
            continue
        j = b_index.get(tokens)
        near = b_scores[j] if j is not None else b_scores[-1]
        if close(a_scores[i], near):
            ties += 1
        else:
            problems.append(f"hypothesis {i} {tokens[:8]}... is not in the other")
    floor_gap = None  # the floor has no end token: nothing to compare with eos
    if floor is not None:
        pairs = list(zip(a_scores, floor.tolist(), strict=False))
        floor_gap = max(abs(x - y) for x, y in pairs)
        if not all(close(x, y) for x, y in pairs):
            problems.append(f"floor's scores differ by up to {floor_gap:.3g}")
    if problems:
        raise DisagreementError(
            "reviewkit and transformers disagree: " + "; ".join(problems[:5])
        )
    return {
        "same_hypotheses": True,
        "max_score_difference": gap,
        "max_floor_difference": floor_gap,
        "ties_broken_differently": ties,
    }


def boundary_gaps(
    lm: RNNLanguageModel,
    beam_size: int,
    length: int,
    prompt: Sequence[int] = (BOS,),
) -> list[tuple[float, float]]:
    """How clearly each step's beam is decided, along the floor's path.

    Returns, for each step, the k-th best candidate score minus the
    (k+1)-th best (``inf`` while there are at most k candidates), and the
    k-th best score itself. A gap within :func:`tolerance` of that score is a
    tie: which of the tied candidates a search keeps is
    up to its tie-breaking rule, and from then on two correct searches may
    follow different hypotheses.
    """
    emb, rnn, head = lm.embedding, lm.rnn, lm.head
    tokens = torch.tensor([list(prompt)], dtype=torch.long)  # (1, P): read at once
    scores = torch.zeros(1)  # (n,)
    state = None
    gaps = []
    for _ in range(length):
        out, state = rnn(emb(tokens), state)  # (n, P or 1, H)
        log_probs = torch.log_softmax(head(out[:, -1]), dim=-1)  # (n, M)
        flat = (scores[:, None] + log_probs).view(-1)  # (n*M,)
        values, index = flat.topk(min(beam_size + 1, flat.numel()))
        kth = float(values[min(beam_size, values.numel()) - 1])
        gaps.append(
            (
                float(values[beam_size - 1] - values[beam_size])
                if values.numel() > beam_size
                else math.inf,
                kth,
            )
        )
        scores, index = values[:beam_size], index[:beam_size]
        tokens = (index % log_probs.shape[1])[:, None]  # (k, 1)
        state = state[:, index // log_probs.shape[1]]  # (layers, k, H)
    return gaps


def _ended(tokens: Sequence[int], eos: bool) -> tuple[int, ...]:
    """A generated sequence up to and including the end token (then padding)."""
    out = tuple(int(t) for t in tokens)
    if eos and EOS in out:
        out = out[: out.index(EOS) + 1]
    return out


def check_cell(
    lm: RNNLanguageModel,
    hf: RNNForCausalLM,
    beam_size: int,
    length: int,
    *,
    eos: bool = False,
) -> dict[str, Any]:
    """Both searches must return the same n-best list; ties are the only excuse.

    The lists are compared at the full length. If they differ and a tie (see
    :func:`boundary_gaps`) came before the end, each search broke it its own
    way, which is correct beam search either way; the lists are then compared
    at the length of the first tie, where they must agree (up to that tie).

    Raises:
        DisagreementError: If the lists differ with no tie to explain it, or differ
            already before the first tie.
    """
    prompt = torch.full((1,), BOS, dtype=torch.long)

    def compare_at(n: int) -> dict[str, Any]:
        ours = beam_search(lm, n, beam_size, prompt=prompt, rules=reviewkit_rules(eos))
        theirs = hf_generate(hf, hf_config(beam_size, n, scores=True, eos=eos))
        floor = None if eos else floor_search(lm, beam_size, n)
        return compare(ours, theirs, floor, beam_size, eos=eos)

    gaps = boundary_gaps(lm, beam_size, length)
    ties = [t + 1 for t, (gap, kth) in enumerate(gaps) if gap <= tolerance(kth)]
    try:
        check = compare_at(length) | {"verified_length": length}
    except DisagreementError as error:
        if not ties:
            raise
        check = compare_at(ties[0]) | {
            "verified_length": ties[0],
            "full_length": str(error),
        }
    return check | {"tie_steps": len(ties), "first_tie": ties[0] if ties else None}


_GAPS = ("max_score_difference", "max_floor_difference")


def check_batch_cell(
    lm: RNNLanguageModel,
    hf: RNNForCausalLM,
    prompts: Sequence[Sequence[int]],
    beam_size: int,
    length: int,
) -> dict[str, Any]:
    """:func:`check_cell` for a batch: every prompt's list must agree.

    reviewkit decodes the prompts with ``beam_search_batch``, transformers
    the same prompts padded on the left with an attention mask, the floor
    with :func:`~benchmarks.floor.floor_search_batch`; each prompt's lists
    are compared by :func:`compare`. A tie in any prompt (see
    :func:`boundary_gaps`) excuses a difference after it, as in
    :func:`check_cell`: the whole batch is then compared at the first tie.

    Raises:
        DisagreementError: If a prompt's lists differ with no tie to explain
            it, or differ already before the first tie.
    """
    batch = padded_batch(prompts)
    width, k = batch[0].shape[1], beam_size

    def compare_at(n: int) -> dict[str, Any]:
        ours = beam_search_batch(
            lm, n, k, prompts=prompts, rules=reviewkit_rules(False)
        )
        theirs = hf_generate_batch(hf, batch, hf_config(k, n, scores=True))
        floor = floor_search_batch(lm, list(map(list, prompts)), k, n)
        checks = []
        for i, found in enumerate(ours):
            rows = slice(i * k, (i + 1) * k)
            one = SimpleNamespace(
                sequences=theirs.sequences[rows],
                sequences_scores=theirs.sequences_scores[rows],
            )
            try:
                checks.append(compare(found, one, floor[i], k, prompt_length=width))
            except DisagreementError as error:
                raise DisagreementError(f"prompt {i}: {error}") from None
        return {
            "same_hypotheses": True,
            "max_score_difference": max(c["max_score_difference"] for c in checks),
            "max_floor_difference": max(c["max_floor_difference"] for c in checks),
            "ties_broken_differently": sum(
                c["ties_broken_differently"] for c in checks
            ),
        }

    ties = sorted(
        t + 1
        for prompt in prompts
        for t, (gap, kth) in enumerate(boundary_gaps(lm, k, length, prompt))
        if gap <= tolerance(kth)
    )
    try:
        check = compare_at(length) | {"verified_length": length}
    except DisagreementError as error:
        if not ties:
            raise
        check = compare_at(ties[0]) | {
            "verified_length": ties[0],
            "full_length": str(error),
        }
    return check | {"tie_steps": len(ties), "first_tie": ties[0] if ties else None}
