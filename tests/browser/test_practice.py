"""Self-checks, scores and the Practice panel, on the practice fixture site.

The fixture (``tests/browser/practice_site``) is built with the site's own
extensions and scripts but its own question files, so these tests run
whatever the chapters' question files say: a two-part true/false-and-why
check (1a), a one-part check (1b), a check on another page (1c) and a
pick-the-beam check with several right options (3a). They drive headless
Chromium with every off-site request blocked and counted. The checks on the
real site's question pages are in ``test_practice_site.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
PAGE = "autoencoders/fixture.html"


sys.path.insert(0, str(HERE / "practice_site"))
pytest.register_assert_rewrite("practice_fixture")
sys.path.insert(0, str(HERE.parents[1] / "docs" / "_ext"))

import practice_fixture as site  # noqa: E402

# The fixtures fixture_html, fixture_url and reader.
pytest_plugins = ["practice_fixture"]

Reader = site.Reader
_visible_feedback = site.visible_feedback


def test_each_part_becomes_radios_or_checkboxes_with_feedback_folded(reader):
    """Single parts get radio buttons, multiple parts checkboxes; no feedback shows."""
    page = reader.open(PAGE)
    assert reader.check("1a").locator("input[type=radio]").count() == 5
    assert reader.check("1a").locator("input[type=checkbox]").count() == 0
    assert _visible_feedback(reader.check("1a")) == []
    assert reader.check("1a").locator("form fieldset.rk-check-part").count() == 2
    reader.open("beam/fixture.html")
    assert reader.check("3a").locator("input[type=checkbox]").count() == 4
    assert page.locator(".rk-check-result[role=status][aria-live=polite]").count() == 1


def test_a_right_answer_shows_its_feedback_and_is_recorded(reader):
    """Right in both parts: marked right, feedback read out, stored as correct."""
    reader.open(PAGE)
    reader.pick("1a", 0, 0)
    reader.pick("1a", 1, 1)
    reader.commit("1a")
    status = reader.check("1a").locator(".rk-check-result")
    assert (
        status.locator(".rk-check-sentence")
        .inner_text()
        .startswith("Right: all 2 parts.")
    )
    spoken = status.inner_text() + status.text_content()
    assert "feedback 1a-0-0" in spoken and "feedback 1a-1-1" in spoken
    shown = _visible_feedback(reader.check("1a"))
    assert len(shown) == 2 and "1a-0-0" in shown[0] and "1a-1-1" in shown[1]
    assert reader.check("1a").locator("li.rk-right").count() == 2
    assert reader.stored() == {
        "reviewkit:answer:1a": {
            "correct": True,
            "chapter": "autoencoders",
            "revealed": False,
        }
    }


def test_a_wrong_answer_shows_the_chosen_and_the_right_feedback(reader):
    """Wrong in part 2: the chosen option is marked wrong, the right one missed."""
    reader.open(PAGE)
    reader.pick("1a", 0, 0)
    reader.pick("1a", 1, 2)
    reader.commit("1a")
    check = reader.check("1a")
    sentence = check.locator(".rk-check-sentence").inner_text()
    assert sentence.startswith("1 of 2 parts right")
    shown = " ".join(_visible_feedback(check))
    assert "1a-1-2" in shown and "1a-1-1" in shown  # chosen, and the right one
    assert "1a-1-0" not in shown and "1a-0-1" not in shown  # neither: folded
    part = check.locator("fieldset[data-part='1']")
    assert part.locator("li.rk-wrong .rk-mark").inner_text() == "Your answer: wrong"
    assert part.locator("li.rk-missed .rk-mark").inner_text() == "Right answer"
    assert reader.stored()["reviewkit:answer:1a"]["correct"] is False


def test_pick_the_beam_is_right_only_with_exactly_the_kept_set(reader):
    """A multiple part with one of two kept picked: wrong, the other marked missed."""
    reader.open("beam/fixture.html")
    reader.pick("3a", 0, 0)
    reader.commit("3a")
    check = reader.check("3a")
    assert check.locator(".rk-check-sentence").inner_text().startswith("Not quite")
    assert check.locator("li.rk-missed").get_attribute("data-option") == "2"
    assert reader.stored()["reviewkit:answer:3a"] == {
        "correct": False,
        "chapter": "beam",
        "revealed": False,
    }


def test_nothing_is_recorded_before_every_part_is_answered(reader):
    """Checking with part 2 empty asks for it; nothing is stored, still locked."""
    reader.open(PAGE)
    reader.pick("1a", 0, 1)
    reader.commit("1a")
    assert "part 2" in reader.check("1a").locator(".rk-check-result").inner_text()
    assert reader.stored() == {}
    assert not reader.dropdown("1a").evaluate("d => d.open")


def test_the_answer_stays_closed_until_commit_by_click_and_keyboard(reader):
    """Click, Enter and Space on the answer's title do nothing before a commit."""
    page = reader.open(PAGE)
    details = reader.dropdown("1a")
    summary = details.locator("summary")
    summary.click()
    summary.focus()
    page.keyboard.press("Enter")
    page.keyboard.press(" ")
    assert not details.evaluate("d => d.open")
    assert not details.locator(".rk-verdict").is_visible()
    assert summary.get_attribute("aria-disabled") == "true"
    reader.pick("1a", 0, 1)
    reader.pick("1a", 1, 0)
    reader.commit("1a")
    summary.focus()
    page.keyboard.press("Enter")
    assert details.evaluate("d => d.open")
    assert details.locator(".rk-verdict").is_visible()
    assert summary.get_attribute("aria-disabled") is None


