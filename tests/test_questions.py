"""The question source (docs/_questions) and the extension that renders it."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import reviewkit_questions as rq  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "browser" / "practice_site"))
pytest.register_assert_rewrite("practice_fixture")
pytest_plugins = ["practice_fixture"]  # the fixture fixture_html

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


# -- The extensions on a small site: tests/browser/practice_site -------------


def _scripts(html: str) -> set[str]:
    return {
        m.split("/")[-1].split("?")[0]
        for m in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    }


PRACTICE_ASSETS = {"selfcheck-main.mjs", "rk-selfcheck.js", "exam-main.mjs"}
PRACTICE_ASSETS |= {"rk-exam.js", "selfcheck.css", "beam-stepper.css"}


@pytest.mark.parametrize(
    ("page", "needs"),
    [
        ("autoencoders/fixture.html", {"selfcheck", "selfcheck.css"}),
        ("autoencoders/index.html", {"selfcheck", "selfcheck.css"}),
        ("practice/index.html", {"selfcheck", "selfcheck.css"}),
        ("practice/exam.html", {"exam", "selfcheck.css", "beam-stepper.css"}),
        ("index.html", set()),
    ],
)
def test_only_the_pages_that_need_them_load_the_practice_scripts(
    fixture_html, page, needs
):
    """A check, a score or the panel brings the self-check script, the exam its
    own (and the widgets' styles); any other page loads none of them."""
    found = _scripts((fixture_html / page).read_text()) & PRACTICE_ASSETS
    named = {
        "selfcheck" if n in {"selfcheck-main.mjs", "rk-selfcheck.js"} else n
        for n in found
    }
    named = {"exam" if n in {"exam-main.mjs", "rk-exam.js"} else n for n in named}
    assert named == needs


def test_a_chapter_score_names_its_questions_from_the_source(fixture_html):
    """{progress-score} writes the chapter and the ids of its questions."""
    html = (fixture_html / "autoencoders" / "index.html").read_text()
    assert re.search(
        r'class="rk-progress"[^>]*data-chapter="autoencoders"'
        r'[^>]*data-questions="1a 1b 1c"',
        html,
    ), html
    rnn = (fixture_html / "rnn" / "index.html").read_text()
    assert re.search(r'data-chapter="rnn"[^>]*data-questions=""', rnn)


def test_the_panel_lists_every_chapter_with_its_questions(fixture_html):
    """{progress-panel}: the three chapters in order, each linked, with ids."""
    html = (fixture_html / "practice" / "index.html").read_text()
    rows = re.findall(r'<li data-chapter="(\w+)" data-questions="([^"]*)">', html)
    assert rows == [("autoencoders", "1a 1b 1c"), ("rnn", ""), ("beam", "3a")]
    assert 'href="../beam/index.html"' in html


def test_the_exam_pool_holds_every_statement_with_parts_verdict_and_link(
    fixture_html,
):
    """{exam}: each autoencoder question with its check's parts, its verdict
    and a link to its anchor; the other items link their question or, when
    the source lacks it, their chapter."""
    html = (fixture_html / "practice" / "exam.html").read_text()
    assert re.findall(r'rk-exam-statement"[^>]*data-question="(\w+)"', html) == [
        "1a",
        "1b",
        "1c",
    ]
    assert html.count('class="rk-check-part"') == 4  # 2 + 1 + 1 parts
    assert len(re.findall(r'class="rk-verdict" data-question="1\w"', html)) == 3
    assert 'href="../autoencoders/fixture.html#q-1a"' in html
    assert 'href="../autoencoders/other.html#q-1c"' in html
    topics = dict(
        re.findall(
            r'<li data-topic="([\w-]+)"><p><a class="[^"]*" href="([^"]+)"', html
        )
    )
    assert topics == {
        "beam": "../beam/fixture.html#q-3a",
        "complexity": "../beam/index.html",
        "rnn-linear": "../rnn/index.html",
        "rnn-nonlinear": "../rnn/index.html",
        "rnn-every-step": "../rnn/index.html",
    }
