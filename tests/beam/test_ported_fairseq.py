"""fairseq's hand-computed beam-search tests, ported to reviewkit's decoders.

Source: facebookresearch/fairseq, ``tests/test_sequence_generator.py`` (the
expectations) and ``tests/utils.py`` (``sequence_generator_setup``, the
probability tables). Their expected beams, per-token probabilities and orders
are kept; the code is ours.

How fairseq's conventions translate (each test repeats what it relies on):

* **Vocabulary.** fairseq's dummy dictionary has bos=0, pad=1, eos=2, unk=3
  and the two words w1=4, w2=5; its tables list probabilities for
  ``[eos, unk, w1, w2]`` and give bos and pad probability zero. Here M = 6 and
  every zero probability is a banned token (log-probability ``-inf``).
* **Tables per beam slot become tables per prefix.** fairseq's dummy decoder
  returns one row per beam slot at each step, and ``tests/utils.py`` notes in
  a comment which prefix sits in which slot. :data:`SENTENCE_1` and
  :data:`SENTENCE_2` key each row by that prefix. Past its last table
  fairseq's decoder gives eos probability 1; we use the same row for every
  prefix the tables do not name (fairseq never feeds those prefixes).
* **Scores.** fairseq scores a hypothesis by the sum of its token
  log-probabilities divided by ``L ** lenpen``, where ``L`` counts the
  generated tokens *including* eos; ``normalize_scores=False`` is
  ``lenpen = 0``. That is our ``length_penalty`` with ``length_norm="power"``.
  Our ``Hypothesis.score`` is the raw sum; the normalised score only ranks.
* **Finished hypotheses.** fairseq keeps ``k`` live hypotheses and moves
  those that end into a separate list: our ``finished="pool"``, the default
  with ``eos``. Of each step's candidates, ranked by raw score, an eos
  candidate enters the pool only if it ranks among the top ``k``; lower ones
  are dropped (fairseq's ``eos_mask[:, :beam_size]``).
* **Stopping.** fairseq stops a sentence as soon as ``k`` hypotheses have
  finished. reviewkit's default goes on while a live hypothesis can still
  beat the finished ones. Sentence 1 gives the same beams either way;
  sentence 2 does not (see :func:`test_default_stop_rule_finds_what_early_stop_misses`),
  so its fairseq expectations ask for fairseq's rule with
  ``early_stopping=True`` (the name transformers uses for the same rule).
* **Maximum length.** fairseq's ``max_len_b=2`` allows two tokens and then
  forces eos, scored with the model's own eos probability: our ``length=3``
  with ``force_eos=True``. Without ``max_len_b`` fairseq's limit (200 tokens,
  capped by the model) is never reached: every path of the tables ends by its
  fifth token, so ``length=10`` changes nothing.
"""

from __future__ import annotations

import itertools
import math

import pytest
from beam.ported_models import (
    ProbTable,
    enumerate_sequences,
    normalised_score,
    path_log_probs,
)

from reviewkit.beam import SearchRules, beam_search, greedy_decode

BOS, PAD, EOS, UNK, W1, W2 = range(6)  # fairseq's dummy dictionary
VOCAB = 6  # M: bos, pad, eos, unk, w1, w2
LENGTH = 10  # longer than any path of the tables (all end by token 5)
ENDS = {EOS: 1.0}  # fairseq's row past its last table

#: ``sequence_generator_setup``, sentence 1: the rows of beam slots 1 and 2,
#: keyed by the prefix its comments say the slot holds.
SENTENCE_1 = ProbTable(
    VOCAB,
    {
        (): {W1: 0.9, W2: 0.1},  # step 0
        (W1,): {EOS: 1.0},  # step 1, slot 1
        (W2,): {W1: 0.9, W2: 0.1},  # step 1, slot 2
        (W2, W1): {W1: 0.1, W2: 0.9},  # step 2, slot 1
        (W2, W2): {EOS: 0.6, W1: 0.2, W2: 0.2},  # step 2, slot 2
        (W2, W1, W2): {EOS: 1.0},  # step 3, slot 1
        (W2, W1, W1): {EOS: 1.0},  # step 3, slot 2
    },
    default=ENDS,
)

#: ``sequence_generator_setup``, sentence 2 (same layout).
SENTENCE_2 = ProbTable(
    VOCAB,
    {
        (): {W1: 0.7, W2: 0.3},
        (W1,): {EOS: 0.25, W1: 0.35, W2: 0.4},
        (W2,): {W1: 0.1, W2: 0.9},
        (W1, W2): {EOS: 0.6, W1: 0.4},
        (W2, W2): {EOS: 0.01, W2: 0.99},
        (W2, W2, W2): {EOS: 0.1, W1: 0.5, W2: 0.4},
        (W1, W2, W1): {EOS: 1.0},
    },
    default=ENDS,
)
SENTENCES = {1: SENTENCE_1, 2: SENTENCE_2}

