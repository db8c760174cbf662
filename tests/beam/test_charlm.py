"""Tests for reviewkit.beam.charlm: the character RNN, its corpus and training."""

import math

import pytest
import torch

from reviewkit.beam import charlm as lm
from reviewkit.beam.exact import exact_search, greedy_decode
from reviewkit.beam.search import beam_search


def test_rnn_init_is_seeded_and_leaves_global_rng_alone():
    """Same seed, same weights; the global RNG state is untouched."""
    before = torch.random.get_rng_state()
    a = lm.RNNLanguageModel(5, 8, seed=3)
    b = lm.RNNLanguageModel(5, 8, seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_rnn_bad_arguments_raise():
    """An unknown cell or a zero size is rejected by name."""
    with pytest.raises(ValueError, match="cell must be one of"):
        lm.RNNLanguageModel(5, 8, "lstm")
    with pytest.raises(ValueError, match="hidden_size must be >= 1"):
        lm.RNNLanguageModel(5, 0)


def test_sequence_logits_match_the_stateless_interface():
    """Training logits at position i equal next_log_probs of the first i tokens."""
    model = lm.RNNLanguageModel(6, 10, seed=0)
    tokens = torch.tensor([[1, 4, 2, 5]])
    logits = torch.log_softmax(model.sequence_logits(tokens), -1)
    with torch.no_grad():
        for i in range(4):
            want = model.next_log_probs(tokens[:, :i])
            assert torch.allclose(logits[:, i], want, atol=1e-6)


def test_corpus_is_deterministic_and_grammatical():
    """The generated corpus depends only on its seed and follows the grammar."""
    a = lm.generate_corpus(50, seed=4)
    assert a == lm.generate_corpus(50, seed=4) and a != lm.generate_corpus(50, seed=5)
    nouns = {w for w, _ in lm.GRAMMAR["noun"]}
    for sentence in a:
        words = sentence.rstrip(".").split(" ")
        assert len(words) == 5 and words[1] in nouns


@pytest.fixture(scope="module")
def small_lm():
    """A character model trained briefly (a fast version of the page's)."""
    return lm.train_char_lm(lm.CharLMConfig(n_sentences=600, steps=150, seed=0))


def test_training_lowers_the_loss_well_below_uniform(small_lm):
    """Training takes the loss far below the uniform model's log M."""
    start = sum(small_lm.losses[:5]) / 5
    end = sum(small_lm.losses[-10:]) / 10
    assert end < 0.5 * start and end < 0.5 * math.log(len(small_lm.vocab))


def test_training_is_reproducible():
    """Two trainings with the same config give the same weights."""
    cfg = lm.CharLMConfig(n_sentences=100, steps=5, seed=2)
    a, b = lm.train_char_lm(cfg), lm.train_char_lm(cfg)
    for pa, pb in zip(a.model.parameters(), b.model.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_decoded_text_is_corpus_like(small_lm):
    """The trained model's mode after a sentence start is a grammatical phrase."""
    vocab = small_lm.vocab
    best = exact_search(small_lm.model, 8, prompt=vocab.encode("the ")).best
    text = vocab.decode(best.tokens)
    nouns = {w for w, _ in lm.GRAMMAR["noun"]}
    assert text.split(" ")[0] in nouns
    assert beam_search(small_lm.model, 8, 4, prompt=vocab.encode("the "))[0].score <= (
        best.score + 1e-4
    )


def test_page_model_greedy_falls_into_the_shared_letter_trap():
    """With the page's settings, greedy picks an n-noun and the mode a likelier noun."""
    trained = lm.train_char_lm()
    greedy = greedy_decode(trained.model, 20)[0]
    mode = exact_search(trained.model, 20).best
    greedy_noun = trained.vocab.decode(greedy.tokens).split(" ")[1]
    mode_noun = trained.vocab.decode(mode.tokens).split(" ")[1]
    assert greedy_noun.startswith("n") and not mode_noun.startswith("n")
    assert greedy.score < mode.score
    weight = dict(lm.GRAMMAR["noun"])
    assert weight[mode_noun] > weight[greedy_noun]


def test_weights_are_the_same_built_in_threads_or_in_sequence():
    """Models built in parallel threads get bit-identical weights to sequential ones."""
    from concurrent.futures import ThreadPoolExecutor

    seeds = [0, 1, 2, 3, 0, 1]
    one_by_one = [lm.RNNLanguageModel(40, 16, seed=s) for s in seeds]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda s: lm.RNNLanguageModel(40, 16, seed=s), seeds))
    for a, b in zip(one_by_one, threaded, strict=True):
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(pa, pb)


def test_weights_match_pytorchs_own_seeded_init():
    """The explicit generator draws what torch.manual_seed(seed) would have drawn."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(5)
        parts = [
            torch.nn.Embedding(7, 6),
            torch.nn.GRU(6, 6, batch_first=True),
            torch.nn.Linear(6, 7),
        ]
    want = [p for part in parts for p in part.parameters()]
    got = list(lm.RNNLanguageModel(7, 6, seed=5).parameters())
    assert all(torch.equal(a, b) for a, b in zip(want, got, strict=True))


def test_training_in_threads_equals_training_in_sequence():
    """Several seeds trained in threads give the weights trained one by one."""
    from concurrent.futures import ThreadPoolExecutor

    configs = [lm.CharLMConfig(n_sentences=60, steps=5, seed=s) for s in (0, 1, 2)]
    one_by_one = [lm.train_char_lm(c) for c in configs]
    with ThreadPoolExecutor(3) as pool:
        threaded = list(pool.map(lm.train_char_lm, configs))
    for a, b in zip(one_by_one, threaded, strict=True):
        assert a.losses == b.losses
        for pa, pb in zip(a.model.parameters(), b.model.parameters(), strict=True):
            assert torch.equal(pa, pb)
