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

``--no-skips`` turns every skipped test into a failure. ``nox -s
extra_tests`` passes it: a test that ``nox -s tests`` leaves out because its
tools are missing must run there, not be skipped again.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60)
settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--no-skips``: fail the run if any test or module is skipped."""
    parser.addoption(
        "--no-skips",
        action="store_true",
        help="fail the run if any test or module is skipped (nox -s extra_tests)",
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under ``--no-skips``, a run with skipped tests fails, naming them."""
    if not session.config.getoption("--no-skips"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
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
