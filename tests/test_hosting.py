"""Tests for the hosting configuration: Read the Docs, GitHub Pages, README, CI."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", quick_start)


def test_readme_quick_start_has_two_one_line_commands():
    """The quick start gives exactly two one-line commands: docs, then tests."""
    commands = _readme_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert commands[0].endswith("nox -s docs")
    assert commands[1].endswith("nox -s tests")


def test_landing_page_repeats_the_readme_commands():
    """The landing page tells readers the same two commands as the README."""
    index = (ROOT / "docs" / "index.md").read_text()
    for command in _readme_commands():
        assert command in index


def test_ci_runs_the_readme_test_command_and_a_fresh_docs_build():
    """.ci/run runs the README's test command verbatim and a docs build from scratch."""
    ci = (ROOT / ".ci" / "run").read_text()
    tests = _readme_commands()[1]
    assert f"\n{tests}\n" in ci
    assert "nox -s docs -- --fresh" in ci


def test_read_the_docs_builds_like_nox():
    """Read the Docs installs the pinned docs extra and runs the strict build."""
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    assert config["version"] == 2
    commands = " ".join(config["build"]["commands"])
    assert "-c constraints.txt" in commands
    assert '".[docs]"' in commands
    assert "-n -W --keep-going -c . docs $READTHEDOCS_OUTPUT/html" in commands


def test_pages_workflow_publishes_the_readme_build():
    """The Pages workflow runs the README's docs command and uploads build/html."""
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    )
    steps = workflow["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert _readme_commands()[0] in runs
    uploads = [s for s in steps if "upload-pages-artifact" in s.get("uses", "")]
    assert uploads and uploads[0]["with"]["path"] == "build/html"


def test_nox_sessions_run_on_the_interpreter_nox_runs_under():
    """No nox session demands one exact Python; older than 3.11 stops clearly."""
    noxfile = (ROOT / "noxfile.py").read_text()
    sessions = re.findall(r"@nox\.session\((.*?)\)", noxfile)
    assert sessions and all(s == "python=None" for s in sessions), sessions
    assert "if sys.version_info < (3, 11):" in noxfile
