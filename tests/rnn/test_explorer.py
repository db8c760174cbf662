"""Tests for reviewkit.rnn.explorer: the grid, the precomputed data and the HTML."""

import json
import math
import re
from pathlib import Path

import pytest
import torch

from reviewkit.rnn import explorer, explorer_curve

SMALL = explorer.ExplorerGrid(
    nonlinearities=("linear", "relu"), weight_scales=(0.5, 1.0), seq_lens=(4, 9)
)
#: The grid behind tests/js/rnn/explorer_data.json: an overflow (scale 10,
#: T = 200), zeros (scale 0) and a scale Python prints as "1e-05".
FIXTURE_GRID = explorer.ExplorerGrid(
    nonlinearities=("linear",),
    weight_scales=(0.0, 1e-05, 1.0, explorer.MAX_WEIGHT_SCALE),
    seq_lens=(2, explorer.MAX_SEQ_LEN),
    hidden_size=8,
    batch_size=4,
)
FIXTURE = Path(__file__).parents[1] / "js" / "rnn" / "explorer_data.json"


@pytest.fixture(scope="module")
def data():
    """The small grid, precomputed once."""
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
    """A cell of the explorer's data is log10 of explorer_curve's float64 norms."""
    p = explorer_curve("relu", 1.0, 9, False, hidden_size=SMALL.hidden_size)
    assert p.grads.dtype == torch.float64
    curve = data["curves"][explorer.curve_key("relu", 1.0, 9, False)]
    for stored, value in zip(curve["grad"], p.grad_norms.tolist(), strict=True):
        assert stored == pytest.approx(math.log10(value), abs=1e-3)
    for stored, value in zip(curve["state"], p.state_norms.tolist(), strict=True):
        assert stored == pytest.approx(math.log10(value), abs=1e-3)


def test_precompute_is_deterministic(data):
    """Two runs of precompute give identical data (two builds, same page)."""
    assert explorer.precompute(SMALL) == data


def test_the_whole_accepted_range_computes_and_encodes_overflow():
    """Scales 0 to MAX_WEIGHT_SCALE and lengths up to MAX_SEQ_LEN: no error, valid JSON.

    An overflow (linear, scale 10, T = 200) is stored as "inf", the exact zeros
    of scale 0 as "-inf", and everything else as finite log10 values.
    """
    grid = explorer.ExplorerGrid(
        weight_scales=(0.0, explorer.MAX_WEIGHT_SCALE),
        seq_lens=(1, explorer.MAX_SEQ_LEN),
        hidden_size=8,
        batch_size=2,
    )
    data = explorer.precompute(grid)
    json.dumps(data, allow_nan=False)  # JSON has no NaN or infinity
    curves = data["curves"]
    big = curves[explorer.curve_key("linear", 10.0, 200, True)]
    assert set(big["grad"]) == {"inf"}
    assert "inf" in big["state"]
    zero = curves[explorer.curve_key("tanh", 0.0, 200, True)]
    assert set(zero["grad"][:-1]) == {"-inf"}
    assert math.isfinite(zero["grad"][-1])
    for curve in curves.values():
        for v in curve["grad"] + curve["state"]:
            assert v in ("inf", "-inf") or math.isfinite(v)


def test_the_node_tests_read_what_precompute_writes():
    """tests/js/rnn/explorer_data.json is precompute(FIXTURE_GRID) (see __main__)."""
    assert json.loads(FIXTURE.read_text()) == explorer.precompute(FIXTURE_GRID)


def test_html_is_self_contained(data):
    """The explorer HTML loads nothing: no URL but the SVG namespace, no src."""
    html = explorer.explorer_html(data)
    assert "https://" not in html
    assert set(re.findall(r"http://[^\s\"']+", html)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<script[^>]+src=|<link|<iframe|<img|import\(", html)
    assert not re.search(r"^import ", html, re.M)
    assert html.count("<script") == html.count('<script type="module">') == 1


def test_html_embeds_the_data_and_controls(data):
    """The HTML inlines the JSON data and offers every setting as a control."""
    html = explorer.explorer_html(data, element_id="x-1")
    call = re.search(
        r'rkRnnExplorer\(document.getElementById\("x-1"\), (\{.*\})\);', html
    )
    assert json.loads(call.group(1)) == data
    for k in ("nl", "ws", "T", "lso", "all", "note"):
        assert f'data-k="{k}"' in html
    assert 'id="x-1"' in html


def test_full_grid_page_stays_small():
    """The default grid's explorer HTML stays well under the 1 MB page budget."""
    html = explorer.explorer_html(explorer.precompute())
    assert len(html.encode()) < 150_000


def test_explorer_script_inlines_both_shipped_modules():
    """explorer_script is explorer_core.js, then explorer.js without its import."""
    from importlib.resources import files

    core = files("reviewkit.rnn").joinpath("explorer_core.js").read_text()
    widget = files("reviewkit.rnn").joinpath("explorer.js").read_text()
    script = explorer.explorer_script()
    assert script.startswith(core)
    assert 'from "./explorer_core.js"' in widget
    assert not re.search(r"^\s*import\b", script, re.M)
    assert "export function rkRnnExplorer(root, data)" in script
    assert script.endswith(widget[widget.index("const NS") :])


def test_things_to_try_hold():
    """The explorer page's suggestions hold on its own settings, for three seeds."""
    for seed in (0, 1, 2):

        def span(nl, s, lso=True, state=False, seed=seed):
            """Decades gained from step 50 back to step 1 (explorer_curve = data)."""
            p = explorer_curve(nl, s, 50, lso, seed=seed)
            norms = p.state_norms if state else p.grad_norms
            return math.log10(norms[0].item()) - math.log10(norms[-1].item())

        # linear falls at 0.75, rises at 1.25, in between at 1
        lin = {s: span("linear", s) for s in (0.75, 1.0, 1.25)}
        assert lin[0.75] < -2 < 2 < lin[1.25]
        assert lin[0.75] < lin[1.0] < lin[1.25]
        # relu at scale 2: gradient and state both grow by orders of magnitude
        assert span("relu", 2.0) > 3
        assert -span("relu", 2.0, state=True) > 3
        # ... while the tanh state stays flat (within a factor of 3)
        assert abs(span("tanh", 2.0, state=True)) < math.log10(3)
        # unticking last_step_only at scale 0.75 stops the early steps vanishing
        assert span("tanh", 0.75) < -3
        assert span("tanh", 0.75, lso=False) > -1


def test_bad_arguments_are_named():
    """Bad grids and data raise errors naming the argument."""
    with pytest.raises(ValueError, match="weight_scales\\[0\\] must be <= 10.0"):
        explorer.ExplorerGrid(weight_scales=(10.5,))
    with pytest.raises(ValueError, match="element_id must be"):
        explorer.explorer_html({"grid": {}, "curves": {}}, element_id="a b")
    with pytest.raises(ValueError, match="data must be the dict"):
        explorer.explorer_html({"curves": {}})
    with pytest.raises(TypeError, match="grid must be of type ExplorerGrid"):
        explorer.precompute("grid")


if __name__ == "__main__":  # regenerate the node tests' fixture
    FIXTURE.write_text(
        json.dumps(explorer.precompute(FIXTURE_GRID), separators=(",", ":")) + "\n"
    )
