"""Tests for reviewkit.beam.interface: the model interface, checks at the door."""

import math

import pytest
import torch

from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.interface import (
    PrefixAdapter,
    advance,
    as_stateful,
    decoder_inputs,
    start,
)
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.tree import worked_example
from reviewkit.beam.validation import as_prompts


def uniform(prefixes):
    """A stateless model over three tokens, uniform after every prefix."""
    return torch.full((prefixes.shape[0], 3), -math.log(3))


def test_a_stateful_model_is_used_as_it_is_and_a_callable_is_wrapped():
    """as_stateful keeps an RNN as it is and wraps a callable in PrefixAdapter."""
    rnn = RNNLanguageModel(5, 4, seed=0)
    assert as_stateful(rnn) is rnn
    wrapped = as_stateful(uniform)
    assert isinstance(wrapped, PrefixAdapter) and wrapped.vocab_size is None
    assert as_stateful(worked_example()).vocab_size == 2  # read from the tree


def test_the_adapter_feeds_the_whole_prefix_and_learns_the_vocabulary():
    """The stateless path appends each token to the prefix and re-reads it all."""
    seen = []

    def model(prefixes):
        seen.append(prefixes.tolist())
        return uniform(prefixes)

    adapter = PrefixAdapter(model)
    _, state = adapter.start(torch.tensor([[7], [8]]))
    assert adapter.vocab_size == 3
    state = adapter.select(state, torch.tensor([1, 1, 0]))
    adapter.advance(torch.tensor([0, 1, 2]), state)
    assert seen == [[[7], [8]], [[8, 0], [8, 1], [7, 2]]]


def test_start_checks_prompt_ids_before_the_model_sees_them():
    """A prompt id out of range is refused by name; the model is never called."""
    calls = []

    class Counting(PrefixAdapter):
        def start(self, prompts):
            calls.append(prompts)
            return super().start(prompts)

    with pytest.raises(ValueError, match="prompts must hold token ids < 2"):
        start(Counting(worked_example(), 2), torch.tensor([[2]]))
    assert calls == []


def test_a_ragged_batch_is_read_one_length_at_a_time_then_joined():
    """start on prompts of different lengths: each length read alone, rows in order."""
    model = RNNLanguageModel(5, 4, seed=0).eval()
    prompts = as_prompts([[1, 2], [], [3, 4], [0]], batch=True)
    with torch.inference_mode():
        log_probs, state = start(model, prompts)
        for row, prompt in enumerate([[1, 2], [], [3, 4], [0]]):
            alone, alone_state = start(model, torch.tensor([prompt], dtype=torch.long))
            assert torch.equal(log_probs[row], alone[0])
            assert torch.equal(state[:, row], alone_state[:, 0])
    # a model that cannot join states is told so, by name
    with pytest.raises(TypeError, match="concat"):
        start(PrefixAdapter(uniform, 3), as_prompts([[1], [1, 2]], batch=True))


def test_outputs_are_checked_only_with_check():
    """A wrong-shaped output fails with check=True and passes through with False."""
    model = PrefixAdapter(lambda p: torch.zeros(p.shape[0] + 1, 1), vocab_size=1)
    with pytest.raises(ValueError, match="model output must have shape"):
        start(model, torch.zeros(1, 0, dtype=torch.long))
    log_probs, state = start(model, torch.zeros(1, 0, dtype=torch.long), check=False)
    assert log_probs.shape == (2, 1)
    with pytest.raises(ValueError, match=r"shape \(1, 1\)"):
        advance(model, torch.tensor([0]), state[:1])
    assert advance(model, torch.tensor([0]), state[:1], check=False)[0].shape == (2, 1)


def test_every_decoder_argument_is_checked_at_the_door():
    """decoder_inputs refuses a bad length, rules, check flag or model by name."""
    tree = worked_example()
    _, length, prompts = decoder_inputs(tree, 3, [1, 0], SearchRules(), True)
    assert length == 3 and prompts.tolist() == [[1, 0]]
    with pytest.raises(TypeError, match="rules must be of type SearchRules"):
        decoder_inputs(tree, 3, None, {"eos": 1}, True)
    with pytest.raises(TypeError, match="check must be a bool"):
        decoder_inputs(tree, 3, None, SearchRules(), None)
    with pytest.raises(TypeError, match="model must be callable"):
        decoder_inputs(42, 3, None, SearchRules(), True)


def test_a_stateful_model_needs_an_integer_vocab_size():
    """A model with start/advance/select but no vocab_size is refused by name."""

    class NoVocab:
        def start(self, prompts): ...

        def advance(self, tokens, state): ...

        def select(self, state, index): ...

    with pytest.raises(TypeError, match="model.vocab_size must be an int"):
        as_stateful(NoVocab())
