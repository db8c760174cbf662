/**
 * Commit-first self-checks: grading and the answer gate, with no DOM.
 *
 * A check (one question's) is a list of parts. Each part is
 * `{kind, correct}`: `kind` is "single" (pick exactly one option) or
 * "multiple" (select every option that applies, at least one), and
 * `correct[j]` says whether option j is right. A reader's selection is one
 * array of chosen option indexes per part.
 *
 * The answer gate: a question's answer stays locked until the reader either
 * commits an answer ("committed") or asks to see it anyway ("revealed").
 * Only the first of those events counts for the score.
 *
 * The widget (selfcheck-widget.mjs) reads the parts from the page, keeps the
 * selection, and shows what gradeCheck returns.
 * @module selfcheck
 */

/** The states of the answer gate. */
export const LOCKED = "locked";
export const COMMITTED = "committed";
export const REVEALED = "revealed";

/**
 * Check a check's description and return it unchanged.
 * @param {{kind: string, correct: boolean[]}[]} parts
 * @returns {{kind: string, correct: boolean[]}[]}
 * @throws {TypeError|RangeError} naming the part that is malformed.
 */
export function checkParts(parts) {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new TypeError(`parts must be a non-empty array, got ${JSON.stringify(parts)}`);
  }
  parts.forEach((part, i) => {
    if (part === null || typeof part !== "object") {
      throw new TypeError(`parts[${i}] must be an object, got ${JSON.stringify(part)}`);
    }
    if (part.kind !== "single" && part.kind !== "multiple") {
      throw new RangeError(
        `parts[${i}].kind must be "single" or "multiple", got ${JSON.stringify(part.kind)}`,
      );
    }
    const right = Array.isArray(part.correct) ? part.correct : [];
    if (right.length < 2 || !right.every((c) => typeof c === "boolean")) {
      throw new TypeError(
        `parts[${i}].correct must list at least two booleans, got ${JSON.stringify(part.correct)}`,
      );
    }
    const n = right.filter(Boolean).length;
    if (part.kind === "single" ? n !== 1 : n === 0) {
      throw new RangeError(
        `parts[${i}] (${part.kind}) has ${n} correct options: ` +
          (part.kind === "single" ? "needs exactly one" : "needs at least one"),
      );
    }
  });
  return parts;
}

/**
 * Normalise a selection: one sorted array of distinct, in-range option
 * indexes per part.
 * @param {{kind: string, correct: boolean[]}[]} parts
 * @param {number[][]} selection
 * @returns {number[][]}
 * @throws {TypeError|RangeError} if the selection does not fit the parts.
 */
export function checkSelection(parts, selection) {
  if (!Array.isArray(selection) || selection.length !== parts.length) {
    throw new TypeError(
      `selection must hold one array per part (${parts.length}), got ${JSON.stringify(selection)}`,
    );
  }
  return selection.map((chosen, i) => {
    if (!Array.isArray(chosen)) {
      throw new TypeError(`selection[${i}] must be an array, got ${JSON.stringify(chosen)}`);
    }
    const n = parts[i].correct.length;
    for (const j of chosen) {
      if (!Number.isInteger(j) || j < 0 || j >= n) {
        throw new RangeError(`selection[${i}] holds ${JSON.stringify(j)}: options are 0 to ${n - 1}`);
      }
    }
    const distinct = [...new Set(chosen)].sort((a, b) => a - b);
    if (parts[i].kind === "single" && distinct.length > 1) {
      throw new RangeError(`selection[${i}] picks ${distinct.length} options of a "single" part`);
    }
    return distinct;
  });
}

/**
 * The parts the reader has not answered yet (no option chosen).
 * @param {{kind: string, correct: boolean[]}[]} parts
 * @param {number[][]} selection
 * @returns {number[]} indexes of the unanswered parts; empty when the
 *   selection can be committed.
 */
export function unansweredParts(parts, selection) {
  const chosen = checkSelection(checkParts(parts), selection);
  return chosen.flatMap((c, i) => (c.length === 0 ? [i] : []));
}

