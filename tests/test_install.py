"""reviewkit installs as an ordinary package and works outside the clone.

The test builds a wheel from the working tree, installs it (``--no-deps``) into
a fresh virtual environment whose only other packages are the test
environment's (torch, numpy, ...), then, from a temporary folder outside the
clone, imports every public module of the installed copy and runs one small
call from each chapter. A module that reads files from the repository, or a
data file missing from the wheel, fails here. Also checked: the package's own
dependencies are ranges (exact pins live in constraints.txt).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    from pathlib import Path

    import reviewkit

    where = Path(reviewkit.__file__).resolve()
    clone = Path(sys.argv[1]).resolve()
    assert clone not in where.parents, f"imported from the clone: {where}"
    assert "site-packages" in where.parts, where

    names = sorted(
        m.name
        for m in pkgutil.walk_packages(reviewkit.__path__, "reviewkit.")
        if not any(part.startswith("_") for part in m.name.split("."))
    )
    for name in names:
        importlib.import_module(name)
    print("imported", len(names), "modules")

    # Autoencoders: train a tiny one for two epochs and measure its error.
    from reviewkit import autoencoders as ae

    split = ae.load_digits_split(seed=0)
    config = ae.AutoencoderConfig(hidden=16, code_size=4, epochs=2)
    trained = ae.train_autoencoder(config, split.x_train, split.x_val, seed=0)
    error = ae.reconstruction_error(trained, split.x_test)
    assert 0 < error < 1, error
    print("autoencoder error", round(error, 4))

    # RNNs: gradient norms through time, and the explorer's shipped script.
    from reviewkit import rnn

    x, y = rnn.running_average_task(4, 12, seed=0)
    model = rnn.RNNRegressor(hidden_size=8, seed=0)
    profile = rnn.gradient_profile(model, x, y, last_step_only=True)
    assert len(profile.grad_norms) == 12, profile.grad_norms
    assert "rkRnnExplore" in rnn.explorer_script()  # package data in the wheel
    print("rnn gradient norms", len(profile.grad_norms))

    # Beam search: the worked example, against exhaustive search.
    from reviewkit import beam

    tree = beam.worked_example()
    best = beam.exhaustive_search(tree, 3)[0]
    found = beam.beam_search(tree, 3, 2)[0]
    assert found.score <= best.score + 1e-9
    print("beam", found.tokens, "best", best.tokens)
    """
)


def _site_packages(python: Path) -> str:
    """The purelib folder of the interpreter ``python``."""
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_dependencies_are_ranges_not_pins():
    """pyproject's dependencies have no == pins; constraints.txt pins torch."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        assert "==" not in requirement, requirement
    torch = [r for r in project["dependencies"] if re.match(r"torch\b", r)]
    assert torch == ["torch>=2.3"], torch
    constraints = (ROOT / "constraints.txt").read_text()
    assert re.search(r"^torch==2\.13\.0$", constraints, re.MULTILINE)


def test_wheel_installs_and_runs_outside_the_clone(tmp_path):
    """A non-editable install imports every module and runs each chapter."""
    # Build from a copy of what the wheel is made of, so the build leaves no
    # egg-info in the clone; no process sees the clone through PYTHONPATH.
    source = tmp_path / "source"
    shutil.copytree(ROOT / "reviewkit", source / "reviewkit",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", dist, source],
        check=True, cwd=tmp_path, env=env,
    )  # fmt: skip
    (wheel,) = dist.glob("reviewkit-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # The test environment's packages (torch, numpy, ...) sit behind the fresh
    # environment's own site-packages, so the wheel's reviewkit comes first; a
    # path in a .pth file does not run that folder's own .pth files, so the
    # editable reviewkit of the test environment stays out.
    (Path(_site_packages(python)) / "test-env.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
         "-q", wheel],
        check=True, cwd=tmp_path, env=env,
    )  # fmt: skip

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "check.py").write_text(CHECK)
    env.update(
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",
        REVIEWKIT_CACHE_DIR=str(tmp_path / "cache"),
    )
    result = subprocess.run(
        [python, "check.py", str(ROOT)],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported" in result.stdout
