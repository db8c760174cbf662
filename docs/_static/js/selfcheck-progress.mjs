/**
 * The reader's progress on the page (DOM): a chapter's score on its index
 * (`.rk-progress`, from the `{progress-score}` directive) and, on the
 * Practice page, every chapter's score, the variants' streaks and a reset
 * button (`.rk-progress-panel`, from `{progress-panel}`). The numbers come
 * from progress.mjs, which keeps them in this browser's localStorage only.
 * @module selfcheck-progress
 */

import { chapterScore, resetProgress, streak } from "./progress.mjs";
import { scoreSentence, streakSentence } from "./selfcheck.mjs";

/** A chapter's question ids, from a `data-questions="1a 1b"` attribute. */
function questionIds(element) {
  return (element.dataset.questions || "").split(/\s+/).filter(Boolean);
}

/** Redraw when another tab changes the progress, or the page comes back. */
function onChange(doc, refresh) {
  doc.defaultView?.addEventListener("storage", refresh);
  doc.defaultView?.addEventListener("pageshow", refresh);
}

/**
 * Show one chapter's score in `box` (a `.rk-progress`).
 * @param {HTMLElement} box with `data-chapter` and `data-questions`.
 * @returns {{refresh: function(): void}}
 */
export function mountChapterScore(box) {
  const doc = box.ownerDocument;
  const chapter = box.dataset.chapter;
  const ids = questionIds(box);
  const line = doc.createElement("p");
  line.className = "rk-progress-sentence";
  box.replaceChildren(line);
  box.classList.add("rk-ready");
  function refresh() {
    const score = chapterScore(chapter, ids);
    box.dataset.answered = String(score.answered);
    box.dataset.correct = String(score.correct);
    line.textContent = `Your score in this chapter: ${scoreSentence(score)} ` +
      "Kept in this browser only.";
  }
  refresh();
  onChange(doc, refresh);
  return { refresh };
}

/**
 * The Practice page's panel: a table of every chapter's score, the streaks
 * and a reset button, in `box` (a `.rk-progress-panel`). The chapters and
 * the practice pages come from the lists the directive wrote (shown as they
 * are without a script): `li[data-chapter][data-questions]` and
 * `li[data-streak]`, each holding a link.
 * @param {HTMLElement} box
 * @returns {{refresh: function(): void, reset: function(): void}}
 */
export function mountProgressPanel(box) {
  const doc = box.ownerDocument;
  const entry = (li) => {
    const a = li.querySelector("a");
    return { title: (a || li).textContent.trim(), href: a ? a.getAttribute("href") : "" };
  };
  const chapters = [...box.querySelectorAll("li[data-chapter]")].map((li) => ({
    name: li.dataset.chapter,
    questions: questionIds(li),
    ...entry(li),
  }));
  const streaks = [...box.querySelectorAll("li[data-streak]")].map((li) => ({
    kind: li.dataset.streak,
    ...entry(li),
  }));
  const make = (tag, className, text) => {
    const e = doc.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const link = (href, text) => {
    if (!href) return make("span", "", text);
    const a = make("a", "", text);
    a.href = href;
    return a;
  };

  const table = make("table", "rk-progress-table");
  table.appendChild(make("caption", "", "Self-checks answered, by chapter (first answers count)"));
  const head = table.createTHead().insertRow();
  for (const title of ["Chapter", "Answered", "Right", "Questions"]) {
    const th = make("th", "", title);
    th.scope = "col";
    head.appendChild(th);
  }
  const body = table.createTBody();
  const rows = chapters.map((c) => {
    const row = body.insertRow();
    row.dataset.chapter = c.name;
    const th = make("th");
    th.scope = "row";
    th.appendChild(link(c.href, c.title));
    row.appendChild(th);
    const cells = [row.insertCell(), row.insertCell(), row.insertCell()];
    return { chapter: c, cells };
  });
  const streakList = make("ul", "rk-streaks");
  const streakItems = streaks.map((s) => {
    const li = make("li");
    li.dataset.kind = s.kind;
    li.appendChild(link(s.href, s.title));
    const value = make("span", "rk-streak-value");
    li.append(": ", value);
    streakList.appendChild(li);
    return { kind: s.kind, value };
  });
  const button = make("button", "rk-progress-reset", "Reset my progress");
  button.type = "button";
  const status = make("p", "rk-progress-status");
  status.setAttribute("role", "status");
  const parts = [table];
  if (streaks.length) parts.push(make("p", "rk-streaks-title", "Practice streaks:"), streakList);
  box.replaceChildren(...parts, button, status);
  box.classList.add("rk-ready");

  function refresh() {
    for (const { chapter, cells } of rows) {
      const score = chapterScore(chapter.name, chapter.questions);
      cells[0].textContent = String(score.answered);
      cells[1].textContent = String(score.correct);
      cells[2].textContent = String(score.total);
    }
    for (const { kind, value } of streakItems) value.textContent = streakSentence(streak(kind));
  }

  function reset() {
    resetProgress();
    refresh();
    status.textContent = "Your progress is reset: every score and streak is back to zero.";
  }

  button.addEventListener("click", reset);
  refresh();
  onChange(doc, refresh);
  return { refresh, reset };
}
