"""Export reviewkit.beam's decoders on random trees, for the JavaScript tests.

Writes ``tests/js/fixtures/beam-decoders.json``: for each of :data:`SEEDS`, a
random tree of depth 3 over 2 or 3 words (from
:func:`reviewkit.beam.random_tree`, one in five with exact ties), a beam width
from 1 to 3, and what the Python decoders return on it:

* ``beams``: the beam after each step ``t`` = 1, 2, 3, i.e.
  ``beam_search(tree, t, k)`` (for a tree without an end token the beam after
  step ``t`` does not depend on the length limit), tokens and scores, best
  first;
* ``greedy``: ``greedy_decode(tree, 3)``;
* ``exhaustive``: ``exhaustive_search(tree, 3)``, all sequences, best first.

Each hypothesis is a ``[tokens, score]`` pair.

The tree is written by ``tree_to_json`` of ``docs/_ext/beam_stepper.py``, the
format the stepper reads. Only the trees with ties keep its ``log_probs``
(Python's ``math.log``, so that tied sums are tied in JavaScript too); on the
others the JavaScript takes its own ``Math.log``, the path a reader's edit in
the stepper takes, and the scores must still agree to 1e-9. ``node --test tests/js``
checks the site's JavaScript search against this file, and
``tests/js/test_fixtures.py`` checks that the file is what this script writes
today. Regenerate it with ``python tests/js/export_fixtures.py``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from reviewkit.beam import beam_search, exhaustive_search, greedy_decode, random_tree

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "fixtures" / "beam-decoders.json"
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


def main() -> None:
    """Write the fixture file and say where."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(fixtures_text(), encoding="utf-8")
    print(f"wrote {len(SEEDS)} cases to {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
