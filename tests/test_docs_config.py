"""Tests for the docs build's own machinery (docs/_ext).

They import the build's extensions, which need Sphinx and the rest of the
docs extra: ``tests/conftest.py`` lists this module in ``EXTRAS_MODULES``, so
``nox -s tests`` (which installs only the tests extra) leaves it out and
``nox -s extra_tests`` runs it.
"""

import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import reviewkit_sphinx  # noqa: E402


def test_source_hash_follows_package_code(tmp_path):
    """The execution-cache key changes when any reviewkit source file changes."""
    shutil.copytree(ROOT / "reviewkit", tmp_path / "reviewkit")
    shutil.copy(ROOT / "constraints.txt", tmp_path / "constraints.txt")
    before = reviewkit_sphinx.source_hash(tmp_path)
    assert reviewkit_sphinx.source_hash(tmp_path) == before
    module = tmp_path / "reviewkit" / "plotting.py"  # any module, nested or not
    module.write_text(module.read_text() + "\n# edited\n")
    assert reviewkit_sphinx.source_hash(tmp_path) != before


def test_source_hash_follows_pinned_versions(tmp_path):
    """The execution-cache key changes when a pinned version changes."""
    shutil.copytree(ROOT / "reviewkit", tmp_path / "reviewkit")
    (tmp_path / "constraints.txt").write_text("torch==2.13.0\n")
    before = reviewkit_sphinx.source_hash(tmp_path)
    (tmp_path / "constraints.txt").write_text("torch==2.14.0\n")
    assert reviewkit_sphinx.source_hash(tmp_path) != before


def test_inventories_compress_and_resolve(tmp_path):
    """The offline inventories load and contain the types the API pages cite."""
    import sphobjinv as soi

    written = reviewkit_sphinx.write_inventories(
        ROOT / "docs" / "inventories", tmp_path
    )
    assert {"python", "torch", "numpy"} <= set(written)
    names = {obj.name for obj in soi.Inventory(written["torch"]).objects}
    assert "torch.Tensor" in names


def test_constraints_pin_torch_exactly():
    """constraints.txt pins torch to the CPU build that installs offline here."""
    text = (ROOT / "constraints.txt").read_text()
    assert re.search(r"^torch==2\.13\.0$", text, re.MULTILINE)


def test_source_hash_follows_benchmark_results(tmp_path):
    """The cache key changes when the results the Performance page reads change."""
    shutil.copytree(ROOT / "reviewkit", tmp_path / "reviewkit")
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    (results / "decoding.json").write_text("{}")
    before = reviewkit_sphinx.source_hash(tmp_path)
    (results / "decoding.json").write_text('{"cells": []}')
    assert reviewkit_sphinx.source_hash(tmp_path) != before


# The citation keys and glossary terms the project agreed on (issue 15).
CITATION_KEYS = [
    "bengio1994learning",
    "pascanu2013difficulty",
    "hochreiter1997long",
    "le2015simple",
    "werbos1990backpropagation",
    "hinton2006reducing",
    "vincent2008extracting",
    "vincent2010stacked",
    "he2022masked",
    "devlin2019bert",
    "pathak2016context",
    "bengio2013representation",
    "sutskever2014sequence",
    "wu2016google",
    "stahlberg2019nmt",
    "meister2020beam",
    "koehn2017six",
    "ott2019fairseq",
    "klein2017opennmt",
    "wolf2020transformers",
]
GLOSSARY_TERMS = (
    "spectral radius",
    "backpropagation through time",
    "vanishing gradient",
    "exploding gradient",
    "linear probe",
    "code",
    "bottleneck",
    "denoising autoencoder",
    "masked autoencoder",
    "mask ratio",
    "reconstruction error",
    "downstream task",
    "beam search",
    "beam width",
    "greedy decoding",
    "exhaustive search",
    "search error",
    "model error",
    "length normalisation",
    "end-of-sequence token",
    "log-probability",
    "n-best list",
    "finished pool",
    "autoregressive model",
)


def test_bibliography_has_every_agreed_key_with_a_checkable_record():
    """references.bib holds every agreed key, each with a DOI or URL to check it by."""
    from pybtex.database import parse_file

    conf = (ROOT / "conf.py").read_text()
    assert '"sphinxcontrib.bibtex",' in conf
    bibfiles = re.search(r"^bibtex_bibfiles = \[\"(.+?)\"\]", conf, re.MULTILINE)
    entries = parse_file(str(ROOT / bibfiles.group(1))).entries
    assert set(CITATION_KEYS) <= set(entries)
    for key, entry in entries.items():
        assert entry.persons.get("author"), key
        assert {"title", "year"} <= set(entry.fields), key
        assert {"doi", "url"} & set(entry.fields), f"{key} has no DOI or URL"


