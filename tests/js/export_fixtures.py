"""Export what the site's JavaScript is tested against, from the Python package.

Writes two files into ``tests/js/fixtures``; ``tests/js/test_fixtures.py``
fails if either differs from what this script writes today. Regenerate them
with ``python tests/js/export_fixtures.py``.

``beam-decoders.json`` holds, for each of :data:`SEEDS`, a random tree of
depth 3 over 2 or 3 words (:func:`reviewkit.beam.random_tree`, one in five
with exact ties), a beam width from 1 to 3, and what reviewkit.beam's
decoders return on it (called with ``check=False``: the trees are valid by
construction, and the checks would double the time this takes):

* ``beams``: the beam after each step ``t`` = 1, 2, 3, that is
  ``beam_search(tree, t, k)`` (for a tree without an end token the beam after
  step ``t`` does not depend on the length limit), best first;
* ``greedy``: ``greedy_decode(tree, 3)``;
* ``exhaustive``: ``exhaustive_search(tree, 3)``, all sequences, best first.

Each hypothesis is a ``[tokens, score]`` pair. The tree is written by
``tree_to_json`` of ``docs/_ext/beam_stepper.py``, the format the stepper
reads. Only the trees with ties keep its ``log_probs`` (Python's
``math.log``, so that tied sums are tied in JavaScript too); on the others
the JavaScript takes its own ``Math.log``, the path a reader's edit in the
stepper takes, and the scores must still agree to 1e-9.

``rnn-grid.json`` is the RNN explorer's grid,
``reviewkit.rnn.explorer.precompute(ExplorerGrid())``, the data the RNN
practice page holds (an overflow written as the string ``"inf"``, as that
page writes it): the node tests draw practice settings from it.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

from reviewkit.beam import beam_search, exhaustive_search, greedy_decode, random_tree
from reviewkit.rnn import ExplorerGrid, precompute

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "fixtures" / "beam-decoders.json"
RNN_OUT = OUT.with_name("rnn-grid.json")
#: The trees: well over the 1,000 the node tests must cover.
SEEDS = range(1000)
DEPTH = 3
#: Peaked, uniform and flat rows (random_tree's concentration), in turn.
CONCENTRATIONS = (0.3, 1.0, 3.0)


def _tree_to_json() -> Any:
    """``tree_to_json`` from the Sphinx extension (the stepper's own format)."""
    path = ROOT / "docs" / "_ext" / "beam_stepper.py"
    spec = importlib.util.spec_from_file_location("beam_stepper", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.tree_to_json


def _hypotheses(found: list) -> list[list[Any]]:
    """Hypotheses as ``[tokens, score]`` pairs (half the size of objects)."""
    return [[list(h.tokens), h.score] for h in found]


def case(seed: int, tree_to_json: Any) -> dict[str, Any]:
    """One fixture: the tree of ``seed``, its beam width and the decoders' results."""
    vocab = 2 + seed % 2
    k = 1 + (seed // 2) % 3
    levels = 3 if seed % 5 == 4 else None  # probabilities from 3 levels: ties
    conc = CONCENTRATIONS[(seed // 6) % 3]
    tree = random_tree(vocab, DEPTH, seed=seed, concentration=conc, levels=levels)
    data = tree_to_json(tree)
    if levels is None:
        for node in data["nodes"]:
            del node["log_probs"]
    beams = [beam_search(tree, t, k, check=False) for t in range(1, DEPTH + 1)]
    return {
        "seed": seed,
        "k": k,
        "tree": data,
        "beams": [_hypotheses(found) for found in beams],
        "greedy": _hypotheses(greedy_decode(tree, DEPTH, check=False))[0],
        "exhaustive": _hypotheses(exhaustive_search(tree, DEPTH, check=False)),
    }


def fixtures_text() -> str:
    """The fixture file's text: one case per line, so diffs stay readable."""
    tree_to_json = _tree_to_json()
    lines = [json.dumps(case(s, tree_to_json), separators=(",", ":")) for s in SEEDS]
    head = json.dumps({"generator": "tests/js/export_fixtures.py", "depth": DEPTH})
    return head[:-1] + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n"


def _plain(x: Any) -> Any:
    """JSON has no infinity: an overflow becomes the string "inf" (or "-inf")."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x


def rnn_grid_text() -> str:
    """The RNN grid file's text: precompute() of the default grid, one curve a line."""
    data = _plain(precompute(ExplorerGrid()))
    curves = [
        f"{json.dumps(key)}:{json.dumps(curve, separators=(',', ':'))}"
        for key, curve in data["curves"].items()
    ]
    return (
        f'{{"grid":{json.dumps(data["grid"], separators=(",", ":"))},"curves":{{\n'
        + ",\n".join(curves)
        + "\n}}\n"
    )


def main() -> None:
    """Write both fixture files and say where."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(fixtures_text(), encoding="utf-8")
    print(f"wrote {len(SEEDS)} cases to {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")
    RNN_OUT.write_text(rnn_grid_text(), encoding="utf-8")
    print(f"wrote the RNN grid to {RNN_OUT} ({RNN_OUT.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
