"""What every decoder takes: the model interface and the checks at the door.

A model (:data:`LanguageModel`) is either a callable ``next_log_probs(prefixes)``
mapping prefixes ``(N, t)``, ``t >= 0``, to next-token log-probabilities
``(N, M)`` (stateless: the prefix is fed again at every step), or a
:class:`StatefulLanguageModel`, which carries a state (an RNN's hidden state)
from step to step. Decoders wrap a callable in :class:`PrefixAdapter`
(:func:`as_stateful`), check their arguments once (:func:`decoder_inputs`),
and talk to the model only through :func:`start` and :func:`advance`, which
check what goes in (prompt ids) and, with ``check=True``, what comes out
(:func:`~reviewkit.beam.validation.check_log_probs`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol, TypeAlias

import torch

from reviewkit.beam.rules import SearchRules
from reviewkit.beam.validation import (
    as_prompts,
    check_log_probs,
    check_token_ids,
    is_ragged,
    prompt_groups,
    warn_if_unnormalised,
)
from reviewkit.checks import check_bool, check_instance, check_int

__all__ = [
    "LanguageModel",
    "NextLogProbs",
    "PrefixAdapter",
    "StatefulLanguageModel",
    "advance",
    "as_stateful",
    "can_concat",
    "decoder_inputs",
    "inference",
    "start",
]


class StatefulLanguageModel(Protocol):
    """A model that carries its own state from one decoding step to the next.

    The state is opaque to the decoders: they only pass it back to
    :meth:`advance` and reorder its rows with :meth:`select`. One more method
    is optional: ``concat(states)``, the rows of a list of states one after
    the other, lets :func:`~reviewkit.beam.search.beam_search_batch` decode
    prompts of different lengths in one loop (each length is read by
    :meth:`start` on its own, then the states are joined); without it, such
    a batch is decoded one length at a time, with the same results.
    """

    vocab_size: int  #: ``M``, the number of token ids

    def start(self, prompts: torch.Tensor) -> tuple[torch.Tensor, Any]:
        """Read prompts ``(N, P)``, ``P >= 0``; return log-probs ``(N, M)``, state."""
        ...

    def advance(self, tokens: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """Feed one token per row ``(N,)``; return log-probs ``(N, M)`` and state."""
        ...

    def select(self, state: Any, index: torch.Tensor) -> Any:
        """Gather rows: row ``i`` of the result is row ``index[i]`` ``(N',)``."""
        ...


#: A callable from prefixes ``(N, t)`` to log-probs ``(N, M)`` (stateless).
NextLogProbs: TypeAlias = Callable[[torch.Tensor], torch.Tensor]

#: What a decoder accepts as its model.
LanguageModel: TypeAlias = StatefulLanguageModel | NextLogProbs


class PrefixAdapter:
    """Give a stateless ``next_log_probs`` callable the stateful interface.

    The state is the prefixes (prompt plus generated tokens), ``(N, t)``:
    every step appends one column and calls the model on the whole prefix
    again, as a model without a cache has to. ``vocab_size`` (``M``), if
    omitted, is read from the first call.
    """

    def __init__(
        self, next_log_probs: NextLogProbs, vocab_size: int | None = None
    ) -> None:
        if not callable(next_log_probs):
            raise TypeError(
                "model must be callable (prefixes -> log-probs) or a "
                f"StatefulLanguageModel, got {type(next_log_probs).__name__}"
            )
        self.next_log_probs = next_log_probs
        if vocab_size is not None:
            vocab_size = check_int("vocab_size", vocab_size, minimum=1)
        self.vocab_size = vocab_size

    def start(self, prompts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The model's distribution after ``prompts`` ``(N, P)``; the state is them."""
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


def as_stateful(model: LanguageModel) -> StatefulLanguageModel:
    """Return ``model`` if it is stateful, else wrap it in :class:`PrefixAdapter`.

    A stateful model needs an integer ``vocab_size``; a stateless one's, if
    it has one, checks prompts before the first call.
    """
    if isinstance(model, PrefixAdapter):  # it learns vocab_size on its first call
        return model
    # duck typing: isinstance with a runtime Protocol costs ~30 us per call
    if all(callable(getattr(model, m, None)) for m in ("start", "advance", "select")):
        check_int("model.vocab_size", getattr(model, "vocab_size", None), minimum=1)
        return model
    vocab = getattr(model, "vocab_size", None)
    return PrefixAdapter(model, vocab if isinstance(vocab, int) else None)  # type: ignore[arg-type]


def decoder_inputs(
    model: LanguageModel,
    length: int,
    prompt: Any,
    rules: SearchRules,
    check: bool,
    *,
    batch: bool = False,
) -> tuple[StatefulLanguageModel, int, torch.Tensor]:
    """Check the arguments every decoder takes, once, at its door.

    ``prompt`` is ``(P,)``, or ``(N, P)`` with ``batch``. Returns the model
    (stateful), ``length`` as an ``int`` and the prompts ``(N, P)``.
    """
    length = check_int("length", length, minimum=1)
    check_instance("rules", rules, SearchRules).check_length(length)
    check_bool("check", check)
    return as_stateful(model), length, as_prompts(prompt, batch)


def start(
    model: StatefulLanguageModel,
    prompts: torch.Tensor,
    *,
    check: bool = True,
    name: str = "prompts",
) -> tuple[torch.Tensor, Any]:
    """``model.start(prompts)``, checked; returns log-probs ``(N, M)`` and state.

    Prompt ids are checked against ``model.vocab_size`` (and called ``name``)
    before the model sees them, always: an id out of range would otherwise
    fail deep inside the model, or silently read another row of a table.
    With ``check=False`` unnormalised rows only warn
    (:func:`~reviewkit.beam.validation.warn_if_unnormalised`).
    """
    if is_ragged(prompts):
        return _start_ragged(model, prompts, check, name)
    vocab = model.vocab_size  # None only for a PrefixAdapter not yet called
    if vocab is not None:
        check_token_ids(name, prompts, vocab)
    log_probs, state = model.start(prompts)
    if check:
        check_log_probs(log_probs, prompts.shape[0], vocab)
    else:  # one logsumexp per row: a cheap look for logits passed as log-probs
        warn_if_unnormalised(log_probs)
    if vocab is None:
        check_token_ids(name, prompts, model.vocab_size)
    return log_probs, state


def _start_ragged(
    model: StatefulLanguageModel, prompts: torch.Tensor, check: bool, name: str
) -> tuple[torch.Tensor, Any]:
    """:func:`start` on a ragged batch: each length apart, then one state.

    Each group of prompts of one length is read by ``model.start`` as it
    would be alone; the states are joined with ``model.concat`` and put back
    in the batch's order with ``model.select``.
    """
    if not can_concat(model):
        raise TypeError(
            f"{name} of different lengths need a model with a concat(states) "
            f"method to be read in one batch; {type(model).__name__} has none"
        )
    groups = prompt_groups(prompts)
    read = [start(model, group, check=check, name=name) for _, group in groups]
    order = torch.tensor([row for rows, _ in groups for row in rows])
    back = torch.argsort(order)  # row i of the batch is row back[i] of the groups
    log_probs = torch.cat([lp for lp, _ in read]).index_select(0, back)
    state = model.select(model.concat([state for _, state in read]), back)  # type: ignore[attr-defined]
    return log_probs, state


def inference() -> contextlib.AbstractContextManager[Any]:
    """``torch.inference_mode()``, or nothing if it is on already.

    (Entering it again costs more than a short search's bookkeeping step.)
    """
    return _ALREADY if torch.is_inference_mode_enabled() else torch.inference_mode()


_ALREADY = contextlib.nullcontext()


def can_concat(model: StatefulLanguageModel) -> bool:
    """Whether ``model`` can join states: a ``concat(states)`` method."""
    return callable(getattr(model, "concat", None))


def advance(
    model: StatefulLanguageModel,
    tokens: torch.Tensor,
    state: Any,
    *,
    check: bool = True,
) -> tuple[torch.Tensor, Any]:
    """``model.advance(tokens, state)``; with ``check``, its output is checked.

    ``tokens`` ``(N,)`` come from the decoder, which only feeds ids the model
    scored.
    """
    log_probs, state = model.advance(tokens, state)
    if check:
        check_log_probs(log_probs, tokens.shape[0], model.vocab_size)
    return log_probs, state
