"""No dead link in any build: every local ``href``, ``src`` and ``#anchor``.

After an HTML build, every page the build wrote is read back and each link or
resource it names inside the site (``<a href>``, ``<link href>``,
``<img src>``, ``<script src>``, ``<source src>``, ``<iframe src>``) is
resolved: the file must exist, and a ``#fragment`` pointing into an HTML page
must name an ``id`` (or ``<a name>``) on that page. Links off the site
(``https:``, ``mailto:``, ``data:``...) are not followed. A dead link is a
Sphinx warning, so the strict build (``-W``) fails on it, in every session
that builds the site.

``python docs/_ext/reviewkit_links.py build/html`` checks a built site on its
own (``tests/test_links.py`` runs the same function).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

#: The attributes that name another file, by element.
LINK_ATTRIBUTES = {
    "a": "href",
    "link": "href",
    "img": "src",
    "script": "src",
    "source": "src",
    "iframe": "src",
}


@dataclass(frozen=True)
class DeadLink:
    """A link in a built page that leads nowhere."""

    page: str  # the page holding the link, relative to the site
    url: str  # the link as written
    reason: str  # "no file <path>" or "no anchor #<id> in <page>"

    def __str__(self) -> str:
        return f"{self.page}: {self.url} ({self.reason})"


class _PageParser(HTMLParser):
    """Collects a page's anchors (ids, names) and the URLs it links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.anchors.add(values[key])
        url = values.get(LINK_ATTRIBUTES.get(tag, ""))
        if url is not None:
            self.urls.append(url)


def _parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def is_local(url: str) -> bool:
    """Whether ``url`` points inside the site (no scheme, no host)."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and not url.startswith("//")


def dead_links(site: Path, pages: list[Path] | None = None) -> list[DeadLink]:
    """Every local link in ``pages`` that names a missing file or anchor.

    Args:
        site: The built site's folder (``build/html``).
        pages: The HTML files to read; by default every ``*.html`` under
            ``site`` except in ``_static`` (which holds the theme's template
            fragments, not pages).

    Returns:
        The dead links, in page order (empty when every link resolves).
    """
    site = site.resolve()
    if pages is None:
        pages = sorted(
            p
            for p in site.rglob("*.html")
            if "_static" not in p.relative_to(site).parts
        )
    anchors: dict[Path, set[str]] = {}

    def anchors_of(path: Path) -> set[str]:
        if path not in anchors:
            anchors[path] = _parse(path).anchors
        return anchors[path]

    dead = []
    for page in pages:
        page = page.resolve()
        parsed = _parse(page)
        anchors[page] = parsed.anchors
        for url in parsed.urls:
            reason = _why_dead(site, page, url.strip(), anchors_of)
            if reason:
                dead.append(DeadLink(page.relative_to(site).as_posix(), url, reason))
    return dead


def _why_dead(site: Path, page: Path, url: str, anchors_of) -> str | None:
    """Why a link from ``page`` leads nowhere; None if it resolves or is off-site."""
    if not url or not is_local(url):
        return None
    parts = urlsplit(url)
    target = page.parent / unquote(parts.path) if parts.path else page
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    target = target.resolve()
    if site not in target.parents:
        return "outside the site"
    where = target.relative_to(site).as_posix()
    if not target.is_file():
        return f"no file {where}"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in anchors_of(target):
        return f"no anchor #{fragment} in {where}"
    return None


def _check_build(app: Any, exception: Exception | None) -> None:
    """After an HTML build, warn about every dead local link (fails with -W)."""
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    found = dead_links(Path(app.outdir))
    for link in found:
        logger.warning("dead link: %s", link, type="reviewkit", subtype="dead-link")
    logger.info(f"links checked: {len(found)} dead")


def setup(app: Any) -> dict[str, Any]:
    """Check the links once every page is written and post-processed."""
    app.connect("build-finished", _check_build, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    found = dead_links(Path(sys.argv[1] if len(sys.argv) > 1 else "build/html"))
    print("\n".join(map(str, found)) or "no dead links")
    sys.exit(1 if found else 0)
