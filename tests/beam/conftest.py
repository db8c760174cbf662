"""Shared fixtures of the beam chapter's tests."""

import pytest

from reviewkit.beam import charlm

#: A small version of the page's character model (docs/beam/beyond.md): the
#: same seed and sizes, a tenth of the text and a third of the training steps,
#: so it trains in about two CPU seconds, once per test session.
SMALL_LM = charlm.CharLMConfig(n_sentences=300, steps=100, seed=0)


@pytest.fixture(scope="session")
def small_lm():
    """The small character model, trained once for every test that needs one."""
    return charlm.train_char_lm(SMALL_LM)
