"""Bad input to the beam chapter's public API: a clear error naming the argument.

Each case calls one public function or class with one bad argument and checks
the exception type and that the message names the argument the caller passed.
The hypothesis tests feed random shapes, dtypes and values to the main entry
points: the result is a clear error or a correct answer, never NaN, -inf or a
silent wrong result.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.beam import (
    BeamStep,
    CharLMConfig,
    CharVocabulary,
    PrefixAdapter,
    RNNLanguageModel,
    SearchRules,
    TreeLanguageModel,
    beam_search,
    beam_search_batch,
    beam_trace,
    draw_tree,
    exact_search,
    exhaustive_search,
    generate_corpus,
    greedy_decode,
    plain_beam_search,
    random_tree,
    search_errors,
    train_char_lm,
    worked_example,
)
from reviewkit.beam.charlm import train_language_model
from reviewkit.beam.complexity import sheet_beam_search
from reviewkit.beam.validation import check_log_probs

TREE = worked_example()  # M = 2, depth 3
RNN = RNNLanguageModel(5, 4, seed=0)
VOCAB = CharVocabulary("abc")


def out(rows):
    """A model whose every output is ``rows`` (a list of log-prob rows)."""
    return lambda prefixes: torch.tensor(rows, dtype=torch.float32).expand(
        prefixes.shape[0], -1
    )


CASES = [
    # -- beam_search / beam_search_batch: sizes, prompts, options
    ("length=0", lambda: beam_search(TREE, 0, 2), ValueError, "length"),
    ("length=2.0", lambda: beam_search(TREE, 2.0, 2), TypeError, "length"),
    ("length=True", lambda: beam_search(TREE, True, 2), TypeError, "length"),
    ("beam_size=0", lambda: beam_search(TREE, 3, 0), ValueError, "beam_size"),
    ("beam_size=-1", lambda: beam_search(TREE, 3, -1), ValueError, "beam_size"),
    ("beam_size=2.5", lambda: beam_search(TREE, 3, 2.5), TypeError, "beam_size"),
    ("beam_size='2'", lambda: beam_search(TREE, 3, "2"), TypeError, "beam_size"),
    ("float prompt", lambda: beam_search(RNN, 3, 2, prompt=[1.7]), TypeError, "prompt"),
    ("bool prompt", lambda: beam_search(RNN, 3, 2, prompt=[True]), TypeError, "prompt"),
    ("str prompt", lambda: beam_search(RNN, 3, 2, prompt="ab"), TypeError, "prompt"),
    ("negative id", lambda: beam_search(RNN, 3, 2, prompt=[-1]), ValueError, "prompt"),
    ("id = M", lambda: beam_search(RNN, 3, 2, prompt=[5]), ValueError, "prompt"),
    ("2-d prompt", lambda: beam_search(RNN, 3, 2, prompt=[[1]]), ValueError, "prompt"),
    (
        "ragged prompts, one id = M",
        lambda: beam_search_batch(RNN, 3, 2, prompts=[[1], [1, 5]]),
        ValueError,
        "prompts must hold token ids < 5",
    ),
    (
        "ragged prompts, one of floats",
        lambda: beam_search_batch(RNN, 3, 2, prompts=[[1], [1.5, 2]]),
        TypeError,
        "prompts[1] must hold integer token ids",
    ),
    (
        "empty batch",
        lambda: beam_search_batch(
            RNN, 3, 2, prompts=torch.zeros(0, 1, dtype=torch.long)
        ),
        ValueError,
        "prompts",
    ),
    (
        "1-d batch",
        lambda: beam_search_batch(RNN, 3, 2, prompts=torch.zeros(3, dtype=torch.long)),
        ValueError,
        "prompts",
    ),
    (
        "float batch",
        lambda: beam_search_batch(RNN, 3, 2, prompts=torch.zeros(2, 1)),
        TypeError,
        "prompts",
    ),
    (
        "eos=-1",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=-1)),
        ValueError,
        "eos",
    ),
    (
        "eos=M",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=2)),
        ValueError,
        "eos",
    ),
    (
        "eos=1.0",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1.0)),
        TypeError,
        "eos",
    ),
    (
        "finished=x",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, finished="x")),
        ValueError,
        "finished",
    ),
    (
        "finished, no eos",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(finished="pool")),
        ValueError,
        "finished",
    ),
    (
        "min_length=-1",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, min_length=-1)),
        ValueError,
        "min_length",
    ),
    (
        "min_length, no eos",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(min_length=2)),
        ValueError,
        "min_length",
    ),
    (
        "ngram=-1",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(no_repeat_ngram_size=-1)),
        ValueError,
        "no_repeat_ngram_size",
    ),
    (
        "ngram=1.5",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(no_repeat_ngram_size=1.5)),
        TypeError,
        "no_repeat_ngram_size",
    ),
    (
        "penalty=nan",
        lambda: beam_search(
            TREE, 3, 2, rules=SearchRules(eos=1, length_penalty=math.nan)
        ),
        ValueError,
        "length_penalty",
    ),
    (
        "penalty='1'",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, length_penalty="1")),
        TypeError,
        "length_penalty",
    ),
    (
        "penalty, no eos",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(length_penalty=1.0)),
        ValueError,
        "length_penalty",
    ),
    (
        "length_norm=x",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, length_norm="x")),
        ValueError,
        "length_norm",
    ),
    (
        "force_eos=1",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, force_eos=1)),
        TypeError,
        "force_eos",
    ),
    (
        "force_eos, no eos",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(force_eos=True)),
        ValueError,
        "force_eos",
    ),
    (
        "early_stopping, beam",
        lambda: beam_search(
            TREE, 3, 2, rules=SearchRules(eos=1, finished="beam", early_stopping=True)
        ),
        ValueError,
        "early_stopping",
    ),
    (
        "early_stopping='y'",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, early_stopping="y")),
        TypeError,
        "early_stopping",
    ),
    ("model=42", lambda: beam_search(42, 3, 2), TypeError, "model"),
    # -- model outputs (check=True)
    (
        "output NaN",
        lambda: beam_search(out([[math.nan, 0.0]]), 2, 2),
        ValueError,
        "model output",
    ),
    (
        "output +inf",
        lambda: beam_search(out([[math.inf, 0.0]]), 2, 2),
        ValueError,
        "model output",
    ),
    (
        "output all -inf",
        lambda: beam_search(out([[-math.inf, -math.inf]]), 2, 2),
        ValueError,
        "model output",
    ),
    (
        "output unnormalised",
        lambda: beam_search(out([[0.0, 0.0]]), 2, 2),
        ValueError,
        "model output",
    ),
    (
        "output 1-d",
        lambda: beam_search(lambda p: torch.zeros(1), 2, 2),
        ValueError,
        "model output",
    ),
    (
        "output ints",
        lambda: beam_search(lambda p: torch.zeros(1, 1, dtype=torch.long), 2, 2),
        TypeError,
        "model output",
    ),
    (
        "output wrong rows",
        lambda: beam_search(lambda p: torch.zeros(3, 1), 2, 2),
        ValueError,
        "model output",
    ),
    (
        "output list",
        lambda: beam_search(lambda p: [[0.0]], 2, 2),
        TypeError,
        "model output",
    ),
    (
        "check_log_probs M=0",
        lambda: check_log_probs(torch.zeros(1, 0), 1),
        ValueError,
        "M",
    ),
    # -- the other decoders
    ("greedy length", lambda: greedy_decode(TREE, 0), ValueError, "length"),
    (
        "greedy eos",
        lambda: greedy_decode(TREE, 3, rules=SearchRules(eos=7)),
        ValueError,
        "eos",
    ),
    (
        "greedy min_length",
        lambda: greedy_decode(TREE, 3, rules=SearchRules(min_length=1)),
        ValueError,
        "min_length",
    ),
    (
        "exhaustive budget",
        lambda: exhaustive_search(RNNLanguageModel(50, 4), 5),
        ValueError,
        "max_sequences",
    ),
    (
        "exhaustive max_sequences=0",
        lambda: exhaustive_search(TREE, 3, max_sequences=0),
        ValueError,
        "max_sequences",
    ),
    ("exact n_best=0", lambda: exact_search(TREE, 3, n_best=0), ValueError, "n_best"),
    (
        "exact max_expansions=0",
        lambda: exact_search(TREE, 3, max_expansions=0),
        ValueError,
        "max_expansions",
    ),
    (
        "exact max_queue=1.5",
        lambda: exact_search(TREE, 3, max_queue=1.5),
        TypeError,
        "max_queue",
    ),
    (
        "exact flat model",
        lambda: exact_search(RNNLanguageModel(30, 16, seed=0), 8, max_expansions=200),
        RuntimeError,
        "max_expansions",
    ),
    ("trace beam_size", lambda: beam_trace(TREE, 3, 0), ValueError, "beam_size"),
    (
        "trace option",
        lambda: beam_trace(TREE, 3, 2, rules=SearchRules(eos=1, finished="x")),
        ValueError,
        "finished",
    ),
    (
        "trace unknown option",
        lambda: beam_trace(TREE, 3, 2, colour=1),
        TypeError,
        "colour",
    ),
    (
        "markdown digits",
        lambda: BeamStep(1, ((0,),), (0.0,), (True,), (0,)).markdown(digits=-1),
        ValueError,
        "digits",
    ),
    (
        "PrefixAdapter vocab_size",
        lambda: PrefixAdapter(TREE, vocab_size=0),
        ValueError,
        "vocab_size",
    ),
    ("SearchRules eos", lambda: SearchRules(eos="1"), TypeError, "eos"),
    # -- the tree
    ("tree vocab empty", lambda: TreeLanguageModel({(): ()}, ()), ValueError, "vocab"),
    (
        "tree vocab str",
        lambda: TreeLanguageModel({(): (1.0,)}, "a"),
        TypeError,
        "vocab",
    ),
    (
        "tree no root",
        lambda: TreeLanguageModel({(0,): (1.0,)}, ("a",)),
        ValueError,
        "table",
    ),
    (
        "tree row sum",
        lambda: TreeLanguageModel({(): (0.5, 0.6)}, ("a", "b")),
        ValueError,
        "table",
    ),
    (
        "tree row NaN",
        lambda: TreeLanguageModel({(): (math.nan, 1.0)}, ("a", "b")),
        ValueError,
        "table",
    ),
    (
        "tree key id",
        lambda: TreeLanguageModel({(): (1.0,), (3,): (1.0,)}, ("a",)),
        ValueError,
        "table",
    ),
    (
        "tree dtype",
        lambda: TreeLanguageModel({(): (1.0,)}, ("a",), dtype=torch.long),
        TypeError,
        "dtype",
    ),
    ("tree words -1", lambda: TREE.words([-1]), ValueError, "tokens"),
    ("tree words 2", lambda: TREE.words([2]), ValueError, "tokens"),
    ("tree words 0.0", lambda: TREE.words([0.0]), TypeError, "tokens"),
    (
        "tree too long",
        lambda: TREE.sequence_log_prob([0, 0, 0, 0]),
        ValueError,
        "tokens",
    ),
    (
        "tree prefix",
        lambda: TREE.next_log_probs(torch.zeros(1, 3, dtype=torch.long)),
        ValueError,
        "prefixes",
    ),
    (
        "tree float prefix",
        lambda: TREE.next_log_probs(torch.zeros(1, 1)),
        TypeError,
        "prefixes",
    ),
    (
        "random_tree size",
        lambda: random_tree(10, 8, seed=0),
        ValueError,
        "MAX_TREE_PREFIXES",
    ),
    (
        "random_tree huge depth",
        lambda: random_tree(2, 10**9, seed=0),
        ValueError,
        "depth",
    ),
    ("random_tree seed", lambda: random_tree(2, 2, seed=-1), ValueError, "seed"),
    ("random_tree seed str", lambda: random_tree(2, 2, seed="0"), TypeError, "seed"),
    (
        "random_tree levels",
        lambda: random_tree(2, 2, seed=0, levels=0),
        ValueError,
        "levels",
    ),
    (
        "random_tree concentration",
        lambda: random_tree(2, 2, seed=0, concentration=0.0),
        ValueError,
        "concentration",
    ),
    ("draw depth", lambda: draw_tree(TREE, 4), ValueError, "depth"),
    # -- the character model
    ("rnn vocab_size", lambda: RNNLanguageModel(0, 4), ValueError, "vocab_size"),
    ("rnn cell", lambda: RNNLanguageModel(5, 4, "lstm"), ValueError, "cell"),
    ("rnn seed", lambda: RNNLanguageModel(5, 4, seed=-3), ValueError, "seed"),
    ("rnn seed float", lambda: RNNLanguageModel(5, 4, seed=1.0), TypeError, "seed"),
    (
        "rnn tokens id",
        lambda: RNN.sequence_logits(torch.tensor([[5]])),
        ValueError,
        "tokens",
    ),
    (
        "rnn tokens float",
        lambda: RNN.sequence_logits(torch.zeros(1, 2)),
        TypeError,
        "tokens",
    ),
    (
        "rnn tokens empty",
        lambda: RNN(torch.zeros(1, 0, dtype=torch.long)),
        ValueError,
        "tokens",
    ),
    ("vocab chars", lambda: CharVocabulary("aa"), ValueError, "chars"),
    ("vocab chars list", lambda: CharVocabulary(["a"]), TypeError, "chars"),
    ("encode unknown", lambda: VOCAB.encode("abz"), ValueError, "text"),
    ("encode bytes", lambda: VOCAB.encode(b"ab"), TypeError, "text"),
    ("decode -1", lambda: VOCAB.decode([-1]), ValueError, "tokens"),
    ("decode 3", lambda: VOCAB.decode([3]), ValueError, "tokens"),
    ("decode float", lambda: VOCAB.decode([1.0]), TypeError, "tokens"),
    ("corpus n", lambda: generate_corpus(0, seed=0), ValueError, "n_sentences"),
    ("corpus seed", lambda: generate_corpus(3, seed="a"), TypeError, "seed"),
    (
        "config n_sentences",
        lambda: CharLMConfig(n_sentences=0),
        ValueError,
        "n_sentences",
    ),
    (
        "config chunk_length",
        lambda: CharLMConfig(chunk_length=1),
        ValueError,
        "chunk_length",
    ),
    (
        "config hidden_size",
        lambda: CharLMConfig(hidden_size=0),
        ValueError,
        "hidden_size",
    ),
    ("config cell", lambda: CharLMConfig(cell="lstm"), ValueError, "cell"),
    ("config steps", lambda: CharLMConfig(steps=-5), ValueError, "steps"),
    ("config batch_size", lambda: CharLMConfig(batch_size=0), ValueError, "batch_size"),
    ("config lr", lambda: CharLMConfig(lr=-0.1), ValueError, "lr"),
    ("config lr nan", lambda: CharLMConfig(lr=math.nan), ValueError, "lr"),
    ("config seed", lambda: CharLMConfig(seed=-1), ValueError, "seed"),
    ("train config type", lambda: train_char_lm({"steps": 1}), TypeError, "config"),
    (
        "train chunk too long",
        lambda: train_char_lm(CharLMConfig(n_sentences=1, chunk_length=500)),
        ValueError,
        "chunk_length",
    ),
    (
        "train model type",
        lambda: train_language_model(
            TREE,
            torch.zeros(2, 3, dtype=torch.long),
            steps=1,
            batch_size=1,
            lr=0.1,
            seed=0,
        ),
        TypeError,
        "model",
    ),
    (
        "train sequences ids",
        lambda: train_language_model(
            RNN, torch.full((2, 3), 9), steps=1, batch_size=1, lr=0.1, seed=0
        ),
        ValueError,
        "sequences",
    ),
    (
        "train sequences empty",
        lambda: train_language_model(
            RNN,
            torch.zeros(0, 3, dtype=torch.long),
            steps=1,
            batch_size=1,
            lr=0.1,
            seed=0,
        ),
        ValueError,
        "sequences",
    ),
    (
        "train steps",
        lambda: train_language_model(
            RNN,
            torch.zeros(2, 3, dtype=torch.long),
            steps=0,
            batch_size=1,
            lr=0.1,
            seed=0,
        ),
        ValueError,
        "steps",
    ),
    # -- experiments
    (
        "search_errors beam_sizes",
        lambda: search_errors(RNN, [[1]], 3, ()),
        ValueError,
        "beam_sizes",
    ),
    (
        "search_errors beam_size 0",
        lambda: search_errors(RNN, [[1]], 3, (0,)),
        ValueError,
        "beam_sizes",
    ),
    (
        "search_errors prompts",
        lambda: search_errors(RNN, [], 3, (1,)),
        ValueError,
        "prompts",
    ),
    (
        "search_errors prompt id",
        lambda: search_errors(RNN, [[9]], 3, (1,)),
        ValueError,
        "prompt",
    ),
    (
        "search_errors length",
        lambda: search_errors(RNN, [[1]], 0, (1,)),
        ValueError,
        "length",
    ),
    # -- issue 22 and the one contract: each failed (or passed silently) before
    (
        "rnn next_log_probs id",
        lambda: RNN.next_log_probs(torch.tensor([[1, 5]])),
        ValueError,
        "prefixes must hold token ids < 5",
    ),
    (
        "rnn start id",
        lambda: RNN.start(torch.tensor([[7]])),
        ValueError,
        "prompts must hold token ids < 5",
    ),
    (
        "rnn advance id",
        lambda: RNN.advance(torch.tensor([0, 5]), RNN.initial_state(2)),
        ValueError,
        "tokens must hold token ids < 5",
    ),
    (
        "rnn advance negative id",
        lambda: RNN.advance(torch.tensor([-2]), RNN.initial_state(1)),
        ValueError,
        "tokens must hold token ids >= 0",
    ),
    (
        "draw path id",
        lambda: draw_tree(TREE, 3, {"beam": (0, 5, 0)}),
        ValueError,
        "paths['beam'] must hold token ids < 2",
    ),
    (
        "sheet prompt id",
        lambda: sheet_beam_search(TREE, 2, 2, prompt=[5]),
        ValueError,
        "prompt must hold token ids < 2",
    ),
    (
        "sheet float prompt",
        lambda: sheet_beam_search(RNN, 2, 2, prompt=[1.5]),
        TypeError,
        "prompt must hold integer token ids",
    ),
    (
        "check=None",
        lambda: beam_search(TREE, 3, 2, check=None),
        TypeError,
        "check must be a bool",
    ),
    (
        "rules as a dict",
        lambda: beam_search(TREE, 3, 2, rules={"eos": 1}),
        TypeError,
        "rules must be of type SearchRules",
    ),
    (
        "plain loop with eos",
        lambda: plain_beam_search(TREE, 3, 2, rules=SearchRules(eos=1)),
        ValueError,
        "rules must be plain",
    ),
    (
        "exact length penalty",
        lambda: exact_search(TREE, 3, rules=SearchRules(eos=1, length_penalty=1.0)),
        ValueError,
        "rules.length_penalty must be 0",
    ),
    # -- issue 21: options that contradict each other or the length
    (
        "min_length > length",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, min_length=4)),
        ValueError,
        "rules.min_length=4 is more than length=3",
    ),
    (
        "greedy min_length > length",
        lambda: greedy_decode(TREE, 2, rules=SearchRules(eos=1, min_length=3)),
        ValueError,
        "rules.min_length=3 is more than length=2",
    ),
    (
        "exact min_length > length",
        lambda: exact_search(TREE, 2, rules=SearchRules(eos=1, min_length=3)),
        ValueError,
        "rules.min_length=3 is more than length=2",
    ),
    (
        "force_eos, min_length = length",
        lambda: beam_search(
            TREE, 3, 2, rules=SearchRules(eos=1, min_length=3, force_eos=True)
        ),
        ValueError,
        "rules.min_length=3 bans it there, so nothing could end: use min_length < "
        "length (3) or drop force_eos",
    ),
    (
        "trace force_eos, min_length = length",
        lambda: beam_trace(
            TREE, 2, 2, rules=SearchRules(eos=1, min_length=2, force_eos=True)
        ),
        ValueError,
        "rules.force_eos forces eos at the last step, token 2",
    ),
    (
        "penalty overflows float32",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, length_penalty=70.0)),
        ValueError,
        "rules.length_penalty=70.0 with length_norm='power' takes f(L) beyond 1e+30 "
        "or below 1e-30 by length=3, where float32 ranks s / f(L) overflow or round "
        "to 0: use |length_penalty| <= 62.9 for this length",
    ),
    (
        "negative penalty underflows",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=1, length_penalty=-70.0)),
        ValueError,
        "use |length_penalty| <= 62.9",
    ),
    (
        "gnmt penalty overflows",
        lambda: beam_trace(
            TREE,
            3,
            2,
            rules=SearchRules(eos=1, length_penalty=300.0, length_norm="gnmt"),
        ),
        ValueError,
        "length_norm='gnmt' takes f(L) beyond 1e+30",
    ),
    (
        "eos empty",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=())),
        ValueError,
        "eos must hold distinct token ids (None for no end token), got ()",
    ),
    (
        "eos repeated",
        lambda: SearchRules(eos=[1, 1]),
        ValueError,
        "eos must hold distinct token ids",
    ),
    (
        "eos list id -1",
        lambda: SearchRules(eos=[0, -1]),
        ValueError,
        "eos must be >= 0",
    ),
    (
        "eos list float",
        lambda: SearchRules(eos=[0, 1.0]),
        TypeError,
        "eos must be an int",
    ),
    (
        "eos list id = M",
        lambda: beam_search(TREE, 3, 2, rules=SearchRules(eos=(0, 2))),
        ValueError,
        "eos must be < 2 (the model's vocabulary size), got (0, 2)",
    ),
    ("eos bytes", lambda: SearchRules(eos=b"\x01"), TypeError, "eos must be an int"),
    (
        "per_node_beam_size=0",
        lambda: SearchRules(per_node_beam_size=0),
        ValueError,
        "per_node_beam_size must be >= 1",
    ),
    (
        "per_node_beam_size=1.5",
        lambda: SearchRules(per_node_beam_size=1.5),
        TypeError,
        "per_node_beam_size must be an int",
    ),
    (
        "groups without diversity",
        lambda: SearchRules(groups=2),
        ValueError,
        "groups=2 and diversity=0.0 go together: diverse beam search needs "
        "groups > 1 and diversity > 0",
    ),
    (
        "diversity without groups",
        lambda: SearchRules(diversity=0.5),
        ValueError,
        "groups=1 and diversity=0.5 go together",
    ),
    ("groups=0", lambda: SearchRules(groups=0), ValueError, "groups must be >= 1"),
    (
        "diversity=-1",
        lambda: SearchRules(groups=2, diversity=-1.0),
        ValueError,
        "diversity must be",
    ),
    (
        "groups do not divide k",
        lambda: beam_search(TREE, 3, 3, rules=SearchRules(groups=2, diversity=1.0)),
        ValueError,
        "rules.groups=2 must divide beam_size=3",
    ),
    (
        "greedy with groups",
        lambda: greedy_decode(TREE, 3, rules=SearchRules(groups=2, diversity=1.0)),
        ValueError,
        "rules.groups=2 must divide beam_size=1",
    ),
    (
        "exact with groups",
        lambda: exact_search(TREE, 3, rules=SearchRules(groups=2, diversity=1.0)),
        ValueError,
        "rules.groups=2 splits a beam: this search has none",
    ),
    (
        "plain loop with groups",
        lambda: plain_beam_search(
            TREE, 3, 2, rules=SearchRules(groups=2, diversity=1.0)
        ),
        ValueError,
        "rules must be plain",
    ),
    (
        "search_errors repeated k",
        lambda: search_errors(RNN, [[1]], 3, (1, 1)),
        ValueError,
        "beam_sizes must not repeat a value, got 1",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "name"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_refused_by_name(call, error, name):
    """The call raises the expected type, and the message names the argument."""
    with pytest.raises(error) as raised:
        call()
    assert name in str(raised.value)


def test_the_table_is_large_enough():
    """At least 50 distinct bad inputs are covered."""
    assert len({c[0] for c in CASES}) == len(CASES) >= 50


def test_numpy_integers_are_accepted():
    """numpy ints work wherever an int is asked for, and give the same result."""
    a = beam_search(TREE, np.int64(3), np.int32(2), rules=SearchRules(eos=np.int64(1)))
    assert a == beam_search(TREE, 3, 2, rules=SearchRules(eos=1))


values = st.one_of(
    st.integers(-3, 8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=2),
)


@given(length=values, k=values, eos=values)
def test_beam_search_gives_a_clear_error_or_a_true_answer(length, k, eos):
    """Random arguments: TypeError/ValueError, or hypotheses whose scores are true."""
    try:
        got = beam_search(TREE, length, k, rules=SearchRules(eos=eos))
    except (TypeError, ValueError):
        return
    assert 1 <= len(got) <= k
    for h in got:
        assert math.isfinite(h.score)
        assert h.score == pytest.approx(TREE.sequence_log_prob(h.tokens))


@given(
    shape=st.lists(st.integers(0, 3), min_size=0, max_size=3),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.long, torch.bool]),
    fill=st.floats(-5, 5) | st.sampled_from([math.nan, math.inf, -math.inf]),
)
def test_odd_prompts_give_a_clear_error_or_a_true_answer(shape, dtype, fill):
    """Prompts of random shape, dtype and value: a clear error or correct beams."""
    prompt = (
        torch.full(tuple(shape), fill).to(dtype)
        if dtype != torch.bool
        else (torch.zeros(tuple(shape), dtype=torch.bool))
    )
    try:
        got = beam_search_batch(RNN, 3, 2, prompts=prompt)
    except (TypeError, ValueError):
        return
    assert prompt.ndim == 2 and prompt.shape[0] >= 1 and dtype == torch.long
    assert len(got) == prompt.shape[0]
    for hypotheses in got:
        for h in hypotheses:
            assert math.isfinite(h.score)
            assert sum(h.token_scores) == pytest.approx(h.score, abs=1e-5)


@given(
    rows=st.lists(
        st.lists(
            st.floats(allow_nan=True, allow_infinity=True, width=32),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_odd_model_outputs_give_a_clear_error_or_a_true_answer(rows):
    """Whatever a model returns: ValueError/TypeError, or finite true scores."""
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        rows = [r[:1] for r in rows]
    table = torch.tensor(rows, dtype=torch.float32)

    def model(prefixes):
        return table[: prefixes.shape[0]] if prefixes.shape[0] <= len(rows) else table

    try:
        got = beam_search(model, 2, 2)
    except (TypeError, ValueError):
        return
    for h in got:
        assert math.isfinite(h.score)
        assert h.score <= 1e-3  # log-probabilities never sum above 0


@given(length=values, eos=values, min_length=values)
def test_other_decoders_give_a_clear_error_or_a_true_answer(length, eos, min_length):
    """greedy, exhaustive and exact search: a clear error, or true, ranked answers."""
    for decode in (greedy_decode, exhaustive_search, exact_search):
        try:
            rules = SearchRules(eos=eos, min_length=min_length)
            got = decode(TREE, length, rules=rules)
        except (TypeError, ValueError):
            continue
        hyps = got
        scores = [h.score for h in hyps]
        assert scores == sorted(scores, reverse=True)
        for h in hyps:
            assert math.isfinite(h.score) and 1 <= len(h.tokens) <= length
            assert h.score == pytest.approx(TREE.sequence_log_prob(h.tokens))
            assert eos not in h.tokens[: max(min_length, len(h.tokens) - 1)]
