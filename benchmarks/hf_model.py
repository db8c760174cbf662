"""reviewkit's RNN language model seen by Hugging Face transformers.

:class:`RNNForCausalLM` wraps the *same* module reviewkit decodes as a minimal
causal LM whose cache is the RNN state, so ``generate(num_beams=k)`` can run
on it; :func:`hf_config` sets ``generate`` up as canonical beam search (fixed
length, or with :data:`~benchmarks.grid.EOS` and score over length), and
:func:`build_models` makes one model and its wrapper per vocabulary size.
"""

from __future__ import annotations

import math
import os

# No hub, ever: the configuration and the model are built in code.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from collections.abc import Sequence
from typing import Any

import torch
from transformers import (
    GenerationConfig,
    GenerationMixin,
    PretrainedConfig,
    PreTrainedModel,
)
from transformers.modeling_outputs import CausalLMOutputWithPast

from benchmarks.grid import BOS, EOS, EOS_LENGTH_PENALTY
from reviewkit.beam.charlm import RNNLanguageModel

__all__ = [
    "TRANSFORMERS_VERSION",
    "RNNConfig",
    "RNNForCausalLM",
    "build_models",
    "hf_config",
    "hf_generate",
    "hf_generate_batch",
    "padded_batch",
]

#: The transformers release the wrapper is written against: ``generate``'s
#: hooks for caches and beam reordering change between releases.
TRANSFORMERS_VERSION = "5.24.0"


class RNNConfig(PretrainedConfig):
    """Configuration of :class:`RNNForCausalLM`: just the two sizes."""

    model_type = "reviewkit-rnn"

    def __init__(self, vocab_size: int = 2, hidden_size: int = 1, **kwargs: Any):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        super().__init__(**kwargs)


