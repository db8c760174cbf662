"""Decoders for autoregressive models: greedy, beam, exhaustive and exact search.

Every decoder takes the same kind of model and returns the same kind of result,
so a page can swap one for another in one word.

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
at most zero. :func:`exact_search` relies on this to prune.

**Ties.** Every ranking is deterministic: a higher score first; among equal
scores, beam search prefers the candidate from the better-ranked parent beam,
then the lower token id (the lower index in the flattened ``(k, M)`` candidate
grid); exhaustive and exact search prefer the lexicographically smaller token
sequence.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import torch

from reviewkit.checks import check_choice, check_float, check_int, check_tensor

__all__ = [
    "MAX_EXHAUSTIVE",
    "NORMALISATION_TOL",
    "BeamOutput",
    "BeamStep",
    "ExactSearchResult",
    "Hypothesis",
    "PrefixAdapter",
    "StatefulLanguageModel",
    "as_stateful",
    "beam_search",
    "beam_search_batch",
    "beam_trace",
    "exact_search",
    "exhaustive_search",
    "greedy_decode",
    "power_law_exponent",
    "time_beam_search",
]

#: Largest number of sequences :func:`exhaustive_search` agrees to enumerate.
MAX_EXHAUSTIVE = 1_000_000

#: Tolerance on ``|logsumexp(log_probs)|`` when a model's output is checked.
NORMALISATION_TOL = 1e-3


@dataclass(frozen=True)
class Hypothesis:
    """One decoded sequence.

    Attributes:
        tokens: The generated token ids (the prompt is not included).
        score: Total log-probability of ``tokens`` given the prompt.
    """

    tokens: tuple[int, ...]
    score: float


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
    if isinstance(model, StatefulLanguageModel):
        return model
    return PrefixAdapter(model)


def _check_log_probs(log_probs: Any, rows: int, vocab: int | None) -> torch.Tensor:
    """Raise if a model output is not ``(rows, M)`` normalised finite log-probs."""
    check_tensor("model output", log_probs, ndim=2, floating=True)
    if log_probs.shape[0] != rows or (
        vocab is not None and log_probs.shape[1] != vocab
    ):
        expected = f"({rows}, {vocab if vocab is not None else 'M'})"
        raise ValueError(
            f"model output must have shape {expected} (one row of next-token "
            f"log-probs per prefix), got {tuple(log_probs.shape)}"
        )
    if not torch.isfinite(log_probs).all():
        raise ValueError(
            "model output must be finite log-probabilities, got NaN or +-inf"
        )
    error = torch.logsumexp(log_probs, dim=1).abs().max().item()
    if error > NORMALISATION_TOL:
        raise ValueError(
            "model output must be normalised log-probabilities "
            f"(logsumexp over the vocabulary = 0), got |logsumexp| up to {error:.3g}"
        )
    return log_probs


def _prompts(prompt: Any, batch: bool) -> torch.Tensor:
    """Return prompts as a LongTensor ``(N, P)``."""
    if prompt is None:
        return torch.zeros(1, 0, dtype=torch.long)
    name = "prompts" if batch else "prompt"
    if not isinstance(prompt, torch.Tensor):
        try:
            prompt = torch.as_tensor(list(prompt), dtype=torch.long)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be a LongTensor or a sequence of ints, "
                f"got {type(prompt).__name__}"
            ) from None
    if prompt.dtype != torch.long:
        raise TypeError(f"{name} must hold int64 token ids, got {prompt.dtype}")
    want = 2 if batch else 1
    if prompt.ndim != want:
        shape = "(N, P)" if batch else "(P,)"
        raise ValueError(
            f"{name} must have shape {shape}, got shape {tuple(prompt.shape)}"
        )
    return prompt if batch else prompt[None, :]


def _start(
    model: StatefulLanguageModel, prompts: torch.Tensor, check: bool
) -> tuple[torch.Tensor, Any, int]:
    log_probs, state = model.start(prompts)
    if check:
        _check_log_probs(log_probs, prompts.shape[0], None)
    vocab = log_probs.shape[-1]
    return log_probs, state, vocab


def _advance(
    model: StatefulLanguageModel,
    tokens: torch.Tensor,
    state: Any,
    vocab: int,
    check: bool,
) -> tuple[torch.Tensor, Any]:
    log_probs, state = model.advance(tokens, state)
    if check:
        _check_log_probs(log_probs, tokens.shape[0], vocab)
    return log_probs, state


def greedy_decode(
    model: Any, length: int, *, prompt: Any = None, check: bool = True
) -> list[Hypothesis]:
    """Take the most likely next token at every step.

    .. math::

        y_t = \\arg\\max_{v} \\log p(v \\mid x, y_{<t})

    Ties go to the lower token id.

    Args:
        model: A ``next_log_probs`` callable or a :class:`StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        A one-element list with the greedy hypothesis.
    """
    length = check_int("length", length, minimum=1)
    model = as_stateful(model)
    prompts = _prompts(prompt, batch=False)
    tokens: list[int] = []
    score = 0.0
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        for t in range(length):
            # torch.argmax returns the first maximal index: lower id wins ties.
            token = int(torch.argmax(log_probs[0]))
            score += float(log_probs[0, token])
            tokens.append(token)
            if t + 1 < length:
                log_probs, state = _advance(
                    model, torch.tensor([token]), state, vocab, check
                )
    return [Hypothesis(tuple(tokens), score)]


@dataclass(frozen=True)
class BeamStep:
    """Every candidate beam search scored at one step, for one prompt.

    Attributes:
        step: The step, from 1 to ``T``.
        candidates: Each candidate's tokens so far, in the order scored
            (parent beam rank, then token id).
        scores: Each candidate's total log-probability.
        kept: Whether each candidate made it into the beam.
        rank: The candidate's rank in the new beam (0 = best), or ``None``.
    """

    step: int
    candidates: tuple[tuple[int, ...], ...]
    scores: tuple[float, ...]
    kept: tuple[bool, ...]
    rank: tuple[int | None, ...]

    def markdown(
        self, spell: Callable[[tuple[int, ...]], str] | None = None, digits: int = 3
    ) -> str:
        """This step as a Markdown table, best candidate first.

        Args:
            spell: Turns a token tuple into text; token ids if omitted.
            digits: Decimals of the log-probabilities.

        Returns:
            A table with one row per candidate: sequence, total
            log-probability, probability, and whether it was kept.
        """
        spell = spell or (lambda tokens: " ".join(map(str, tokens)))
        order = sorted(range(len(self.scores)), key=lambda i: -self.scores[i])
        lines = [
            "| candidate | log-probability | probability | kept? |",
            "| --- | ---: | ---: | --- |",
        ]
        for i in order:
            verdict = f"kept (rank {self.rank[i] + 1})" if self.kept[i] else "dropped"
            lines.append(
                f"| {spell(self.candidates[i])} | {self.scores[i]:.{digits}f} "
                f"| {math.exp(self.scores[i]):.4f} | {verdict} |"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class BeamOutput:
    """The final beams of a batched beam search.

    Attributes:
        tokens: Generated tokens, shape ``(N, k', T)``, beams best first
            (``k' = min(k, M**T)``). With an end token, positions after it
            hold the end token again.
        scores: Total log-probabilities, shape ``(N, k')``.
        lengths: Number of real tokens (up to and including the end token),
            shape ``(N, k')``.
        ranking: The value each beam was ranked by at the end (the score, or
            the length-normalised score), shape ``(N, k')``.
        trace: One list of :class:`BeamStep` per prompt if asked for, else
            ``None``.
    """

    tokens: torch.Tensor
    scores: torch.Tensor
    lengths: torch.Tensor
    ranking: torch.Tensor
    trace: list[list[BeamStep]] | None = None

    def hypotheses(self, row: int = 0) -> list[Hypothesis]:
        """Return the final beam of prompt ``row`` as hypotheses, best first."""
        row = check_int("row", row, minimum=0)
        if row >= self.tokens.shape[0]:
            raise ValueError(
                f"row must be < {self.tokens.shape[0]} (the number of prompts), "
                f"got {row}"
            )
        out = []
        for j in range(self.tokens.shape[1]):
            n = int(self.lengths[row, j])
            out.append(
                Hypothesis(
                    tuple(self.tokens[row, j, :n].tolist()),
                    float(self.scores[row, j]),
                )
            )
        return out


def _top(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` best entries of each row ``(N, W)``: higher value first, ties
    to the lower index.

    One ``topk`` of size ``k + 1`` per call. ``topk`` orders equal values
    arbitrarily, so ties are settled afterwards, and only where they matter:
    a tie across the cut (entry ``k`` equals entry ``k + 1``) decides which
    entries are kept, and is resolved exactly for that row; a tie inside the
    kept set only decides their order, which a sort of the ``k`` kept entries
    fixes. Neither ever sorts a whole row of ``W`` entries.
    """
    width = scores.shape[1]
    if k >= width:
        return torch.sort(scores, dim=1, descending=True, stable=True)
    values, index = torch.topk(scores, k + 1, dim=1)  # (N, k+1), descending
    equal = values[:, 1:] == values[:, :-1]  # (N, k): neighbours that tie
    if not bool(equal.any()):  # the common case: one check per step
        return values[:, :k], index[:, :k]
    for row in equal[:, k - 1].nonzero().flatten().tolist():  # the cut splits a tie
        values[row, :k], index[row, :k] = _top_row_exact(scores[row], k)
    return _order_by_value_then_index(values[:, :k], index[:, :k])


def _top_row_exact(row: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` best entries of one row ``(W,)`` with ties to the lower index."""
    cut = torch.topk(row, k).values[-1]  # the k-th best value
    above = (row > cut).nonzero().flatten()  # all of these are kept (< k)
    tied = (row == cut).nonzero().flatten()[: k - above.numel()]  # lowest first
    index = torch.cat([above, tied])  # (k,)
    values, index = _order_by_value_then_index(row[index][None], index[None])
    return values[0], index[0]


