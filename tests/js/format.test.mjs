// format.mjs: the numbers and words the widgets print.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fmt, fmtProb, ordinal, spell } from "../../docs/_static/js/format.mjs";

test("negative numbers get a true minus sign; decimals are fixed", () => {
  assert.equal(fmt(-1.2345, 3), "\u22121.234");
  assert.equal(fmt(0.5, 2), "0.50");
});

test("probabilities drop trailing zeros and keep what the products need", () => {
  assert.equal(fmtProb(0.6 * 0.55), "0.33");
  assert.equal(fmtProb(0.05 * 0.05 * 0.05, 6), "0.000125");
  assert.equal(fmtProb(0.29700000000000004), "0.297");
});

test("sequences are spelled with the vocabulary; the empty one is the start", () => {
  assert.equal(spell(["red", "blue"], [1, 0, 1]), "blue red blue");
  assert.equal(spell(["red"], []), "(start)");
});

test("ordinals read as English", () => {
  assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101].map(ordinal),
    ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]);
});
