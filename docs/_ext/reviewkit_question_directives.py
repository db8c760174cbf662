"""Sphinx extension: the directives that render the question source.

Set up by ``reviewkit_questions`` (which reads ``docs/_questions``). Each
directive takes a question id and renders from the source:

* ``{question} 1a``: the question, with the anchor ``q-1a``;
* ``{selfcheck} 1a``: the self-check, a ``div.rk-check`` of
  ``fieldset.rk-check-part``s whose options carry ``data-correct`` and their
  feedback (``docs/_static/js/selfcheck-widget.mjs`` makes it a form; with no
  script it is a plain list);
* ``{verdict} 1a``: "**False.** <reason>", the opening of an answer;
* ``{answers-at-a-glance} [part]``: every verdict and reason, with links, and
  the common mistakes. Pages holding it are re-read on every build, so their
  numbers follow the pages they quote.

The HTML is described in ``docs/_questions/README.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from reviewkit_questions import (
    PARTS,
    QUESTIONS_DIR,
    Part,
    Question,
    glue_from,
    loaded_parts,
)
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__all__ = [
    "block",
    "check_parts",
    "parse_myst",
    "rk_block",
    "setup",
    "verdict_block",
]


# -- Nodes: plain containers with the data attributes the scripts read --------


class rk_block(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """A ``<div>`` (or ``tag``) with classes and ``data-*`` attributes."""


def _visit_block(self: Any, node: rk_block) -> None:
    # starttag writes the node's own ids and classes; data-* come from "data"
    attrs = {f"data-{k}": v for k, v in node.get("data", {}).items()}
    self.body.append(self.starttag(node, node.get("tag", "div"), "", **attrs))


def _depart_block(self: Any, node: rk_block) -> None:
    self.body.append(f"</{node.get('tag', 'div')}>\n")


def block(tag: str, classes: list[str], **data: Any) -> rk_block:
    """A ``<tag class=... data-key=value ...>`` node (``_`` in keys becomes ``-``)."""
    node = rk_block(
        tag=tag, data={k.replace("_", "-"): str(v) for k, v in data.items()}
    )
    node["classes"] = classes
    return node


def note_sources(directive: SphinxDirective) -> None:
    """Re-read the page when a question file changes, appears or goes (the
    folder's own time changes when a file is added or removed)."""
    folder = Path(directive.env.srcdir) / "_questions"
    for path in [folder, *sorted(folder.glob("*.yml"))]:
        directive.env.note_dependency(str(path))


def parse_myst(
    directive: SphinxDirective, text: str, page: str, into: nodes.Element
) -> nodes.Element:
    """Parse MyST ``text``, written for ``page``, into ``into`` and return it."""
    if page != directive.env.docname:
        text = glue_from(text, page)
    lines = StringList(text.splitlines())
    directive.state.nested_parse(lines, directive.content_offset, into)
    return into


class _QuestionDirective(SphinxDirective):
    """Base: look the question up by its id (the one argument)."""

    required_arguments = 1

    def question(self) -> Question:
        questions = {q.id: q for p in loaded_parts() for q in p.questions}
        qid = self.arguments[0]
        if qid not in questions:
            raise self.error(
                f"no question {qid!r} in {QUESTIONS_DIR}/ (known: "
                f"{', '.join(sorted(questions)) or 'none'})"
            )
        note_sources(self)
        return questions[qid]


class QuestionText(_QuestionDirective):
    """``{question} 1a``: the question, with the anchor ``q-1a``."""

    def run(self) -> list[nodes.Node]:
        q = self.question()
        box = block("div", ["rk-question"], question=q.id)
        parse_myst(self, f"**{q.lead}** {q.question}", q.page, box)
        target = nodes.target("", "", ids=[f"q-{q.id}"], names=[f"q-{q.id}"])
        self.state.document.note_explicit_target(target)
        return [target, box]


def check_parts(directive: SphinxDirective, q: Question) -> list[rk_block]:
    """The parts of ``q``'s check: one ``fieldset.rk-check-part`` each.

    Every option is a ``li.rk-option`` with ``data-correct`` and its
    ``.rk-feedback``, as ``docs/_questions/README.md`` describes; the
    self-check and the mock exam both render them with this.
    """
    fieldsets = []
    for i, part in enumerate(q.check):
        fieldset = block("fieldset", ["rk-check-part"], kind=part.kind, part=i)
        fieldset += parse_myst(
            directive, part.prompt, q.page, block("div", ["rk-check-prompt"])
        )
        options = block("ul", ["rk-options"])
        for j, option in enumerate(part.options):
            item = block(
                "li", ["rk-option"], option=j, correct=str(option.correct).lower()
            )
            text = block("div", ["rk-option-text"])
            feedback = block("div", ["rk-feedback"])
            item += parse_myst(directive, option.text, q.page, text)
            item += parse_myst(directive, option.feedback, q.page, feedback)
            options += item
        fieldset += options
        fieldsets.append(fieldset)
    return fieldsets


class SelfCheck(_QuestionDirective):
    """``{selfcheck} 1a``: the commit-first check, every option with feedback."""

    def run(self) -> list[nodes.Node]:
        q = self.question()
        box = block("div", ["rk-check"], question=q.id, chapter=q.part, page=q.page)
        box["ids"] = [f"check-{q.id}"]
        heading = nodes.paragraph(classes=["rk-check-heading"])
        heading += nodes.strong(text=f"Check yourself ({q.id})")
        box += heading
        box.extend(check_parts(self, q))
        return [box]


def verdict_block(directive: SphinxDirective, q: Question) -> rk_block:
    """``div.rk-verdict``: "**Verdict.** reason", glue pointed at ``q.page``."""
    box = block("div", ["rk-verdict"], question=q.id)
    return parse_myst(directive, f"**{q.verdict}.** {q.reason}", q.page, box)


class Verdict(_QuestionDirective):
    """``{verdict} 1a``: "**Verdict.** reason", the opening of an answer."""

    def run(self) -> list[nodes.Node]:
        return [verdict_block(self, self.question())]


class AnswersAtAGlance(SphinxDirective):
    """``{answers-at-a-glance} [part]``: verdicts, reasons and common mistakes.

    With a part name (``autoencoders``, ``rnn``, ``beam``) only that part is
    listed, so the page can give each part its own heading; without one,
    every part, each under its title.
    """

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        env = self.env
        env.reviewkit_glance_docs = getattr(env, "reviewkit_glance_docs", set()) | {
            env.docname
        }
        note_sources(self)
        parts = loaded_parts()
        if self.arguments:
            name, names = self.arguments[0], [p[0] for p in PARTS]
            if name not in names:
                raise self.error(f"no part {name!r} (known: {', '.join(names)})")
            parts = [p for p in parts if p.name == name]
            if not parts:  # the part's file is not written yet
                note = f"No question of this part is in {QUESTIONS_DIR}/{name}.yml yet."
                return [nodes.paragraph(text=note)]
        return [self._part(part, titled=not self.arguments) for part in parts]

    def _part(self, part: Part, titled: bool) -> nodes.Element:
        section = block("div", ["rk-glance-part"], part=part.name)
        if titled:
            title = nodes.paragraph(classes=["rk-glance-title"])
            title += nodes.strong(text=part.title)
            section += title
        items = nodes.bullet_list(classes=["rk-glance"])
        for q in part.questions:
            item = nodes.list_item(classes=["rk-glance-item"])
            head = nodes.paragraph(classes=["rk-glance-question"])
            ref = addnodes.pending_xref(
                "",
                refdomain="std",
                reftype="ref",
                reftarget=f"q-{q.id}",
                refexplicit=True,
                refwarn=True,
            )
            ref += nodes.inline(text=f"{q.id}. {q.title}")
            head += ref
            item += head
            item += verdict_block(self, q)
            items += item
        section += items
        if part.mistakes:
            label = nodes.paragraph(classes=["rk-mistakes-title"])
            label += nodes.strong(text="Common mistakes")
            section += label
            mistakes = nodes.bullet_list(classes=["rk-mistakes"])
            for text in part.mistakes:
                mistakes += parse_myst(self, text, self.env.docname, nodes.list_item())
            section += mistakes
        return section


def _glance_outdated(app: Sphinx, env: Any, added, changed, removed) -> list[str]:
    """Re-read the summary pages on every build: they quote other pages' glue."""
    return sorted(getattr(env, "reviewkit_glance_docs", set()) - set(removed))


def _merge(app: Sphinx, env: Any, docnames: Any, other: Any) -> None:
    env.reviewkit_glance_docs = getattr(env, "reviewkit_glance_docs", set()) | getattr(
        other, "reviewkit_glance_docs", set()
    )


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "reviewkit_glance_docs", set()).discard(docname)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives, the node and the hooks."""
    app.add_node(
        rk_block,
        html=(_visit_block, _depart_block),
        text=(lambda self, node: None, lambda self, node: None),
    )
    app.add_directive("question", QuestionText)
    app.add_directive("selfcheck", SelfCheck)
    app.add_directive("verdict", Verdict)
    app.add_directive("answers-at-a-glance", AnswersAtAGlance)
    app.connect("env-get-outdated", _glance_outdated)
    app.connect("env-merge-info", _merge)
    app.connect("env-purge-doc", _purge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
