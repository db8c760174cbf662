// Entry point of the RNN practice page: runs the practice on every
// [data-rk-rnn-practice] element, with the grid the page holds in
// <script type="application/json" class="rk-rnn-grid"> (printed by one of
// its cells from reviewkit.rnn.explorer.precompute()) and the problem of the
// URL's ?seed=N.
//
// Test hook (the one this widget has): window.reviewkitRnnPractice, with
// problem(seed) (the setting and its verdict), the thresholds
// {vanishAt, explodeAt, flatWithin}, and the running pages in `instances`.

import { runPracticePage } from "./practice-page.mjs";
import { EXPLODE_AT, FLAT_WITHIN, VANISH_AT, rnnProblem } from "./rnn-problem.mjs";
import { mountRnnPractice } from "./rnn-practice.mjs";

function start() {
  const script = document.querySelector("script.rk-rnn-grid");
  const grid = script ? JSON.parse(script.textContent) : null;
  window.reviewkitRnnPractice.problem = (seed) => rnnProblem(seed, grid);
  for (const root of document.querySelectorAll("[data-rk-rnn-practice]")) {
    if (!grid) {
      root.textContent = "The gradient practice needs the grid this page holds, and it is missing.";
      continue;
    }
    window.reviewkitRnnPractice.instances.push(runPracticePage(root, {
      kind: "rnn",
      noun: "setting",
      mount: (element, options) => mountRnnPractice(element, { ...options, grid }),
    }));
  }
}

window.reviewkitRnnPractice = {
  thresholds: { vanishAt: VANISH_AT, explodeAt: EXPLODE_AT, flatWithin: FLAT_WITHIN },
  instances: [],
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
