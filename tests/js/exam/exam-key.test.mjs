// The mock exam's key sentences (docs/_static/js/exam-key.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";

import { RNN_WORDS, beamKey, rnnKey } from "../../../docs/_static/js/exam-key.mjs";

const L = Math.log;
// A hand-made two-word, two-step problem with k = 1 where beam search misses:
// step 1 keeps "a" (0.6) over "b" (0.4); step 2 keeps "a b" (0.6 * 0.5);
// the most likely sequence is "b a" (0.4 * 0.9 = 0.36 > 0.3).
const MISS = {
  k: 1,
  data: { vocab: ["a", "b"] },
  steps: [
    { step: 1, candidates: [[0], [1]], scores: [L(0.6), L(0.4)], rank: [0, null] },
    {
      step: 2,
      candidates: [[0, 0], [0, 1]],
      scores: [L(0.6) + L(0.5), L(0.6) + L(0.5)],
      rank: [null, 0],
    },
  ],
  hypotheses: [{ tokens: [0, 1], score: L(0.6) + L(0.5) }],
  mode: { tokens: [1, 0], score: L(0.4) + L(0.9) },
  found: false,
};

test("the beam key lists each step's beam best first, then the miss", () => {
  assert.deepEqual(beamKey(MISS), [
    'After step 1, the beam keeps "a" (p = 0.6).',
    'After step 2, the beam keeps "a b" (p = 0.3).',
    'No: beam search with k = 1 returns "a b" (p = 0.3), but the most likely sequence is "b a" (p = 0.36).',
  ]);
});

test("a found mode reads as a yes, and ranks order a wider beam", () => {
  const found = {
    ...MISS,
    k: 2,
    steps: [{ step: 1, candidates: [[0], [1]], scores: [L(0.4), L(0.6)], rank: [1, 0] }],
    hypotheses: [{ tokens: [1], score: L(0.6) }],
    mode: { tokens: [1], score: L(0.6) },
    found: true,
  };
  assert.deepEqual(beamKey(found), [
    'After step 1, the beam keeps "b" (p = 0.6), "a" (p = 0.4).',
    'Yes: beam search with k = 2 returns "b" (p = 0.6), the most likely sequence.',
  ]);
});

test("the gradient key names the verdict and the ratio, infinite ends included", () => {
  assert.equal(rnnKey({ verdict: "vanish", r: -7.25 }), "It vanishes: log10(|∂L/∂h₁| / |∂L/∂h_T|) = −7.3.");
  assert.equal(rnnKey({ verdict: "flat", r: 0.04 }), "It stays roughly flat: log10(|∂L/∂h₁| / |∂L/∂h_T|) = 0.0.");
  assert.equal(rnnKey({ verdict: "explode", r: Infinity }), "It explodes: |∂L/∂h₁| overflows.");
  assert.equal(rnnKey({ verdict: "vanish", r: -Infinity }), "It vanishes: |∂L/∂h₁| is exactly 0.");
  assert.deepEqual(Object.keys(RNN_WORDS), ["vanish", "flat", "explode"]);
  assert.throws(() => rnnKey({ verdict: "grows", r: 1 }), /verdict must be one of/);
});
