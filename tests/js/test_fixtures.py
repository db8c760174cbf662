"""The JavaScript tests' fixtures are what the Python package computes today.

``node --test tests/js`` checks the site's search against
``tests/js/fixtures/beam-decoders.json`` and draws RNN practice settings from
``tests/js/fixtures/rnn-grid.json``; these tests regenerate both with
``tests/js/export_fixtures.py`` (about 4 s of CPU: 1,000 trees with five
decoder calls each, and the explorer's grid) and fail if a committed copy
differs, so the fixtures cannot drift from reviewkit.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _exporter():
    """Import tests/js/export_fixtures.py by path (tests/js is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "export_fixtures", HERE / "export_fixtures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def same(a, b, rel: float = 1e-12) -> bool:
    """Equal JSON values, floats to a relative ``rel``: the trees' probabilities
    and the scores differ in their last digit from one CPU to another (seen
    between two machines of this project's kind), and nothing the fixtures
    check depends on that digit (the node tests compare scores to 1e-9)."""
    if isinstance(a, float) or isinstance(b, float):
        numbers = all(isinstance(x, int | float) for x in (a, b))
        return numbers and math.isclose(a, b, rel_tol=rel, abs_tol=rel)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def test_same_tells_a_last_digit_from_a_real_change():
    """A last-digit difference is the same fixture; a new beam or order is not."""
    case = {"tree": {"probs": [0.46733015652208415, 0.5]}, "beam": [[0, 1], -1.5]}
    assert same(
        case, {"tree": {"probs": [0.4673301565220841, 0.5]}, "beam": [[0, 1], -1.5]}
    )
    assert not same(case, {"tree": {"probs": [0.4673, 0.5]}, "beam": [[0, 1], -1.5]})
    assert not same(
        case, {"tree": {"probs": [0.46733015652208415, 0.5]}, "beam": [[1, 0], -1.5]}
    )
    assert not same([1, 2], [1, 2, 3]) and not same({"a": 1}, {"b": 1})
    assert not same(1, True) and not same("1", 1)


def test_committed_fixtures_are_current():
    """The committed fixture file equals a fresh export (floats to 1e-12)."""
    exporter = _exporter()
    fresh = exporter.fixtures_text()
    committed = exporter.OUT.read_text(encoding="utf-8")
    old = json.loads(committed)["cases"]
    new = json.loads(fresh)["cases"]
    if not same(old, new):
        differ = [n["seed"] for o, n in zip(old, new, strict=False) if not same(o, n)]
        raise AssertionError(
            f"{exporter.OUT} is stale ({len(old)} cases committed, {len(new)} "
            f"exported; first differing seeds: {differ[:5]}): run "
            "python tests/js/export_fixtures.py and commit the result"
        )


def test_committed_rnn_grid_is_current():
    """The committed RNN grid equals a fresh precompute() of the default grid."""
    exporter = _exporter()
    fresh = json.loads(exporter.rnn_grid_text())
    assert same(fresh, json.loads(exporter.RNN_OUT.read_text(encoding="utf-8"))), (
        f"{exporter.RNN_OUT} is stale: run python tests/js/export_fixtures.py"
    )


def test_fixtures_cover_the_promised_trees():
    """At least 1,000 depth-3 trees, every (words, k) in 2-3 x 1-3, some with ties."""
    exporter = _exporter()
    cases = json.loads(exporter.OUT.read_text(encoding="utf-8"))["cases"]
    assert len({c["seed"] for c in cases}) == len(cases) >= 1000
    assert {c["tree"]["depth"] for c in cases} == {3}
    kinds = {(len(c["tree"]["vocab"]), c["k"]) for c in cases}
    assert kinds == {(m, k) for m in (2, 3) for k in (1, 2, 3)}
    tied = [c for c in cases if "log_probs" in c["tree"]["nodes"][0]]
    assert 150 <= len(tied) < len(cases)  # both the Python-log and Math.log paths
