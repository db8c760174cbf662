"""The built site, read the way a person reads it: in a real browser, offline.

Each page is opened in headless Chromium, in light and in dark mode, and
checked for console errors, failed or off-site requests, undecoded images or
images without alt text, TeX that MathJax left raw, answer dropdowns that do
not open, copy buttons that copy prompts or outputs, unreadable dark-mode
plots, and its own weight. A screenshot of every page lands in
``build/browser/screenshots``; the failures list what broke where.
"""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.browser

#: Budget for a page's own content: its HTML plus the images and data it loads
#: from outside ``_static/`` (the theme's shared scripts and styles).
PAGE_BUDGET_BYTES = 1_000_000
#: Budget for everything a cold first visit to the landing page downloads.
LANDING_BUDGET_BYTES = 2_000_000
_RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\frac|\\partial|\\mathbf|\\sum")

# Text nodes outside code and outside MathJax output that still look like TeX.
_RAW_TEX_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(
    document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest('pre, code, script, style, mjx-container, textarea')) {
      continue;
    }
    if (el.closest('.cell_output')) continue;  // program output is not prose
    out.push(node.textContent);
  }
  return out;
}"""

_IMAGES_JS = """async () => {
  const images = Array.from(document.querySelectorAll('main img'));
  const results = [];
  for (const img of images) {
    let decoded = true;
    try { await img.decode(); } catch (e) { decoded = false; }
    results.push({
      src: img.getAttribute('src'),
      alt: (img.getAttribute('alt') || '').trim(),
      decoded: decoded && img.naturalWidth > 0,
    });
  }
  return results;
}"""

# Corner pixel of each plot in a cell output: an opaque, light card stays
# legible whatever the page background is.
_PLOT_CARDS_JS = """async () => {
  const out = [];
  for (const img of document.querySelectorAll('.cell_output img')) {
    try { await img.decode(); } catch (e) { continue; }
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const [r, g, b, a] = ctx.getImageData(2, 2, 1, 1).data;
    out.push({src: img.getAttribute('src'), r, g, b, a});
  }
  return out;
}"""

_TEXT_CONTRAST_JS = """() => {
  function rgb(s) { return s.match(/[\\d.]+/g).slice(0, 4).map(Number); }
  function lum([r, g, b]) {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92
                                     : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  }
  const p = document.querySelector('main p') || document.querySelector('main');
  let bgEl = p, bg = null;
  while (bgEl) {
    const c = rgb(getComputedStyle(bgEl).backgroundColor);
    if (c.length < 4 || c[3] > 0) { bg = c; break; }
    bgEl = bgEl.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(p).color);
  const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return (l1 + 0.05) / (l2 + 0.05);
}"""


class PageVisit:
    """Open one page in a fresh context and record what goes wrong."""

    def __init__(self, offline_context, url: str, mode: str):
        self.problems: list[str] = []
        self.context, self.offsite = offline_context(
            mode, permissions=["clipboard-read", "clipboard-write"]
        )
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "requestfailed",
            lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"),
        )
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400 and self.problems.append(f"HTTP {r.status} for {r.url}")
            ),
        )
        self.page.goto(url, wait_until="networkidle")
        self._wait_for_mathjax()

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _wait_for_mathjax(self):
        if not self.page.locator(".math").count():
            return
        try:
            self.page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.math'))"
                ".every(e => e.querySelector('mjx-container'))",
                timeout=20_000,
            )
        except Exception:
            self.problems.append("MathJax did not render every .math element")

    def close(self):
        self.context.close()


def _url(site_url: str, page: str) -> str:
    return f"{site_url}/{page}"


def _shot_name(page: str, mode: str) -> str:
    return page.replace("/", "__").removesuffix(".html") + f".{mode}.png"


def test_site_has_every_chapter(site_pages):
    """The build holds the landing page and each chapter's pages."""
    assert "index.html" in site_pages
    for chapter in ("autoencoders", "rnn", "beam"):
        assert any(p.startswith(f"{chapter}/") for p in site_pages), chapter


