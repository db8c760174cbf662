"""Shared pytest configuration."""

import pytest
import torch
from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _one_thread():
    """Run each test on one torch thread, as the pages do; restore afterwards.

    The tests use tiny matrices, for which splitting work between threads
    costs more than it saves, especially on a shared 2-core machine.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
