// beam-check.mjs: a reader's beam is checked step by step, and the feedback
// names the step, the candidate and its score.
import assert from "node:assert/strict";
import { test } from "node:test";

import { checkFound, checkStep, describeCandidate, stepFeedback } from "../../docs/_static/js/beam-check.mjs";
import { beamProblem } from "../../docs/_static/js/beam-problem.mjs";
import { beam } from "../../docs/_static/js/search.mjs";
import { parseTree } from "../../docs/_static/js/tree.mjs";

// The chapter's worked example (reviewkit.beam.WORKED_EXAMPLE_TABLE), k = 2:
// step 2 keeps "network neural" (0.36) and "neural neural" (0.33) and drops
// "neural network" (0.27), the prefix of the most likely sequence.
const WORKED = parseTree({
  vocab: ["neural", "network"], depth: 3,
  nodes: [
    { prefix: [], probs: [0.6, 0.4] }, { prefix: [0], probs: [0.55, 0.45] },
    { prefix: [1], probs: [0.9, 0.1] }, { prefix: [0, 0], probs: [0.6, 0.4] },
    { prefix: [0, 1], probs: [0.9, 0.1] }, { prefix: [1, 0], probs: [0.6, 0.4] },
    { prefix: [1, 1], probs: [0.8, 0.2] },
  ],
});
const STEP2 = beam(WORKED, 2).steps[1];

test("the right beam is right, in any order", () => {
  const check = checkStep(STEP2, [[0, 0], [1, 0]]);
  assert.equal(check.correct, true);
  assert.deepEqual(check.beam.map((c) => c.tokens), [[1, 0], [0, 0]]);
  assert.deepEqual(stepFeedback(WORKED.vocab, check), [
    "Step 2: right. The beam keeps \u201cnetwork neural\u201d (probability 0.36, log-probability " +
      "\u22121.022), \u201cneural neural\u201d (probability 0.33, log-probability \u22121.109).",
  ]);
});

test("a wrong beam names the step, each wrong candidate, its probability and its place", () => {
  const check = checkStep(STEP2, [[0, 1], [1, 0]]);
  assert.equal(check.correct, false);
  assert.deepEqual(check.wronglyKept.map((c) => [c.tokens, c.place]), [[[0, 1], 3]]);
  assert.deepEqual(check.wronglyDropped.map((c) => [c.tokens, c.place]), [[[0, 0], 2]]);
  const text = stepFeedback(WORKED.vocab, check);
  assert.equal(text[0], "Step 2: not quite.");
  assert.match(text[1], /^You kept \u201cneural network\u201d \(probability 0\.27, log-probability \u22121\.309\), but it is only the 3rd most likely of the 4 candidates/);
  assert.match(text[2], /^You dropped \u201cneural neural\u201d \(probability 0\.33, .*\), the 2nd most likely, which stays in the beam/);
  assert.match(text.at(-1), /^The beam after step 2: \u201cnetwork neural\u201d/);
});

test("keeping too many or too few says how many the beam keeps", () => {
  const check = checkStep(STEP2, [[1, 0]]);
  assert.equal(check.correct, false);
  assert.equal(check.chosen, 1);
  assert.equal(check.width, 2);
  assert.ok(stepFeedback(WORKED.vocab, check).includes("The beam keeps exactly 2 of the 4 candidates; you kept 1."));
  const all = checkStep(STEP2, [[0, 0], [0, 1], [1, 0], [1, 1]]);
  assert.equal(all.wronglyKept.length, 2);
});

test("a sequence that is not a candidate of the step is refused", () => {
  assert.throws(() => checkStep(STEP2, [[0, 0, 0]]), /not a candidate of step 2/);
});

test("the yes/no answer is checked, and a miss names the mode and where it fell out", () => {
  const worked = { data: { vocab: WORKED.vocab }, found: false, dropStep: 2,
    mode: { tokens: [0, 1, 0], score: Math.log(0.243) },
    hypotheses: beam(WORKED, 2).hypotheses };
  const no = checkFound(worked, false);
  assert.equal(no.correct, true);
  assert.match(no.feedback, /^Right: beam search returns \u201cnetwork neural neural\u201d \(probability 0\.216, .*\), but the most likely sequence is \u201cneural network neural\u201d \(probability 0\.243, .*\); its prefix \u201cneural network\u201d falls out of the beam at step 2\.$/);
  assert.equal(checkFound(worked, true).correct, false);
  assert.match(checkFound(worked, true).feedback, /^Not quite: /);
  assert.throws(() => checkFound(worked, "no"), /answer must be true or false/);
});

test("on generated problems, ticking the solution's beam is right at every step", () => {
  for (let seed = 0; seed < 300; seed++) {
    const p = beamProblem(seed);
    for (const st of p.steps) {
      const right = st.candidates.filter((_, i) => st.kept[i]);
      assert.equal(checkStep(st, right).correct, true, `seed ${seed}`);
      const wrong = st.candidates.filter((_, i) => !st.kept[i]);
      if (wrong.length) assert.equal(checkStep(st, wrong).correct, false, `seed ${seed}`);
    }
    assert.equal(checkFound(p, p.found).correct, true);
    assert.equal(checkFound(p, !p.found).correct, false);
  }
});

test("a candidate's probability is shown exactly, to six decimals", () => {
  assert.equal(describeCandidate(["a"], { tokens: [0, 0, 0], score: 3 * Math.log(0.05) }),
    "\u201ca a a\u201d (probability 0.000125, log-probability \u22128.987)");
});
