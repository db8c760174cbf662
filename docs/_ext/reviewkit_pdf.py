"""Print the built site's question pages as two PDFs: a sheet and a key.

Run by ``nox -s pdf`` after the site is built::

    python docs/_ext/reviewkit_pdf.py build/html

Each question page (a page of a chapter whose title or headings name a
question, 1a to 3e) is opened in the same headless Chromium the browser tests
use, with MathJax rendered and plots loaded, and printed to A4:

* ``reviewkit-questions.pdf``, the question sheet: every answer dropdown is
  replaced by an empty ruled box to write in;
* ``reviewkit-answers.pdf``, the answer key: every answer dropdown is open.

Both leave out the code cells' source (their printed numbers, plots and tables
stay) and start with a contents page listing the questions each page covers.
The PDFs are written to ``build/pdf`` and copied to ``_static/pdf`` in the
built site, where the landing page links to them.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import io
import re
import shutil
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
.beam-stepper, [id^="try-it-yourself"] { display: none !important; }
details.hide { display: block !important; }
body { background: white !important; }
img { break-inside: avoid; max-width: 100% !important; }
h1, h2, h3 { break-after: avoid; }
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


def _cover(kind: str, pages: list[QuestionPage]) -> str:
    """The contents page: what the PDF is and which questions each part covers."""
    heading = {
        "questions": "Question sheet: write your answers in the boxes",
        "answers": "Answer key: every answer as the site gives it",
    }[kind]
    rows = "".join(
        f"<tr><td>{', '.join(p.ids)}</td><td>{html.escape(p.title)}</td></tr>"
        for p in pages
    )
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


def print_pdfs(html_dir: Path, out_dir: Path, chromium: str) -> dict[str, Path]:
    """Print the question sheet and the answer key from a built site.

    Args:
        html_dir: The built site (``build/html``).
        out_dir: Where to write the two PDFs.
        chromium: Path of the Chromium executable to print with.

    Returns:
        ``{"questions": path, "answers": path}``.
    """
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    pages = question_pages(html_dir)
    if not pages:
        raise SystemExit(f"no question pages found in {html_dir}")
    handler = functools.partial(_Quiet, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    pdf_options = {
        "format": "A4",
        "print_background": True,
        "margin": dict.fromkeys(("top", "bottom", "left", "right"), "1.5cm"),
    }
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context()
            context.add_init_script(
                "localStorage.setItem('mode', 'light');"
                "localStorage.setItem('theme', 'light');"
            )
            for kind, filename in OUTPUTS.items():
                writer = PdfWriter()
                tab = context.new_page()
                tab.set_content(_cover(kind, pages))
                writer.append(PdfReader(io.BytesIO(tab.pdf(**pdf_options))))
                for page in pages:
                    start = len(writer.pages)
                    tab.goto(f"{base}/{page.path}", wait_until="networkidle")
                    tab.wait_for_function(
                        "() => Array.from(document.querySelectorAll('.math'))"
                        ".every(e => e.querySelector('mjx-container'))",
                        timeout=30_000,
                    )
                    tab.evaluate(_SHEET_JS if kind == "questions" else _KEY_JS)
                    tab.add_style_tag(content=_COMMON_CSS)
                    tab.emulate_media(media="print")
                    writer.append(PdfReader(io.BytesIO(tab.pdf(**pdf_options))))
                    writer.add_outline_item(
                        title=f"{', '.join(page.ids)}: {page.title}", page_number=start
                    )
                tab.close()
                target = out_dir / filename
                with target.open("wb") as f:
                    writer.write(f)
                written[kind] = target
            browser.close()
    finally:
        server.shutdown()
    static = html_dir / "_static" / "pdf"
    static.mkdir(parents=True, exist_ok=True)
    for path in written.values():
        shutil.copy(path, static / path.name)
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
