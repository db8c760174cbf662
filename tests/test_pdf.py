"""The printable question sheet and answer key (``nox -s pdf``).

The PDF tests read back what ``docs/_ext/reviewkit_pdf.py`` printed into
``build/pdf`` (marked ``browser``: they need the built site and Chromium, so
they run in ``nox -s pdf``): every question is there with its maths
rendered, the sheet leaves room where the key answers, and nothing printed is
lost at the margin: every line of every program output, every table cell and
every number glued into the prose of a printed page appears in the PDF's
text. The print styles are also tested on small hand-made pages (a line and a
table far wider than A4, a self-check), and the helpers that decide what
goes in on their own.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import reviewkit_pdf  # noqa: E402

PDF_DIR = Path(os.environ.get("REVIEWKIT_PDF", ROOT / "build" / "pdf"))
HTML = Path(os.environ.get("REVIEWKIT_SITE", ROOT / "build" / "html"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
QUESTION_IDS = [f"1{c}" for c in "abcdefghij"] + ["2a", "2b", "2c"]
QUESTION_IDS += [f"3{c}" for c in "abcde"]
RAW_TEX = re.compile(r"\\frac|\\partial|\\mathbf|\\sum|\$\$|\\\(|\\\[")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link"}
_VOID |= {"meta", "source", "track", "wbr"}


def test_question_ids_expand_ranges():
    """Headings like '1a–1d' and '3a to 3d' name every question in between."""
    ids = reviewkit_pdf.question_ids(
        ["Loss and use (1a–1d)", "A worked example (3a to 3c)", "2b. ReLU", "(3e)"]
    )
    assert ids == ("1a", "1b", "1c", "1d", "3a", "3b", "3c", "2b", "3e")


def test_question_ids_ignore_other_words():
    """Words and numbers that are not question ids are not taken for them."""
    assert reviewkit_pdf.question_ids(["Beyond the sheet", "4x4 patches, 1k"]) == ()


class PrintedText(HTMLParser):
    """What a printed page must show: outputs, table cells and glued numbers.

    Collects, from a built page's ``<main>``, each line of every program
    output (``pre`` inside ``.cell_output``), the text of every table cell and
    of every glued value (``.pasted-text``), outside code cells' source, and
    without inline maths (which prints as MathJax's glyphs, not its TeX). With
    ``answers=False`` (the sheet), what sits inside an answer dropdown is left
    out, since the sheet prints a box there instead. Self-check feedback is
    left out where the PDF hides it by design: all of it on the sheet, a
    wrong option's in the key (``test_self_checks_print_as_option_lists`` checks
    the feedback that is printed).
    """

    def __init__(self, answers: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.answers = answers
        self.stack: list[tuple[str, set[str]]] = []
        self.lines: list[str] = []
        self._buffer: list[str] | None = None
        self._depth = 0

    def _inside(self, tag: str = "", cls: str = "") -> bool:
        return any(
            (not tag or t == tag) and (not cls or cls in c) for t, c in self.stack
        )

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if "rk-option" in classes and attrs.get("data-correct") != "true":
            classes.add("rk-wrong-option")
        self.stack.append((tag, classes))
        if self._buffer is None and self._wanted(tag, classes):
            self._buffer, self._depth = [], len(self.stack)

    def _wanted(self, tag: str, classes: set[str]) -> bool:
        if not self._inside("main") or self._inside(cls="cell_input"):
            return False
        if not self.answers and self._inside("details", "sd-dropdown"):
            return False
        if self._inside(cls="rk-feedback") and (
            not self.answers or self._inside(cls="rk-wrong-option")
        ):
            return False
        return (
            (tag == "pre" and self._inside(cls="cell_output"))
            or tag in ("td", "th")
            or "pasted-text" in classes
        )

    def handle_endtag(self, tag):
        if not self.stack or tag in _VOID:
            return
        while self.stack and self.stack[-1][0] != tag:
            self.stack.pop()  # an element closed implicitly
        if self._buffer is not None and len(self.stack) == self._depth:
            self.lines += [line for line in "".join(self._buffer).splitlines()]
            self._buffer = None
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self._buffer is not None and not self._inside(cls="math"):
            self._buffer.append(data)  # maths prints as MathJax glyphs, not TeX


def printed_text(html: str, answers: bool) -> list[str]:
    """The non-empty lines a printed page must show (see :class:`PrintedText`)."""
    parser = PrintedText(answers)
    parser.feed(html)
    return [line.strip() for line in parser.lines if line.strip()]


def _squeeze(text: str) -> str:
    """Text without whitespace, ligatures or compatibility forms.

    Lines wrapped in print still match, and the PDF's "ﬁ" (one glyph) matches
    the page's "fi".
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def missing_from(pdf_text: str, lines: list[str]) -> list[str]:
    """The lines whose text (whitespace aside) is not in ``pdf_text``."""
    squeezed = _squeeze(pdf_text)
    return [line for line in lines if _squeeze(line) not in squeezed]


