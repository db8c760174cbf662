"""Tests for reviewkit.rnn.explorer: the precomputed data and the static HTML."""

import json
import math
import re

import pytest
import torch

from reviewkit.rnn import (
    RNNRegressor,
    explorer,
    gradient_profile,
    running_average_task,
)

SMALL = explorer.ExplorerGrid(
    nonlinearities=("linear", "relu"), weight_scales=(0.5, 1.0), seq_lens=(4, 9)
)


@pytest.fixture(scope="module")
def data():
    """The small grid, precomputed once (on one thread: see tests/conftest.py)."""
    return explorer.precompute(SMALL)


def test_every_grid_cell_is_present(data):
    """precompute stores one gradient and one state curve of length T per grid cell."""
    assert len(data["curves"]) == 2 * 2 * 2 * 2
    for nl in SMALL.nonlinearities:
        for s in SMALL.weight_scales:
            for T in SMALL.seq_lens:
                for lso in (True, False):
                    curve = data["curves"][explorer.curve_key(nl, s, T, lso)]
                    assert len(curve["grad"]) == len(curve["state"]) == T


def test_precomputed_curve_equals_the_probe(data):
    """A cell of the explorer's data is log10 of the probe's output on that model."""
    model = RNNRegressor(1, SMALL.hidden_size, 1, "relu", weight_scale=1.0, seed=0)
    x, y = running_average_task(SMALL.batch_size, 9, seed=0)
    p = gradient_profile(model, x, y, last_step_only=False)
    curve = data["curves"][explorer.curve_key("relu", 1.0, 9, False)]
    for stored, value in zip(curve["grad"], p.grad_norms.tolist(), strict=True):
        assert stored == pytest.approx(math.log10(value), abs=1e-3)
    for stored, value in zip(curve["state"], p.state_norms.tolist(), strict=True):
        assert stored == pytest.approx(math.log10(value), abs=1e-3)


def test_precompute_is_deterministic(data):
    """Two runs of precompute give identical data (two builds, same page)."""
    assert explorer.precompute(SMALL) == data


def test_html_is_self_contained(data):
    """The explorer HTML loads nothing: no URL but the SVG namespace, no src."""
    html = explorer.explorer_html(data)
    assert "https://" not in html
    assert set(re.findall(r"http://[^\s\"']+", html)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<script[^>]+src=|<link|<iframe|<img|import\(", html)
    assert html.count("<script>") == 1


def test_html_embeds_the_data_and_controls(data):
    """The HTML inlines the JSON data and offers every setting as a control."""
    html = explorer.explorer_html(data, element_id="x-1")
    payload = re.search(r"var D = (\{.*?\});\n", html).group(1)
    assert json.loads(payload) == data
    for k in ("nl", "ws", "T", "lso"):
        assert f'data-k="{k}"' in html
    assert 'id="x-1"' in html


def test_full_grid_page_stays_small():
    """The default grid's explorer HTML stays well under the 1 MB page budget."""
    html = explorer.explorer_html(explorer.precompute())
    assert len(html.encode()) < 150_000


@pytest.mark.extras  # needs ipywidgets (the widgets extra): nox -s extra_tests
def test_live_explorer_builds_widget():
    """live_explorer builds an ipywidgets interactive with the four controls."""
    pytest.importorskip("ipywidgets")
    widget = explorer.live_explorer(SMALL)
    names = {getattr(c, "description", "") for c in widget.children}
    assert {"nonlinearity", "weight_scale", "seq_len", "last_step_only"} <= names


def test_bad_arguments_are_named():
    """Bad explorer settings raise errors naming the argument."""
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        explorer.explorer_curve("gelu", 1.0, 5, True)
    with pytest.raises(ValueError, match="seq_len must be >= 1"):
        explorer.explorer_curve("tanh", 1.0, 0, True)
    with pytest.raises(ValueError, match="weight_scale must be >= 0"):
        explorer.explorer_curve("tanh", -1.0, 5, True)
    with pytest.raises(ValueError, match="element_id must be"):
        explorer.explorer_html({"grid": {}, "curves": {}}, element_id="a b")
    with pytest.raises(ValueError, match="data must be the dict"):
        explorer.explorer_html({"curves": {}})


def _log10_span(values: torch.Tensor) -> float:
    """log10 of first over last entry: decades gained from step T back to 1."""
    return math.log10(values[0].item()) - math.log10(values[-1].item())


def test_things_to_try_hold():
    """The explorer page's suggestions hold on its own settings, for several seeds."""
    for seed in (0, 1, 2):
        curve = explorer.explorer_curve
        relu = curve("relu", 2.0, 50, True, seed=seed)
        tanh = curve("tanh", 2.0, 50, True, seed=seed)
        # relu at scale 2: gradient and state both grow by orders of magnitude
        assert _log10_span(relu.grad_norms) > 3
        assert -_log10_span(relu.state_norms) > 3
        # ... while the tanh state stays flat (within a factor of 3)
        assert abs(_log10_span(tanh.state_norms)) < math.log10(3)
        # unticking last_step_only at scale 0.75 stops the early steps vanishing
        last = curve("tanh", 0.75, 50, True, seed=seed)
        every = curve("tanh", 0.75, 50, False, seed=seed)
        assert _log10_span(last.grad_norms) < -3
        assert _log10_span(every.grad_norms) > -1


def test_show_explorer_writes_a_standalone_file_without_ipython(tmp_path, monkeypatch):
    """Outside a notebook show_explorer writes a full HTML page and returns its path."""
    monkeypatch.setattr(explorer, "_in_notebook", lambda: False)
    path = explorer.show_explorer(SMALL, path=tmp_path / "x.html")
    assert path == tmp_path / "x.html"
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "function rkRnnExplorer" in page
    assert explorer.explorer_html(explorer.precompute(SMALL)) in page


def test_explorer_script_is_package_data():
    """The JavaScript is read from explorer.js inside the package, not a string."""
    from importlib.resources import files

    js = files("reviewkit.rnn").joinpath("explorer.js").read_text()
    assert explorer.explorer_script() == js
    assert "function rkRnnExplorer(root, D)" in js


def test_live_explorer_says_what_to_install(monkeypatch):
    """Without ipywidgets, live_explorer raises ImportError naming the extra."""
    import sys

    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"reviewkit\[widgets\]"):
        explorer.live_explorer(SMALL)


def test_explorer_linear_suggestion_holds():
    """Things to try: linear falls at 0.75, rises at 1.25, in between at 1."""
    for seed in (0, 1, 2):
        span = {
            s: _log10_span(
                explorer.explorer_curve("linear", s, 50, True, seed=seed).grad_norms
            )
            for s in (0.75, 1.0, 1.25)
        }
        assert span[0.75] < -2
        assert span[1.25] > 2
        assert span[0.75] < span[1.0] < span[1.25]
