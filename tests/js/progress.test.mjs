// progress.mjs: first answers count, streaks, reset, and no failure when
// localStorage is missing or refuses writes.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import {
  PREFIX,
  chapterScore,
  recordAnswer,
  recordVariant,
  resetProgress,
  streak,
} from "../../docs/_static/js/progress.mjs";

/** An in-memory Storage with the Web Storage methods progress.mjs uses. */
class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  get length() {
    return this.map.size;
  }
  key(i) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.map.delete(k);
  }
}

/** A storage that reads fine but refuses every write (a full quota). */
class FullStorage extends MemoryStorage {
  setItem() {
    throw new Error("QuotaExceededError");
  }
}

function useStorage(s) {
  Object.defineProperty(globalThis, "localStorage", { value: s, configurable: true, writable: true });
}

beforeEach(() => {
  useStorage(new MemoryStorage());
  resetProgress();
});

test("only the first committed answer to a question counts", () => {
  assert.deepEqual(recordAnswer("1a", { correct: false, chapter: "autoencoders" }),
    { correct: false, chapter: "autoencoders", revealed: false, first: true });
  assert.equal(recordAnswer("1a", { correct: true, chapter: "autoencoders" }).first, false);
  recordAnswer("1b", { correct: true, chapter: "autoencoders" });
  recordAnswer("3a", { correct: true, chapter: "beam" });
  assert.deepEqual(chapterScore("autoencoders"), { answered: 2, correct: 1, revealed: 0, total: 2 });
  assert.deepEqual(chapterScore("beam"), { answered: 1, correct: 1, revealed: 0, total: 1 });
  assert.deepEqual(chapterScore("rnn"), { answered: 0, correct: 0, revealed: 0, total: 0 });
});

test("given the chapter's question ids, the total is their number and only they count", () => {
  recordAnswer("2a", { correct: true, chapter: "rnn" });
  recordAnswer("2z", { correct: true, chapter: "rnn" }); // not in this site's list
  assert.deepEqual(chapterScore("rnn", ["2a", "2b", "2c"]), { answered: 1, correct: 1, revealed: 0, total: 3 });
});

test("an answer opened without committing counts as revealed, never as correct", () => {
  const first = recordAnswer("2b", { correct: false, chapter: "rnn", revealed: true });
  assert.equal(first.revealed, true);
  assert.equal(recordAnswer("2b", { correct: true, chapter: "rnn" }).revealed, true);
  assert.deepEqual(chapterScore("rnn", ["2a", "2b", "2c"]),
    { answered: 1, correct: 0, revealed: 1, total: 3 });
  assert.throws(() => recordAnswer("2c", { correct: true, chapter: "rnn", revealed: true }),
    /cannot count as correct/);
  assert.throws(() => recordAnswer("2c", { correct: false, chapter: "rnn", revealed: "yes" }),
    /revealed must be true or false/);
});

test("keys live under the reviewkit: prefix and reset removes them and nothing else", () => {
  const s = new MemoryStorage();
  useStorage(s);
  s.setItem("theme", "dark");
  recordAnswer("1a", { correct: true, chapter: "autoencoders" });
  recordVariant("beam", true);
  const ours = [...s.map.keys()].filter((k) => k !== "theme");
  assert.deepEqual(ours.sort(), [`${PREFIX}answer:1a`, `${PREFIX}variant:beam`]);
  assert.equal(resetProgress(), 2);
  assert.deepEqual([...s.map.keys()], ["theme"]);
  assert.equal(streak("beam"), 0);
  assert.deepEqual(chapterScore("autoencoders"), { answered: 0, correct: 0, revealed: 0, total: 0 });
});

test("a streak counts right variants in a row; a wrong one ends it", () => {
  assert.equal(streak("beam"), 0);
  assert.equal(recordVariant("beam", true), 1);
  assert.equal(recordVariant("beam", true), 2);
  assert.equal(recordVariant("rnn", true), 1); // kinds are separate
  assert.equal(streak("beam"), 2);
  assert.equal(recordVariant("beam", false), 0);
  assert.equal(recordVariant("beam", true), 1);
  assert.equal(streak("beam"), 1);
  assert.equal(streak("rnn"), 1);
});

test("progress survives a new page: a fresh read sees what storage holds", () => {
  const s = new MemoryStorage();
  useStorage(s);
  recordVariant("rnn", true);
  recordVariant("rnn", true);
  const saved = new Map(s.map);
  useStorage(Object.assign(new MemoryStorage(), { map: saved }));
  assert.equal(streak("rnn"), 2);
});

test("with no localStorage at all, or one whose getter throws, nothing throws", () => {
  useStorage(undefined);
  assert.equal(recordVariant("beam", true), 1);
  assert.equal(streak("beam"), 1); // kept in memory for the page's life
  recordAnswer("3a", { correct: true, chapter: "beam" });
  assert.deepEqual(chapterScore("beam"), { answered: 1, correct: 1, revealed: 0, total: 1 });
  Object.defineProperty(globalThis, "localStorage", {
    configurable: true,
    get() {
      throw new Error("SecurityError: storage is disabled");
    },
  });
  assert.equal(recordVariant("beam", true), 2);
  assert.equal(streak("beam"), 2);
  assert.equal(resetProgress(), 0);
  assert.equal(streak("beam"), 0);
});

test("a storage that refuses writes keeps the values in memory", () => {
  useStorage(new FullStorage());
  assert.equal(recordVariant("beam", true), 1);
  assert.equal(recordVariant("beam", true), 2);
  assert.equal(streak("beam"), 2);
  assert.equal(recordAnswer("2b", { correct: false, chapter: "rnn" }).first, true);
  assert.equal(recordAnswer("2b", { correct: true, chapter: "rnn" }).first, false);
});

test("a value edited by hand is treated as absent, not as an error", () => {
  const s = new MemoryStorage();
  useStorage(s);
  s.setItem(`${PREFIX}variant:beam`, "{not json");
  s.setItem(`${PREFIX}answer:1c`, "null");
  assert.equal(streak("beam"), 0);
  assert.equal(recordVariant("beam", true), 1);
  assert.equal(recordAnswer("1c", { correct: true, chapter: "autoencoders" }).first, true);
});

test("bad arguments raise errors naming them", () => {
  assert.throws(() => recordAnswer("", { correct: true, chapter: "beam" }), /questionId must be/);
  assert.throws(() => recordAnswer("3a", { correct: "yes", chapter: "beam" }), /correct must be true or false/);
  assert.throws(() => recordAnswer("3a", { correct: true }), /chapter must be/);
  assert.throws(() => recordVariant("beam", 1), /correct must be true or false/);
  assert.throws(() => streak(undefined), /kind must be/);
  assert.throws(() => chapterScore("beam", "3a"), /questions must be an array/);
});
