"""The test tree mirrors the library, and the API reference covers it.

One test module per library module: ``reviewkit/<chapter>/<module>.py`` is
tested in ``tests/<chapter>/test_<module>.py`` and a shared
``reviewkit/<module>.py`` in ``tests/test_<module>.py``, so a reader finds a
module's tests by its name. Every public module is rendered by a page of the
API reference (``docs/api/``), and every public name it exports has a
docstring.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import reviewkit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reviewkit"
TESTS = ROOT / "tests"

#: Library modules that have no test module of their own yet: none since the
#: beam chapter's reshape. A module listed here that gains its test module
#: fails test_allowed_gaps_are_still_gaps, so the list can only shrink.
ALLOWED_GAPS: frozenset[str] = frozenset()

PUBLIC_MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(reviewkit.__path__, "reviewkit.")
    if not any(part.startswith("_") for part in m.name.split("."))
)


def expected_test_module(module: Path, package: Path = PACKAGE) -> Path:
    """Where the tests of a library module live.

    Args:
        module: A ``.py`` file inside ``package``.
        package: The library's folder (``reviewkit/``).

    Returns:
        ``tests/<chapter>/test_<name>.py`` for ``reviewkit/<chapter>/<name>.py``
        and ``tests/test_<name>.py`` for ``reviewkit/<name>.py``.
    """
    relative = module.relative_to(package)
    return TESTS.joinpath(*relative.parts[:-1], f"test_{module.name}")


def library_modules(package: Path = PACKAGE) -> list[Path]:
    """Every library module that should have tests (package ``__init__`` aside)."""
    return sorted(p for p in package.rglob("*.py") if p.name != "__init__.py")


def _name(module: Path) -> str:
    return module.relative_to(ROOT).as_posix()


def test_expected_test_module_mirrors_the_package():
    """Chapter modules map to tests/<chapter>/, shared modules to tests/."""
    assert expected_test_module(PACKAGE / "beam" / "search.py") == (
        TESTS / "beam" / "test_search.py"
    )
    assert expected_test_module(PACKAGE / "checks.py") == TESTS / "test_checks.py"


@pytest.mark.parametrize(
    "module", [m for m in library_modules() if _name(m) not in ALLOWED_GAPS], ids=_name
)
def test_every_library_module_has_a_test_module(module):
    """Each reviewkit module outside ALLOWED_GAPS has its own test module."""
    test_module = expected_test_module(module)
    assert test_module.exists(), f"{_name(module)} has no {_name(test_module)}"


def test_allowed_gaps_are_still_gaps():
    """Every allowed gap names an existing module that still lacks its tests."""
    modules = {_name(m): m for m in library_modules()}
    for gap in sorted(ALLOWED_GAPS):
        assert gap in modules, f"ALLOWED_GAPS names {gap}, which does not exist"
        closed = expected_test_module(modules[gap])
        assert not closed.exists(), f"{gap} now has {_name(closed)}: unlist it"


def _api_text() -> str:
    """All pages of the API reference (docs/api/*.md) as one string."""
    return "\n".join(
        p.read_text() for p in sorted((ROOT / "docs" / "api").glob("*.md"))
    )


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_module_is_in_the_api_reference(module_name):
    """Each public module and subpackage is rendered by a page in docs/api/."""
    assert f".. automodule:: {module_name}\n" in _api_text()


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_is_documented(module_name):
    """Each public module lists __all__, and every name in it has a docstring."""
    module = importlib.import_module(module_name)
    assert hasattr(module, "__all__"), f"{module_name} has no __all__"
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{module_name}.{name} has no docstring"
