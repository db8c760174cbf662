// The beam-search stepper widget (DOM): edit a tree's probabilities, pick
// greedy, beam or exhaustive search and walk through it step by step. The
// searches are search.mjs; this module only draws and listens.

import { el } from "./dom.mjs";
import { fmt, spell } from "./format.mjs";
import { dropStep, run } from "./search.mjs";
import { treeFigure } from "./tree-figure.mjs";
import { parseTree, prefixKey, setProbability } from "./tree.mjs";

const METHODS = [
  ["greedy", "Greedy"],
  ["beam", "Beam search"],
  ["exhaustive", "Exhaustive search"],
];
let counter = 0;

/** One stepper on the page, bound to its mount point. */
class Stepper {
  constructor(mount, original) {
    this.id = `rk-stepper-${++counter}`;
    this.original = original;
    this.data = structuredClone(original);
    this.method = "beam";
    this.step = 1;
    this.mount = mount;
    this.build();
    this.render();
  }

  words(tokens) {
    return spell(this.data.vocab, tokens);
  }

  build() {
    const id = this.id;
    const tree = parseTree(this.data);
    this.mount.replaceChildren();

    // Probabilities: one row per prefix, one input per word.
    const probTable = el("table", { class: "rk-probs" }, [
      el("caption", { text: "Next-word probabilities after each prefix" }),
    ]);
    const head = el("tr", {}, [el("th", { scope: "col", text: "after" })]);
    this.data.vocab.forEach((w) => head.append(el("th", { scope: "col", text: `p(${w})` })));
    probTable.append(el("thead", {}, [head]));
    const body = el("tbody");
    this.inputs = [];
    this.data.nodes.forEach((node) => {
      const row = el("tr", {}, [el("th", { scope: "row", text: this.words(node.prefix) })]);
      node.probs.forEach((p, v) => {
        const input = el("input", {
          type: "number", min: "0.01", max: "0.99", step: "0.01",
          id: `${id}-p-${prefixKey(node.prefix).replace(/,/g, "-")}-${v}`,
          "data-prefix": prefixKey(node.prefix), "data-token": String(v),
          "aria-label": `probability of ${this.data.vocab[v]} after ${this.words(node.prefix)}`,
          "aria-describedby": `${id}-hint`,
        });
        input.addEventListener("change", () => this.onProbability(input, node.prefix, v));
        this.inputs.push(input);
        row.append(el("td", {}, [input]));
      });
      body.append(row);
    });
    probTable.append(body);
    const hint = el("p", {
      class: "rk-hint", id: `${id}-hint`,
      text: tree.M === 2
        ? "Change one probability and the other word after the same prefix gets 1 minus it."
        : "Change one probability and the others after the same prefix are rescaled in proportion, so they still sum to 1.",
    });

    // Settings: beam width, method, steps.
    this.kInput = el("input", {
      type: "number", id: `${id}-k`, min: "1", max: String(tree.M ** tree.T), step: "1",
      value: "2", "data-rk": "k",
    });
    this.kInput.addEventListener("change", () => this.onK());
    const methods = el("fieldset", { class: "rk-methods" }, [el("legend", { text: "Search" })]);
    this.radios = {};
    for (const [value, label] of METHODS) {
      const radio = el("input", {
        type: "radio", name: `${id}-method`, id: `${id}-m-${value}`, value,
        checked: value === this.method,
      });
      radio.addEventListener("change", () => {
        if (radio.checked) this.setMethod(value);
      });
      this.radios[value] = radio;
      methods.append(el("span", { class: "rk-radio" }, [
        radio, el("label", { for: radio.id, text: label }),
      ]));
    }
    const button = (name, text) => {
      const b = el("button", { type: "button", class: "rk-button", "data-rk": name, text });
      b.addEventListener("click", () => this.onButton(name, b));
      return b;
    };
    this.buttons = {
      prev: button("prev", "\u2190 Previous step"),
      next: button("next", "Next step \u2192"),
      last: button("last", "Last step"),
      reset: button("reset", "Reset the tree"),
    };
    const controls = el("div", { class: "rk-controls" }, [
      el("span", { class: "rk-k" }, [
        el("label", { for: this.kInput.id, text: "Beam width k" }), this.kInput,
      ]),
      methods,
      el("div", { class: "rk-buttons" }, [
        this.buttons.prev, this.buttons.next, this.buttons.last, this.buttons.reset,
      ]),
    ]);

    this.status = el("p", { class: "rk-status", role: "status", "aria-live": "polite" });
    this.before = el("p", { class: "rk-before" });
    this.stepTable = el("table", { class: "rk-steps" });
    this.figure = el("div", { class: "rk-tree" });
    this.results = el("table", { class: "rk-results" });
    this.summary = el("p", { class: "rk-summary" });
    const scroll = (table, label) => el("div", {
      class: "rk-scroll", tabindex: "0", role: "region", "aria-label": label,
    }, [table]);

    this.mount.append(
      el("div", { class: "rk-editor" }, [scroll(probTable, "Probabilities"), hint]),
      controls,
      this.status,
      this.before,
      this.figure,
      scroll(this.stepTable, "Candidates at this step"),
      scroll(this.results, "What each search returns"),
      this.summary,
    );
    this.mount.classList.add("rk-ready");
  }

