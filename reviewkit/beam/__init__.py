"""The beam-search chapter: decoders for autoregressive models and models to decode.

One contract for every decoder: ``decoder(model, length[, beam_size], *,
prompt=None, rules=SearchRules(), check=True) -> list[Hypothesis]``, where the
model is a ``next_log_probs`` callable or a
:class:`~reviewkit.beam.interface.StatefulLanguageModel`, so a page can swap
greedy for beam search in one word. Instrumented versions return
``(hypotheses, record)``: :func:`beam_trace` (every step's candidates),
:func:`counted_exact_search` (the work done) and
:func:`~reviewkit.beam.complexity.sheet_beam_search` (operation counts).

* :mod:`~reviewkit.beam.hypothesis`: what decoders return.
* :mod:`~reviewkit.beam.interface`: the model interface and the checks at
  the door; :mod:`~reviewkit.beam.validation`: prompt and output checks.
* :mod:`~reviewkit.beam.rules`: end token, banned tokens, length
  normalisation (:class:`~reviewkit.beam.rules.SearchRules`).
* :mod:`~reviewkit.beam.plain`: beam search as the sheet states it, in plain
  Python.
* :mod:`~reviewkit.beam.search`: fast batched beam search and greedy decoding
  (:mod:`~reviewkit.beam.pool`: with a pool of finished hypotheses;
  :mod:`~reviewkit.beam.selection`: its top-k and back-pointers).
* :mod:`~reviewkit.beam.trace`: the readable beam search with every rule,
  recording every candidate.
* :mod:`~reviewkit.beam.exact`: exhaustive and exact search.
* :mod:`~reviewkit.beam.tree`: language models given as tables.
* :mod:`~reviewkit.beam.charlm`: a small character RNN, its corpus and
  training.
* :mod:`~reviewkit.beam.experiments`: search errors and timing.
* :mod:`~reviewkit.beam.complexity`: the sheet's recipe, its work counted.
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
    ExactSearchWork,
    counted_exact_search,
    exact_search,
    exhaustive_search,
)
from reviewkit.beam.experiments import SearchErrors, search_errors, time_beam_search
from reviewkit.beam.figures import draw_tree
from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.interface import (
    LanguageModel,
    PrefixAdapter,
    StatefulLanguageModel,
    as_stateful,
)
from reviewkit.beam.plain import plain_beam_search
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.search import beam_search, beam_search_batch, greedy_decode
from reviewkit.beam.trace import BeamStep, beam_trace
from reviewkit.beam.tree import (
    TreeLanguageModel,
    ending_example,
    random_tree,
    worked_example,
)

__all__ = [
    "BeamStep",
    "CharLMConfig",
    "CharVocabulary",
    "ExactSearchWork",
    "Hypothesis",
    "LanguageModel",
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
    "counted_exact_search",
    "draw_tree",
    "ending_example",
    "exact_search",
    "exhaustive_search",
    "generate_corpus",
    "greedy_decode",
    "plain_beam_search",
    "random_tree",
    "search_errors",
    "time_beam_search",
    "train_char_lm",
    "worked_example",
]
