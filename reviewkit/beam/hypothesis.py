"""What every decoder returns: a list of :class:`Hypothesis`, best first.

A hypothesis' score is its total log-probability

.. math::

    s(y_{1:t}) = \\sum_{i=1}^{t} \\log p(y_i \\mid x, y_{<i}),

which never increases as the sequence grows, because every log-probability is
at most zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Hypothesis"]


@dataclass(frozen=True)
class Hypothesis:
    """One decoded sequence.

    Attributes:
        tokens: The generated token ids (the prompt is not included; an end
            token, if the sequence ended, is the last one).
        score: Total log-probability of ``tokens`` given the prompt.
        token_scores: The log-probability of each token given the ones
            before it, one per token; they add up to ``score`` (up to float
            rounding). Not compared: two hypotheses are equal when their
            tokens and scores are.
    """

    tokens: tuple[int, ...]
    score: float
    token_scores: tuple[float, ...] = field(default=(), compare=False)
