/**
 * The mock exam (DOM): draws the seed's items from the pool the `{exam}`
 * directive wrote (exam.mjs), lays them out by part of the sheet, mounts the
 * beam-search and gradient practices for the drawn problems, and on "Score
 * the exam" marks every item, scores each part and links every missed item
 * to its page. The key (right options, verdicts, the beam at every step)
 * follows; it shows once the exam is scored, or in print when asked for.
 * @module exam-widget
 */

import { beamKey, rnnKey } from "./exam-key.mjs";
import { PARTS, examPlan, scoreExam } from "./exam.mjs";
import { gradeCheck, unansweredParts } from "./selfcheck.mjs";
import { enhanceParts, feedbackLines, readParts } from "./selfcheck-form.mjs";

/** What a printed exam asks for instead of the practices' buttons. */
const PAPER = {
  beam: "On paper: write the beam after each step, with the probability of every sequence it keeps, then say whether beam search returns the most likely sequence.",
  rnn: "On paper: write vanishes, stays roughly flat or explodes, and why.",
};

/** The page behind the gradient prediction, by its setting. */
function rnnTopic(problem) {
  if (!problem.lastStepOnly) return "rnn-every-step";
  return problem.nonlinearity === "linear" ? "rnn-linear" : "rnn-nonlinear";
}

/**
 * A check's result from its form: true, false, or null if nothing is chosen.
 * @param {{kind: string, correct: boolean[]}[]} parts
 * @param {number[][]} selection
 * @returns {{result: ?boolean, graded: ?object}}
 */
export function formResult(parts, selection) {
  const missing = unansweredParts(parts, selection);
  if (missing.length === parts.length) return { result: null, graded: null };
  if (missing.length) return { result: false, graded: null };
  const graded = gradeCheck(parts, selection);
  return { result: graded.correct, graded };
}

/**
 * Mount the exam of `seed` on `root` (the `.rk-exam` the directive wrote).
 * @param {HTMLElement} root
 * @param {{seed: number, grid: ?object, mountBeam: Function, mountRnn: Function}} options
 *   the seed, the explorer's grid (null leaves the gradient item out), and
 *   beam-practice.mjs's mountBeamPractice and rnn-practice.mjs's
 *   mountRnnPractice.
 * @returns {{plan: object, score: function(): object, showKey: function(boolean): void,
 *   facts: function(): string[], keyFacts: function(): string[]}}
 */