def test_page_in_light_mode(site_page, offline_context, site_url, site_dir, artifacts):
    """A page loads offline with no errors, rendered math and working widgets."""
    page = site_page
    visit = PageVisit(offline_context, _url(site_url, page), "light")
    problems = visit.problems
    p = visit.page
    try:
        problems += [f"off-site request: {u}" for u in visit.offsite]

        for text in p.evaluate(_RAW_TEX_JS):
            if _RAW_TEX.search(text):
                problems.append(f"raw TeX left on the page: {text.strip()[:80]!r}")

        images = p.evaluate(_IMAGES_JS)
        for img in images:
            if not img["decoded"]:
                problems.append(f"image not decoded: {img['src']}")
            if not img["alt"]:
                problems.append(f"image without alt text: {img['src']}")

        own_bytes = (site_dir / page).stat().st_size
        for src in {img["src"] for img in images}:
            target = (site_dir / page).parent / src
            if "_static/" not in src and target.exists():
                own_bytes += target.stat().st_size
        if own_bytes > PAGE_BUDGET_BYTES:
            problems.append(f"page's own content is {own_bytes:,} bytes (> 1 MB)")

        dropdowns = p.locator("main details.sd-dropdown")
        for i in range(dropdowns.count()):
            details = dropdowns.nth(i)
            if not details.is_visible():
                continue
            # An answer (it holds a verdict) stays closed until the reader
            # commits to its self-check (test_practice_site answers them all);
            # every other dropdown opens on a click.
            gated = details.locator(":scope > * .rk-verdict").count() > 0
            details.locator(":scope > summary").click()
            p.wait_for_timeout(150)
            is_open = details.evaluate("d => d.open")
            content = details.locator(".sd-summary-content").first
            if gated and is_open:
                problems.append(f"answer dropdown {i} opens before a commit")
            elif not gated and (not is_open or not content.is_visible()):
                problems.append(f"dropdown {i} does not open to visible content")

        copy_buttons = p.locator("main .copybtn")
        if copy_buttons.count():
            block = p.locator("main .copybtn").first.locator("xpath=..")
            expected = block.locator("pre").first.inner_text()
            block.hover()
            p.locator("main .copybtn").first.click()
            p.wait_for_timeout(200)
            copied = p.evaluate("() => navigator.clipboard.readText()")
            if copied.strip() != expected.strip():
                problems.append(
                    f"copy button copied {copied[:60]!r}, not the code "
                    f"{expected[:60]!r}"
                )
            if re.search(r"^(>>>|\.\.\.|\$) ", copied, re.MULTILINE):
                problems.append("copy button copied a prompt")

        p.screenshot(
            path=artifacts / "screenshots" / _shot_name(page, "light"), full_page=True
        )
    finally:
        visit.close()
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)


def test_page_in_dark_mode(site_page, offline_context, site_url, artifacts):
    """In dark mode, prose keeps its contrast and every plot sits on a light card."""
    page = site_page
    visit = PageVisit(offline_context, _url(site_url, page), "dark")
    problems = visit.problems
    p = visit.page
    try:
        theme = p.evaluate("() => document.documentElement.dataset.theme")
        if theme != "dark":
            problems.append(f"dark mode did not apply (theme is {theme!r})")
        contrast = p.evaluate(_TEXT_CONTRAST_JS)
        if contrast < 4.5:
            problems.append(f"prose contrast {contrast:.1f}:1 is below 4.5:1")
        for card in p.evaluate(_PLOT_CARDS_JS):
            light = 0.2126 * card["r"] + 0.7152 * card["g"] + 0.0722 * card["b"]
            if card["a"] < 255 or light < 200:
                problems.append(f"plot {card['src']} is not on an opaque light card")
        p.screenshot(path=artifacts / "screenshots" / _shot_name(page, "dark"))
    finally:
        visit.close()
    assert not problems, f"{page} (dark):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize(
    ("query", "chapter"), [("beam", "beam/"), ("denoising", "autoencoders/")]
)
def test_search_finds_the_right_pages(query, chapter, offline_context, site_url):
    """The site's search returns the chapter that treats the query."""
    visit = PageVisit(offline_context, f"{site_url}/search.html?q={query}", "light")
    try:
        visit.page.wait_for_selector("#search-results ul.search li", timeout=20_000)
        hrefs = visit.page.eval_on_selector_all(
            "#search-results ul.search li a", "els => els.map(e => e.href)"
        )
    finally:
        visit.close()
    assert any(chapter in h for h in hrefs), f"{query!r} found only {hrefs}"
    assert not visit.problems, visit.problems


def test_cold_landing_page_load(offline_context, site_url, artifacts):
    """The landing page loads cold from localhost only, in at most 2 MB."""
    visit = PageVisit(offline_context, f"{site_url}/index.html", "light")
    try:
        total = visit.page.evaluate(
            "() => performance.getEntriesByType('navigation')"
            ".concat(performance.getEntriesByType('resource'))"
            ".reduce((s, e) => s + (e.encodedBodySize || 0), 0)"
        )
        count = visit.page.evaluate(
            "() => performance.getEntriesByType('resource').length"
        )
    finally:
        visit.close()
    report = {"landing_cold_load_bytes": total, "landing_requests": count + 1}
    (artifacts / "report.json").write_text(json.dumps(report, indent=2))
    print(
        f"\nCold first load of the landing page: {total / 1e6:.2f} MB "
        f"in {count + 1} requests"
    )
    assert not visit.offsite, visit.offsite
    assert not visit.problems, visit.problems
    assert 0 < total <= LANDING_BUDGET_BYTES, f"{total:,} bytes cold"
