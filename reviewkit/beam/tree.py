"""A language model given as a table, so every number of a search can be checked.

:class:`TreeLanguageModel` stores the next-token distribution of every prefix.
:func:`worked_example` is the chapter's two-word tree;
:func:`ending_example` is a small tree with an end token on which the two ways
of keeping finished sequences (a pool, or the beam) return different
sequences with ``k = 2`` and ``T = 4``; :func:`random_tree` makes random ones
for tests. Drawing a tree is :func:`reviewkit.beam.figures.draw_tree`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import torch

from reviewkit.beam.validation import check_id_list, check_id_tensor
from reviewkit.checks import check_float, check_instance, check_int, seeded_generator

__all__ = [
    "ENDING_EXAMPLE_TABLE",
    "ENDING_EXAMPLE_VOCAB",
    "MAX_TREE_PREFIXES",
    "WORKED_EXAMPLE_TABLE",
    "TreeLanguageModel",
    "ending_example",
    "random_tree",
    "worked_example",
]

#: Largest number of prefixes :func:`random_tree` agrees to fill,
#: :math:`\sum_{t<T} M^t` (each holds ``M`` probabilities).
MAX_TREE_PREFIXES = 200_000


class TreeLanguageModel:
    """A language model given as a table: prefix -> next-token probabilities.

    ``table`` maps each prefix (a tuple of token ids, ``()`` for the start)
    to the next token's probabilities, one per word of ``vocab``; every prefix
    a decoder may query must be present. Log-probabilities come in ``dtype``.
    """

    def __init__(
        self,
        table: Mapping[tuple[int, ...], Sequence[float]],
        vocab: Sequence[str],
        dtype: torch.dtype = torch.float64,
    ) -> None:
        if not check_instance("dtype", dtype, torch.dtype).is_floating_point:
            raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")
        if isinstance(vocab, str) or not all(isinstance(w, str) for w in vocab):
            raise TypeError(f"vocab must be a sequence of str, got {vocab!r}")
        self.vocab = tuple(vocab)
        self.vocab_size = len(self.vocab)
        if self.vocab_size < 1:
            raise ValueError("vocab must hold at least one token, got none")
        if not isinstance(table, Mapping) or () not in table:
            raise ValueError(
                "table must map prefixes to probabilities, the empty prefix () included"
            )
        self.table: dict[tuple[int, ...], tuple[float, ...]] = {}
        for prefix, probs in table.items():
            prefix = tuple(check_id_list("table keys", prefix, self.vocab_size))
            probs = tuple(float(p) for p in probs)
            if not all(math.isfinite(p) for p in probs):
                raise ValueError(f"table[{prefix}] must be finite, got {probs}")
            if len(probs) != self.vocab_size:
                raise ValueError(
                    f"table[{prefix}] must hold {self.vocab_size} probabilities, "
                    f"got {len(probs)}"
                )
            if min(probs) <= 0 or abs(sum(probs) - 1) > 1e-9:
                raise ValueError(
                    f"table[{prefix}] must be positive and sum to 1, got {probs}"
                )
            self.table[prefix] = probs
        self._log = {
            k: torch.tensor([math.log(p) for p in v], dtype=dtype)
            for k, v in self.table.items()
        }

    def next_log_probs(self, prefixes: torch.Tensor) -> torch.Tensor:
        """The next-token log-probabilities ``(N, M)`` of prefixes ``(N, t)``."""
        check_id_tensor("prefixes", prefixes, ndim=2)
        rows = []
        for row in prefixes.tolist():
            key = tuple(row)
            if key not in self._log:
                raise ValueError(
                    f"prefixes must be prefixes the tree has a distribution "
                    f"for (up to length {self.depth - 1}), got {key}"
                )
            rows.append(self._log[key])
        if not rows:
            return torch.zeros(0, self.vocab_size)
        return torch.stack(rows)

    __call__ = next_log_probs

    @property
    def depth(self) -> int:
        """The length of the longest sequence the tree scores (longest prefix + 1)."""
        return max(len(prefix) for prefix in self.table) + 1

    def sequence_log_prob(self, tokens: Sequence[int]) -> float:
        """Total log-probability of ``tokens``, summed along the tree."""
        ids = check_id_list("tokens", tokens, self.vocab_size)
        if len(ids) > self.depth:
            raise ValueError(
                f"tokens must be at most {self.depth} long (the tree's depth), "
                f"got {len(ids)}"
            )
        return sum(
            math.log(self.table[tuple(ids[:i])][tok]) for i, tok in enumerate(ids)
        )

    def words(self, tokens: Sequence[int]) -> str:
        """Spell ``tokens`` with the vocabulary, separated by spaces."""
        return " ".join(
            self.vocab[t] for t in check_id_list("tokens", tokens, self.vocab_size)
        )


#: Next-token probabilities of the chapter's worked example, one row per prefix
#: (token 0 = "neural", 1 = "network"). Greedy follows "neural" twice; beam
#: search with k = 2 drops ("neural", "network") at step 2, the prefix of the
#: most likely sequence.
WORKED_EXAMPLE_TABLE: dict[tuple[int, ...], tuple[float, float]] = {
    (): (0.6, 0.4),
    (0,): (0.55, 0.45),
    (1,): (0.9, 0.1),
    (0, 0): (0.6, 0.4),
    (0, 1): (0.9, 0.1),
    (1, 0): (0.6, 0.4),
    (1, 1): (0.8, 0.2),
}


def worked_example() -> TreeLanguageModel:
    """The chapter's two-word, length-3 tree, :data:`WORKED_EXAMPLE_TABLE`."""
    return TreeLanguageModel(WORKED_EXAMPLE_TABLE, ("neural", "network"))


