// Unit tests of reviewkit/rnn/explorer_core.js, the explorer's DOM-free logic.
// Run: node --test tests/js/rnn/  (Node 20's built-in runner, no packages).
// explorer_data.json is reviewkit.rnn.precompute() for a small grid with
// overflow, zeros and a scale Python prints as "1e-05"; tests/rnn/
// test_explorer.py checks that it is what the Python package writes today.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

import {
  caption,
  curveIndex,
  curvePath,
  decadeTicks,
  decodeValue,
  linearScale,
  normalKey,
  stepTicks,
  yRange,
} from "../../../reviewkit/rnn/explorer_core.js";

const DATA = JSON.parse(readFileSync(new URL("./explorer_data.json", import.meta.url)));

test("every control setting finds its curve in Python's keys", () => {
  const index = curveIndex(DATA.curves);
  const g = DATA.grid;
  let found = 0;
  for (const nl of g.nonlinearities) {
    for (const ws of g.weight_scales) {
      for (const T of g.seq_lens) {
        for (const lso of [true, false]) {
          const c = index.get(normalKey(nl, ws, T, lso));
          assert.ok(c, `no curve for ${nl} ${ws} ${T} ${lso}`);
          assert.equal(c.grad.length, T);
          assert.equal(c.state.length, T);
          found += 1;
        }
      }
    }
  }
  assert.equal(found, Object.keys(DATA.curves).length);
  assert.ok(g.weight_scales.includes(0.00001), "the fixture has a scale printed 1e-05");
});

test("normalKey ignores how a number was printed", () => {
  assert.equal(normalKey("tanh", "1.0", "25", "1"), normalKey("tanh", 1, 25, true));
  assert.equal(normalKey("relu", "1e-05", 3, "0"), normalKey("relu", 0.00001, 3, false));
  assert.notEqual(normalKey("relu", 1, 3, true), normalKey("relu", 1, 3, false));
});

test("stored values decode to log10, +Infinity (overflow) or -Infinity (zero)", () => {
  assert.equal(decodeValue(-3.25), -3.25);
  assert.equal(decodeValue("inf"), Infinity);
  assert.equal(decodeValue("-inf"), -Infinity);
  for (const bad of [null, "nan", NaN, Infinity, "1.5", undefined]) {
    assert.throws(() => decodeValue(bad), TypeError);
  }
});

test("the fixture's overflow and zero cells decode as such", () => {
  const index = curveIndex(DATA.curves);
  const over = index.get(normalKey("linear", 10, 200, true));
  assert.ok(over.grad.every((v) => v === Infinity));
  const zero = index.get(normalKey("linear", 0, 200, true));
  assert.ok(zero.grad.slice(0, -1).every((v) => v === -Infinity));
  assert.ok(Number.isFinite(zero.grad[199]));
});

test("the y range spans whole decades around the finite values only", () => {
  assert.deepEqual(yRange([[-2.5, 1.2, Infinity], [-Infinity, 0.3]]), { lo: -3, hi: 2 });
  assert.deepEqual(yRange([[2, 2]]), { lo: 2, hi: 3 });
  assert.deepEqual(yRange([[Infinity, -Infinity]]), { lo: 0, hi: 1 });
  assert.deepEqual(yRange([]), { lo: 0, hi: 1 });
});

test("decade ticks start at lo, stay within hi and number at most nine", () => {
  for (const [lo, hi] of [[0, 1], [-3, 2], [-40, 41], [-300, 300]]) {
    const ticks = decadeTicks(lo, hi);
    assert.equal(ticks[0], lo);
    assert.ok(ticks.at(-1) <= hi);
    assert.ok(ticks.length <= 9 && ticks.length >= 2, `${lo}..${hi}: ${ticks}`);
  }
});

test("step ticks label step 1 and about ten steps", () => {
  assert.deepEqual(stepTicks(1), [1]);
  assert.deepEqual(stepTicks(3), [1, 2, 3]);
  assert.equal(stepTicks(200)[0], 1);
  assert.ok(stepTicks(200).length <= 11);
  assert.ok(stepTicks(200).at(-1) <= 200);
});

test("a linear scale maps the ends and puts a one-point domain in the middle", () => {
  const f = linearScale(1, 50, 62, 620);
  assert.equal(f(1), 62);
  assert.equal(f(50), 620);
  assert.equal(linearScale(1, 1, 62, 620)(1), 341);
  assert.equal(linearScale(-2, 2, 286, 26)(2), 26);
});

test("a curve path breaks at non-finite values and lists them for the edges", () => {
  const X = (t) => t * 10;
  const Y = (v) => -v;
  const path = curvePath([1, 2, Infinity, 3, -Infinity, 4], X, Y);
  assert.equal(path.d, "M10.0,-1.0 L20.0,-2.0 M40.0,-3.0 M60.0,-4.0");
  assert.deepEqual(path.over, [30]);
  assert.deepEqual(path.zero, [50]);
  assert.deepEqual(curvePath([Infinity, Infinity], X, Y), { d: "", over: [10, 20], zero: [] });
});

test("the caption reads well for every count of marked values", () => {
  assert.equal(caption({ all: false, lso: true, over: 0, zero: 0 }),
    "Loss on the last step only.");
  assert.equal(caption({ all: true, lso: false, over: 1, zero: 0 }),
    "Solid: |dL/dh_t| for each weight scale. Loss on every step. " +
    "1 value overflowed float64 (▲ on the top edge).");
  assert.equal(caption({ all: false, lso: true, over: 200, zero: 1 }),
    "Loss on the last step only. 200 values overflowed float64 (▲ on the top edge). " +
    "1 value is 0 in float64 (▼ on the bottom edge).");
  assert.equal(caption({ all: false, lso: true, over: 0, zero: 2 }),
    "Loss on the last step only. 2 values are 0 in float64 (▼ on the bottom edge).");
});
