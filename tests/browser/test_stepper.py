"""The in-browser beam-search stepper agrees with reviewkit's Python decoders.

The worked-example page ships ``beam-stepper.js``. These tests open that page
in headless Chromium and

* call ``window.reviewkitStepper.run(tree, k)`` on well over a hundred random
  trees (varied vocabulary size, depth, beam width, and trees with many exact
  ties) and compare greedy decoding, every step of beam search (candidates,
  scores, kept, ranks), the final beam and the full exhaustive ranking with the
  Python decoders, to 1e-9;
* drive the widget by mouse and by keyboard alone, in light and dark mode,
  and check what it shows against Python on the same (edited) tree;
* fail on any console error.

``nox -s browser`` runs them against ``build/html``; set ``REVIEWKIT_SITE`` to
test another build (for example ``build/<name>/html``) and
``REVIEWKIT_ARTIFACTS`` to put the screenshots elsewhere than ``build/browser``.
"""

from __future__ import annotations

import importlib.util
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewkit.beam import (
    TreeLanguageModel,
    beam_search,
    exhaustive_search,
    greedy_decode,
    random_tree,
    worked_example,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PAGE = "beam/worked-example.html"
TOL = 1e-9
#: Where the widget's screenshots go (beside the other browser tests' ones).
SHOTS = Path(os.environ.get("REVIEWKIT_ARTIFACTS", ROOT / "build" / "browser"))


def _load_extension():
    """Import docs/_ext/beam_stepper.py, the code that writes the page's JSON."""
    path = ROOT / "docs" / "_ext" / "beam_stepper.py"
    spec = importlib.util.spec_from_file_location("beam_stepper", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tree_to_json = _load_extension().tree_to_json


@dataclass(frozen=True)
class Step:
    """One step of beam search as Python sees it: every candidate, in grid order."""

    step: int
    candidates: tuple[tuple[int, ...], ...]
    scores: tuple[float, ...]
    kept: tuple[bool, ...]
    rank: tuple[int | None, ...]


def python_steps(tree, depth: int, k: int) -> list[Step]:
    """Every step of reviewkit's beam search, from ``beam_search`` alone.

    With no end token the beam after step ``t`` is ``beam_search(tree, t,
    k)``, best first; the candidates at step ``t`` are the beam after step
    ``t - 1`` extended by every word, in grid order (parent rank, then token
    id), each scored parent score + log p, the sum the decoders compute.
    """
    steps, parents = [], [((), 0.0)]
    for t in range(1, depth + 1):
        beam = [h.tokens for h in beam_search(tree, t, k)]
        candidates, scores = [], []
        for tokens, score in parents:
            for v, p in enumerate(tree.table[tokens]):
                candidates.append((*tokens, v))
                scores.append(score + math.log(p))
        rank = tuple(beam.index(c) if c in beam else None for c in candidates)
        kept = tuple(r is not None for r in rank)
        steps.append(Step(t, tuple(candidates), tuple(scores), kept, rank))
        parents = sorted(
            (
                (c, sc)
                for c, sc, r in zip(candidates, scores, rank, strict=True)
                if r is not None
            ),
            key=lambda pair: beam.index(pair[0]),
        )
    return steps


@pytest.fixture(scope="module")
def stepper_url(site_url, site_dir) -> str:
    """URL of the worked-example page (REVIEWKIT_SITE picks another build)."""
    if not (site_dir / PAGE).exists():
        pytest.fail(f"{site_dir / PAGE} is missing: build the site first")
    return f"{site_url}/{PAGE}"


class Visit:
    """The page in a fresh context, in one colour mode, recording errors."""

    def __init__(self, browser, url: str, mode: str = "light"):
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1200, "height": 1000})
        self.context.add_init_script(
            f"localStorage.setItem('mode', '{mode}');"
            f"localStorage.setItem('theme', '{mode}');"
        )
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}")
            ),
        )
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function(
            "() => window.reviewkitStepper && window.reviewkitStepper.instances.length"
        )
        theme = self.page.evaluate("document.documentElement.dataset.theme")
        assert theme == mode, f"the page did not switch to {mode} mode: {theme!r}"
        self.root = self.page.locator(".rk-stepper").first

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, stepper_url):
    """Open the page; fail the test if it logged any console error."""
    visits: list[Visit] = []

    def open_(mode: str = "light") -> Visit:
        v = Visit(browser, stepper_url, mode)
        visits.append(v)
        return v

    yield open_
    errors = [e for v in visits for e in v.errors]
    for v in visits:
        v.close()
    assert not errors, "console errors:\n  " + "\n  ".join(errors)