def test_show_the_answer_anyway_opens_it_and_counts_as_not_right(reader):
    """The reveal button opens the answer; the record is not correct; a later
    right commit does not change it."""
    reader.open(PAGE)
    reader.check("1b").locator("button.rk-check-reveal").click()
    assert reader.dropdown("1b").locator(".rk-verdict").is_visible()
    reader.pick("1b", 0, 1)
    reader.commit("1b")
    assert (
        reader.check("1b")
        .locator(".rk-check-sentence")
        .inner_text()
        .startswith("Right.")
    )
    assert reader.stored()["reviewkit:answer:1b"]["correct"] is False
    assert reader.stored()["reviewkit:answer:1b"]["revealed"] is True


def test_progress_survives_a_reload_and_the_reset(reader):
    """Scores follow first answers across pages and reloads, the panel shows the
    practice streaks; reset forgets them all."""
    reader.open(PAGE)
    reader.pick("1b", 0, 1)
    reader.commit("1b")
    page = reader.open("autoencoders/index.html")
    score = page.locator(".rk-progress .rk-progress-sentence")
    assert "1 of 3 self-checks answered, 1 right" in score.inner_text()
    page.reload(wait_until="networkidle")
    assert "1 of 3 self-checks answered, 1 right" in score.inner_text()
    reader.open(PAGE)
    summary = reader.dropdown("1b").locator("summary")
    assert summary.get_attribute("aria-disabled") is None
    status = reader.check("1b").locator(".rk-check-result")
    assert "earlier visit" in status.inner_text()
    page = reader.open("practice/index.html")
    row = page.locator(".rk-progress-table tr[data-chapter='autoencoders'] td")
    assert row.all_inner_texts() == ["1", "1", "3"]
    streaks = page.locator(".rk-streaks li")
    assert streaks.all_inner_texts() == [
        "Beam-search problems (fixture): no streak yet",
        "Gradient predictions (fixture): no streak yet",
    ]
    page.evaluate(
        "() => localStorage.setItem('reviewkit:variant:rnn',"
        " JSON.stringify({streak: 3, attempts: 4, correct: 3}))"
    )
    page.reload(wait_until="networkidle")
    rnn = "Gradient predictions (fixture)"
    assert streaks.last.inner_text() == f"{rnn}: 3 right in a row"
    page.locator("button.rk-progress-reset").click()
    assert row.all_inner_texts() == ["0", "0", "3"]
    assert streaks.last.inner_text() == f"{rnn}: no streak yet"
    assert "reset" in page.locator(".rk-progress-status").inner_text()
    assert reader.stored() == {}
    reader.open(PAGE)
    assert summary.get_attribute("aria-disabled") == "true"


