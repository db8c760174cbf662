// A reader's progress, kept in the browser's localStorage and nowhere else:
// nothing here (or anywhere on the site) sends it over the network.
//
// Keys (all under PREFIX, so resetProgress() can find them and leave the
// theme's own keys alone):
//   reviewkit:answer:<questionId>  {"correct": bool, "chapter": str}
//   reviewkit:variant:<kind>       {"streak": n, "attempts": n, "correct": n}
//
// Where localStorage is missing or refuses (a private window, storage turned
// off, a full quota), the same calls work on an in-memory copy that lasts as
// long as the page: nothing throws.

/** Every key this module writes starts with this. */
export const PREFIX = "reviewkit:";

const memory = new Map(); // values localStorage refused (or has no room for)

function storage() {
  try {
    return globalThis.localStorage || null; // the getter itself may throw
  } catch {
    return null;
  }
}

function read(key) {
  let text = memory.has(key) ? memory.get(key) : null;
  if (text === null) {
    try {
      const s = storage();
      if (s) text = s.getItem(PREFIX + key);
    } catch {
      text = null;
    }
  }
  if (text === null) return null;
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null; // a value someone edited by hand: treated as absent
  }
}

function write(key, value) {
  const text = JSON.stringify(value);
  try {
    const s = storage();
    if (s) {
      s.setItem(PREFIX + key, text);
      memory.delete(key);
      return;
    }
  } catch {
    // a refused write (quota, private window): kept in memory below
  }
  memory.set(key, text);
}

function checkName(name, value) {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
}

/**
 * Record a committed answer to a question. Only the first answer to each
 * question counts: later calls leave the record as it is.
 *
 * @param {string} questionId - E.g. "1a".
 * @param {{correct: boolean, chapter: string, revealed?: boolean}} answer -
 *   Whether it was right, the chapter it belongs to (e.g. "autoencoders"),
 *   and whether the reader opened the answer without committing ("Show the
 *   answer anyway": recorded as not right, and counted as revealed).
 * @returns {{correct: boolean, chapter: string, revealed: boolean, first: boolean}}
 *   The record that counts, and whether this call made it.
 */
export function recordAnswer(questionId, { correct, chapter, revealed = false } = {}) {
  checkName("questionId", questionId);
  checkName("chapter", chapter);
  if (typeof correct !== "boolean") {
    throw new TypeError(`correct must be true or false, got ${JSON.stringify(correct)}`);
  }
  if (typeof revealed !== "boolean") {
    throw new TypeError(`revealed must be true or false, got ${JSON.stringify(revealed)}`);
  }
  if (revealed && correct) {
    throw new RangeError("an answer revealed without committing cannot count as correct");
  }
  const old = read(`answer:${questionId}`);
  if (old && typeof old.correct === "boolean") {
    return { revealed: false, ...old, first: false };
  }
  const record = { correct, chapter, revealed };
  write(`answer:${questionId}`, record);
  return { ...record, first: true };
}

function answerKeys() {
  const keys = new Set();
  try {
    const s = storage();
    if (s) {
      for (let i = 0; i < s.length; i++) {
        const key = s.key(i);
        if (key && key.startsWith(`${PREFIX}answer:`)) keys.add(key.slice(PREFIX.length));
      }
    }
  } catch {
    // unreadable storage: the in-memory copy below is all there is
  }
  for (const key of memory.keys()) if (key.startsWith("answer:")) keys.add(key);
  return [...keys];
}

/**
 * A chapter's score: first answers only.
 *
 * @param {string} chapter - The chapter, as given to recordAnswer.
 * @param {string[]} [questions] - The ids of the chapter's questions (from
 *   the question source). With them, only these count and `total` is their
 *   number; without them, `total` is the number answered so far.
 * @returns {{answered: number, correct: number, revealed: number, total: number}}
 *   The score (`revealed` counts answers opened without committing; they are
 *   answered, not correct).
 */
export function chapterScore(chapter, questions) {
  checkName("chapter", chapter);
  let records;
  if (questions === undefined) {
    records = answerKeys().map((key) => read(key)).filter((r) => r && r.chapter === chapter);
  } else {
    if (!Array.isArray(questions)) {
      throw new TypeError(`questions must be an array of ids, got ${JSON.stringify(questions)}`);
    }
    records = questions.map((id) => read(`answer:${id}`)).filter(Boolean);
  }
  records = records.filter((r) => typeof r.correct === "boolean");
  const answered = records.length;
  return {
    answered,
    correct: records.filter((r) => r.correct).length,
    revealed: records.filter((r) => r.revealed === true).length,
    total: questions === undefined ? answered : questions.length,
  };
}

/**
 * Record one practice variant's result: a right one extends the streak of
 * its kind, a wrong one ends it.
 *
 * @param {string} kind - E.g. "beam" or "rnn".
 * @param {boolean} correct - Whether every part was right.
 * @returns {number} The streak after this result.
 */
export function recordVariant(kind, correct) {
  checkName("kind", kind);
  if (typeof correct !== "boolean") {
    throw new TypeError(`correct must be true or false, got ${JSON.stringify(correct)}`);
  }
  const old = read(`variant:${kind}`) || {};
  const count = (x) => (Number.isInteger(x) && x >= 0 ? x : 0);
  const record = {
    streak: correct ? count(old.streak) + 1 : 0,
    attempts: count(old.attempts) + 1,
    correct: count(old.correct) + (correct ? 1 : 0),
  };
  write(`variant:${kind}`, record);
  return record.streak;
}

/**
 * The number of variants of a kind answered right in a row, up to now.
 *
 * @param {string} kind - E.g. "beam" or "rnn".
 * @returns {number} The streak (0 if none).
 */
export function streak(kind) {
  checkName("kind", kind);
  const record = read(`variant:${kind}`);
  const n = record && record.streak;
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Forget all progress: every key under PREFIX, in localStorage and in the
 * in-memory copy. Other keys (the theme's light/dark choice) stay.
 *
 * @returns {number} How many stored keys were removed from localStorage.
 */
export function resetProgress() {
  memory.clear();
  let removed = 0;
  try {
    const s = storage();
    if (!s) return 0;
    const keys = [];
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (key && key.startsWith(PREFIX)) keys.push(key);
    }
    for (const key of keys) {
      s.removeItem(key);
      removed += 1;
    }
  } catch {
    // nothing more can be removed
  }
  return removed;
}
