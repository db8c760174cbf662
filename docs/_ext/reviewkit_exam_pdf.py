"""Print the mock exam of a seed, with its key, as a PDF.

Run after the site is built (``nox -s pdf`` prints seed 1)::

    python docs/_ext/reviewkit_exam_pdf.py build/html --seed 7

The PDF is the web exam itself: ``practice/exam.html?seed=N`` opened in the
same headless Chromium the other PDFs use, so its items and numbers are the
ones a reader of that address gets. It is printed as the exam (statements
with their options, the gradient setting, the tree with its probabilities,
the runtime question; no feedback) followed, from a new page, by the key
(right options and verdicts, the beam after every step, the gradient's
verdict). It is written to ``build/pdf/reviewkit-exam-<seed>.pdf``.

The print styles that leave out the site's chrome and the Chromium flags
come from ``reviewkit_pdf`` (the sheet and key printer); its own printing
function prints the question pages only, so this is the small wrapper that
prints one page of the site at a given address.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from pathlib import Path
from typing import Any

from reviewkit_pdf import _COMMON_CSS, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
#: The exam page, relative to the built site.
EXAM_PAGE = "practice/exam.html"
PDF_OPTIONS = {
    "format": "A4",
    "print_background": True,
    "margin": dict.fromkeys(("top", "bottom", "left", "right"), "1.5cm"),
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def exam_pdf_name(seed: int) -> str:
    """The PDF's file name for ``seed``."""
    return f"reviewkit-exam-{seed}.pdf"


def _print(browser, url: str, target: Path) -> None:
    """Print the exam page at ``url``, key included, into ``target``."""
    context = browser.new_context()
    try:
        context.add_init_script(
            "localStorage.setItem('mode', 'light');"
            "localStorage.setItem('theme', 'light');"
        )
        tab = context.new_page()
        tab.goto(url, wait_until="networkidle")
        tab.wait_for_function(
            "() => window.reviewkitExam && Array.from("
            "document.querySelectorAll('.math'))"
            ".every(e => e.querySelector('mjx-container'))",
            timeout=30_000,
        )
        tab.evaluate("() => window.reviewkitExam.showKey(true)")
        tab.add_style_tag(content=_COMMON_CSS)
        tab.emulate_media(media="print")
        target.write_bytes(tab.pdf(**PDF_OPTIONS))
    finally:
        context.close()


def print_exam(
    html_dir: Path,
    out_dir: Path,
    seed: int,
    chromium: str = "/usr/bin/chromium",
    *,
    browser: Any = None,
) -> Path:
    """Print the exam of ``seed`` and its key from a built site.

    Args:
        html_dir: The built site (``build/html``).
        out_dir: Where to write the PDF.
        seed: The exam's seed, an integer from 0 to 2**32 - 1.
        chromium: Path of the Chromium executable to print with.
        browser: A running Playwright Chromium to print with instead (the
            tests pass theirs); ``chromium`` is then unused.

    Returns:
        The PDF's path.

    Raises:
        ValueError: If ``seed`` is not an integer in range.
        FileNotFoundError: If the site has no exam page.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer from 0 to 2**32 - 1, got {seed!r}")
    if not (html_dir / EXAM_PAGE).exists():
        raise FileNotFoundError(f"{html_dir / EXAM_PAGE} is missing: build the site")
    handler = functools.partial(_Quiet, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{EXAM_PAGE}?seed={seed}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / exam_pdf_name(seed)
    try:
        if browser is not None:
            _print(browser, url, target)
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                own = p.chromium.launch(
                    executable_path=chromium, headless=True, args=CHROMIUM_ARGS
                )
                _print(own, url, target)
                own.close()
    finally:
        server.shutdown()
    return target


def main() -> None:
    """Command line: ``python docs/_ext/reviewkit_exam_pdf.py build/html --seed N``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the built site (build/html)")
    parser.add_argument("--seed", type=int, default=1, help="the exam's seed")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "pdf")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    path = print_exam(args.html, args.out, args.seed, args.chromium)
    print(f"exam (seed {args.seed}) and key: {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
