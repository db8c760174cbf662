"""The practice pieces on the built site: every question's self-check, the
chapter scores, the Practice page, the mock exam and its PDF.

The questions come from the question source (``reviewkit_questions``), so
this covers every question that has a file in ``docs/_questions``: each
self-check is answered right and then (by a fresh reader) wrong, on its own
page, with its answer dropdown checked closed before the commit, and the
chapter index's score checked after. Set ``REVIEWKIT_SITE`` to test another
build, and ``REVIEWKIT_QUESTIONS`` to a folder holding ``docs/_questions``
to read the questions from there (for example ``tests/browser/practice_site``
with ``REVIEWKIT_SITE`` at that fixture's build). Every test runs with
off-site requests blocked and fails on any.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


sys.path.insert(0, str(HERE / "practice_site"))
pytest.register_assert_rewrite("practice_fixture")
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import practice_fixture as site  # noqa: E402
import reviewkit_exam_pdf  # noqa: E402
import reviewkit_questions  # noqa: E402

QUESTIONS = reviewkit_questions.load_questions(
    Path(os.environ.get("REVIEWKIT_QUESTIONS", ROOT))
)
#: The pages that load the practice scripts, and one that must not.
PRACTICE_PAGES = ("practice/index.html", "practice/exam.html")


@pytest.fixture
def reader(offline_context, site_url):
    """A fresh reader of the built site; fails on script errors or off-site
    requests."""
    r = site.Reader(offline_context, site_url)
    yield r
    r.close()
    assert not r.errors, r.errors
    assert r.offsite == [], r.offsite


def _choose(reader, q, right: bool) -> list[tuple[int, int]]:
    """Pick every right option (or the first wrong one of each part)."""
    chosen = []
    for i, part in enumerate(q.check):
        if right:
            picks = [j for j, o in enumerate(part.options) if o.correct]
        else:
            picks = [next(j for j, o in enumerate(part.options) if not o.correct)]
        for j in picks:
            reader.pick(q.id, i, j)
            chosen.append((i, j))
    return chosen


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_every_self_check_answers_right_and_wrong(reader, qid, right):
    """Before the commit the answer stays closed (click, Enter); after it, the
    chosen options' feedback shows and is read out, the verdict opens, and the
    chapter index counts the answer."""
    q = QUESTIONS[qid]
    page = reader.open(f"{q.page}.html")
    check, details = reader.check(qid), reader.dropdown(qid)
    assert check.locator("input").count() == sum(len(p.options) for p in q.check)
    assert site.visible_feedback(check) == []
    if details.count():
        details.locator(":scope > summary").click()
        details.locator(":scope > summary").focus()
        page.keyboard.press("Enter")
        assert not details.evaluate("d => d.open"), f"{qid}: opened before commit"
    chosen = _choose(reader, q, right)
    reader.commit(qid)
    sentence = check.locator(".rk-check-sentence").inner_text()
    assert sentence.startswith("Right") == right, sentence
    spoken = check.locator(".rk-check-result").text_content()
    for i, j in chosen:
        option = check.locator(f"fieldset[data-part='{i}'] li[data-option='{j}']")
        feedback = option.locator(".rk-feedback")
        assert feedback.is_visible(), (qid, i, j)
        assert feedback.text_content().strip() in spoken, (qid, i, j)
        mark = option.locator(".rk-mark").inner_text()
        assert mark == ("Your answer: right" if right else "Your answer: wrong")
    if details.count():
        details.locator(":scope > summary").click()
        assert details.locator(".rk-verdict").is_visible()
    assert reader.stored()[f"reviewkit:answer:{qid}"] == {
        "correct": right,
        "chapter": q.part,
        "revealed": False,
    }
    index = reader.open(f"{q.part}/index.html")
    n = sum(x.part == q.part for x in QUESTIONS.values())
    score = index.locator(".rk-progress-sentence").inner_text()
    assert f"1 of {n} self-check" in score and f"{int(right)} right" in score


def test_the_landing_page_loads_no_practice_script(site_dir):
    """Only the pages that need them link the practice scripts and styles."""
    landing = (site_dir / "index.html").read_text()
    for name in ("rk-selfcheck", "rk-exam", "selfcheck", "exam-main"):
        assert name not in landing, name
    for page in PRACTICE_PAGES:
        assert "selfcheck.css" in (site_dir / page).read_text(), page


def test_the_practice_page_resets_the_chapter_scores(reader):
    """The panel lists every chapter; reset empties the reviewkit: keys and
    leaves the theme's own."""
    page = reader.open("practice/index.html")
    page.evaluate(
        "() => { localStorage.setItem('reviewkit:answer:zz',"
        " JSON.stringify({correct: true, chapter: 'beam'}));"
        " localStorage.setItem('reviewkit:variant:beam',"
        " JSON.stringify({streak: 3, attempts: 3, correct: 3})); }"
    )
    page.reload(wait_until="networkidle")
    rows = page.locator(".rk-progress-table tbody tr")
    assert [r.get_attribute("data-chapter") for r in rows.all()] == [
        "autoencoders",
        "rnn",
        "beam",
    ]
    page.locator("button.rk-progress-reset").click()
    assert reader.stored() == {}
    assert page.evaluate("() => localStorage.getItem('mode')") == "light"


