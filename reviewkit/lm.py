"""Language models to decode from: a hand-made tree and a small character RNN.

* :class:`TreeLanguageModel` stores the next-token distribution of every
  prefix in a table, so a reader can check every number of a decoder's run by
  hand (:func:`worked_example` is the chapter's two-word tree;
  :func:`random_tree` makes random ones for tests).
* :class:`RNNLanguageModel` is an embedding, a GRU (or vanilla RNN) and a
  linear head. It offers both decoder interfaces of :mod:`reviewkit.decoding`:
  the stateless ``next_log_probs(prefixes)`` and the fast stateful
  ``start``/``advance``/``select``.
* :func:`generate_corpus` writes the text it learns from (a small seeded
  grammar, no downloads) and :func:`train_char_lm` trains it in seconds.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
from torch import nn

from reviewkit.checks import check_choice, check_float, check_int, check_tensor

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "GRAMMAR",
    "WORKED_EXAMPLE_TABLE",
    "CharLMConfig",
    "CharVocabulary",
    "RNNLanguageModel",
    "SearchErrors",
    "TrainedCharLM",
    "TreeLanguageModel",
    "generate_corpus",
    "random_tree",
    "search_errors",
    "train_char_lm",
    "train_language_model",
    "worked_example",
]


class TreeLanguageModel:
    """A language model given as a table: prefix -> next-token probabilities.

    Args:
        table: Maps each prefix (a tuple of token ids, ``()`` for the start)
            to the probabilities of the next token, one per vocabulary entry.
            Every prefix a decoder may query must be present.
        vocab: The words or symbols, one per token id.
        dtype: Floating type of the returned log-probabilities.
    """

    def __init__(
        self,
        table: Mapping[tuple[int, ...], Sequence[float]],
        vocab: Sequence[str],
        dtype: torch.dtype = torch.float64,
    ) -> None:
        self.vocab = tuple(vocab)
        self.vocab_size = len(self.vocab)
        if self.vocab_size < 1:
            raise ValueError("vocab must hold at least one token, got none")
        self.table: dict[tuple[int, ...], tuple[float, ...]] = {}
        for prefix, probs in table.items():
            probs = tuple(float(p) for p in probs)
            if len(probs) != self.vocab_size:
                raise ValueError(
                    f"table[{prefix}] must hold {self.vocab_size} probabilities, "
                    f"got {len(probs)}"
                )
            if min(probs) <= 0 or abs(sum(probs) - 1) > 1e-9:
                raise ValueError(
                    f"table[{prefix}] must be positive and sum to 1, got {probs}"
                )
            self.table[tuple(prefix)] = probs
        self._log = {
            k: torch.tensor([math.log(p) for p in v], dtype=dtype)
            for k, v in self.table.items()
        }

    def next_log_probs(self, prefixes: torch.Tensor) -> torch.Tensor:
        """Look up the next-token log-probabilities of each prefix.

        Args:
            prefixes: Token ids, shape ``(N, t)``.

        Returns:
            Log-probabilities, shape ``(N, M)``.
        """
        check_tensor("prefixes", prefixes, ndim=2)
        rows = []
        for row in prefixes.tolist():
            key = tuple(row)
            if key not in self._log:
                raise KeyError(f"the tree has no distribution for prefix {key}")
            rows.append(self._log[key])
        if not rows:
            return torch.zeros(0, self.vocab_size)
        return torch.stack(rows)

    __call__ = next_log_probs

    def sequence_log_prob(self, tokens: Sequence[int]) -> float:
        """Total log-probability of ``tokens``, summed along the tree."""
        return sum(
            math.log(self.table[tuple(tokens[:i])][tok]) for i, tok in enumerate(tokens)
        )

    def words(self, tokens: Sequence[int]) -> str:
        """Spell ``tokens`` with the vocabulary, separated by spaces."""
        return " ".join(self.vocab[t] for t in tokens)

    def draw(
        self,
        depth: int,
        paths: Mapping[str, Sequence[int]] | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Draw the tree to ``depth`` with probabilities on the edges.

        Each edge shows the conditional probability and its log; each leaf
        shows the sequence's total log-probability. ``paths`` maps a legend
        label to a token sequence to highlight (greedy, beam, mode, ...).

        Args:
            depth: Number of levels below the root to draw.
            paths: Label -> tokens of each path to highlight (at most 6).
            ax: Axes to draw on; a new figure if omitted.

        Returns:
            The axes.
        """
        import matplotlib.pyplot as plt

        from reviewkit.plotting import PALETTE

        depth = check_int("depth", depth, minimum=1)
        if ax is None:
            _, ax = plt.subplots(figsize=(9, 5.2))
        m = self.vocab_size
        leaves = m**depth

        def x_of(prefix: tuple[int, ...]) -> float:
            # Centre of the block of leaves below this prefix.
            first = sum(t * m ** (depth - 1 - i) for i, t in enumerate(prefix))
            width = m ** (depth - len(prefix))
            return first + (width - 1) / 2

        highlight = list((paths or {}).items())
        for t in range(depth):
            for prefix in itertools.product(range(m), repeat=t):
                for v in range(m):
                    child = (*prefix, v)
                    x0, y0, x1, y1 = x_of(prefix), -t, x_of(child), -t - 1
                    ax.plot([x0, x1], [y0, y1], color="#bbbbbb", lw=1, zorder=1)
                    for j, (_, path) in enumerate(highlight):
                        if tuple(path[: t + 1]) == child:
                            off = (j - (len(highlight) - 1) / 2) * 0.06
                            ax.plot(
                                [x0 + off, x1 + off],
                                [y0, y1],
                                color=PALETTE[j],
                                lw=3,
                                alpha=0.85,
                                zorder=2,
                            )
                    p = self.table[prefix][v]
                    ax.text(
                        (x0 + x1) / 2,
                        (y0 + y1) / 2,
                        f"{p:g}\n({math.log(p):.2f})",
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        bbox={"fc": "white", "ec": "none", "pad": 0.5},
                        zorder=3,
                    )
                    ax.text(
                        x1,
                        y1 - 0.02,
                        self.vocab[v],
                        ha="center",
                        va="top",
                        fontsize=8,
                        bbox={"fc": "white", "ec": "none", "pad": 0.3},
                        zorder=4,
                    )
        for leaf in itertools.product(range(m), repeat=depth):
            ax.text(
                x_of(leaf),
                -depth - 0.3,
                f"{self.sequence_log_prob(leaf):.3f}",
                ha="center",
                va="top",
                fontsize=8,
                fontweight="bold",
            )
        ax.plot([x_of(())], [0], "o", color="#333333")
        for j, (label, _) in enumerate(highlight):
            ax.plot([], [], color=PALETTE[j], lw=3, label=label)
        if highlight:
            ax.legend(loc="upper right", fontsize=8)
        ax.set_xlim(-0.6, leaves - 0.4)
        ax.set_ylim(-depth - 0.65, 0.25)
        ax.set_yticks([-t for t in range(depth + 1)] + [-depth - 0.38])
        ax.set_yticklabels(
            ["start"] + [f"step {t + 1}" for t in range(depth)] + ["log p(sequence)"]
        )
        ax.set_xticks([])
        ax.grid(False)
        for side in ("bottom", "left"):
            ax.spines[side].set_visible(False)
        return ax


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
    """The two-word, length-3 tree the chapter decodes with ``k = 2``.

    Returns:
        A tree over the vocabulary ``("neural", "network")`` with the
        probabilities in :data:`WORKED_EXAMPLE_TABLE`.
    """
    return TreeLanguageModel(WORKED_EXAMPLE_TABLE, ("neural", "network"))


