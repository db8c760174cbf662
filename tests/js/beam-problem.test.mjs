// beam-problem.mjs: seeded, pencil-friendly trees free of near-ties, and at
// least 1 in 10 on which beam search misses the most likely sequence.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEPTH, MAX_TRIES, MIN_RATIO, MISS_SHARE, UNITS, beamProblem, screen, solve,
} from "../../docs/_static/js/beam-problem.mjs";
import { createRng } from "../../docs/_static/js/prng.mjs";
import { allPrefixes, prefixKey } from "../../docs/_static/js/tree.mjs";

const SEEDS = Array.from({ length: 2000 }, (_, i) => i);
const PROBLEMS = SEEDS.map(beamProblem);

/** Exact counts (probability x UNITS) of a problem's rows, by prefix key. */
function countsOf(problem) {
  return new Map(problem.data.nodes.map((n) => [prefixKey(n.prefix), n.probs.map((p) => Math.round(p * UNITS))]));
}

/** A sequence's probability x UNITS^length, as an exact integer. */
function product(counts, tokens) {
  let out = 1;
  tokens.forEach((v, t) => {
    out *= counts.get(prefixKey(tokens.slice(0, t)))[v];
  });
  return out;
}

const clear = (a, b) => a * 100 >= b * Math.round(MIN_RATIO * 100); // a / b >= MIN_RATIO

test("the same seed gives the same problem; different seeds, different problems", () => {
  for (const seed of [0, 1, 17, 123456, 4294967295]) {
    const a = beamProblem(seed);
    const b = beamProblem(seed);
    assert.deepEqual([a.k, a.data], [b.k, b.data]);
  }
  const texts = new Set(PROBLEMS.map((p) => JSON.stringify([p.k, p.data])));
  assert.ok(texts.size >= 0.99 * PROBLEMS.length, `only ${texts.size} distinct problems`);
});

test("2 or 3 words, depth 3, k from 1 to 3, every combination drawn", () => {
  const kinds = new Set();
  for (const p of PROBLEMS) {
    const M = p.data.vocab.length;
    assert.ok(M === 2 || M === 3);
    assert.equal(new Set(p.data.vocab).size, M);
    assert.equal(p.data.depth, DEPTH);
    assert.ok([1, 2, 3].includes(p.k));
    assert.deepEqual(p.data.nodes.map((n) => n.prefix), allPrefixes(M, DEPTH));
    kinds.add(`${M}/${p.k}`);
  }
  assert.equal(kinds.size, 6);
});

test("probabilities are multiples of 0.05 (two decimals), at least 0.05, rows summing to 1", () => {
  for (const p of PROBLEMS) {
    for (const node of p.data.nodes) {
      for (const x of node.probs) {
        assert.ok(/^0\.\d{1,2}$/.test(String(x)), `seed ${p.seed}: ${x}`);
        assert.ok(Math.abs(x * UNITS - Math.round(x * UNITS)) < 1e-9 && x >= 1 / UNITS);
      }
      assert.equal(node.probs.reduce((s, x) => s + Math.round(x * UNITS), 0), UNITS);
    }
  }
});

test("no near-ties, checked exactly: every comparison the answer rests on differs by MIN_RATIO", () => {
  for (const p of PROBLEMS) {
    const counts = countsOf(p);
    const what = `seed ${p.seed}`;
    for (const st of p.steps) {
      const width = Math.min(p.k, st.candidates.length);
      const kept = st.candidates.filter((_, i) => st.kept[i]).map((c) => product(counts, c));
      const dropped = st.candidates.filter((_, i) => !st.kept[i]).map((c) => product(counts, c));
      assert.equal(kept.length, width, what);
      if (dropped.length) assert.ok(clear(Math.min(...kept), Math.max(...dropped)), `${what}, step ${st.step}`);
    }
    const leaves = allPrefixes(p.data.vocab.length, DEPTH + 1).filter((x) => x.length === DEPTH)
      .map((x) => [x, product(counts, x)]).sort((a, b) => b[1] - a[1]);
    assert.ok(clear(leaves[0][1], leaves[1][1]), `${what}: mode and runner-up`);
    assert.deepEqual(p.mode.tokens, leaves[0][0], what);
    const final = p.hypotheses.map((h) => product(counts, h.tokens));
    if (final.length > 1) assert.ok(clear(final[0], final[1]), `${what}: final beam`);
    assert.equal(p.found, prefixKey(p.hypotheses[0].tokens) === prefixKey(leaves[0][0]), what);
  }
});

test("at least 1 in 10 problems is a tree on which beam search misses the mode", (t) => {
  const misses = PROBLEMS.filter((p) => !p.found);
  const rate = misses.length / PROBLEMS.length;
  const by = {};
  for (const p of PROBLEMS) {
    const key = `M=${p.data.vocab.length}, k=${p.k}`;
    by[key] = by[key] || [0, 0];
    by[key][0] += 1;
    by[key][1] += !p.found;
  }
  t.diagnostic(`beam search misses the mode on ${misses.length} of ${PROBLEMS.length} seeds ` +
    `(${(100 * rate).toFixed(1)}%); by kind: ` +
    Object.entries(by).sort().map(([k, [n, m]]) => `${k} ${m}/${n}`).join(", "));
  assert.ok(rate >= 0.1, `miss rate ${rate}`);
  assert.ok(Math.abs(rate - MISS_SHARE) < 0.03, `miss rate ${rate} far from MISS_SHARE`);
  for (const p of misses) assert.ok(p.dropStep >= 1 && p.dropStep < DEPTH, `seed ${p.seed}`);
});

test("every seed gets the outcome it asked for, well within the draw budget", (t) => {
  const worst = Math.max(...PROBLEMS.map((p) => p.tries));
  t.diagnostic(`most trees drawn for one seed: ${worst} (budget ${MAX_TRIES})`);
  for (const p of PROBLEMS) assert.equal(p.found, !p.wantedMiss, `seed ${p.seed}`);
  assert.ok(worst < MAX_TRIES / 10);
});

test("the integer screen and the float solver agree on random trees, near-ties included", () => {
  const rng = createRng(99);
  let rejected = 0;
  for (let i = 0; i < 5000; i++) {
    const M = rng.int(2, 3);
    const k = rng.int(1, 3);
    const prefixes = allPrefixes(M, DEPTH);
    const counts = prefixes.map(() => {
      if (M === 2) {
        const a = rng.int(1, UNITS - 1);
        return [a, UNITS - a];
      }
      const a = rng.int(1, UNITS - 2);
      const b = rng.int(1, UNITS - 1 - a);
      return [a, b, UNITS - a - b];
    });
    const probs = new Map(prefixes.map((p, j) => [prefixKey(p), counts[j].map((c) => c / UNITS)]));
    const logp = new Map([...probs].map(([key, p]) => [key, p.map(Math.log)]));
    const tree = { vocab: Array.from({ length: M }, (_, v) => `w${v}`), M, T: DEPTH, probs, logp };
    const fast = screen(counts, M, k);
    const slow = solve(tree, k);
    assert.equal(fast === null, slow === null, `tree ${i}`);
    if (slow) assert.equal(fast, slow.found, `tree ${i}`);
    rejected += slow === null;
  }
  assert.ok(rejected > 500, `only ${rejected} near-ties among 5,000 random trees`);
});
