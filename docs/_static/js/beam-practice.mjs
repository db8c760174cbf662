// The beam-search practice widget (DOM): a seeded tree, the reader ticks the
// beam at each step (checked before the next step opens, which then extends
// the right beam), then says whether beam search finds the most likely
// sequence. Problems come from beam-problem.mjs, checks from beam-check.mjs.

import { checkFound, checkStep, describeCandidate, stepFeedback } from "./beam-check.mjs";
import { MIN_RATIO, MISS_SHARE, UNITS, beamProblem } from "./beam-problem.mjs";
import { el } from "./dom.mjs";
import { fmtProb, spell } from "./format.mjs";
import { treeFigure } from "./tree-figure.mjs";
import { prefixKey } from "./tree.mjs";

let counter = 0;

/**
 * @typedef {object} BeamResult
 * @property {"beam"} kind - Which practice.
 * @property {number} seed - The problem's seed.
 * @property {boolean} correct - Every step and the final answer were right.
 * @property {boolean[]} steps - Whether each step was right.
 * @property {boolean} found - Whether the yes/no answer was right.
 */

function probabilityTable(problem, id) {
  const { data } = problem;
  const head = el("tr", {}, [el("th", { scope: "col", text: "after" })]);
  data.vocab.forEach((w) => head.append(el("th", { scope: "col", text: `p(${w})` })));
  const body = el("tbody", {}, data.nodes.map((node) => el("tr", {}, [
    el("th", { scope: "row", text: spell(data.vocab, node.prefix) }),
    ...node.probs.map((p) => el("td", { class: "rk-num", text: fmtProb(p, 2) })),
  ])));
  const table = el("table", { class: "rk-probs", id: `${id}-probs` }, [
    el("caption", { text: "Next-word probabilities after each prefix" }),
    el("thead", {}, [head]),
    body,
  ]);
  return el("div", {
    class: "rk-scroll", tabindex: "0", role: "region", "aria-label": "Probabilities",
  }, [table]);
}

/**
 * Mount a beam-search practice problem on an element.
 *
 * @param {HTMLElement} element - Its mount point (emptied first).
 * @param {{seed: number, onResult?: (result: BeamResult) => void}} options -
 *   The problem's seed (an integer in [0, 2^32 - 1]) and a function called
 *   once, when the last part has been checked.
 * @returns {{problem: import("./beam-problem.mjs").BeamProblem,
 *   element: HTMLElement}} The problem shown (with its solution) and the element.
 */
