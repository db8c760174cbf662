"""The mock exam on the practice fixture site, and its printed PDF.

The fixture's exam page (``tests/browser/practice_site/docs/practice/exam.md``)
draws two of the fixture's three statements, a gradient prediction from a
small explorer grid, a beam-search tree and a complexity item. These tests
answer it through the page as a reader would (the beam tree step by step,
from the key the page computes), check the score of each part and the links
of missed items, and print the same seed's PDF with
``docs/_ext/reviewkit_exam_pdf.py`` to compare its text with the web exam.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXAM = "practice/exam.html"
SEED = 5


sys.path.insert(0, str(HERE / "practice_site"))
pytest.register_assert_rewrite("practice_fixture")
sys.path.insert(0, str(HERE.parents[1] / "docs" / "_ext"))

import practice_fixture as site  # noqa: E402
import reviewkit_exam_pdf  # noqa: E402

# The fixtures fixture_html, fixture_url and reader.
pytest_plugins = ["practice_fixture"]


def _exam(reader, seed: int | None = SEED):
    page = reader.open(EXAM if seed is None else f"{EXAM}?seed={seed}")
    page.wait_for_function("() => window.reviewkitExam")
    return page


def test_the_seed_decides_the_exam(offline_context, fixture_url):
    """The same seed shows the same items and numbers in two fresh readers; a
    URL without a seed gets one written into it."""
    seen = []
    for seed in (SEED, SEED, SEED + 1):
        r = site.Reader(offline_context, fixture_url)
        try:
            page = _exam(r, seed)
            seen.append(page.evaluate("() => window.reviewkitExam.facts()"))
        finally:
            r.close()
    assert seen[0] == seen[1]
    assert seen[0] != seen[2]
    r = site.Reader(offline_context, fixture_url)
    try:
        page = _exam(r, None)
        assert re.search(r"\?seed=\d+$", page.url), page.url
        shown = page.locator(".rk-exam-seed strong").inner_text()
        assert shown == page.url.split("=")[1]
    finally:
        r.close()


def test_only_the_drawn_items_show_and_no_answer_before_scoring(reader):
    """Two statements, one gradient, a tree and a complexity item; no feedback,
    key or page link is shown until the exam is scored."""
    page = _exam(reader)
    items = page.locator(".rk-exam-item")
    assert items.count() == 5
    assert page.locator(".rk-exam-statement").count() == 2
    exam = page.locator(".rk-exam")
    assert site.visible_feedback(exam.locator(".rk-exam-check")) == []
    assert not page.locator(".rk-exam-keys").is_visible()
    assert page.locator(".rk-exam-link:visible").count() == 0


def test_all_right_scores_every_part_in_full(reader):
    """Answered right through the page: every part full marks, nothing missed."""
    page = _exam(reader)
    site.answer_exam_right(page)
    page.locator("button.rk-exam-submit").click()
    assert site.score_rows(page) == {
        "autoencoders": ["2", "2"],
        "rnn": ["1", "1"],
        "beam": ["2", "2"],
    }
    assert "Nothing missed" in page.locator(".rk-exam-result").inner_text()
    assert page.locator(".rk-exam-keys").is_visible()
    assert reader.stored() == {}  # the exam records nothing


def test_missed_items_are_scored_per_part_and_link_to_their_pages(reader, fixture_html):
    """One wrong statement, the rest unanswered: 0 everywhere, each missed item
    listed with a link that resolves to a page (and anchor) of the site."""
    page = _exam(reader)
    wrong = page.locator(".rk-exam-statement").first
    for part in wrong.locator("fieldset.rk-check-part").all():
        part.locator("li[data-correct=false] input").first.check()
    page.locator("button.rk-exam-submit").click()
    assert site.score_rows(page) == {
        "autoencoders": ["0", "2"],
        "rnn": ["0", "1"],
        "beam": ["0", "2"],
    }
    missed = page.locator(".rk-exam-missed li")
    texts = missed.all_inner_texts()
    assert len(texts) == 5
    assert ", wrong: see " in texts[0]
    assert all(", not answered: see " in t for t in texts[1:])
    shown = site.visible_feedback(wrong)
    assert any("feedback" in s for s in shown)  # the chosen wrong option's
    for link in missed.locator("a").all():
        url = urlparse(link.evaluate("a => a.href"))
        target = fixture_html / url.path.lstrip("/")
        assert target.exists(), url
        if url.fragment:
            assert f'id="{url.fragment}"' in target.read_text(), url


def test_keyboard_alone_scores_the_exam(reader):
    """Tab reaches the Score button and Enter scores the exam."""
    page = _exam(reader)
    page.locator("button.rk-exam-submit").focus()
    page.keyboard.press("Enter")
    assert page.locator(".rk-exam-score").count() == 1


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_the_exam(offline_context, fixture_url, mode):
    """axe-core: no serious or critical violation before and after scoring."""
    from axe_playwright_python.sync_playwright import Axe

    r = site.Reader(offline_context, fixture_url, mode)
    found = {}
    try:
        page = _exam(r)
        found["before"] = Axe().run(page).response["violations"]
        site.answer_exam_right(page)
        page.locator("button.rk-exam-submit").click()
        found["after"] = Axe().run(page).response["violations"]
    finally:
        r.close()
    blocking = {
        when: [(v["id"], v["impact"], v["nodes"][0]["target"]) for v in vs]
        for when, vs in found.items()
    }
    blocking = {
        when: [v for v in vs if v[1] in {"serious", "critical"}]
        for when, vs in blocking.items()
    }
    assert not any(blocking.values()), blocking


def test_the_pdf_of_a_seed_is_the_web_exam_of_that_seed(
    browser, offline_context, fixture_url, fixture_html, tmp_path
):
    """The printed exam holds every item fact of the web exam for that seed
    (titles, the complexity numbers, the tree's k and words, the gradient
    setting) before its key, and the key every key sentence; the exam part
    shows no feedback."""
    from pypdf import PdfReader

    r = site.Reader(offline_context, fixture_url)
    try:
        page = _exam(r, SEED)
        facts = page.evaluate("() => window.reviewkitExam.facts()")
        key = page.evaluate("() => window.reviewkitExam.keyFacts()")
    finally:
        r.close()
    path = reviewkit_exam_pdf.print_exam(fixture_html, tmp_path, SEED, browser=browser)
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    exam, _, answers = site.squash(text).partition("Key")
    missing = [f for f in facts if site.squash(f) not in exam]
    assert not missing, missing
    missing = [k for k in key if site.squash(k) not in answers]
    assert not missing, missing
    assert "(feedback" not in exam
