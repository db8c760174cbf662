"""Toy models and a brute-force enumerator for the ported toolkit tests.

fairseq's and OpenNMT-py's beam-search tests feed hand-written probability
tables to their search, one row per *beam slot*. reviewkit's decoders take a
``next_log_probs(prefixes)`` callable instead, so the ported tests restate
each table per *prefix*: :class:`ProbTable` maps a prefix (a tuple of token
ids) to a row of next-token probabilities, and answers ``-inf`` for a token
of probability zero (a banned token).

:func:`enumerate_sequences` walks the whole tree of such a model (every
sequence of positive probability, ended by the end token or by the length
limit). The tests check every hand-computed expectation they keep against it,
so a translation error in a table shows up as a failure of that check, not as
a puzzling failure of the decoder under test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

__all__ = [
    "ProbTable",
    "enumerate_sequences",
    "normalised_score",
    "path_log_probs",
]


class ProbTable:
    """A ``next_log_probs`` callable defined by a table of probabilities.

    Args:
        vocab_size: Number of token ids ``M``.
        rows: Next-token probabilities per prefix: ``{prefix: {token: p}}``;
            tokens left out have probability zero.
        default: The row used for every prefix not in ``rows``.
        prompt_length: Number of leading prompt tokens to strip from each
            prefix before looking it up (the tables are written for the
            generated tokens only).
    """

    def __init__(
        self,
        vocab_size: int,
        rows: Mapping[tuple[int, ...], Mapping[int, float]],
        default: Mapping[int, float],
        prompt_length: int = 0,
    ) -> None:
        self.vocab_size = vocab_size
        self.rows = {tuple(k): dict(v) for k, v in rows.items()}
        self.default = dict(default)
        self.prompt_length = prompt_length
        for prefix, row in [*self.rows.items(), ((), self.default)]:
            total = sum(row.values())
            if not math.isclose(total, 1.0, abs_tol=1e-6):  # a typo in a table
                raise ValueError(f"row {prefix} sums to {total}, not 1")

    def row(self, prefix: tuple[int, ...]) -> dict[int, float]:
        """Return the next-token probabilities after the generated ``prefix``."""
        return self.rows.get(tuple(prefix), self.default)

    def __call__(self, prefixes: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of the next token, shape ``(N, M)``.

        Args:
            prefixes: Token ids, shape ``(N, t)``, prompt included.
        """
        out = torch.full((prefixes.shape[0], self.vocab_size), -math.inf)  # (N, M)
        for n, prefix in enumerate(prefixes.tolist()):
            for token, p in self.row(tuple(prefix[self.prompt_length :])).items():
                if p > 0:
                    out[n, token] = math.log(p)
        return out


def path_log_probs(model: ProbTable, tokens: tuple[int, ...]) -> tuple[float, ...]:
    """The model's log-probability of each token of ``tokens``, in turn."""
    return tuple(
        math.log(p) if (p := model.row(tokens[:i]).get(tok, 0.0)) > 0 else -math.inf
        for i, tok in enumerate(tokens)
    )


def enumerate_sequences(
    model: ProbTable, length: int, eos: int | None
) -> dict[tuple[int, ...], tuple[float, ...]]:
    """Every sequence of positive probability and its per-token log-probs.

    A sequence ends at the end token or after ``length`` tokens.
    """
    out: dict[tuple[int, ...], tuple[float, ...]] = {}
    stack: list[tuple[tuple[int, ...], tuple[float, ...]]] = [((), ())]
    while stack:
        prefix, scores = stack.pop()
        if len(prefix) == length or (prefix and prefix[-1] == eos):
            out[prefix] = scores
            continue
        for token, p in model.row(prefix).items():
            if p > 0:
                stack.append(((*prefix, token), (*scores, math.log(p))))
    return out


def normalised_score(
    score: float, n_tokens: int, alpha: float, norm: str = "power"
) -> float:
    """The ranking score: ``s / L**alpha`` or GNMT's ``s / ((5 + L) / 6)**alpha``.

    ``L`` counts the generated tokens, the end token included.
    """
    if norm == "power":
        return score / n_tokens**alpha
    return score / ((5 + n_tokens) / 6) ** alpha
