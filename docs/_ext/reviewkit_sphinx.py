"""Build helpers for the reviewkit site.

Three jobs that no extension we use does for us:

* **Cache key that sees library code.** myst-nb's execution cache keys each
  page on its cells' source only, so an edit to ``reviewkit/`` would leave
  stale outputs in place. :func:`source_hash` fingerprints the package (and
  the pinned versions); ``conf.py`` puts the cache in a folder named after it
  and registers it as a config value that forces Sphinx to re-read every page
  when it changes.
* **Offline inventories.** Cross-references to Python, torch, numpy, ... must
  resolve without fetching ``objects.inv`` over the network.
  :func:`write_inventories` turns the small hand-kept plain-text inventories in
  ``docs/inventories`` into the zlib files intersphinx reads from disk.
* **Execution report and notebook downloads.** After the build, a table of
  each page's execution time is printed to the console (the site shows the
  same data on its "Execution times" page), and every executed notebook is
  offered for download next to the page's source.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def source_hash(root: Path) -> str:
    """Hash every file that can change what an executed page shows.

    Args:
        root: The repository root (the folder holding ``reviewkit/``).

    Returns:
        The first 16 hex digits of a SHA-256 over the package's ``.py`` and
        ``.js`` files,
        the committed benchmark results the Performance page reads, and the
        constraints file, in a stable order.
    """
    digest = hashlib.sha256()
    package = root / "reviewkit"
    files = sorted(  # code and the package data it reads (the explorer's script)
        p for p in package.rglob("*") if p.suffix in {".py", ".js"} and p.is_file()
    )
    files += sorted((root / "benchmarks").glob("*.py"))  # the Performance report
    files += sorted((root / "benchmarks" / "results").glob("*.json"))
    files.append(root / "constraints.txt")
    for path in files:
        if path.exists():
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def prune_caches(cache_root: Path, keep: str) -> None:
    """Delete execution caches made for other versions of the package."""
    if not cache_root.is_dir():
        return
    for child in cache_root.iterdir():
        if child.is_dir() and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def write_inventories(src: Path, dest: Path) -> dict[str, Path]:
    """Compress plain-text Sphinx inventories so intersphinx reads them offline.

    Args:
        src: Folder of ``NAME.txt`` files in sphobjinv's plain-text format.
        dest: Folder to write ``NAME.inv`` into.

    Returns:
        A map from each inventory's name to the compressed file.
    """
    import sphobjinv as soi

    dest.mkdir(parents=True, exist_ok=True)
    written = {}
    for txt in sorted(src.glob("*.txt")):
        inv = soi.Inventory(plaintext=txt.read_bytes())
        target = dest / f"{txt.stem}.inv"
        data = soi.compress(inv.data_file(contract=True))
        if not target.exists() or target.read_bytes() != data:
            soi.writebytes(target, data)
        written[txt.stem] = target
    return written


def _exec_rows(app: Sphinx) -> list[tuple[str, float, str]]:
    from myst_nb.sphinx_ import NbMetadataCollector

    rows = []
    for docname, data in sorted(NbMetadataCollector.get_doc_data(app.env).items()):
        exec_data = data.get("exec_data")
        if not exec_data:
            continue
        runtime = exec_data.get("runtime") or 0.0
        rows.append((docname, float(runtime), str(exec_data.get("method"))))
    return rows


def _report_exec_times(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None:
        return
    rows = _exec_rows(app)
    if not rows:
        return
    width = max(len(name) for name, _, _ in rows)
    lines = [f"{'page':<{width}}  {'seconds':>8}  method"]
    lines += [f"{name:<{width}}  {secs:8.2f}  {method}" for name, secs, method in rows]
    lines.append(f"{'total':<{width}}  {sum(r[1] for r in rows):8.2f}")
    logger.info("\nExecution time of each page (last execution):\n" + "\n".join(lines))


def _offer_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree
) -> None:
    """Copy the executed notebook next to the page source for the download menu."""
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.exists():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _place_cache(app: Sphinx, config) -> None:
    """Put the execution cache at ``<outdir>/../.jupyter_cache/<source hash>``."""
    cache_root = Path(app.outdir).parent / ".jupyter_cache"
    key = config.reviewkit_source_hash or "nohash"
    prune_caches(cache_root, keep=key)
    config.nb_execution_cache_path = str(cache_root / key)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the hooks with Sphinx."""
    app.connect("config-inited", _place_cache)
    # Changing this value (the package hash) makes Sphinx re-read every page.
    app.add_config_value("reviewkit_source_hash", "", "env", types=[str])
    app.connect("build-finished", _report_exec_times)
    # Before the book theme builds its download menu (priority 501).
    app.connect("html-page-context", _offer_notebook, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
