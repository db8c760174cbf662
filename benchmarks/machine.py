"""Where and with what a benchmark run was made: the machine and the versions.

:func:`machine` names the CPU, the cores, the OS and the Python build;
:func:`versions` names every library that can change the timings, the git
commit (flagged when the decoders or the harness have uncommitted changes)
and a fingerprint of the decoder and model source the run imported.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers

import reviewkit
import reviewkit.beam.charlm
import reviewkit.beam.hypothesis
import reviewkit.beam.interface
import reviewkit.beam.pool
import reviewkit.beam.rules
import reviewkit.beam.search
import reviewkit.beam.selection
import reviewkit.beam.validation

__all__ = ["HARNESS", "machine", "versions"]

ROOT = Path(__file__).resolve().parents[1]

#: The benchmark's own modules that decide what is decoded and timed: an
#: uncommitted change to any of them (or to ``reviewkit/beam``) marks the run.
HARNESS: tuple[str, ...] = (
    "benchmarks/decoding.py",
    "benchmarks/grid.py",
    "benchmarks/hf_model.py",
    "benchmarks/floor.py",
    "benchmarks/agreement.py",
    "benchmarks/timing.py",
)


def machine() -> dict[str, Any]:
    """CPU model, core count, OS and Python build of this machine."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": platform.platform(),
        "python_build": platform.python_implementation(),
    }


def versions() -> dict[str, str]:
    """Versions of everything that can change the timings, and the git commit."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "reviewkit/beam",
                *HARNESS,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    sources = hashlib.sha256()
    for module in (
        reviewkit.beam.hypothesis,
        reviewkit.beam.interface,
        reviewkit.beam.validation,
        reviewkit.beam.rules,
        reviewkit.beam.search,
        reviewkit.beam.pool,
        reviewkit.beam.selection,
        reviewkit.beam.charlm,
    ):
        sources.update(Path(module.__file__).read_bytes())
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "numpy": np.__version__,
        "reviewkit": reviewkit.__version__,
        "git_commit": commit + (" (with uncommitted changes)" if dirty else ""),
        # fingerprint of the decoder and model source this run imported
        "decoding_lm_sha256": sources.hexdigest()[:16],
    }
