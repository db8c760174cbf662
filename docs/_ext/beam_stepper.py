"""Sphinx extension: the site's in-browser widgets, the beam stepper among them.

Directives, each a mount point its widget's script fills:

* ``beam-stepper``: the beam-search stepper, loaded with the chapter's worked
  tree (``reviewkit.beam.tree.worked_example``), written into the page as a
  ``<script type="application/json">`` block by :func:`tree_to_json`. The
  same JSON goes to ``_static/beam-stepper-tree.json``.
* ``beam-practice``: a seeded beam-search problem (``?seed=N`` in the URL).
* ``rnn-practice``: a seeded gradient prediction; its data is the RNN
  explorer's grid, which a cell of the page prints as
  ``<script type="application/json" class="rk-rnn-grid">``.

The widgets are written as ES modules in ``docs/_static/js`` (DOM-free logic,
tested with ``node --test tests/js``, and separate DOM modules). A browser
refuses to import modules from a ``file://`` page, and the site must work
opened from disk, so :func:`bundle_modules` joins each widget's entry module
and everything it imports into one classic script when the site is built
(each module inside its own function scope, dependencies first). A page
links its widget's script and ``beam-stepper.css`` only if it holds that
widget. :func:`bundle_on_build` lets another extension bundle its own entry
module the same way.
"""

from __future__ import annotations

import html
import json
import math
import re
from functools import partial
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__all__ = [
    "BeamStepperDirective",
    "beam_practice_node",
    "beam_stepper_node",
    "bundle_modules",
    "bundle_on_build",
    "rnn_practice_node",
    "setup",
    "tree_to_json",
]

#: The widgets' ES modules.
JS_DIR = Path(__file__).resolve().parents[1] / "_static" / "js"
#: The style sheet every widget uses, relative to ``_static``.
CSS_FILE = "beam-stepper.css"
#: Where the worked tree's JSON is written in the built site.
TREE_FILE = "beam-stepper-tree.json"


# -- bundling ES modules into one classic script ------------------------------

_IMPORT = re.compile(
    r'^import\s*\{(?P<names>[^}]*)\}\s*from\s*"(?P<path>\.\.?/[^"]+\.mjs)";[ \t]*$',
    re.M,
)
_EXPORT = re.compile(
    r"^export\s+(?:async\s+)?(?:function\*?|const|class)\s+(?P<name>[A-Za-z_$][\w$]*)",
    re.M,
)
_EXPORT_KEYWORD = re.compile(
    r"^export\s+(?=(?:async\s+)?(?:function\*?|const|class)\s)", re.M
)
_LEFTOVER = re.compile(r"^(?:import|export)\b.*$", re.M)


def _parse_module(path: Path) -> tuple[str, list[Path], list[str]]:
    """A module's body with its imports rewritten, its imports and its exports."""
    text = path.read_text(encoding="utf-8")
    deps: list[Path] = []

    def rewrite_import(match: re.Match[str]) -> str:
        dep = (path.parent / match["path"]).resolve()
        deps.append(dep)
        names = [n.strip() for n in match["names"].split(",") if n.strip()]
        pairs = [re.sub(r"\s+as\s+", ": ", n) for n in names]
        return f"const {{ {', '.join(pairs)} }} = modules.get({json.dumps(str(dep))});"

    body = _IMPORT.sub(rewrite_import, text)
    exports = [m["name"] for m in _EXPORT.finditer(body)]
    body = _EXPORT_KEYWORD.sub("", body)
    leftover = _LEFTOVER.search(body)
    if leftover:
        line = leftover.group(0)
        number = text[: text.find(line)].count("\n") + 1
        raise ValueError(
            f"{path}:{number}: the bundler understands only "
            '`import { a, b as c } from "./x.mjs";` and `export` before a '
            f"function, const or class declaration, got {line.strip()!r}"
        )
    return body, deps, exports


def bundle_modules(entry: Path, *, expose: str | None = None) -> str:
    """Join an ES module and its imports into one classic script.

    The modules are evaluated once each, dependencies first, each inside its
    own function (so their top-level names cannot clash), in strict mode as
    modules are. They may use only this part of the module syntax:
    ``import { a, b as c } from "./x.mjs";`` (relative paths) and ``export``
    before ``function``, ``async function``, ``const`` or ``class``
    declarations; anything else is refused with the file and line.

    Args:
        entry: The entry module.
        expose: If given, the entry's exports become ``globalThis[expose]``
            (the tests use it to run a bundle in Node).

    Returns:
        The script's text.

    Raises:
        ValueError: On syntax the bundler does not understand, or an import
            cycle.
        FileNotFoundError: If a module is missing.
    """
    entry = Path(entry).resolve()
    order: list[Path] = []
    parsed: dict[Path, tuple[str, list[Path], list[str]]] = {}

    def visit(path: Path, stack: tuple[Path, ...]) -> None:
        if path in stack:
            cycle = " -> ".join(p.name for p in (*stack, path))
            raise ValueError(f"import cycle between modules: {cycle}")
        if path in parsed:
            return
        if not path.is_file():
            raise FileNotFoundError(f"module {path} (imported from {stack[-1]})")
        parsed[path] = _parse_module(path)
        for dep in parsed[path][1]:
            visit(dep, (*stack, path))
        order.append(path)

    visit(entry, ())
    try:
        where = entry.relative_to(JS_DIR.parents[2]).as_posix()
    except ValueError:
        where = entry.name
    parts = [
        f"/* Generated from {where} and its imports by docs/_ext/beam_stepper.py"
        " (bundle_modules): edit the modules, not this file. */",
        "(() => {",
        '"use strict";',
        "const modules = new Map();",
    ]
    for path in order:
        body, _, exports = parsed[path]
        parts += [
            f"modules.set({json.dumps(str(path))}, (() => {{",
            f"// ---- {path.name}",
            body.rstrip(),
            f"return {{ {', '.join(exports)} }};",
            "})());",
        ]
    if expose:
        parts.append(
            f"globalThis[{json.dumps(expose)}] = modules.get({json.dumps(str(entry))});"
        )
    parts.append("})();")
    text = "\n".join(parts) + "\n"
    # The map keys are absolute paths: replace them with short names.
    for i, path in enumerate(order):
        text = text.replace(json.dumps(str(path)), json.dumps(f"{i}:{path.name}"))
    return text


