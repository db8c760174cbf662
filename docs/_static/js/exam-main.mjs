// Entry point of the mock exam page: mounts the exam of the URL's ?seed=N on
// the page's `.rk-exam` (a fresh seed, written into the URL, if there is
// none), with the explorer's grid the page holds in
// <script type="application/json" class="rk-rnn-grid">.
//
// Test hook (the one this widget has): window.reviewkitExam, with the
// mounted exam's plan, score() (scores it, as the button does), showKey(on),
// facts() (what the printed exam must show: item titles, the complexity
// prompt, the tree's k and words, the gradient setting) and keyFacts() (the
// key's sentences), for comparing the web exam with its PDF.

import { mountBeamPractice } from "./beam-practice.mjs";
import { mountExam } from "./exam-widget.mjs";
import { freshSeed, seedFromQuery } from "./prng.mjs";
import { mountRnnPractice } from "./rnn-practice.mjs";

function start() {
  const root = document.querySelector(".rk-exam");
  if (!root) return;
  let seed = seedFromQuery(window.location.search);
  if (seed === null) {
    seed = freshSeed();
    const url = new URL(window.location.href);
    url.searchParams.set("seed", String(seed));
    window.history.replaceState(null, "", url);
  }
  const script = document.querySelector("script.rk-rnn-grid");
  const grid = script ? JSON.parse(script.textContent) : null;
  window.reviewkitExam = mountExam(root, {
    seed,
    grid,
    mountBeam: mountBeamPractice,
    mountRnn: mountRnnPractice,
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
