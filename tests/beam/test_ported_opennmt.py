"""OpenNMT-py's hand-written beam-search tests, ported to reviewkit's decoders.

Source: OpenNMT/OpenNMT-py, ``onmt/tests/test_beam_search.py``, class
``TestBeamSearch``. The code is ours; the scenarios and the numbers that can
be kept are theirs.

How OpenNMT-py's conventions translate (each test repeats what it relies on):

* **Slots become prefixes.** OpenNMT-py's tests call ``BeamSearch.advance``
  with a score row per *beam slot* and fill the rows of uninteresting slots
  with ``-inf``; slot ``j`` keeps extending its own path. Here each such
  path is a prefix of a :class:`~beam.ported_models.ProbTable`, and the rows
  are normalised (our output check requires it): where OpenNMT-py's raw row
  holds two scores, the one the test asserts on is kept and the other takes
  the remaining probability; a row with one finite score becomes
  probability 1 (log-probability 0, as OpenNMT-py gives it).
* **Blocked n-grams.** OpenNMT-py adds a finite ``-10e20`` to a hypothesis
  that repeats an n-gram, so the blocked hypothesis stays in its beam with
  that score. reviewkit follows fairseq and transformers: the token that
  would repeat an n-gram is banned (``-inf``), and a hypothesis without any
  allowed token is gone. Where OpenNMT-py expects ``BLOCKED_SCORE`` we
  expect no hypothesis at all.
* **Minimum length.** OpenNMT-py bans eos while ``len(alive_seq) <=
  min_length`` (its ``alive_seq`` starts with bos): eos can first be the
  token at step ``min_length`` (0-based), after ``min_length`` ordinary
  tokens. That is our ``min_length``.
* **Scores.** ``GlobalScorerStub`` applies no length penalty: our
  ``length_penalty=0``; scores are sums of log-probabilities.
* **Results.** OpenNMT-py asserts on internal state (``topk_log_probs``,
  ``is_finished``, ``done``) step by step. We assert on what a caller sees:
  searching to length ``i + 1`` shows the beam after OpenNMT-py's step ``i``.

Every expected n-best list below is also checked against a brute force: all
sequences of the toy table, filtered by the same rule (no repeated n-gram, or
no early eos), ranked by score.
"""

from __future__ import annotations

import math

import pytest
import torch
from beam.ported_models import ProbTable, enumerate_sequences

from reviewkit.beam import SearchRules, beam_search, beam_search_batch

N_WORDS = 100  # M, as in OpenNMT-py's tests
BEAM = 5  # beam_sz
EOS = 2  # eos_idx
REPEAT = 47  # repeat_idx
NGRAM = 3  # ngram_repeat
NO_REPEAT_SCORE = -2.3  # no_repeat_score: kept exactly
MIN_LENGTH = 5  # min_length
NEVER = {0: 1.0}  # row of prefixes no path reaches (token 0 is OpenNMT's pad)


def _chains(first: dict[int, float], paths: dict[int, list[dict[int, float]]]) -> dict:
    """Rows for paths that each keep to themselves after their first token.

    Args:
        first: The row of the empty prefix.
        paths: For a first token ``j``, the rows of steps 1, 2, ... on the path
            that starts with ``j``; each row's most likely non-eos token is the
            one the path takes.
    """
    rows: dict[tuple[int, ...], dict[int, float]] = {(): first}
    for start, steps in paths.items():
        prefix: tuple[int, ...] = (start,)
        for row in steps:
            rows[prefix] = row
            prefix = (*prefix, max((t for t in row if t != EOS), key=row.get))
    return rows


def _softmax_row(tokens: tuple[int, ...], scores: list[float]) -> dict[int, float]:
    """The row ``softmax(scores)`` over ``tokens``, as OpenNMT-py writes them."""
    probs = torch.softmax(torch.tensor(scores, dtype=torch.float64), 0).tolist()
    return dict(zip(tokens, probs, strict=True))


def _has_repeated_ngram(tokens: tuple[int, ...], n: int) -> bool:
    """Whether some n-gram occurs twice in ``tokens``."""
    grams = [tokens[i : i + n] for i in range(len(tokens) - n + 1)]
    return len(grams) != len(set(grams))


def _brute_force_best(table: ProbTable, length: int, k: int, keep, eos=None) -> list:
    """The ``k`` best sequences of ``table`` that ``keep`` accepts, best first."""
    paths = enumerate_sequences(table, length, eos)
    ranked = sorted(
        ((sum(s), t) for t, s in paths.items() if keep(t)), key=lambda x: -x[0]
    )
    return [t for _, t in ranked[:k]]


