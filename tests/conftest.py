"""Shared pytest configuration: one thread per process, Hypothesis, strict skips.

``nox -s tests`` runs the suite on every core with pytest-xdist (``-n auto``):
each worker is a process of its own, so the process-wide settings made here
(torch's thread count, the BLAS pools that ``reviewkit.measure.one_thread``
also limits) hold per worker, and two workers keep two cores busy without
oversubscribing them. Temporary folders are per worker (``tmp_path``), and
Hypothesis keeps no example database (``derandomize=True`` implies none), so
workers share no state on disk.

torch is imported inside the fixtures, not at the top of this file: with
xdist the controlling process loads this file too but runs no test, and
importing torch there would cost seconds for nothing.

No guard is lost to a missing package. The modules in ``EXTRAS_MODULES``
need an extra besides ``tests`` and run only in ``nox -s extra_tests``. A test
that skips because a package is not installed (``pytest.importorskip``) fails
instead unless it is marked ``extras``, the marker ``nox -s extra_tests``
selects (that session installs every extra); ``--no-skips``, which ``nox -s
extra_tests`` passes, fails on any skip at all. ``tests/browser`` (marked
``browser``, run by ``nox -s browser``) is collected only where Playwright is
installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import settings

#: Test modules that need an extra besides ``tests`` (path under ``tests/``: a
#: package of that extra it imports). Every test in them is marked ``extras``,
#: so ``nox -s tests`` leaves them out and ``nox -s extra_tests`` runs them; where the
#: package is missing, the module is not even collected. A new module that
#: imports Sphinx at the top fails to collect in ``nox -s tests`` until it is
#: listed here.
EXTRAS_MODULES = {
    "test_docs_config.py": "sphinx",  # the docs build's extensions
    "test_questions.py": "sphinx",  # the question source's extension
    "test_benchmark_decoding.py": "transformers",  # the benchmark harness
    "js/test_bundle.py": "docutils",  # imports docs/_ext/beam_stepper.py
    "js/test_fixtures.py": "docutils",  # its exporter imports beam_stepper.py
    "beam/test_complexity_claims.py": "myst_nb",  # reads 3e's cells as myst-nb does
    "beam/test_pages_3a_3e.py": "sphinx",  # reads docs/_questions via the extension
}


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


collect_ignore = [m for m, package in EXTRAS_MODULES.items() if not _installed(package)]
if not _installed("playwright"):  # tests/browser: the browser sessions only
    collect_ignore.append("browser")

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60)
settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--no-skips``: fail the run if any test or module is skipped."""
    parser.addoption(
        "--no-skips",
        action="store_true",
        help="fail the run if any test or module is skipped (nox -s extra_tests)",
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which test modules are not collected here, and why."""
    if not collect_ignore:
        return []
    return [
        f"not collected (their extras are not installed; nox -s extra_tests and "
        f"nox -s browser run them): {', '.join(collect_ignore)}"
    ]


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of the modules in :data:`EXTRAS_MODULES` ``extras``."""
    here = Path(__file__).parent
    for item in items:
        relative = item.path.relative_to(here).as_posix()
        if relative in EXTRAS_MODULES:
            item.add_marker(pytest.mark.extras)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A test skipped for a missing package fails unless it is marked ``extras``."""
    report = yield
    if (
        report.skipped
        and call.excinfo is not None
        and "could not import" in str(call.excinfo.value)
        and item.get_closest_marker("extras") is None
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} skipped ({call.excinfo.value}): a test that needs an "
            "optional package must be marked @pytest.mark.extras, so that nox -s "
            "extra_tests (which installs every extra) runs it instead"
        )
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under ``--no-skips``, a run with skipped tests fails, naming them."""
    if not session.config.getoption("--no-skips"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line("")
        for report in skipped:
            reporter.write_line(f"--no-skips: skipped {report.nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True, scope="session")
def _one_thread_session():
    """Run the whole session on one thread, module fixtures included.

    The tests use tiny matrices, for which splitting work between threads
    costs more than it saves, especially with one worker per core. A
    function-scoped fixture alone would start too late for module-scoped
    fixtures (which train models), so the setting is made once here first,
    for torch and for the BLAS libraries NumPy and scikit-learn call.
    """
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _one_thread(_one_thread_session):
    """Put each test back on one thread even if the one before changed it."""
    import torch

    torch.set_num_threads(1)
    yield
    torch.set_num_threads(1)
