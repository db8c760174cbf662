"""Figures of the beam-search chapter: a language-model tree with its searches.

:func:`draw_tree` draws a :class:`~reviewkit.beam.tree.TreeLanguageModel`
level by level, with each edge's probability, each sequence's total
log-probability and the paths that greedy, beam and exact search take.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from reviewkit.beam.tree import TreeLanguageModel
from reviewkit.beam.validation import check_id_list
from reviewkit.checks import check_instance, check_int
from reviewkit.plotting import PALETTE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["draw_tree"]


def draw_tree(
    tree: TreeLanguageModel,
    depth: int,
    paths: Mapping[str, Sequence[int]] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw ``depth`` levels of the tree below its root, on ``ax`` (or a new figure).

    Each edge shows the conditional probability and its log; each leaf shows
    the sequence's total log-probability. ``paths`` maps a legend label to the
    tokens of a path to highlight (greedy, beam, mode, ...: at most 6).
    """
    check_instance("tree", tree, TreeLanguageModel)
    depth = check_int("depth", depth, minimum=1)
    if depth > tree.depth:
        raise ValueError(
            f"depth must be <= {tree.depth} (the longest sequence the tree "
            f"scores), got {depth}"
        )
    paths = dict(paths or {})
    if len(paths) > len(PALETTE):
        raise ValueError(
            f"paths must hold at most {len(PALETTE)} paths, got {len(paths)}"
        )
    for label, path in paths.items():
        check_id_list(f"paths[{label!r}]", path, tree.vocab_size)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(9, 5.2))
    m = tree.vocab_size
    leaves = m**depth

    def x_of(prefix: tuple[int, ...]) -> float:
        # Centre of the block of leaves below this prefix.
        first = sum(t * m ** (depth - 1 - i) for i, t in enumerate(prefix))
        width = m ** (depth - len(prefix))
        return first + (width - 1) / 2

    highlight = list(paths.items())
    white = {"fc": "white", "ec": "none"}
    edge_text = {"ha": "center", "va": "center", "fontsize": 7.5, "zorder": 3}
    word_text = {"ha": "center", "va": "top", "fontsize": 8, "zorder": 4}
    for t in range(depth):
        for prefix in itertools.product(range(m), repeat=t):
            for v in range(m):
                child = (*prefix, v)
                x0, y0, x1, y1 = x_of(prefix), -t, x_of(child), -t - 1
                ax.plot([x0, x1], [y0, y1], color="#bbbbbb", lw=1, zorder=1)
                for j, (_, path) in enumerate(highlight):
                    if tuple(path[: t + 1]) == child:
                        off = (j - (len(highlight) - 1) / 2) * 0.06
                        xs = [x0 + off, x1 + off]
                        ax.plot(
                            xs, [y0, y1], color=PALETTE[j], lw=3, alpha=0.85, zorder=2
                        )
                p, mid = tree.table[prefix][v], ((x0 + x1) / 2, (y0 + y1) / 2)
                label = f"{p:g}\n({math.log(p):.2f})"
                ax.text(*mid, label, bbox={**white, "pad": 0.5}, **edge_text)
                ax.text(
                    x1,
                    y1 - 0.02,
                    tree.vocab[v],
                    bbox={**white, "pad": 0.3},
                    **word_text,
                )
    for leaf in itertools.product(range(m), repeat=depth):
        score = f"{tree.sequence_log_prob(leaf):.3f}"
        ax.text(x_of(leaf), -depth - 0.3, score, fontweight="bold", **word_text)
    ax.plot([x_of(())], [0], "o", color="#333333")
    for j, (label, _) in enumerate(highlight):
        ax.plot([], [], color=PALETTE[j], lw=3, label=label)
    if highlight:
        ax.legend(loc="upper right", fontsize=8)
    ax.set_xlim(-0.6, leaves - 0.4)
    ax.set_ylim(-depth - 0.65, 0.25)
    ax.set_yticks([-t for t in range(depth + 1)] + [-depth - 0.38])
    ax.set_yticklabels(
        ["start"] + [f"step {t + 1}" for t in range(depth)] + ["log p(sequence)"]
    )
    ax.set_xticks([])
    ax.grid(False)
    for side in ("bottom", "left"):
        ax.spines[side].set_visible(False)
    return ax
