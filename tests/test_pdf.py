"""The printable question sheet and answer key (``nox -s pdf``).

The PDF tests read back what ``docs/_ext/reviewkit_pdf.py`` printed into
``build/pdf`` (marked ``browser``: they need the built site and Chromium, so
they run in ``nox -s pdf``); the helpers that decide what goes in are tested
on their own.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import reviewkit_pdf  # noqa: E402

PDF_DIR = Path(os.environ.get("REVIEWKIT_PDF", ROOT / "build" / "pdf"))
HTML = Path(os.environ.get("REVIEWKIT_SITE", ROOT / "build" / "html"))
QUESTION_IDS = [f"1{c}" for c in "abcdefghij"] + ["2a", "2b", "2c"]
QUESTION_IDS += [f"3{c}" for c in "abcde"]
RAW_TEX = re.compile(r"\\frac|\\partial|\\mathbf|\\sum|\$\$|\\\(|\\\[")


def test_question_ids_expand_ranges():
    """Headings like '1a–1d' and '3a to 3d' name every question in between."""
    ids = reviewkit_pdf.question_ids(
        ["Loss and use (1a–1d)", "A worked example (3a to 3c)", "2b. ReLU", "(3e)"]
    )
    assert ids == ("1a", "1b", "1c", "1d", "3a", "3b", "3c", "2b", "3e")


def test_question_ids_ignore_other_words():
    """Words and numbers that are not question ids are not taken for them."""
    assert reviewkit_pdf.question_ids(["Beyond the sheet", "4x4 patches, 1k"]) == ()


def _text(path: Path):
    from pypdf import PdfReader

    reader = PdfReader(path)
    return reader, "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["questions", "answers"])
def test_pdf_holds_every_question_with_rendered_math(kind):
    """Each PDF names every question 1a-3e and shows no raw TeX."""
    path = PDF_DIR / reviewkit_pdf.OUTPUTS[kind]
    assert path.exists(), f"{path} is missing: run nox -s pdf"
    reader, text = _text(path)
    pages = reviewkit_pdf.question_pages(HTML)
    assert len(reader.pages) >= 1 + len(pages)  # a contents page, then each page
    flat = re.sub(r"\s+", " ", text)
    missing = [q for q in QUESTION_IDS if not re.search(rf"\b{q}\b", flat)]
    assert not missing, f"{path.name} lacks {missing}"
    assert not RAW_TEX.search(text), RAW_TEX.search(text).group(0)
    assert len(reader.outline) == len(pages)  # one bookmark per question page


@pytest.mark.browser
def test_sheet_leaves_room_and_key_gives_answers():
    """The sheet has a box per answer; the key shows the answers' text instead."""
    _, sheet = _text(PDF_DIR / reviewkit_pdf.OUTPUTS["questions"])
    _, key = _text(PDF_DIR / reviewkit_pdf.OUTPUTS["answers"])
    boxes = sheet.count("Your answer")
    dropdowns = sum(
        len(
            re.findall(
                r'<details class="[^"]*\bsd-dropdown\b', (HTML / p.path).read_text()
            )
        )
        for p in reviewkit_pdf.question_pages(HTML)
    )
    assert boxes == dropdowns > 0
    assert "Your answer" not in key
    assert len(key) > len(sheet)  # the answers' prose is printed in the key


@pytest.mark.browser
def test_landing_page_links_both_pdfs():
    """The landing page links each PDF, and the built site holds them."""
    index = (HTML / "index.html").read_text()
    for name in reviewkit_pdf.OUTPUTS.values():
        assert f'href="_static/pdf/{name}"' in index, name
        assert (HTML / "_static" / "pdf" / name).exists(), name
