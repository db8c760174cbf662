"""Replace the theme's 1.5 MB icon script with the few icons the site uses.

pydata-sphinx-theme loads ``_static/scripts/fontawesome.js`` on every page: a
bundle of all of Font Awesome Free (about 2,000 icons) that swaps each
``<i class="fa-solid fa-sun">`` for an inline SVG. The site shows perhaps a
dozen of them. After an HTML build, this extension lists the ``fa-*`` names the
built pages and the themes' scripts mention, copies just those icons' SVG paths
out of the bundle, and writes a small script of the same name that does the
same swap (also for icons the theme's scripts add later). The icons keep their
licence: Font Awesome Free, icons under CC BY 4.0 (https://fontawesome.com/license/free).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

SCRIPT = Path("_static") / "scripts" / "fontawesome.js"
# Where each style's icon table starts in the bundle: `p("fas",b)` registers
# the object literal `var b={...}` defined just before it.
_STYLES = {"fab": "b", "far": "r", "fas": "s"}
_ICON = re.compile(
    r'(?:"([a-z0-9-]+)"|([a-z0-9]+)):\[(\d+),(\d+),\[([^\]]*)\],"[0-9a-f]*",'
    r'("(?:[^"\\]|\\.)*"|\[(?:"(?:[^"\\]|\\.)*",?)*\])\]'
)
_FA_NAME = re.compile(r"\bfa-([a-z0-9-]+)")

_RUNTIME = """\
/*! Font Awesome Free subset (icons: CC BY 4.0, https://fontawesome.com/license/free).
 * Written by reviewkit's build in place of the theme's full bundle: only the
 * icons this site uses, swapped for inline SVGs as the full script does. */
(() => {
  const ICONS = __ICONS__;
  const STYLE = {"fa-brands": "b", "fab": "b", "fa-regular": "r", "far": "r"};
  const css = document.createElement("style");
  css.textContent = ".svg-inline--fa{display:inline-block;height:1em;" +
    "overflow:visible;vertical-align:-.125em}.svg-inline--fa.fa-lg{height:1.25em;" +
    "vertical-align:-.2em}.svg-inline--fa.fa-fw{width:1.25em}";
  document.head.appendChild(css);
  function swap(el) {
    const classes = Array.from(el.classList);
    const style = classes.map((c) => STYLE[c]).find(Boolean) || "s";
    const table = ICONS[style] || {};
    const name = classes.filter((c) => c.startsWith("fa-"))
      .map((c) => c.slice(3)).find((n) => n in table);
    if (!name) return;
    const [w, h, d] = table[name];
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    for (const a of el.attributes) {
      if (a.name !== "class") svg.setAttribute(a.name, a.value);
    }
    svg.setAttribute("class", ["svg-inline--fa", ...classes].join(" "));
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("focusable", "false");
    if (!el.hasAttribute("aria-label")) svg.setAttribute("aria-hidden", "true");
    for (const part of [].concat(d)) {
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      path.setAttribute("fill", "currentColor");
      path.setAttribute("d", part);
      svg.appendChild(path);
    }
    el.replaceWith(svg);
  }
  const SELECTOR = "i[class*='fa-'], span[class*='fa-']";
  function swapAll(root) { root.querySelectorAll(SELECTOR).forEach(swap); }
  function start() {
    swapAll(document);
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        if (n.matches(SELECTOR)) swap(n); else swapAll(n);
      }
    }).observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else { start(); }
})();
"""


def icon_tables(bundle: str) -> dict[str, dict[str, list[Any]]]:
    """Every icon in a Font Awesome bundle, by style, as ``[width, height, path]``.

    Args:
        bundle: The text of the theme's ``fontawesome.js``.

    Returns:
        ``{"b": brands, "r": regular, "s": solid}``, each mapping an icon name
        and each of its aliases to its view-box size and SVG path (or paths).
    """
    tables: dict[str, dict[str, list[Any]]] = {}
    for prefix, key in _STYLES.items():
        call = bundle.find(f'p("{prefix}",')
        start = bundle.rfind("var b={", 0, call)
        if call < 0 or start < 0:
            raise ValueError(f"no {prefix!r} icon table in the Font Awesome bundle")
        table: dict[str, list[Any]] = {}
        for m in _ICON.finditer(bundle, start, call):
            name = m.group(1) or m.group(2)
            entry = [int(m.group(3)), int(m.group(4)), json.loads(m.group(6))]
            table[name] = entry
            for alias in re.findall(r'"([a-z0-9-]+)"', m.group(5)):
                table.setdefault(alias, entry)
        tables[key] = table
    return tables


def used_names(outdir: Path) -> set[str]:
    """Every ``fa-NAME`` mentioned by a built page or a script in ``_static``."""
    names: set[str] = set()
    for path in list(outdir.rglob("*.html")) + list((outdir / "_static").rglob("*.js")):
        if path.resolve() == (outdir / SCRIPT).resolve():
            continue
        names |= set(_FA_NAME.findall(path.read_text(errors="ignore")))
    return names


def subset_script(bundle: str, names: set[str]) -> str:
    """A small script that swaps only ``names`` for inline SVGs."""
    tables = icon_tables(bundle)
    subset = {
        key: {n: table[n] for n in sorted(names) if n in table}
        for key, table in tables.items()
    }
    return _RUNTIME.replace("__ICONS__", json.dumps(subset, separators=(",", ":")))


def _replace_bundle(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / SCRIPT
    if not target.exists():
        return
    bundle = target.read_text()
    if "Font Awesome Free subset" in bundle:  # already replaced by an earlier build
        theme = Path(__import__("pydata_sphinx_theme").__file__).parent
        bundle = (theme / "theme" / "pydata_sphinx_theme" / SCRIPT).read_text()
    before = target.stat().st_size
    script = subset_script(bundle, used_names(Path(app.outdir)))
    target.write_text(script)
    logger.info(
        f"fontawesome.js: {before:,} bytes -> {len(script.encode()):,} "
        "bytes (only the icons the site uses)"
    )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the icon subsetting with Sphinx."""
    app.connect("build-finished", _replace_bundle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
