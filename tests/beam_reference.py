"""Independent references the beam chapter's tests compare the decoders with.

Plain Python over a model's ``next_log_probs``: no batching, no back-pointers,
nothing shared with the library's search code.
"""

import itertools

import torch
from hypothesis import strategies as st

from reviewkit.beam.tree import random_tree


def row(model, prefix):
    """The model's next-token log-probs after ``prefix``, as a list of floats."""
    return model.next_log_probs(torch.tensor([prefix], dtype=torch.long))[0].tolist()


def brute_force(model, length):
    """All sequences with scores summed in Python, best first, ties lexicographic."""
    seqs = []
    for tokens in itertools.product(range(model.vocab_size), repeat=length):
        score = 0.0
        for i, tok in enumerate(tokens):
            score = score + row(model, tokens[:i])[tok]
        seqs.append((tokens, score))
    return sorted(seqs, key=lambda s: (-s[1], s[0]))


def reference_beam(model, length, k):
    """Plain-Python beam search with the documented tie-breaking."""
    beam = [((), 0.0)]
    for _ in range(length):
        cands = []
        for rank, (prefix, score) in enumerate(beam):
            lp = row(model, prefix)
            for v in range(model.vocab_size):
                cands.append((-(score + lp[v]), rank, v, (*prefix, v)))
        cands.sort()
        beam = [(c[3], -c[0]) for c in cands[:k]]
    return beam


def depth(tree):
    """The longest sequence a random tree can score."""
    return max(len(p) for p in tree.table) + 1


trees = st.builds(
    lambda m, t, seed, levels: random_tree(m, t, seed=seed, levels=levels),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(0, 10_000),
    st.sampled_from([None, 2, 3]),
)
