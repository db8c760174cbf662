"""The beam-search chapter: decoders for autoregressive models and models to decode.

Every decoder has one contract, ``decoder(model, length[, beam_size], *,
prompt=None, rules=SearchRules(), check=True) -> list[Hypothesis]``, so a page
can swap greedy for beam search in one word; instrumented versions return
``(hypotheses, record)``: :func:`~reviewkit.beam.trace.beam_trace` (every
step's candidates), :func:`~reviewkit.beam.exact.counted_exact_search` (the
work done) and
:func:`~reviewkit.beam.complexity.sheet_beam_search` (operation counts). The
model is a ``next_log_probs`` callable or a
:class:`~reviewkit.beam.interface.StatefulLanguageModel`. One module per
concept: the readable loop is :mod:`~reviewkit.beam.plain`, the fast one
:mod:`~reviewkit.beam.search`.
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
from reviewkit.beam.experiments import SearchErrors, search_errors
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
from reviewkit.beam.validation import UnnormalisedRowsWarning

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
    "UnnormalisedRowsWarning",
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
    "train_char_lm",
    "worked_example",
]
