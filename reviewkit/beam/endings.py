"""A tree where the two ways of keeping finished sequences disagree.

With an end token, beam search has to decide what a finished hypothesis does
to the beam. In the *pool* convention (fairseq, OpenNMT-py, transformers,
tensor2tensor) it leaves the beam for a separate list of finished hypotheses
and ``k`` live ones go on; in the *in-beam* convention it keeps its slot and
competes with the live ones. :func:`ending_example` is a small hand-made tree
on which the two return different sequences with ``k = 2`` and ``T = 4``;
the page on ending sequences traces both with
:func:`~reviewkit.beam.trace.beam_trace`.
"""

from __future__ import annotations

import itertools

from reviewkit.beam.tree import TreeLanguageModel

__all__ = ["ENDING_EXAMPLE_TABLE", "ENDING_EXAMPLE_VOCAB", "ending_example"]

#: The words of :func:`ending_example`; token 2 is the end-of-sequence token.
ENDING_EXAMPLE_VOCAB: tuple[str, str, str] = ("neural", "network", "<end>")

#: Next-token probabilities of the prefixes that decide the example, one row
#: per prefix (neural, network, <end>). "network" is unlikely first but then
#: almost surely ends; "neural neural" goes on strongly for one step and then
#: spreads out. Every other prefix up to length 3 is uniform.
ENDING_EXAMPLE_TABLE: dict[tuple[int, ...], tuple[float, float, float]] = {
    (): (0.75, 0.2, 0.05),
    (0,): (0.9, 0.06, 0.04),
    (1,): (0.05, 0.05, 0.9),
    (0, 0): (0.5, 0.4, 0.1),
    (0, 0, 0): (0.4, 0.35, 0.25),
    (0, 0, 1): (0.45, 0.35, 0.2),
}


def ending_example() -> TreeLanguageModel:
    """The three-token tree (two words and an end token) of the endings page.

    Decoded with ``eos=2``, ``k = 2`` and ``T = 4``, the pool convention
    returns *network <end>*, the most likely sequence, while the in-beam
    convention drops it at step 3 for two live prefixes that both fall below
    it at step 4.

    Returns:
        A tree over :data:`ENDING_EXAMPLE_VOCAB` with the rows of
        :data:`ENDING_EXAMPLE_TABLE` and uniform rows for every other prefix
        of at most three tokens.
    """
    uniform = (1 / 3, 1 / 3, 1 / 3)
    table = {
        prefix: ENDING_EXAMPLE_TABLE.get(prefix, uniform)
        for t in range(4)
        for prefix in itertools.product(range(3), repeat=t)
    }
    return TreeLanguageModel(table, ENDING_EXAMPLE_VOCAB)