# test_advance_with_some_repeats_gets_blocked: slot 0 repeats 47, scored -0.1 at
# the first step then 0; slot 1 starts with 48 at -2.3 and then takes 49, 50, ...
# at 0. The first row is normalised by giving 47 the rest of the mass:
# log(1 - e^-2.3) = -0.1054 instead of -0.1.
REPEAT_FIRST = {
    REPEAT: 1 - math.exp(NO_REPEAT_SCORE),
    REPEAT + 1: math.exp(NO_REPEAT_SCORE),
}
SOME_REPEATS = ProbTable(
    N_WORDS,
    _chains(
        REPEAT_FIRST,
        {
            REPEAT: [{REPEAT: 1.0}] * (NGRAM + 3),
            REPEAT + 1: [{REPEAT + 1 + i: 1.0} for i in range(1, NGRAM + 4)],
        },
    ),
    default=NEVER,
)


@pytest.mark.parametrize("step", range(NGRAM + 4))
def test_some_repeats_get_blocked(step):
    """47 47 47 is blocked when it would repeat; the path scored -2.3 stays.

    Source: OpenNMT-py onmt/tests/test_beam_search.py,
    TestBeamSearch.test_advance_with_some_repeats_gets_blocked. Requires:
    ``no_repeat_ngram_size=3`` bans 47 at step 3 (47 47 47 47 would repeat
    47 47 47); a banned hypothesis is not returned (OpenNMT-py keeps it at
    ``BLOCKED_SCORE``); fewer than k hypotheses when fewer exist.
    """
    length = step + 1
    hypos = beam_search(
        SOME_REPEATS, length, BEAM, rules=SearchRules(no_repeat_ngram_size=NGRAM)
    )
    survivor = tuple(range(REPEAT + 1, REPEAT + 1 + length))
    expected = [survivor] if step >= NGRAM else [(REPEAT,) * length, survivor]
    assert [h.tokens for h in hypos] == expected
    assert hypos[-1].score == pytest.approx(NO_REPEAT_SCORE, abs=1e-6)
    assert expected == _brute_force_best(
        SOME_REPEATS, length, BEAM, lambda t: not _has_repeated_ngram(t, NGRAM)
    )


def test_some_repeats_get_blocked_in_a_batch():
    """Three identical prompts in one batch give the single-prompt beams.

    Source: OpenNMT-py onmt/tests/test_beam_search.py,
    TestBeamSearch.test_advance_with_some_repeats_gets_blocked (its
    ``batch_sz = 3`` loop). Requires: ``beam_search_batch`` with the same
    options, rows independent of each other.
    """
    length = NGRAM + 4
    out = beam_search_batch(
        SOME_REPEATS,
        length,
        BEAM,
        prompts=torch.zeros(3, 0, dtype=torch.long),
        rules=SearchRules(no_repeat_ngram_size=NGRAM),
    )
    single = beam_search(
        SOME_REPEATS, length, BEAM, rules=SearchRules(no_repeat_ngram_size=NGRAM)
    )
    assert out == [single] * 3


ALL_REPEATS = ProbTable(N_WORDS, {}, default={REPEAT: 1.0})


@pytest.mark.parametrize("step", range(NGRAM + 4))
def test_all_repeats_get_blocked(step):
    """A model that can only say 47 has nothing left once 47 47 47 would repeat.

    Source: OpenNMT-py onmt/tests/test_beam_search.py,
    TestBeamSearch.test_advance_with_all_repeats_gets_blocked. Before the
    repeat its beam scores are 0 (kept); after it OpenNMT-py keeps the
    hypothesis at ``BLOCKED_SCORE``, where a banning search has none.
    Requires: an empty list, not a hypothesis scored -inf nor an error.
    """
    length = step + 1
    hypos = beam_search(
        ALL_REPEATS, length, BEAM, rules=SearchRules(no_repeat_ngram_size=NGRAM)
    )
    if step < NGRAM:
        assert [(h.tokens, h.score) for h in hypos] == [((REPEAT,) * length, 0.0)]
    else:
        assert hypos == []
    assert [h.tokens for h in hypos] == _brute_force_best(
        ALL_REPEATS, length, BEAM, lambda t: not _has_repeated_ngram(t, NGRAM)
    )


# test_doesnt_predict_eos_if_shorter_than_min_len: the first row is
# log_softmax([6, 5, 4, 3, 2, 1]) over eos and five words (kept exactly). Slot 0
# (the path of 47) then always ranks eos first, scores 6 against 5 for 47:
# normalised, eos has softmax([6, 5])[0]; the other slots repeat their word.
# OpenNMT-py's later expectations, (i + 1) * log_softmax(...)[1:], need slot 0
# to score 47 at log_softmax(...)[1] beside a likelier eos at every step, which
# no normalised row can do; we keep its step-0 scores and the order of events.
OTHERS = (51, 13, 88, 99)  # _non_eos_idxs[1:]
FIRST = _softmax_row((EOS, REPEAT, *OTHERS), [6.0, 5.0, 4.0, 3.0, 2.0, 1.0])
EOS_FIRST = _softmax_row((EOS, REPEAT), [6.0, 5.0])
MIN_LEN = ProbTable(
    N_WORDS,
    _chains(FIRST, {REPEAT: [EOS_FIRST] * 9, **{w: [{w: 1.0}] * 9 for w in OTHERS}}),
    default=NEVER,
)


