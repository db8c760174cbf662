"""No dead link in any build (docs/_ext/reviewkit_links.py).

Every HTML build runs the link check when it finishes and fails on a dead
local link (a Sphinx warning under ``-W``). Here the check itself is tested on
small hand-made sites, and, marked ``site``, run once more on the real build
in ``build/html`` (``nox -s extra_tests``, which CI runs after the docs build
from scratch and the PDFs).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import reviewkit_links  # noqa: E402

HTML = Path(os.environ.get("REVIEWKIT_SITE", ROOT / "build" / "html"))


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    """A built site made of ``pages`` (path: HTML), plus one image."""
    for name, body in pages.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<!doctype html><html><body>{body}</body></html>")
    (tmp_path / "_images").mkdir(exist_ok=True)
    (tmp_path / "_images" / "plot.png").write_bytes(b"\x89PNG")
    return tmp_path


def _dead(site: Path) -> list[tuple[str, str, str]]:
    return [(d.page, d.url, d.reason) for d in reviewkit_links.dead_links(site)]


def test_links_that_resolve_pass(tmp_path):
    """Files, folders, anchors, query strings and encoded names all resolve."""
    site = _site(
        tmp_path,
        {
            "index.html": '<a href="beam/index.html#q-3a">3a</a>'
            '<a href="beam/">beam</a><a href="#top" id="top">top</a>'
            '<a href="search.html?q=beam">search</a><a href="#">nowhere</a>'
            '<img src="_images/plot.png"><a name="old">old</a><a href="#old">o</a>',
            "search.html": "<p>search</p>",
            "beam/index.html": '<span id="q-3a"></span>'
            '<a href="../index.html#top">up</a><a href="../b%20c.html">b c</a>',
            "b c.html": "<p>x</p>",
        },
    )
    assert _dead(site) == []


def test_missing_files_and_anchors_are_dead(tmp_path):
    """A missing page, a missing image and a missing anchor are each reported."""
    site = _site(
        tmp_path,
        {
            "index.html": '<a href="gone.html">g</a><img src="_images/none.png">'
            '<a href="rnn.html#q-2z">2z</a><a href="#nope">n</a>'
            '<script src="_static/missing.js"></script>',
            "rnn.html": '<span id="q-2a"></span>',
        },
    )
    assert _dead(site) == [
        ("index.html", "gone.html", "no file gone.html"),
        ("index.html", "_images/none.png", "no file _images/none.png"),
        ("index.html", "rnn.html#q-2z", "no anchor #q-2z in rnn.html"),
        ("index.html", "#nope", "no anchor #nope in index.html"),
        ("index.html", "_static/missing.js", "no file _static/missing.js"),
    ]


def test_offsite_links_are_not_followed(tmp_path):
    """https:, mailto:, data: and protocol-relative links are left alone."""
    site = _site(
        tmp_path,
        {
            "index.html": '<a href="https://example.org/x.html#y">x</a>'
            '<a href="mailto:a@b.c">m</a><img src="data:image/png;base64,AA==">'
            '<script src="//cdn.example.org/x.js"></script>',
        },
    )
    assert _dead(site) == []


def test_a_link_out_of_the_site_is_dead(tmp_path):
    """A relative link that climbs out of the site folder is reported."""
    site = _site(tmp_path / "html", {"index.html": '<a href="../pdf/x.pdf">x</a>'})
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "x.pdf").write_bytes(b"%PDF")
    assert _dead(site) == [("index.html", "../pdf/x.pdf", "outside the site")]


def test_theme_template_fragments_in_static_are_not_pages(tmp_path):
    """HTML files under _static (the theme's Jinja macros) are not read as pages."""
    site = _site(
        tmp_path,
        {"index.html": "<p>x</p>", "_static/macros.html": '<a href="{{ x }}">x</a>'},
    )
    assert _dead(site) == []


@pytest.mark.site
def test_the_built_site_has_no_dead_link():
    """Every local href, src and #anchor of build/html resolves."""
    assert (HTML / "index.html").exists(), f"{HTML} is not built: run nox -s docs"
    dead = reviewkit_links.dead_links(HTML)
    assert not dead, "\n".join(map(str, dead))


@pytest.mark.site
def test_the_landing_page_links_the_pdfs_only_if_the_build_has_them():
    """The landing page links both PDFs exactly when the site holds both."""
    index = (HTML / "index.html").read_text()
    linked = [
        f'href="_static/pdf/reviewkit-{kind}.pdf"' in index
        for kind in ("questions", "answers")
    ]
    present = [
        (HTML / "_static" / "pdf" / f"reviewkit-{kind}.pdf").is_file()
        for kind in ("questions", "answers")
    ]
    assert linked == present
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", index))
    assert all(linked) or "This build was made without them. nox -s pdf" in text
