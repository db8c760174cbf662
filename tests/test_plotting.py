"""Tests for reviewkit.plotting."""

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb

from reviewkit import plotting


def _luminance(color: str) -> float:
    r, g, b = to_rgb(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_style_context_restores_settings():
    """style_context applies the style inside the block and restores it after."""
    before = mpl.rcParams["axes.facecolor"]
    with plotting.style_context():
        assert mpl.rcParams["figure.facecolor"] == "white"
        assert mpl.rcParams["axes.spines.top"] is False
    assert mpl.rcParams["axes.facecolor"] == before


def test_figures_are_opaque_cards_with_dark_text():
    """Figures have an opaque white background and dark text, legible in both modes."""
    with plotting.style_context():
        fig, _ax = plt.subplots()
        assert fig.get_facecolor()[3] == 1.0
        assert _luminance(mpl.rcParams["text.color"]) < 0.3
        assert _luminance(mpl.rcParams["axes.labelcolor"]) < 0.3
        plt.close(fig)


def test_palette_contrasts_with_white():
    """The first six palette colours stand out against the white figure card."""
    for color in plotting.PALETTE[:6]:
        assert _luminance(color) < 0.75, color
