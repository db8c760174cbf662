"""Sessions for building, testing and checking reviewkit.

``nox`` alone runs lint, tests and docs. Every session installs the project
with the exact versions in ``constraints.txt``; an environment is reinstalled
only when ``pyproject.toml`` or ``constraints.txt`` change, so repeated runs
start in seconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
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


def _install(session: nox.Session, extras: str) -> None:
    """Install reviewkit with ``extras``, pinned, unless already done."""
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", CONSTRAINTS):
        digest.update(path.read_bytes())
    digest.update(extras.encode())
    stamp = Path(session.virtualenv.location) / ".reviewkit-install"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        session.log("dependencies unchanged since the last install; skipping")
        return
    session.install("-c", str(CONSTRAINTS), "-e", f".[{extras}]")
    stamp.write_text(digest.hexdigest())


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
    """Run the test suite (pass pytest options after --)."""
    _install(session, "docs,tests,bench")  # bench: the benchmark's agreement tests
    session.run("pytest", *session.posargs)


@nox.session(python=None)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    _install(session, "lint")
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
    """Build the site, then print the question sheet and answer key as PDFs."""
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
    session.run("pytest", "tests/test_pdf.py", "-m", "browser", *session.posargs)