  onProbability(input, prefix, v) {
    const p = Number(input.value);
    if (input.value === "" || !(p >= 0.01 && p <= 0.99)) {
      this.status.textContent = "A probability must be a number from 0.01 to 0.99; got " +
        `${JSON.stringify(input.value)}, so the old value is back.`;
      this.fillInputs();
      return;
    }
    setProbability(this.data, prefix, v, p);
    this.render();
  }

  onK() {
    const max = Number(this.kInput.max);
    let k = Number(this.kInput.value);
    if (!Number.isInteger(k) || k < 1 || k > max) {
      k = Math.min(max, Math.max(1, Math.round(k) || 1));
      this.kInput.value = String(k);
    }
    this.render();
  }

  setMethod(method) {
    this.method = method;
    this.render();
  }

  onButton(name, buttonEl) {
    const T = this.data.depth;
    if (buttonEl.getAttribute("aria-disabled") === "true") return;
    if (name === "prev") this.step = Math.max(1, this.step - 1);
    if (name === "next") this.step = Math.min(T, this.step + 1);
    if (name === "last") this.step = T;
    if (name === "reset") {
      this.data = structuredClone(this.original);
      this.step = 1;
    }
    this.render();
  }

  fillInputs() {
    for (const input of this.inputs) {
      const node = this.data.nodes.find((n) => prefixKey(n.prefix) === input.dataset.prefix);
      input.value = String(Number(node.probs[Number(input.dataset.token)].toFixed(4)));
    }
  }

