"""What every decoder takes and returns: the model interface and the hypothesis.

**Models.** A model is either

* any callable ``next_log_probs(prefixes)`` mapping a LongTensor of prefixes,
  shape ``(N, t)`` with ``t >= 0``, to next-token log-probabilities, shape
  ``(N, M)`` (the *stateless* interface: the prefix is fed again at every
  step), or
* a :class:`StatefulLanguageModel`, which carries a state (an RNN's hidden
  state) from step to step, so each step feeds one token per hypothesis.

Decoders detect which they got; a plain callable is wrapped in
:class:`PrefixAdapter`, whose state is the prefixes themselves.

**Scores.** A hypothesis' score is its total log-probability

.. math::

    s(y_{1:t}) = \\sum_{i=1}^{t} \\log p(y_i \\mid x, y_{<i}),

which never increases as the sequence grows, because every log-probability is
at most zero.

**Results.** Decoders of one prompt return a list of :class:`Hypothesis`,
best first; batched beam search returns a :class:`BeamOutput`, whose
:meth:`BeamOutput.hypotheses` gives each prompt's list.

**Checks.** :func:`check_log_probs` is what decoders run on every model
output (``check=True``): a model may give a token log-probability
:math:`-\\infty` (a banned token), but not NaN or :math:`+\\infty`, not a row
without a single finite entry, and the finite entries must be normalised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import torch

from reviewkit.checks import check_int, check_tensor

__all__ = [
    "NORMALISATION_TOL",
    "BeamOutput",
    "Hypothesis",
    "PrefixAdapter",
    "StatefulLanguageModel",
    "as_prompts",
    "as_stateful",
    "check_log_probs",
    "check_token_ids",
]

#: Tolerance on ``|logsumexp(log_probs)|`` when a model's output is checked.
NORMALISATION_TOL = 1e-3


@dataclass(frozen=True)
class Hypothesis:
    """One decoded sequence.

    Attributes:
        tokens: The generated token ids (the prompt is not included; an end
            token, if the sequence ended, is the last one).
        score: Total log-probability of ``tokens`` given the prompt.
        token_scores: The log-probability of each token given the ones
            before it, one per token; they add up to ``score`` (up to float
            rounding).
    """

    tokens: tuple[int, ...]
    score: float
    token_scores: tuple[float, ...] = field(default=(), compare=False)


@runtime_checkable
class StatefulLanguageModel(Protocol):
    """A model that carries its own state from one decoding step to the next.

    The state is opaque to the decoders: they only pass it back to
    :meth:`advance` and reorder its rows with :meth:`select`.
    """

    vocab_size: int

    def start(self, prompts: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """Read the prompts and return the first next-token distribution.

        Args:
            prompts: Token ids, shape ``(N, P)`` with ``P >= 0``.

        Returns:
            Log-probabilities of the first generated token, shape ``(N, M)``,
            and the state after the prompts.
        """
        ...

    def advance(self, tokens: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """Feed one token per row and return the next distribution.

        Args:
            tokens: One token id per row, shape ``(N,)``.
            state: The state the rows were in.

        Returns:
            Log-probabilities of the next token, shape ``(N, M)``, and the new
            state.
        """
        ...

    def select(self, state: Any, index: torch.Tensor) -> Any:
        """Gather rows of ``state``: row ``i`` of the result is row ``index[i]``.

        Args:
            state: A state with ``N`` rows.
            index: Row indices, shape ``(N',)``.

        Returns:
            The state with ``N'`` rows.
        """
        ...


class PrefixAdapter:
    """Give a stateless ``next_log_probs`` callable the stateful interface.

    The state is the tensor of prefixes (prompt plus generated tokens), shape
    ``(N, t)``; every step appends one column and calls the model on the
    whole prefix again, which is what a model without a cache has to do.

    Args:
        next_log_probs: Maps prefixes ``(N, t)`` to log-probabilities ``(N, M)``.
        vocab_size: ``M``; if omitted it is read from the first call.
    """

    def __init__(
        self,
        next_log_probs: Callable[[torch.Tensor], torch.Tensor],
        vocab_size: int | None = None,
    ) -> None:
        if not callable(next_log_probs):
            raise TypeError(
                "model must be callable (prefixes -> log-probs) or a "
                f"StatefulLanguageModel, got {type(next_log_probs).__name__}"
            )
        self.next_log_probs = next_log_probs
        if vocab_size is not None:
            vocab_size = check_int("vocab_size", vocab_size, minimum=1)
        self.vocab_size = vocab_size  # type: ignore[assignment]

    def start(self, prompts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the model's distribution after ``prompts`` ``(N, P)``."""
        log_probs = self.next_log_probs(prompts)
        if self.vocab_size is None and isinstance(log_probs, torch.Tensor):
            self.vocab_size = log_probs.shape[-1]
        return log_probs, prompts

    def advance(
        self, tokens: torch.Tensor, state: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Append ``tokens`` ``(N,)`` to the prefixes and query the model."""
        prefixes = torch.cat([state, tokens[:, None]], dim=1)  # (N, t+1)
        return self.next_log_probs(prefixes), prefixes

    def select(self, state: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Keep the prefixes at rows ``index`` ``(N',)``."""
        return state[index]


def as_stateful(model: Any) -> StatefulLanguageModel:
    """Return ``model`` if it is stateful, else wrap it in :class:`PrefixAdapter`.

    Args:
        model: A :class:`StatefulLanguageModel` or a ``next_log_probs`` callable.

    Returns:
        A model with ``start``/``advance``/``select``.
    """
    # duck typing: isinstance with a runtime Protocol costs ~30 us per call
    if all(callable(getattr(model, m, None)) for m in ("start", "advance", "select")):
        return model
    return PrefixAdapter(model)


def check_log_probs(
    log_probs: Any, rows: int, vocab: int | None = None, name: str = "model output"
) -> torch.Tensor:
    """Return ``log_probs`` if it is a valid ``(rows, M)`` block of log-probs.

    Allowed: :math:`-\\infty` entries (banned tokens). Refused: a wrong shape
    or dtype, NaN, :math:`+\\infty`, a row with no finite entry, and a row
    whose finite entries do not sum to probability one,
    :math:`|\\log \\sum_v e^{\\ell_v}| >` :data:`NORMALISATION_TOL` (or four
    machine epsilons of the output's dtype, if larger: bfloat16 and float16
    outputs round every entry).

    Args:
        log_probs: What the model returned, expected shape ``(rows, M)``.
        rows: The number of prefixes the model was asked about.
        vocab: ``M`` if known (after the first step), else ``None``.
        name: What to call the tensor in error messages.

    Returns:
        ``log_probs`` unchanged.

    Raises:
        TypeError: If it is not a floating-point tensor.
        ValueError: If its shape or values break the rules above.
    """
    check_tensor(name, log_probs, ndim=2, floating=True)
    if log_probs.shape[0] != rows or (
        vocab is not None and log_probs.shape[1] != vocab
    ):
        expected = f"({rows}, {vocab if vocab is not None else 'M'})"
        raise ValueError(
            f"{name} must have shape {expected} (one row of next-token "
            f"log-probs per prefix), got {tuple(log_probs.shape)}"
        )
    if log_probs.shape[1] == 0:
        raise ValueError(f"{name} must have at least one token (M >= 1), got M = 0")
    if rows == 0:
        return log_probs
    if bool(torch.isnan(log_probs).any()) or bool((log_probs == torch.inf).any()):
        raise ValueError(
            f"{name} must be finite log-probabilities or -inf (a banned "
            "token), got NaN or +inf"
        )
    # logsumexp over the finite entries; -inf entries add exp(-inf) = 0
    total = torch.logsumexp(log_probs.double(), dim=1)  # (rows,)
    if not bool(torch.isfinite(total).all()):
        raise ValueError(
            f"{name} must have a finite entry in every row (every token "
            "banned leaves nothing to decode), got a row of -inf"
        )
    error = total.abs().max().item()
    # a low-precision model rounds each log-prob: allow a few of its epsilons
    tol = max(NORMALISATION_TOL, 4 * torch.finfo(log_probs.dtype).eps)
    if error > tol:
        raise ValueError(
            f"{name} must be normalised log-probabilities (logsumexp over the "
            f"vocabulary = 0), got |logsumexp| up to {error:.3g}"
        )
    return log_probs


def check_token_ids(
    name: str, tokens: torch.Tensor, vocab: int | None = None
) -> torch.Tensor:
    """Return ``tokens`` if every id is in ``[0, vocab)`` (``[0, inf)`` if unknown).

    Raises:
        ValueError: If an id is negative or not below ``vocab``.
    """
    if tokens.numel() == 0:
        return tokens
    low, high = (int(x) for x in torch.aminmax(tokens))
    if low < 0:
        raise ValueError(f"{name} must hold token ids >= 0, got {low}")
    if vocab is not None and high >= vocab:
        raise ValueError(
            f"{name} must hold token ids < {vocab} (the vocabulary size), got {high}"
        )
    return tokens


def as_prompts(prompt: Any, batch: bool, vocab: int | None = None) -> torch.Tensor:
    """Return a prompt (or batch of prompts) as a LongTensor ``(N, P)``.

    Args:
        prompt: ``None`` (one empty prompt), a LongTensor, or a sequence of
            ints (nested for a batch). Floats, bools and strings are refused.
        batch: ``True`` for a batch ``(N, P)``, ``False`` for one prompt
            ``(P,)``.
        vocab: The vocabulary size, if known, to check the ids against.

    Returns:
        Token ids, shape ``(N, P)`` (``N = 1`` for one prompt).

    Raises:
        TypeError: If the ids are not integers.
        ValueError: If the shape is wrong, the batch is empty or an id is out
            of range.
    """
    name = "prompts" if batch else "prompt"
    if prompt is None:
        return torch.zeros(1, 0, dtype=torch.long)
    if not isinstance(prompt, torch.Tensor):
        if isinstance(prompt, str | bytes):
            raise TypeError(f"{name} must be token ids, got {type(prompt).__name__}")
        try:
            values = torch.as_tensor(prompt)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(
                f"{name} must be a LongTensor or a sequence of ints, "
                f"got {type(prompt).__name__}"
            ) from None
        if values.numel() == 0:
            values = values.long()
        prompt = values
    if prompt.dtype == torch.bool or prompt.is_floating_point() or prompt.is_complex():
        raise TypeError(f"{name} must hold integer token ids, got {prompt.dtype}")
    prompt = prompt.long()
    want = 2 if batch else 1
    if prompt.ndim != want:
        shape = "(N, P)" if batch else "(P,)"
        raise ValueError(
            f"{name} must have shape {shape}, got shape {tuple(prompt.shape)}"
        )
    if batch and prompt.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one prompt, got shape (0, P)")
    check_token_ids(name, prompt, vocab)
    return prompt if batch else prompt[None, :]


@dataclass(frozen=True)
class BeamOutput:
    """The final n-best lists of a batched beam search.

    Attributes:
        tokens: Generated tokens, shape ``(N, k', T')``, best first; after a
            hypothesis' last token the end token (or 0 without one) fills in.
        scores: Total log-probabilities, shape ``(N, k')``; ``-inf`` marks an
            empty slot (fewer than ``k'`` hypotheses exist for that prompt).
        lengths: Number of tokens of each hypothesis (end token included),
            shape ``(N, k')``; 0 for an empty slot.
        ranking: The value each hypothesis was ranked by (the score, or the
            length-normalised score), shape ``(N, k')``.
        token_scores: Each token's log-probability, shape ``(N, k', T')``,
            float64, 0 after the last token.
    """

    tokens: torch.Tensor
    scores: torch.Tensor
    lengths: torch.Tensor
    ranking: torch.Tensor
    token_scores: torch.Tensor

    def hypotheses(self, row: int = 0) -> list[Hypothesis]:
        """The n-best list of prompt ``row``, best first, without empty slots."""
        row = check_int("row", row, minimum=0)
        if row >= self.tokens.shape[0]:
            raise ValueError(
                f"row must be < {self.tokens.shape[0]} (the number of prompts), "
                f"got {row}"
            )
        # one conversion per tensor, then plain Python
        lengths, scores = self.lengths[row].tolist(), self.scores[row].tolist()
        tokens, gains = self.tokens[row].tolist(), self.token_scores[row].tolist()
        return [
            Hypothesis(tuple(tokens[j][:n]), scores[j], tuple(gains[j][:n]))
            for j, n in enumerate(lengths)
            if n > 0
        ]


def _start(
    model: StatefulLanguageModel, prompts: torch.Tensor, check: bool
) -> tuple[torch.Tensor, Any, int]:
    """``model.start(prompts)``, checked; returns log-probs, state and ``M``.

    Prompt ids are checked against the model's ``vocab_size`` before the
    model sees them (always: an id out of range would otherwise fail deep
    inside the model, or silently read another row of a table).
    """
    known = getattr(model, "vocab_size", None)
    known = known if isinstance(known, int) else None
    if known is not None:
        check_token_ids("prompt", prompts, known)
    log_probs, state = model.start(prompts)
    if check:
        check_log_probs(log_probs, prompts.shape[0], known)
    vocab = log_probs.shape[-1]
    if known is None:
        check_token_ids("prompt", prompts, vocab)
    return log_probs, state, vocab


def _advance(
    model: StatefulLanguageModel,
    tokens: torch.Tensor,
    state: Any,
    vocab: int,
    check: bool,
) -> tuple[torch.Tensor, Any]:
    """``model.advance(tokens, state)``, checked against ``(len(tokens), M)``."""
    log_probs, state = model.advance(tokens, state)
    if check:
        check_log_probs(log_probs, tokens.shape[0], vocab)
    return log_probs, state