/**
 * Grade a committed selection.
 *
 * Each option gets a mark: "right" (chosen and correct), "wrong" (chosen and
 * not correct), "missed" (correct but not chosen) or "quiet" (neither: its
 * feedback stays folded). A part is right when its chosen set is exactly its
 * correct set; the check is right when every part is.
 * @param {{kind: string, correct: boolean[]}[]} parts
 * @param {number[][]} selection
 * @returns {{correct: boolean, rightParts: number, parts: {correct: boolean, marks: string[]}[]}}
 * @throws {RangeError} if a part is unanswered (see unansweredParts).
 */
export function gradeCheck(parts, selection) {
  const chosen = checkSelection(checkParts(parts), selection);
  const missing = chosen.flatMap((c, i) => (c.length === 0 ? [i] : []));
  if (missing.length) {
    throw new RangeError(`parts ${missing.join(", ")} have no option chosen: cannot grade`);
  }
  const graded = parts.map((part, i) => {
    const picked = new Set(chosen[i]);
    const marks = part.correct.map((right, j) => {
      if (picked.has(j)) return right ? "right" : "wrong";
      return right ? "missed" : "quiet";
    });
    return { correct: marks.every((m) => m === "right" || m === "quiet"), marks };
  });
  const rightParts = graded.filter((p) => p.correct).length;
  return { correct: rightParts === parts.length, rightParts, parts: graded };
}

/**
 * One sentence saying how a graded check went, for the live region.
 * @param {{correct: boolean, rightParts: number, parts: object[]}} result
 *   what gradeCheck returned.
 * @returns {string}
 */
export function resultSentence(result) {
  const n = result.parts.length;
  if (n === 1) {
    return result.correct ? "Right." : "Not quite: the right answer is marked below.";
  }
  if (result.correct) return `Right: all ${n} parts.`;
  return `${result.rightParts} of ${n} parts right: the right answers are marked below.`;
}

/**
 * The answer gate's next state.
 * @param {string} state LOCKED, COMMITTED or REVEALED.
 * @param {"commit"|"reveal"} event
 * @returns {string} the new state: the first commit or reveal decides it,
 *   later events change nothing.
 * @throws {RangeError} on an unknown state or event.
 */
export function nextGate(state, event) {
  if (![LOCKED, COMMITTED, REVEALED].includes(state)) {
    throw new RangeError(`state must be "${LOCKED}", "${COMMITTED}" or "${REVEALED}", got ${JSON.stringify(state)}`);
  }
  if (event !== "commit" && event !== "reveal") {
    throw new RangeError(`event must be "commit" or "reveal", got ${JSON.stringify(event)}`);
  }
  if (state !== LOCKED) return state;
  return event === "commit" ? COMMITTED : REVEALED;
}

/**
 * Whether the answer may be opened in this gate state.
 * @param {string} state
 * @returns {boolean}
 */
export function canOpen(state) {
  return state === COMMITTED || state === REVEALED;
}

/**
 * One sentence for a chapter's score, true for every count.
 * @param {{answered: number, correct: number, total: number}} score what
 *   progress.mjs's chapterScore returns.
 * @returns {string} e.g. "3 of 10 self-checks answered, 2 right."
 * @throws {RangeError} if the counts cannot be a score.
 */
export function scoreSentence({ answered, correct, total }) {
  const counts = [answered, correct, total];
  if (!counts.every((n) => Number.isInteger(n) && n >= 0) || correct > answered || answered > total) {
    throw new RangeError(
      `a score needs integers 0 <= correct <= answered <= total, got ${JSON.stringify({ answered, correct, total })}`,
    );
  }
  if (total === 0) return "No self-check here yet.";
  const checks = total === 1 ? "self-check" : "self-checks";
  if (answered === 0) return `None of the ${total} ${checks} answered yet.`;
  return `${answered} of ${total} ${checks} answered, ${correct} right.`;
}

/**
 * One sentence for a streak of practice variants.
 * @param {number} n consecutive right answers (progress.mjs's streak).
 * @returns {string}
 */
export function streakSentence(n) {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be an integer >= 0, got ${n}`);
  if (n === 0) return "no streak yet";
  return n === 1 ? "1 right in a row" : `${n} right in a row`;
}
