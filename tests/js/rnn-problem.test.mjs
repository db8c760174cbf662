// rnn-problem.mjs: the vanish / flat / explode rule at its edges, reading the
// grid's values, and seeded settings drawn from the explorer's real grid.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  EXPLODE_AT, FLAT_WITHIN, VANISH_AT, VERDICTS, classify, curveKey, gridValue, logRatio,
  rnnProblem, settings, thresholdsText,
} from "../../docs/_static/js/rnn-problem.mjs";

const GRID = JSON.parse(readFileSync(new URL("./fixtures/rnn-grid.json", import.meta.url), "utf8"));

test("the thresholds: a factor of 100 or more vanishes or explodes, within 10 is flat", () => {
  assert.deepEqual([VANISH_AT, FLAT_WITHIN, EXPLODE_AT], [-2, 1, 2]);
  assert.equal(classify(-2), "vanish");
  assert.equal(classify(-25), "vanish");
  assert.equal(classify(-Infinity), "vanish");
  assert.equal(classify(-1.999), null);
  assert.equal(classify(-1.0001), null);
  assert.equal(classify(-1), "flat");
  assert.equal(classify(0), "flat");
  assert.equal(classify(1), "flat");
  assert.equal(classify(1.0001), null);
  assert.equal(classify(1.999), null);
  assert.equal(classify(2), "explode");
  assert.equal(classify(Infinity), "explode");
  assert.equal(classify(null), null);
  assert.equal(classify(NaN), null);
});

test("the page states the same thresholds the code uses", () => {
  const text = thresholdsText().join(" ");
  assert.match(text, new RegExp(`at most 1/${10 ** -VANISH_AT} of`));
  assert.match(text, new RegExp(`within a factor of ${10 ** FLAT_WITHIN} of`));
  assert.match(text, new RegExp(`at least ${10 ** EXPLODE_AT} times`));
});

test("grid values: numbers, overflows written as inf, and gaps", () => {
  assert.equal(gridValue(-3.5), -3.5);
  assert.equal(gridValue("inf"), Infinity);
  assert.equal(gridValue("Infinity"), Infinity);
  assert.equal(gridValue(Infinity), Infinity);
  assert.equal(gridValue("-inf"), -Infinity);
  assert.equal(gridValue(null), null);
  assert.equal(gridValue("nan"), null);
  assert.equal(gridValue(NaN), null);
  assert.equal(logRatio([-5, -4, -1]), -4);
  assert.equal(logRatio(["inf", 3, 1]), Infinity);
  assert.equal(logRatio([-1, 2, "inf"]), -Infinity);
  assert.equal(logRatio(["inf", "inf"]), null);
  assert.equal(logRatio([null, 1]), null);
  assert.equal(logRatio([]), null);
});

test("curve keys are written as reviewkit.rnn.explorer.curve_key writes them", () => {
  assert.equal(curveKey("tanh", 1, 25, true), "tanh|1.0|25|1");
  assert.equal(curveKey("relu", 0.75, 10, false), "relu|0.75|10|0");
  for (const key of Object.keys(GRID.curves)) {
    const [nl, s, T, lso] = key.split("|");
    assert.equal(curveKey(nl, Number(s), Number(T), lso === "1"), key);
  }
});

test("on the real grid every verdict occurs, and each drawn setting's verdict is its curve's", () => {
  const all = settings(GRID);
  assert.ok(all.length < Object.keys(GRID.curves).length); // the in-between ones are left out
  for (const v of VERDICTS) assert.ok(all.some((s) => s.verdict === v), v);
  for (const s of all) {
    const g = GRID.curves[s.key].grad;
    assert.equal(s.r, g[0] - g[g.length - 1]);
    assert.equal(classify(s.r), s.verdict);
  }
});

test("a seed draws the same setting every time; verdicts come up about a third each", (t) => {
  assert.deepEqual(rnnProblem(7, GRID), rnnProblem(7, GRID));
  const counts = { vanish: 0, flat: 0, explode: 0 };
  const n = 3000;
  const keys = new Set();
  for (let seed = 0; seed < n; seed++) {
    const p = rnnProblem(seed, GRID);
    counts[p.verdict] += 1;
    keys.add(p.key);
    assert.equal(p.grad.length, p.T);
  }
  t.diagnostic(`verdicts over ${n} seeds: ${JSON.stringify(counts)}; ${keys.size} settings drawn`);
  for (const v of VERDICTS) assert.ok(Math.abs(counts[v] / n - 1 / 3) < 0.04, JSON.stringify(counts));
  assert.equal(keys.size, settings(GRID).length); // every eligible setting turns up
});

test("an overflowing curve is an explosion; a grid without clear settings is refused", () => {
  const grid = {
    grid: { nonlinearities: ["relu"], weight_scales: [3], seq_lens: [3] },
    curves: {
      "relu|3.0|3|1": { grad: ["inf", 20, 1], state: [0, 0, 0] },
      "relu|3.0|3|0": { grad: [1.5, 1, 0], state: [0, 0, 0] },
    },
  };
  const p = rnnProblem(1, grid);
  assert.equal(p.verdict, "explode");
  assert.deepEqual(p.grad, [Infinity, 20, 1]);
  grid.curves["relu|3.0|3|1"].grad = [1.5, 1, 0];
  assert.throws(() => rnnProblem(1, grid), /no setting with a clear verdict/);
  assert.throws(() => settings({}), /precompute\(\)'s output/);
});