export function mountExam(root, { seed, grid, mountBeam, mountRnn }) {
  const doc = root.ownerDocument;
  const make = (tag, className, text) => {
    const e = doc.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const pool = new Map(
    [...root.querySelectorAll(".rk-exam-statement")].map((e) => [e.dataset.question, e]),
  );
  const topics = new Map(
    [...root.querySelectorAll(".rk-exam-links li[data-topic]")].map((li) => [li.dataset.topic, li.querySelector("a")]),
  );
  const plan = examPlan(seed, [...pool.keys()], { statements: Number(root.dataset.statements) });
  const results = {};
  const items = []; // {item, element, title, grade(), key(), link(), facts()}
  let scored = null;

  const sections = new Map(PARTS.map((p) => {
    const section = make("section", "rk-exam-part");
    section.dataset.part = p.name;
    const h = make("h2", "", p.title);
    h.id = `rk-exam-${p.name}`;
    section.setAttribute("aria-labelledby", h.id);
    section.appendChild(h);
    return [p.name, section];
  }));

  plan.items.forEach((item, n) => {
    const title = `Question ${n + 1}` + (item.kind === "statement" ? ` (${item.id})` : "");
    const element = item.kind === "statement" ? pool.get(item.id) : make("div", "rk-exam-item");
    element.classList.add(`rk-exam-${item.kind}`);
    element.dataset.item = item.id;
    element.prepend(make("p", "rk-exam-number", title));
    const entry = { item, element, title };
    if (item.kind === "statement" || item.kind === "complexity") {
      const holder = item.kind === "statement" ? element.querySelector(".rk-exam-check") : complexityCheck(item);
      if (item.kind === "complexity") element.appendChild(holder);
      const parts = readParts(holder);
      const form = enhanceParts(holder, `rk-exam-${item.id}`);
      entry.grade = () => {
        const { result, graded } = formResult(parts, form.read());
        if (graded) form.mark(graded);
        form.lock();
        element.classList.add("rk-committed");
        return { result, lines: graded ? feedbackLines(form, graded) : [] };
      };
      entry.key = () => {
        const right = [...holder.querySelectorAll("li.rk-option[data-correct=true] .rk-option-text")]
          .map((e) => e.textContent.trim());
        const said = right.join("; ");
        const lines = [`Right answer: ${said}${/[.!?]$/.test(said) ? "" : "."}`];
        if (item.kind === "complexity") {
          lines.push(holder.querySelector("li.rk-option[data-correct=true] .rk-feedback").textContent.trim());
        }
        return lines;
      };
      entry.verdict = element.querySelector(".rk-exam-key");
      entry.link = () => element.querySelector(".rk-exam-link a") ?? topics.get("complexity");
      entry.facts = () => (item.kind === "complexity" ? [title, item.prompt] : [title]);
    } else {
      const mount = make("div", "rk-exam-practice");
      element.appendChild(mount);
      element.appendChild(make("p", "rk-print-only", PAPER[item.kind]));
      const done = (r) => {
        if (!scored) results[item.id] = r.correct;
      };
      if (item.kind === "beam") {
        entry.problem = mountBeam(mount, { seed: item.seed, onResult: done }).problem;
        entry.key = () => beamKey(entry.problem);
        entry.link = () => topics.get("beam");
        entry.facts = () => [
          title,
          `k = ${entry.problem.k}`,
          ...entry.problem.data.vocab,
        ];
      } else if (grid) {
        entry.problem = mountRnn(mount, { seed: item.seed, grid, onResult: done }).problem;
        entry.key = () => [rnnKey(entry.problem)];
        entry.link = () => topics.get(rnnTopic(entry.problem));
        entry.facts = () => [title, entry.problem.nonlinearity, `T = ${entry.problem.T}`];
      } else {
        mount.textContent = "This item needs the explorer's grid, which this page does not hold.";
        entry.key = () => [];
        entry.link = () => topics.get("rnn-linear");
        entry.facts = () => [title];
      }
      entry.grade = () => ({ result: results[item.id] ?? null, lines: [] });
    }
    sections.get(item.part).appendChild(element);
    items.push(entry);
  });

  function complexityCheck(item) {
    const holder = make("div", "rk-exam-check");
    const fieldset = make("fieldset", "rk-check-part");
    fieldset.dataset.kind = "single";
    fieldset.dataset.part = "0";
    const prompt = make("div", "rk-check-prompt");
    prompt.appendChild(make("p", "", item.prompt));
    const list = make("ul", "rk-options");
    item.options.forEach((o, j) => {
      const li = make("li", "rk-option");
      li.dataset.option = String(j);
      li.dataset.correct = String(o.correct);
      const text = make("div", "rk-option-text");
      text.appendChild(make("p", "", o.text));
      const feedback = make("div", "rk-feedback");
      feedback.appendChild(make("p", "", o.feedback));
      li.append(text, feedback);
      list.appendChild(li);
    });
    fieldset.append(prompt, list);
    holder.appendChild(fieldset);
    return holder;
  }

  // The page: seed line, the parts, the controls, the result, the key.
  const intro = make("p", "rk-exam-seed");
  intro.append("Exam for seed ", make("strong", "", String(seed)), ": the same seed gives the same exam. ");
  const again = make("a", "rk-exam-new", "Draw a new exam");
  again.href = "?";
  intro.appendChild(again);
  const controls = make("div", "rk-exam-controls");
  const submit = make("button", "rk-exam-submit", "Score the exam");
  submit.type = "button";
  controls.appendChild(submit);
  const status = make("div", "rk-exam-result");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  const keySection = make("section", "rk-exam-keys");
  const keyTitle = make("h2", "", "Key");
  keyTitle.id = "rk-exam-key";
  keySection.setAttribute("aria-labelledby", keyTitle.id);
  keySection.appendChild(keyTitle);
  for (const entry of items) {
    const block = make("div", "rk-exam-key-item");
    block.dataset.item = entry.item.id;
    block.appendChild(make("p", "rk-exam-key-title", entry.title));
    for (const line of entry.key()) block.appendChild(make("p", "", line));
    if (entry.verdict) block.appendChild(entry.verdict);
    keySection.appendChild(block);
  }
  root.replaceChildren(intro, ...[...sections.values()].filter((s) => s.children.length > 1), controls, status, keySection);
  root.classList.add("rk-ready");

  function score() {
    if (scored) return scored;
    const spoken = [];
    for (const entry of items) {
      const { result, lines } = entry.grade();
      results[entry.item.id] = result;
      entry.element.classList.add(result === true ? "rk-exam-right" : "rk-exam-missed-item");
      spoken.push(...lines.map((l) => `${entry.title}: ${l}`));
    }
    scored = scoreExam(plan, results);
    const table = make("table", "rk-exam-score");
    table.appendChild(make("caption", "", `Your score: ${scored.right} of ${scored.total}`));
    const head = table.createTHead().insertRow();
    for (const t of ["Part", "Right", "Of"]) {
      const th = make("th", "", t);
      th.scope = "col";
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const part of scored.parts) {
      const row = body.insertRow();
      row.dataset.part = part.name;
      const th = make("th", "", part.title);
      th.scope = "row";
      row.append(th, make("td", "", String(part.right)), make("td", "", String(part.total)));
    }
    const missed = make("ul", "rk-exam-missed");
    for (const part of scored.parts) {
      for (const m of part.missed) {
        const entry = items.find((e) => e.item.id === m.id);
        const li = make("li", "", `${entry.title}, ${m.answered ? "wrong" : "not answered"}: see `);
        li.dataset.item = m.id;
        const a = entry.link();
        if (a) {
          const copy = make("a", "", a.textContent.trim());
          copy.href = a.getAttribute("href");
          li.appendChild(copy);
        }
        missed.appendChild(li);
      }
    }
    const parts = [table];
    if (missed.children.length) parts.push(make("p", "", "Missed, with the page that explains each:"), missed);
    else parts.push(make("p", "", "Nothing missed."));
    const detail = make("div", "rk-sr-only");
    for (const line of spoken) detail.appendChild(make("p", "", line));
    status.replaceChildren(...parts, detail);
    submit.setAttribute("aria-disabled", "true");
    submit.textContent = "Scored";
    root.classList.add("rk-scored", "rk-show-key");
    return scored;
  }

  submit.addEventListener("click", score);
  return {
    plan,
    score,
    showKey(on = true) {
      root.classList.toggle("rk-show-key", on);
    },
    facts: () => items.flatMap((e) => e.facts()),
    keyFacts: () => items.flatMap((e) => e.key()),
  };
}
