"""Hypothesis strategies over the search options, shared by the beam tests."""

import dataclasses

from hypothesis import strategies as st

from reviewkit.beam.rules import SearchRules

#: Every combination of options the toolkits offer (eos replaced per tree).
options = st.builds(
    lambda ends, finished, min_length, ngram, alpha, norm, force, early, per_node: (
        SearchRules(
            eos=ends,  # replaced by the tree's last tokens (see with_eos)
            finished=finished,
            min_length=min_length,
            no_repeat_ngram_size=ngram,
            length_penalty=alpha,
            length_norm=norm,
            force_eos=force,
            early_stopping=early and finished == "pool",
            per_node_beam_size=per_node,
        )
    ),
    st.sampled_from([0, 0, (0, 1)]),  # one end token, or two
    st.sampled_from(["pool", "beam"]),
    st.sampled_from([0, 0, 1, 2, 3]),  # each rule off more often than on
    st.sampled_from([0, 0, 0, 2, 3]),
    st.sampled_from([0.0, -0.5, 0.6, 1.0, 2.0]),
    st.sampled_from(["power", "gnmt"]),
    st.sampled_from([False, False, True]),
    st.booleans(),
    st.sampled_from([None, None, 1, 2]),
)


def with_eos(rules, tree, length=None):
    """``rules`` with the tree's last token as the end token (or its last two).

    Token 0 is never one of two end tokens (a tree of two tokens gets one).

    With ``length``, a ``min_length`` above it is cut to ``length`` (and to
    ``length - 1`` with ``force_eos``), the most a search of that length takes.
    """
    m = tree.vocab_size
    eos = (
        m - 1 if isinstance(rules.eos, int) else tuple(range(max(1, m - 2), m)) or (0,)
    )
    rules = dataclasses.replace(rules, eos=eos)
    if length is not None:
        most = length - 1 if rules.force_eos else length
        rules = dataclasses.replace(rules, min_length=min(rules.min_length, most))
    return rules