class _Dropdowns(HTMLParser):
    """Counts the dropdowns of a page that sit in no other dropdown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[bool] = []  # one per open <details>: is it a dropdown?
        self.outer = 0

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            dropdown = "sd-dropdown" in (dict(attrs).get("class") or "").split()
            self.outer += dropdown and not any(self.open)
            self.open.append(dropdown)

    def handle_endtag(self, tag):
        if tag == "details" and self.open:
            self.open.pop()


def outer_dropdowns(html: str) -> int:
    """How many answer boxes the sheet prints for a page: one per dropdown that
    is not nested in another (a "More detail" fold inside an answer goes with
    it)."""
    parser = _Dropdowns()
    parser.feed(html)
    return parser.outer


def test_outer_dropdowns_leave_out_nested_folds():
    """An answer with a fold inside counts once; a separate dropdown counts."""
    answer = '<details class="sd-dropdown"><p>a</p><details class="sd-dropdown">'
    answer += "<p>more</p></details></details>"
    other = '<details class="hide"><p>code</p></details>'
    assert outer_dropdowns(answer + other + answer) == 2


def test_printed_text_collects_outputs_tables_and_glue():
    """Outputs by line, table cells and glued values; sources and chrome left out."""
    html = (
        "<nav><pre>menu</pre></nav><main>"
        '<div class="cell_input"><pre>x = 1</pre><div class="cell_output">'
        "<pre>not output</pre></div></div>"
        '<div class="cell_output"><div class="highlight"><pre><span></span>'
        "code 128: probe 0.968\nclean error 0.0053</pre></div></div>"
        "<table><tr><th>rate</th><td>extra <b>drop</b></td></tr></table>"
        '<p>It is <span class="pasted-text">0.5</span>.<br></p>'
        '<table><tr><td><span class="math">\\(T\\)</span> (stateful)</td></tr></table>'
        '<details class="sd-dropdown"><p><span class="pasted-text">42</span></p>'
        "</details></main>"
    )
    assert printed_text(html, answers=True) == [
        "code 128: probe 0.968",
        "clean error 0.0053",
        "rate",
        "extra drop",
        "0.5",
        "(stateful)",
        "42",
    ]
    assert "42" not in printed_text(html, answers=False)


def test_printed_text_skips_the_feedback_the_pdfs_hide():
    """The sheet prints no feedback; the key prints only the right options'."""
    html = (
        '<main><ul><li class="rk-option" data-correct="true">'
        '<div class="rk-feedback"><span class="pasted-text">0.9</span></div></li>'
        '<li class="rk-option" data-correct="false">'
        '<div class="rk-feedback"><span class="pasted-text">7.5</span></div></li>'
        '</ul><p><span class="pasted-text">3.0</span></p></main>'
    )
    assert printed_text(html, answers=False) == ["3.0"]
    assert printed_text(html, answers=True) == ["0.9", "3.0"]


