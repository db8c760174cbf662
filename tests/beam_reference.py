"""Independent references the beam chapter's tests compare the decoders with.

Plain Python over a model's ``next_log_probs``: no batching, no back-pointers,
nothing shared with the library's search code.
"""

import itertools
import math

import torch
from hypothesis import strategies as st

from reviewkit.beam.tree import random_tree


def row(model, prefix):
    """The model's next-token log-probs after ``prefix``, as a list of floats."""
    return model.next_log_probs(torch.tensor([prefix], dtype=torch.long))[0].tolist()


def brute_force(model, length):
    """All sequences with scores summed in Python, best first, ties lexicographic."""
    rows = {}  # one model call per prefix
    seqs = []
    for tokens in itertools.product(range(model.vocab_size), repeat=length):
        score = 0.0
        for i, tok in enumerate(tokens):
            if tokens[:i] not in rows:
                rows[tokens[:i]] = row(model, tokens[:i])
            score = score + rows[tokens[:i]][tok]
        seqs.append((tokens, score))
    return sorted(seqs, key=lambda s: (-s[1], s[0]))


def reference_beam(model, length, k):
    """Plain-Python beam search with the documented tie-breaking (all tokens kept)."""
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


class Holey:
    """A tree language model with some tokens banned (log-probability -inf).

    Which (prefix, token) pairs are banned is fixed by ``seed``; the rest of
    each row is renormalised. Token ``keep`` is never banned, so every row
    has a finite entry.
    """

    def __init__(self, tree, seed, keep=0, rate=0.4):
        self.tree, self.seed, self.keep, self.rate = tree, seed, keep, rate
        self.vocab_size = tree.vocab_size

    def banned(self, prefix, token):
        """Whether ``token`` is banned after ``prefix`` (a pseudo-random rule)."""
        if token == self.keep:
            return False
        h = hash((self.seed, tuple(prefix), token)) % 1000
        return h < 1000 * self.rate

    def __call__(self, prefixes):
        """Log-probs ``(N, M)`` with the banned tokens at -inf, renormalised."""
        rows = self.tree.next_log_probs(prefixes)
        out = rows.clone()
        for n, prefix in enumerate(prefixes.tolist()):
            for v in range(self.vocab_size):
                if self.banned(prefix, v):
                    out[n, v] = -math.inf
        return out - torch.logsumexp(out, dim=1, keepdim=True)

    next_log_probs = __call__


class Strict(Holey):
    """:class:`Holey`, but a prefix of probability zero gets a row of NaN.

    A prefix is dead when one of its tokens, before the first end token in
    ``ends``, is banned after the tokens before it (what follows an end token
    is a finished hypothesis' padding). Every dead prefix the model is asked
    about is recorded in ``dead``: a search must never ask.
    """

    def __init__(self, tree, seed, ends=()):
        super().__init__(tree, seed)
        self.ends, self.dead = set(ends), []

    def is_dead(self, prefix):
        """Whether ``prefix`` has probability zero (up to its first end token)."""
        for i, token in enumerate(prefix):
            if token in self.ends:
                return False
            if self.banned(prefix[:i], token):
                return True
        return False

    def __call__(self, prefixes):
        """:class:`Holey`'s rows, NaN for dead prefixes (each one recorded)."""
        out = super().__call__(prefixes)
        for n, prefix in enumerate(prefixes.tolist()):
            if self.is_dead(prefix):
                self.dead.append(tuple(prefix))
                out[n] = math.nan
        return out

    next_log_probs = __call__


def sequences(model, length, eos=None, min_length=0, ngram=0, prompt=(), per_node=None):
    """Every sequence of positive probability under the rules, with its score.

    A sequence ends at ``eos`` (an id or a tuple of them) or after ``length``
    tokens; ``eos`` is banned before ``min_length`` tokens; with ``ngram`` no
    n-gram repeats (prompt included); with ``per_node``, a prefix other than
    the empty one goes on only with its ``per_node`` best allowed tokens
    (ties: the lower id).
    Scores are summed in Python, token by token.
    """
    ends = set() if eos is None else {eos} if isinstance(eos, int) else set(eos)
    out = []
    stack = [((), 0.0, ())]
    while stack:
        tokens, score, gains = stack.pop()
        if len(tokens) == length or (tokens and tokens[-1] in ends):
            out.append((tokens, score, gains))
            continue
        lp = row(model, (*prompt, *tokens))
        allowed = [
            v
            for v in range(model.vocab_size)
            if lp[v] > -math.inf
            and not (v in ends and len(tokens) < min_length)
            and not (ngram and repeats((*prompt, *tokens, v), ngram))
        ]
        if per_node is not None and tokens:
            allowed = sorted(allowed, key=lambda v: (-lp[v], v))[:per_node]
        for v in allowed:
            stack.append(((*tokens, v), score + lp[v], (*gains, lp[v])))
    return out


def banned(rules, history, step, length, vocab):
    """The token ids ``rules`` ban after ``history`` at ``step``, in plain Python."""
    out = set()
    if step < rules.min_length:
        out |= set(rules.ends)
    n = rules.no_repeat_ngram_size
    if n:  # v is banned if (last n - 1 tokens, v) is an n-gram seen before
        grams = {tuple(history[i : i + n]) for i in range(len(history) - n + 1)}
        tail = tuple(history[len(history) - n + 1 :]) if n > 1 else ()
        out |= {v for v in range(vocab) if (*tail, v) in grams}
    if rules.force_eos and step == length - 1:
        out |= set(range(vocab)) - set(rules.ends)
    return out


def repeats(tokens, n):
    """Whether some n-gram occurs twice in ``tokens``."""
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(grams) != len(set(grams))


def normalised(score, n_tokens, alpha, norm):
    """``s / L**alpha`` or ``s / ((5 + L) / 6)**alpha``."""
    if alpha == 0:
        return score
    if norm == "gnmt":
        return score / ((5 + n_tokens) / 6) ** alpha
    return score / n_tokens**alpha


def diverse_beam(model, length, k, groups, diversity):
    """Diverse beam search (Vijayakumar et al., 2016) with the Hamming penalty.

    ``groups`` beams of ``k / groups``, no end token; at each step group g
    ranks a child by its score minus ``diversity`` times how often groups
    before it took the same token at this step (ties: parent rank, token
    id). Returns every group's final beam, ``(tokens, score)``, best first.
    """
    size = k // groups
    beams = [[((), 0.0)] for _ in range(groups)]
    for _ in range(length):
        taken = {}  # token -> how many hypotheses earlier groups took it with
        for g in range(groups):
            cands = []
            for rank, (prefix, score) in enumerate(beams[g]):
                lp = row(model, prefix)
                for v in range(model.vocab_size):
                    if lp[v] > -math.inf:
                        ranked = score + lp[v] - diversity * taken.get(v, 0)
                        cands.append((-ranked, rank, v, (*prefix, v), score + lp[v]))
            cands.sort()
            beams[g] = [(c[3], c[4]) for c in cands[:size]]
            for c in cands[:size]:
                taken[c[2]] = taken.get(c[2], 0) + 1
    every = [h for beam in beams for h in beam]
    return sorted(every, key=lambda h: -h[1])
