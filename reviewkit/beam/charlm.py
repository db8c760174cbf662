"""A small character-level RNN language model, its corpus and its training.

:class:`RNNLanguageModel` is an embedding, a GRU (or vanilla RNN) and a linear
head. It offers both decoder interfaces of :mod:`reviewkit.beam.interface`:
the stateless ``next_log_probs(prefixes)`` and the fast stateful
``start``/``advance``/``select``. :func:`generate_corpus` writes the text it
learns from (a small seeded grammar, no downloads) and :func:`train_char_lm`
trains it in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from reviewkit.beam.validation import check_id_list, check_id_tensor, check_token_ids
from reviewkit.checks import (
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_seed,
    check_tensor,
    seeded_generator,
)

__all__ = [
    "GRAMMAR",
    "CharLMConfig",
    "CharVocabulary",
    "RNNLanguageModel",
    "TrainedCharLM",
    "generate_corpus",
    "train_char_lm",
    "train_language_model",
]


class RNNLanguageModel(nn.Module):
    """Embedding, one recurrent layer (GRU or vanilla RNN) and a linear head.

    The hidden state starts at zero, and the first token's distribution is
    read from it, so no start token is needed:

    .. math::

        h_0 = 0, \\quad h_t = \\mathrm{cell}(E y_t, h_{t-1}), \\quad
        \\log p(y_{t+1} \\mid y_{\\le t}) = \\log\\mathrm{softmax}(W h_t + b).

    ``vocab_size`` is ``M``, ``hidden_size`` is ``H`` (also the embedding
    size), ``cell`` is ``"gru"`` or ``"rnn"`` (tanh). The initial weights are
    drawn from a generator seeded by ``seed`` (never the global one, so models
    built in threads get the weights of models built one by one).
    """

    def __init__(
        self, vocab_size: int, hidden_size: int, cell: str = "gru", *, seed: int = 0
    ) -> None:
        super().__init__()
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=1)
        self.hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        self.cell = check_choice("cell", cell, ("gru", "rnn"))
        rnn_class = nn.GRU if cell == "gru" else nn.RNN
        g = seeded_generator(seed)
        # built without drawing weights, then drawn from g in PyTorch's own
        # order and distributions (the weights torch.manual_seed(seed) gave)
        # (on the meta device nothing is drawn; to_empty allocates real memory)
        meta = {"device": "meta"}
        self.embedding = nn.Embedding(vocab_size, hidden_size, **meta)
        self.rnn = rnn_class(hidden_size, hidden_size, batch_first=True, **meta)
        self.head = nn.Linear(hidden_size, vocab_size, **meta)
        self.to_empty(device="cpu")
        with torch.no_grad():
            nn.init.normal_(self.embedding.weight, generator=g)
            bound = 1 / math.sqrt(hidden_size)
            for weight in self.rnn.parameters():
                nn.init.uniform_(weight, -bound, bound, generator=g)
            nn.init.kaiming_uniform_(self.head.weight, a=math.sqrt(5), generator=g)
            nn.init.uniform_(self.head.bias, -bound, bound, generator=g)

    def forward(
        self, tokens: torch.Tensor, hidden: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Read tokens ``(N, L)``, ``L >= 1``, from ``hidden`` ``(1, N, H)`` (or zeros).

        Returns the logits ``(N, L, M)`` (position ``i`` scores token ``i + 1``)
        and the final hidden state ``(1, N, H)``.
        """
        self._check_shape("tokens", tokens, ndim=2, empty=False)
        out, hidden = self.rnn(self._embed("tokens", tokens), hidden)  # (N, L, H)
        return self.head(out), hidden

    def check_tokens(self, name: str, tokens: Any, *, empty: bool = False) -> None:
        """Raise unless ``tokens`` is ``(N, L)`` of ids in ``[0, M)``, ``L >= 1``.

        ``empty`` accepts ``L = 0`` (an empty prompt); ``name`` is the
        argument's name, for the message.
        """
        self._check_shape(name, tokens, ndim=2, empty=empty)
        check_token_ids(name, tokens, self.vocab_size)

    def _check_shape(self, name: str, tokens: Any, ndim: int, empty: bool) -> None:
        """Raise unless ``tokens`` is an integer tensor of ``ndim`` dimensions."""
        check_id_tensor(name, tokens, ndim)
        if not empty and tokens.shape[-1] == 0:
            raise ValueError(f"{name} must hold at least one token per row, got L = 0")

    def _embed(self, name: str, tokens: torch.Tensor) -> torch.Tensor:
        """``embedding(tokens)``, its ``IndexError`` replaced by one naming ``name``.

        (Checking the ids first would cost a pass over them at every step.)
        """
        try:
            return self._modules["embedding"](tokens)  # type: ignore[misc]
        except IndexError:
            check_token_ids(name, tokens, self.vocab_size)  # raises, by name
            raise

    def initial_state(self, n: int) -> torch.Tensor:
        """The zero state :math:`h_0` for ``n`` rows, shape ``(1, n, H)``."""
        return self.head.weight.new_zeros(1, n, self.hidden_size)

    def sequence_logits(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits for every token of ``tokens`` ``(N, L)``, first one included.

        Returns:
            Logits ``(N, L, M)``: position ``i`` scores ``tokens[:, i]``.
        """
        self.check_tokens("tokens", tokens)
        first = self.head(self.initial_state(tokens.shape[0])[0])  # (N, M)
        if tokens.shape[1] == 1:
            return first[:, None]
        rest, _ = self(tokens[:, :-1])  # (N, L-1, M)
        return torch.cat([first[:, None], rest], dim=1)

    # -- stateful decoding interface (reviewkit.beam.interface)

    def start(
        self, prompts: torch.Tensor, *, name: str = "prompts"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Read prompts ``(N, P)``, ``P >= 0``; return log-probs ``(N, M)`` and state.

        The state is the hidden state, shape ``(1, N, H)``.
        """
        self.check_tokens(name, prompts, empty=True)
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
        # one cheap test per decoding step; the detailed checks only if it fails
        ok = isinstance(tokens, torch.Tensor) and tokens.dtype == torch.long
        ok = ok and tokens.ndim == 1 and isinstance(state, torch.Tensor)
        if not (ok and state.shape == (1, tokens.shape[0], self.hidden_size)):
            self._check_shape("tokens", tokens, ndim=1, empty=True)
            want = (1, tokens.shape[0], self.hidden_size)
            if check_tensor("state", state, ndim=3).shape != want:
                raise ValueError(
                    f"state must have shape {want} (one hidden state per token), "
                    f"got {tuple(state.shape)}"
                )
        # the submodules from their dict: nn.Module's attribute lookup costs
        # about 2 us a name, and a step needs three
        modules = self._modules
        emb = self._embed("tokens", tokens[:, None])  # (N, 1, H)
        out, hidden = modules["rnn"](emb, state)  # type: ignore[misc]  # (N, 1, H)
        logits = modules["head"](out[:, 0])  # type: ignore[misc]
        return torch.log_softmax(logits, dim=-1), hidden

    def select(self, state: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Reorder the rows of the hidden state ``(1, N, H)`` along ``index``."""
        return state.index_select(1, index)

    def concat(self, states: Sequence[torch.Tensor]) -> torch.Tensor:
        """The rows of hidden states ``(1, N_i, H)`` one after the other."""
        return torch.cat(list(states), dim=1)

    # -- stateless decoding interface ------------------------------------------

    def next_log_probs(self, prefixes: torch.Tensor) -> torch.Tensor:
        """Re-read each prefix ``(N, t)`` from scratch; log-probs ``(N, M)``."""
        return self.start(prefixes, name="prefixes")[0]


class CharVocabulary:
    """Characters <-> token ids: ``chars`` is the alphabet, in id order."""

    def __init__(self, chars: str) -> None:
        if not isinstance(chars, str):
            raise TypeError(f"chars must be a str, got {type(chars).__name__}")
        if len(set(chars)) != len(chars) or not chars:
            raise ValueError(f"chars must be distinct and non-empty, got {chars!r}")
        self.chars = chars
        self.index = {c: i for i, c in enumerate(chars)}

    def __len__(self) -> int:
        """Number of characters ``M``."""
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"text holds characters outside the vocabulary: {missing}")
        return [self.index[c] for c in text]

    def decode(self, tokens: Sequence[int]) -> str:
        """The text of ``tokens`` (ids in ``[0, M)``)."""
        return "".join(
            self.chars[t] for t in check_id_list("tokens", tokens, len(self))
        )


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
    """Seeded sentences from :data:`GRAMMAR`: ``det noun verb det object.``"""
    n_sentences = check_int("n_sentences", n_sentences, minimum=1, maximum=10**7)
    g = seeded_generator(seed)

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
    """Fit ``model`` (in place) to ``sequences`` by maximum likelihood with Adam.

    .. math::

        \\mathcal{L} = -\\frac{1}{NL} \\sum_{n, i} \\log p(y^{(n)}_i \\mid
        y^{(n)}_{<i})

    ``sequences`` are token ids ``(S, L)``, each row starting at a sentence
    start (where the model's state is zero); every step draws ``batch_size``
    rows with a generator seeded by ``seed``. Returns the loss (nats per
    token) of every step.
    """
    check_instance("model", model, RNNLanguageModel)
    model.check_tokens("sequences", sequences)
    if sequences.shape[0] == 0:
        raise ValueError("sequences must hold at least one row, got shape (0, L)")
    steps = check_int("steps", steps, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    lr = check_float("lr", lr, low=0.0, low_inclusive=False)
    g = seeded_generator(seed)
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

    def __post_init__(self) -> None:
        """Check every field, naming it (sizes >= 1, a known cell, lr > 0)."""
        check_int("n_sentences", self.n_sentences, minimum=1)
        check_int("chunk_length", self.chunk_length, minimum=2)
        check_int("hidden_size", self.hidden_size, minimum=1)
        check_choice("cell", self.cell, ("gru", "rnn"))
        check_int("steps", self.steps, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)
        check_float("lr", self.lr, low=0.0, low_inclusive=False)
        check_seed("seed", self.seed)


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
    spaces, each starting at the start of a sentence; ``config`` defaults to
    :class:`CharLMConfig`'s.
    """
    config = check_instance(
        "config", CharLMConfig() if config is None else config, CharLMConfig
    )
    corpus = generate_corpus(config.n_sentences, seed=config.seed)
    vocab = CharVocabulary("".join(sorted(set(" ".join(corpus)))))
    text = " ".join(corpus)
    starts, pos = [], 0
    for sentence in corpus:
        if pos + config.chunk_length <= len(text):
            starts.append(pos)
        pos += len(sentence) + 1
    ids = torch.tensor(vocab.encode(text))
    if not starts:
        raise ValueError(
            f"chunk_length must be <= {len(text)} (the corpus length, from "
            f"n_sentences={config.n_sentences}), got {config.chunk_length}"
        )
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
