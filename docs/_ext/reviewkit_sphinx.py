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
* **Kernels stopped at once.** :func:`stop_kernels_immediately`: a page's
  kernel is killed as soon as its last cell has run, instead of being asked
  to exit and waited for.
* **The PDFs, only where they exist.** ``nox -s pdf`` prints the question
  sheet and the answer key into ``build/pdf`` (beside ``build/html``). The
  ``{if-printed}`` directive shows its content only in a build that has them
  (``{if-printed} no``: only in one that has not), and the build copies them
  into the site's ``_static/pdf``: the landing page never links a file the
  build lacks. The page is re-read whenever the PDFs appear, change or go.

It also loads ``reviewkit_links``, which fails the build on a dead link, and
adds ``_static/reviewkit-print.css`` for print: long code lines, outputs and
tables wrap instead of being cut at the right margin.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

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


#: Execution budget of each chapter, in seconds on a 2-core machine, cold.
CHAPTER_BUDGETS: dict[str, float] = {"autoencoders": 60.0, "rnn": 30.0, "beam": 30.0}


def chapter_totals(
    rows: list[tuple[str, float, str]],
) -> list[tuple[str, float, float, bool]]:
    """Sum page execution times per chapter and compare them with the budgets.

    Args:
        rows: ``(docname, seconds, method)`` per executed page.

    Returns:
        ``(chapter, seconds, budget, within budget)`` for each chapter in
        :data:`CHAPTER_BUDGETS`, in that order.
    """
    out = []
    for chapter, budget in CHAPTER_BUDGETS.items():
        seconds = sum(secs for name, secs, _ in rows if name.startswith(f"{chapter}/"))
        out.append((chapter, seconds, budget, seconds <= budget))
    return out


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
    lines.append("")
    for chapter, secs, budget, ok in chapter_totals(rows):
        verdict = "within budget" if ok else "OVER BUDGET"
        lines.append(f"{chapter:<{width}}  {secs:8.2f}  of {budget:.0f} s: {verdict}")
    logger.info("\nExecution time of each page (last execution):\n" + "\n".join(lines))


class chapter_budget_table(nodes.General, nodes.Element):  # noqa: N801 (docutils)
    """Placeholder for the chapter budget table, filled once every page ran."""


class ChapterBudgets(SphinxDirective):
    """``{chapter-budgets}``: each chapter's execution time against its budget."""

    def run(self) -> list[nodes.Node]:
        self.env.reviewkit_budget_docs = getattr(
            self.env, "reviewkit_budget_docs", set()
        ) | {self.env.docname}
        return [chapter_budget_table()]


def _row(texts: tuple[str, ...]) -> nodes.row:
    """A table row with one paragraph per cell."""
    return nodes.row("", *(nodes.entry("", nodes.paragraph(text=t)) for t in texts))


def _fill_budget_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    rows = _exec_rows(app)
    for node in doctree.findall(chapter_budget_table):
        table = nodes.table(classes=["reviewkit-budgets"])
        group = nodes.tgroup(cols=4)
        table += group
        for _ in range(4):
            group += nodes.colspec(colwidth=1)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        head += _row(("chapter", "seconds (last execution)", "budget (s)", "verdict"))
        for chapter, secs, budget, ok in chapter_totals(rows):
            verdict = "within" if ok else "over"
            body += _row((chapter, f"{secs:.1f}", f"{budget:.0f}", verdict))
        node.replace_self(table)


def _merge_budget_docs(app: Sphinx, env, docnames, other) -> None:
    """Parallel reads: keep the pages that hold the table from every worker."""
    env.reviewkit_budget_docs = getattr(env, "reviewkit_budget_docs", set()) | getattr(
        other, "reviewkit_budget_docs", set()
    )


