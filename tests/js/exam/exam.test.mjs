// The mock exam's draw and score (docs/_static/js/exam.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  BEAM_SIZES,
  LENGTHS,
  STATEMENTS,
  VOCAB_SIZES,
  complexityItem,
  examPlan,
  grouped,
  scoreExam,
} from "../../../docs/_static/js/exam.mjs";
import { createRng } from "../../../docs/_static/js/prng.mjs";

const POOL = ["1a", "1b", "1c", "1d", "1e", "1f", "1g", "1h", "1i", "1j"];
const SEEDS = Array.from({ length: 1000 }, (_, i) => i * 7919 + 3);

test("the same seed gives the same exam, and seeds vary it", () => {
  assert.deepEqual(examPlan(42, POOL), examPlan(42, POOL));
  const distinct = new Set(SEEDS.slice(0, 50).map((s) => JSON.stringify(examPlan(s, POOL))));
  assert.equal(distinct.size, 50);
});

test("an exam holds the statements, then one item of part 2 and two of part 3", () => {
  for (const seed of SEEDS) {
    const { items } = examPlan(seed, POOL);
    const statements = items.filter((i) => i.kind === "statement").map((i) => i.id);
    assert.equal(statements.length, STATEMENTS);
    assert.equal(new Set(statements).size, STATEMENTS);
    assert.deepEqual(statements, statements.slice().sort()); // sheet order
    assert.ok(statements.every((id) => POOL.includes(id)));
    assert.deepEqual(items.slice(STATEMENTS).map((i) => [i.id, i.part, i.kind]), [
      ["rnn", "rnn", "rnn"], ["beam", "beam", "beam"], ["complexity", "beam", "complexity"],
    ]);
    assert.ok(items.slice(0, STATEMENTS).every((i) => i.kind === "statement"));
    for (const i of items.slice(STATEMENTS, STATEMENTS + 2)) {
      assert.ok(Number.isInteger(i.seed) && i.seed >= 0 && i.seed <= 4294967295);
    }
  }
});

test("over 1,000 seeds every statement, every variant and every number is drawn", () => {
  const seen = { ids: new Set(), kinds: new Set(), k: new Set(), M: new Set(), T: new Set() };
  for (const seed of SEEDS) {
    const { items } = examPlan(seed, POOL);
    items.filter((i) => i.kind === "statement").forEach((i) => seen.ids.add(i.id));
    const c = items.at(-1);
    seen.kinds.add(c.variant);
    seen.k.add(c.k);
    seen.M.add(c.M);
    seen.T.add(c.T);
  }
  assert.deepEqual([...seen.ids].sort(), POOL);
  assert.deepEqual([...seen.kinds].sort(), ["double-k", "longer-T", "per-step", "total"]);
  assert.equal(seen.k.size, BEAM_SIZES.length);
  assert.equal(seen.M.size, VOCAB_SIZES.length);
  assert.equal(seen.T.size, LENGTHS.length);
});

test("a short pool gives every statement it has; none gives none", () => {
  const few = examPlan(5, ["1c", "1a"]).items.filter((i) => i.kind === "statement");
  assert.deepEqual(few.map((i) => i.id), ["1a", "1c"]);
  assert.equal(examPlan(5, []).items.length, 3);
});

const number = (text) => Number(text.split("=").at(-1).replace(/,/g, "").trim());

test("each complexity item has one right option, distinct options, the right count", () => {
  for (const seed of SEEDS) {
    const c = complexityItem(createRng(seed));
    assert.equal(c.options.filter((o) => o.correct).length, 1, JSON.stringify(c));
    assert.equal(new Set(c.options.map((o) => o.text)).size, c.options.length);
    assert.ok(c.options.every((o) => o.feedback.length > 20));
    const right = c.options.find((o) => o.correct);
    const { k, M, T } = c;
    const expected = {
      "per-step": k * M,
      total: T * k * M,
      "double-k": 2,
      "longer-T": 3,
    }[c.variant];
    assert.equal(number(right.text), expected, JSON.stringify(c));
    assert.ok(c.prompt.includes(`k = ${k}`) && c.prompt.includes(grouped(M)), c.prompt);
  }
});

test("the options come in a drawn order: the right one is not always first", () => {
  const firsts = new Set(SEEDS.map((s) => complexityItem(createRng(s)).options.findIndex((o) => o.correct)));
  assert.ok(firsts.size >= 4, [...firsts]);
});

test("numbers are grouped in thousands the same way everywhere", () => {
  assert.equal(grouped(0), "0");
  assert.equal(grouped(999), "999");
  assert.equal(grouped(1000), "1,000");
  assert.equal(grouped(12800000), "12,800,000");
});

test("the score counts each part, with unanswered items missed", () => {
  const plan = examPlan(7, POOL);
  const ids = plan.items.map((i) => i.id);
  const results = { [ids[0]]: true, [ids[1]]: false, rnn: true, beam: null };
  const score = scoreExam(plan, results);
  assert.equal(score.total, 7);
  assert.equal(score.right, 2);
  const [ae, rnn, beam] = score.parts;
  assert.deepEqual([ae.name, ae.right, ae.total], ["autoencoders", 1, 4]);
  assert.deepEqual(ae.missed, [
    { id: ids[1], answered: true },
    { id: ids[2], answered: false },
    { id: ids[3], answered: false },
  ]);
  assert.deepEqual([rnn.right, rnn.total, rnn.missed], [1, 1, []]);
  assert.deepEqual([beam.right, beam.total], [0, 2]);
  assert.deepEqual(beam.missed.map((m) => m.id), ["beam", "complexity"]);
  const none = scoreExam(examPlan(7, []), {});
  assert.deepEqual(none.parts.map((p) => p.name), ["rnn", "beam"]);
});

test("bad seeds, pools, counts and results are refused, naming them", () => {
  assert.throws(() => examPlan(-1, POOL), /seed must be an integer/);
  assert.throws(() => examPlan(1.5, POOL), /seed must be an integer/);
  assert.throws(() => examPlan(1, "1a"), /statementIds must be an array/);
  assert.throws(() => examPlan(1, ["1a", "1a"]), /statementIds must be distinct/);
  assert.throws(() => examPlan(1, POOL, { statements: -2 }), /statements must be/);
  assert.throws(() => scoreExam(examPlan(1, POOL), { rnn: "yes" }), /results\["rnn"\]/);
});
