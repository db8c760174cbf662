"""The seeded practice pages, driven in headless Chromium like a reader would.

``practice/beam.html`` draws a beam-search problem from ``?seed=N`` and
checks the reader's beam step by step; ``practice/rnn.html`` draws a setting
of the RNN explorer's grid and checks a vanish / flat / explode prediction.
These tests check, against reviewkit's Python code where there is an answer
to compare: the same seed gives the same problem; right and wrong answers get
the right feedback; the streak survives a reload and resets; the pages work
by keyboard alone, in dark mode, opened from ``file://``, with no request
leaving localhost, and axe finds no serious or critical violation.

``nox -s browser`` runs them against ``build/html`` (``REVIEWKIT_SITE`` for
another build).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from reviewkit.beam import TreeLanguageModel, beam_search, exhaustive_search

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BEAM = "practice/beam.html"
RNN = "practice/rnn.html"
SHOTS = Path(os.environ.get("REVIEWKIT_ARTIFACTS", ROOT / "build" / "browser"))


class Visit:
    """A page in a fresh offline context (off-site requests blocked), with errors."""

    def __init__(self, offline_context, url: str, mode: str = "light"):
        self.context, self.offsite = offline_context(mode)
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.goto(url)

    def goto(self, url: str) -> None:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function(
            "() => (window.reviewkitBeamPractice || window.reviewkitRnnPractice)"
            ".instances.length"
        )

    def reload(self) -> None:
        self.goto(self.page.url)

    @property
    def root(self):
        return self.page.locator(".rk-practice").first

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(offline_context, site_url, site_dir):
    """Open a practice page; fail the test on console errors or off-site requests."""
    visits: list[Visit] = []

    def open_(page: str, query: str = "", mode: str = "light") -> Visit:
        if not (site_dir / page).exists():
            pytest.fail(f"{site_dir / page} is missing: build the site first")
        v = Visit(offline_context, f"{site_url}/{page}{query}", mode)
        visits.append(v)
        return v

    yield open_
    errors = [e for v in visits for e in v.errors]
    offsite = [u for v in visits for u in v.offsite]
    for v in visits:
        v.close()
    assert not errors, "console errors:\n  " + "\n  ".join(errors)
    assert not offsite, f"off-site requests: {offsite}"


# -- beam search ---------------------------------------------------------------


def _python_tree(data: dict) -> TreeLanguageModel:
    table = {tuple(n["prefix"]): tuple(n["probs"]) for n in data["nodes"]}
    return TreeLanguageModel(table, data["vocab"])


def _problem(v: Visit, seed: int) -> dict:
    return v.page.evaluate("s => window.reviewkitBeamPractice.problem(s)", seed)


def _solution(problem: dict) -> tuple[TreeLanguageModel, list[list[tuple]], bool]:
    """Python's answer: the beam after each step, and whether it holds the mode."""
    tree = _python_tree(problem["data"])
    k = problem["k"]
    beams = [[h.tokens for h in beam_search(tree, t, k)] for t in (1, 2, 3)]
    mode = exhaustive_search(tree, 3)[0].tokens
    return tree, beams, beams[-1][0] == mode


def _seeds(v: Visit, found: bool, count: int = 1) -> list[int]:
    """The first seeds whose problem beam search solves (or misses)."""
    return v.page.evaluate(
        "([found, count]) => { const out = [];"
        " for (let s = 1; out.length < count; s++)"
        " if (window.reviewkitBeamPractice.problem(s).found === found) out.push(s);"
        " return out; }",
        [found, count],
    )


def _answer_steps(root, beams: list[list[tuple]], wrong_at: int | None = None):
    """Tick the beam at each step (at step ``wrong_at`` the first dropped
    candidate instead of the last kept one) and check it."""
    for t, beam in enumerate(beams, start=1):
        part = root.locator(f"fieldset[data-rk-part=step-{t}]")
        boxes = part.locator("input[type=checkbox]")
        candidates = [
            tuple(map(int, boxes.nth(i).get_attribute("data-tokens").split(",")))
            for i in range(boxes.count())
        ]
        chosen = list(beam)
        if t == wrong_at:
            chosen[-1] = next(c for c in candidates if c not in beam)
        for c in chosen:
            part.locator(f"input[data-tokens='{','.join(map(str, c))}']").check()
        part.locator(f"button[data-rk=check-{t}]").click()
        yield t, candidates, part


