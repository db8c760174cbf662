// The RNN gradient practice widget (DOM): a seeded setting from the
// explorer's grid; the reader predicts whether |dL/dh_1| vanishes, stays
// roughly flat or explodes against |dL/dh_T|, then sees the curve and the
// verdict. Problems and thresholds come from rnn-problem.mjs.

import { curveFigure } from "./curve-figure.mjs";
import { el } from "./dom.mjs";
import { fmt } from "./format.mjs";
import { VERDICTS, rnnProblem, thresholdsText } from "./rnn-problem.mjs";

let counter = 0;

const LABELS = {
  vanish: "It vanishes: |\u2202L/\u2202h\u2081| is far smaller",
  flat: "It stays roughly flat",
  explode: "It explodes: |\u2202L/\u2202h\u2081| is far larger",
};
const NAMES = { vanish: "vanishes", flat: "stays roughly flat", explode: "explodes" };

/**
 * @typedef {object} RnnResult
 * @property {"rnn"} kind - Which practice.
 * @property {number} seed - The problem's seed.
 * @property {boolean} correct - Whether the prediction was right.
 * @property {string} answer - The reader's verdict.
 * @property {string} verdict - The curve's verdict.
 */

function ratioText(r) {
  if (r === Infinity) return "|\u2202L/\u2202h\u2081| overflowed: the ratio is beyond floating point";
  if (r === -Infinity) return "|\u2202L/\u2202h\u2081| is exactly 0";
  const mantissa = 10 ** (r - Math.floor(r));
  return `|\u2202L/\u2202h\u2081| / |\u2202L/\u2202h_T| = 10^${fmt(r, 2)} ` +
    `\u2248 ${mantissa.toFixed(1)} \u00d7 10^${fmt(Math.floor(r), 0)}`;
}

/**
 * Mount an RNN gradient prediction on an element.
 *
 * @param {HTMLElement} element - Its mount point (emptied first).
 * @param {{seed: number, grid: object, onResult?: (result: RnnResult) => void}}
 *   options - The problem's seed (an integer in [0, 2^32 - 1]), the
 *   explorer's grid (reviewkit.rnn.explorer.precompute()'s output) and a
 *   function called once, when the prediction has been checked.
 * @returns {{problem: ReturnType<typeof rnnProblem>, element: HTMLElement}}
 *   The setting shown (with its verdict) and the element.
 */
export function mountRnnPractice(element, { seed, grid, onResult } = {}) {
  const problem = rnnProblem(seed, grid);
  const id = `rk-rnn-practice-${++counter}`;
  element.replaceChildren();
  element.classList.add("rk-practice", "rk-ready");
  const loss = problem.lastStepOnly ? "the loss on the last step only" : "a loss on every step";
  const setting = el("p", { class: "rk-task" }, [
    "An untrained vanilla RNN with ",
    el("strong", { text: problem.nonlinearity }),
    ", recurrent weights of scale ",
    el("strong", { text: String(problem.scale) }),
    ", sequences of ",
    el("strong", { text: `T = ${problem.T}` }),
    " steps and ",
    el("strong", { text: loss }),
    ". How does the gradient at the first step, |\u2202L/\u2202h\u2081|, compare with the one " +
      "at the last step, |\u2202L/\u2202h_T|?",
  ]);
  const rule = el("div", { class: "rk-rule" }, [
    el("p", { text: "The rule this practice uses:" }),
    el("ul", {}, thresholdsText().map((s) => el("li", { text: s }))),
    el("p", { text: "Settings in between (a factor from 10 to 100) are never drawn." }),
  ]);
  const name = `${id}-verdict`;
  const radios = VERDICTS.map((v) => {
    const radio = el("input", { type: "radio", name, id: `${name}-${v}`, value: v });
    return [radio, el("span", { class: "rk-radio" }, [radio, el("label", { for: radio.id, text: LABELS[v] })])];
  });
  const button = el("button", { type: "button", class: "rk-button", "data-rk": "check-rnn", text: "Check" });
  const feedback = el("div", { class: "rk-feedback", role: "status" });
  const figure = el("div", { class: "rk-curve-box", hidden: true });
  const fieldset = el("fieldset", { class: "rk-step", "data-rk-part": "prediction" }, [
    el("legend", { text: "Your prediction" }),
    ...radios.map(([, span]) => span),
    button,
  ]);
  element.append(setting, rule, fieldset, feedback, figure);

  button.addEventListener("click", () => {
    const chosen = radios.find(([radio]) => radio.checked);
    if (!chosen) {
      feedback.textContent = "Pick one of the three first.";
      return;
    }
    const answer = chosen[0].value;
    const correct = answer === problem.verdict;
    feedback.replaceChildren(
      el("p", {
        text: `${correct ? "Right" : "Not quite"}: the gradient ${NAMES[problem.verdict]}` +
          (correct ? "." : ` (you said it ${NAMES[answer]}).`),
      }),
      el("p", { text: `${ratioText(problem.r)}.` }),
    );
    fieldset.classList.add(correct ? "rk-right" : "rk-wrong");
    for (const [radio] of radios) radio.disabled = true;
    button.disabled = true;
    const title = `Log-scale plot of |\u2202L/\u2202h_t| against t = 1 to ${problem.T} for ` +
      `${problem.nonlinearity}, weight scale ${problem.scale}, ${loss}: it ${NAMES[problem.verdict]}.`;
    figure.replaceChildren(
      curveFigure(problem.grad, { titleId: `${id}-curve-title`, title }),
      el("p", { class: "rk-tree-key", text: "The solid line is |\u2202L/\u2202h_t| at every step; the dots mark t = 1 and t = T." }),
    );
    figure.hidden = false;
    feedback.setAttribute("tabindex", "-1");
    feedback.focus();
    if (onResult) onResult({ kind: "rnn", seed: problem.seed, correct, answer, verdict: problem.verdict });
  });
  return { problem, element };
}
