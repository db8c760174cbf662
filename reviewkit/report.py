"""What a page was executed with: versions and date, for the record."""

from __future__ import annotations

import datetime as _dt
import platform
from importlib import metadata

__all__ = ["build_info"]


def build_info() -> dict[str, str]:
    """Report the versions and the date this code is running with.

    Returns:
        A map with the keys ``"python"``, ``"torch"``, ``"numpy"``,
        ``"scikit-learn"``, ``"reviewkit"`` and ``"date"`` (UTC, ISO format).
    """
    info = {"python": platform.python_version()}
    for package in ("torch", "numpy", "scikit-learn", "reviewkit"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = "not installed"
    info["date"] = _dt.datetime.now(_dt.UTC).date().isoformat()
    return info