def test_keyboard_alone_answers_and_opens_the_answer(reader):
    """Tab to the options, pick with arrows and Space, commit with Enter, open it."""
    page = reader.open("autoencoders/other.html")
    first = reader.check("1c").locator("input").first
    first.focus()
    page.keyboard.press("ArrowDown")  # radio group: moves and picks option 2
    page.keyboard.press("ArrowUp")  # back to option 1 (the right one)
    page.keyboard.press("Tab")  # to the Check button
    assert page.evaluate("document.activeElement.className") == "rk-check-commit"
    page.keyboard.press("Enter")
    check = reader.check("1c")
    assert check.locator(".rk-check-sentence").inner_text().startswith("Right.")
    page.keyboard.press("Tab")  # "Open the answer"
    page.keyboard.press("Tab")  # the answer's title
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert reader.dropdown("1c").locator(".rk-verdict").is_visible()


def test_without_script_the_check_is_a_plain_list_with_feedback(
    offline_context, fixture_url
):
    """With JavaScript off: no inputs, every option's feedback in view."""
    r = Reader(offline_context, fixture_url, java_script_enabled=False)
    try:
        r.open(PAGE)
        check = r.check("1a")
        assert check.locator("input").count() == 0
        assert len(_visible_feedback(check)) == 5
    finally:
        r.close()


def test_print_hides_nothing_the_script_folded(reader):
    """In print media, every option's feedback shows even before a commit."""
    page = reader.open(PAGE)
    page.emulate_media(media="print")
    assert len(_visible_feedback(reader.check("1a"))) == 5
    assert page.locator(".rk-check-controls").first.is_hidden()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_serious_violation_before_and_after_commit(
    offline_context, fixture_url, mode
):
    """axe-core: no serious or critical violation on a question page (before and
    after a commit), the chapter index and the Practice page."""
    from axe_playwright_python.sync_playwright import Axe

    r = Reader(offline_context, fixture_url, mode)
    found = {}
    try:
        for path in (PAGE, "autoencoders/index.html", "practice/index.html"):
            r.open(path)
            r.page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.math'))"
                ".every(e => e.querySelector('mjx-container'))"
            )
            found[path] = Axe().run(r.page).response["violations"]
            if path == PAGE:
                r.pick("1a", 0, 1)
                r.pick("1a", 1, 1)
                r.commit("1a")
                r.dropdown("1a").locator("summary").click()
                found[f"{path} (committed)"] = Axe().run(r.page).response["violations"]
    finally:
        r.close()
    serious = {"serious", "critical"}
    blocking = {
        where: [(v["id"], v["impact"]) for v in vs if v["impact"] in serious]
        for where, vs in found.items()
    }
    assert not any(blocking.values()), json.dumps(blocking, indent=1)


def test_the_pages_work_opened_from_disk(browser, fixture_html):
    """From file://: a check commits and records, the chapter score counts it,
    the exam mounts; no script error (ES modules would be refused there, so
    the pages load the bundles)."""
    if not (fixture_html / "_static" / "rk-selfcheck.js").exists():
        pytest.skip(
            "no bundles: the widgets' bundler (beam_stepper.bundle_on_build) is "
            "not on this branch yet, and file:// refuses ES module imports"
        )
    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((fixture_html / PAGE).as_uri())
        page.wait_for_selector("#check-1b.rk-ready")
        page.locator("#check-1b li[data-option='1'] input").check()
        page.locator("#check-1b button.rk-check-commit").click()
        sentence = page.locator("#check-1b .rk-check-sentence").inner_text()
        assert sentence.startswith("Right.")
        page.goto((fixture_html / "autoencoders" / "index.html").as_uri())
        page.wait_for_selector(".rk-progress.rk-ready")
        assert "1 of 3 self-checks answered, 1 right" in page.inner_text(".rk-progress")
        page.goto((fixture_html / "practice" / "exam.html").as_uri() + "?seed=3")
        page.wait_for_function("() => window.reviewkitExam")
        assert page.locator(".rk-exam-item").count() == 5
    finally:
        context.close()
    assert not errors, errors