def _order_by_value_then_index(
    values: torch.Tensor, index: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reorder each row of ``(N, k)`` pairs: value descending, then index ascending."""
    by_index = torch.argsort(index, dim=1)
    values, index = values.gather(1, by_index), index.gather(1, by_index)
    by_value = torch.sort(values, dim=1, descending=True, stable=True).indices
    return values.gather(1, by_value), index.gather(1, by_value)


def beam_search_batch(
    model: Any,
    prompts: torch.Tensor | None,
    length: int,
    beam_size: int,
    *,
    eos: int | None = None,
    length_penalty: float = 0.0,
    trace: bool = False,
    check: bool = True,
) -> BeamOutput:
    """Beam search for a batch of prompts at once, vectorised over beams.

    At step :math:`t` each of the :math:`k` hypotheses in a beam is extended by
    each of the :math:`M` tokens, and the :math:`k` best of the :math:`kM`
    candidates by total log-probability survive:

    .. math::

        s(y_{1:t}) = s(y_{1:t-1}) + \\log p(y_t \\mid x, y_{<t}), \\qquad
        B_t = \\operatorname{top}_k \\{ y_{1:t-1} v : y_{1:t-1} \\in B_{t-1},
        v \\in V \\}.

    Each step is one model call on the ``N k`` live rows, one ``topk`` over
    the flattened ``(N, k M)`` scores and one gather of the model state.
    Prefixes are never copied: each step stores back-pointers (the parent beam
    of every survivor) and the sequences are read back once at the end, so the
    bookkeeping is :math:`O(kT)` per prompt.

    Beams start with one hypothesis and widen to at most ``k`` as candidates
    allow (``min(k, M**t)`` after step ``t``). Ties: see the module docstring.

    **End token.** With ``eos`` set, a hypothesis that emits it is finished: it
    stays in the beam, and its only continuation is ``eos`` again at
    log-probability 0, so it keeps its score and competes with the live ones;
    the search stops early once every beam is finished. The final beam is then
    ranked by :math:`s / L^{\\alpha}` (``alpha = length_penalty``, ``L`` the
    length up to and including ``eos``); ``alpha = 0`` ranks by the raw score.
    The normalisation only re-ranks the final beam: during the search
    hypotheses compete on their raw scores.

    Args:
        model: A ``next_log_probs`` callable or a :class:`StatefulLanguageModel`.
        prompts: Token ids, shape ``(N, P)``; ``None`` for one empty prompt.
        length: Number of tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        eos: Optional end-of-sequence token id.
        length_penalty: Exponent :math:`\\alpha \\ge 0` of the length
            normalisation of the final ranking (only used with ``eos``).
        trace: Also record every candidate of every step (slow; for teaching).
        check: Validate every model output (shape, finite, normalised).
            Switch off for timing.

    Returns:
        The final beams, best first, and the trace if asked for.
    """
    length = check_int("length", length, minimum=1)
    beam_size = check_int("beam_size", beam_size, minimum=1)
    if eos is not None:
        eos = check_int("eos", eos, minimum=0)
    alpha = check_float("length_penalty", length_penalty, low=0.0)
    model = as_stateful(model)
    prompts = _prompts(prompts, batch=True)
    n_prompts = prompts.shape[0]
    steps: list[list[BeamStep]] | None = (
        [[] for _ in range(n_prompts)] if trace else None
    )

    if beam_size == 1 and eos is None and not trace:
        return _greedy_batch(model, prompts, length, check)

    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (N, M)
        if eos is not None and eos >= vocab:
            raise ValueError(f"eos must be < vocab size {vocab}, got {eos}")
        scores = torch.zeros(n_prompts, 1, dtype=log_probs.dtype)  # (N, w)
        finished = torch.zeros(n_prompts, 1, dtype=torch.bool)  # (N, w)
        parents: list[torch.Tensor] = []  # T tensors (N, w_t): back-pointers
        chosen: list[torch.Tensor] = []  # T tensors (N, w_t): tokens
        width = 1
        offsets, offsets_width = torch.zeros(n_prompts, 1, dtype=torch.long), 0
        for t in range(length):
            lp = log_probs.view(n_prompts, width, vocab)  # (N, w, M)
            if eos is not None and bool(finished.any()):
                # A finished hypothesis can only repeat eos, at no cost.
                pad = torch.full_like(lp, -math.inf)
                pad[..., eos] = 0.0
                lp = torch.where(finished[..., None], pad, lp)
            # s(y_{1:t}) = s(y_{1:t-1}) + log p(y_t | x, y_{<t})
            cand = (scores[..., None] + lp).reshape(n_prompts, width * vocab)
            new_width = min(beam_size, width * vocab)
            top_scores, flat = _top(cand, new_width)  # (N, w')
            parent = flat // vocab  # (N, w'): which hypothesis it extends
            token = flat % vocab  # (N, w'): which token it appends
            if steps is not None:
                _record(steps, t, cand, flat, width, vocab, parents, chosen)
            parents.append(parent)
            chosen.append(token)
            scores = top_scores
            if offsets_width != width:  # the beam widened: recompute once
                offsets = torch.arange(n_prompts)[:, None] * width  # (N, 1)
                offsets_width = width
            rows = (parent + offsets).reshape(-1)  # rows of the state to keep
            if eos is not None:
                finished = finished.gather(1, parent) | (token == eos)
            width = new_width
            if t + 1 == length or (eos is not None and bool(finished.all())):
                break
            state = model.select(state, rows)
            log_probs, state = _advance(model, token.reshape(-1), state, vocab, check)
        tokens = _backtrack(parents, chosen)  # (N, w, t)
        done = tokens.shape[2]
        if done < length:  # stopped early: every beam already ended in eos
            tokens = torch.cat(
                [tokens, tokens.new_full((n_prompts, width, length - done), eos)], 2
            )
        if eos is None:
            lengths = torch.full((n_prompts, width), length, dtype=torch.long)
            ranking = scores
        else:
            is_eos = tokens == eos
            first = torch.where(
                is_eos.any(2), is_eos.float().argmax(2) + 1, torch.tensor(length)
            )
            lengths = first.long()
            ranking = scores / lengths.to(scores.dtype) ** alpha
            order = torch.sort(ranking, dim=1, descending=True, stable=True).indices
            tokens = tokens.gather(1, order[..., None].expand_as(tokens))
            scores, lengths, ranking = (
                x.gather(1, order) for x in (scores, lengths, ranking)
            )
    return BeamOutput(tokens, scores, lengths, ranking, steps)


def _greedy_batch(
    model: StatefulLanguageModel, prompts: torch.Tensor, length: int, check: bool
) -> BeamOutput:
    """Beam search with ``k = 1``: greedy, with no back-pointers to keep.

    Gives exactly what the general loop gives for ``k = 1`` (same float
    additions, same tie-breaking: ``max`` returns the first maximal index, so
    the lower token id wins), without its bookkeeping.
    """
    n_prompts = prompts.shape[0]
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)  # (N, M)
        scores = torch.zeros(n_prompts, 1, dtype=log_probs.dtype)  # (N, 1)
        tokens = []
        for t in range(length):
            best, token = log_probs.max(dim=1)  # (N,), (N,)
            scores = scores + best[:, None]
            tokens.append(token)
            if t + 1 == length:
                break
            log_probs, state = _advance(model, token, state, vocab, check)
        out = torch.stack(tokens, dim=1)[:, None, :]  # (N, 1, T)
    lengths = torch.full((n_prompts, 1), length, dtype=torch.long)
    return BeamOutput(out, scores, lengths, scores, None)


def _backtrack(parents: list[torch.Tensor], chosen: list[torch.Tensor]) -> torch.Tensor:
    """Follow back-pointers from the last step: tokens ``(N, w, T)``."""
    n, width = chosen[-1].shape
    beam = torch.arange(width).expand(n, width)  # (N, w): slot in each step
    out = []
    for parent, token in zip(reversed(parents), reversed(chosen), strict=True):
        out.append(token.gather(1, beam))
        beam = parent.gather(1, beam)
    return torch.stack(out[::-1], dim=2)


def _record(
    steps: list[list[BeamStep]],
    t: int,
    cand: torch.Tensor,
    flat: torch.Tensor,
    width: int,
    vocab: int,
    parents: list[torch.Tensor],
    chosen: list[torch.Tensor],
) -> None:
    """Append one :class:`BeamStep` per prompt (teaching path, not fast)."""
    n = cand.shape[0]
    prefixes = (
        _backtrack(parents, chosen)
        if parents
        else torch.zeros(n, 1, 0, dtype=torch.long)
    )
    for row in range(n):
        rank_of = {int(f): r for r, f in enumerate(flat[row].tolist())}
        cands, scores, kept, rank = [], [], [], []
        for b, v in itertools.product(range(width), range(vocab)):
            value = float(cand[row, b * vocab + v])
            if value == -math.inf:
                continue  # continuation of a finished hypothesis other than eos
            cands.append((*prefixes[row, b].tolist(), v))
            scores.append(value)
            r = rank_of.get(b * vocab + v)
            kept.append(r is not None)
            rank.append(r)
        steps[row].append(
            BeamStep(t + 1, tuple(cands), tuple(scores), tuple(kept), tuple(rank))
        )


def beam_search(
    model: Any,
    length: int,
    beam_size: int,
    *,
    prompt: Any = None,
    eos: int | None = None,
    length_penalty: float = 0.0,
    check: bool = True,
) -> list[Hypothesis]:
    """Beam search for one prompt; returns the final beam (the n-best).

    See :func:`beam_search_batch` for the algorithm, ties and the end token.

    Args:
        model: A ``next_log_probs`` callable or a :class:`StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        eos: Optional end-of-sequence token id.
        length_penalty: Length-normalisation exponent for the final ranking.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        Up to ``k`` hypotheses, best first.
    """
    prompts = _prompts(prompt, batch=False)
    out = beam_search_batch(
        model,
        prompts,
        length,
        beam_size,
        eos=eos,
        length_penalty=length_penalty,
        check=check,
    )
    return out.hypotheses(0)


def beam_trace(
    model: Any, length: int, beam_size: int, *, prompt: Any = None
) -> list[BeamStep]:
    """Run beam search for one prompt and return every step's candidates.

    Args:
        model: A ``next_log_probs`` callable or a :class:`StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        beam_size: Beam width ``k >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.

    Returns:
        One :class:`BeamStep` per step.
    """
    prompts = _prompts(prompt, batch=False)
    out = beam_search_batch(model, prompts, length, beam_size, trace=True)
    assert out.trace is not None
    return out.trace[0]


def exhaustive_search(
    model: Any, length: int, *, prompt: Any = None, check: bool = True
) -> list[Hypothesis]:
    """Score every one of the :math:`M^T` sequences and rank them.

    Breadth first: after step :math:`t` all :math:`M^t` prefixes are held
    with their scores, and each is extended by every token.

    Args:
        model: A ``next_log_probs`` callable or a :class:`StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        All :math:`M^T` hypotheses, best first; ties in lexicographic order.

    Raises:
        ValueError: If :math:`M^T` exceeds :data:`MAX_EXHAUSTIVE`.
    """
    length = check_int("length", length, minimum=1)
    model = as_stateful(model)
    prompts = _prompts(prompt, batch=False)
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        if vocab**length > MAX_EXHAUSTIVE:
            raise ValueError(
                f"exhaustive search would enumerate M**T = {vocab}**{length} "
                f"sequences; the limit is {MAX_EXHAUSTIVE}"
            )
        seqs = torch.zeros(1, 0, dtype=torch.long)  # (M^t, t), lexicographic
        scores = torch.zeros(1, dtype=log_probs.dtype)  # (M^t,)
        for t in range(length):
            n = seqs.shape[0]
            scores = (scores[:, None] + log_probs).reshape(-1)  # (n M,)
            parent = torch.arange(n).repeat_interleave(vocab)  # (n M,)
            token = torch.arange(vocab).repeat(n)  # (n M,)
            seqs = torch.cat([seqs[parent], token[:, None]], dim=1)
            if t + 1 < length:
                state = model.select(state, parent)
                log_probs, state = _advance(model, token, state, vocab, check)
        order = torch.sort(scores, descending=True, stable=True).indices
    return [Hypothesis(tuple(seqs[i].tolist()), float(scores[i])) for i in order]


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
    max_expansions: int = 1_000_000,
    check: bool = True,
) -> ExactSearchResult:
    """Find the most likely length-``T`` sequences without enumerating them all.

    Best-first (uniform-cost) search over prefixes. Because every
    log-probability is at most zero, a prefix's score bounds the score of every
    completion:

    .. math::

        s(y_{1:T}) = s(y_{1:t}) + \\sum_{i>t} \\log p(y_i \\mid x, y_{<i})
        \\le s(y_{1:t}).

    So when the best prefix on the queue is complete, nothing left on the queue
    can beat it: it is the mode. Only prefixes scoring at least the mode's
    score are ever expanded. Popping on to ``n_best`` complete sequences gives
    the exact n-best list.

    Args:
        model: A ``next_log_probs`` callable or a :class:`StatefulLanguageModel`.
        length: Number of tokens to generate, ``T >= 1``.
        prompt: Token ids to condition on, shape ``(P,)``; empty by default.
        n_best: How many of the most likely sequences to return.
        max_expansions: Give up (``RuntimeError``) after this many expansions.
        check: Validate every model output (shape, finite, normalised).

    Returns:
        The best sequences and the number of nodes expanded.
    """
    length = check_int("length", length, minimum=1)
    n_best = check_int("n_best", n_best, minimum=1)
    max_expansions = check_int("max_expansions", max_expansions, minimum=1)
    model = as_stateful(model)
    prompts = _prompts(prompt, batch=False)
    found: list[Hypothesis] = []
    with torch.inference_mode():
        log_probs, state, vocab = _start(model, prompts, check)
        expanded, pushed = 1, 0
        # Heap entries: (-score, tokens, state of the parent prefix). Tokens
        # are unique, so equal scores are ordered lexicographically.
        heap: list[tuple[float, tuple[int, ...], Any]] = []
        lp = log_probs[0].tolist()
        for v in range(vocab):
            heapq.heappush(heap, (-lp[v], (v,), state))
            pushed += 1
        while heap and len(found) < n_best:
            neg, tokens, parent_state = heapq.heappop(heap)
            if len(tokens) == length:
                found.append(Hypothesis(tokens, -neg))
                continue
            if expanded >= max_expansions:
                raise RuntimeError(
                    f"exact_search expanded max_expansions={max_expansions} "
                    "nodes without finishing; raise the limit or shorten T"
                )
            # The node's state is its parent's; feed its last token now.
            log_probs, node_state = _advance(
                model, torch.tensor([tokens[-1]]), parent_state, vocab, check
            )
            expanded += 1
            lp = log_probs[0].tolist()
            for v in range(vocab):
                # s(y_{1:t+1}) = s(y_{1:t}) + log p(v | x, y_{1:t}) <= s(y_{1:t})
                heapq.heappush(heap, (neg - lp[v], (*tokens, v), node_state))
                pushed += 1
    return ExactSearchResult(found, expanded, pushed)


def time_beam_search(
    model: Any,
    prompts: torch.Tensor | None,
    length: int,
    beam_size: int,
    *,
    repeats: int = 5,
    statistic: str = "median",
) -> float:
    """Wall time of :func:`beam_search_batch` (``check=False``), in seconds.

    One untimed warm-up run comes first. On a shared machine other processes
    only ever add time, so the minimum over repeats is the steadier estimate
    of the search's own cost; the median also counts typical interference.

    Args:
        model: A ``next_log_probs`` callable or a :class:`StatefulLanguageModel`.
        prompts: Token ids, shape ``(N, P)``; ``None`` for one empty prompt.
        length: Number of tokens to generate.
        beam_size: Beam width.
        repeats: Number of timed runs.
        statistic: ``"median"`` or ``"min"`` of the timed runs.

    Returns:
        The chosen statistic of the timed runs.
    """
    import statistics
    import time

    repeats = check_int("repeats", repeats, minimum=1)
    reduce = {"median": statistics.median, "min": min}[
        check_choice("statistic", statistic, ("median", "min"))
    ]
    beam_search_batch(model, prompts, length, beam_size, check=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        beam_search_batch(model, prompts, length, beam_size, check=False)
        times.append(time.perf_counter() - start)
    return reduce(times)


def power_law_exponent(x: Any, y: Any) -> float:
    """Slope of the least-squares line through ``(log x, log y)``.

    If :math:`y \\approx c x^a`, then :math:`\\log y = \\log c + a \\log x`
    and the slope is the exponent :math:`a`.

    Args:
        x: Positive sizes, shape ``(n,)`` with ``n >= 2``.
        y: Positive measurements, shape ``(n,)``.

    Returns:
        The fitted exponent :math:`a`.
    """
    lx = torch.log(torch.as_tensor(x, dtype=torch.float64))
    ly = torch.log(torch.as_tensor(y, dtype=torch.float64))
    if lx.ndim != 1 or lx.shape != ly.shape or lx.numel() < 2:
        raise ValueError(
            "x and y must be 1-D of equal length >= 2, got shapes "
            f"{tuple(lx.shape)} and {tuple(ly.shape)}"
        )
    if not (torch.isfinite(lx).all() and torch.isfinite(ly).all()):
        raise ValueError("x and y must be positive and finite")
    lx = lx - lx.mean()
    return float((lx * (ly - ly.mean())).sum() / (lx * lx).sum())
