"""Sphinx extension: the mock exam's directive (set up by ``reviewkit_practice``).

``{exam}`` (option ``:statements: N``, 4 by default) writes everything a
seeded exam can draw from, rendered from the question source:

* every autoencoder question (1a-1j) as a ``div.rk-exam-statement``: the
  statement (``.rk-question``), its check's parts (``fieldset.rk-check-part``
  with every option's feedback, as on its page), its verdict
  (``.rk-exam-key .rk-verdict``) and a link to it on its page
  (``.rk-exam-link``). Glue keys are resolved from each question's own page;
* a list of links (``ul.rk-exam-links``, one ``li[data-topic]`` each) to the
  pages behind the drawn items: the beam-search tree (3a), the complexity
  item (3e) and the gradient prediction (2a linear, 2b tanh/ReLU, 2c loss on
  every step); a question not in the source yet links its chapter instead.

``docs/_static/js/exam-widget.mjs`` picks the seed's items, mounts the
beam-search and gradient practices for the others, and scores the exam. With
no script the page lists every statement with its feedback and verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from reviewkit_question_directives import (
    block,
    check_parts,
    parse_myst,
    verdict_block,
)
from reviewkit_questions import Question, loaded_parts
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__all__ = ["TOPICS", "ExamDirective", "setup"]

#: The exam's items that are not statements: (topic, question id, fallback page).
TOPICS = (
    ("beam", "3a", "beam/index"),
    ("complexity", "3e", "beam/index"),
    ("rnn-linear", "2a", "rnn/index"),
    ("rnn-nonlinear", "2b", "rnn/index"),
    ("rnn-every-step", "2c", "rnn/index"),
)


def _ref(directive: SphinxDirective, q: Question | None, fallback: str) -> nodes.Node:
    """A link to question ``q`` on its page, or to page ``fallback`` without it."""
    if q is None:  # the chapter's own title is the link's text
        target, reftype, text = f"/{fallback}", "doc", fallback
    else:
        target, reftype, text = f"q-{q.id}", "ref", f"{q.id}: {q.title}"
    ref = addnodes.pending_xref(
        "",
        refdomain="std",
        reftype=reftype,
        reftarget=target,
        refdoc=directive.env.docname,
        refexplicit=q is not None,
        refwarn=True,
    )
    ref += nodes.inline(text=text)
    return ref


class ExamDirective(SphinxDirective):
    """``{exam}``: the pool a seeded mock exam draws from."""

    option_spec: ClassVar = {"statements": directives.nonnegative_int}

    def run(self) -> list[nodes.Node]:
        questions = {q.id: q for p in loaded_parts() for q in p.questions}
        env = self.env
        for path in sorted((Path(env.srcdir) / "_questions").glob("*.yml")):
            env.note_dependency(str(path))
        # Re-read on every build, as the summary is: it quotes other pages' glue.
        env.reviewkit_glance_docs = getattr(env, "reviewkit_glance_docs", set()) | {
            env.docname
        }
        box = block("div", ["rk-exam"], statements=self.options.get("statements", 4))
        box += nodes.paragraph(
            text="The mock exam is drawn from a seed by a script. With JavaScript "
            "off, here is every statement it draws from, with the feedback on "
            "each answer and the verdict.",
            classes=["rk-noscript"],
        )
        pool = block("div", ["rk-exam-pool"])
        for q in questions.values():
            if q.part == "autoencoders":
                pool += self._statement(q)
        box += pool
        links = block("ul", ["rk-exam-links"])
        for topic, qid, fallback in TOPICS:
            item = block("li", [], topic=topic)
            item += nodes.paragraph("", "", _ref(self, questions.get(qid), fallback))
            links += item
        box += links
        return [box]

    def _statement(self, q: Question) -> nodes.Element:
        item = block(
            "div", ["rk-exam-item", "rk-exam-statement"], question=q.id, part=q.part
        )
        text = block("div", ["rk-question"], question=q.id)
        item += parse_myst(self, f"**{q.lead}** {q.question}", q.page, text)
        check = block("div", ["rk-exam-check"], question=q.id)
        check.extend(check_parts(self, q))
        item += check
        key = block("div", ["rk-exam-key"])
        key += verdict_block(self, q)
        item += key
        link = nodes.paragraph(classes=["rk-exam-link"])
        link += nodes.Text("On its page: ")
        link += _ref(self, q, q.page)
        item += link
        return item


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive."""
    app.add_directive("exam", ExamDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