# The four hypotheses fairseq's expectations name, with its probabilities.
S1_SHORT = ((W1, EOS), (0.9, 1.0))
S1_LONG = ((W2, W1, W2, EOS), (0.1, 0.9, 0.9, 1.0))
S2_SHORT = ((W1, W2, EOS), (0.7, 0.4, 0.6))
S2_LONG = ((W1, W2, W1, EOS), (0.7, 0.4, 0.4, 1.0))


def _search(sentence: int, lenpen: float, length: int = LENGTH, **options) -> list:
    """Run reviewkit's beam search as fairseq's ``SequenceGenerator(beam_size=2)``."""
    rules = SearchRules(eos=EOS, length_penalty=lenpen, length_norm="power", **options)
    return beam_search(SENTENCES[sentence], length, 2, rules=rules)


def _assert_beam(hypos: list, expected: list, lenpen: float) -> None:
    """fairseq's assertHypoTokens and assertHypoScore, for each hypothesis in order."""
    assert [h.tokens for h in hypos] == [tokens for tokens, _ in expected]
    for h, (_, probs) in zip(hypos, expected, strict=True):
        logs = [math.log(p) for p in probs]
        assert h.token_scores == pytest.approx(logs, abs=1e-5)  # fairseq: 1e-4
        assert h.score == pytest.approx(sum(logs), abs=1e-5)
    ranked = [normalised_score(h.score, len(h.tokens), lenpen) for h in hypos]
    assert ranked == sorted(ranked, reverse=True)


# Every expectation kept from fairseq: (sentence, tokens, probabilities).
KEPT = [
    (1, *S1_SHORT),
    (1, *S1_LONG),
    (1, (W2, W2, EOS), (0.1, 0.1, 0.6)),  # test_maxlen
    (2, *S2_SHORT),
    (2, *S2_LONG),
    (2, (W2, W2, EOS), (0.3, 0.9, 0.01)),  # test_maxlen
]


@pytest.mark.parametrize(("sentence", "tokens", "probs"), KEPT)
def test_kept_expectations_match_the_translated_tables(sentence, tokens, probs):
    """Each kept hypothesis is a path of its table, with fairseq's probabilities.

    Brute force: enumerate every sequence of the table; the hypothesis must be
    one of them and its per-token log-probabilities fairseq's. Guards the
    translation of ``tests/utils.py::sequence_generator_setup``.
    """
    table = SENTENCES[sentence]
    paths = enumerate_sequences(table, LENGTH, EOS)
    assert all(t[-1] == EOS for t in paths)  # every path ends, as the module says
    assert max(len(t) for t in paths) <= 5
    assert tokens in paths
    assert paths[tokens] == pytest.approx([math.log(p) for p in probs])
    assert path_log_probs(table, tokens) == paths[tokens]


@pytest.mark.parametrize(
    ("lenpen", "expected"),
    [
        (1.0, [S1_SHORT, S1_LONG]),  # test_with_normalization
        (0.0, [S1_SHORT, S1_LONG]),  # test_without_normalization
        (0.6, [S1_SHORT, S1_LONG]),  # test_with_lenpen_favoring_short_hypos
        (5.0, [S1_LONG, S1_SHORT]),  # test_with_lenpen_favoring_long_hypos
    ],
    ids=["normalised", "unnormalised", "lenpen-0.6", "lenpen-5"],
)
def test_sentence_1_beams(lenpen, expected):
    """Sentence 1: fairseq's two hypotheses, scores and order, with default options.

    Source: fairseq tests/test_sequence_generator.py, TestSequenceGenerator.
    test_with_normalization, test_without_normalization,
    test_with_lenpen_favoring_short_hypos, test_with_lenpen_favoring_long_hypos
    (their "sentence 1" halves). Requires: pool (w1 eos finishes at step 1
    while w2 w1 and w2 w2 stay live); the pool keeps the best k; eos counts
    in L; power normalisation. Holds with either stop rule.
    """
    _assert_beam(_search(1, lenpen), expected, lenpen)


@pytest.mark.parametrize(
    ("lenpen", "expected"),
    [
        (1.0, [S2_LONG, S2_SHORT]),  # test_with_normalization
        (0.0, [S2_SHORT, S2_LONG]),  # test_without_normalization
        (0.6, [S2_SHORT, S2_LONG]),  # test_with_lenpen_favoring_short_hypos
        (5.0, [S2_LONG, S2_SHORT]),  # test_with_lenpen_favoring_long_hypos
    ],
    ids=["normalised", "unnormalised", "lenpen-0.6", "lenpen-5"],
)
def test_sentence_2_beams_with_fairseq_early_stop(lenpen, expected):
    """Sentence 2: fairseq's two hypotheses, scores and order, stopping at k finished.

    Source: fairseq tests/test_sequence_generator.py, TestSequenceGenerator.
    test_with_normalization, test_without_normalization,
    test_with_lenpen_favoring_short_hypos, test_with_lenpen_favoring_long_hypos
    (their "sentence 2" halves; normalising swaps the two). Requires: pool;
    w1 eos (step 1, rank 4 of 4) dropped; stop once k = 2 have finished
    (``early_stopping=True``), although live w2 w2 w2 w1 could still win.
    """
    _assert_beam(_search(2, lenpen, early_stopping=True), expected, lenpen)