def test_glossary_defines_every_agreed_term():
    """docs/glossary.md defines each agreed term and is in a toctree."""
    text = (ROOT / "docs" / "glossary.md").read_text()
    blocks = re.findall(r"```\{glossary\}\n(.*?)```", text, re.DOTALL)
    defined = {
        line.strip()
        for b in blocks
        for line in b.splitlines()
        if line and not line.startswith(" ")
    }
    assert set(GLOSSARY_TERMS) <= defined
    assert "\nglossary\n" in (ROOT / "docs" / "index.md").read_text()


def test_sidebar_toggles_are_named_after_their_link():
    """Each text-less sidebar <summary> gets an aria-label naming its section."""
    import reviewkit_a11y

    html = (
        '<a href="a.html">Intro</a><p>x</p>'
        '<li><a class="reference internal" href="rnn/index.html">Vanilla &amp; RNNs'
        '</a><details><summary><span class="toctree-toggle" role="presentation">'
        "<i></i></span></summary></details></li>"
        '<details><summary class="sd-summary-title">Answer</summary></details>'
    )
    out = reviewkit_a11y.name_toggles(html)
    assert '<summary aria-label="Show or hide the pages of Vanilla &amp; RNNs">' in out
    assert '<summary class="sd-summary-title">' in out  # labelled ones untouched
    assert reviewkit_a11y.name_toggles(out) == out


def test_icon_subset_keeps_only_used_icons():
    """The icon script keeps the paths of the icons named, and only those."""
    import json

    import reviewkit_icons

    bundle = (
        'var b={"square-github":[448,512,[],"f092","M1 1z"]};p("fab",b);'
        'var b={sun:[512,512,[9728],"f185","M2 2z"]};p("far",b);'
        'var b={"magnifying-glass":[512,512,[128269,"search"],"f002","M3 3z"],'
        'sun:[512,512,[],"f185",["M4 4z","M5 5z"]]};p("fas",b);'
    )
    script = reviewkit_icons.subset_script(bundle, {"search", "sun", "solid"})
    icons = json.loads(script.split("const ICONS = ")[1].split(";\n")[0])
    assert icons == {
        "b": {},
        "r": {"sun": [512, 512, "M2 2z"]},
        "s": {"search": [512, 512, "M3 3z"], "sun": [512, 512, ["M4 4z", "M5 5z"]]},
    }


def _question_pages() -> list[Path]:
    """Chapter pages whose headings name a question of the sheet (1a to 3e)."""
    import reviewkit_pdf

    pages = []
    for chapter in ("autoencoders", "rnn", "beam"):
        for page in sorted((ROOT / "docs" / chapter).glob("*.md")):
            headings = re.findall(r"^#{1,2} (.+)$", page.read_text(), re.MULTILINE)
            if reviewkit_pdf.question_ids(headings):
                pages.append(page)
    return pages


@pytest.mark.parametrize(
    "page", _question_pages(), ids=lambda p: p.relative_to(ROOT / "docs").as_posix()
)
def test_question_page_cites_its_sources(page):
    """Each question page cites a paper and ends with its reference list."""
    text = page.read_text()
    assert "{footcite:" in text
    assert re.search(r"^## References\n+```\{footbibliography\}", text, re.MULTILINE)


@pytest.mark.parametrize("chapter", ["autoencoders", "rnn", "beam"])
def test_every_chapter_links_the_glossary(chapter):
    """Some page of each chapter links a term to the glossary."""
    pages = (ROOT / "docs" / chapter).glob("*.md")
    assert any("{term}`" in p.read_text() for p in pages)


def test_chapter_totals_compare_each_chapter_with_its_budget():
    """Page times add up per chapter, and a chapter over its budget is flagged."""
    rows = [
        ("autoencoders/reconstruction", 20.0, "cache"),
        ("autoencoders/labels_and_masking", 45.0, "cache"),
        ("rnn/linear", 5.0, "cache"),
        ("beam/worked-example", 3.0, "cache"),
        ("index", 100.0, "cache"),  # not a chapter: counted nowhere
    ]
    totals = {c: (s, ok) for c, s, _, ok in reviewkit_sphinx.chapter_totals(rows)}
    assert totals == {
        "autoencoders": (65.0, False),
        "rnn": (5.0, True),
        "beam": (3.0, True),
    }


def test_page_kernels_are_stopped_at_once_and_keep_every_output():
    """The build kills a page's kernel when its cells are done; no output is lost."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution
    from nbclient.client import NotebookClient

    reviewkit_sphinx.stop_kernels_immediately()
    nb = nbformat.v4.new_notebook()
    assert NotebookClient(nb).shutdown_kernel == "immediate"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        nbformat.v4.new_code_cell("import sys\nx = 6 * 7"),
        nbformat.v4.new_code_cell("print('printed', x)\nsys.stdout.flush()\nx + 1"),
    ]
    result = single_nb_execution(nb, cwd=None, timeout=60, allow_errors=False)
    assert result.err is None
    outputs = nb.cells[1].outputs
    assert any(o.get("text") == "printed 42\n" for o in outputs), outputs
    assert any(o.get("data", {}).get("text/plain") == "43" for o in outputs), outputs