def test_missing_from_ignores_wrapping_and_finds_cut_text():
    """A line wrapped over two PDF lines is found; a cut-off one is not."""
    pdf = "code 128: probe 0.968, clean error\n0.0053, noisy error 0.0"
    lines = ["code 128: probe 0.968, clean error 0.0053", "noisy error 0.0061"]
    assert missing_from(pdf, lines) == ["noisy error 0.0061"]


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
    summary = kind == "answers" and (HTML / reviewkit_pdf.SUMMARY).exists()
    assert len(reader.pages) >= 1 + len(pages) + summary  # contents page first
    flat = re.sub(r"\s+", " ", text)
    missing = [q for q in QUESTION_IDS if not re.search(rf"\b{q}\b", flat)]
    assert not missing, f"{path.name} lacks {missing}"
    assert not RAW_TEX.search(text), RAW_TEX.search(text).group(0)
    assert len(reader.outline) == len(pages) + summary  # one bookmark per page


@pytest.mark.browser
def test_sheet_leaves_room_and_key_gives_answers():
    """The sheet has a box per answer; the key shows the answers' text instead."""
    _, sheet = _text(PDF_DIR / reviewkit_pdf.OUTPUTS["questions"])
    _, key = _text(PDF_DIR / reviewkit_pdf.OUTPUTS["answers"])
    boxes = sheet.count("Your answer")
    dropdowns = sum(
        outer_dropdowns((HTML / p.path).read_text())
        for p in reviewkit_pdf.question_pages(HTML)
    )
    assert boxes == dropdowns > 0
    assert "Your answer" not in key
    assert len(key) > len(sheet)  # the answers' prose is printed in the key


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["questions", "answers"])
def test_nothing_printed_is_cut(kind):
    """Every output line, table cell and glued number of a printed page is printed."""
    answers = kind == "answers"
    _, text = _text(PDF_DIR / reviewkit_pdf.OUTPUTS[kind])
    paths = [p.path for p in reviewkit_pdf.question_pages(HTML)]
    if answers and (HTML / reviewkit_pdf.SUMMARY).exists():
        paths.append(reviewkit_pdf.SUMMARY)
    expected = {
        path: printed_text((HTML / path).read_text(), answers) for path in paths
    }
    assert sum(map(len, expected.values())) > 100  # the pages print a lot
    missing = {path: missing_from(text, lines) for path, lines in expected.items()}
    missing = {path: lines for path, lines in missing.items() if lines}
    assert not missing, missing