def test_default_stop_rule_finds_what_early_stop_misses():
    """Default stop rule, sentence 2, unnormalised: w2 w2 w2 w1 eos comes second.

    Not a fairseq expectation: derived from fairseq's sentence-2 table
    (tests/utils.py::sequence_generator_setup, as in test_without_normalization)
    to pin down where our default rule and fairseq's early stop part. After
    step 3 two hypotheses have finished, the worse at log(0.112), while live
    w2 w2 w2 w1 holds log(0.13365) and ends with probability 1 at step 4.
    """
    paths = enumerate_sequences(SENTENCE_2, LENGTH, EOS)
    found = (W2, W2, W2, W1, EOS)
    assert sum(paths[found]) > sum(paths[S2_LONG[0]])  # fairseq's 2nd is beaten
    expected = [S2_SHORT, (found, (0.3, 0.9, 0.99, 0.5, 1.0))]
    _assert_beam(_search(2, 0.0), expected, 0.0)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (1, [S1_SHORT, ((W2, W2, EOS), (0.1, 0.1, 0.6))]),
        (2, [S2_SHORT, ((W2, W2, EOS), (0.3, 0.9, 0.01))]),
    ],
)
def test_maxlen_forces_eos(sentence, expected):
    """At the maximum length eos is forced and scored with the model's eos probability.

    Source: fairseq tests/test_sequence_generator.py,
    TestSequenceGenerator.test_maxlen (``max_len_b=2``). Requires: ``length=3``
    counts the forced eos; ``force_eos=True`` bans every other token at the
    last step without renormalising (w2 w2 eos keeps log 0.01); a hypothesis
    whose eos has probability zero there (w2 w1) is dropped; normalised, lenpen 1.
    """
    _assert_beam(_search(sentence, 1.0, length=3, force_eos=True), expected, 1.0)


def _position_table(rows_by_step: list[dict[int, float]]) -> ProbTable:
    """A table whose row depends only on the step, as in TestDiverseBeamSearch."""
    rows = {}
    for step, row in enumerate(rows_by_step):
        for prefix in itertools.product((W1, W2), repeat=step):
            rows[prefix] = row
    return ProbTable(VOCAB, rows, default=ENDS)


#: TestDiverseBeamSearch.setUp: every slot gets the same row at each step.
DIVERSE = {
    1: _position_table(
        [{W1: 0.9, W2: 0.1}, {W1: 0.6, W2: 0.4}, {EOS: 1.0}],
    ),
    2: _position_table(
        [{W1: 0.7, W2: 0.3}, {EOS: 0.25, W1: 0.35, W2: 0.4}, {EOS: 0.9, W1: 0.1}],
    ),
}


@pytest.mark.parametrize(
    ("sentence", "tokens", "probs"),
    [(1, (W1, W1, EOS), (0.9, 0.6, 1.0)), (2, (W1, W2, EOS), (0.7, 0.4, 0.9))],
)
def test_one_wide_groups_decode_greedily(sentence, tokens, probs):
    """A beam of width 1 and greedy decoding both return fairseq's group hypothesis.

    Source: fairseq tests/test_sequence_generator.py,
    TestDiverseBeamSearch.test_diverse_beam_search: with diversity strength 0
    each of its two groups is a beam of width 1, and both groups return this
    hypothesis. Requires: k = 1 with eos stops at eos; greedy honours eos.
    """
    table = DIVERSE[sentence]
    paths = enumerate_sequences(table, LENGTH, EOS)
    assert paths[tokens] == pytest.approx([math.log(p) for p in probs])
    for hypos in (
        beam_search(table, LENGTH, 1, rules=SearchRules(eos=EOS)),
        greedy_decode(table, LENGTH, rules=SearchRules(eos=EOS)),
    ):
        _assert_beam(hypos, [(tokens, probs)], 1.0)


@pytest.mark.parametrize(("history", "banned"), [((2, 2, 2, 2), 2), ((3, 3, 3, 3), 3)])
def test_no_repeat_bigram_bans_the_repeating_token(history, banned):
    """After a history that ends in bigram (a, a), token a is banned; the others stay.

    Source: fairseq tests/test_sequence_generator.py,
    TestRepeatNgramBlocking.test_finds_repetitive_tokens (n = 2, histories
    2 2 2 2 and 3 3 3 3, four tokens, uniform scores). Their all-zero scores
    become a uniform model; their generated history becomes our prompt.
    Requires: n-gram blocking counts n-grams in the prompt too; fewer than k
    hypotheses when fewer exist; no eos (every token is an ordinary one).
    """
    uniform = ProbTable(4, {}, default={v: 0.25 for v in range(4)})
    rules = SearchRules(no_repeat_ngram_size=2)
    hypos = beam_search(uniform, 1, 4, prompt=history, rules=rules)
    assert sorted(h.tokens for h in hypos) == [(v,) for v in range(4) if v != banned]
    assert all(h.score == pytest.approx(math.log(0.25)) for h in hypos)
