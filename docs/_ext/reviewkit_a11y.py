"""Accessibility fixes to the theme's HTML that no theme option offers.

The sidebar of pydata-sphinx-theme folds each chapter's pages under a
``<summary>`` whose only content is a chevron icon, so a screen reader
announces an unnamed control (axe-core's ``summary-name`` rule, rated
serious). After an HTML build, this extension names every such toggle in the written
pages after the link it folds ("Show or hide the pages of Autoencoders"), and
makes the sidebar, whose title and search button sit outside any landmark, a
labelled complementary landmark. The changes are in the HTML itself, so they
hold with JavaScript off.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

# A toctree entry: its link, then the <details> whose <summary> has no text.
_UNNAMED_TOGGLE = re.compile(
    r"(<a\b[^>]*>(?P<title>(?:(?!</a>).)*)</a>\s*<details\b[^>]*>\s*)"
    r'<summary>(?=\s*<span class="toctree-toggle")',
    re.DOTALL,
)


# The primary sidebar holds the site title and the search button outside any
# landmark (axe-core's "region" rule); as a labelled complementary landmark
# everything in it is reachable by landmark navigation.
_SIDEBAR = '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'
_SIDEBAR_LANDMARK = (
    '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar" '
    'role="complementary" aria-label="Site navigation">'
)


def name_toggles(fragment: str) -> str:
    """Give every text-less sidebar ``<summary>`` an ``aria-label``.

    Args:
        fragment: HTML of the theme's sidebar navigation.

    Returns:
        The same HTML, each toggle labelled after the link just before it.
    """

    def label(m: re.Match[str]) -> str:
        title = html.unescape(re.sub(r"<[^>]+>", "", m.group("title"))).strip()
        text = html.escape(f"Show or hide the pages of {title}", quote=True)
        return f'{m.group(1)}<summary aria-label="{text}">'

    return _UNNAMED_TOGGLE.sub(label, fragment)


def _name_toggles_in_output(app: Sphinx, exception: Exception | None) -> None:
    """Rewrite the built pages once the HTML build has finished."""
    if exception is not None or app.builder.format != "html":
        return
    for path in Path(app.outdir).rglob("*.html"):
        text = path.read_text()
        fixed = name_toggles(text).replace(_SIDEBAR, _SIDEBAR_LANDMARK)
        if fixed != text:
            path.write_text(fixed)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the sidebar fix, applied to the written pages."""
    app.connect("build-finished", _name_toggles_in_output)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