class CheckOptions(HTMLParser):
    """Each self-check option of a built page: its text, feedback and verdict.

    ``options`` holds one ``(correct, text, feedback)`` per ``li.rk-option``;
    text and feedback are lists of the pieces between inline maths (which
    prints as MathJax's glyphs, not its TeX), so each piece can be looked up
    in a PDF's text on its own.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[set[str]] = []
        self.options: list[tuple[bool, list[str], list[str]]] = []
        self._into: str | None = None  # "text" or "feedback" while inside one
        self._pieces: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        self.stack.append(classes | {f"<{tag}>"})
        if "rk-option" in classes:
            self._pieces = {"text": [""], "feedback": [""]}
            self.options.append((attrs.get("data-correct") == "true", [], []))
        elif "rk-option-text" in classes:
            self._into = "text"
        elif "rk-feedback" in classes:
            self._into = "feedback"
        elif "math" in classes and self._into:
            self._pieces[self._into].append("")  # a formula splits the text

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        while self.stack and f"<{tag}>" not in self.stack[-1]:
            self.stack.pop()  # an element closed implicitly
        closed = self.stack.pop() if self.stack else set()
        if closed & {"rk-option-text", "rk-feedback"}:
            self._into = None
        if "rk-option" in closed:
            correct = self.options[-1][0]
            text, feedback = (
                [p.strip() for p in self._pieces[k] if p.strip()]
                for k in ("text", "feedback")
            )
            self.options[-1] = (correct, text, feedback)

    def handle_data(self, data):
        if self._into and not any("math" in c for c in self.stack):
            self._pieces[self._into][-1] += data


def check_options(html: str) -> list[tuple[bool, list[str], list[str]]]:
    """The self-check options of a built page (see :class:`CheckOptions`)."""
    parser = CheckOptions()
    parser.feed(html)
    return parser.options


def test_check_options_reads_text_feedback_and_verdict():
    """Option text and feedback are read in pieces around maths, with the verdict."""
    html = CHECK.replace(
        "Optionright</p>", 'Option<span class="math">\\rho</span>right</p>'
    )
    assert check_options(html) == [
        (False, ["Optionwrong"], ["Feedbackwrong"]),
        (True, ["Option", "right"], ["Feedbackright"]),
    ]


@pytest.mark.browser
def test_self_checks_print_as_option_lists():
    """Every option of every self-check is printed; the feedback only in the key.

    The sheet shows each option's text and no feedback; the key shows each
    option's text and the right options' feedback, not the wrong ones'.
    Counted on the built pages, so a page without self-checks passes only
    while no question file exists (``docs/_questions/*.yml``).
    """
    options = [
        option
        for page in reviewkit_pdf.question_pages(HTML)
        for option in check_options((HTML / page.path).read_text())
    ]
    assert bool(options) == any((ROOT / "docs" / "_questions").glob("*.yml"))
    _, sheet = _text(PDF_DIR / reviewkit_pdf.OUTPUTS["questions"])
    _, key = _text(PDF_DIR / reviewkit_pdf.OUTPUTS["answers"])
    texts = [piece for _, text, _ in options for piece in text]
    assert missing_from(sheet, texts) == [] and missing_from(key, texts) == []
    right = [piece for ok, _, feedback in options if ok for piece in feedback]
    assert missing_from(key, right) == []

    def printed(pdf_text: str, correct: bool | None) -> list[str]:
        """Feedback (long enough not to occur by chance) found in ``pdf_text``."""
        pieces = [
            " ".join(feedback)
            for ok, _, feedback in options
            if correct is None or ok == correct
        ]
        pieces = [p for p in pieces if len(_squeeze(p)) >= 30]
        return [p for p in pieces if not missing_from(pdf_text, [p])]

    assert printed(sheet, None) == []
    assert printed(key, False) == []


@pytest.mark.browser
def test_landing_page_links_both_pdfs():
    """After nox -s pdf the landing page links each PDF, and the site holds them."""
    index = (HTML / "index.html").read_text()
    for name in reviewkit_pdf.OUTPUTS.values():
        assert f'href="_static/pdf/{name}"' in index, name
        assert (HTML / "_static" / "pdf" / name).exists(), name


# -- the print styles on hand-made pages ------------------------------------

WIDE = "|".join(f"col{i:02d}=0.{i:04d}" for i in range(40))  # about 600 characters
CHECK = """
<div class="rk-check" data-question="9z"><p><strong>Check yourself (9z)</strong></p>
<fieldset class="rk-check-part" data-kind="single" data-part="0">
<div class="rk-check-prompt"><p>True or false?</p></div>
<ul class="rk-options">
<li class="rk-option" data-option="0" data-correct="false">
<div class="rk-option-text"><p>Optionwrong</p></div>
<div class="rk-feedback"><p>Feedbackwrong</p></div></li>
<li class="rk-option" data-option="1" data-correct="true">
<div class="rk-option-text"><p>Optionright</p></div>
<div class="rk-feedback"><p>Feedbackright</p></div></li>
</ul></fieldset></div>
"""


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory) -> Path:
    """A one-page site styled like the theme: wide output and tables scroll."""
    site = tmp_path_factory.mktemp("site")
    (site / "_static").mkdir()
    shutil.copy(ROOT / "docs" / "_static" / "reviewkit-print.css", site / "_static")
    (site / "page.html").write_text(
        f"""<!doctype html><html><head><meta charset="utf-8">
<style>pre {{ white-space: pre; overflow-x: auto; }}
.table-wrapper {{ overflow-x: auto; }} table {{ white-space: nowrap; }}</style>
<link rel="stylesheet" href="_static/reviewkit-print.css" media="print">
</head><body><main><h1>Page 9z</h1>
<div class="cell_output"><pre>{WIDE}</pre></div>
<div class="table-wrapper"><table><tr>{
            "".join(f"<td>cell{i:02d}value{i:02d}</td>" for i in range(30))
        }</tr></table></div>
{CHECK}
<details class="sd-dropdown"><summary>Answer</summary><p>Answertext</p></details>
</main></body></html>"""
    )
    rows = "".join(f"<tr><td>steprow{i:02d}</td></tr>" for i in range(30))
    (site / "stepper.html").write_text(
        f"""<!doctype html><html><head><meta charset="utf-8">
<style>.rk-scroll {{ max-height: 4em; overflow: auto; }}</style>
<link rel="stylesheet" href="_static/reviewkit-print.css" media="print">
</head><body><main><div class="rk-stepper rk-ready">
<div class="rk-controls"><button>Stepbutton</button></div>
<p class="rk-hint">Stephint</p><p class="rk-status">Stepstatus</p>
<div class="rk-scroll"><table>{rows}</table></div></div></main></body></html>"""
    )
    return site


def _print(site: Path, answers: bool) -> str:
    import io

    from pypdf import PdfReader

    with reviewkit_pdf.Printer(site, CHROMIUM) as printer:
        data = printer.page("page.html", answers=answers)
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.mark.browser
@pytest.mark.parametrize("answers", [False, True], ids=["sheet", "key"])
def test_wide_outputs_and_tables_wrap_instead_of_being_cut(tiny_site, answers):
    """A 600-character output line and a 30-column table print in full."""
    text = _print(tiny_site, answers)
    cells = [f"cell{i:02d}value{i:02d}" for i in range(30)]
    assert missing_from(text, [WIDE, *cells]) == []


@pytest.mark.browser
def test_stepper_prints_its_state_without_its_controls(tiny_site):
    """Printed from the browser, the stepper keeps its status and whole tables only.

    Its buttons and typing hint are left out, and a table in its scrolling box
    prints every row.
    """
    import io

    from pypdf import PdfReader

    with reviewkit_pdf.Printer(tiny_site, CHROMIUM) as printer:
        tab = printer.context.new_page()
        tab.goto(f"{printer.base}/stepper.html")
        data = tab.pdf(**reviewkit_pdf.PDF_OPTIONS)  # print media, no PDF styles
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    assert "Stepstatus" in text
    assert "Stepbutton" not in text and "Stephint" not in text
    assert missing_from(text, [f"steprow{i:02d}" for i in range(30)]) == []


@pytest.mark.browser
def test_sheet_prints_options_as_boxes_without_feedback(tiny_site):
    """The sheet shows every option and no feedback, and no answer text."""
    text = _print(tiny_site, answers=False)
    assert "Optionwrong" in text and "Optionright" in text
    assert "Feedback" not in text
    assert "Answertext" not in text and "Your answer" in text


@pytest.mark.browser
def test_key_ticks_the_right_options_with_their_feedback(tiny_site):
    """The key shows the right option's feedback, not the wrong one's, and answers."""
    text = _print(tiny_site, answers=True)
    assert "Optionwrong" in text and "Optionright" in text
    assert "Feedbackright" in text and "Feedbackwrong" not in text
    assert "\u2713" in text  # the tick drawn in the right option's box
    assert "Answertext" in text
