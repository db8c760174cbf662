"""Tests for reviewkit.rnn.figures: the chapter's drawing code."""

import pytest
from matplotlib.figure import Figure

from reviewkit import rnn


def test_plot_curve_draws_both_norms():
    """plot_curve (behind the live explorer) draws two log-scale lines of length T."""
    fig = rnn.plot_curve("tanh", 1.0, 12, True)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 2
    assert len(ax.get_lines()[0].get_ydata()) == 12


def test_plot_profiles_draws_one_line_per_profile():
    """plot_profiles draws each profile's gradient norms against t, with labels."""
    x, y = rnn.running_average_task(4, 9, seed=0)
    profiles = {
        f"scale {s}": rnn.gradient_profile(
            rnn.RNNRegressor(weight_scale=s), x, y, last_step_only=True
        )
        for s in (0.5, 1.0)
    }
    ax = rnn.plot_profiles(Figure().add_subplot(), profiles)
    assert [line.get_label() for line in ax.get_lines()] == list(profiles)
    drawn = list(ax.get_lines()[1].get_ydata())
    assert drawn == profiles["scale 1.0"].grad_norms.tolist()


def test_plot_arguments_are_named():
    """Bad figure arguments raise errors naming the argument."""
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        rnn.plot_profiles(None, {})
    with pytest.raises(TypeError, match=r"profiles\['a'\] must be a GradientProfile"):
        rnn.plot_profiles(Figure().add_subplot(), {"a": 1})
    with pytest.raises(ValueError, match="seq_len must be >= 1"):
        rnn.plot_curve("tanh", 1.0, 0, True)
