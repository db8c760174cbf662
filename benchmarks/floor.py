"""The floor: the work a beam step cannot avoid, and nothing else.

:func:`floor_search` runs the model on the live rows, a log-softmax, one
top-k over the k*M candidate scores and the gather of the state, for T steps.
The benchmark times reviewkit's and transformers' beam search against it.
"""

from __future__ import annotations

import torch

from benchmarks.grid import BOS
from reviewkit.beam.charlm import RNNLanguageModel

__all__ = ["floor_search"]


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