def random_tree(
    vocab_size: int,
    depth: int,
    *,
    seed: int,
    concentration: float = 1.0,
    levels: int | None = None,
) -> TreeLanguageModel:
    """A random full tree: every prefix up to ``depth - 1`` gets a distribution.

    Args:
        vocab_size: ``M >= 1``.
        depth: Longest sequence it can score, ``T >= 1``.
        seed: Seed of the generator.
        concentration: Weights are :math:`w_i = (-\\log u_i)^{1/c}`, ``u``
            uniform, then normalised: ``c = 1`` is a uniform Dirichlet draw,
            smaller ``c`` gives more peaked distributions.
        levels: If given, probabilities are drawn from ``levels`` equally
            spaced weights before normalising, so exact ties are common.

    Returns:
        The tree, with float64 log-probabilities.
    """
    vocab_size = check_int("vocab_size", vocab_size, minimum=1)
    depth = check_int("depth", depth, minimum=1)
    concentration = check_float(
        "concentration", concentration, low=0.0, low_inclusive=False
    )
    g = torch.Generator().manual_seed(check_int("seed", seed))
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


class RNNLanguageModel(nn.Module):
    """Embedding, one recurrent layer (GRU or vanilla RNN) and a linear head.

    The hidden state starts at zero, and the first token's distribution is
    read from it, so no start token is needed:

    .. math::

        h_0 = 0, \\quad h_t = \\mathrm{cell}(E y_t, h_{t-1}), \\quad
        \\log p(y_{t+1} \\mid y_{\\le t}) = \\log\\mathrm{softmax}(W h_t + b).

    Args:
        vocab_size: ``M``.
        hidden_size: ``H`` (also the embedding size).
        cell: ``"gru"`` or ``"rnn"`` (tanh).
        seed: Seed of the initial weights (global RNG state is left untouched).
    """

    def __init__(
        self, vocab_size: int, hidden_size: int, cell: str = "gru", *, seed: int = 0
    ) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=1)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.cell = check_choice("cell", cell, ("gru", "rnn"))
        rnn_class = nn.GRU if cell == "gru" else nn.RNN
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(check_int("seed", seed))
            self.embedding = nn.Embedding(vocab_size, hidden_size)
            self.rnn = rnn_class(hidden_size, hidden_size, batch_first=True)
            self.head = nn.Linear(hidden_size, vocab_size)

    def forward(
        self, tokens: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Read ``tokens`` and return the logits after each of them.

        Args:
            tokens: Token ids, shape ``(N, L)`` with ``L >= 1``.
            hidden: State to start from, shape ``(1, N, H)``; zeros if omitted.

        Returns:
            Logits ``(N, L, M)``, where position ``i`` scores token ``i + 1``,
            and the final hidden state ``(1, N, H)``.
        """
        out, hidden = self.rnn(self.embedding(tokens), hidden)  # (N, L, H)
        return self.head(out), hidden

    def initial_state(self, n: int) -> torch.Tensor:
        """The zero state :math:`h_0` for ``n`` rows, shape ``(1, n, H)``."""
        weight = self.head.weight
        return weight.new_zeros(1, n, self.hidden_size)

    def sequence_logits(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits for every token of ``tokens`` ``(N, L)``, first one included.

        Returns:
            Logits ``(N, L, M)``: position ``i`` scores ``tokens[:, i]``.
        """
        first = self.head(self.initial_state(tokens.shape[0])[0])  # (N, M)
        if tokens.shape[1] == 1:
            return first[:, None]
        rest, _ = self(tokens[:, :-1])  # (N, L-1, M)
        return torch.cat([first[:, None], rest], dim=1)

    # -- stateful decoding interface (reviewkit.decoding.StatefulLanguageModel)

    def start(self, prompts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Read prompts ``(N, P)``, ``P >= 0``; return log-probs ``(N, M)`` and state.

        The state is the hidden state, shape ``(1, N, H)``.
        """
        if prompts.shape[1] == 0:
            hidden = self.initial_state(prompts.shape[0])
            last = hidden[0]  # (N, H)
        else:
            out, hidden = self.rnn(self.embedding(prompts))  # (N, P, H)
            last = out[:, -1]
        return torch.log_softmax(self.head(last), dim=-1), hidden

    def advance(
        self, tokens: torch.Tensor, state: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Feed one token per row ``(N,)``; return log-probs ``(N, M)`` and state."""
        out, hidden = self.rnn(self.embedding(tokens[:, None]), state)  # (N, 1, H)
        return torch.log_softmax(self.head(out[:, 0]), dim=-1), hidden

    def select(self, state: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Reorder the rows of the hidden state ``(1, N, H)`` along ``index``."""
        return state.index_select(1, index)

    # -- stateless decoding interface ------------------------------------------

    def next_log_probs(self, prefixes: torch.Tensor) -> torch.Tensor:
        """Re-read each prefix ``(N, t)`` from scratch; log-probs ``(N, M)``."""
        return self.start(prefixes)[0]


class CharVocabulary:
    """Characters <-> token ids.

    Args:
        chars: The alphabet, one character per token id, in id order.
    """

    def __init__(self, chars: str) -> None:
        if len(set(chars)) != len(chars) or not chars:
            raise ValueError(f"chars must be distinct and non-empty, got {chars!r}")
        self.chars = chars
        self.index = {c: i for i, c in enumerate(chars)}

    def __len__(self) -> int:
        """Number of characters ``M``."""
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``."""
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"text holds characters outside the vocabulary: {missing}")
        return [self.index[c] for c in text]

    def decode(self, tokens: Sequence[int]) -> str:
        """The text of ``tokens``."""
        return "".join(self.chars[t] for t in tokens)


#: Word lists and sampling weights of the grammar behind the generated corpus.
GRAMMAR: dict[str, tuple[tuple[str, float], ...]] = {
    "det": (("the", 0.7), ("a", 0.3)),
    "noun": (
        ("net", 0.24),
        ("node", 0.14),
        ("norm", 0.12),
        ("neuron", 0.1),
        ("model", 0.22),
        ("layer", 0.18),
    ),
    "verb": (
        ("learns", 0.3),
        ("sees", 0.25),
        ("needs", 0.2),
        ("fits", 0.15),
        ("feeds", 0.1),
    ),
    "object": (
        ("data", 0.35),
        ("noise", 0.25),
        ("weights", 0.2),
        ("signal", 0.2),
    ),
}


def generate_corpus(n_sentences: int, *, seed: int) -> list[str]:
    """Sentences from :data:`GRAMMAR`: ``det noun verb det object.``

    Args:
        n_sentences: How many sentences.
        seed: Seed of the generator.

    Returns:
        The sentences, each ending with ``"."``.
    """
    n_sentences = check_int("n_sentences", n_sentences, minimum=1)
    g = torch.Generator().manual_seed(check_int("seed", seed))

    def pick(part: str, n: int) -> list[str]:
        words, weights = zip(*GRAMMAR[part], strict=True)
        idx = torch.multinomial(torch.tensor(weights), n, replacement=True, generator=g)
        return [words[i] for i in idx.tolist()]

    cols = [pick(p, n_sentences) for p in ("det", "noun", "verb", "det", "object")]
    return [" ".join(words) + "." for words in zip(*cols, strict=True)]


def train_language_model(
    model: RNNLanguageModel,
    sequences: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> list[float]:
    """Fit ``model`` to ``sequences`` by maximum likelihood with Adam.

    .. math::

        \\mathcal{L} = -\\frac{1}{NL} \\sum_{n, i} \\log p(y^{(n)}_i \\mid
        y^{(n)}_{<i})

    Args:
        model: The model to train (in place).
        sequences: Token ids, shape ``(S, L)``; each row starts at a sentence
            start, where the model's state is zero.
        steps: Number of minibatch steps.
        batch_size: Rows per step.
        lr: Adam learning rate.
        seed: Seed of the minibatch sampling.

    Returns:
        The loss (mean negative log-likelihood per token, nats) of every step.
    """
    check_tensor("sequences", sequences, ndim=2)
    steps = check_int("steps", steps, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_float("lr", lr, low=0.0, low_inclusive=False)
    g = torch.Generator().manual_seed(check_int("seed", seed))
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        rows = torch.randint(0, sequences.shape[0], (batch_size,), generator=g)
        batch = sequences[rows]  # (B, L)
        logits = model.sequence_logits(batch)  # (B, L, M)
        loss = nn.functional.cross_entropy(logits.flatten(0, 1), batch.flatten())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    model.eval()
    return losses


@dataclass(frozen=True)
class CharLMConfig:
    """Settings of the character model trained at build time."""

    n_sentences: int = 3000  #: enough text that every word combination recurs
    chunk_length: int = 40  #: about two sentences per training row
    hidden_size: int = 64  #: small enough to train in a few seconds on 2 cores
    cell: str = "gru"  #: a GRU learns the word list faster than a tanh RNN
    steps: int = 300  #: the loss has flattened by then (see the page's curve)
    batch_size: int = 32  #: rows per Adam step
    lr: float = 0.01  #: Adam step size; stable for this model size
    seed: int = 0  #: seeds the corpus, the weights and the minibatches


@dataclass(frozen=True)
class TrainedCharLM:
    """A trained character model with what it was trained on."""

    model: RNNLanguageModel  #: the trained network (eval mode)
    vocab: CharVocabulary  #: its alphabet
    corpus: list[str] = field(repr=False)  #: the training sentences
    losses: list[float] = field(repr=False)  #: training loss per step (nats)


def train_char_lm(config: CharLMConfig | None = None) -> TrainedCharLM:
    """Generate the corpus, build the vocabulary and train a character RNN.

    Training rows are ``chunk_length`` characters of the sentences joined by
    spaces, each starting at the start of a sentence.

    Args:
        config: Settings; the defaults of :class:`CharLMConfig` if omitted.

    Returns:
        The trained model, its vocabulary, the corpus and the loss curve.
    """
    config = config or CharLMConfig()
    corpus = generate_corpus(config.n_sentences, seed=config.seed)
    vocab = CharVocabulary("".join(sorted(set(" ".join(corpus)))))
    text = " ".join(corpus)
    starts, pos = [], 0
    for sentence in corpus:
        if pos + config.chunk_length <= len(text):
            starts.append(pos)
        pos += len(sentence) + 1
    ids = torch.tensor(vocab.encode(text))
    sequences = torch.stack([ids[s : s + config.chunk_length] for s in starts])
    model = RNNLanguageModel(
        len(vocab), config.hidden_size, config.cell, seed=config.seed
    )
    losses = train_language_model(
        model,
        sequences,
        steps=config.steps,
        batch_size=config.batch_size,
        lr=config.lr,
        seed=config.seed,
    )
    return TrainedCharLM(model, vocab, corpus, losses)


@dataclass(frozen=True)
class SearchErrors:
    """Beam search against exact search on many prompts.

    Attributes:
        beam_sizes: The beam widths tried, ``(K,)``.
        exact: The mode's log-probability for each prompt, ``(P,)``.
        beam: Beam search's best log-probability, shape ``(P, K)``.
        expanded: Nodes exact search expanded for each prompt, ``(P,)``.
    """

    beam_sizes: tuple[int, ...]
    exact: torch.Tensor
    beam: torch.Tensor
    expanded: torch.Tensor

    def miss_rate(self, tol: float = 1e-4) -> torch.Tensor:
        """Fraction of prompts where beam's best scores below the mode, ``(K,)``."""
        return (self.beam < self.exact[:, None] - tol).double().mean(0)

    def larger_beam_worse(self, tol: float = 1e-4) -> list[tuple[int, int, int]]:
        """Cases ``(prompt, k_small, k_large)`` where the larger beam did worse."""
        out = []
        for i, j in itertools.combinations(range(len(self.beam_sizes)), 2):
            worse = self.beam[:, j] < self.beam[:, i] - tol
            for p in worse.nonzero().flatten().tolist():
                out.append((p, self.beam_sizes[i], self.beam_sizes[j]))
        return out


def search_errors(
    model: RNNLanguageModel,
    prompts: Sequence[Sequence[int]],
    length: int,
    beam_sizes: Sequence[int],
) -> SearchErrors:
    """Run exact search and beam search (each ``k``) from every prompt.

    Beam search runs batched over prompts of equal length.

    Args:
        model: The language model.
        prompts: Token-id prompts (lengths may differ).
        length: Tokens to generate after each prompt.
        beam_sizes: Beam widths to try.

    Returns:
        Scores of the mode and of beam search's best, per prompt and ``k``.
    """
    from reviewkit.decoding import beam_search_batch, exact_search

    beam_sizes = tuple(check_int("beam_sizes[i]", k, minimum=1) for k in beam_sizes)
    exact, expanded = [], []
    for p in prompts:
        result = exact_search(model, length, prompt=list(p), check=False)
        exact.append(result.best.score)
        expanded.append(result.expanded)
    beam = torch.empty(len(prompts), len(beam_sizes), dtype=torch.float64)
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        groups.setdefault(len(p), []).append(i)
    for rows in groups.values():
        batch = torch.tensor([list(prompts[i]) for i in rows], dtype=torch.long)
        batch = batch.reshape(len(rows), -1)
        for j, k in enumerate(beam_sizes):
            out = beam_search_batch(model, batch, length, k, check=False)
            beam[rows, j] = out.scores[:, 0].double()
    return SearchErrors(
        beam_sizes,
        torch.tensor(exact, dtype=torch.float64),
        beam,
        torch.tensor(expanded),
    )
