"""Fixtures for the browser tests: a local server and headless Chromium.

These tests read the built site in ``build/html`` (``nox -s browser`` builds it
first) and drive Debian's Chromium through Playwright. No browser is ever
downloaded: the executable is ``/usr/bin/chromium`` unless ``CHROMIUM`` says
otherwise.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The built site under test (REVIEWKIT_SITE to point elsewhere, e.g. a private build).
HTML = Path(os.environ.get("REVIEWKIT_SITE", ROOT / "build" / "html"))
ARTIFACTS = Path(os.environ.get("REVIEWKIT_ARTIFACTS", ROOT / "build" / "browser"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# Flags that keep Chromium from reaching out on its own (updates, sync, ...):
# every request it makes must come from the page under test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]


#: Folders of the build that hold assets, sources and reports, not pages.
SKIP_DIRS = frozenset({"_static", "_sources", "_images", "_modules", "reports"})


def _site_pages() -> list[str]:
    """Every page of the built site, relative to it (none if it is not built)."""
    if not HTML.exists():
        return []
    return sorted(
        p.relative_to(HTML).as_posix()
        for p in HTML.rglob("*.html")
        if not SKIP_DIRS.intersection(p.relative_to(HTML).parts)
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that takes a ``site_page`` argument once per built page."""
    if "site_page" in metafunc.fixturenames:
        metafunc.parametrize("site_page", _site_pages())


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built site's folder: build/html, or REVIEWKIT_SITE."""
    return HTML


@pytest.fixture(scope="session")
def site_pages() -> list[str]:
    """Every page of the built site, relative to :func:`site_dir`."""
    return _site_pages()


def _offline_context(browser, mode: str, **options):
    """A fresh browser context in ``mode`` whose off-site requests are blocked.

    Returns the context and the list it appends each blocked URL to.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}');"
        f"localStorage.setItem('theme', '{mode}');"
    )
    offsite: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith("data:") or host in {"127.0.0.1", "localhost"}:
            r.continue_()
        else:
            offsite.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return context, offsite


@pytest.fixture(scope="session")
def offline_context(browser):
    """``offline_context(mode, **options)``: a fresh context, off-site requests
    blocked and recorded; returns ``(context, blocked_urls)``. Close it yourself."""
    return functools.partial(_offline_context, browser)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """Serve build/html on a free localhost port for the whole session."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML / 'index.html'} is missing: build the site first")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium package "
            "(apt-get install chromium) or set CHROMIUM"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """A fresh folder for screenshots and the load report."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    (ARTIFACTS / "screenshots").mkdir(parents=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the accessibility audit and the landing page's weight, if measured."""
    import json

    write = terminalreporter.write_line
    axe = ARTIFACTS / "axe.json"
    if axe.exists():
        results = json.loads(axe.read_text())
        terminalreporter.section("axe-core accessibility audit")
        by_impact: dict[str, int] = {}
        for page, violations in sorted(results.items()):
            for v in violations:
                by_impact[v["impact"]] = by_impact.get(v["impact"], 0) + v["count"]
            if violations:
                listed = ", ".join(f"{v['id']} ({v['impact']})" for v in violations)
                write(f"{page}: {listed}")
        totals = ", ".join(f"{n} {k}" for k, n in sorted(by_impact.items()))
        write(f"{len(results)} page views audited; in violation: {totals or 'none'}")
        write(f"details in {axe}")
    weight = ARTIFACTS / "report.json"
    if weight.exists():
        report = json.loads(weight.read_text())
        terminalreporter.section("landing page weight")
        write(
            f"cold load: {report['landing_cold_load_bytes'] / 1e6:.2f} MB in "
            f"{report['landing_requests']} requests (budget 2 MB, all from localhost)"
        )
