"""The floor: the work a beam step cannot avoid, and nothing else.

:func:`floor_search` runs the model on the live rows, a log-softmax, one
top-k over the k*M candidate scores and the gather of the state, for T steps.
The benchmark times reviewkit's and transformers' beam search against it.
"""

from __future__ import annotations

import torch

from benchmarks.grid import BOS
from reviewkit.beam.charlm import RNNLanguageModel

__all__ = ["floor_search", "floor_search_batch"]


def floor_search(lm: RNNLanguageModel, beam_size: int, length: int) -> torch.Tensor:
    """The unavoidable work of beam search, and nothing else.

    Per step: the module on the live rows, a log-softmax, one top-k over all
    k*M candidate scores and the gather of the state. No hypotheses, no back
    pointers, no checks.

    Returns:
        The final beam's total log-probabilities, best first, shape (k,).
    """
    emb, rnn, head = lm.embedding, lm.rnn, lm.head
    tokens = torch.full((1,), BOS, dtype=torch.long)  # (n,)
    scores = torch.zeros(1)  # (n,)
    state = None
    for t in range(length):
        out, state = rnn(emb(tokens)[:, None], state)  # (n, 1, H)
        log_probs = torch.log_softmax(head(out[:, 0]), dim=-1)  # (n, M)
        flat = (scores[:, None] + log_probs).view(-1)  # (n*M,)
        scores, index = flat.topk(min(beam_size, flat.numel()))  # (k,)
        if t + 1 == length:
            break
        tokens = index % log_probs.shape[1]  # (k,)
        state = state[:, index // log_probs.shape[1]]  # (layers, k, H)
    return scores


def floor_search_batch(
    lm: RNNLanguageModel, prompts: list[list[int]], beam_size: int, length: int
) -> torch.Tensor:
    """The floor for a batch of prompts of unequal lengths ``N``.

    The prompts of each length are read together (as reviewkit and the
    transformers wrapper read them), then every step is the module on all
    live rows, a log-softmax, one top-k per prompt over its ``w*M``
    candidates and the gather of the state.

    Returns:
        Each prompt's final beam's total log-probabilities, shape (N, k).
    """
    n = len(prompts)
    by_length: dict[int, list[int]] = {}
    for row, prompt in enumerate(prompts):
        by_length.setdefault(len(prompt), []).append(row)
    state = lm.head.weight.new_empty(1, n, lm.hidden_size)  # (layers, N, H)
    last = lm.head.weight.new_empty(n, lm.hidden_size)  # (N, H)
    for rows in by_length.values():
        out, hidden = lm.rnn(lm.embedding(torch.tensor([prompts[r] for r in rows])))
        state[:, rows], last[rows] = hidden, out[:, -1]
    log_probs = torch.log_softmax(lm.head(last), dim=-1)  # (N w, M)
    vocab = log_probs.shape[1]
    scores = torch.zeros(n, 1)  # (N, w)
    offsets = torch.arange(n)[:, None]  # (N, 1)
    for t in range(length):
        width = scores.shape[1]
        flat = (scores[..., None] + log_probs.view(n, width, vocab)).view(n, -1)
        scores, index = flat.topk(min(beam_size, flat.shape[1]), dim=1)  # (N, k)
        if t + 1 == length:
            break
        rows = (index // vocab + offsets * width).view(-1)  # (N k,)
        state = state.index_select(1, rows)
        out, state = lm.rnn(lm.embedding((index % vocab).view(-1, 1)), state)
        log_probs = torch.log_softmax(lm.head(out[:, 0]), dim=-1)
    return scores
