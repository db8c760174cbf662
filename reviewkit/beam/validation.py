"""Checks of what goes into and comes out of a model: prompts and log-probs.

:func:`as_prompts` turns a caller's prompt into token ids (refusing floats,
strings and ids out of range, by name; a ragged batch is padded);
:func:`check_log_probs` is what decoders run on every model output when
``check=True``: a model may give a token log-probability :math:`-\\infty` (a
banned token), but not NaN or :math:`+\\infty`, not a row without a single
finite entry, and the finite entries must be normalised. With
``check=False`` a decoder only looks at the first output:
:func:`warn_if_unnormalised` warns (:class:`UnnormalisedRowsWarning`) when
its rows are not log-probabilities, as AllenNLP's beam search does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import torch

from reviewkit.checks import check_int, check_tensor

__all__ = [
    "NORMALISATION_TOL",
    "PAD",
    "UnnormalisedRowsWarning",
    "as_prompts",
    "check_id_list",
    "check_id_tensor",
    "check_log_probs",
    "check_token_ids",
    "is_ragged",
    "prompt_groups",
    "warn_if_unnormalised",
]

#: Tolerance on ``|logsumexp(log_probs)|`` when a model's output is checked.
NORMALISATION_TOL = 1e-3

#: :func:`check_token_ids` reads up to this many ids in Python, more with a
#: reduction (measured here: one read takes 0.7 of the reduction's time for
#: 1 id, 0.9 for 10, 2.1 times it for 100).
_IDS_ON_HOST = 16


def check_log_probs(
    log_probs: Any, rows: int, vocab: int | None = None
) -> torch.Tensor:
    """Return ``log_probs`` if it is a valid ``(rows, M)`` block of log-probs.

    Allowed: :math:`-\\infty` entries (banned tokens). Refused: a wrong shape
    or dtype, NaN, :math:`+\\infty`, a row with no finite entry, and a row
    whose finite entries do not sum to probability one,
    :math:`|\\log \\sum_v e^{\\ell_v}| >` :data:`NORMALISATION_TOL` (or four
    machine epsilons of the output's dtype, if larger: bfloat16 and float16
    outputs round every entry).

    ``rows`` is the number of prefixes the model was asked about, ``vocab``
    is ``M`` if known. Returns ``log_probs`` unchanged.

    Raises:
        TypeError: If it is not a floating-point tensor.
        ValueError: If its shape or values break the rules above.
    """
    check_tensor("model output", log_probs, ndim=2, floating=True)
    if log_probs.shape[0] != rows or (
        vocab is not None and log_probs.shape[1] != vocab
    ):
        expected = f"({rows}, {vocab if vocab is not None else 'M'})"
        raise ValueError(
            f"model output must have shape {expected} (one row of next-token "
            f"log-probs per prefix), got {tuple(log_probs.shape)}"
        )
    if log_probs.shape[1] == 0:
        raise ValueError(
            "model output must have at least one token (M >= 1), got M = 0"
        )
    if rows == 0:
        return log_probs
    if bool(torch.isnan(log_probs).any()) or bool((log_probs == torch.inf).any()):
        raise ValueError(
            "model output must be finite log-probabilities or -inf (a banned "
            "token), got NaN or +inf"
        )
    # logsumexp over the finite entries; -inf entries add exp(-inf) = 0
    total = torch.logsumexp(log_probs.double(), dim=1)  # (rows,)
    if not bool(torch.isfinite(total).all()):
        raise ValueError(
            "model output must have a finite entry in every row (every token "
            "banned leaves nothing to decode), got a row of -inf"
        )
    error = total.abs().max().item()
    # a low-precision model rounds each log-prob: allow a few of its epsilons
    tol = max(NORMALISATION_TOL, 4 * torch.finfo(log_probs.dtype).eps)
    if error > tol:
        raise ValueError(
            "model output must be normalised log-probabilities (logsumexp over the "
            f"vocabulary = 0), got |logsumexp| up to {error:.3g}"
        )
    return log_probs


class UnnormalisedRowsWarning(UserWarning):
    """A model's rows are not log-probabilities, and nothing refused them."""


