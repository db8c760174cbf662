"""Tests for reviewkit.report."""

import datetime as dt
import platform
from importlib import metadata

import reviewkit.report
from reviewkit.report import build_info


def _utc_today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def test_build_info_reports_running_versions():
    """build_info reports the Python and the installed versions actually running."""
    info = build_info()
    assert info["python"] == platform.python_version()
    for package in ("torch", "numpy", "scikit-learn"):
        assert info[package] == metadata.version(package), package


def test_build_info_reports_todays_utc_date():
    """build_info's date is today's date in UTC, in ISO format."""
    before = _utc_today()
    date = build_info()["date"]
    after = _utc_today()
    assert date in {before, after}  # the call may straddle midnight


def test_build_info_names_a_missing_package(monkeypatch):
    """A package that is not installed is reported as such, not raised."""

    def version(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(reviewkit.report.metadata, "version", version)
    info = build_info()
    assert info["torch"] == info["reviewkit"] == "not installed"