# -- the algorithms, against Python -------------------------------------------


def _cases() -> list[dict]:
    """120 random trees: M in 2..5, T in 1..4 (M**T <= 125), k mostly below
    M**(T-1) so the beam must drop prefixes, every tenth tree with k above
    M**T; a third with probabilities from 3 levels, so exact ties are common."""
    cases = []
    for seed in range(120):
        vocab = 2 + seed % 4
        depth = 1 + (seed // 4) % 4
        while vocab**depth > 125:
            depth -= 1
        k = 1 + (seed // 3) % min(vocab ** max(depth - 1, 1), 5)
        if seed % 10 == 9:
            k = vocab**depth + 1
        levels = 3 if seed % 3 == 1 else None
        conc = (0.3, 1.0, 3.0)[(seed // 2) % 3]
        tree = random_tree(vocab, depth, seed=seed, concentration=conc, levels=levels)
        cases.append({"seed": seed, "tree": tree, "k": k, "T": depth})
    return cases


def _same_steps(js_steps, py_steps, what: str) -> None:
    assert len(js_steps) == len(py_steps), what
    for js, py in zip(js_steps, py_steps, strict=True):
        where = f"{what}, step {py.step}"
        assert [tuple(c) for c in js["candidates"]] == list(py.candidates), where
        assert js["scores"] == pytest.approx(py.scores, abs=TOL), where
        assert js["kept"] == list(py.kept), where
        assert js["rank"] == list(py.rank), where


def _same_hypotheses(js, py, what: str) -> None:
    assert [tuple(h["tokens"]) for h in js] == [h.tokens for h in py], what
    assert [h["score"] for h in js] == pytest.approx([h.score for h in py], abs=TOL)


def _has_tie_at_cut(steps) -> bool:
    """Whether some step's last kept candidate ties with a dropped one."""
    for step in steps:
        kept = [s for s, r in zip(step.scores, step.rank, strict=True) if r is not None]
        dropped = [s for s, r in zip(step.scores, step.rank, strict=True) if r is None]
        if dropped and min(kept) in dropped:
            return True
    return False


def test_stepper_matches_python_on_random_trees(visit):
    """On 120 random trees the stepper's greedy, beam (every step) and
    exhaustive results equal reviewkit's, ties included."""
    page = visit().page
    cases = _cases()
    payload = [{"tree": tree_to_json(c["tree"]), "k": c["k"]} for c in cases]
    results = page.evaluate(
        "cases => cases.map(c => window.reviewkitStepper.run(c.tree, c.k))", payload
    )
    ties = misses = 0  # how many trees exercise the tie rule / a search error
    for case, js in zip(cases, results, strict=True):
        tree, k, depth = case["tree"], case["k"], case["T"]
        what = f"seed {case['seed']} (M={tree.vocab_size}, T={depth}, k={k})"
        greedy = greedy_decode(tree, length=depth)[0]
        assert tuple(js["greedy"]["tokens"]) == greedy.tokens, what
        assert js["greedy"]["score"] == pytest.approx(greedy.score, abs=TOL), what
        _same_steps(
            js["greedy"]["steps"], python_steps(tree, depth, 1), "greedy " + what
        )
        steps = python_steps(tree, depth, k)
        final = beam_search(tree, depth, k)
        ranked = exhaustive_search(tree, length=depth)
        _same_steps(js["beam"]["steps"], steps, "beam " + what)
        _same_hypotheses(js["beam"]["hypotheses"], final, "beam " + what)
        _same_hypotheses(js["exhaustive"]["hypotheses"], ranked, "exhaustive " + what)
        ties += _has_tie_at_cut(steps)
        misses += final[0].score < ranked[0].score
    assert len(cases) >= 100
    assert ties >= 10, f"only {ties} trees put a tie at the beam's cut"
    assert misses >= 3, f"beam search missed the mode on only {misses} trees"


def test_stepper_computes_its_own_logs_when_the_json_has_none(visit):
    """Without log_probs in the JSON (the path a reader's edit takes), the
    stepper's Math.log gives Python's scores to 1e-9 and the same sequences."""
    page = visit().page
    cases = [c for c in _cases() if c["seed"] % 3 != 1][:40]  # no exact ties
    payload = []
    for c in cases:
        data = tree_to_json(c["tree"])
        for node in data["nodes"]:
            del node["log_probs"]
        payload.append({"tree": data, "k": c["k"]})
    results = page.evaluate(
        "cases => cases.map(c => window.reviewkitStepper.run(c.tree, c.k))", payload
    )
    for case, js in zip(cases, results, strict=True):
        tree, k, depth = case["tree"], case["k"], case["T"]
        what = f"seed {case['seed']}"
        _same_hypotheses(js["beam"]["hypotheses"], beam_search(tree, depth, k), what)
        _same_hypotheses(
            js["exhaustive"]["hypotheses"], exhaustive_search(tree, length=depth), what
        )


def test_stepper_rejects_bad_arguments(visit):
    """A bad beam width or a malformed tree raises an error naming it."""
    page = visit().page
    data = tree_to_json(worked_example())
    message = page.evaluate(
        "d => { try { window.reviewkitStepper.run(d, 0); return ''; }"
        " catch (e) { return e.name + ': ' + e.message; } }",
        data,
    )
    assert message.startswith("RangeError") and "k (the beam width)" in message
    assert "got 0" in message
    data["nodes"][0]["probs"] = [1.0]
    del data["nodes"][0]["log_probs"]
    message = page.evaluate(
        "d => { try { window.reviewkitStepper.run(d, 2); return ''; }"
        " catch (e) { return e.name + ': ' + e.message; } }",
        data,
    )
    assert message.startswith("RangeError") and "2 positive probabilities" in message


# -- the widget, driven by mouse and keyboard ---------------------------------


def _step_table(root) -> list[tuple[str, str, str]]:
    """Rows of the candidates table: (candidate, log-probability, verdict)."""
    rows = root.locator("table.rk-steps tbody tr")
    out = []
    for i in range(rows.count()):
        cells = rows.nth(i).locator("th, td").all_inner_texts()
        out.append((cells[0], cells[2].replace("\u2212", "-"), cells[4]))
    return out


def _expected_beam_table(tree, step, k: int) -> list[tuple[str, str, str]]:
    """What the candidates table must show for beam search at ``step``."""
    s = python_steps(tree, tree_depth(tree), k)[step - 1]
    order = sorted(range(len(s.scores)), key=lambda i: -s.scores[i])
    return [
        (
            tree.words(s.candidates[i]),
            f"{s.scores[i]:.3f}",
            f"kept (rank {s.rank[i] + 1})" if s.kept[i] else "dropped",
        )
        for i in order
    ]


def tree_depth(tree) -> int:
    """Longest sequence the tree scores."""
    return 1 + max(len(p) for p in tree.table)


def _results(root) -> dict[str, tuple[str, str]]:
    """The results table: search -> (sequence, log-probability)."""
    rows = root.locator("table.rk-results tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("th, td").all_inner_texts()
        out[cells[0].split(",")[0]] = (cells[1], cells[2].replace("\u2212", "-"))
    return out


def _expected_results(tree, k: int) -> dict[str, tuple[str, str]]:
    depth = tree_depth(tree)
    found = {
        "Greedy": greedy_decode(tree, length=depth)[0],
        "Beam search": beam_search(tree, depth, k)[0],
        "Exhaustive search": exhaustive_search(tree, length=depth)[0],
    }
    return {name: (tree.words(h.tokens), f"{h.score:.3f}") for name, h in found.items()}


def _edited(tree, prefix: tuple[int, ...], p0: float):
    """The worked tree with p(token 0 | prefix) = p0 and 1 - p0 for token 1."""
    table = dict(tree.table)
    table[prefix] = (p0, 1 - p0)
    return TreeLanguageModel(table, tree.vocab)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_widget_by_mouse(visit, mode):
    """Clicking through the steps shows Python's beam at every step; editing a
    probability keeps its row normalised and updates every search's result."""
    v = visit(mode)
    root = v.root
    tree = worked_example()
    assert root.locator("input[data-rk=k]").input_value() == "2"
    for step in (1, 2, 3):
        if step > 1:
            root.locator("button[data-rk=next]").click()
        assert _step_table(root) == _expected_beam_table(tree, step, 2), f"step {step}"
    assert _results(root) == _expected_results(tree, 2)
    root.locator("button[data-rk=prev]").click()
    assert _step_table(root) == _expected_beam_table(tree, 2, 2)
    # The tree diagram marks the same candidates kept and dropped.
    step = python_steps(tree, 3, 2)[1]
    title = root.locator("svg.rk-tree-svg title").text_content()
    pairs = list(zip(step.candidates, step.kept, strict=True))
    kept = [tree.words(c) for c, k in pairs if k]
    dropped = [tree.words(c) for c, k in pairs if not k]
    assert f"kept {', '.join(kept)}; dropped {', '.join(dropped)}." in title
    assert root.locator("circle.rk-node.rk-kept").count() == len(kept)
    assert root.locator("circle.rk-node.rk-dropped").count() == len(dropped)

    # Edit p(neural | neural network) down to 0.3 with the mouse and Enter.
    field = root.locator("input[data-prefix='0,1'][data-token='0']")
    field.click()
    field.fill("0.3")
    field.press("Enter")
    sibling = root.locator("input[data-prefix='0,1'][data-token='1']")
    assert sibling.input_value() == "0.7"
    edited = _edited(tree, (0, 1), 0.3)
    assert _results(root) == _expected_results(edited, 2)
    # Out of range: the field says so and keeps the old value.
    field.fill("1.5")
    field.press("Enter")
    assert "from 0.01 to 0.99" in root.locator(".rk-status").inner_text()
    assert field.input_value() == "0.3"
    assert _results(root) == _expected_results(edited, 2)

    # A wider beam, then greedy and exhaustive via their radio buttons.
    kfield = root.locator("input[data-rk=k]")
    kfield.fill("4")
    kfield.press("Enter")
    assert _results(root) == _expected_results(edited, 4)
    root.get_by_label("Greedy").click()
    rows = _step_table(root)  # greedy at step 2: two candidates, one kept
    assert len(rows) == 2 and rows[0][2] == "kept (rank 1)"
    assert rows[1][2] == "dropped"
    root.get_by_label("Exhaustive search").click()
    root.locator("button[data-rk=last]").click()
    ranked = exhaustive_search(edited, length=3)
    assert [r[0] for r in _step_table(root)] == [edited.words(h.tokens) for h in ranked]
    root.locator("button[data-rk=reset]").click()
    assert field.input_value() == "0.9"
    assert _results(root) == _expected_results(tree, 4)
    SHOTS.mkdir(parents=True, exist_ok=True)
    root.screenshot(path=SHOTS / f"stepper.{mode}.png")


def _focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.dataset.rk || e.value && e.type === 'radio' && e.value ||"
        " e.dataset.prefix !== undefined && ('p' + e.dataset.prefix + ':' +"
        " e.dataset.token) || e.tagName); }"
    )


def _outline(page) -> float:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth); }"
    )


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_widget_by_keyboard(visit, mode):
    """Tab reaches every control with a visible focus ring; arrow keys edit a
    probability, Enter and Space press buttons, arrows switch the search."""
    v = visit(mode)
    page, root = v.page, v.root
    tree = worked_example()
    first = root.locator("input[data-prefix=''][data-token='0']")
    first.focus()
    # Tab through the stepper, noting each control reached.
    reached = [_focused(page)]
    for _ in range(25):
        page.keyboard.press("Tab")
        reached.append(_focused(page))
        assert _outline(page) >= 2, f"no visible focus on {reached[-1]}"
        if reached[-1] == "reset":
            break
    for control in ("p:1", "p0,1:0", "k", "beam", "prev", "next", "last", "reset"):
        assert control in reached, f"Tab never reached {control}: {reached}"

    # ArrowDown on p(neural | start) = 0.6 steps it to 0.59; network gets 0.41.
    first.focus()
    page.keyboard.press("ArrowDown")
    sibling = root.locator("input[data-prefix=''][data-token='1']")
    assert sibling.input_value() == "0.41"
    edited = _edited(tree, (), 0.59)
    assert _results(root) == _expected_results(edited, 2)

    # Enter and Space on "Next step" move on one step each.
    root.locator("button[data-rk=next]").focus()
    page.keyboard.press("Enter")
    assert _step_table(root) == _expected_beam_table(edited, 2, 2)
    page.keyboard.press("Space")
    assert _step_table(root) == _expected_beam_table(edited, 3, 2)

    # Arrow keys inside the radio group: beam -> exhaustive -> (wraps) greedy.
    root.locator("input[type=radio][value=beam]").focus()
    page.keyboard.press("ArrowRight")
    assert root.locator("input[type=radio][value=exhaustive]").is_checked()
    assert len(_step_table(root)) == 8  # all sequences at the last step
    page.keyboard.press("ArrowRight")
    assert root.locator("input[type=radio][value=greedy]").is_checked()
    assert len(_step_table(root)) == 2

    # The beam width by keyboard: ArrowUp from 2 to 3.
    root.locator("input[data-rk=k]").focus()
    page.keyboard.press("ArrowUp")
    assert root.locator("input[data-rk=k]").input_value() == "3"
    assert _results(root) == _expected_results(edited, 3)
    assert math.isclose(float(sibling.input_value()), 0.41)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_widget_passes_axe(visit, mode):
    """axe-core finds no accessibility violation inside the stepper (labels,
    contrast, table headers, ...) at the start or after a step."""
    from axe_playwright_python.sync_playwright import Axe

    v = visit(mode)
    found = []
    for _ in range(2):
        before = len(v.errors)
        result = Axe().run(v.page, context={"include": [[".rk-stepper"]]})
        # axe re-fetches style sheets to read them and resolves the theme's
        # @import "basic.css" against the site root (a 404 of axe's own
        # making, not the page's): forget what the audit itself logged.
        del v.errors[before:]
        found += [
            f"{x['id']} ({x['impact']}): {[n['target'] for n in x['nodes']]}"
            for x in result.response["violations"]
        ]
        v.root.locator("button[data-rk=next]").click()
    assert not found, "\n".join(found)


def test_assets_only_on_the_stepper_page(site_dir):
    """The stepper's script and style are linked from its page and no other;
    the worked tree's JSON is in the built site's _static."""
    html = site_dir
    pages = [p for p in html.rglob("*.html") if "_static" not in p.parts]
    using = sorted(
        p.relative_to(html).as_posix()
        for p in pages
        if "beam-stepper.js" in p.read_text(encoding="utf-8")
    )
    assert using == [PAGE]
    assert (html / "_static" / "beam-stepper-tree.json").exists()


def test_stepper_works_from_a_file_url(browser, site_dir):
    """Opened straight from disk (file://, where scripts cannot fetch files),
    the stepper still mounts: its tree is inside the page."""
    html = site_dir
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((html / PAGE).resolve().as_uri(), wait_until="load")
        page.wait_for_function(
            "() => window.reviewkitStepper && window.reviewkitStepper.instances.length"
        )
        rows = page.locator(".rk-stepper table.rk-steps tbody tr").count()
    finally:
        context.close()
    assert rows == 2  # beam search, step 1: both words
    assert not errors, errors
