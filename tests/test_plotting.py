"""Tests for reviewkit.plotting."""

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb, to_rgba

from reviewkit import plotting

# Settings unlike the style's in every key the tests read: a caller's own
# (dark, transparent) choices that the style must override and then give back.
CALLER = {
    "figure.facecolor": "none",
    "axes.facecolor": "#123456",
    "axes.spines.top": True,
    "text.color": "white",
    "axes.labelcolor": "white",
}


def _luminance(color: str) -> float:
    r, g, b = to_rgb(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_style_context_applies_the_style_and_gives_back_the_callers():
    """Inside style_context every setting is the style's; after it, the caller's."""
    with mpl.rc_context(CALLER):
        before = dict(mpl.rcParams)
        with plotting.style_context():
            for key, value in plotting.STYLE.items():
                assert mpl.rcParams[key] == mpl.rcParams.validate[key](value), key
        assert dict(mpl.rcParams) == before
        assert mpl.rcParams["axes.facecolor"] == "#123456"


def test_use_style_sets_every_setting_of_the_style():
    """use_style changes the global settings to the style's."""
    with mpl.rc_context(CALLER):
        plotting.use_style()
        for key, value in plotting.STYLE.items():
            assert mpl.rcParams[key] == mpl.rcParams.validate[key](value), key


def test_figures_are_opaque_cards_with_dark_text():
    """Figures in the style are opaque white cards with dark text, whatever was set."""
    with mpl.rc_context(CALLER):
        with plotting.style_context():
            fig, ax = plt.subplots()
            label = ax.set_xlabel("x")
            title = ax.set_title("t")
        try:
            assert to_rgba(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
            assert to_rgba(ax.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
            assert _luminance(label.get_color()) < 0.3
            assert _luminance(title.get_color()) < 0.3
        finally:
            plt.close(fig)


def test_palette_contrasts_with_white():
    """The first six palette colours stand out against the white figure card."""
    for color in plotting.PALETTE[:6]:
        assert _luminance(color) < 0.75, color