#: Per dtype, the bounds on a row's sum of probabilities that
#: :func:`warn_if_unnormalised` accepts (computed once).
_SUM_BOUNDS: dict[torch.dtype, tuple[float, float]] = {}


def warn_if_unnormalised(log_probs: Any) -> None:
    """Warn if a ``(N, M)`` output's rows are far from log-probabilities.

    What a decoder run with ``check=False`` does with the model's first
    output (later ones go unchecked): one ``logsumexp`` per row; a row with
    :math:`|\\log \\sum_v e^{\\ell_v}| >` :data:`NORMALISATION_TOL` (or NaN)
    warns :class:`UnnormalisedRowsWarning`, since scores summed from such
    rows are not log-probabilities of sequences (logits need a
    ``log_softmax`` first). Anything not a 2-d floating tensor is left to
    the search to fail on.
    """
    if not (
        isinstance(log_probs, torch.Tensor)
        and log_probs.is_floating_point()
        and log_probs.ndim == 2
        and log_probs.numel()
    ):
        return
    dtype = log_probs.dtype
    if dtype not in _SUM_BOUNDS:
        tolerance = max(NORMALISATION_TOL, 4 * torch.finfo(dtype).eps)
        _SUM_BOUNDS[dtype] = math.exp(-tolerance), math.exp(tolerance)
    low, high = _SUM_BOUNDS[dtype]
    if dtype not in (torch.float32, torch.float64):
        log_probs = log_probs.double()  # sum half-precision rows in float64
    # |log sum_v e^l_v| <= tol, as sum_v e^l_v within a factor e^tol of 1: an
    # exp and a sum cost a third of a logsumexp (NaN fails both comparisons)
    if all(low <= total <= high for total in log_probs.exp().sum(1).tolist()):
        return
    error = torch.logsumexp(log_probs, dim=1).abs().max().item()
    warnings.warn(
        f"model output rows are not log-probabilities (|logsumexp| up to "
        f"{error:.3g}, want 0), and check=False lets them through: scores "
        "will not be sequence log-probabilities. Apply log_softmax to the "
        "model's output, or pass check=True to refuse such rows",
        UnnormalisedRowsWarning,
        stacklevel=4,
    )


def check_token_ids(
    name: str, tokens: torch.Tensor, vocab: int | None = None
) -> torch.Tensor:
    """Return ``tokens`` if every id is in ``[0, vocab)`` (``[0, inf)`` if unknown)."""
    size = tokens.numel()
    if size == 0:
        return tokens
    if size <= _IDS_ON_HOST:  # one read instead of a reduction and two reads
        ids = tokens.reshape(-1).tolist()
        low, high = min(ids), max(ids)
    else:
        low, high = (int(x) for x in torch.aminmax(tokens))
    if low < 0:
        raise ValueError(f"{name} must hold token ids >= 0, got {low}")
    if vocab is not None and high >= vocab:
        raise ValueError(
            f"{name} must hold token ids < {vocab} (the vocabulary size), got {high}"
        )
    return tokens


def check_id_tensor(name: str, tokens: Any, ndim: int) -> torch.Tensor:
    """Return ``tokens`` if it is an integer tensor of ``ndim`` dimensions."""
    check_tensor(name, tokens, ndim=ndim)
    if tokens.is_floating_point() or tokens.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer token ids, got {tokens.dtype}")
    return tokens


def check_id_list(name: str, tokens: Any, vocab: int) -> list[int]:
    """Return ``tokens`` (a sequence of ints) as a list of ids in ``[0, vocab)``."""
    if isinstance(tokens, str | bytes):
        raise TypeError(f"{name} must be token ids, got {type(tokens).__name__}")
    ids = [check_int(name, t, minimum=0) for t in tokens]
    if any(t >= vocab for t in ids):
        raise ValueError(
            f"{name} must hold token ids < {vocab} (the vocabulary size), "
            f"got {max(ids)}"
        )
    return ids


