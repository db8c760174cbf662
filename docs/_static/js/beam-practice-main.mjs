// Entry point of the beam-search practice page: runs the practice on every
// [data-rk-beam-practice] element, with the problem of the URL's ?seed=N.
//
// Test hook (the one this widget has): window.reviewkitBeamPractice, with
// problem(seed) -> {seed, k, data, found, mode, beams} (the tree as JSON and
// the answers, for comparing with reviewkit's Python decoders) and the
// running pages in `instances` (each with current() and seed()).

import { beamProblem } from "./beam-problem.mjs";
import { mountBeamPractice } from "./beam-practice.mjs";
import { runPracticePage } from "./practice-page.mjs";

function problem(seed) {
  const p = beamProblem(seed);
  const beams = p.steps.map((st) => st.candidates
    .map((tokens, i) => ({ tokens, score: st.scores[i], rank: st.rank[i] }))
    .filter((c) => c.rank !== null)
    .sort((a, b) => a.rank - b.rank)
    .map(({ tokens, score }) => ({ tokens, score })));
  return { seed: p.seed, k: p.k, data: p.data, found: p.found, mode: p.mode, beams };
}

function start() {
  for (const root of document.querySelectorAll("[data-rk-beam-practice]")) {
    window.reviewkitBeamPractice.instances.push(
      runPracticePage(root, { kind: "beam", noun: "tree", mount: mountBeamPractice }),
    );
  }
}

window.reviewkitBeamPractice = { problem, instances: [] };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
