"""Batch independence: a prompt's result never depends on the rest of its batch.

``beam_search_batch`` on random batches of random trees, with every option
(pool and in-beam, early stopping, length penalties, minimum length, n-gram
blocking, banned tokens, one or two end tokens, ``per_node_beam_size``), must
give each prompt exactly what ``beam_search`` gives it alone, and what the
readable ``beam_trace`` gives it. A batch holds prompts of one length (the
API refuses ragged ones); that length varies from example to example, and so
does how much of the tree is left to decode.
"""

import dataclasses
import math

import pytest
import torch
from beam.rule_options import options, with_eos
from beam_reference import Holey
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewkit.beam.search import beam_search, beam_search_batch
from reviewkit.beam.trace import beam_trace
from reviewkit.beam.tree import random_tree
from reviewkit.checks import seeded_generator


def mismatches(model, prompts, length, k, rules):
    """How many prompts of the batch get a list other than their own alone."""
    batch = beam_search_batch(model, length, k, prompts=prompts, rules=rules)
    wrong = 0
    for prompt, got in zip(prompts.tolist(), batch, strict=True):
        alone = beam_search(model, length, k, prompt=prompt, rules=rules)
        traced, _ = beam_trace(model, length, k, prompt=prompt, rules=rules)
        wrong += not (same(got, alone) and same(got, traced))
    return wrong


def same(a, b):
    """Same tokens in the same order, scores equal to 1e-9."""
    return [h.tokens for h in a] == [h.tokens for h in b] and all(
        x.score == pytest.approx(y.score, abs=1e-9) for x, y in zip(a, b, strict=True)
    )


class Endless:
    """``model``, except that a prompt starting with token 0 never ends.

    After such a prompt every end token has probability zero (the row
    renormalised; token 0 is never one of them, so one entry stays finite),
    so its search runs to the maximum length and keeps the batch's loop
    going after the other prompts are done: the batch a done prompt must
    ignore.
    """

    def __init__(self, model, ends):
        self.model, self.ends, self.vocab_size = model, list(ends), model.vocab_size

    def __call__(self, prefixes):
        """Log-probs ``(N, M)``; rows of prefixes that start with 0 never end."""
        out = self.model(prefixes).clone()
        if prefixes.shape[1]:
            never = prefixes[:, 0] == 0  # (N,)
            out[never] = out[never].index_fill(1, torch.tensor(self.ends), -math.inf)
        return out - torch.logsumexp(out, dim=1, keepdim=True)


@st.composite
def batches(draw):
    """A random tree, 4-6 random prompts of one length (one starts with 0), T.

    Prompts of length 1 or 2 (an empty prompt would make every row the
    same) and trees of depth 5 or 6, so that 3 to 5 tokens are left to
    decode: long enough for a prompt to be done while the batch goes on.
    """
    m, depth = draw(st.integers(2, 4)), draw(st.integers(5, 6))
    peaked = draw(st.sampled_from([0.3, 1.0]))  # 0.3: eos often likely early
    seed = draw(st.integers(0, 10_000))
    tree = random_tree(m, depth, seed=seed, concentration=peaked)
    p, n = draw(st.integers(1, 2)), draw(st.integers(4, 6))
    g = seeded_generator(draw(st.integers(0, 10_000)), "prompt_seed")
    prompts = torch.randint(0, m, (n, p), generator=g)
    prompts[0, :1] = 0  # this one never ends (see Endless)
    return tree, prompts, depth - p


@settings(max_examples=30)  # about 4 CPU seconds
@given(batch=batches(), k=st.integers(1, 4), rules=options, holes=st.booleans())
def test_a_prompt_gets_the_same_list_in_any_batch(batch, k, rules, holes):
    """Every prompt's list from the batch equals its single search and its trace."""
    tree, prompts, length = batch
    rules = with_eos(rules, tree, length)
    model = Endless(Holey(tree, seed=k) if holes else tree, rules.ends)
    # and with early stopping, where a prompt is most often done with live
    # hypotheses while the batch goes on
    early = dataclasses.replace(rules, finished="pool", early_stopping=True)
    assert mismatches(model, prompts, length, k, rules) == 0
    assert mismatches(model, prompts, length, k, early) == 0
