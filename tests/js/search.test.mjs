// The site's JavaScript search (docs/_static/js/search.mjs) against
// reviewkit.beam's Python decoders, on the fixtures tests/js/export_fixtures.py
// writes: same beams after every step, same n-best lists, same order, scores
// within 1e-9.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { beam, dropStep, exhaustive, greedy, run } from "../../docs/_static/js/search.mjs";
import { parseTree } from "../../docs/_static/js/tree.mjs";

const FIXTURES = JSON.parse(
  readFileSync(new URL("./fixtures/beam-decoders.json", import.meta.url), "utf8"),
);
const TOL = 1e-9;

function sameHypotheses(js, py, what) {
  assert.deepEqual(
    js.map((h) => h.tokens),
    py.map(([tokens]) => tokens),
    `${what}: sequences or their order differ`,
  );
  js.forEach((h, i) => {
    assert.ok(Math.abs(h.score - py[i][1]) <= TOL, `${what}: score ${i} ${h.score} vs ${py[i][1]}`);
  });
}

/** The beam after each step, best first, read back from the step records. */
function beamsOf(steps) {
  return steps.map((st) =>
    st.candidates
      .map((tokens, i) => ({ tokens, score: st.scores[i], rank: st.rank[i] }))
      .filter((c) => c.rank !== null)
      .sort((a, b) => a.rank - b.rank),
  );
}

test("the fixtures cover at least 1,000 trees of 2 or 3 words, depth 3, k from 1 to 3", () => {
  const cases = FIXTURES.cases;
  assert.ok(cases.length >= 1000, `only ${cases.length} fixtures`);
  const kinds = new Set(cases.map((c) => `${c.tree.vocab.length}/${c.k}`));
  assert.deepEqual([...kinds].sort(), ["2/1", "2/2", "2/3", "3/1", "3/2", "3/3"]);
  assert.ok(cases.every((c) => c.tree.depth === 3));
});

test("beam search keeps Python's beam after every step, in order, on every fixture", () => {
  for (const c of FIXTURES.cases) {
    const tree = parseTree(c.tree);
    const found = beam(tree, c.k);
    const beams = beamsOf(found.steps);
    c.beams.forEach((py, t) => sameHypotheses(beams[t], py, `seed ${c.seed}, step ${t + 1}`));
    sameHypotheses(found.hypotheses, c.beams[c.beams.length - 1], `seed ${c.seed}, final`);
  }
});

test("greedy decoding and exhaustive search equal Python's on every fixture", () => {
  for (const c of FIXTURES.cases) {
    const tree = parseTree(c.tree);
    const g = greedy(tree);
    sameHypotheses([{ tokens: g.tokens, score: g.score }], [c.greedy], `greedy, seed ${c.seed}`);
    sameHypotheses(exhaustive(tree).hypotheses, c.exhaustive, `exhaustive, seed ${c.seed}`);
  }
});

test("the tie rule is exercised: some fixture's beam cut falls between equal scores", () => {
  let ties = 0;
  for (const c of FIXTURES.cases) {
    if (!c.tree.nodes[0].log_probs) continue;
    const steps = beam(parseTree(c.tree), c.k).steps;
    ties += steps.some((st) => {
      const kept = st.scores.filter((_, i) => st.kept[i]);
      const dropped = st.scores.filter((_, i) => !st.kept[i]);
      return dropped.length > 0 && dropped.includes(Math.min(...kept));
    });
  }
  assert.ok(ties >= 20, `only ${ties} fixtures put a tie at the beam's cut`);
});

test("greedy is beam search with k = 1, step for step", () => {
  for (const c of FIXTURES.cases.slice(0, 200)) {
    const tree = parseTree(c.tree);
    assert.deepEqual(greedy(tree).steps, beam(tree, 1).steps, `seed ${c.seed}`);
  }
});

test("dropStep names the step where the mode's prefix leaves the beam", () => {
  let misses = 0;
  for (const c of FIXTURES.cases) {
    const result = run(c.tree, c.k);
    const mode = result.exhaustive.hypotheses[0].tokens;
    const drop = dropStep(result.beam.steps, mode);
    const found = result.beam.hypotheses.some((h) => h.tokens.join() === mode.join());
    assert.equal(drop === 0, found, `seed ${c.seed}`);
    if (drop) {
      const st = result.beam.steps[drop - 1];
      const key = mode.slice(0, drop).join();
      assert.ok(st.candidates.some((x, i) => x.join() === key && !st.kept[i]), `seed ${c.seed}`);
    }
    misses += drop > 0;
  }
  assert.ok(misses > 0);
});

test("bad arguments raise errors naming them", () => {
  const tree = parseTree(FIXTURES.cases[0].tree);
  assert.throws(() => beam(tree, 0), /RangeError|k \(the beam width\) must be an integer >= 1, got 0/);
  assert.throws(() => beam(tree, 2, 4), /length must be an integer in \[1, 3\], got 4/);
  assert.throws(() => parseTree({ vocab: ["a"], depth: 1, nodes: [{ prefix: [], probs: [0] }] }),
    /must hold 1 positive probabilities/);
  assert.throws(() => parseTree({ vocab: [] }), /'vocab' and 'nodes' arrays/);
});