#: The words of :func:`ending_example`; token 2 is the end-of-sequence token.
ENDING_EXAMPLE_VOCAB: tuple[str, str, str] = ("neural", "network", "<end>")

#: Next-token probabilities of the prefixes that decide the example, one row
#: per prefix (neural, network, <end>). "network" is unlikely first but then
#: almost surely ends; "neural neural" goes on strongly for one step and then
#: spreads out. Every other prefix up to length 3 is uniform.
ENDING_EXAMPLE_TABLE: dict[tuple[int, ...], tuple[float, float, float]] = {
    (): (0.75, 0.2, 0.05),
    (0,): (0.9, 0.06, 0.04),
    (1,): (0.05, 0.05, 0.9),
    (0, 0): (0.5, 0.4, 0.1),
    (0, 0, 0): (0.4, 0.35, 0.25),
    (0, 0, 1): (0.45, 0.35, 0.2),
}


def ending_example() -> TreeLanguageModel:
    """The endings page's tree: :data:`ENDING_EXAMPLE_TABLE`, uniform elsewhere.

    Decoded with ``eos=2``, ``k = 2`` and ``T = 4``, the pool convention
    returns *network <end>*, the most likely sequence, while the in-beam
    convention drops it at step 3 for two live prefixes that both fall below
    it at step 4.
    """
    uniform = (1 / 3, 1 / 3, 1 / 3)
    table = {
        prefix: ENDING_EXAMPLE_TABLE.get(prefix, uniform)
        for t in range(4)
        for prefix in itertools.product(range(3), repeat=t)
    }
    return TreeLanguageModel(table, ENDING_EXAMPLE_VOCAB)


def random_tree(
    vocab_size: int,
    depth: int,
    *,
    seed: int,
    concentration: float = 1.0,
    levels: int | None = None,
) -> TreeLanguageModel:
    """A random full tree over ``M`` tokens whose longest sequence has ``T`` tokens.

    Every prefix shorter than ``depth`` gets a distribution, from weights
    :math:`w_i = (-\\log u_i)^{1/c}`, ``u`` uniform, then normalised (``c =
    concentration``: 1 is a uniform Dirichlet draw, smaller is more peaked),
    or with ``levels``, from that many equally spaced weights, so that exact
    ties are common.
    """
    vocab_size = check_int("vocab_size", vocab_size, minimum=1)
    depth = check_int("depth", depth, minimum=1)
    concentration = check_float(
        "concentration", concentration, low=0.0, low_inclusive=False
    )
    if levels is not None:
        levels = check_int("levels", levels, minimum=1)
    m = vocab_size  # sum of M**t for t < T (past 64 levels, M >= 2 is over anyway)
    size = depth if m == 1 else (m ** min(depth, 64) - 1) // (m - 1)
    if size > MAX_TREE_PREFIXES:
        raise ValueError(
            f"random_tree would fill {size} prefixes (vocab_size={m}, depth={depth}) "
            f"or more; the limit is MAX_TREE_PREFIXES={MAX_TREE_PREFIXES}"
        )
    g = seeded_generator(seed)
    prefixes = [
        prefix
        for t in range(depth)
        for prefix in itertools.product(range(vocab_size), repeat=t)
    ]
    shape = (len(prefixes), vocab_size)
    if levels is None:
        u = torch.rand(shape, generator=g, dtype=torch.float64)
        w = (-torch.log(u)) ** (1.0 / concentration)
    else:
        w = torch.randint(1, levels + 1, shape, generator=g).double()
    w = w.clamp_min(1e-6)
    table = dict(zip(prefixes, (w / w.sum(1, keepdim=True)).tolist(), strict=True))
    return TreeLanguageModel(table, [str(i) for i in range(vocab_size)])
