"""The practice fixture site (this folder): build it, serve it, read it.

Used by ``tests/test_questions.py`` and ``tests/browser/test_practice*.py``,
which put this folder on ``sys.path`` (the tests run with
``--import-mode=importlib``) and take the fixtures below by name. The
fixture has its own question files; the extensions and static files are the
real ones from ``docs/_ext`` and ``docs/_static``.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

CONF = """\
import sys
sys.path.insert(0, {ext!r})
project = "practice fixture"
extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinx-mathjax-offline",
    "reviewkit_a11y",
    "reviewkit_questions",
]
myst_enable_extensions = ["dollarmath", "colon_fence"]
html_theme = "sphinx_book_theme"
html_static_path = [{static!r}]
html_context = {{"default_mode": "auto"}}
exclude_patterns = ["_questions"]
"""


def build(work: Path) -> Path:
    """Copy the fixture to ``work``, build it strictly, return the HTML folder.

    Raises:
        RuntimeError: With Sphinx's output, if the build fails or warns.
    """
    source = work / "site"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(HERE / "docs", source / "docs")
    docs = ROOT / "docs"
    conf = CONF.format(ext=str(docs / "_ext"), static=str(docs / "_static"))
    (source / "conf.py").write_text(conf)
    html = work / "html"
    args = [
        "-q",
        "-W",
        "-b",
        "html",
        "-c",
        str(source),
        str(source / "docs"),
        str(html),
    ]
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode:
        raise RuntimeError(f"fixture build failed:\n{run.stdout}\n{run.stderr}")
    return html


_BUILT: dict[str, Path] = {}


def build_once(tmp_path_factory) -> Path:
    """:func:`build` into a session temporary folder, once per test run."""
    if "html" not in _BUILT:
        _BUILT["html"] = build(tmp_path_factory.mktemp("practice_site"))
    return _BUILT["html"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serve(html: Path) -> Iterator[str]:
    """Serve ``html`` on a free localhost port; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


#: True once every practice script on the page has mounted its widgets.
MOUNTED = (
    "() => !document.querySelector('.rk-check:not(.rk-ready), "
    ".rk-progress:not(.rk-ready), .rk-progress-panel:not(.rk-ready), "
    ".rk-exam:not(.rk-ready)')"
)


class Reader:
    """One browser context (one reader): its pages share its localStorage.

    Records script errors and off-site requests (the context comes from the
    browser tests' ``offline_context`` fixture, which blocks them).
    """

    def __init__(self, offline_context, base: str, mode: str = "light", **options):
        self.context, self.offsite = offline_context(mode, **options)
        self.scripts = options.get("java_script_enabled", True)
        self.base = base
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )

    def open(self, path: str):
        """Go to ``path`` (relative to the site) and wait for the widgets."""
        self.page.goto(f"{self.base}/{path}", wait_until="networkidle")
        if self.scripts:
            self.page.wait_for_function(MOUNTED)
        return self.page

    def check(self, qid: str):
        """The self-check of question ``qid``."""
        return self.page.locator(f"#check-{qid}")

    def pick(self, qid: str, part: int, option: int):
        """Choose ``option`` of ``part`` in question ``qid``'s self-check."""
        self.check(qid).locator(
            f"fieldset[data-part='{part}'] li[data-option='{option}'] input"
        ).check()

    def commit(self, qid: str):
        """Press the self-check's Check button."""
        self.check(qid).locator("button.rk-check-commit").click()

    def dropdown(self, qid: str):
        """The answer dropdown holding question ``qid``'s verdict."""
        return self.page.locator(f"details:has(.rk-verdict[data-question='{qid}'])")

    def stored(self) -> dict:
        """Every ``reviewkit:`` key of localStorage, decoded."""
        return self.page.evaluate(
            "() => Object.fromEntries(Object.keys(localStorage)"
            ".filter(k => k.startsWith('reviewkit:'))"
            ".map(k => [k, JSON.parse(localStorage.getItem(k))]))"
        )

    def close(self):
        """Close the context."""
        self.context.close()


def visible_feedback(root) -> list[str]:
    """The text of every ``.rk-feedback`` under ``root`` that is displayed."""
    return [
        t.strip()
        for t in root.locator(".rk-feedback").evaluate_all(
            "els => els.filter(e => e.offsetParent !== null).map(e => e.textContent)"
        )
    ]


def answer_exam_right(page) -> None:
    """Answer every item of the exam right, through the page."""
    for option in page.locator(".rk-exam-check li[data-correct=true] input").all():
        option.check()
    key = page.evaluate("() => window.reviewkitExam.keyFacts()")
    verdict = next(k for k in key if k.startswith("It "))
    value = {"It vanishes": "vanish", "It stays roughly flat": "flat"}.get(
        verdict.split(":")[0], "explode"
    )
    rnn = page.locator(".rk-exam-item[data-item=rnn]")
    rnn.locator(f"input[type=radio][value={value}]").check()
    rnn.locator("button").first.click()
    beam = page.locator(".rk-exam-item[data-item=beam]")
    steps = [k for k in key if k.startswith("After step ")]
    for t, line in enumerate(steps, start=1):
        kept = re.findall(r'"([^"]+)" \(p = ', line)
        part = beam.locator(f"fieldset[data-rk-part=step-{t}]")
        for label in part.locator("label").all():
            if label.inner_text().strip() in kept:
                label.click()
        part.locator("button").click()
    found = next(k for k in key if k.startswith(("Yes:", "No:"))).startswith("Yes")
    part = beam.locator("fieldset[data-rk-part=found]")
    part.locator(f"input[value={'true' if found else 'false'}]").check()
    part.locator("button").click()


def score_rows(page) -> dict[str, list[str]]:
    """The exam's score table: each part's [right, of]."""
    rows = page.locator(".rk-exam-score tbody tr")
    return {
        r.get_attribute("data-part"): r.locator("td").all_inner_texts()
        for r in rows.all()
    }


def squash(text: str) -> str:
    """Text without whitespace, ligatures undone (PDF text breaks lines anywhere)."""
    return re.sub(r"\s+", "", text.replace("\ufb01", "fi").replace("\ufb02", "fl"))


@pytest.fixture(scope="module")
def fixture_html(tmp_path_factory) -> Path:
    """The practice fixture, built strictly (once per run, about 3 s of CPU)."""
    return build_once(tmp_path_factory)


@pytest.fixture(scope="module")
def fixture_url(fixture_html):
    """The fixture site served on a free localhost port."""
    with serve(fixture_html) as url:
        yield url


@pytest.fixture
def reader(offline_context, fixture_url):
    """A fresh reader; fails the test on a script error or an off-site request."""
    r = Reader(offline_context, fixture_url)
    yield r
    r.close()
    assert not r.errors, r.errors
    assert r.offsite == [], r.offsite
