"""Sphinx extension: one source for every question, its verdict and its self-check.

The review sheet's 18 questions live in ``docs/_questions/<part>.yml`` (the
schema is in ``docs/_questions/README.md``). Everything a reader sees of a
question is rendered from there, so the page, the summary, the self-check and
the printed sheet cannot drift apart:

* ``{question} 1a``: the question in our words, with the anchor ``q-1a``;
* ``{selfcheck} 1a``: the commit-first check (options and per-option
  feedback as HTML that ``docs/_static/js`` turns into a form);
* ``{verdict} 1a``: "**False.** <reason>", the first thing in an answer;
* ``{answers-at-a-glance}``: every question's verdict and reason, with links,
  and each part's common mistakes.

Text in the source is MyST. Glue keys (``{glue:text}`key```) name the
question's own page; rendered on another page they are rewritten to
``/<page>.md::key``, which myst-nb resolves from that page's executed output.
Pages holding an aggregate directive are re-read on every build, so their
numbers follow the pages they quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

__all__ = [
    "Check",
    "Option",
    "Part",
    "Question",
    "load_parts",
    "load_questions",
    "setup",
]

#: Where the question files live, relative to the repository root.
QUESTIONS_DIR = Path("docs") / "_questions"
#: The three parts of the sheet, in order: (file stem, title, id prefix).
PARTS = (
    ("autoencoders", "Autoencoders", "1"),
    ("rnn", "Vanilla RNNs", "2"),
    ("beam", "Beam search", "3"),
)
_ID = re.compile(r"^[123][a-j]$")
_KINDS = ("single", "multiple")
# {glue}`key`, {glue:text}`key:.3f`, {glue:md}`key` ... without a "::" already
_GLUE = re.compile(r"\{(glue(?::[a-z]+)?)\}`(?![^`]*::)([^`]+)`")


@dataclass(frozen=True)
class Option:
    """One answer a reader can pick, and what they are told when they do."""

    text: str  # MyST
    correct: bool
    feedback: str  # MyST: why it is right or wrong, citing the page's evidence


@dataclass(frozen=True)
class Check:
    """One part of a self-check: a prompt and its options."""

    prompt: str  # MyST
    kind: str  # "single" (exactly one correct) or "multiple" (select all kept)
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Question:
    """One question of the sheet, as every rendering of it needs it."""

    id: str  # "1a" ... "3e"
    part: str  # "autoencoders", "rnn" or "beam"
    page: str  # docname of the page that answers it, e.g. "rnn/linear"
    title: str  # a short title for lists (plain text)
    lead: str  # the label before the question text: "Claim." or "The question."
    question: str  # MyST, in our own words
    verdict: str  # a few words: "False", "Mostly true", ...
    reason: str  # MyST, one to three sentences
    check: tuple[Check, ...]


@dataclass(frozen=True)
class Part:
    """One part of the sheet: its questions and its common mistakes."""

    name: str
    title: str
    questions: tuple[Question, ...]
    mistakes: tuple[str, ...]  # MyST, one mistake and its correction each


def _fail(where: str, message: str) -> None:
    raise ExtensionError(f"{where}: {message}")


def _text(where: str, data: dict[str, Any], key: str, *, optional: bool = False) -> str:
    value = data.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str) or not value.strip():
        _fail(where, f"{key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _option(where: str, data: Any) -> Option:
    if not isinstance(data, dict):
        _fail(where, f"an option must be a mapping, got {data!r}")
    unknown = set(data) - {"text", "correct", "feedback"}
    if unknown:
        _fail(where, f"unknown option keys {sorted(unknown)}")
    correct = data.get("correct", False)
    if not isinstance(correct, bool):
        _fail(where, f"'correct' must be true or false, got {correct!r}")
    return Option(_text(where, data, "text"), correct, _text(where, data, "feedback"))


def _check(where: str, data: Any) -> Check:
    if not isinstance(data, dict):
        _fail(where, f"a check part must be a mapping, got {data!r}")
    unknown = set(data) - {"prompt", "kind", "options"}
    if unknown:
        _fail(where, f"unknown check keys {sorted(unknown)}")
    kind = data.get("kind", "single")
    if kind not in _KINDS:
        _fail(where, f"'kind' must be one of {_KINDS}, got {kind!r}")
    raw = data.get("options")
    if not isinstance(raw, list) or len(raw) < 2:
        _fail(where, "'options' must list at least two options")
    options = tuple(_option(f"{where}, option {i + 1}", o) for i, o in enumerate(raw))
    n_correct = sum(o.correct for o in options)
    if kind == "single" and n_correct != 1:
        _fail(
            where, f"a 'single' part needs exactly one correct option, got {n_correct}"
        )
    if kind == "multiple" and n_correct == 0:
        _fail(where, "a 'multiple' part needs at least one correct option")
    return Check(_text(where, data, "prompt"), kind, options)


_QUESTION_KEYS = {
    "id",
    "page",
    "title",
    "lead",
    "question",
    "verdict",
    "reason",
    "check",
}


def _question(source: str, part: str, prefix: str, data: Any) -> Question:
    if not isinstance(data, dict):
        _fail(source, f"a question must be a mapping, got {data!r}")
    qid = str(data.get("id", ""))
    where = f"{source}, question {qid or '?'}"
    if not _ID.match(qid) or not qid.startswith(prefix):
        _fail(where, f"'id' must look like {prefix}a ... {prefix}j, got {qid!r}")
    unknown = set(data) - _QUESTION_KEYS
    if unknown:
        _fail(where, f"unknown keys {sorted(unknown)}")
    raw = data.get("check")
    if not isinstance(raw, list) or not raw:
        _fail(where, "'check' must list at least one part")
    return Question(
        id=qid,
        part=part,
        page=_text(where, data, "page").removesuffix(".md"),
        title=_text(where, data, "title"),
        lead=_text(where, data, "lead", optional=True) or "The question.",
        question=_text(where, data, "question"),
        verdict=_text(where, data, "verdict").rstrip("."),
        reason=_text(where, data, "reason"),
        check=tuple(_check(f"{where}, part {i + 1}", c) for i, c in enumerate(raw)),
    )


def load_parts(root: Path) -> list[Part]:
    """Read and check every question file under ``root / docs/_questions``.

    A part whose file does not exist yet is left out.

    Args:
        root: The repository root.

    Returns:
        The parts in sheet order, each with its questions in file order.

    Raises:
        sphinx.errors.ExtensionError: If a file breaks the schema (the
            message names the file, the question and the field).
    """
    parts, seen = [], set()
    for name, title, prefix in PARTS:
        path = root / QUESTIONS_DIR / f"{name}.yml"
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        source = str(path.relative_to(root))
        if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
            _fail(source, "must be a mapping with a 'questions' list")
        unknown = set(data) - {"questions", "mistakes"}
        if unknown:
            _fail(source, f"unknown keys {sorted(unknown)}")
        questions = tuple(_question(source, name, prefix, q) for q in data["questions"])
        for q in questions:
            if q.id in seen:
                _fail(source, f"question {q.id} appears twice")
            seen.add(q.id)
        mistakes = data.get("mistakes", [])
        if not isinstance(mistakes, list) or not all(
            isinstance(m, str) and m.strip() for m in mistakes
        ):
            _fail(source, "'mistakes' must be a list of non-empty strings")
        parts.append(Part(name, title, questions, tuple(m.strip() for m in mistakes)))
    return parts


def load_questions(root: Path) -> dict[str, Question]:
    """Every question by id (``"1a"`` ...), from :func:`load_parts`."""
    return {q.id: q for part in load_parts(root) for q in part.questions}


def glue_from(text: str, page: str) -> str:
    """Point the glue keys of ``text`` (written for ``page``) at that page."""
    return _GLUE.sub(lambda m: f"{{{m.group(1)}}}`/{page}.md::{m.group(2)}`", text)


# -- Nodes: plain containers with the data attributes the scripts read --------


class rk_block(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """A ``<div>`` (or ``tag``) with classes and ``data-*`` attributes."""


def _visit_block(self: Any, node: rk_block) -> None:
    # starttag writes the node's own ids and classes; data-* come from "data"
    attrs = {f"data-{k}": v for k, v in node.get("data", {}).items()}
    self.body.append(self.starttag(node, node.get("tag", "div"), "", **attrs))


def _depart_block(self: Any, node: rk_block) -> None:
    self.body.append(f"</{node.get('tag', 'div')}>\n")


def _block(tag: str, classes: list[str], **data: Any) -> rk_block:
    node = rk_block(
        tag=tag, data={k.replace("_", "-"): str(v) for k, v in data.items()}
    )
    node["classes"] = classes
    return node


# The parts read at config-inited (forked parallel readers inherit them).
_LOADED: dict[str, list[Part]] = {"parts": []}


def _note_sources(directive: SphinxDirective) -> None:
    """Re-read the page when a question file changes."""
    for path in sorted((Path(directive.env.srcdir) / "_questions").glob("*.yml")):
        directive.env.note_dependency(str(path))


def _parse(
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
        questions = {q.id: q for p in _LOADED["parts"] for q in p.questions}
        qid = self.arguments[0]
        if qid not in questions:
            raise self.error(
                f"no question {qid!r} in {QUESTIONS_DIR}/ (known: "
                f"{', '.join(sorted(questions)) or 'none'})"
            )
        _note_sources(self)
        return questions[qid]


class QuestionText(_QuestionDirective):
    """``{question} 1a``: the question, with the anchor ``q-1a``."""

    def run(self) -> list[nodes.Node]:
        q = self.question()
        box = _block("div", ["rk-question"], question=q.id)
        _parse(self, f"**{q.lead}** {q.question}", q.page, box)
        target = nodes.target("", "", ids=[f"q-{q.id}"], names=[f"q-{q.id}"])
        self.state.document.note_explicit_target(target)
        return [target, box]


class SelfCheck(_QuestionDirective):
    """``{selfcheck} 1a``: the commit-first check, every option with feedback."""

    def run(self) -> list[nodes.Node]:
        q = self.question()
        box = _block("div", ["rk-check"], question=q.id, chapter=q.part, page=q.page)
        box["ids"] = [f"check-{q.id}"]
        heading = nodes.paragraph(classes=["rk-check-heading"])
        heading += nodes.strong(text=f"Check yourself ({q.id})")
        box += heading
        for i, part in enumerate(q.check):
            fieldset = _block("fieldset", ["rk-check-part"], kind=part.kind, part=i)
            fieldset += _parse(
                self, part.prompt, q.page, _block("div", ["rk-check-prompt"])
            )
            options = _block("ul", ["rk-options"])
            for j, option in enumerate(part.options):
                item = _block(
                    "li", ["rk-option"], option=j, correct=str(option.correct).lower()
                )
                text = _block("div", ["rk-option-text"])
                feedback = _block("div", ["rk-feedback"])
                item += _parse(self, option.text, q.page, text)
                item += _parse(self, option.feedback, q.page, feedback)
                options += item
            fieldset += options
            box += fieldset
        return [box]


def _verdict_nodes(directive: SphinxDirective, q: Question) -> rk_block:
    box = _block("div", ["rk-verdict"], question=q.id)
    return _parse(directive, f"**{q.verdict}.** {q.reason}", q.page, box)


class Verdict(_QuestionDirective):
    """``{verdict} 1a``: "**Verdict.** reason", the opening of an answer."""

    def run(self) -> list[nodes.Node]:
        return [_verdict_nodes(self, self.question())]


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
        _note_sources(self)
        parts = _LOADED["parts"]
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
        section = _block("div", ["rk-glance-part"], part=part.name)
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
            item += _verdict_nodes(self, q)
            items += item
        section += items
        if part.mistakes:
            label = nodes.paragraph(classes=["rk-mistakes-title"])
            label += nodes.strong(text="Common mistakes")
            section += label
            mistakes = nodes.bullet_list(classes=["rk-mistakes"])
            for text in part.mistakes:
                mistakes += _parse(self, text, self.env.docname, nodes.list_item())
            section += mistakes
        return section


def _load(app: Sphinx, config: Any) -> None:
    """Read the question files once per build (errors stop the build)."""
    _LOADED["parts"] = load_parts(Path(app.confdir))


def _check_pages(app: Sphinx, env: Any) -> None:
    """Every question must name a page that exists."""
    for q in (q for p in _LOADED["parts"] for q in p.questions):
        if q.page not in env.found_docs:
            raise ExtensionError(f"question {q.id}: page {q.page!r} does not exist")


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
    app.connect("config-inited", _load)
    app.connect("env-check-consistency", _check_pages)
    app.connect("env-get-outdated", _glance_outdated)
    app.connect("env-merge-info", _merge)
    app.connect("env-purge-doc", _purge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