def _answer_found(root, answer: bool) -> str:
    part = root.locator("fieldset[data-rk-part=found]")
    part.locator(f"input[value={str(answer).lower()}]").check()
    part.locator("button[data-rk=check-found]").click()
    return part.locator(".rk-feedback").inner_text()


def _streak(v: Visit) -> int:
    text = v.page.locator(".rk-streak").inner_text()
    return int(text.split()[1])


def test_a_seed_reproduces_its_beam_problem(visit):
    """?seed=N shows the same tree and k on every visit; another seed another."""
    shown = []
    for seed in (123, 123, 124):
        v = visit(BEAM, f"?seed={seed}")
        shown.append(
            (
                v.root.locator(".rk-task").inner_text(),
                v.root.locator("table.rk-probs").inner_text(),
            )
        )
        assert f"#{seed}" in v.page.locator(".rk-seed").inner_text()
    assert shown[0] == shown[1]
    assert shown[0] != shown[2]


def test_the_problems_answers_are_pythons(visit):
    """On 60 seeds the page's beams and verdict equal reviewkit's beam_search
    and exhaustive_search on the same tree, and the table shows its numbers."""
    v = visit(BEAM, "?seed=1")
    misses = 0
    for seed in range(60):
        problem = _problem(v, seed)
        _, beams, found = _solution(problem)
        js = [[tuple(h["tokens"]) for h in beam] for beam in problem["beams"]]
        assert js == beams, f"seed {seed}"
        assert problem["found"] == found, f"seed {seed}"
        misses += not found
    assert misses >= 6, f"beam search missed the mode on only {misses} of 60 seeds"
    problem = _problem(v, 1)
    cells = v.root.locator("table.rk-probs tbody td").all_inner_texts()
    assert cells == [f"{p:g}" for n in problem["data"]["nodes"] for p in n["probs"]]


@pytest.mark.parametrize("found", [True, False])
def test_right_answers_are_called_right(visit, found):
    """Ticking Python's beam at every step and answering the yes/no question
    right is right throughout, and the streak goes up by one."""
    v = visit(BEAM, "?seed=1")
    seed = _seeds(v, found)[0]
    v.goto(v.page.url.split("?")[0] + f"?seed={seed}")
    tree, beams, truly_found = _solution(_problem(v, seed))
    assert truly_found == found
    root = v.root
    for t, _, part in _answer_steps(root, beams):
        feedback = part.locator(".rk-feedback").inner_text()
        assert feedback.startswith(f"Step {t}: right."), feedback
        for tokens in beams[t - 1]:
            assert f"\u201c{tree.words(tokens)}\u201d" in feedback
    feedback = _answer_found(root, found)
    assert feedback.startswith("Right: ")
    assert root.locator(".rk-summary").inner_text() == "All 4 parts right."
    assert _streak(v) == 1


def test_a_wrong_step_says_where_and_the_next_step_extends_the_right_beam(visit):
    """Keeping a dropped candidate names it with its probability and place;
    the next step's candidates extend Python's beam; the streak ends."""
    v = visit(BEAM, "?seed=1")
    seed = v.page.evaluate(
        "() => { for (let s = 1; ; s++) { const p = window.reviewkitBeamPractice"
        ".problem(s); if (p.k === 2 && p.data.vocab.length === 3) return s; } }"
    )
    v.goto(v.page.url.split("?")[0] + f"?seed={seed}")
    tree, beams, found = _solution(_problem(v, seed))
    root = v.root
    for t, candidates, part in _answer_steps(root, beams, wrong_at=2):
        expected = [
            (*b, w) for b in ([()] if t == 1 else beams[t - 2]) for w in range(3)
        ]
        assert candidates == expected, f"step {t} does not extend the right beam"
        feedback = part.locator(".rk-feedback").inner_text()
        if t != 2:
            assert feedback.startswith(f"Step {t}: right.")
            continue
        assert feedback.startswith("Step 2: not quite.")
        wrong = next(c for c in candidates if c not in beams[1])
        p = math.exp(tree.sequence_log_prob(wrong))
        place = 1 + sorted(candidates, key=tree.sequence_log_prob, reverse=True).index(
            wrong
        )
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(place, "th")
        assert (
            f"You kept \u201c{tree.words(wrong)}\u201d (probability {p:.6f}".rstrip("0")
            in feedback
        ), feedback
        n = len(candidates)
        assert f"only the {place}{suffix} most likely of the {n} candidates" in feedback
        assert f"You dropped \u201c{tree.words(beams[1][-1])}\u201d" in feedback
    _answer_found(root, not found)
    assert root.locator(".rk-summary").inner_text().startswith("2 of 4 parts right")
    assert _streak(v) == 0


