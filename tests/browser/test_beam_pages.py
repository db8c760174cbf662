"""The beam pages keep their answers folded until the reader opens them.

On the worked example (3a-3c), each step's candidates are shown first; what the
beam keeps (the "kept?" column with "kept"/"dropped") and the tree with the
coloured search paths sit inside the answer dropdowns. These tests open the
built page in headless Chromium and check that none of that is visible before
a dropdown is opened, and that all of it is after.

``nox -s browser`` runs them against ``build/html``; ``REVIEWKIT_SITE`` points
them at another build (the ``site_url`` and ``browser`` fixtures are in
``conftest.py``).
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PAGE = "beam/worked-example.html"
STEPS_SECTION = "#beam-search-step-by-step-3a-3b-3c"
VERDICT = re.compile(r"\b(kept|dropped)\b")

# Visible table cells (outside the stepper widget) whose text says kept/dropped.
_VISIBLE_VERDICTS_JS = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('main td')) {
    if (cell.closest('.rk-stepper')) continue;
    if (!/\\b(kept|dropped)\\b/.test(cell.textContent)) continue;
    if (cell.checkVisibility()) out.push(cell.textContent.trim());
  }
  return out;
}"""


def _open(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{site_url}/{PAGE}", wait_until="networkidle")
    return context, page


def _coloured_tree(page):
    return page.locator("main img[alt*='coloured paths']")


def test_step_answers_are_hidden_until_opened(browser, site_url):
    """Before any dropdown opens, no kept/dropped verdict or coloured tree shows."""
    context, page = _open(browser, site_url)
    try:
        section = page.locator(STEPS_SECTION)
        assert section.count() == 1, "the 3a-3c section is missing"
        # the candidates are on show: one table per step outside the dropdowns;
        # the question blocks may ask which are dropped, which is no verdict
        shown = section.locator("table:visible")
        assert shown.count() == 3, f"expected 3 candidate tables, saw {shown.count()}"
        for i in range(3):
            header = shown.nth(i).locator("th").all_inner_texts()
            assert not any("kept" in h for h in header), header
        assert page.evaluate(_VISIBLE_VERDICTS_JS) == []
        text = section.evaluate(
            "s => Array.from(s.querySelectorAll('p, td, th'))"
            ".filter(e => e.checkVisibility() && !e.closest('details, .rk-question'))"
            ".map(e => e.textContent).join(' ')"
        )
        assert not VERDICT.search(text), VERDICT.search(text)
        assert _coloured_tree(page).count() == 1
        assert not _coloured_tree(page).is_visible()
    finally:
        context.close()


def test_opening_the_answers_reveals_them(browser, site_url):
    """After each answer is opened (the self-check's 'Show the answer anyway',
    since the answers stay closed until then), its kept/dropped table and the
    coloured tree show."""
    context, page = _open(browser, site_url)
    try:
        dropdowns = page.locator(f"{STEPS_SECTION} details.sd-dropdown")
        assert dropdowns.count() == 3
        for i, qid in enumerate(("3a", "3b", "3c")):
            details = dropdowns.nth(i)
            page.locator(f"#check-{qid} button.rk-check-reveal").click()
            page.wait_for_timeout(150)
            assert details.evaluate("d => d.open"), qid
            cells = details.locator("td").all_inner_texts()
            assert any(VERDICT.search(c) for c in cells), cells
            assert details.locator("td:visible").count() > 0
        assert len(page.evaluate(_VISIBLE_VERDICTS_JS)) >= 8  # 2 + 4 + 4 rows
        answer_3d = page.locator(
            "main details.sd-dropdown", has=page.locator("img[alt*='coloured paths']")
        )
        page.locator("#check-3d button.rk-check-reveal").click()
        page.wait_for_timeout(150)
        assert answer_3d.evaluate("d => d.open")
        assert _coloured_tree(page).is_visible()
    finally:
        context.close()