class RNNForCausalLM(PreTrainedModel, GenerationMixin):
    """A reviewkit RNN language model seen by ``generate`` as a causal LM.

    The cache is the RNN's hidden state, shape (layers, N, H). ``generate``
    feeds the whole prompt once (the prefill), then only the last token, and
    reorders the cache with :meth:`_reorder_cache` after every beam step.
    """

    config_class = RNNConfig
    main_input_name = "input_ids"

    def __init__(self, config: RNNConfig, lm: RNNLanguageModel):
        super().__init__(config)
        self.lm = lm  # shared, not copied: all three methods run one module

    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        return False  # the cache is a tensor we return; no DynamicCache

    def forward(
        self,
        input_ids: torch.Tensor,  # (N, L)
        cache: torch.Tensor | None = None,  # (layers, N, H)
        attention_mask: torch.Tensor | None = None,  # (N, L + cached)
        **kwargs: Any,
    ) -> CausalLMOutputWithPast:
        """Logits for every position of ``input_ids`` and the new state.

        A left-padded batch (``attention_mask`` 0 on the padding) is read
        without its padding: the rows of each real length together, as
        reviewkit reads a ragged batch, so both start from the same states.
        Only the last position's logits are returned then, all ``generate``
        reads.
        """
        if cache is None and attention_mask is not None and not attention_mask.all():
            return self._prefill_padded(input_ids, attention_mask)
        out, state = self.lm.rnn(self.lm.embedding(input_ids), cache)  # (N, L, H)
        return CausalLMOutputWithPast(logits=self.lm.head(out), cache=state)

    def _prefill_padded(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> CausalLMOutputWithPast:
        """The left-padded prompts read one real length at a time."""
        n, width = input_ids.shape
        lengths = attention_mask.sum(1)  # (N,)
        last = self.lm.head.weight.new_empty(n, self.config.vocab_size)  # (N, M)
        state = self.lm.head.weight.new_empty(1, n, self.config.hidden_size)
        for length in lengths.unique().tolist():
            rows = (lengths == length).nonzero().flatten()
            ids = input_ids[rows, width - length :]  # (n_l, length)
            out, hidden = self.lm.rnn(self.lm.embedding(ids))  # (n_l, length, H)
            last[rows], state[:, rows] = self.lm.head(out[:, -1]), hidden
        return CausalLMOutputWithPast(logits=last[:, None], cache=state)

    def _reorder_cache(self, cache: torch.Tensor, beam_idx: torch.Tensor):
        return cache.index_select(1, beam_idx)


def hf_generate(model: RNNForCausalLM, config: GenerationConfig) -> Any:
    """Canonical fixed-length beam search with transformers from BOS."""
    prompt = torch.full((1, 1), BOS, dtype=torch.long)
    # the mask says the prompt is real: BOS is also the pad id, from which
    # generate would otherwise infer a mask of padding
    mask = torch.ones_like(prompt)
    return model.generate(prompt, attention_mask=mask, generation_config=config)


def padded_batch(prompts: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Prompts of unequal lengths, padded on the left, and their attention mask."""
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), BOS, dtype=torch.long)  # (N, P)
    mask = torch.zeros(len(prompts), width, dtype=torch.long)  # (N, P)
    for row, prompt in enumerate(prompts):
        ids[row, width - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
        mask[row, width - len(prompt) :] = 1
    return ids, mask


def hf_generate_batch(
    model: RNNForCausalLM,
    batch: tuple[torch.Tensor, torch.Tensor],
    config: GenerationConfig,
) -> Any:
    """``generate`` on a left-padded batch ``(ids, mask)`` of :func:`padded_batch`."""
    ids, mask = batch
    return model.generate(ids, attention_mask=mask, generation_config=config)


def hf_config(
    beam_size: int, length: int, *, scores: bool, eos: bool = False
) -> GenerationConfig:
    """``generate``'s settings for canonical beam search of ``length`` tokens.

    With ``eos``: :data:`~benchmarks.grid.EOS` ends a hypothesis, which joins
    the finished ones (transformers' pool), ranked by score / length
    (``length_penalty=1.0``); ``early_stopping="never"`` stops only when no
    live hypothesis can beat the finished ones, reviewkit's default rule.
    """
    search = {}
    if beam_size > 1:  # generate runs its greedy loop for num_beams=1
        search = {
            # the score: the plain sum of log-probabilities (or over L with eos)
            "length_penalty": EOS_LENGTH_PENALTY if eos else 0.0,
            "early_stopping": "never",
        }
    return GenerationConfig(
        num_beams=beam_size,
        num_return_sequences=beam_size,
        max_new_tokens=length,
        min_new_tokens=0,
        **search,
        do_sample=False,
        eos_token_id=EOS if eos else None,
        bos_token_id=BOS,
        pad_token_id=BOS,  # only a fill value after a hypothesis ends
        use_cache=True,
        output_scores=scores,
        return_dict_in_generate=scores,
    )


def build_models(
    hidden_size: int,
    vocab_sizes: Sequence[int],
    cell: str,
    seed: int,
    *,
    eos_probability: float | None = None,
) -> dict[int, tuple[RNNLanguageModel, RNNForCausalLM]]:
    """One reviewkit model per vocabulary size and its transformers wrapper.

    With ``eos_probability``, the output bias of :data:`~benchmarks.grid.EOS`
    is raised so that the untrained (nearly flat) model ends a sequence with
    about that probability at each step: the eos cells then see hypotheses
    finish.
    """
    models = {}
    for vocab_size in vocab_sizes:
        lm = RNNLanguageModel(vocab_size, hidden_size, cell=cell, seed=seed).eval()
        if eos_probability is not None:
            odds = eos_probability / (1 - eos_probability) * (vocab_size - 1)
            with torch.no_grad():
                lm.head.bias[EOS] += math.log(odds)
        config = RNNConfig(vocab_size=vocab_size, hidden_size=hidden_size)
        models[vocab_size] = (lm, RNNForCausalLM(config, lm).eval())
    return models
