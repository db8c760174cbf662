// Unit tests of reviewkit/rnn/explorer_core.js, the explorer's DOM-free logic.
// Run: node --test tests/js/rnn/  (Node 20's built-in runner, no packages).
// explorer_data.json is reviewkit.rnn.precompute() for a small grid with
// overflow, zeros and a scale Python prints as "1e-05"; tests/rnn/
// test_explorer.py checks that it is what the Python package writes today.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";

import {
  axes,
  caption,
  curveIndex,
  curvePath,
  normalKey,
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
  const one = (v) => curveIndex({ "tanh|1.0|1|1": { grad: [v], state: [0] } })
    .get("tanh|1|1|1").grad[0];
  assert.equal(one(-3.25), -3.25);
  assert.equal(one("inf"), Infinity);
  assert.equal(one("-inf"), -Infinity);
  for (const bad of [null, "nan", NaN, Infinity, "1.5", undefined]) {
    assert.throws(() => one(bad), TypeError);
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

const BOX = { left: 62, right: 620, top: 26, bottom: 286 };

test("the y axis spans whole decades around the finite values only", () => {
  const { Y, decades } = axes([[-2.5, 1.2, Infinity], [-Infinity, 0.3]], 3, BOX);
  assert.deepEqual([decades[0], decades.at(-1)], [-3, 2]);
  assert.equal(Y(-3), BOX.bottom);
  assert.equal(Y(2), BOX.top);
  assert.deepEqual(axes([[2, 2]], 2, BOX).decades, [2, 3]);
  assert.deepEqual(axes([[Infinity, -Infinity]], 2, BOX).decades, [0, 1]);
  assert.deepEqual(axes([], 1, BOX).decades, [0, 1]);
});

test("decade ticks start at the bottom, stay in range and number at most nine", () => {
  for (const [lo, hi] of [[0, 1], [-3, 2], [-40, 41], [-300, 300]]) {
    const { decades } = axes([[lo, hi]], 5, BOX);
    assert.equal(decades[0], lo);
    assert.ok(decades.at(-1) <= hi);
    assert.ok(decades.length <= 9 && decades.length >= 2, `${lo}..${hi}: ${decades}`);
  }
});

test("the x axis maps steps 1..T onto the box and labels about ten steps", () => {
  const { X, steps } = axes([[0]], 50, BOX);
  assert.equal(X(1), BOX.left);
  assert.equal(X(50), BOX.right);
  assert.equal(axes([[0]], 1, BOX).X(1), (BOX.left + BOX.right) / 2);
  assert.deepEqual(axes([[0]], 1, BOX).steps, [1]);
  assert.deepEqual(axes([[0]], 3, BOX).steps, [1, 2, 3]);
  const long = axes([[0]], 200, BOX).steps;
  assert.equal(long[0], 1);
  assert.ok(long.length <= 11 && long.at(-1) <= 200);
  assert.ok(steps.length <= 11);
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