def test_the_exam_answered_right_scores_every_part_in_full(reader):
    """The site's exam, answered right through the page, gets every part's
    full marks."""
    page = reader.open("practice/exam.html?seed=1")
    site.answer_exam_right(page)
    page.locator("button.rk-exam-submit").click()
    rows = site.score_rows(page)
    assert rows and all(right == of for right, of in rows.values()), rows
    n = sum(q.part == "autoencoders" for q in QUESTIONS.values())
    drawn = min(n, int(page.locator(".rk-exam").get_attribute("data-statements")))
    assert rows.get("autoencoders", ["0", "0"])[1] == str(drawn)


def test_the_printed_exam_is_the_web_exam(browser, reader, site_dir, tmp_path):
    """The PDF nox -s pdf prints for a seed holds that seed's web exam, then
    its key."""
    from pypdf import PdfReader

    page = reader.open("practice/exam.html?seed=1")
    facts = page.evaluate("() => window.reviewkitExam.facts()")
    key = page.evaluate("() => window.reviewkitExam.keyFacts()")
    path = reviewkit_exam_pdf.print_exam(site_dir, tmp_path, 1, browser=browser)
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    exam, _, answers = site.squash(text).partition("Key")
    assert not [f for f in facts if site.squash(f) not in exam]
    assert not [k for k in key if site.squash(k) not in answers]


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_the_practice_pages(
    offline_context, site_url, mode
):
    """axe-core: no serious or critical violation on the Practice page, the
    exam (before and after scoring) and a question page after its check."""
    from axe_playwright_python.sync_playwright import Axe

    r = site.Reader(offline_context, site_url, mode)
    found = {}
    try:
        for path in PRACTICE_PAGES:
            found[path] = Axe().run(r.open(path)).response["violations"]
        r.page.locator("button.rk-exam-submit").click()
        found["exam, scored"] = Axe().run(r.page).response["violations"]
        if QUESTIONS:
            q = QUESTIONS[sorted(QUESTIONS)[0]]
            r.open(f"{q.page}.html")
            _choose(r, q, right=False)
            r.commit(q.id)
            found[f"{q.page}, {q.id} checked"] = (
                Axe().run(r.page).response["violations"]
            )
    finally:
        r.close()
    blocking = {
        where: [
            (v["id"], v["impact"]) for v in vs if v["impact"] in {"serious", "critical"}
        ]
        for where, vs in found.items()
    }
    assert not any(blocking.values()), blocking