def _no_early_eos(tokens: tuple[int, ...]) -> bool:
    """Whether eos, if present, comes after at least ``MIN_LENGTH`` tokens."""
    return EOS not in tokens[:MIN_LENGTH]


def test_eos_is_not_predicted_before_min_length():
    """No hypothesis ends before min_length tokens, though eos is the likeliest token.

    Source: OpenNMT-py onmt/tests/test_beam_search.py,
    TestBeamSearch.test_doesnt_predict_eos_if_shorter_than_min_len (steps
    ``i < min_length``: the beam holds the five word paths, no eos). Requires:
    ``min_length=5`` bans eos at steps 0-4 without renormalising the row.
    OpenNMT-py checks its first step: here, the hypotheses' first-token
    scores, as a set (47's path ranks last by the end, as eos takes part of
    its mass at every step; a ``T`` shorter than ``min_length`` is refused).
    """
    length = MIN_LENGTH
    hypos = beam_search(
        MIN_LEN, length, BEAM, rules=SearchRules(eos=EOS, min_length=MIN_LENGTH)
    )
    assert all(EOS not in h.tokens for h in hypos)
    assert len(hypos) == BEAM
    assert [h.tokens for h in hypos] == _brute_force_best(
        MIN_LEN, length, BEAM, _no_early_eos, EOS
    )
    # OpenNMT-py's first step: scores are the log_softmax of 5, 4, 3, 2, 1.
    first = torch.log_softmax(torch.arange(6.0, 0, -1), 0)[1:].tolist()
    starts = sorted((h.token_scores[0] for h in hypos), reverse=True)
    assert starts == pytest.approx(first, abs=1e-6)


def test_top_path_ends_as_soon_as_min_length_allows():
    """The path whose likeliest token is eos ends at min_length + 1 tokens exactly.

    Source: OpenNMT-py onmt/tests/test_beam_search.py,
    TestBeamSearch.test_doesnt_predict_eos_if_shorter_than_min_len (step
    ``i == min_length``: the eos-predicting beam has ended, the others have
    not; later steps "keep running"). Requires: pool (47 47 47 47 47 eos
    finishes while five paths stay live); hypotheses unfinished at ``length``
    are returned and ranked with the finished ones by raw score.
    """
    length = MIN_LENGTH + 4
    hypos = beam_search(
        MIN_LEN, length, BEAM, rules=SearchRules(eos=EOS, min_length=MIN_LENGTH)
    )
    ended = [h.tokens for h in hypos if h.tokens[-1] == EOS]
    assert ended == [(REPEAT,) * MIN_LENGTH + (EOS,)]
    assert [h.tokens for h in hypos] == _brute_force_best(
        MIN_LEN, length, BEAM, _no_early_eos, EOS
    )


# test_beam_is_done_when_X_beams_eos_using_min_length: like the table above,
# but slot 1 (the path of 51) is the one that ranks eos first (6 against 4),
# slot 0 (47) just repeats, and after min_length every slot can only say eos.
EOS_OVER_51 = _softmax_row((EOS, 51), [6.0, 4.0])


class _Recorder(ProbTable):
    """A :class:`ProbTable` that remembers the longest prefix it was asked about."""

    longest = 0

    def __call__(self, prefixes: torch.Tensor) -> torch.Tensor:
        """Log-probabilities, shape ``(N, M)``; records ``prefixes.shape[1]``."""
        self.longest = max(self.longest, prefixes.shape[1])
        return super().__call__(prefixes)


def _done_table() -> _Recorder:
    """The table of test_beam_is_done_when_X_beams_eos_using_min_length."""
    words = {w: [{w: 1.0}] * MIN_LENGTH for w in (REPEAT, *OTHERS[1:])}
    return _Recorder(
        N_WORDS,
        _chains(FIRST, {**words, 51: [EOS_OVER_51] * MIN_LENGTH}),
        default={EOS: 1.0},
    )


def test_search_is_done_once_every_path_has_ended():
    """The 51 path ends at min_length, the others one step later, and the search stops.

    Source: OpenNMT-py onmt/tests/test_beam_search.py,
    TestBeamSearch.test_beam_is_done_when_X_beams_eos_using_min_length
    (max_length 30; "beam 1 dies on min_length", "beam 0 dies on the step
    after", then ``done``). Requires: pool; min_length=5; the search stops
    when no live hypothesis is left, never asking the model about a prefix
    longer than min_length + 1 tokens although ``length`` is 30.
    """
    table = _done_table()
    hypos = beam_search(
        table, 30, BEAM, rules=SearchRules(eos=EOS, min_length=MIN_LENGTH)
    )
    assert all(h.tokens[-1] == EOS for h in hypos)
    assert (51,) * MIN_LENGTH + (EOS,) in [h.tokens for h in hypos]
    assert hypos[0].tokens == (REPEAT,) * (MIN_LENGTH + 1) + (EOS,)
    assert table.longest == MIN_LENGTH + 1
    assert [h.tokens for h in hypos] == _brute_force_best(
        _done_table(), 30, BEAM, _no_early_eos, EOS
    )
