// Grading and gating of the commit-first self-checks (docs/_static/js/selfcheck.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  COMMITTED,
  LOCKED,
  REVEALED,
  canOpen,
  checkParts,
  gradeCheck,
  nextGate,
  resultSentence,
  unansweredParts,
} from "../../../docs/_static/js/selfcheck.mjs";

// 1a-style: true/false, then why; 3a-style: pick the beam (select all kept).
const TRUE_FALSE_WHY = [
  { kind: "single", correct: [false, true] },
  { kind: "single", correct: [false, false, true, false] },
];
const PICK_THE_BEAM = [{ kind: "multiple", correct: [true, false, true, false] }];

test("a fully right answer is right in every part", () => {
  const r = gradeCheck(TRUE_FALSE_WHY, [[1], [2]]);
  assert.equal(r.correct, true);
  assert.equal(r.rightParts, 2);
  assert.deepEqual(r.parts[0].marks, ["quiet", "right"]);
  assert.deepEqual(r.parts[1].marks, ["quiet", "quiet", "right", "quiet"]);
});

test("a wrong pick is marked wrong and the right option missed", () => {
  const r = gradeCheck(TRUE_FALSE_WHY, [[1], [0]]);
  assert.equal(r.correct, false);
  assert.equal(r.rightParts, 1);
  assert.deepEqual(r.parts[1].marks, ["wrong", "quiet", "missed", "quiet"]);
});

test("a multiple part is right only with exactly the kept set", () => {
  assert.equal(gradeCheck(PICK_THE_BEAM, [[0, 2]]).correct, true);
  assert.equal(gradeCheck(PICK_THE_BEAM, [[2, 0, 2]]).correct, true); // order, repeats
  const subset = gradeCheck(PICK_THE_BEAM, [[0]]);
  assert.equal(subset.correct, false);
  assert.deepEqual(subset.parts[0].marks, ["right", "quiet", "missed", "quiet"]);
  const superset = gradeCheck(PICK_THE_BEAM, [[0, 1, 2]]);
  assert.equal(superset.correct, false);
  assert.deepEqual(superset.parts[0].marks, ["right", "wrong", "right", "quiet"]);
});

test("every selection of a part is graded right exactly once among all subsets", () => {
  // Brute force over all 16 subsets of a 4-option multiple part.
  const rights = [];
  for (let mask = 1; mask < 16; mask += 1) {
    const chosen = [0, 1, 2, 3].filter((j) => mask & (1 << j));
    if (gradeCheck(PICK_THE_BEAM, [chosen]).correct) rights.push(chosen);
  }
  assert.deepEqual(rights, [[0, 2]]);
});

test("unanswered parts are listed and cannot be graded", () => {
  assert.deepEqual(unansweredParts(TRUE_FALSE_WHY, [[], [1]]), [0]);
  assert.deepEqual(unansweredParts(TRUE_FALSE_WHY, [[0], [1]]), []);
  assert.throws(() => gradeCheck(TRUE_FALSE_WHY, [[1], []]), /parts 1 have no option chosen/);
});

test("bad descriptions and selections are refused with the argument named", () => {
  assert.throws(() => checkParts([]), /parts must be a non-empty array/);
  assert.throws(() => checkParts([{ kind: "pick", correct: [true, false] }]), /parts\[0\]\.kind/);
  assert.throws(() => checkParts([{ kind: "single", correct: [true, true] }]), /exactly one/);
  assert.throws(() => checkParts([{ kind: "multiple", correct: [false, false] }]), /at least one/);
  assert.throws(() => checkParts([{ kind: "single", correct: [true] }]), /at least two booleans/);
  assert.throws(() => gradeCheck(TRUE_FALSE_WHY, [[1]]), /one array per part \(2\)/);
  assert.throws(() => gradeCheck(TRUE_FALSE_WHY, [[1], [4]]), /selection\[1\] holds 4/);
  assert.throws(() => gradeCheck(TRUE_FALSE_WHY, [[0, 1], [2]]), /picks 2 options of a "single"/);
});

test("the result sentence reads right for one part, all parts and some parts", () => {
  assert.equal(resultSentence(gradeCheck(PICK_THE_BEAM, [[0, 2]])), "Right.");
  assert.match(resultSentence(gradeCheck(PICK_THE_BEAM, [[1]])), /^Not quite/);
  assert.equal(resultSentence(gradeCheck(TRUE_FALSE_WHY, [[1], [2]])), "Right: all 2 parts.");
  assert.match(resultSentence(gradeCheck(TRUE_FALSE_WHY, [[0], [2]])), /^1 of 2 parts right/);
  assert.match(resultSentence(gradeCheck(TRUE_FALSE_WHY, [[0], [0]])), /^0 of 2 parts right/);
});

test("the gate opens on the first commit or reveal, and that first event sticks", () => {
  assert.equal(canOpen(LOCKED), false);
  assert.equal(nextGate(LOCKED, "commit"), COMMITTED);
  assert.equal(nextGate(LOCKED, "reveal"), REVEALED);
  assert.equal(nextGate(REVEALED, "commit"), REVEALED);
  assert.equal(nextGate(COMMITTED, "reveal"), COMMITTED);
  assert.equal(canOpen(COMMITTED) && canOpen(REVEALED), true);
  assert.throws(() => nextGate("open", "commit"), /state must be/);
  assert.throws(() => nextGate(LOCKED, "click"), /event must be/);
});

test("the score sentence reads true at every edge count", async () => {
  const { scoreSentence } = await import("../../../docs/_static/js/selfcheck.mjs");
  const say = (answered, correct, total) => scoreSentence({ answered, correct, total });
  assert.equal(say(0, 0, 0), "No self-check here yet.");
  assert.equal(say(0, 0, 1), "None of the 1 self-check answered yet.");
  assert.equal(say(0, 0, 10), "None of the 10 self-checks answered yet.");
  assert.equal(say(1, 1, 10), "1 of 10 self-checks answered, 1 right.");
  assert.equal(say(1, 0, 1), "1 of 1 self-check answered, 0 right.");
  assert.equal(say(3, 2, 10), "3 of 10 self-checks answered, 2 right.");
  assert.equal(say(10, 10, 10), "10 of 10 self-checks answered, 10 right.");
  assert.throws(() => say(2, 3, 10), /correct <= answered <= total/);
  assert.throws(() => say(11, 0, 10), /correct <= answered <= total/);
  assert.throws(() => say(-1, 0, 10), /integers/);
});

test("the streak sentence reads true for 0, 1 and more", async () => {
  const { streakSentence } = await import("../../../docs/_static/js/selfcheck.mjs");
  assert.equal(streakSentence(0), "no streak yet");
  assert.equal(streakSentence(1), "1 right in a row");
  assert.equal(streakSentence(7), "7 right in a row");
  assert.throws(() => streakSentence(1.5), /integer >= 0/);
});