def test_streak_survives_a_reload_and_resets(visit):
    """Two right problems make a streak of 2 that a reload keeps; "Reset all
    progress" sets it to 0 for good; a wrong answer ends a streak."""
    v = visit(BEAM, "?seed=1")
    for seed in _seeds(v, True, 2):
        v.goto(v.page.url.split("?")[0] + f"?seed={seed}")
        _, beams, found = _solution(_problem(v, seed))
        list(_answer_steps(v.root, beams))
        _answer_found(v.root, found)
    assert _streak(v) == 2
    v.reload()
    assert _streak(v) == 2
    stored = v.page.evaluate("() => localStorage.getItem('reviewkit:variant:beam')")
    assert json.loads(stored)["streak"] == 2
    v.page.locator("button[data-rk=reset-progress]").click()
    assert _streak(v) == 0
    assert "forgotten" in v.page.locator(".rk-notice").inner_text()
    assert v.page.evaluate("() => localStorage.getItem('theme')") == "light"
    v.reload()
    assert _streak(v) == 0


def test_new_problem_moves_to_a_new_seed_in_the_url(visit):
    """ "New tree" shows the problem of a fresh seed and puts it in the URL;
    the browser's Back goes back to the previous problem."""
    v = visit(BEAM, "?seed=77")
    before = v.root.locator(".rk-task").inner_text()
    v.page.locator("button[data-rk=new]").click()
    seed = int(v.page.url.split("seed=")[1])
    assert seed != 77
    assert f"#{seed}" in v.page.locator(".rk-seed").inner_text()
    problem = _problem(v, seed)
    assert f"k = {problem['k']} " in v.root.locator(".rk-task").inner_text()
    v.page.go_back()
    v.page.wait_for_function("() => location.search === '?seed=77'")
    v.page.wait_for_function(
        "() => document.querySelector('.rk-seed').textContent.includes('#77')"
    )
    assert v.root.locator(".rk-task").inner_text() == before


def _focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.dataset.tokens !== undefined ? 'box:' + e.dataset.tokens"
        " : (e.dataset.rk || e.value || e.tagName); }"
    )


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_beam_practice_by_keyboard_alone(visit, mode):
    """Tab, Space and Enter solve a problem with a visible focus ring; after a
    step is checked, focus lands on the next step's first candidate."""
    v = visit(BEAM, "?seed=1", mode)
    seed = _seeds(v, False)[0]
    v.goto(v.page.url.split("?")[0] + f"?seed={seed}")
    page = v.page
    _, beams, _ = _solution(_problem(v, seed))
    page.locator("fieldset[data-rk-part=step-1] input").first.focus()
    for t, beam in enumerate(beams, start=1):
        wanted = {",".join(map(str, b)) for b in beam}
        for _ in range(12):
            now = _focused(page)
            if now.startswith("box:") and now[4:] in wanted:
                page.keyboard.press("Space")
            if now == f"check-{t}":
                break
            page.keyboard.press("Tab")
            outline = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement);"
                " return s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth); }"
            )
            assert outline >= 2, f"no visible focus on {_focused(page)}"
        assert _focused(page) == f"check-{t}"
        page.keyboard.press("Enter")
        feedback = page.locator(f"fieldset[data-rk-part=step-{t}] .rk-feedback")
        assert feedback.inner_text().startswith(f"Step {t}: right.")
        if t < 3:
            assert _focused(page).startswith("box:"), _focused(page)
    assert _focused(page) == "true"  # the yes/no question
    page.keyboard.press("ArrowDown")  # radio group: to "No"
    page.keyboard.press("Tab")
    assert _focused(page) == "check-found"
    page.keyboard.press("Enter")
    assert v.root.locator(".rk-summary").inner_text() == "All 4 parts right."
    SHOTS.mkdir(parents=True, exist_ok=True)
    v.root.screenshot(path=SHOTS / f"practice-beam.{mode}.png")


# -- RNN ------------------------------------------------------------------------


def _rnn_problem(v: Visit, seed: int) -> dict:
    return v.page.evaluate(
        "s => { const p = window.reviewkitRnnPractice.problem(s);"
        " return {key: p.key, verdict: p.verdict, T: p.T}; }",
        seed,
    )