def _write_bundle(app: Sphinx, *, name: str, entry: Path) -> None:
    """Write one bundle into the output's ``_static`` (HTML builders only)."""
    if app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(bundle_modules(entry), encoding="utf-8")


def bundle_on_build(app: Sphinx, name: str, entry: Path) -> None:
    """Bundle ``entry`` into ``_static/<name>`` at the start of every HTML build.

    Written before the pages, so Sphinx's cache-busting checksum of the file
    is the new one.

    Args:
        app: The Sphinx application (call this from an extension's setup).
        name: The script's file name under ``_static``.
        entry: The entry module (usually in :data:`JS_DIR`).
    """
    app.connect("builder-inited", partial(_write_bundle, name=name, entry=entry))


# -- the stepper's tree -------------------------------------------------------


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


# -- the directives and their mount points ------------------------------------


class beam_stepper_node(nodes.General, nodes.Element):  # noqa: N801 (docutils style)
    """The stepper's mount point; its ``tree`` attribute holds the JSON text."""


class beam_practice_node(nodes.General, nodes.Element):  # noqa: N801
    """The beam-search practice's mount point."""


class rnn_practice_node(nodes.General, nodes.Element):  # noqa: N801
    """The RNN gradient practice's mount point."""


class BeamStepperDirective(SphinxDirective):
    """``beam-stepper``: place the stepper, loaded with the worked tree."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Return the mount point with the worked tree's JSON inside."""
        node = beam_stepper_node()
        node["tree"] = json.dumps(tree_to_json(_worked_example()))
        return [node]


class _MountDirective(SphinxDirective):
    """A directive with no content that places one node."""

    has_content = False
    node_class: type[nodes.Element]

    def run(self) -> list[nodes.Node]:
        """Return the mount point."""
        return [self.node_class()]


class BeamPracticeDirective(_MountDirective):
    """``beam-practice``: place the seeded beam-search practice."""

    node_class = beam_practice_node


class RnnPracticeDirective(_MountDirective):
    """``rnn-practice``: place the seeded RNN gradient practice."""

    node_class = rnn_practice_node


def _noscript(what: str) -> str:
    return (
        '<p class="rk-noscript">'
        + html.escape(f"The {what} needs JavaScript.")
        + "</p>"
    )


def _visit_stepper(self: Any, node: beam_stepper_node) -> None:
    # "</" cannot appear inside a <script> element; JSON allows "<\/".
    data = node["tree"].replace("</", "<\\/")
    self.body.append(
        '<div class="rk-stepper" data-rk-stepper>'
        '<script type="application/json" class="rk-stepper-tree">'
        f"{data}</script>{_noscript('interactive stepper')}</div>"
    )
    raise nodes.SkipNode


def _visit_mount(kind: str, what: str, self: Any, node: nodes.Element) -> None:
    self.body.append(
        f'<div class="rk-practice rk-{kind}" data-rk-{kind}>{_noscript(what)}</div>'
    )
    raise nodes.SkipNode


def _skip(self: Any, node: nodes.Element) -> None:
    raise nodes.SkipNode


#: Each widget: its node, its script in ``_static`` and its entry module.
WIDGETS: tuple[tuple[type[nodes.Element], str, str], ...] = (
    (beam_stepper_node, "beam-stepper.js", "stepper-main.mjs"),
    (beam_practice_node, "rk-beam-practice.js", "beam-practice-main.mjs"),
    (rnn_practice_node, "rk-rnn-practice.js", "rnn-practice-main.mjs"),
)


def _add_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Link a widget's script (and the style sheet) from the pages holding it."""
    if doctree is None:
        return
    used = [
        script
        for node_class, script, _ in WIDGETS
        if next(iter(doctree.findall(node_class)), None) is not None
    ]
    if used:
        app.add_css_file(CSS_FILE)
    for script in used:
        app.add_js_file(script, defer="defer")


def _write_tree(app: Sphinx, exception: Exception | None) -> None:
    """Write the worked tree's JSON into the built site's ``_static``."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static" / TREE_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tree_to_json(_worked_example()), indent=1) + "\n")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives, their nodes, the bundles and the asset hooks."""
    skip = {f: (_skip, None) for f in ("latex", "text", "man", "texinfo")}
    app.add_node(beam_stepper_node, html=(_visit_stepper, None), **skip)
    visit_beam = partial(_visit_mount, "beam-practice", "beam-search practice")
    visit_rnn = partial(_visit_mount, "rnn-practice", "gradient practice")
    app.add_node(beam_practice_node, html=(visit_beam, None), **skip)
    app.add_node(rnn_practice_node, html=(visit_rnn, None), **skip)
    app.add_directive("beam-stepper", BeamStepperDirective)
    app.add_directive("beam-practice", BeamPracticeDirective)
    app.add_directive("rnn-practice", RnnPracticeDirective)
    for _, script, entry in WIDGETS:
        bundle_on_build(app, script, JS_DIR / entry)
    app.connect("html-page-context", _add_assets)
    app.connect("build-finished", _write_tree)
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
