"""Sessions for building, testing and checking reviewkit.

``nox`` alone runs lint, tests and docs. Every session installs the project
with the exact versions in ``constraints.txt``; an environment is reinstalled
only when ``pyproject.toml`` or ``constraints.txt`` change, so repeated runs
start in seconds. Where each kind of check runs: ``tests/README.md``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tomllib
from pathlib import Path

import nox

# Every session runs on the interpreter nox itself runs under (python=None),
# so the README's commands work with whichever Python 3.11-3.13 made .venv;
# CI creates .venv with 3.11. Older interpreters stop here with a clear message.
if sys.version_info < (3, 11):  # noqa: UP036 (nox may run under any Python)
    sys.exit(
        f"reviewkit needs Python 3.11 or newer, but nox runs under Python "
        f"{sys.version.split()[0]} ({sys.executable}). Recreate .venv with a newer "
        "interpreter, e.g. `python3.12 -m venv .venv`, and run nox from it."
    )

ROOT = Path(__file__).resolve().parent
BUILD = ROOT / "build"
HTML = BUILD / "html"
CONSTRAINTS = ROOT / "constraints.txt"
SPHINX_ARGS = ["-n", "-W", "--keep-going", "-c", ".", "docs", str(HTML)]
# Trained models the pages share live with the build, so --fresh clears them too.
DOCS_ENV = {"REVIEWKIT_CACHE_DIR": str(BUILD / "model_cache")}

nox.options.sessions = ["lint", "tests", "docs"]
nox.options.reuse_existing_virtualenvs = True


def _install(
    session: nox.Session,
    extras: str,
    *,
    imports: str | None = None,
    project: bool = True,
) -> None:
    """Install reviewkit with ``extras``, pinned, unless already done.

    With ``project=False``, only the extras' own requirements (the lint
    session needs ruff, not torch).

    pip compiles every module of every package it installs to bytecode,
    measured at about 60 s of CPU on 2 cores for torch, SciPy, SymPy and the
    rest, though a session imports a fraction of them. Given ``imports`` (a
    line of Python importing what the session's processes use), the install
    skips that (``--no-compile``) and runs the line once with bytecode writing
    on, which compiles exactly those modules (about 10 s of CPU): every later
    process, each test worker and each subprocess a test starts, then loads
    them instead of compiling them again, even where
    ``PYTHONDONTWRITEBYTECODE`` is set.
    """
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", CONSTRAINTS):
        digest.update(path.read_bytes())
    digest.update(f"{extras}\0{imports}\0{project}".encode())
    stamp = Path(session.virtualenv.location) / ".reviewkit-install"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        session.log("dependencies unchanged since the last install; skipping")
        return
    compile_all = [] if imports is None else ["--no-compile"]
    if project:
        targets = ["-e", f".[{extras}]"]
    else:
        optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        targets = optional["optional-dependencies"][extras]
    session.install(*compile_all, "-c", str(CONSTRAINTS), *targets)
    if imports is not None:
        session.run("python", "-c", imports, env={"PYTHONDONTWRITEBYTECODE": ""})
    stamp.write_text(digest.hexdigest())


#: What the test processes import (the package's three chapters pull in torch,
#: NumPy, SciPy, scikit-learn and matplotlib), compiled once at install.
TEST_IMPORTS = (
    "import reviewkit.autoencoders, reviewkit.rnn, reviewkit.beam, "
    "matplotlib.pyplot, hypothesis, pytest, xdist"
)


@nox.session(python=None)
def docs(session: nox.Session) -> None:
    """Build the whole site into build/html, executing every page (cached)."""
    _install(session, "docs")
    if "--fresh" in session.posargs:  # from scratch: no environment, no cache
        shutil.rmtree(BUILD, ignore_errors=True)
    session.run("sphinx-build", *SPHINX_ARGS, env=DOCS_ENV)
    session.log(f"The site is in {HTML}; open {HTML / 'index.html'}")


@nox.session(python=None)
def tests(session: nox.Session) -> None:
    """Run the unit tests on every core (pass pytest options after --)."""
    _install(session, "tests", imports=TEST_IMPORTS)
    session.run("pytest", "-n", "auto", *session.posargs)


@nox.session(python=None)
def extra_tests(session: nox.Session) -> None:
    """Run what nox -s tests leaves out: every page as plain Python, docs tools, links.

    Builds the site first (cached, as ``nox -s docs`` does), then runs the
    tests marked ``extras`` (they need the docs or bench extra), ``pages``
    (each page's visible code at full size in a plain ``python``, sharing
    the build's trained models) and ``site`` (the built site: no dead link),
    on every core, with ``--no-skips``: nothing may be skipped here.
    """
    _install(session, "docs,tests,bench")
    session.run("sphinx-build", "-q", *SPHINX_ARGS, env=DOCS_ENV)
    session.run(
        "pytest",
        "-n",
        "auto",
        "-m",
        "extras or pages or site",
        "--no-skips",
        *session.posargs,
        env={**DOCS_ENV, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )


@nox.session(python=None)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    _install(session, "lint", project=False)  # ruff alone: no torch needed
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=None)
def serve(session: nox.Session) -> None:
    """Serve the site on http://127.0.0.1:8000 and rebuild on every save."""
    _install(session, "docs,serve")
    session.run(
        "sphinx-autobuild",
        *SPHINX_ARGS,
        "--watch",
        "reviewkit",
        "--ignore",
        str(BUILD),
        "--host",
        "127.0.0.1",
        "--port",
        os.environ.get("PORT", "8000"),
        env=DOCS_ENV,
    )


@nox.session(python=None)
def bench(session: nox.Session) -> None:
    """Time beam search against transformers and the floor (-- --quick to try)."""
    _install(session, "bench")
    session.run(
        "python",
        "benchmarks/decoding.py",
        *session.posargs,
        env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )


def _chromium(session: nox.Session) -> str:
    """Debian's Chromium, installed with apt-get when missing and run as root."""
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        if shutil.which("apt-get") and os.geteuid() == 0:
            session.run("apt-get", "update", "-qq", external=True)
            session.run(
                "apt-get",
                "install",
                "-y",
                "-qq",
                "chromium",
                external=True,
                env={"DEBIAN_FRONTEND": "noninteractive"},
            )
        else:
            session.error(f"{chromium} is missing: apt-get install chromium")
    return chromium


@nox.session(python=None)
def browser(session: nox.Session) -> None:
    """Build the site, then check every page in headless Chromium (offline)."""
    _chromium(session)
    _install(session, "docs,tests,browser")
    session.run("sphinx-build", "-q", *SPHINX_ARGS, env=DOCS_ENV)
    session.run("pytest", "tests/browser", "-m", "browser", *session.posargs)
    session.log(f"Screenshots and load report in {BUILD / 'browser'}")


@nox.session(python=None)
def pdf(session: nox.Session) -> None:
    """Build the site, print the question sheet and answer key, link them."""
    chromium = _chromium(session)
    _install(session, "docs,tests,browser")
    session.run("sphinx-build", "-q", *SPHINX_ARGS, env=DOCS_ENV)
    session.run(
        "python",
        "docs/_ext/reviewkit_pdf.py",
        str(HTML),
        "--out",
        str(BUILD / "pdf"),
        "--chromium",
        chromium,
    )
    # The mock exam for seed 1 and its key (practice-core's printer).
    session.run(
        "python",
        "docs/_ext/reviewkit_exam_pdf.py",
        str(HTML),
        "--seed",
        "1",
        "--out",
        str(BUILD / "pdf"),
        "--chromium",
        chromium,
    )
    # The build copies the PDFs it finds in build/pdf into the site and links
    # them from the landing page (only the landing page is re-read).
    session.run("sphinx-build", "-q", *SPHINX_ARGS, env=DOCS_ENV)
    session.run("pytest", "tests/test_pdf.py", "-m", "browser", *session.posargs)
