"""The build's bundler turns the widgets' ES modules into working classic scripts.

Pages load one classic script per widget, made by ``bundle_modules`` in
``docs/_ext/beam_stepper.py``, because a browser refuses ES-module imports on
a page opened from ``file://``. These tests check that a bundle computes what
the modules compute (run in Node), that every widget's entry bundles, and
that syntax the bundler does not understand is refused, not mangled.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def _extension():
    """Import docs/_ext/beam_stepper.py by path."""
    spec = importlib.util.spec_from_file_location(
        "beam_stepper", ROOT / "docs" / "_ext" / "beam_stepper.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("beam_stepper", module)
    spec.loader.exec_module(module)
    return module


ext = _extension()


def _node(script: str, cwd: Path) -> str:
    out = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@needs_node
def test_bundle_computes_what_the_modules_compute(tmp_path):
    """search.mjs bundled gives the same three searches as search.mjs imported,
    on the first 100 fixture trees."""
    bundle = tmp_path / "search.bundle.js"
    bundle.write_text(ext.bundle_modules(ext.JS_DIR / "search.mjs", expose="rkSearch"))
    fixtures = ROOT / "tests" / "js" / "fixtures" / "beam-decoders.json"
    module = (ext.JS_DIR / "search.mjs").as_uri()
    script = f"""
    import {{ readFileSync }} from "node:fs";
    import vm from "node:vm";
    import {{ run }} from {json.dumps(module)};
    vm.runInThisContext(readFileSync({json.dumps(str(bundle))}, "utf8"));
    const cases = JSON.parse(readFileSync({json.dumps(str(fixtures))}, "utf8"))
      .cases.slice(0, 100);
    let same = 0;
    for (const c of cases) {{
      same += JSON.stringify(globalThis.rkSearch.run(c.tree, c.k)) ===
        JSON.stringify(run(c.tree, c.k));
    }}
    console.log(same, cases.length);
    """
    assert _node(script, tmp_path).split() == ["100", "100"]


@needs_node
@pytest.mark.parametrize("entry", [entry for _, _, entry in ext.WIDGETS])
def test_every_widget_bundles_into_valid_script(tmp_path, entry):
    """Each widget's entry module bundles, and Node parses the result."""
    bundle = tmp_path / "bundle.js"
    bundle.write_text(ext.bundle_modules(ext.JS_DIR / entry))
    out = subprocess.run(
        [NODE, "--check", str(bundle)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr  # a leftover import would not parse


@needs_node
def test_modules_keep_their_own_names(tmp_path):
    """Two modules may use the same top-level name; imports may be renamed."""
    (tmp_path / "a.mjs").write_text(
        'const secret = "a";\nexport function name() {\n  return secret;\n}\n'
    )
    (tmp_path / "b.mjs").write_text(
        'import { name as aName } from "./a.mjs";\nconst secret = "b";\n'
        "export const both = () => aName() + secret;\n"
    )
    bundle = ext.bundle_modules(tmp_path / "b.mjs", expose="rkTest")
    (tmp_path / "b.js").write_text(bundle)
    script = (
        'import vm from "node:vm"; import { readFileSync } from "node:fs";'
        'vm.runInThisContext(readFileSync("b.js", "utf8"));'
        "console.log(globalThis.rkTest.both());"
    )
    assert _node(script, tmp_path).strip() == "ab"


@pytest.mark.parametrize(
    "source",
    [
        "export default function f() {}\n",
        'import * as a from "./a.mjs";\n',
        'import a from "./a.mjs";\n',
        "export { f };\nfunction f() {}\n",
        'import { x } from "left-pad";\n',
        "export let counter = 0;\n",
    ],
)
def test_unknown_module_syntax_is_refused(tmp_path, source):
    """Syntax outside the bundler's subset raises, naming the file and line."""
    (tmp_path / "a.mjs").write_text("export const x = 1;\n")
    (tmp_path / "m.mjs").write_text("// a module\n" + source)
    with pytest.raises(ValueError, match=r"m\.mjs:2: the bundler understands only"):
        ext.bundle_modules(tmp_path / "m.mjs")


def test_cycles_and_missing_modules_are_refused(tmp_path):
    """An import cycle or a missing module is an error that names them."""
    (tmp_path / "a.mjs").write_text(
        'import { b } from "./b.mjs";\nexport const a = 1;\n'
    )
    (tmp_path / "b.mjs").write_text(
        'import { a } from "./a.mjs";\nexport const b = 2;\n'
    )
    with pytest.raises(
        ValueError, match=r"import cycle between modules: a.mjs -> b.mjs -> a.mjs"
    ):
        ext.bundle_modules(tmp_path / "a.mjs")
    (tmp_path / "c.mjs").write_text('import { z } from "./missing.mjs";\n')
    with pytest.raises(FileNotFoundError, match="missing.mjs"):
        ext.bundle_modules(tmp_path / "c.mjs")
