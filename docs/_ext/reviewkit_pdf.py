"""Print the built site's question pages as two PDFs: a sheet and a key.

Run by ``nox -s pdf`` after the site is built::

    python docs/_ext/reviewkit_pdf.py build/html

Each question page (a page of a chapter whose title or headings name a
question, 1a to 3e) is opened in the same headless Chromium the browser tests
use, with MathJax rendered and plots loaded, and printed to A4:

* ``reviewkit-questions.pdf``, the question sheet: every answer dropdown is
  replaced by an empty ruled box to write in, and each self-check's options
  are boxes to tick, without their feedback;
* ``reviewkit-answers.pdf``, the answer key: the answers at a glance
  (``summary.html``) first, then every page with its answers open and each
  self-check's right options ticked, with their feedback.

Both leave out the code cells' source (their printed numbers, plots and tables
stay, wrapped rather than cut at the margin: ``_static/reviewkit-print.css``)
and the beam stepper's "Try it yourself" section (on paper the worked example's
own tree and step tables show the same search), and start with a contents
page. The pages are printed as the HTML the build wrote, without the site's
scripts in ``_static/js`` (the self-check widgets), so a self-check prints as
the plain list of options ``docs/_questions/README.md`` describes. The PDFs
are written to ``build/pdf``; the next build of the site copies them into its
``_static/pdf`` and links them from the landing page.

:class:`Printer` is the reusable part: it serves a built site, opens pages
in Chromium and returns each page printed as PDF bytes (``Printer.page``), so
other documents (the mock exam for a seed) print the same way.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html
import http.server
import io
import re
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ("autoencoders", "rnn", "beam")
OUTPUTS = {"questions": "reviewkit-questions.pdf", "answers": "reviewkit-answers.pdf"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]

_ID = r"[123][a-j]"
# "1a", "1a–1d", "3a to 3d", "(3a, 3b, 3c)": every id a heading names.
_RANGE = re.compile(rf"\b({_ID})\s*(?:–|-|to)\s*({_ID})\b")
_SINGLE = re.compile(rf"\b({_ID})\b")

# Print styles shared by both PDFs: no code, no site chrome, no widgets.
_COMMON_CSS = """
.cell_input, details.hide > summary, .bd-header, .bd-sidebar-primary,
.bd-sidebar-secondary, .header-article, .prev-next-area, footer,
.bd-footer-content, .bd-footer-article, .copybtn, .headerlink,
.rk-stepper, [id^="try-it-yourself"] { display: none !important; }
details.hide { display: block !important; }
body { background: white !important; }
h1, h2, h3 { break-after: avoid; }
.rk-check { border: 1px solid #999; border-radius: 4px; padding: .3em .8em;
  margin: 1em 0; break-inside: avoid; }
