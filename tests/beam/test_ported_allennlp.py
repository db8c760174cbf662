"""AllenNLP's ``per_node_beam_size`` test, ported to reviewkit's decoders.

Source: allenai/allennlp, ``tests/nn/beam_search_test.py``
(``transition_probabilities`` and ``test_different_per_node_beam_size``).
Their table and expected sequences are kept; the code is ours.

How AllenNLP's conventions translate: its model is a Markov chain over six
tokens, row ``i`` the next-token probabilities after token ``i``, with token
0 the start (our prompt ``[0]``) and token 5 the end (our ``eos``); a zero
probability is a banned token (log-probability ``-inf``). AllenNLP's first
step takes the ``k`` best tokens after the start whatever
``per_node_beam_size`` is, and every later node proposes at most that many:
our ``per_node_beam_size``. AllenNLP pads a finished sequence with the end
token; ours stop at it.
"""

import math

import pytest
import torch

from reviewkit.beam import SearchRules, beam_search

# start -> 1, 2, 3, 4 with 0.4, 0.3, 0.2, 0.1; then i -> i + 1 surely; end -> end
TRANSITIONS = torch.tensor(
    [
        [0.0, 0.4, 0.3, 0.2, 0.1, 0.0],
        [0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    ]
)
END = 5


def markov(prefixes):
    """Log-probs ``(N, 6)`` after each prefix's last token."""
    return TRANSITIONS[prefixes[:, -1]].log()


@pytest.mark.parametrize("per_node", [None, 1, 2])
def test_different_per_node_beam_size(per_node):
    """Beam 3, one or two children per node (or all): the same three sequences.

    AllenNLP expects [1, 2, 3, 4, 5], [2, 3, 4, 5] and [3, 4, 5] (before its
    padding) with probabilities 0.4, 0.3 and 0.2 for every per-node size: the
    first step fills the beam, and each path then has one possible child.
    """
    rules = SearchRules(eos=END, per_node_beam_size=per_node)
    got = beam_search(markov, 10, 3, prompt=[0], rules=rules)
    assert [h.tokens for h in got] == [(1, 2, 3, 4, 5), (2, 3, 4, 5), (3, 4, 5)]
    want = [math.log(p) for p in (0.4, 0.3, 0.2)]
    assert [h.score for h in got] == pytest.approx(want, abs=1e-6)
