"""Shared pytest configuration."""

import pytest
import torch
from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60)
settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _one_thread_session():
    """Run the whole session on one torch thread, module fixtures included.

    The tests use tiny matrices, for which splitting work between threads
    costs more than it saves, especially on a shared 2-core machine. A
    function-scoped fixture alone would start too late for module-scoped
    fixtures (which train models), so the setting is made once here first.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _one_thread(_one_thread_session):
    """Put each test back on one thread even if the one before changed it."""
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(1)
