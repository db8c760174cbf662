"""Every page's visible code runs pasted into a plain ``python``.

A reader who copies a page's visible cells, top to bottom, into a fresh Python
session with only ``reviewkit`` and its dependencies must see the page's
numbers printed and its plots drawn. Where each check runs:

* **Static checks, in ``nox -s tests``** (fast, no page executed): no visible
  cell imports ``myst_nb``, ``IPython`` or ``ipywidgets`` or calls ``glue``,
  ``Markdown`` or ``display``; a blank line follows every cell's options; every
  page with code is found. Cells are read by :func:`code_cells`, a small
  reader of MyST notebooks that needs only PyYAML, so the fast suite needs no
  docs tools; ``test_reader_agrees_with_myst_nb`` checks it against myst-nb's
  own reader on every page (marked ``extras``).
* **The page-size runs, in ``nox -s extra_tests``** (marked ``pages``; CI runs
  it after the docs build): each page's visible cells are written as one
  script and run, at the page's own size, in a subprocess from the repository
  root where ``myst_nb``, ``IPython`` and ``ipywidgets`` cannot be imported (a
  meta-path blocker) and matplotlib draws with the Agg backend; the README's
  Python snippets run the same way. They are not shrunk: the docs build runs
  the same code at the same size, and these runs add only the plain-Python
  check. The scripts share the trained-model cache named by
  ``REVIEWKIT_CACHE_DIR`` (the session points it at the docs build's
  ``build/model_cache``, so after a build, code that goes through the cache
  loads the models the pages trained, as a reader's second run would). The
  autoencoder pages' visible cells call ``train_autoencoder`` itself, as a
  reader's copy does, so their scripts train every model (the build puts the
  cache behind that call in a remove-cell). Pages run in parallel, one per
  core.

Cells tagged ``remove-cell`` or ``remove-input`` are site-only (their code is
never shown) and are left out; ``hide-input`` and ``hide-cell`` cells are
visible code, folded, and are kept.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# Site-only cells: their code never appears on the page.
HIDDEN_TAGS = {"remove-cell", "remove-input"}
# What a plain Python session lacks: the build's notebook machinery.
BLOCKED = ("myst_nb", "IPython", "ipywidgets")
TIMEOUT_S = 900  # the slowest page trains several small models

# Installs the import blocker, then runs the script as __main__ so tracebacks
# point at the script's own line numbers.
RUNNER = textwrap.dedent(
    """
    import importlib.abc, runpy, sys

    BLOCKED = {blocked!r}

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(
                    f"No module named {{name!r}} (blocked: a plain Python "
                    f"session has no notebook machinery)", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    runpy.run_path(sys.argv[1], run_name="__main__")
    """
).format(blocked=BLOCKED)


_FENCE = re.compile(r"^(`{3,}|~{3,}|:{3,})(.*)$")


def code_cells(text: str) -> list[tuple[dict, str]]:
    """The options and source of every top-level ``{code-cell}`` of a MyST page.

    Reads cells the way myst-nb does (``read_myst_markdown_notebook``): a
    fenced block at the top level whose info string starts with
    ``{code-cell}``; options from a leading ``---`` YAML block or ``:key:
    value`` lines; one blank line after the options dropped. Fences nested in
    other fenced blocks are not cells.
    """
    lines = text.splitlines()
    cells = []
    i = 0
    if lines and lines[0] == "---":  # front matter
        i = lines.index("---", 1) + 1
    while i < len(lines):
        opened = _FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        fence, info = opened.groups()
        closing = re.compile(rf"^{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if fence[0] != ":" and info.startswith("{code-cell}"):
            cells.append(_read_cell(lines[i + 1 : end]))
        i = end + 1
    return cells


def _read_cell(body: list[str]) -> tuple[dict, str]:
    """A code cell's options and source from the lines inside its fence."""
    options_block = ""
    if body and body[0].startswith("---"):
        close = next(k for k in range(1, len(body)) if body[k].startswith("---"))
        options_block, body = "\n".join(body[1:close]), body[close + 1 :]
    elif body and body[0].lstrip().startswith(":"):
        k = 0
        while k < len(body) and re.match(r"^\s*:(?!::)", body[k]):
            k += 1
        options_block = "\n".join(line.lstrip()[1:] for line in body[:k])
        body = body[k:]
    if body and not body[0].strip():
        body = body[1:]
    return yaml.safe_load(options_block) or {}, "\n".join(body)


def visible_cells(text: str) -> list[str]:
    """The source of every code cell a reader sees on a MyST notebook page."""
    return [
        source
        for options, source in code_cells(text)
        if not set(options.get("tags", [])) & HIDDEN_TAGS
    ]


#: What only the site has: the notebook modules and the calls that need them.
SITE_ONLY = re.compile(r"\b(myst_nb|IPython|ipywidgets)\b|\b(glue|Markdown|display)\(")


def site_only_uses(source: str) -> list[str]:
    """The notebook-only names a cell's source mentions (empty if none)."""
    return sorted({m.group(0) for m in SITE_ONLY.finditer(source)})


def has_code_cells(text: str) -> bool:
    """Whether a page is a MyST notebook with at least one code cell."""
    return "```{code-cell}" in text


def readme_snippets(text: str) -> list[str]:
    """The README's ```python blocks, in order (its shell blocks are skipped)."""
    return re.findall(r"^```python\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def script_for(cells: list[str]) -> str:
    """Cells joined into one script, each under a comment naming its number."""
    parts = [f"# --- cell {i} ---\n{src}\n" for i, src in enumerate(cells, 1)]
    return "\n".join(parts)


def run_plain(
    script: str, tmp_path: Path, cache_dir: Path
) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh interpreter with the notebook modules blocked."""
    path = tmp_path / "snippet.py"
    path.write_text(script)
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "REVIEWKIT_CACHE_DIR": str(cache_dir),
        "OMP_NUM_THREADS": "1",  # two cores shared by everyone: stay on one
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "-c", RUNNER, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def _pages() -> list[Path]:
    """Every page under docs/ with at least one visible code cell."""
    pages = []
    for page in sorted(DOCS.rglob("*.md")):
        if any(part.startswith("_") for part in page.relative_to(DOCS).parts):
            continue
        text = page.read_text()
        if has_code_cells(text) and visible_cells(text):
            pages.append(page)
    return pages


PAGES = _pages()


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """The trained-model cache every page's script shares.

    ``REVIEWKIT_CACHE_DIR`` when set (``nox -s extra_tests`` sets the docs
    build's), else one folder for the whole run, shared by the xdist workers
    (the cache trains each model once across processes).
    """
    if folder := os.environ.get("REVIEWKIT_CACHE_DIR"):
        return Path(folder)
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' common folder
    return root / "model_cache"


def _report(result: subprocess.CompletedProcess) -> str:
    """The tail of a failed run's output, for the assertion message."""
    return f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"


def options_without_blank_line(text: str) -> list[int]:
    """Lines where code follows a code cell's options (``:tags: ...``) at once.

    myst-nb reads ``:tags: [remove-cell]`` followed directly by code as a tag,
    but simpler MyST readers take the options to end at a blank line and read
    the tag as code, showing a site-only cell as visible. A blank line after
    the options makes every reader agree.
    """
    lines = text.splitlines()
    bad = []
    for i, line in enumerate(lines):
        if not line.startswith("```{code-cell}"):
            continue
        j = i + 1
        while j < len(lines) and re.match(r"^:[\w-]+:", lines[j]):
            j += 1
        if j > i + 1 and j < len(lines) and lines[j].strip():
            bad.append(j + 1)
    return bad


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_cell_options_end_with_a_blank_line(page):
    """Every ``:tags:``-style option block is followed by a blank line."""
    assert not options_without_blank_line(page.read_text())


def test_options_without_blank_line_finds_a_tag_glued_to_code():
    """The check flags options followed directly by code, and only those."""
    glued = "```{code-cell} ipython3\n:tags: [remove-cell]\nfrom myst_nb import glue"
    spaced = "```{code-cell} ipython3\n:tags: [remove-cell]\n\nx = 1\n```"
    assert options_without_blank_line(glued) == [3]
    assert options_without_blank_line(spaced) == []


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_visible_cells_mention_no_notebook_module(page):
    """No visible cell imports myst_nb, IPython or ipywidgets, or calls glue."""
    offending = {
        i: uses
        for i, cell in enumerate(visible_cells(page.read_text()))
        if (uses := site_only_uses(cell))
    }
    assert not offending, (
        f"visible cells (index: names) use site-only code: {offending}"
    )


def test_site_only_uses_finds_glue_and_markdown():
    """The static check sees an import of myst_nb and calls of glue and Markdown."""
    assert site_only_uses("from myst_nb import glue\nglue('x', 1)") == [
        "glue(",
        "myst_nb",
    ]
    assert site_only_uses("Markdown(table)") == ["Markdown("]
    assert site_only_uses("print(glue_stats, markdown_table(rows))") == []


@pytest.mark.pages
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_runs_as_plain_python(page, tmp_path, model_cache):
    """The page's visible cells, pasted in order, run with no notebook modules."""
    script = script_for(visible_cells(page.read_text()))
    result = run_plain(script, tmp_path, model_cache)
    assert result.returncode == 0, _report(result)


@pytest.mark.pages
def test_readme_snippets_run_as_plain_python(tmp_path, model_cache):
    """Each Python snippet in the README runs on its own in a plain session."""
    snippets = readme_snippets((ROOT / "README.md").read_text())
    assert snippets, "the README has no ```python snippet"
    for i, snippet in enumerate(snippets, 1):
        result = run_plain(snippet, tmp_path, model_cache)
        assert result.returncode == 0, f"README snippet {i}:\n" + _report(result)


# -- the harness itself ----------------------------------------------------


@pytest.mark.extras
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_reader_agrees_with_myst_nb(page):
    """code_cells reads each page's cells, options and source as myst-nb does."""
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(page.read_text())
    theirs = [
        (dict(cell.metadata), cell.source)
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]
    assert code_cells(page.read_text()) == theirs


def test_reader_skips_fences_nested_in_other_blocks():
    """A code-cell fence inside another fenced block is not a cell."""
    text = (
        "````{note}\n```{code-cell} ipython3\nhidden = 1\n```\n````\n\n"
        ":::{dropdown}\nx\n:::\n\n"
        "```{code-cell} ipython3\n---\ntags: [hide-input]\n---\nshown = 2\n```\n"
    )
    assert code_cells(text) == [({"tags": ["hide-input"]}, "shown = 2")]


def test_every_notebook_page_is_collected():
    """Each page under docs/ with code cells is run, unless all of them are hidden."""
    for page in sorted(DOCS.rglob("*.md")):
        if any(part.startswith("_") for part in page.relative_to(DOCS).parts):
            continue
        text = page.read_text()
        if has_code_cells(text):
            assert (page in PAGES) == bool(visible_cells(text)), page


@pytest.mark.pages
def test_blocker_rejects_notebook_modules(tmp_path):
    """A script that imports myst_nb's glue fails: the blocker works."""
    result = run_plain("from myst_nb import glue\n", tmp_path, tmp_path)
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr
    assert "blocked" in result.stderr
    for module in ("IPython.display", "ipywidgets"):
        result = run_plain(f"import {module}\n", tmp_path, tmp_path)
        assert result.returncode != 0, module


@pytest.mark.pages
def test_blocker_leaves_the_scientific_stack_alone(tmp_path):
    """reviewkit, torch, numpy, matplotlib and scikit-learn import and plot."""
    script = (
        "import matplotlib.pyplot as plt, numpy, sklearn, torch, reviewkit\n"
        "plt.plot([0, 1]); plt.savefig('/dev/null', format='png')\n"
        "import matplotlib; print(matplotlib.get_backend())\n"
    )
    result = run_plain(script, tmp_path, tmp_path)
    assert result.returncode == 0, _report(result)
    assert result.stdout.strip().lower() == "agg"


def test_site_only_cells_are_left_out():
    """remove-cell and remove-input cells are dropped; hide-input cells stay."""
    page = textwrap.dedent(
        """\
        ---
        jupytext:
          text_representation:
            format_name: myst
        kernelspec:
          name: python3
        ---
        # A page

        ```{code-cell} ipython3
        shown = 1
        ```

        ```{code-cell} ipython3
        :tags: [remove-cell]
        from myst_nb import glue
        ```

        ```{code-cell} ipython3
        ---
        tags: [remove-input]
        ---
        from IPython.display import Markdown
        ```

        ```{code-cell} ipython3
        :tags: [hide-input]
        folded = 2
        ```
        """
    )
    assert visible_cells(page) == ["shown = 1", "folded = 2"]


def test_readme_snippet_extraction():
    """Only ```python blocks are taken from the README, not shell blocks."""
    text = "```bash\nnox\n```\n\n```python\nimport reviewkit\n```\n"
    assert readme_snippets(text) == ["import reviewkit\n"]
