"""Beam search with a pool of finished hypotheses, as the toolkits run it.

fairseq, OpenNMT-py, transformers and tensor2tensor keep ``k`` live
hypotheses and move each one that ends into a pool of the ``k`` best finished
ones by rank :math:`s / f(L)`. :func:`pool_loop` is that loop, batched. A
prompt is done when its pool holds ``k`` and no live hypothesis can still
beat the worst of them (:meth:`~reviewkit.beam.rules.SearchRules.best_possible`),
or, with ``early_stopping``, as soon as it holds ``k`` (fairseq's rule), or
when nothing live is left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.interface import StatefulLanguageModel, advance, inference, start
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.selection import finish, live_inputs, read_back, top_k

__all__ = ["FinishedPool", "pool_loop"]


def pool_loop(
    model: StatefulLanguageModel,
    prompts: torch.Tensor,
    length: int,
    k: int,
    rules: SearchRules,
    check: bool,
) -> list[list[Hypothesis]]:
    """``k`` live hypotheses plus a pool of the ``k`` best finished ones.

    Each step: the ``2k`` best candidates by score; an ``eos`` candidate among
    the first ``k`` joins the pool; the first ``k`` others form the next beam.
    At ``length``, live hypotheses compete with the pool unfinished. Arguments
    as :func:`~reviewkit.beam.search.beam_search_batch` checked them (``rules``
    with an end token); returns up to ``k`` hypotheses per prompt, by rank.
    """
    n, pad_token = prompts.shape[0], rules.ends[0]
    with inference():
        log_probs, state = start(model, prompts, check=check)  # (N, M)
        vocab = log_probs.shape[1]
        rules.check_vocab(vocab)
        dtype = torch.promote_types(log_probs.dtype, torch.float32)
        scores = torch.zeros(n, 1, dtype=dtype)  # (N, w): live hypotheses
        # The pool, k entries per prompt: rank, score, step of the parent's
        # last token, parent's slot, the end token after it (-1: cut at T).
        pool = FinishedPool.empty(n, k, dtype)
        done = torch.zeros(n, dtype=torch.bool)  # (N,)
        any_done = False
        history = prompts if rules.no_repeat_ngram_size else None
        parents, chosen, totals = [], [], []
        width = 1
        for t in range(length):
            lp = log_probs if log_probs.dtype == dtype else log_probs.to(dtype)
            lp = rules.mask(lp, history, t, length)
            cand = (scores[..., None] + lp.view(n, width, vocab)).reshape(n, -1)
            top, flat, _ = top_k(cand, min(2 * k, width * vocab))  # (N, c)
            parent, token = flat // vocab, flat % vocab  # (N, c) each
            finite = top > -math.inf
            ends = rules.is_end(token) & finite
            goes_on = finite & ~ends  # (N, c)
            # one sync: did eos reach the first k, and do the first k all go on?
            flags = torch.stack([ends[:, :k].any(), goes_on[:, :k].all()])
            any_end, first_k_go_on = flags.tolist()
            if any_end:  # eos among the first k: to the pool
                n_new = min(k, top.shape[1])
                rank = top[:, :n_new] / rules.normaliser(t + 1)
                rank = torch.where(ends[:, :n_new], rank, -math.inf)
                end = torch.where(ends[:, :n_new], token[:, :n_new], -1)
                pool = pool.merge(rank, top[:, :n_new], t - 1, parent[:, :n_new], end)
            # the next beam: the first k candidates that go on
            if first_k_go_on:  # the common case: no eos, nothing banned
                scores, parent, token = top[:, :k], parent[:, :k], token[:, :k]
            else:
                pick = torch.argsort((~goes_on).to(torch.int8), dim=1, stable=True)
                pick = pick[:, :k]  # (N, w')
                alive = goes_on.gather(1, pick)  # (N, w')
                scores = torch.where(alive, top.gather(1, pick), -math.inf)
                parent, token = parent.gather(1, pick), token.gather(1, pick)
            parents.append(parent)
            chosen.append(token)
            totals.append(scores)
            # done: the pool holds k and nothing live can beat its worst
            full, best_live = pool.rank[:, -1] > -math.inf, scores[:, 0]  # (N,)
            if not rules.early_stopping:
                bound = rules.best_possible(best_live, t + 1, length)  # (N,)
                full = full & (bound <= pool.rank[:, -1])
            done = done | full | (best_live == -math.inf)
            all_done, any_done = torch.stack([done.all(), done.any()]).tolist()
            if t + 1 == length or all_done:
                break
            if any_done:  # a prompt that is done adds nothing more: no live ones
                scores = torch.where(done[:, None], -math.inf, scores)
            rows = (parent + torch.arange(n)[:, None] * width).reshape(-1)
            width = scores.shape[1]
            if history is not None:
                history = torch.cat([history[rows], token.reshape(-1, 1)], dim=1)
            fed = rows, token.reshape(-1)  # the first k all go on: none is dead
            if any_done or not first_k_go_on:
                fed = live_inputs(scores, *fed)
                assert fed is not None  # some prompt is not done: it has a live one
            state = model.select(state, fed[0])
            log_probs, state = advance(model, fed[1], state, check=check)
        steps = len(chosen)
        if steps == length:  # hypotheses still live at T compete unfinished
            rank = torch.where(done[:, None], -math.inf, scores)
            rank = rank / rules.normaliser(length) if rules.length_penalty else rank
            slots = torch.arange(scores.shape[1]).expand_as(scores)
            cut = torch.full_like(slots, -1)  # no end token: cut at T
            pool = pool.merge(rank, scores, steps - 1, slots, cut)
        tokens, gains = read_back(
            parents, chosen, totals, pool.step, pool.slot, pad_token
        )
        # a finished entry ends with its end token one step after its parent's last
        at = (pool.step + 1).clamp(max=tokens.shape[2] - 1)[..., None]  # (N, k, 1)
        ends = pool.end[..., None] >= 0  # (N, k, 1)
        end = pool.end[..., None]
        tokens.scatter_(2, at, torch.where(ends, end, tokens.gather(2, at)))
        # log p(eos | parent) = s(parent eos) - s(parent)
        eos_gain = (pool.score.double() - gains.sum(2))[..., None]  # (N, k, 1)
        gains.scatter_(2, at, torch.where(ends, eos_gain, gains.gather(2, at)))
        lengths = pool.step + 1 + (pool.end >= 0).long()
        return finish(tokens, pool.score, lengths, pool.rank, gains)


@dataclass(frozen=True)
class FinishedPool:
    """The ``k`` best finished hypotheses of each prompt, by rank.

    An entry names its parent (as :func:`~reviewkit.beam.selection.read_back`
    reads it) and the end token that follows it (-1 for hypotheses cut at the
    maximum length). Empty entries have rank ``-inf``.
    """

    rank: torch.Tensor  # (N, k): s / f(L); -inf for an empty entry
    score: torch.Tensor  # (N, k): total log-probability
    step: torch.Tensor  # (N, k): step of the parent's last token (-1: root)
    slot: torch.Tensor  # (N, k): the parent's slot in that step's beam
    end: torch.Tensor  # (N, k): the end token after the parent, -1 if none

    @classmethod
    def empty(cls, n: int, k: int, dtype: torch.dtype) -> FinishedPool:
        """A pool of ``k`` empty entries for each of ``n`` prompts."""
        none = torch.full((n, k), -math.inf, dtype=dtype)
        zeros = torch.zeros(n, k, dtype=torch.long)
        return cls(none, none.clone(), zeros, zeros.clone(), zeros - 1)

    def merge(
        self,
        rank: torch.Tensor,
        score: torch.Tensor,
        step: int,
        slot: torch.Tensor,
        end: torch.Tensor,
    ) -> FinishedPool:
        """Add entries ``(N, c)`` (rank -inf: none); keep the best k, older first."""
        k = self.rank.shape[1]
        both = torch.cat([self.rank, rank], dim=1)  # (N, k + c)
        keep = torch.sort(both, dim=1, descending=True, stable=True).indices[:, :k]
        parts = (
            (self.score, score),
            (self.step, torch.full_like(slot, step)),
            (self.slot, slot),
            (self.end, end),
        )
        merged = [torch.cat(p, dim=1).gather(1, keep) for p in parts]
        return FinishedPool(both.gather(1, keep), *merged)