export function mountBeamPractice(element, { seed, onResult } = {}) {
  const problem = beamProblem(seed);
  const id = `rk-beam-practice-${++counter}`;
  const { vocab } = problem.data;
  const T = problem.data.depth;
  const marks = [];
  element.replaceChildren();
  element.classList.add("rk-practice", "rk-ready");

  const task = el("p", {
    class: "rk-task",
    text: `Beam search with beam width k = ${problem.k} over the words ` +
      `${vocab.join(", ")}, ${T} words long. At each step, tick the candidates ` +
      "the beam keeps; each step is checked before the next one opens. Then say " +
      "whether beam search finds the most likely sequence.",
  });
  const drawn = el("details", { class: "rk-drawn" }, [
    el("summary", { text: "How problems are drawn" }),
    el("ul", {}, [
      `Every probability is a multiple of ${1 / UNITS}, at least ${1 / UNITS}, and each row sums to 1.`,
      "Any two sequences the answer compares (at each step the last one kept and the first " +
        "one dropped; the most likely sequence and the runner-up) differ in probability by a " +
        `factor of at least ${MIN_RATIO}, so rounding on the way cannot change the answer.`,
      "Before the tree is drawn, the seed decides whether it will be one on which beam search " +
        `misses the most likely sequence: ${Math.round(MISS_SHARE * 100)} problems in 100 are.`,
    ].map((text) => el("li", { text }))),
  ]);
  const steps = el("div", { class: "rk-practice-steps" });
  const summary = el("p", { class: "rk-summary", tabindex: "-1" });
  element.append(task, probabilityTable(problem, id),
    // The tree only for two words: 27 leaves leave no room for the labels.
    el("div", { class: "rk-tree" }, treeFigure(problem.tree, { titleId: `${id}-tree-title`, maxLeaves: 8 })),
    drawn, steps, summary);

  const finish = (foundRight) => {
    const result = {
      kind: "beam", seed: problem.seed, correct: marks.every(Boolean) && foundRight,
      steps: marks.slice(), found: foundRight,
    };
    const right = marks.filter(Boolean).length + (foundRight ? 1 : 0);
    summary.textContent = result.correct
      ? `All ${T + 1} parts right.`
      : `${right} of ${T + 1} parts right. The feedback above says where the beam went another way.`;
    summary.focus();
    if (onResult) onResult(result);
  };

  const askFound = () => {
    const name = `${id}-found`;
    const radios = [[true, "Yes, it returns the most likely sequence"],
      [false, "No, it misses it"]].map(([value, label]) => {
      const radio = el("input", { type: "radio", name, id: `${name}-${value}`, value: String(value) });
      return [radio, el("span", { class: "rk-radio" }, [radio, el("label", { for: radio.id, text: label })])];
    });
    const feedback = el("p", { class: "rk-feedback", role: "status" });
    const button = el("button", { type: "button", class: "rk-button", "data-rk": "check-found", text: "Check" });
    const fieldset = el("fieldset", { class: "rk-step", "data-rk-part": "found" }, [
      el("legend", { text: `Does beam search with k = ${problem.k} return the most likely sequence of this tree?` }),
      ...radios.map(([, span]) => span),
      button,
      feedback,
    ]);
    button.addEventListener("click", () => {
      const chosen = radios.find(([radio]) => radio.checked);
      if (!chosen) {
        feedback.textContent = "Pick yes or no first.";
        return;
      }
      const check = checkFound(problem, chosen[0].value === "true");
      feedback.textContent = check.feedback;
      fieldset.classList.add(check.correct ? "rk-right" : "rk-wrong");
      for (const [radio] of radios) radio.disabled = true;
      button.disabled = true;
      finish(check.correct);
    });
    steps.append(fieldset);
    radios[0][0].focus();
  };

  const askStep = (t) => {
    const step = problem.steps[t - 1];
    const width = Math.min(problem.k, step.candidates.length);
    const before = t === 1
      ? "The beam starts from the empty sequence."
      : `The beam after step ${t - 1}: ` +
        problem.steps[t - 2].candidates
          .map((c, i) => [c, problem.steps[t - 2].scores[i], problem.steps[t - 2].rank[i]])
          .filter(([, , r]) => r !== null)
          .sort((a, b) => a[2] - b[2])
          .map(([c, s]) => describeCandidate(vocab, { tokens: c, score: s }))
          .join(", ") + ".";
    const boxes = step.candidates.map((c, i) => {
      const box = el("input", {
        type: "checkbox", id: `${id}-s${t}-${i}`, "data-tokens": prefixKey(c),
      });
      const verdict = el("span", { class: "rk-verdict" });
      const label = el("label", { for: box.id }, [spell(vocab, c)]);
      return { box, verdict, item: el("li", {}, [box, label, verdict]) };
    });
    const feedback = el("div", { class: "rk-feedback", role: "status" });
    const button = el("button", {
      type: "button", class: "rk-button", "data-rk": `check-${t}`, text: `Check step ${t}`,
    });
    const fieldset = el("fieldset", { class: "rk-step", "data-rk-part": `step-${t}` }, [
      el("legend", { text: `Step ${t}: which candidates does the beam keep? It keeps ${width} of ${step.candidates.length}.` }),
      el("p", { class: "rk-before", text: before }),
      el("ul", { class: "rk-candidates" }, boxes.map((b) => b.item)),
      button,
      feedback,
    ]);
    button.addEventListener("click", () => {
      const chosen = boxes.filter((b) => b.box.checked)
        .map((b) => b.box.dataset.tokens.split(",").map(Number));
      if (chosen.length === 0) {
        feedback.textContent = "Tick the candidates the beam keeps first.";
        return;
      }
      const check = checkStep(step, chosen);
      marks.push(check.correct);
      feedback.replaceChildren(...stepFeedback(vocab, check).map((s) => el("p", { text: s })));
      fieldset.classList.add(check.correct ? "rk-right" : "rk-wrong");
      boxes.forEach((b, i) => {
        b.box.disabled = true;
        const p = fmtProb(Math.exp(step.scores[i]), 6);
        b.verdict.textContent = step.kept[i] ? ` kept, ${p}` : ` dropped, ${p}`;
        b.item.classList.add(step.kept[i] ? "rk-kept" : "rk-dropped");
      });
      button.disabled = true;
      if (t < T) askStep(t + 1);
      else askFound();
    });
    steps.append(fieldset);
    if (t > 1) boxes[0].box.focus();
  };

  askStep(1);
  return { problem, element };
}
