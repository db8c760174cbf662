"""Accessibility of the built site: axe-core on every page, keyboard, alt text.

axe-core (bundled by axe-playwright-python, so the audit runs offline) checks
each page in light and in dark mode for the WCAG problems a machine can find:
contrast, names of buttons and links, landmarks, heading order, ARIA use. A
page passes with no violation rated serious or critical; every violation, of
any impact, is written to ``build/browser/axe.json`` and summarised at the end
of the run. The keyboard tests tab from the top of a page into its main
content and open answer dropdowns with Enter and Space. The alt-text test
reads the built HTML: every figure has its own description, never a file name
or a generic default.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
#: Alt texts that describe no particular figure.
GENERIC_ALTS = {"", "plot produced by the code cell above", "image", "plot", "figure"}


_results: dict[str, list[dict]] = {}


def _open(offline_context, url: str, mode: str):
    """A fresh context on ``url`` in ``mode``, with off-site requests blocked."""
    context, _ = offline_context(mode)
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    return context, page


def _write_report(artifacts: Path) -> None:
    (artifacts / "axe.json").write_text(json.dumps(_results, indent=1, sort_keys=True))


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_serious_violation(
    site_page, mode, offline_context, site_url, artifacts
):
    """axe-core reports no serious or critical violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    page = site_page
    context, tab = _open(offline_context, f"{site_url}/{page}", mode)
    try:
        if tab.locator(".math").count():
            tab.wait_for_function(
                "() => Array.from(document.querySelectorAll('.math'))"
                ".every(e => e.querySelector('mjx-container'))",
                timeout=20_000,
            )
        response = Axe().run(tab).response
    finally:
        context.close()
    found = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [", ".join(map(str, n["target"])) for n in v["nodes"]][:5],
            "count": len(v["nodes"]),
        }
        for v in response["violations"]
    ]
    _results[f"{page} ({mode})"] = found
    _write_report(artifacts)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, f"{page} ({mode}):\n" + json.dumps(blocking, indent=1)


@pytest.mark.parametrize("page", ["index.html", "autoencoders/reconstruction.html"])
def test_tab_reaches_the_main_content(page, offline_context, site_url):
    """Tabbing from the top of the page reaches a link or control in <main>."""
    context, tab = _open(offline_context, f"{site_url}/{page}", "light")
    try:
        reached = []
        for _ in range(60):
            tab.keyboard.press("Tab")
            where = tab.evaluate(
                "() => { const e = document.activeElement;"
                " return e && e.closest('main') ? e.tagName : null; }"
            )
            if where:
                reached.append(where)
                break
    finally:
        context.close()
    assert reached, f"60 presses of Tab never reached the main content of {page}"


def test_dropdowns_open_with_enter_and_space(offline_context, site_url):
    """A dropdown opens with Enter, closes and reopens with Space.

    On the landing page ("Answers look like this"): a question page's answer
    stays closed until its self-check is answered, which test_practice_site
    checks by keyboard too.
    """
    page = "index.html"
    context, tab = _open(offline_context, f"{site_url}/{page}", "light")
    try:
        summary = tab.locator("main details.sd-dropdown > summary").first
        details = tab.locator("main details.sd-dropdown").first
        summary.focus()
        assert tab.evaluate("() => document.activeElement.tagName") == "SUMMARY"
        tab.keyboard.press("Enter")
        tab.wait_for_timeout(150)
        after_enter = details.evaluate("d => d.open")
        tab.keyboard.press(" ")
        tab.wait_for_timeout(150)
        after_space = details.evaluate("d => d.open")
        tab.keyboard.press(" ")
        tab.wait_for_timeout(150)
        after_second_space = details.evaluate("d => d.open")
    finally:
        context.close()
    assert (after_enter, after_space, after_second_space) == (True, False, True)


class _Images(HTMLParser):
    """Collects (src, alt) of every <img> inside <main>."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.images: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        elif tag == "img" and self.depth:
            a = dict(attrs)
            self.images.append((a.get("src", ""), a.get("alt")))

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1


def _figures(site_dir: Path, pages: list[str]) -> list[tuple[str, str, str | None]]:
    """(page, src, alt) of every image in the main content of every page."""
    out = []
    for page in pages:
        parser = _Images()
        parser.feed((site_dir / page).read_text())
        out += [(page, src, alt) for src, alt in parser.images]
    return out


def test_every_figure_has_its_own_specific_alt_text(site_dir, site_pages):
    """No figure lacks alt text, uses a generic one or a file name, or shares one."""
    figures = _figures(site_dir, site_pages)
    assert figures, "no figures found in the built site"
    problems = []
    for page, src, alt in figures:
        text = (alt or "").strip()
        if text.lower() in GENERIC_ALTS:
            problems.append(f"{page}: {src} has generic alt text {text!r}")
        elif re.search(r"\.(png|svg|jpe?g)$|_images/", text):
            problems.append(f"{page}: {src} has a file name as alt text {text!r}")
    counts = Counter((alt or "").strip() for _, _, alt in figures)
    for alt, n in counts.items():
        if n > 1 and alt:
            where = sorted({p for p, _, a in figures if (a or "").strip() == alt})
            problems.append(f"{n} figures share the alt text {alt[:60]!r}: {where}")
    assert not problems, "\n".join(problems)
