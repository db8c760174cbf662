"""What every decoder returns: a list of :class:`Hypothesis`, best first."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Hypothesis"]


@dataclass(frozen=True)
class Hypothesis:
    """One decoded sequence and its total log-probability.

    .. math::

        s(y_{1:t}) = \\sum_{i=1}^{t} \\log p(y_i \\mid x, y_{<i}),

    which never increases as the sequence grows (every log-probability is at
    most 0). Two hypotheses are equal when their tokens and scores are.
    """

    tokens: tuple[int, ...]  #: generated ids (no prompt; an end token last)
    score: float  #: total log-probability of ``tokens`` given the prompt
    #: each token's log-probability given the ones before (they sum to ``score``)
    token_scores: tuple[float, ...] = field(default=(), compare=False)
