// prng.mjs: one seeded stream, the same in every engine; seeds from URLs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_SEED, checkSeed, createRng, freshSeed, seedFromQuery } from "../../docs/_static/js/prng.mjs";

test("the same seed gives the same stream; another seed another stream", () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xs = Array.from({ length: 50 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 50 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 50 }, () => c.next()));
});

test("the stream is mulberry32's, pinned to known values (any engine must agree)", () => {
  // The first outputs of the reference mulberry32 for seed 0, times 2^32.
  const ints = (seed) => {
    const r = createRng(seed);
    return Array.from({ length: 3 }, () => Math.round(r.next() * 4294967296));
  };
  assert.deepEqual(ints(0), [1144304738, 1416247, 958946056]);
  assert.ok(ints(MAX_SEED).every((x) => x >= 0 && x < 4294967296));
});

test("draws are uniform enough: int, pick and chance hit every value at about its rate", () => {
  const r = createRng(7);
  const counts = [0, 0, 0];
  const n = 30000;
  for (let i = 0; i < n; i++) counts[r.int(1, 3) - 1] += 1;
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 3) < 0.02, `${counts}`);
  let hits = 0;
  for (let i = 0; i < n; i++) hits += r.chance(0.3);
  assert.ok(Math.abs(hits / n - 0.3) < 0.02, `${hits / n}`);
  const seen = new Set(Array.from({ length: 200 }, () => r.pick(["a", "b", "c", "d"])));
  assert.equal(seen.size, 4);
  for (let i = 0; i < 1000; i++) {
    const x = r.next();
    assert.ok(x >= 0 && x < 1);
  }
});

test("seeds are integers from 0 to 2^32 - 1; anything else is refused by name", () => {
  assert.equal(checkSeed("seed", 0), 0);
  assert.equal(checkSeed("seed", MAX_SEED), MAX_SEED);
  for (const bad of [-1, MAX_SEED + 1, 1.5, "3", null, NaN]) {
    assert.throws(() => createRng(bad), /seed must be an integer from 0 to 4294967295/);
  }
  assert.throws(() => createRng(1).int(3, 1), /int\(lo, hi\) needs integers lo <= hi/);
  assert.throws(() => createRng(1).pick([]), /non-empty array/);
});

test("a URL's ?seed= gives the seed, or null when missing or malformed", () => {
  assert.equal(seedFromQuery("?seed=123"), 123);
  assert.equal(seedFromQuery("seed=0&x=1"), 0);
  assert.equal(seedFromQuery(`?seed=${MAX_SEED}`), MAX_SEED);
  for (const bad of ["", "?x=1", "?seed=", "?seed=-3", "?seed=1e3", "?seed=12a",
    `?seed=${MAX_SEED + 1}`, "?seed=99999999999"]) {
    assert.equal(seedFromQuery(bad), null, bad);
  }
});

test("a fresh seed is a valid seed and never the one to avoid", () => {
  for (let i = 0; i < 100; i++) {
    const s = freshSeed(5);
    assert.ok(Number.isInteger(s) && s >= 0 && s <= MAX_SEED && s !== 5);
  }
});
