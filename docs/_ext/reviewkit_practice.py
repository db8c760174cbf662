"""Sphinx extension: practice mode (scores kept in the browser, the mock exam).

Set up by ``reviewkit_questions``. Directives:

* ``{progress-score} autoencoders``: on a chapter index, the reader's score
  on that chapter's self-checks (answered, right, of how many), filled in by
  ``docs/_static/js/selfcheck-progress.mjs`` from ``localStorage``;
* ``{progress-panel}``: on the Practice page, every chapter's score, the
  practice variants' streaks and a reset button. Without a script it is a
  list of links to the chapters and the practice pages;
* ``{exam}``: the mock exam (``reviewkit_exam``).

Scripts: the pages holding a self-check, a score or a panel link
``rk-selfcheck.js``; the exam page links ``rk-exam.js``; both with
``selfcheck.css``. Each is one classic script bundled at build time from the
ES modules in ``docs/_static/js`` by the widgets' bundler
(``beam_stepper.bundle_on_build``), so pages work opened from ``file://``.
No other page loads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from reviewkit_question_directives import block, note_sources, rk_block
from reviewkit_questions import PARTS, loaded_parts
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__all__ = ["SCRIPTS", "doc_link", "setup"]

#: The widgets' ES modules (the bundler's folder).
JS_DIR = Path(__file__).resolve().parents[1] / "_static" / "js"
#: The style sheet of checks, scores and the exam, relative to ``_static``.
CSS_FILE = "selfcheck.css"
#: The practice widgets' style sheet (practice-variants'), for the exam.
WIDGET_CSS = "beam-stepper.css"
#: Each script under ``_static``: its entry module, and the classes of the
#: blocks that need it on a page.
SCRIPTS = {
    "rk-selfcheck.js": (
        "selfcheck-main.mjs",
        {"rk-check", "rk-progress", "rk-progress-panel"},
    ),
    "rk-exam.js": ("exam-main.mjs", {"rk-exam"}),
}
#: The practice variants whose streaks the panel shows: (kind, page); each
#: is listed, under its page's title, once its page exists.
STREAKS = (("beam", "practice/beam"), ("rnn", "practice/rnn"))


def doc_link(
    directive: SphinxDirective, docname: str, text: str | None = None
) -> nodes.Node:
    """A link to page ``docname`` (resolved, and checked, by Sphinx), reading
    ``text`` or, without it, the page's title."""
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype="doc",
        reftarget=f"/{docname}",
        refdoc=directive.env.docname,
        refexplicit=text is not None,
        refwarn=True,
    )
    ref += nodes.inline(text=text or docname)
    return ref


def _part_ids(name: str) -> list[str]:
    """The ids of a part's questions in the source (none if not written yet)."""
    return [q.id for p in loaded_parts() if p.name == name for q in p.questions]


class ProgressScore(SphinxDirective):
    """``{progress-score} <part>``: the reader's score on one chapter."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        names = [p[0] for p in PARTS]
        name = self.arguments[0]
        if name not in names:
            raise self.error(f"no part {name!r} (known: {', '.join(names)})")
        note_sources(self)  # the part's question ids come from its file
        box = block(
            "div", ["rk-progress"], chapter=name, questions=" ".join(_part_ids(name))
        )
        box += nodes.paragraph(
            text="Your score on this chapter's self-checks shows here when "
            "JavaScript is on; it is kept in this browser only.",
            classes=["rk-noscript"],
        )
        return [box]


class ProgressPanel(SphinxDirective):
    """``{progress-panel}``: every chapter's score, the streaks, a reset button."""

    def run(self) -> list[nodes.Node]:
        note_sources(self)
        box = block("div", ["rk-progress-panel"])
        box += nodes.paragraph(
            text="With JavaScript on, your scores and streaks show here, with a "
            "button to reset them; they are kept in this browser only.",
            classes=["rk-noscript"],
        )
        chapters = block("ul", ["rk-progress-chapters"])
        for name, title, _ in PARTS:
            item = block("li", [], chapter=name, questions=" ".join(_part_ids(name)))
            index = f"{name}/index"
            if index in self.env.found_docs:
                item += nodes.paragraph("", "", doc_link(self, index, title))
            else:
                item += nodes.paragraph(text=title)
            chapters += item
        box += chapters
        streaks = block("ul", ["rk-progress-streaks"])
        for kind, page in STREAKS:
            if page in self.env.found_docs:
                item = block("li", [], streak=kind)
                item += nodes.paragraph("", "", doc_link(self, page))
                streaks += item
        box += streaks
        return [box]


def _scripts_for(doctree: nodes.document) -> list[str]:
    """The scripts a page needs, from the classes of its blocks."""
    classes = {c for node in doctree.findall(rk_block) for c in node["classes"]}
    return [script for script, (_, needs) in SCRIPTS.items() if classes & needs]


def _add_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """Link a script (and the style sheet) only from the pages that need it."""
    scripts = _scripts_for(doctree) if doctree is not None else []
    if scripts:
        app.add_css_file(CSS_FILE)
    if "rk-exam.js" in scripts:  # the exam mounts the practice widgets
        app.add_css_file(WIDGET_CSS)
    for script in scripts:
        if _bundle_on_build is None:  # no bundler on this branch: modules over http
            app.add_js_file(f"js/{SCRIPTS[script][0]}", type="module")
        else:
            app.add_js_file(script, defer="defer")


try:  # the widgets' bundler (docs/_ext/beam_stepper.py, practice-variants)
    from beam_stepper import bundle_on_build as _bundle_on_build
except ImportError:  # pragma: no cover - until it is merged
    _bundle_on_build = None


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives, the bundles and the asset hook."""
    app.add_directive("progress-score", ProgressScore)
    app.add_directive("progress-panel", ProgressPanel)
    app.setup_extension("reviewkit_exam")
    if _bundle_on_build is not None:
        for script, (entry, _) in SCRIPTS.items():
            if (JS_DIR / entry).exists():
                _bundle_on_build(app, script, JS_DIR / entry)
    app.connect("html-page-context", _add_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