  render() {
    const tree = parseTree(this.data);
    const k = Number(this.kInput.value);
    const result = run(tree, k);
    this.result = result;
    this.fillInputs();
    const T = tree.T;
    this.buttons.prev.setAttribute("aria-disabled", String(this.step <= 1));
    this.buttons.next.setAttribute("aria-disabled", String(this.step >= T));
    this.buttons.last.setAttribute("aria-disabled", String(this.step >= T));

    const name = METHODS.find((m) => m[0] === this.method)[1];
    const steps = result[this.method].steps;
    const step = steps[this.step - 1];
    const label = this.method === "beam" ? `${name} with k = ${k}` : name;
    this.status.textContent = `${label}, step ${this.step} of ${T}: ` +
      `${step.candidates.length} candidates, ${step.kept.filter(Boolean).length} kept.`;

    // What the search held before this step.
    let held;
    if (this.step === 1) held = ["(start), log-probability 0"];
    else {
      const prev = steps[this.step - 2];
      held = prev.candidates
        .map((c, i) => [c, prev.scores[i], prev.rank[i]])
        .filter((x) => x[2] !== null)
        .sort((a, b) => a[2] - b[2])
        .map((x) => `${this.words(x[0])} (${fmt(x[1], 3)})`);
    }
    this.before.textContent = `Held before step ${this.step}: ${held.join(", ")}.`;

    // This step's candidates, best first.
    const caption = el("caption", {
      text: `${label}, step ${this.step}: every candidate, best first`,
    });
    const headRow = el("tr", {}, ["candidate", "extends", "log-probability", "probability", "kept?"]
      .map((h) => el("th", { scope: "col", text: h })));
    const rows = el("tbody");
    const order = step.candidates.map((_, i) => i)
      .sort((i, j) => step.scores[j] - step.scores[i] || i - j);
    const exhaustive = this.method === "exhaustive";
    for (const i of order) {
      const c = step.candidates[i];
      let verdict = step.kept[i] ? `kept (rank ${step.rank[i] + 1})` : "dropped";
      if (exhaustive) verdict = `rank ${step.rank[i] + 1}`;
      const cls = step.kept[i] ? (exhaustive ? "" : "rk-kept") : "rk-dropped";
      rows.append(el("tr", { class: cls }, [
        el("th", { scope: "row", text: this.words(c) }),
        el("td", { text: this.words(c.slice(0, -1)) }),
        el("td", { class: "rk-num", text: fmt(step.scores[i], 3) }),
        el("td", { class: "rk-num", text: Math.exp(step.scores[i]).toFixed(4) }),
        el("td", { text: verdict }),
      ]));
    }
    this.stepTable.replaceChildren(caption, el("thead", {}, [headRow]), rows);
    this.figure.replaceChildren(...treeFigure(tree, {
      titleId: `${this.id}-tree-title`, label, step,
    }));

    // What each search returns, and where that sits among all sequences.
    const all = result.exhaustive.hypotheses;
    const rankOf = (tokens) => 1 + all.findIndex((h) => prefixKey(h.tokens) === prefixKey(tokens));
    const returned = [
      ["Greedy", result.greedy.tokens, result.greedy.score],
      [`Beam search, k = ${k}`, result.beam.hypotheses[0].tokens, result.beam.hypotheses[0].score],
      ["Exhaustive search", all[0].tokens, all[0].score],
    ];
    const resultRows = el("tbody", {}, returned.map(([m, tokens, score]) => el("tr", {}, [
      el("th", { scope: "row", text: m }),
      el("td", { text: this.words(tokens) }),
      el("td", { class: "rk-num", text: fmt(score, 3) }),
      el("td", { class: "rk-num", text: `${rankOf(tokens)} of ${all.length}` }),
    ])));
    this.results.replaceChildren(
      el("caption", { text: `What each search returns after all ${T} steps` }),
      el("thead", {}, [el("tr", {}, ["search", "sequence", "log-probability", "rank"]
        .map((h) => el("th", { scope: "col", text: h })))]),
      resultRows,
    );
    const best = all[0].tokens;
    const drop = dropStep(result.beam.steps, best);
    this.summary.textContent = drop === 0
      ? `Beam search with k = ${k} finds the most likely sequence, ${this.words(best)}, on this tree.`
      : `Beam search with k = ${k} misses the most likely sequence, ${this.words(best)}: ` +
        `its prefix ${this.words(best.slice(0, drop))} falls out of the beam at step ${drop}.`;
  }
}

/**
 * Mount a stepper on an element.
 *
 * @param {HTMLElement} element - Its mount point (emptied first).
 * @param {import("./tree.mjs").TreeData} data - The tree to start from;
 *   "Reset the tree" goes back to it.
 * @returns {Stepper} The stepper (its `result` holds the current searches).
 */
export function mountStepper(element, data) {
  parseTree(data); // fail loudly on a malformed tree
  return new Stepper(element, data);
}
