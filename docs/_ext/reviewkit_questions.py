"""Sphinx extension: one source for every question, its verdict and its self-check.

The review sheet's 18 questions live in ``docs/_questions/<part>.yml`` (the
schema is in ``docs/_questions/README.md``). Everything a reader sees of a
question is rendered from there, so the page, the summary, the self-check,
the mock exam and the printed sheet cannot drift apart. This module reads and
checks the files (:func:`load_parts`, :func:`load_questions`, also used by
the tests); the directives that render them are in
``reviewkit_question_directives`` and the practice pieces (chapter scores,
the mock exam) in ``reviewkit_practice``, both set up from here:

* ``{question} 1a``: the question in our words, with the anchor ``q-1a``;
* ``{selfcheck} 1a``: the commit-first check (options and per-option
  feedback as HTML that ``docs/_static/js`` turns into a form);
* ``{verdict} 1a``: "**False.** <reason>", the first thing in an answer;
* ``{answers-at-a-glance}``: every question's verdict and reason, with links,
  and each part's common mistakes;
* ``{progress-score} <part>``, ``{progress-panel}`` and ``{exam}``: see
  ``reviewkit_practice``.

Text in the source is MyST. Glue keys (``{glue:text}`key```) name the
question's own page; rendered on another page they are rewritten to
``/<page>.md::key`` (:func:`glue_from`), which myst-nb resolves from that
page's executed output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

__all__ = [
    "Check",
    "Option",
    "Part",
    "Question",
    "glue_from",
    "load_parts",
    "load_questions",
    "loaded_parts",
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


# The parts read at config-inited (forked parallel readers inherit them).
_LOADED: dict[str, list[Part]] = {"parts": []}


def loaded_parts() -> list[Part]:
    """The parts this build read (at ``config-inited``), in sheet order."""
    return _LOADED["parts"]


def _load(app: Sphinx, config: Any) -> None:
    """Read the question files once per build (errors stop the build)."""
    _LOADED["parts"] = load_parts(Path(app.confdir))


def _check_pages(app: Sphinx, env: Any) -> None:
    """Every question must name a page that exists."""
    for q in (q for p in _LOADED["parts"] for q in p.questions):
        if q.page not in env.found_docs:
            raise ExtensionError(f"question {q.id}: page {q.page!r} does not exist")


def setup(app: Sphinx) -> dict[str, Any]:
    """Read the source at every build and set up the extensions rendering it."""
    app.connect("config-inited", _load)
    app.connect("env-check-consistency", _check_pages)
    app.setup_extension("reviewkit_question_directives")
    app.setup_extension("reviewkit_practice")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
