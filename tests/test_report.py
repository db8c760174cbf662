"""Tests for reviewkit.report."""

import datetime as dt
import platform

import torch

from reviewkit.report import build_info


def test_build_info_reports_running_versions():
    """build_info reports the Python and torch actually running, and today's date."""
    info = build_info()
    assert info["python"] == platform.python_version()
    assert torch.__version__.startswith(info["torch"])
    assert dt.date.fromisoformat(info["date"])