def _python_verdict(v: Visit, key: str) -> str:
    """The verdict from reviewkit's own grid and the page's stated thresholds."""
    from reviewkit.rnn import ExplorerGrid, precompute

    grad = precompute(ExplorerGrid())["curves"][key]["grad"]
    r = grad[0] - grad[-1]
    th = v.page.evaluate("() => window.reviewkitRnnPractice.thresholds")
    if r <= th["vanishAt"]:
        return "vanish"
    if r >= th["explodeAt"]:
        return "explode"
    assert abs(r) <= th["flatWithin"], f"{key}: r = {r} is in between"
    return "flat"


def test_rnn_page_holds_pythons_grid_and_states_the_rule(visit):
    """The page's grid is precompute()'s; the rule on the page is the code's."""
    from reviewkit.rnn import ExplorerGrid, precompute

    v = visit(RNN, "?seed=5")
    grid = json.loads(v.page.locator("script.rk-rnn-grid").text_content())
    assert grid == json.loads(json.dumps(precompute(ExplorerGrid())))
    rule = v.root.locator(".rk-rule").inner_text()
    th = v.page.evaluate("() => window.reviewkitRnnPractice.thresholds")
    assert th == {"vanishAt": -2, "explodeAt": 2, "flatWithin": 1}
    assert "at most 1/100 of" in rule
    assert "within a factor of 10 of" in rule
    assert "at least 100 times" in rule


def test_a_seed_reproduces_its_rnn_setting(visit):
    """?seed=N shows the same setting on every visit; seeds cover all verdicts."""
    texts = [
        visit(RNN, f"?seed={s}").root.locator(".rk-task").inner_text() for s in (9, 9)
    ]
    assert texts[0] == texts[1]
    v = visit(RNN, "?seed=9")
    verdicts = {_rnn_problem(v, s)["verdict"] for s in range(30)}
    assert verdicts == {"vanish", "flat", "explode"}


@pytest.mark.parametrize("right", [True, False])
def test_rnn_prediction_feedback_and_curve(visit, right):
    """A prediction is called right exactly when it is Python's verdict; the
    curve is drawn after it, with T points; the streak follows."""
    v = visit(RNN, "?seed=3")
    problem = _rnn_problem(v, 3)
    verdict = _python_verdict(v, problem["key"])
    assert problem["verdict"] == verdict
    assert not v.root.locator("svg.rk-curve-svg").is_visible()
    answer = (
        verdict
        if right
        else next(x for x in ("vanish", "flat", "explode") if x != verdict)
    )
    v.root.locator(f"input[value={answer}]").check()
    v.root.locator("button[data-rk=check-rnn]").click()
    feedback = v.root.locator(".rk-feedback").inner_text()
    assert feedback.startswith("Right:" if right else "Not quite:"), feedback
    names = {"vanish": "vanishes", "flat": "stays roughly flat", "explode": "explodes"}
    assert f"the gradient {names[verdict]}" in feedback
    assert v.root.locator("svg.rk-curve-svg").is_visible()
    d = v.root.locator("svg.rk-curve-svg path.rk-curve").get_attribute("d")
    assert d.count("L") == problem["T"] - 1
    assert _streak(v) == (1 if right else 0)
    v.reload()
    assert _streak(v) == (1 if right else 0)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_rnn_practice_by_keyboard_alone(visit, mode):
    """Arrow keys pick a verdict, Tab reaches Check, Enter checks it."""
    v = visit(RNN, "?seed=3", mode)
    page = v.page
    problem = _rnn_problem(v, 3)
    page.locator("input[type=radio]").first.focus()
    order = ["vanish", "flat", "explode"]
    for _ in range(order.index(problem["verdict"])):
        page.keyboard.press("ArrowDown")
    assert _focused(page) == problem["verdict"]
    page.keyboard.press("Tab")
    assert _focused(page) == "check-rnn"
    page.keyboard.press("Enter")
    assert v.root.locator(".rk-feedback").inner_text().startswith("Right:")
    SHOTS.mkdir(parents=True, exist_ok=True)
    v.root.screenshot(path=SHOTS / f"practice-rnn.{mode}.png")


