"""The beam-search chapter: decoders for autoregressive models and models to decode.

One interface for every decoder: each takes a model (a ``next_log_probs``
callable or a :class:`~reviewkit.beam.interface.StatefulLanguageModel`) and
returns :class:`~reviewkit.beam.interface.Hypothesis` objects, so a page can
swap greedy for beam search in one word.

* :mod:`~reviewkit.beam.interface`: the model interface, the hypothesis and
  the output checks.
* :mod:`~reviewkit.beam.rules`: end token, banned tokens, length
  normalisation (:class:`~reviewkit.beam.rules.SearchRules`).
* :mod:`~reviewkit.beam.search`: fast batched beam search
  (:mod:`~reviewkit.beam.pool`: with a pool of finished hypotheses;
  :mod:`~reviewkit.beam.selection`: its top-k and back-pointers).
* :mod:`~reviewkit.beam.trace`: the readable one-prompt beam search that
  records every candidate.
* :mod:`~reviewkit.beam.exact`: greedy decoding, exhaustive and exact search.
* :mod:`~reviewkit.beam.tree`: a language model given as a table.
* :mod:`~reviewkit.beam.charlm`: a small character RNN, its corpus and
  training.
* :mod:`~reviewkit.beam.experiments`: search errors and timing.
* :mod:`~reviewkit.beam.figures`: drawing a tree with its searches.
"""

from reviewkit.beam.charlm import (
    CharLMConfig,
    CharVocabulary,
    RNNLanguageModel,
    generate_corpus,
    train_char_lm,
)
from reviewkit.beam.exact import (
    ExactSearchResult,
    exact_search,
    exhaustive_search,
    greedy_decode,
)
from reviewkit.beam.experiments import SearchErrors, search_errors, time_beam_search
from reviewkit.beam.figures import draw_tree
from reviewkit.beam.interface import (
    BeamOutput,
    Hypothesis,
    PrefixAdapter,
    StatefulLanguageModel,
    as_stateful,
)
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.search import beam_search, beam_search_batch
from reviewkit.beam.trace import BeamStep, BeamTrace, beam_trace
from reviewkit.beam.tree import TreeLanguageModel, random_tree, worked_example

__all__ = [
    "BeamOutput",
    "BeamStep",
    "BeamTrace",
    "CharLMConfig",
    "CharVocabulary",
    "ExactSearchResult",
    "Hypothesis",
    "PrefixAdapter",
    "RNNLanguageModel",
    "SearchErrors",
    "SearchRules",
    "StatefulLanguageModel",
    "TreeLanguageModel",
    "as_stateful",
    "beam_search",
    "beam_search_batch",
    "beam_trace",
    "draw_tree",
    "exact_search",
    "exhaustive_search",
    "generate_corpus",
    "greedy_decode",
    "random_tree",
    "search_errors",
    "time_beam_search",
    "train_char_lm",
    "worked_example",
]
