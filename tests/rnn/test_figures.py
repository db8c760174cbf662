"""Tests for reviewkit.rnn.figures: the chapter's drawing code."""

import warnings

import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reviewkit import rnn


def _profile(grad_norms, state_norms):
    """A profile with the given norms (figures draw what they are given)."""
    g = torch.tensor(grad_norms, dtype=torch.float64)
    return rnn.GradientProfile(torch.zeros(1, len(g), 1), g, torch.tensor(state_norms))


def test_plot_curve_draws_both_norms_of_the_profile_it_is_given():
    """plot_curve draws the profile's gradient and state norms on a log scale."""
    p = rnn.explorer_curve("tanh", 1.0, 12, True)
    fig = rnn.plot_curve(p, "tanh")
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    grad, state = ax.get_lines()
    assert list(grad.get_ydata()) == p.grad_norms.tolist()
    assert list(state.get_ydata()) == p.state_norms.tolist()
    assert ax.get_title() == "tanh"


def test_overflow_and_zeros_are_drawn_on_the_edges():
    """Overflowed norms are triangles on the top edge, zeros on the bottom edge."""
    fig = rnn.plot_curve(_profile([0.0, 1.0, 2.0, float("inf")], [1.0, 2.0, 3.0, 4.0]))
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    grad_label = r"$\|\partial L/\partial h_t\|$"
    assert list(lines[grad_label].get_ydata()) == [1.0, 2.0]
    over = lines[f"{grad_label}: overflowed"]
    zero = lines[f"{grad_label}: zero"]
    assert (list(over.get_xdata()), list(over.get_ydata())) == ([4], [1.0])
    assert (list(zero.get_xdata()), list(zero.get_ydata())) == ([1], [0.0])
    assert over.get_transform() == ax.get_xaxis_transform()  # y in axes units


def test_a_profile_that_overflowed_everywhere_draws_without_warnings():
    """All norms inf: the figure still renders, with no warning."""
    inf = float("inf")
    fig = rnn.plot_curve(_profile([inf] * 5, [inf] * 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        FigureCanvasAgg(fig).draw()


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
    with pytest.raises(TypeError, match="ax must be of type Axes"):
        rnn.plot_profiles(None, {})
    with pytest.raises(TypeError, match=r"profiles\['a'\] must be of type"):
        rnn.plot_profiles(Figure().add_subplot(), {"a": 1})
    with pytest.raises(TypeError, match="profile must be of type GradientProfile"):
        rnn.plot_curve("tanh")