# -- both pages ---------------------------------------------------------------


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page", [BEAM, RNN])
def test_practice_pages_pass_axe(visit, page, mode):
    """axe-core finds no serious or critical violation on a practice page,
    before and after an answer is checked, in light and in dark mode."""
    from axe_playwright_python.sync_playwright import Axe

    v = visit(page, "?seed=2", mode)
    theme = v.page.evaluate("document.documentElement.dataset.theme")
    assert theme == mode
    found = []
    for answered in (False, True):
        if answered and page == BEAM:
            part = v.root.locator("fieldset[data-rk-part=step-1]")
            part.locator("input").first.check()
            part.locator("button").click()
        elif answered:
            v.root.locator("input[type=radio]").first.check()
            v.root.locator("button[data-rk=check-rnn]").click()
        before = len(v.errors)
        result = Axe().run(v.page)
        del v.errors[before:]  # axe's own re-fetch of the theme's @import
        found += [
            f"{x['id']} ({x['impact']}): {[n['target'] for n in x['nodes']]}"
            for x in result.response["violations"]
            if x["impact"] in {"serious", "critical"}
        ]
    assert not found, "\n".join(found)


def test_dark_mode_renders_the_widgets_in_dark_colours(visit):
    """In dark mode the widgets' text is light on a dark page (theme colours)."""
    colours = {}
    for mode in ("light", "dark"):
        v = visit(BEAM, "?seed=4", mode)
        colours[mode] = v.page.evaluate(
            "() => { const s = getComputedStyle(document.querySelector('.rk-task'));"
            " const b = getComputedStyle(document.body);"
            " return [s.color, b.backgroundColor]; }"
        )
    assert colours["light"] != colours["dark"]

    def brightness(css: str) -> float:
        r, g, b = (float(x) for x in css[css.index("(") + 1 : -1].split(",")[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert brightness(colours["dark"][0]) > brightness(colours["dark"][1]) + 100


@pytest.mark.parametrize("page", [BEAM, RNN])
def test_practice_works_from_a_file_url(browser, site_dir, page):
    """Opened straight from disk (file://, where module imports are refused),
    a practice page mounts its problem and checks an answer."""
    context = browser.new_context()
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        tab.goto((site_dir / page).resolve().as_uri() + "?seed=8", wait_until="load")
        tab.wait_for_selector(".rk-practice .rk-task")
        assert "#8" in tab.locator(".rk-seed").inner_text()
        if page == BEAM:
            problem = tab.evaluate("() => window.reviewkitBeamPractice.problem(8)")
            _, beams, _ = _solution(problem)
            part = tab.locator("fieldset[data-rk-part=step-1]")
            for c in beams[0]:
                part.locator(f"input[data-tokens='{','.join(map(str, c))}']").check()
            part.locator("button").click()
            assert (
                part.locator(".rk-feedback").inner_text().startswith("Step 1: right.")
            )
        else:
            tab.locator("input[type=radio]").first.check()
            tab.locator("button[data-rk=check-rnn]").click()
            assert tab.locator("svg.rk-curve-svg").is_visible()
    finally:
        context.close()
    assert not errors, errors


def test_widget_scripts_only_where_used(site_dir):
    """Each widget's script is linked from its own page only; the landing page
    loads none of them."""
    pages = [p for p in site_dir.rglob("*.html") if "_static" not in p.parts]
    for script, page in [
        ("rk-beam-practice.js", BEAM),
        ("rk-rnn-practice.js", RNN),
        ("beam-stepper.js", "beam/worked-example.html"),
    ]:
        using = sorted(
            p.relative_to(site_dir).as_posix()
            for p in pages
            if f"_static/{script}" in p.read_text(encoding="utf-8")
        )
        assert using == [page], script
        assert (site_dir / "_static" / script).exists()


def test_cold_page_weights(visit, site_url, offline_context):
    """A cold load of the landing page stays at most 1 MB; the practice pages
    are printed beside it (all from localhost)."""
    weights = {}
    for page in ("index.html", BEAM, RNN):
        context, offsite = offline_context("light")
        tab = context.new_page()
        tab.goto(f"{site_url}/{page}", wait_until="networkidle")
        weights[page] = tab.evaluate(
            "() => performance.getEntriesByType('navigation')"
            ".concat(performance.getEntriesByType('resource'))"
            ".reduce((s, e) => s + (e.encodedBodySize || 0), 0)"
        )
        context.close()
        assert not offsite, offsite
    print(
        "\ncold loads: "
        + ", ".join(f"{p} {b / 1e6:.2f} MB" for p, b in weights.items())
    )
    assert weights["index.html"] <= 1_000_000
