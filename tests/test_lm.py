"""Tests for reviewkit.lm: the tree, the character RNN, its corpus and training."""

import math

import pytest
import torch

from reviewkit import lm
from reviewkit.decoding import beam_search, exact_search


def test_tree_rejects_unnormalised_rows():
    """A tree row that does not sum to one, or has the wrong length, is named."""
    with pytest.raises(ValueError, match=r"table\[\(\)\] must be positive and sum"):
        lm.TreeLanguageModel({(): (0.5, 0.6)}, ("a", "b"))
    with pytest.raises(ValueError, match="must hold 2 probabilities"):
        lm.TreeLanguageModel({(): (1.0,)}, ("a", "b"))


def test_tree_scores_sequences_by_summing_log_probs():
    """A sequence's score is the sum of the log-probs along its path."""
    tree = lm.worked_example()
    assert tree.sequence_log_prob((0, 1, 0)) == pytest.approx(
        math.log(0.6) + math.log(0.45) + math.log(0.9)
    )
    assert tree.words((0, 1)) == "neural network"


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


@pytest.mark.parametrize("seed", [0, 1])
def test_search_errors_shrink_as_the_beam_widens(seed):
    """Greedy misses the mode often; a wide beam misses it less, never more often."""
    trained = lm.train_char_lm(lm.CharLMConfig(n_sentences=600, steps=150, seed=seed))
    held = lm.generate_corpus(8, seed=100 + seed)
    prompts = [trained.vocab.encode(s[:p]) for s in held for p in (0, 4, 9, 14)]
    report = lm.search_errors(trained.model, prompts, 16, (1, 2, 8))
    rate = report.miss_rate()
    assert rate[0] > 0.1
    assert rate[2] < rate[0]
    assert bool((report.beam <= report.exact[:, None] + 1e-4).all())


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
    from reviewkit.decoding import greedy_decode

    greedy = greedy_decode(trained.model, 20)[0]
    mode = exact_search(trained.model, 20).best
    greedy_noun = trained.vocab.decode(greedy.tokens).split(" ")[1]
    mode_noun = trained.vocab.decode(mode.tokens).split(" ")[1]
    assert greedy_noun.startswith("n") and not mode_noun.startswith("n")
    assert greedy.score < mode.score
    weight = dict(lm.GRAMMAR["noun"])
    assert weight[mode_noun] > weight[greedy_noun]


def test_a_wider_beam_can_do_worse_but_rarely():
    """Some random tree has k = 3 scoring below k = 2; few of the first 200 do."""

    def worse(seed):
        tree = lm.random_tree(3, 4, seed=seed)
        small, large = (beam_search(tree, 4, k)[0] for k in (2, 3))
        return large.score < small.score - 1e-9

    assert sum(worse(s) for s in range(200)) <= 4
    assert any(worse(s) for s in range(2000))
