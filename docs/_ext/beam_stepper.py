"""Sphinx extension: the in-browser beam-search stepper.

A page asks for the stepper with the ``beam-stepper`` directive::

    ```{beam-stepper}
    ```

At build time the directive reads the chapter's worked tree
(``reviewkit.beam.tree.worked_example``), turns it into JSON with
:func:`tree_to_json` and writes it into the page, inside the widget's mount
point, as a
``<script type="application/json">`` block: the stepper then works offline,
even from a ``file://`` copy of the site, where a script cannot fetch files.
The same JSON is also written to ``_static/beam-stepper-tree.json`` for anyone
who wants the tree on its own.

``beam-stepper.js`` and ``beam-stepper.css`` (in ``docs/_static``) are linked
only from the pages that hold a stepper. The script reads the JSON, draws the
controls, and exposes ``window.reviewkitStepper.run(tree, k)``, which the
browser tests call to compare it with reviewkit's Python decoders.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__all__ = ["BeamStepperDirective", "beam_stepper_node", "setup", "tree_to_json"]

#: The script and style sheet of the widget, relative to ``_static``.
JS_FILE = "beam-stepper.js"
CSS_FILE = "beam-stepper.css"
#: Where the worked tree's JSON is written in the built site.
TREE_FILE = "beam-stepper-tree.json"


def _worked_example() -> Any:
    """The chapter's worked tree (:func:`reviewkit.beam.tree.worked_example`)."""
    from reviewkit.beam.tree import worked_example

    return worked_example()


def tree_to_json(tree: Any) -> dict[str, Any]:
    """Describe a ``TreeLanguageModel`` as plain JSON data for the stepper.

    Args:
        tree: A ``TreeLanguageModel`` (anything with ``vocab`` and ``table``
            mapping prefix tuples to next-token probabilities).

    Returns:
        ``{"vocab": [...], "depth": T, "nodes": [{"prefix": [...], "probs":
        [...], "log_probs": [...]}, ...]}``, nodes in order of prefix length,
        then lexicographic. ``log_probs`` are Python's ``math.log`` of the
        probabilities, the very numbers the Python decoders add, so the
        script's sums agree with Python's to the last bit (JavaScript's
        ``Math.log`` may differ from it by one unit in the last place, which
        could flip an exact tie).
    """
    table = tree.table
    if not table:
        raise ValueError("tree must hold at least one prefix, got an empty table")
    nodes_ = []
    for prefix in sorted(table, key=lambda p: (len(p), p)):
        probs = [float(p) for p in table[prefix]]
        nodes_.append(
            {
                "prefix": list(prefix),
                "probs": probs,
                "log_probs": [math.log(p) for p in probs],
            }
        )
    depth = 1 + max(len(p) for p in table)
    return {"vocab": list(tree.vocab), "depth": depth, "nodes": nodes_}


class beam_stepper_node(nodes.General, nodes.Element):  # noqa: N801 (docutils style)
    """The stepper's mount point; its ``tree`` attribute holds the JSON text."""


class BeamStepperDirective(SphinxDirective):
    """``beam-stepper``: place the stepper, loaded with the worked tree."""

    has_content = False
    required_arguments = 0
    optional_arguments = 0

    def run(self) -> list[nodes.Node]:
        """Return the mount point with the worked tree's JSON inside."""
        node = beam_stepper_node()
        node["tree"] = json.dumps(tree_to_json(_worked_example()))
        return [node]


def _visit_html(self: Any, node: beam_stepper_node) -> None:
    # "</" cannot appear inside a <script> element; JSON allows "<\/".
    data = node["tree"].replace("</", "<\\/")
    self.body.append(
        '<div class="rk-stepper" data-rk-stepper>'
        '<script type="application/json" class="rk-stepper-tree">'
        f"{data}</script>"
        '<p class="rk-stepper-noscript">'
        + html.escape("The interactive stepper needs JavaScript.")
        + "</p></div>"
    )
    raise nodes.SkipNode


def _skip(self: Any, node: beam_stepper_node) -> None:
    raise nodes.SkipNode


def _add_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Link the script and style sheet from pages that hold a stepper only."""
    if doctree is not None and next(iter(doctree.findall(beam_stepper_node)), None):
        app.add_css_file(CSS_FILE)
        app.add_js_file(JS_FILE, defer="defer")


def _write_tree(app: Sphinx, exception: Exception | None) -> None:
    """Write the worked tree's JSON into the built site's ``_static``."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static" / TREE_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tree_to_json(_worked_example()), indent=1) + "\n")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive, its node and the asset hooks."""
    app.add_node(
        beam_stepper_node,
        html=(_visit_html, None),
        latex=(_skip, None),
        text=(_skip, None),
        man=(_skip, None),
        texinfo=(_skip, None),
    )
    app.add_directive("beam-stepper", BeamStepperDirective)
    app.connect("html-page-context", _add_assets)
    app.connect("build-finished", _write_tree)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
