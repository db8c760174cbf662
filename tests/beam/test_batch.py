"""Batch independence: a prompt's result never depends on the rest of its batch.

``beam_search_batch`` on random batches of random trees, with every option
(pool and in-beam, early stopping, length penalties, minimum length, n-gram
blocking, banned tokens, one or two end tokens, ``per_node_beam_size``), must
give each prompt exactly what ``beam_search`` gives it alone, and what the
readable ``beam_trace`` gives it. A batch holds prompts of one length or of
different lengths, and the lengths vary from example to example, as does how
much of the tree is left to decode.
"""

import dataclasses
import math

import pytest
import torch
from beam.rule_options import options, with_eos
from beam_reference import Holey
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.search import beam_search, beam_search_batch
from reviewkit.beam.trace import beam_trace
from reviewkit.beam.tree import random_tree
from reviewkit.checks import seeded_generator


def mismatches(model, prompts, length, k, rules):
    """How many prompts of the batch get a list other than their own alone."""
    batch = beam_search_batch(model, length, k, prompts=prompts, rules=rules)
    wrong = 0
    rows = prompts.tolist() if isinstance(prompts, torch.Tensor) else prompts
    for prompt, got in zip(rows, batch, strict=True):
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


class Stateful:
    """A stateless ``model`` behind the stateful interface, with ``concat``.

    The state is each row's prefix; :meth:`advance` asks the model about the
    prefixes of each length together. With :meth:`concat`,
    ``beam_search_batch`` reads prompts of different lengths one length at a
    time and then decodes them all in one loop.
    """

    def __init__(self, model):
        self.model, self.vocab_size = model, model.vocab_size

    def start(self, prompts):
        """Log-probs after prompts ``(N, P)``; the state is the prompts."""
        return self.model(prompts), [tuple(p) for p in prompts.tolist()]

    def advance(self, tokens, state):
        """Append one token per row; the model reads each length's rows at once."""
        state = [(*p, t) for p, t in zip(state, tokens.tolist(), strict=True)]
        by_length = {}
        for row, prefix in enumerate(state):
            by_length.setdefault(len(prefix), []).append(row)
        out = None
        for n, rows in by_length.items():
            log_probs = self.model(torch.tensor([state[r] for r in rows]).view(-1, n))
            if out is None:
                out = log_probs.new_empty(len(state), log_probs.shape[1])
            out[rows] = log_probs
        return out, state

    def select(self, state, index):
        """The prefixes at rows ``index``."""
        return [state[i] for i in index.tolist()]

    def concat(self, states):
        """The rows of ``states`` one after the other."""
        return [prefix for state in states for prefix in state]


@st.composite
def batches(draw):
    """A random tree, 4-6 random prompts (one starts with 0), T.

    Prompts of length 1 or 2 (an empty prompt would make every row the
    same), all of one length or of both, and trees of depth 5 or 6, so that
    3 to 5 tokens are left to decode: long enough for a prompt to be done
    while the batch goes on.
    """
    m, depth = draw(st.integers(2, 4)), draw(st.integers(5, 6))
    peaked = draw(st.sampled_from([0.3, 1.0]))  # 0.3: eos often likely early
    seed = draw(st.integers(0, 10_000))
    tree = random_tree(m, depth, seed=seed, concentration=peaked)
    n = draw(st.integers(4, 6))
    ragged = draw(st.booleans())
    lengths = draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))
    lengths = lengths if ragged else [lengths[0]] * n
    g = seeded_generator(draw(st.integers(0, 10_000)), "prompt_seed")
    prompts = [torch.randint(0, m, (p,), generator=g).tolist() for p in lengths]
    prompts[0][0] = 0  # this one never ends (see Endless)
    if not ragged:
        prompts = torch.tensor(prompts)
    return tree, prompts, depth - max(lengths)


@settings(max_examples=30)  # about 8 CPU seconds
@given(batch=batches(), k=st.integers(1, 4), rules=options, holes=st.booleans())
def test_a_prompt_gets_the_same_list_in_any_batch(batch, k, rules, holes):
    """Every prompt's list from the batch equals its single search and its trace.

    Both with the model as a stateless callable (a ragged batch is then
    decoded one prompt length at a time) and behind a stateful interface with
    ``concat`` (one loop for the whole batch, whatever the lengths).
    """
    tree, prompts, length = batch
    rules = with_eos(rules, tree, length)
    model = Endless(Holey(tree, seed=k) if holes else tree, rules.ends)
    # and with early stopping, where a prompt is most often done with live
    # hypotheses while the batch goes on
    early = dataclasses.replace(rules, finished="pool", early_stopping=True)
    for form in (model, Stateful(model)):
        assert mismatches(form, prompts, length, k, rules) == 0
        assert mismatches(form, prompts, length, k, early) == 0


@pytest.mark.parametrize("n", [2, 3])
def test_padding_longer_than_an_ngram_is_never_blocked(n):
    """An empty prompt beside a long one: its padding holds whole n-grams.

    n-gram blocking looks at a padded history in the batch; windows made only
    of padding must ban nothing (the property test's prompts differ in length
    by one, too little to make such a window).
    """
    model = RNNLanguageModel(6, 8, seed=0).eval()
    prompts = [[], [1, 2, 1, 2, 3], [4]]
    rules = SearchRules(no_repeat_ngram_size=n)
    # k = M: every token of the first step is kept, so one banned shows
    batch = beam_search_batch(model, 3, 6, prompts=prompts, rules=rules)
    for prompt, got in zip(prompts, batch, strict=True):
        alone = beam_search(model, 3, 6, prompt=prompt, rules=rules)
        assert [h.tokens for h in got] == [h.tokens for h in alone]
        assert [h.score for h in got] == pytest.approx([h.score for h in alone])
