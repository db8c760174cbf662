// The tree diagram (SVG) the stepper and the beam practice draw: every
// prefix as a circle, every next word as an edge labelled with its
// probability, optionally one step's candidates marked kept or dropped.

import { el, svg } from "./dom.mjs";
import { fmt, spell } from "./format.mjs";
import { prefixKey } from "./tree.mjs";

/** Most leaves a diagram is drawn for; above it the tables say it all. */
export const MAX_LEAVES = 32;

/**
 * Draw a tree to its depth.
 *
 * With a step, that step's candidates are marked kept (filled) or dropped
 * (hollow), the paths to what the search held before it are drawn thick, and
 * each candidate's total log-probability is written under it. Without one,
 * only the probabilities are drawn (a problem to solve by hand).
 *
 * @param {import("./tree.mjs").Tree} tree - A parsed tree.
 * @param {{titleId: string, label?: string, maxLeaves?: number,
 *   step?: import("./search.mjs").Step | null}} options - `titleId` is the id
 *   of the SVG's <title> (unique on the page); `label` names the search in it;
 *   `maxLeaves` (MAX_LEAVES by default) is the most leaves to draw.
 * @returns {Element[]} The SVG and a paragraph explaining it, or [] if the
 *   tree has more than `maxLeaves` leaves.
 */
export function treeFigure(tree, { titleId, label = "", step = null, maxLeaves = MAX_LEAVES }) {
  const M = tree.M;
  const T = tree.T;
  const leaves = M ** T;
  if (leaves > maxLeaves) return [];
  const W = 640;
  const top = 22;
  const dy = 84;
  const H = top + T * dy + 30;
  const x = (prefix) => {
    // centre of the block of leaves below the prefix
    let first = 0;
    prefix.forEach((t, i) => {
      first += t * M ** (T - 1 - i);
    });
    const width = M ** (T - prefix.length);
    return ((first + (width - 1) / 2 + 0.5) / leaves) * W;
  };
  const y = (prefix) => top + prefix.length * dy;
  const state = new Map(); // prefix key -> "kept" | "dropped" | "held"
  const keptWords = [];
  const droppedWords = [];
  if (step) {
    step.candidates.forEach((c, i) => state.set(prefixKey(c), step.kept[i] ? "kept" : "dropped"));
    step.candidates.forEach((c) => {
      for (let t = 1; t < c.length; t++) state.set(prefixKey(c.slice(0, t)), "held");
    });
    step.candidates.forEach((c, i) => (step.kept[i] ? keptWords : droppedWords).push(spell(tree.vocab, c)));
  }
  const title = step
    ? `Tree diagram, ${label}, step ${step.step}: ` +
      (keptWords.length ? `kept ${keptWords.join(", ")}` : "") +
      (droppedWords.length ? `; dropped ${droppedWords.join(", ")}` : "") +
      "."
    : `Tree diagram of the next-word probabilities, ${T} words deep.`;
  const figure = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    role: "img",
    "aria-labelledby": titleId,
    class: "rk-tree-svg",
  });
  figure.append(svg("title", { id: titleId }, title));
  const edges = svg("g", {});
  const labels = svg("g", {});
  const marks = svg("g", {});
  const walk = (prefix) => {
    if (prefix.length === T) return;
    const p = tree.probs.get(prefixKey(prefix));
    for (let v = 0; v < M; v++) {
      const child = prefix.concat([v]);
      const s = state.get(prefixKey(child)) || "idle";
      edges.append(svg("line", {
        x1: x(prefix), y1: y(prefix), x2: x(child), y2: y(child), class: `rk-edge rk-${s}`,
      }));
      // labels at 45% of the way down, clear of the scores under the nodes
      const mx = 0.55 * x(prefix) + 0.45 * x(child);
      const my = 0.55 * y(prefix) + 0.45 * y(child);
      const left = v < (M - 1) / 2;
      labels.append(svg("text", {
        x: mx + (left ? -6 : 6), y: my, "text-anchor": left ? "end" : "start", class: "rk-p",
      }, (M === 2 ? "" : `${tree.vocab[v]} `) + Number(p[v].toFixed(3))));
      walk(child);
    }
  };
  walk([]);
  const node = (prefix) => {
    const s = prefix.length ? state.get(prefixKey(prefix)) || "idle" : "held";
    marks.append(svg("circle", {
      cx: x(prefix), cy: y(prefix), r: prefix.length ? 6 : 5, class: `rk-node rk-${s}`,
    }));
    if (prefix.length < T) for (let v = 0; v < M; v++) node(prefix.concat([v]));
  };
  node([]);
  if (step) {
    step.candidates.forEach((c, i) => {
      marks.append(svg("text", {
        x: x(c), y: y(c) + 20, "text-anchor": "middle",
        class: `rk-score rk-${step.kept[i] ? "kept" : "dropped"}`,
      }, fmt(step.scores[i], 3)));
    });
  }
  figure.append(edges, labels, marks);
  const words = M === 2
    ? `left branch: ${tree.vocab[0]}, right branch: ${tree.vocab[1]}`
    : "each edge: word and probability";
  const key = step
    ? `In the tree: ${words}; filled circles are kept, hollow ones dropped, ` +
      "thick lines lead to what the search held; numbers under circles are " +
      "total log-probabilities."
    : `In the tree: ${words}; each edge carries the probability of its word ` +
      "after the prefix above it.";
  return [figure, el("p", { class: "rk-tree-key", text: key })];
}
