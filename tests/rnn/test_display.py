"""Tests for reviewkit.rnn.display: the static page, the live one, its figure."""

import sys
import warnings

import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg

from reviewkit import rnn
from reviewkit.rnn import display, explorer

SMALL = explorer.ExplorerGrid(
    nonlinearities=("linear", "relu"), weight_scales=(0.5, 1.0), seq_lens=(4, 9)
)


def test_show_explorer_writes_a_standalone_file_without_ipython(tmp_path, monkeypatch):
    """Outside a notebook show_explorer writes a full HTML page and returns its path."""
    monkeypatch.setattr(display, "_in_notebook", lambda: False)
    path = display.show_explorer(SMALL, path=tmp_path / "x.html")
    assert path == tmp_path / "x.html"
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "export function rkRnnExplorer" in page
    assert explorer.explorer_html(explorer.precompute(SMALL)) in page


@pytest.mark.extras  # needs IPython (the docs extra): nox -s extra_tests
def test_show_explorer_returns_html_in_a_notebook(monkeypatch):
    """In a Jupyter kernel show_explorer returns the explorer as IPython HTML."""
    pytest.importorskip("IPython")
    from IPython.display import HTML

    monkeypatch.setattr(display, "_in_notebook", lambda: True)
    shown = display.show_explorer(SMALL)
    assert isinstance(shown, HTML)
    assert shown.data == explorer.explorer_html(explorer.precompute(SMALL))


@pytest.mark.extras  # needs ipywidgets (the widgets extra): nox -s extra_tests
def test_live_explorer_sliders_span_the_accepted_range():
    """live_explorer's sliders reach exactly the range ExplorerGrid accepts."""
    pytest.importorskip("ipywidgets")
    widget = display.live_explorer(SMALL)
    controls = {getattr(c, "description", ""): c for c in widget.children}
    assert {"nonlinearity", "weight_scale", "seq_len", "last_step_only"} <= set(
        controls
    )
    scale, length = controls["weight_scale"], controls["seq_len"]
    assert (scale.min, scale.max) == (0.0, explorer.MAX_WEIGHT_SCALE)
    assert (length.min, length.max) == (1, explorer.MAX_SEQ_LEN)
    explorer.ExplorerGrid(weight_scales=(scale.min, scale.max), seq_lens=(length.max,))
    with pytest.raises(ValueError):
        explorer.ExplorerGrid(weight_scales=(scale.max + 0.05,))
    with pytest.raises(ValueError):
        explorer.ExplorerGrid(seq_lens=(length.max + 1,))


@pytest.mark.extras  # needs ipywidgets (the widgets extra): nox -s extra_tests
def test_live_explorer_draws_at_the_ends_of_its_sliders(capsys):
    """The live callback draws, never raises, at the sliders' ends (overflow too)."""
    pytest.importorskip("ipywidgets")
    widget = display.live_explorer(SMALL)
    for nl in SMALL.nonlinearities:
        for scale in (0.0, 1.5, explorer.MAX_WEIGHT_SCALE):
            widget.f(nl, scale, explorer.MAX_SEQ_LEN, True)
    assert "Figure" in capsys.readouterr().out  # display() outside a notebook prints


def test_live_explorer_says_what_to_install(monkeypatch):
    """Without ipywidgets, live_explorer raises ImportError naming the extra."""
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"reviewkit\[widgets\]"):
        display.live_explorer(SMALL)


def test_bad_arguments_are_named():
    """Bad grids and paths raise errors naming the argument."""
    with pytest.raises(TypeError, match="grid must be of type ExplorerGrid"):
        display.show_explorer("grid")
    with pytest.raises(TypeError, match="path must be of type str or Path"):
        display.show_explorer(SMALL, path=3)
    with pytest.raises(TypeError, match="grid must be of type ExplorerGrid"):
        display.live_explorer({})
    with pytest.raises(TypeError, match="profile must be of type GradientProfile"):
        display.plot_curve("tanh")
    with pytest.raises(TypeError, match="title must be of type str"):
        display.plot_curve(rnn.explorer_curve("tanh", 1.0, 3, True), title=3)


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