.rk-check fieldset { border: 0; margin: 0; padding: 0; }
.rk-options { list-style: none; padding-left: .2em; }
.rk-option { position: relative; padding-left: 1.6em; margin: .25em 0; }
.rk-option::before { content: ""; position: absolute; left: 0; top: .2em;
  width: .85em; height: .85em; border: 1.5px solid #333; border-radius: 2px; }
.rk-option-text > p, .rk-feedback > p { margin: 0; }
"""
# The sheet: options are empty boxes, no feedback, nothing marks the right ones.
_SHEET_CSS = """
.rk-feedback { display: none !important; }
"""
# The key: right options ticked, bold, with their feedback; the others plain.
_KEY_CSS = """
.rk-option[data-correct="false"] .rk-feedback { display: none !important; }
.rk-option[data-correct="true"] .rk-option-text { font-weight: bold; }
.rk-option[data-correct="true"]::before { content: "\\2713"; font-weight: bold;
  line-height: .85em; text-align: center; color: #000; }
.rk-option[data-correct="true"] .rk-feedback { display: block !important;
  color: #333; font-size: .9em; }
"""
_SHEET_JS = """() => {
  for (const d of document.querySelectorAll('main details.sd-dropdown')) {
    const box = document.createElement('div');
    box.className = 'rk-answer-space';
    box.textContent = 'Your answer';
    box.style.cssText = 'border:1px solid #555;border-radius:4px;min-height:7cm;' +
      'margin:1em 0;padding:.4em .6em;color:#555;font-size:.9em;' +
      'break-inside:avoid;background:repeating-linear-gradient(white 0 ' +
      '0.95cm, #ccc 0.95cm 1cm)';
    d.replaceWith(box);
  }
}"""
_KEY_JS = """() => {
  for (const d of document.querySelectorAll('main details')) d.open = true;
}"""
#: What a page waits for before it is printed: MathJax has typeset every formula.
_MATH_READY = (
    "() => Array.from(document.querySelectorAll('.math'))"
    ".every(e => e.querySelector('mjx-container'))"
)
#: The site's own scripts, left out when a page prints as the build wrote it.
SITE_SCRIPTS = "**/_static/js/**"
#: A4 with 1.5 cm margins, backgrounds printed (the ruled answer boxes).
PDF_OPTIONS: dict = {
    "format": "A4",
    "print_background": True,
    "margin": dict.fromkeys(("top", "bottom", "left", "right"), "1.5cm"),
}


@dataclass(frozen=True)
class QuestionPage:
    """One page of the site that answers some of the sheet's questions."""

    path: str  # the page's HTML file, relative to the built site
    title: str  # its first heading, as shown
    ids: tuple[str, ...]  # the question ids its headings name, in order


def question_ids(headings: list[str]) -> tuple[str, ...]:
    """The question ids named in ``headings``, ranges expanded, in order."""
    ids: list[str] = []
    for text in headings:
        for a, b in _RANGE.findall(text):
            ids += [f"{a[0]}{chr(c)}" for c in range(ord(a[1]), ord(b[1]) + 1)]
        ids += _SINGLE.findall(text)
    return tuple(dict.fromkeys(ids))


def _toctree(chapter: Path) -> list[str]:
    """The pages listed in a chapter index's toctree, in order."""
    text = (chapter / "index.md").read_text()
    block = re.search(r"```\{toctree\}\n(.*?)```", text, re.DOTALL)
    if block is None:
        return []
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.strip().startswith(":")
    ]


def question_pages(html_dir: Path, docs: Path = ROOT / "docs") -> list[QuestionPage]:
    """Every chapter page that names a question, in the order of the site."""
    pages = []
    for chapter in CHAPTERS:
        for name in _toctree(docs / chapter):
            path = f"{chapter}/{name}.html"
            text = (html_dir / path).read_text()
            headings = [
                html.unescape(re.sub(r"<[^>]+>", "", h)).replace("#", "").strip()
                for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", text, re.DOTALL)
            ]
            ids = question_ids(headings)
            if ids:
                pages.append(QuestionPage(path, headings[0], ids))
    return pages


def _cover(kind: str, pages: list[QuestionPage], summary: bool = False) -> str:
    """The contents page: what the PDF is and which questions each part covers."""
    heading = {
        "questions": "Question sheet: tick the boxes, write your answers in the "
        "ruled space",
        "answers": "Answer key: every answer as the site gives it",
    }[kind]
    rows = "".join(
        f"<tr><td>{', '.join(p.ids)}</td><td>{html.escape(p.title)}</td></tr>"
        for p in pages
    )
    if summary:
        rows = "<tr><td>1a to 3e</td><td>Answers at a glance</td></tr>" + rows
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>reviewkit {kind}</title><style>
body {{ font-family: sans-serif; margin: 2cm; }} td {{ padding: .3em .8em; }}
td:first-child {{ white-space: nowrap; font-weight: bold; }}
</style></head><body><h1>reviewkit</h1><h2>{heading}</h2>
<p>Questions on autoencoders (1a to 1j), vanilla RNN gradients (2a to 2c) and
beam search (3a to 3e), with the experiments the site ran when it was built.
The code behind every plot is on the site.</p>
<table><tr><th>Questions</th><th>Section</th></tr>{rows}</table></body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class Printer:
    """A built site served on localhost and a headless Chromium that prints it.

    Use as a context manager::

        with Printer(Path("build/html"), "/usr/bin/chromium") as printer:
            pdf = printer.page("rnn/linear.html", answers=True)

    Args:
        html_dir: The built site (``build/html``).
        chromium: Path of the Chromium executable to print with.
    """

    def __init__(self, html_dir: Path, chromium: str) -> None:
        self.html_dir = Path(html_dir)
        self.chromium = chromium
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Printer:
        from playwright.sync_api import sync_playwright

        handler = functools.partial(_Quiet, directory=str(self.html_dir))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._stack.callback(server.shutdown)
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        playwright = self._stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(
            executable_path=self.chromium, headless=True, args=CHROMIUM_ARGS
        )
        self._stack.callback(browser.close)
        self.context = browser.new_context()
        self.context.add_init_script(
            "localStorage.setItem('mode', 'light');"
            "localStorage.setItem('theme', 'light');"
        )
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def page(
        self,
        path: str,
        *,
        answers: bool,
        site_scripts: bool = False,
        prepare: str | None = None,
    ) -> bytes:
        """Print one page of the site as a sheet page or a key page.

        Args:
            path: The page, relative to the site, with any query string
                (``"rnn/linear.html"``, ``"practice/exam.html?seed=7"``).
            answers: True for the key (answers open, right options ticked
                with their feedback), False for the sheet (answers replaced
                by ruled boxes, options as empty boxes, no feedback).
            site_scripts: Whether the site's own scripts (``_static/js``)
                run; off by default, so the page prints as the build wrote it.
                A page that builds its content in the browser (the mock exam)
                needs them on.
            prepare: JavaScript (an arrow function) run on the page after
                MathJax and before the sheet or key is laid out, e.g. to
                fill in a generated exam.

        Returns:
            The printed page, as PDF bytes (A4).
        """
        tab = self.context.new_page()
        try:
            if not site_scripts:
                tab.route(SITE_SCRIPTS, lambda route: route.abort())
            tab.goto(f"{self.base}/{path}", wait_until="networkidle")
            tab.wait_for_function(_MATH_READY, timeout=30_000)
            if prepare:
                tab.evaluate(prepare)
            tab.evaluate(_KEY_JS if answers else _SHEET_JS)
            tab.add_style_tag(
                content=_COMMON_CSS + (_KEY_CSS if answers else _SHEET_CSS)
            )
            tab.emulate_media(media="print")
            return tab.pdf(**PDF_OPTIONS)
        finally:
            tab.close()

    def html(self, content: str) -> bytes:
        """Print a standalone HTML document (a cover page) as PDF bytes."""
        tab = self.context.new_page()
        try:
            tab.set_content(content)
            return tab.pdf(**PDF_OPTIONS)
        finally:
            tab.close()


#: The answers-at-a-glance page, printed at the front of the key if built.
SUMMARY = "summary.html"


def print_pdfs(html_dir: Path, out_dir: Path, chromium: str) -> dict[str, Path]:
    """Print the question sheet and the answer key from a built site.

    Args:
        html_dir: The built site (``build/html``).
        out_dir: Where to write the two PDFs (``build/pdf``).
        chromium: Path of the Chromium executable to print with.

    Returns:
        ``{"questions": path, "answers": path}``.
    """
    from pypdf import PdfReader, PdfWriter

    pages = question_pages(html_dir)
    if not pages:
        raise SystemExit(f"no question pages found in {html_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    with Printer(html_dir, chromium) as printer:
        for kind, filename in OUTPUTS.items():
            answers = kind == "answers"
            summary = answers and (html_dir / SUMMARY).exists()
            cover = printer.html(_cover(kind, pages, summary))
            writer = PdfWriter()
            writer.append(PdfReader(io.BytesIO(cover)))
            sections = [(p.path, f"{', '.join(p.ids)}: {p.title}") for p in pages]
            if summary:
                sections.insert(0, (SUMMARY, "Answers at a glance"))
            for path, title in sections:
                start = len(writer.pages)
                printed = printer.page(path, answers=answers)
                writer.append(PdfReader(io.BytesIO(printed)))
                writer.add_outline_item(title=title, page_number=start)
            target = out_dir / filename
            with target.open("wb") as f:
                writer.write(f)
            written[kind] = target
    return written


def main() -> None:
    """Command line: ``python docs/_ext/reviewkit_pdf.py build/html [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the built site (build/html)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "pdf")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    for kind, path in print_pdfs(args.html, args.out, args.chromium).items():
        print(f"{kind}: {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
