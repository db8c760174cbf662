"""Tests for reviewkit.rnn.display: the static explorer page and the live one."""

import sys

import pytest

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


def test_show_explorer_returns_html_in_a_notebook(monkeypatch):
    """In a Jupyter kernel show_explorer returns the explorer as IPython HTML."""
    pytest.importorskip("IPython")
    from IPython.display import HTML

    monkeypatch.setattr(display, "_in_notebook", lambda: True)
    shown = display.show_explorer(SMALL)
    assert isinstance(shown, HTML)
    assert shown.data == explorer.explorer_html(explorer.precompute(SMALL))


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
