/**
 * Commit-first self-checks on a question page (DOM).
 *
 * Each `.rk-check` (written by the `{selfcheck}` directive) becomes a form:
 * radio buttons or checkboxes, a "Check" button that commits, and a live
 * region (`role="status"`) that says how it went and reads out the feedback
 * of the chosen options and of the right ones, which the page then shows
 * beside them. The answer dropdown holding
 * `.rk-verdict[data-question=ID]` stays closed, by click and by keyboard,
 * until the reader commits or presses "Show the answer anyway". The first of
 * those is recorded with progress.mjs (a reveal as not right); a question
 * answered on an earlier visit starts unlocked, saying what counted.
 *
 * Grading and the gate's states are in selfcheck.mjs (no DOM).
 * @module selfcheck-widget
 */

import { chapterScore, recordAnswer } from "./progress.mjs";
import { COMMITTED, LOCKED, canOpen, gradeCheck, nextGate, resultSentence, unansweredParts } from "./selfcheck.mjs";
import { enhanceParts, feedbackLines, readParts } from "./selfcheck-form.mjs";

/** What the locked dropdown's title says after its own text. */
export const LOCK_NOTE = "(check your answer above first)";

/**
 * The answer dropdown of question `id`: the `<details>` holding its verdict.
 * @param {Document} doc
 * @param {string} id
 * @returns {HTMLDetailsElement|null}
 */
export function answerDropdown(doc, id) {
  const verdict = doc.querySelector(`.rk-verdict[data-question="${id}"]`);
  return verdict ? verdict.closest("details") : null;
}

/**
 * Keep a `<details>` closed while `isLocked()` says so: clicks and the keys
 * that open a summary do nothing, and its title says why.
 * @param {HTMLDetailsElement} details
 * @param {function(): boolean} isLocked
 * @returns {function(): void} call it once the gate opens.
 */
export function lockDropdown(details, isLocked) {
  const summary = details.querySelector(":scope > summary");
  details.open = false;
  details.classList.add("rk-locked");
  const note = details.ownerDocument.createElement("span");
  note.className = "rk-lock-note";
  note.textContent = ` ${LOCK_NOTE}`;
  if (summary) {
    summary.setAttribute("aria-disabled", "true");
    summary.appendChild(note);
    summary.addEventListener("click", (event) => {
      if (isLocked()) event.preventDefault();
    });
    summary.addEventListener("keydown", (event) => {
      if (isLocked() && (event.key === "Enter" || event.key === " ")) event.preventDefault();
    });
  }
  return () => {
    details.classList.remove("rk-locked");
    summary?.removeAttribute("aria-disabled");
    note.remove();
  };
}

/**
 * The first answer progress.mjs holds for a question, if any.
 * @param {string} id
 * @param {string} chapter
 * @returns {{correct: boolean}|null}
 */
export function earlierAnswer(id, chapter) {
  const score = chapterScore(chapter, [id]);
  return score.answered ? { correct: score.correct === 1 } : null;
}

/**
 * Make one `.rk-check` a commit-first form.
 * @param {HTMLElement} box the `.rk-check` element.
 * @param {{record?: function(string, object): void, earlier?: function(string, string): ?object}}
 *   [options] replacements for progress.mjs's recordAnswer and for
 *   earlierAnswer (for tests).
 * @returns {{state: function(): string, commit: function(): boolean, reveal: function(): void}}
 */
export function mountSelfCheck(box, { record = recordAnswer, earlier = earlierAnswer } = {}) {
  const doc = box.ownerDocument;
  const id = box.dataset.question;
  const chapter = box.dataset.chapter;
  const parts = readParts(box);
  const before = earlier(id, chapter);
  let state = before ? COMMITTED : LOCKED;

  const form = doc.createElement("form");
  form.className = "rk-check-form";
  form.noValidate = true;
  while (box.firstChild) form.appendChild(box.firstChild);
  box.appendChild(form);
  const fields = enhanceParts(form, `rk-check-${id}`);

  const controls = doc.createElement("div");
  controls.className = "rk-check-controls";
  const check = doc.createElement("button");
  check.type = "submit";
  check.className = "rk-check-commit";
  check.textContent = "Check";
  controls.appendChild(check);
  const dropdown = answerDropdown(doc, id);
  let unlock = () => {};
  let reveal = null;
  if (dropdown) {
    unlock = lockDropdown(dropdown, () => !canOpen(state));
    reveal = doc.createElement("button");
    reveal.type = "button";
    reveal.className = "rk-check-reveal";
    reveal.textContent = "Show the answer anyway";
    controls.appendChild(reveal);
  }
  form.appendChild(controls);
  const status = doc.createElement("div");
  status.className = "rk-check-result";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  form.appendChild(status);
  box.classList.add("rk-ready");

  function move(event, correct) {
    const was = state;
    state = nextGate(state, event);
    if (was === LOCKED && state !== LOCKED) {
      record(id, event === "reveal" ? { correct: false, chapter, revealed: true } : { correct, chapter });
      unlock();
      doc.dispatchEvent(new CustomEvent("rk-answered", { detail: { id, chapter } }));
    }
  }

  function say(sentence, lines = []) {
    status.replaceChildren();
    const p = doc.createElement("p");
    p.className = "rk-check-sentence";
    p.textContent = sentence;
    status.appendChild(p);
    if (lines.length) {
      const detail = doc.createElement("div");
      detail.className = "rk-sr-only";
      for (const line of lines) {
        const item = doc.createElement("p");
        item.textContent = line;
        detail.appendChild(item);
      }
      status.appendChild(detail);
    }
  }

  function commit() {
    if (box.classList.contains("rk-committed")) return true;
    const selection = fields.read();
    const missing = unansweredParts(parts, selection);
    if (missing.length) {
      const which = parts.length > 1 ? ` in part ${missing.map((i) => i + 1).join(" and ")}` : "";
      say(`Choose an answer${which} first.`);
      return false;
    }
    const result = gradeCheck(parts, selection);
    fields.mark(result);
    fields.lock();
    box.classList.add("rk-committed", result.correct ? "rk-check-right" : "rk-check-wrong");
    check.setAttribute("aria-disabled", "true");
    check.textContent = "Checked";
    move("commit", result.correct);
    if (reveal) reveal.textContent = "Open the answer";
    const more = dropdown ? " The answer below is open to you now." : "";
    say(resultSentence(result) + more, feedbackLines(fields, result));
    return true;
  }

  function showAnyway() {
    move("reveal");
    reveal.textContent = "Open the answer";
    dropdown.open = true;
    dropdown.querySelector(":scope > summary")?.focus();
  }

  if (before) {
    unlock();
    say(
      `You answered this check on an earlier visit; that first answer counts (${before.correct ? "right" : "not right"}). ` +
        "Try it again if you like: the answer is open.",
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    commit();
  });
  reveal?.addEventListener("click", showAnyway);
  return { state: () => state, commit, reveal: showAnyway };
}

/**
 * Mount every `.rk-check` under `root`.
 * @param {ParentNode} [root]
 * @returns {object[]} what mountSelfCheck returned, per check.
 */
export function mountAllSelfChecks(root = document) {
  return [...root.querySelectorAll(".rk-check:not(.rk-ready)")].map((box) => mountSelfCheck(box));
}
