"""Build the practice fixture site (this folder) with the site's extensions.

Used by ``tests/test_questions.py`` and ``tests/browser/test_practice.py``
(loaded by path: the tests run with ``--import-mode=importlib``). The fixture
has its own question files; the extensions and static files are the real
ones from ``docs/_ext`` and ``docs/_static``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

CONF = """\
import sys
sys.path.insert(0, {ext!r})
project = "practice fixture"
extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinx-mathjax-offline",
    "reviewkit_a11y",
    "reviewkit_questions",
]
myst_enable_extensions = ["dollarmath", "colon_fence"]
html_theme = "sphinx_book_theme"
html_static_path = [{static!r}]
html_context = {{"default_mode": "auto"}}
exclude_patterns = ["_questions"]
"""


def build(work: Path) -> Path:
    """Copy the fixture to ``work``, build it strictly, return the HTML folder.

    Raises:
        RuntimeError: With Sphinx's output, if the build fails or warns.
    """
    source = work / "site"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(HERE / "docs", source / "docs")
    docs = ROOT / "docs"
    conf = CONF.format(ext=str(docs / "_ext"), static=str(docs / "_static"))
    (source / "conf.py").write_text(conf)
    html = work / "html"
    args = [
        "-q",
        "-W",
        "-b",
        "html",
        "-c",
        str(source),
        str(source / "docs"),
        str(html),
    ]
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode:
        raise RuntimeError(f"fixture build failed:\n{run.stdout}\n{run.stderr}")
    return html