#: Fills the left of a shorter prompt in a ragged batch (never a token id).
PAD = -1


def as_prompts(prompt: Any, batch: bool, *, name: str | None = None) -> torch.Tensor:
    """Return a prompt ``(P,)``, or with ``batch`` prompts ``(N, P)``, as ``(N, P)``.

    ``prompt`` is ``None`` (one empty prompt), a tensor or a sequence of ints
    (nested for a batch); floats, bools and strings are refused, and so are
    negative ids (:func:`~reviewkit.beam.interface.start` checks ids against
    the model's vocabulary). A batch may be ragged, a sequence of prompts of
    different lengths: each is checked as a prompt of its own, and the result
    is padded on the left with :data:`PAD` to the longest
    (:func:`prompt_groups` splits it again).
    """
    name = name or ("prompts" if batch else "prompt")
    if prompt is None:
        return torch.zeros(1, 0, dtype=torch.long)
    if not isinstance(prompt, torch.Tensor):
        if isinstance(prompt, str | bytes):
            raise TypeError(f"{name} must be token ids, got {type(prompt).__name__}")
        rows = list(prompt) if batch and isinstance(prompt, Sequence) else []
        nested = [p for p in rows if isinstance(p, Sequence | torch.Tensor)]
        if nested and len(nested) == len(rows):
            lengths = {len(p) for p in rows}
            if len(lengths) > 1 or any(isinstance(p, torch.Tensor) for p in rows):
                return _ragged(name, rows)
        try:
            values = torch.as_tensor(prompt)
        except (TypeError, ValueError, RuntimeError):
            if nested and len(nested) == len(rows):  # the row at fault, by name
                return _ragged(name, rows)
            raise TypeError(
                f"{name} must be a LongTensor or a sequence of ints, "
                f"got {type(prompt).__name__}"
            ) from None
        prompt = values.long() if values.numel() == 0 else values
    if prompt.dtype == torch.bool or prompt.is_floating_point() or prompt.is_complex():
        raise TypeError(f"{name} must hold integer token ids, got {prompt.dtype}")
    prompt = prompt.long()
    if prompt.ndim != (2 if batch else 1):
        shape = "(N, P)" if batch else "(P,)"
        raise ValueError(
            f"{name} must have shape {shape}, got shape {tuple(prompt.shape)}"
        )
    if batch and prompt.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one prompt, got shape (0, P)")
    check_token_ids(name, prompt)
    return prompt if batch else prompt[None, :]


def _ragged(name: str, rows: list[Any]) -> torch.Tensor:
    """Prompts of different lengths ``rows``, each checked, left-padded ``(N, P)``."""
    prompts = [as_prompts(p, False, name=f"{name}[{i}]")[0] for i, p in enumerate(rows)]
    out = torch.full((len(prompts), max(len(p) for p in prompts)), PAD)
    for i, p in enumerate(prompts):
        out[i, out.shape[1] - len(p) :] = p
    return out


def is_ragged(prompts: torch.Tensor) -> bool:
    """Whether ``prompts`` ``(N, P)`` from :func:`as_prompts` holds padding.

    One prompt is never padded (it sets the width), so that case costs no
    tensor operation.
    """
    n, width = prompts.shape
    return n > 1 and width > 0 and bool((prompts[:, 0] == PAD).any())


def prompt_groups(prompts: torch.Tensor) -> list[tuple[list[int], torch.Tensor]]:
    """Split prompts ``(N, P)`` into groups of one length, without their padding.

    Returns ``(rows, group)`` pairs, shortest prompts first: ``group`` is
    ``prompts[rows]`` with the padding cut off, shape ``(len(rows), P_g)``.
    """
    lengths = (prompts != PAD).sum(1).tolist()
    groups: dict[int, list[int]] = {}
    for row, n in enumerate(lengths):
        groups.setdefault(n, []).append(row)
    width = prompts.shape[1]
    return [(rows, prompts[rows][:, width - n :]) for n, rows in sorted(groups.items())]
