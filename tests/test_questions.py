"""The question source (docs/_questions) and the extension that renders it."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import reviewkit_questions as rq  # noqa: E402

GOOD = """\
questions:
  - id: 2a
    page: rnn/linear
    title: When do gradients vanish or explode?
    question: Without a nonlinearity, when do they vanish?
    verdict: Vanish if rho < 1.
    reason: They scale like $\\rho^{T-t}$.
    check:
      - prompt: At rho = 0.8?
        kind: single
        options:
          - {text: vanish, correct: true, feedback: Right.}
          - {text: explode, feedback: "No: rho < 1."}
mistakes:
  - Reading the spectral radius as the largest singular value.
"""


def write(root: Path, name: str, text: str) -> None:
    folder = root / "docs" / "_questions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yml").write_text(textwrap.dedent(text))


def test_a_good_file_loads_with_defaults_filled_in(tmp_path):
    """A valid part loads; lead defaults, the verdict loses its full stop."""
    write(tmp_path, "rnn", GOOD)
    parts = rq.load_parts(tmp_path)
    assert [p.name for p in parts] == ["rnn"]  # missing parts are left out
    q = rq.load_questions(tmp_path)["2a"]
    assert q.lead == "The question."
    assert q.verdict == "Vanish if rho < 1"
    assert [o.correct for o in q.check[0].options] == [True, False]
    assert parts[0].mistakes[0].startswith("Reading the spectral radius")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("id: 2a", "id: 1a"), "'id' must look like 2a"),
        (("kind: single", "kind: pick"), "'kind' must be one of"),
        (
            ("{text: vanish, correct: true, feedback: Right.}", "{text: vanish}"),
            "'feedback' must be a non-empty string",
        ),
        (("correct: true", "correct: false"), "exactly one correct option, got 0"),
        (("verdict: Vanish if rho < 1.", "verdict: ''"), "'verdict' must be"),
        (("    reason:", "    rationale:"), "unknown keys"),
    ],
)
def test_a_broken_file_stops_with_the_field_named(tmp_path, change, message):
    """Each schema error names the file, the question and the field."""
    write(tmp_path, "rnn", GOOD.replace(*change))
    with pytest.raises(ExtensionError, match=message) as info:
        rq.load_parts(tmp_path)
    assert "rnn.yml" in str(info.value)


def test_a_repeated_id_is_refused(tmp_path):
    """Two questions with one id cannot both be rendered: refused."""
    body = GOOD.split("mistakes:")[0]
    twice = body + body.split("questions:\n", 1)[1]
    write(tmp_path, "rnn", twice)
    with pytest.raises(ExtensionError, match="2a appears twice"):
        rq.load_parts(tmp_path)


def test_glue_keys_are_pointed_at_their_page():
    """Off-page, every glue role names its page; keys that do already are kept."""
    text = "{glue:text}`ratio:.1e` and {glue}`n` and {glue:text}`/a/b.md::k`"
    out = rq.glue_from(text, "rnn/linear")
    assert out == (
        "{glue:text}`/rnn/linear.md::ratio:.1e` and {glue}`/rnn/linear.md::n` "
        "and {glue:text}`/a/b.md::k`"
    )


def test_the_repository_question_files_load():
    """Whatever part files exist in the repository follow the schema."""
    for part in rq.load_parts(ROOT):
        for q in part.questions:
            assert (ROOT / "docs" / f"{q.page}.md").exists(), q.id