def _budget_docs_outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Rewrite the pages holding the table on every build (times change)."""
    return sorted(getattr(env, "reviewkit_budget_docs", set()) - set(removed))


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
    """Put the execution cache at ``<outdir>/../.jupyter_cache/<source hash>``.

    Also places the printed PDFs' folder at ``<outdir>/../pdf`` unless the
    configuration names one (``reviewkit_pdf_dir``).
    """
    if not config.reviewkit_pdf_dir:  # the PDFs nox -s pdf prints, beside the site
        config.reviewkit_pdf_dir = str(Path(app.outdir).parent / "pdf")
    cache_root = Path(app.outdir).parent / ".jupyter_cache"
    key = config.reviewkit_source_hash or "nohash"
    prune_caches(cache_root, keep=key)
    config.nb_execution_cache_path = str(cache_root / key)


def stop_kernels_immediately() -> None:
    """Make nbclient kill each page's kernel once its cells have run.

    By default nbclient asks the kernel to shut down and waits for it: about
    0.8 s per page with torch loaded (the interpreter's teardown), and now and
    then the kernel does not exit at all, so nbclient waits 2.5 s and then
    terminates it. Measured on 2 cores, this made a chapter's execution time
    (which includes kernel start and stop) swing by several seconds between
    identical builds. Nothing of a page's output depends on the graceful
    path: every cell has finished and its outputs have arrived before the
    kernel is stopped, and the pages register no exit hooks. myst-nb and
    jupyter-cache pass no client options through, so the setting is made on
    nbclient's class, for this build process only.
    """
    from nbclient.client import NotebookClient

    NotebookClient.shutdown_kernel.default_value = "immediate"


def printed_pdfs(folder: Path) -> dict[str, Path] | None:
    """The printed sheet and key in ``folder``, or None unless both are there.

    Args:
        folder: Where ``nox -s pdf`` writes them: ``build/pdf``, beside the
            HTML output folder (the config value ``reviewkit_pdf_dir``).

    Returns:
        ``{"questions": path, "answers": path}``, or None.
    """
    from reviewkit_pdf import OUTPUTS

    found = {kind: Path(folder) / name for kind, name in OUTPUTS.items()}
    return found if all(path.is_file() for path in found.values()) else None


def _pdf_state(folder: Path) -> tuple | None:
    """What re-reading a page that depends on the PDFs would see."""
    pdfs = printed_pdfs(folder)
    if pdfs is None:
        return None
    return tuple(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in pdfs.values()
    )


class IfPrinted(SphinxDirective):
    """``{if-printed}``: content shown only in a build that has the PDFs.

    With the argument ``no``, the content is shown only in a build that has
    not (where the page should say how to print them).
    """

    has_content = True
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        wanted = (self.arguments or ["yes"])[0]
        if wanted not in ("yes", "no"):
            raise self.error(f"if-printed takes 'yes' or 'no', got {wanted!r}")
        self.env.reviewkit_pdf_docs = getattr(self.env, "reviewkit_pdf_docs", set()) | {
            self.env.docname
        }
        printed = printed_pdfs(Path(self.config.reviewkit_pdf_dir)) is not None
        if printed != (wanted == "yes"):
            return []
        return self.parse_content_to_nodes()


def _merge_pdf_docs(app: Sphinx, env, docnames, other) -> None:
    """Parallel reads: keep the pages that depend on the PDFs from every worker."""
    env.reviewkit_pdf_docs = getattr(env, "reviewkit_pdf_docs", set()) | getattr(
        other, "reviewkit_pdf_docs", set()
    )


def _pdf_docs_outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Re-read the pages using ``{if-printed}`` when the PDFs appear, change or go."""
    state = _pdf_state(Path(app.config.reviewkit_pdf_dir))
    if getattr(env, "reviewkit_pdf_state", None) == state:
        return []
    env.reviewkit_pdf_state = state
    return sorted(getattr(env, "reviewkit_pdf_docs", set()) - set(removed))


def _copy_pdfs(app: Sphinx, exception: Exception | None) -> None:
    """Put the printed PDFs into the site's ``_static/pdf`` (before the link check)."""
    pdfs = printed_pdfs(Path(app.config.reviewkit_pdf_dir))
    if exception is not None or pdfs is None:
        return
    static = Path(app.outdir) / "_static" / "pdf"
    static.mkdir(parents=True, exist_ok=True)
    for path in pdfs.values():
        shutil.copy2(path, static / path.name)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the hooks with Sphinx."""
    stop_kernels_immediately()
    app.setup_extension("reviewkit_links")
    # Print without loss: wrap long lines instead of cutting them (any print).
    app.add_css_file("reviewkit-print.css", media="print")
    app.add_config_value("reviewkit_pdf_dir", "", "", types=[str])
    app.add_directive("if-printed", IfPrinted)
    app.connect("env-get-outdated", _pdf_docs_outdated)
    app.connect("env-merge-info", _merge_pdf_docs)
    app.connect("build-finished", _copy_pdfs, priority=400)
    app.connect("config-inited", _place_cache)
    # Changing this value (the package hash) makes Sphinx re-read every page.
    app.add_config_value("reviewkit_source_hash", "", "env", types=[str])
    app.connect("build-finished", _report_exec_times)
    app.add_node(chapter_budget_table)
    app.add_directive("chapter-budgets", ChapterBudgets)
    app.connect("doctree-resolved", _fill_budget_tables)
    app.connect("env-get-outdated", _budget_docs_outdated)
    app.connect("env-merge-info", _merge_budget_docs)
    # Before the book theme builds its download menu (priority 501).
    app.connect("html-page-context", _offer_notebook, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
