"""Beam search as the review sheet states it, in plain Python.

:func:`plain_beam_search` is the loop a student would write, shown as it is on
the pages; the fast :func:`~reviewkit.beam.search.beam_search` and the traced
:func:`~reviewkit.beam.trace.beam_trace` (which add end tokens and the other
rules) are tested against it.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.interface import LanguageModel, advance, decoder_inputs, start
from reviewkit.beam.rules import SearchRules
from reviewkit.checks import check_int

__all__ = ["plain_beam_search"]


def plain_beam_search(
    model: LanguageModel,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    rules: SearchRules = SearchRules(),
    check: bool = True,
) -> list[Hypothesis]:
    r"""Beam search as the sheet states it: extend each hypothesis, keep the k best.

    .. math::

        B_t = \operatorname{top}_k \{ (y v,\; s(y) + \log p(v \mid x, y))
        : y \in B_{t-1},\ v \in V \}

    ``rules`` must be plain (no end token, no n-gram blocking): the other
    decoders apply them. Returns the final beam, best first.
    """
    model, length, prompts = decoder_inputs(model, length, prompt, rules, check)
    k = check_int("beam_size", beam_size, minimum=1)
    if not rules.plain:
        raise ValueError(f"rules must be plain here, got {rules}: use beam_search")
    beam = [Hypothesis(tokens=(), score=0.0)]  # start from the empty sequence
    with torch.inference_mode():
        log_probs, state = start(model, prompts, check=check, name="prompt")  # (1, M)
        for t in range(length):
            candidates = []  # (child, row of its parent), parent by parent
            rows = log_probs.tolist()  # one row of M log-probs per hypothesis
            for parent, (h, row) in enumerate(zip(beam, rows, strict=True)):
                for token, lp in enumerate(row):
                    if lp == -math.inf:
                        continue  # a token of probability 0 starts nothing
                    # s(y v) = s(y) + log p(v | x, y)
                    child = Hypothesis((*h.tokens, token), h.score + lp)
                    candidates.append((child, parent))
            # sort is stable: ties go to the better parent, then the lower id
            candidates.sort(key=lambda c: -c[0].score)
            beam = [child for child, _ in candidates[:k]]
            if t + 1 == length or not beam:
                return beam
            parents = torch.tensor([parent for _, parent in candidates[:k]])
            state = model.select(state, parents)  # the kept rows' states
            last = torch.tensor([h.tokens[-1] for h in beam])
            log_probs, state = advance(model, last, state, check=check)
    return beam
