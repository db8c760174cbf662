"""The rules a search follows besides the scores: ending, banning, normalising.

:class:`SearchRules` holds the options the toolkits (fairseq, OpenNMT-py,
transformers) offer on top of plain beam search, written once: every decoder
takes them as one argument, ``rules=SearchRules(...)``, and applies them the
same way. A banned token gets log-probability :math:`-\\infty`; the rest of
the row is left as it is (not renormalised), as in the toolkits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import torch

from reviewkit.checks import check_bool, check_choice, check_float, check_int

__all__ = ["MAX_NORMALISER", "SearchRules"]

#: Largest :math:`f(L)` (and :math:`1 / f(L)`) a length penalty may reach:
#: float32 holds about :math:`10^{\pm 38}`, so ranks :math:`s / f(L)` of
#: scores between :math:`10^{-8}` and :math:`10^{8}` stay finite and nonzero.
MAX_NORMALISER = 1e30


@dataclass(frozen=True)
class SearchRules:
    """Options of a search beyond the beam width, checked when built.

    The defaults are plain beam search: no end token, nothing banned, ranked
    by total log-probability. For example, ``SearchRules(eos=[0, 1],
    per_node_beam_size=3)`` ends a hypothesis at token 0 or 1 and lets each
    propose its three best tokens; ``SearchRules(groups=2, diversity=0.5)``
    is diverse beam search in two groups.

    Raises:
        TypeError: If an option has the wrong type.
        ValueError: If an option is out of range or needs ``eos`` and has
            none.
    """

    #: End-of-sequence token id, or a sequence of ids, any of which ends a
    #: hypothesis, like chat models' ``eos_token_id`` lists; ``None``: none.
    eos: int | Sequence[int] | None = None
    #: With ``eos``: ``"pool"`` (the default) moves a finished hypothesis to a
    #: pool of the ``k`` best finished ones; ``"beam"`` keeps it in the beam,
    #: continuing with ``eos`` at log-probability 0, competing for a slot.
    finished: str | None = None
    #: ``eos`` (every end token) is banned before this many generated tokens.
    min_length: int = 0
    #: Ban any token that would repeat an n-gram of this size (prompt
    #: included); 0 turns it off.
    no_repeat_ngram_size: int = 0
    #: :math:`\alpha` of the final ranking :math:`s / f(L)`; 0 ranks by score.
    #: Needs ``eos`` (without it every hypothesis has length ``T``); a decoder
    #: refuses one whose :math:`f(T)` leaves :data:`MAX_NORMALISER`.
    length_penalty: float = 0.0
    #: ``"power"``, :math:`f(L) = L^\alpha`, or ``"gnmt"``,
    #: :math:`f(L) = ((5 + L) / 6)^\alpha`.
    length_norm: str = "power"
    #: At the last step only ``eos`` is allowed (fairseq's ``max_len``).
    force_eos: bool = False
    #: With a pool, stop a prompt as soon as ``k`` have finished (fairseq's
    #: rule); otherwise it stops once no live hypothesis can beat the pool.
    early_stopping: bool = False
    #: After the first step (which fills the beam from the prompt, as in
    #: AllenNLP), each hypothesis proposes at most this many children, its
    #: best tokens among those allowed (AllenNLP's ``per_node_beam_size``);
    #: ``None``: all.
    per_node_beam_size: int | None = None
    #: For diverse beam search, after Vijayakumar et al. 2016, the beam is
    #: split into this many groups of ``k / groups``, searched one after
    #: another at each step, by the readable loop
    #: :func:`~reviewkit.beam.trace.beam_trace`.
    groups: int = 1
    #: :math:`\lambda` of the Hamming penalty: a group ranks a candidate by
    #: its score minus :math:`\lambda` times the number of hypotheses that
    #: earlier groups chose with the same token at this step (scores stay
    #: log-probabilities; the list may repeat a sequence). Needs
    #: ``groups > 1``.
    diversity: float = 0.0

    def __post_init__(self) -> None:
        """Check every option and resolve the default of ``finished``."""
        if isinstance(self.eos, Sequence) and not isinstance(self.eos, str | bytes):
            ends = tuple(check_int("eos", e, minimum=0) for e in self.eos)
            if not ends or len(set(ends)) != len(ends):
                raise ValueError(
                    f"eos must hold distinct token ids (None for no end token), "
                    f"got {self.eos!r}"
                )
            object.__setattr__(self, "eos", ends)
        elif self.eos is not None:
            object.__setattr__(self, "eos", check_int("eos", self.eos, minimum=0))
        if self.finished is not None:
            check_choice("finished", self.finished, ("pool", "beam"))
            if self.eos is None:
                raise ValueError(
                    f"finished={self.finished!r} needs an end token: pass eos"
                )
        elif self.eos is not None:
            object.__setattr__(self, "finished", "pool")
        check_int("min_length", self.min_length, minimum=0)
        check_int("no_repeat_ngram_size", self.no_repeat_ngram_size, minimum=0)
        check_float("length_penalty", self.length_penalty)
        check_choice("length_norm", self.length_norm, ("power", "gnmt"))
        check_bool("force_eos", self.force_eos)
        check_bool("early_stopping", self.early_stopping)
        if self.per_node_beam_size is not None:
            p = check_int("per_node_beam_size", self.per_node_beam_size, minimum=1)
            object.__setattr__(self, "per_node_beam_size", p)
        object.__setattr__(self, "groups", check_int("groups", self.groups, minimum=1))
        diversity = check_float("diversity", self.diversity, low=0.0)
        object.__setattr__(self, "diversity", diversity)
        if (self.groups > 1) != (self.diversity > 0):
            raise ValueError(
                f"groups={self.groups} and diversity={self.diversity} go together: "
                "diverse beam search needs groups > 1 and diversity > 0 (with "
                "diversity=0 every group would run the same search)"
            )
        needs_eos = {
            "min_length": self.min_length > 0,
            "length_penalty": self.length_penalty != 0.0,
            "force_eos": self.force_eos,
            "early_stopping": self.early_stopping,
        }
        for name, used in needs_eos.items():
            if used and self.eos is None:
                raise ValueError(
                    f"{name} needs an end token (without eos every hypothesis "
                    "has the same length, so it would change nothing): pass eos"
                )
        if self.early_stopping and self.finished != "pool":
            raise ValueError(
                "early_stopping applies to finished='pool' only, got "
                f"finished={self.finished!r}"
            )

    def __repr__(self) -> str:
        """The options that differ from plain beam search's defaults."""
        options = [(f.name, getattr(self, f.name), f.default) for f in fields(self)]
        changed = ", ".join(f"{n}={v!r}" for n, v, default in options if v != default)
        return f"SearchRules({changed})"

    @property
    def plain(self) -> bool:
        """Whether these are the rules of plain beam search (nothing to apply)."""
        return (
            self.eos is None
            and self.no_repeat_ngram_size == 0
            and self.per_node_beam_size is None
            and self.groups == 1
        )

    @property
    def ends(self) -> tuple[int, ...]:
        """The end tokens, as a tuple (empty without ``eos``)."""
        return (self.eos,) if isinstance(self.eos, int) else self.eos or ()

    def is_end(self, tokens: torch.Tensor) -> torch.Tensor:
        """Which of ``tokens`` (any shape, ``rules`` with ``eos``) are end tokens."""
        if isinstance(self.eos, int):
            return tokens == self.eos
        return torch.isin(tokens, torch.tensor(self.ends))

    def check_vocab(self, vocab: int) -> None:
        """Raise if ``eos`` is not a token id of a vocabulary of size ``vocab``."""
        if any(e >= vocab for e in self.ends):
            raise ValueError(
                f"eos must be < {vocab} (the model's vocabulary size), got {self.eos}"
            )

    def check_beam(self, beam_size: int | None) -> None:
        """Raise if ``groups`` cannot split a beam of ``beam_size`` (``None``:
        a search without a beam, where groups mean nothing)."""
        if self.groups == 1:
            return
        if beam_size is None:
            raise ValueError(
                f"rules.groups={self.groups} splits a beam: this search has none "
                "(use beam_search or beam_trace)"
            )
        if beam_size % self.groups:
            raise ValueError(
                f"rules.groups={self.groups} must divide beam_size={beam_size} "
                "(each group holds beam_size / groups hypotheses)"
            )

    def check_length(self, length: int) -> None:
        """Raise if the rules contradict a search of at most ``length`` tokens.

        ``min_length`` above ``length`` can never be met; with ``force_eos``
        it must be below ``length`` (eos is forced at the last step);
        :math:`f(L)` must stay within :data:`MAX_NORMALISER` of 1 up to
        ``L = length``, or float32 ranks overflow to :math:`-\\infty` (a
        finalist dropped) or round to 0 (finalists tied).
        """
        if self.min_length > length:
            raise ValueError(
                f"rules.min_length={self.min_length} is more than length={length}: "
                "no hypothesis can be that long. Lower min_length or raise length"
            )
        if self.force_eos and self.min_length >= length:
            raise ValueError(
                f"rules.force_eos forces eos at the last step, token {length}, but "
                f"rules.min_length={self.min_length} bans it there, so nothing "
                f"could end: use min_length < length ({length}) or drop force_eos"
            )
        base = (5 + length) / 6 if self.length_norm == "gnmt" else length
        most = math.log(MAX_NORMALISER) / math.log(base) if base > 1 else math.inf
        if abs(self.length_penalty) > most:
            raise ValueError(
                f"rules.length_penalty={self.length_penalty} with "
                f"length_norm={self.length_norm!r} takes f(L) beyond "
                f"{MAX_NORMALISER:.0e} or below {1 / MAX_NORMALISER:.0e} by "
                f"length={length}, where float32 ranks s / f(L) overflow or round "
                f"to 0: use |length_penalty| <= {most:.3g} for this length"
            )

    def normaliser(self, n_tokens: int | torch.Tensor) -> float | torch.Tensor:
        """The divisor of a score of ``n_tokens`` tokens (end token included).

        .. math::

            f(L) = L^{\\alpha} \\quad\\text{or}\\quad
            f(L) = \\left(\\frac{5 + L}{6}\\right)^{\\alpha}
        """
        if self.length_norm == "gnmt":
            return ((5 + n_tokens) / 6) ** self.length_penalty
        return n_tokens**self.length_penalty

    def rank(self, score: float, n_tokens: int) -> float:
        """The value a finished hypothesis is ranked by: ``score / f(L)``."""
        if self.length_penalty == 0.0:
            return score
        return score / self.normaliser(n_tokens)

    def best_possible(
        self, score: float | torch.Tensor, n_tokens: int, length: int
    ) -> float | torch.Tensor:
        """The best rank a live hypothesis of ``n_tokens`` tokens can still reach.

        It ends with ``n_tokens + 1`` to ``length`` tokens and a score at most
        ``score``, so its rank is at most ``score / f(L)`` for the largest
        ``f(L)`` on that range (``f`` is monotone: at one end). ``score`` may
        be a tensor (one per prompt).
        """
        if self.length_penalty == 0.0:
            return score
        if n_tokens >= length:  # cut at the maximum length: this is its rank
            return score / self.normaliser(length)
        longest = max(self.normaliser(n_tokens + 1), self.normaliser(length))
        return score / longest

    def mask(
        self,
        log_probs: torch.Tensor,
        history: torch.Tensor | None,
        step: int,
        length: int,
    ) -> torch.Tensor:
        """Set banned tokens to :math:`-\\infty` in log-probs ``(R, M)``, all rows.

        ``history`` is every row's tokens so far, prompt included,
        ``(R, P + step)`` (needed only for n-gram blocking); ``step`` tokens
        have been generated of at most ``length``. Returns ``log_probs`` itself
        when nothing is banned, else a masked copy.
        """
        eos, n, p = list(self.ends), self.no_repeat_ngram_size, self.per_node_beam_size
        ban_eos = bool(eos) and step < self.min_length
        force = self.force_eos and step == length - 1
        block = n > 0 and history is not None and history.shape[1] >= n
        few = p is not None and p < log_probs.shape[1] and step > 0
        if not (ban_eos or force or block or few):
            return log_probs
        out = log_probs.clone()
        if block:
            assert history is not None
            windows = history.unfold(1, n, 1)  # (R, W, n): every n-gram so far
            suffix = history[:, history.shape[1] - n + 1 :]  # (R, n-1)
            match = (windows[:, :, : n - 1] == suffix[:, None, :]).all(2)  # (R, W)
            last = windows[:, :, n - 1]  # (R, W): the token each n-gram ends in
            match &= last >= 0  # not the padding of a shorter prompt in a batch
            hits = torch.zeros(out.shape, dtype=torch.long)  # (R, M)
            hits.scatter_add_(1, last.clamp(min=0), match.long())
            out[hits > 0] = -math.inf
        if ban_eos:
            out[:, eos] = -math.inf
        if force:
            keep = out[:, eos].clone()
            out.fill_(-math.inf)
            out[:, eos] = keep
        if few:  # each row keeps its p best allowed tokens (ties: the lower id)
            top = torch.sort(out, dim=1, descending=True, stable=True).indices
            out.scatter_(1, top[:, p:], -math.inf)
        return out
