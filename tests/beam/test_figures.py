"""Tests for reviewkit.beam.figures: the tree drawing."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from reviewkit.beam.figures import draw_tree
from reviewkit.beam.tree import worked_example


def test_draw_tree_labels_every_leaf_and_highlights_paths():
    """The drawing shows each leaf's total log-probability and one legend per path."""
    tree = worked_example()
    ax = draw_tree(tree, 3, {"greedy": (0, 0, 0), "mode": (0, 1, 0)})
    texts = {t.get_text() for t in ax.texts}
    assert f"{tree.sequence_log_prob((0, 1, 0)):.3f}" in texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["greedy", "mode"]
    plt.close(ax.figure)


def test_draw_tree_rejects_bad_arguments():
    """A depth beyond the tree, a non-tree or a path off the tree is refused by name."""
    with pytest.raises(ValueError, match="depth must be <= 3"):
        draw_tree(worked_example(), 4)
    with pytest.raises(TypeError, match="tree must be of type TreeLanguageModel"):
        draw_tree("tree", 2)
    with pytest.raises(ValueError, match=r"paths\['beam'\] must hold token ids < 2"):
        draw_tree(worked_example(), 3, {"beam": (0, 2, 0)})
