/* reviewkit beam-search stepper: greedy, beam and exhaustive search over a
 * small tree of next-word probabilities, step by step, in the browser.
 *
 * The tree comes as JSON (written into the page at build time by
 * docs/_ext/beam_stepper.py from reviewkit's worked example):
 *   {"vocab": [...], "depth": T,
 *    "nodes": [{"prefix": [...], "probs": [...], "log_probs": [...]}, ...]}
 *
 * A sequence's score is its total log-probability,
 *   s(y_1..y_t) = s(y_1..y_{t-1}) + log p(y_t | y_<t),
 * added in that order, as reviewkit's Python decoders add it, so both give
 * the same floating-point numbers. Ties are broken as in reviewkit:
 *   greedy      - the lower token id;
 *   beam        - the higher score first; among equal scores the candidate
 *                 from the better-ranked parent, then the lower token id
 *                 (the lower index in the flattened (k, M) candidate grid);
 *   exhaustive  - equal scores in lexicographic order of the tokens.
 *
 * window.reviewkitStepper.run(tree, k[, length]) returns all three results
 * with every step's candidates, so tests can compare them with Python.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- model

  function key(prefix) {
    return prefix.join(",");
  }

  function fail(Kind, message) {
    throw new Kind("reviewkitStepper: " + message);
  }

  /** Check the JSON tree and index its nodes by prefix. */
  function parseTree(data) {
    if (typeof data === "string") data = JSON.parse(data);
    if (!data || !Array.isArray(data.vocab) || !Array.isArray(data.nodes)) {
      fail(TypeError, "tree must be an object with 'vocab' and 'nodes' arrays, got " +
        JSON.stringify(data));
    }
    const M = data.vocab.length;
    const T = data.depth;
    if (M < 1) fail(RangeError, "tree.vocab must hold at least one word, got none");
    if (!Number.isInteger(T) || T < 1) {
      fail(RangeError, "tree.depth must be an integer >= 1, got " + T);
    }
    const logp = new Map();
    const probs = new Map();
    for (const node of data.nodes) {
      const p = node.probs.map(Number);
      if (p.length !== M || p.some((x) => !(x > 0))) {
        fail(RangeError, "tree node " + JSON.stringify(node.prefix) + " must hold " + M +
          " positive probabilities, got " + JSON.stringify(node.probs));
      }
      const lp = Array.isArray(node.log_probs) ? node.log_probs.map(Number) : p.map(Math.log);
      probs.set(key(node.prefix), p);
      logp.set(key(node.prefix), lp);
    }
    return { vocab: data.vocab.slice(), M: M, T: T, probs: probs, logp: logp };
  }

  function logProbs(tree, prefix) {
    const lp = tree.logp.get(key(prefix));
    if (!lp) fail(RangeError, "the tree has no distribution for prefix [" + key(prefix) + "]");
    return lp;
  }

  function checkLength(tree, length) {
    if (length === undefined) return tree.T;
    if (!Number.isInteger(length) || length < 1 || length > tree.T) {
      fail(RangeError, "length must be an integer in [1, " + tree.T + "], got " + length);
    }
    return length;
  }

  /** Greedy decoding: the most likely next word at every step. */
  function greedy(tree, length) {
    const T = checkLength(tree, length);
    let tokens = [];
    let score = 0;
    const steps = [];
    for (let t = 0; t < T; t++) {
      const lp = logProbs(tree, tokens);
      let best = 0;
      for (let v = 1; v < tree.M; v++) if (lp[v] > lp[best]) best = v; // ties: lower id
      const candidates = [], scores = [], kept = [], rank = [];
      for (let v = 0; v < tree.M; v++) {
        candidates.push(tokens.concat([v]));
        scores.push(score + lp[v]);
        kept.push(v === best);
        rank.push(v === best ? 0 : null);
      }
      steps.push({ step: t + 1, candidates: candidates, scores: scores, kept: kept, rank: rank });
      score = score + lp[best];
      tokens = tokens.concat([best]);
    }
    return { tokens: tokens, score: score, steps: steps };
  }

  /** Beam search with beam width k; every step's candidates in grid order. */
  function beam(tree, k, length) {
    const T = checkLength(tree, length);
    if (!Number.isInteger(k) || k < 1) {
      fail(RangeError, "k (the beam width) must be an integer >= 1, got " + k);
    }
    let beamSeqs = [[]];
    let beamScores = [0];
    const steps = [];
    for (let t = 0; t < T; t++) {
      const candidates = [], scores = [];
      for (let b = 0; b < beamSeqs.length; b++) { // grid order: parent rank, token id
        const lp = logProbs(tree, beamSeqs[b]);
        for (let v = 0; v < tree.M; v++) {
          candidates.push(beamSeqs[b].concat([v]));
          // s(y_1..y_t) = s(y_1..y_{t-1}) + log p(y_t | y_<t)
          scores.push(beamScores[b] + lp[v]);
        }
      }
      const order = candidates.map((_, i) => i);
      order.sort((i, j) => (scores[j] - scores[i]) || (i - j));
      const width = Math.min(k, candidates.length);
      const rank = candidates.map(() => null);
      order.slice(0, width).forEach((i, r) => { rank[i] = r; });
      steps.push({
        step: t + 1, candidates: candidates, scores: scores,
        kept: rank.map((r) => r !== null), rank: rank,
      });
      beamSeqs = order.slice(0, width).map((i) => candidates[i]);
      beamScores = order.slice(0, width).map((i) => scores[i]);
    }
    return {
      hypotheses: beamSeqs.map((s, i) => ({ tokens: s, score: beamScores[i] })),
      steps: steps,
    };
  }

  /** Exhaustive search: score all M^t prefixes at every step, rank at the end. */
  function exhaustive(tree, length) {
    const T = checkLength(tree, length);
    let seqs = [[]];
    let scores = [0];
    const steps = [];
    for (let t = 0; t < T; t++) {
      const next = [], nextScores = [];
      for (let i = 0; i < seqs.length; i++) { // stays in lexicographic order
        const lp = logProbs(tree, seqs[i]);
        for (let v = 0; v < tree.M; v++) {
          next.push(seqs[i].concat([v]));
          nextScores.push(scores[i] + lp[v]);
        }
      }
      seqs = next;
      scores = nextScores;
      const order = seqs.map((_, i) => i);
      order.sort((i, j) => (scores[j] - scores[i]) || (i - j)); // ties: lexicographic
      const rank = seqs.map(() => null);
      order.forEach((i, r) => { rank[i] = r; });
      steps.push({
        step: t + 1, candidates: seqs, scores: scores,
        kept: seqs.map(() => true), rank: rank,
      });
    }
    const last = steps[steps.length - 1];
    const hypotheses = last.candidates.map((s, i) => ({ tokens: s, score: last.scores[i] }));
    hypotheses.sort((a, b) => (b.score - a.score)); // stable: keeps lexicographic ties
    return { hypotheses: hypotheses, steps: steps };
  }

  /** All three searches on one tree: what the tests compare with Python. */
  function run(treeData, k, length) {
    const tree = treeData && treeData.logp instanceof Map ? treeData : parseTree(treeData);
    return {
      greedy: greedy(tree, length),
      beam: beam(tree, k, length),
      exhaustive: exhaustive(tree, length),
    };
  }

  // ---------------------------------------------------------------- view

  const METHODS = [
    ["greedy", "Greedy"],
    ["beam", "Beam search"],
    ["exhaustive", "Exhaustive search"],
  ];
  let counter = 0;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function fmt(x, digits) {
    return x.toFixed(digits).replace("-", "\u2212");
  }

  function round(x) {
    return Number(x.toFixed(12)); // keeps 0.45 as 0.45 after 1 - 0.55
  }

  /** Set word `v` of node `prefix` to p; rescale its siblings to keep the sum 1. */
  function setProbability(data, prefix, v, p) {
    const node = data.nodes.find((n) => key(n.prefix) === key(prefix));
    const others = node.probs.reduce((s, x, i) => (i === v ? s : s + x), 0);
    node.probs = node.probs.map((x, i) => (i === v ? p : round(x * (1 - p) / others)));
    if (node.probs.length === 2) node.probs[1 - v] = round(1 - p); // exactly 1 - p
    node.log_probs = node.probs.map(Math.log);
  }

  function Stepper(mount, original) {
    this.id = "rk-stepper-" + ++counter;
    this.original = original;
    this.data = JSON.parse(JSON.stringify(original));
    this.method = "beam";
    this.step = 1;
    this.mount = mount;
    this.build();
    this.render();
  }

  Stepper.prototype.words = function (tokens) {
    return tokens.length ? tokens.map((t) => this.data.vocab[t]).join(" ") : "(start)";
  };

  Stepper.prototype.build = function () {
    const id = this.id;
    const tree = parseTree(this.data);
    this.mount.replaceChildren();

    // Probabilities: one row per prefix, one input per word.
    const probTable = el("table", { class: "rk-probs" }, [
      el("caption", { text: "Next-word probabilities after each prefix" }),
    ]);
    const head = el("tr", {}, [el("th", { scope: "col", text: "after" })]);
    this.data.vocab.forEach((w) => head.append(el("th", { scope: "col", text: "p(" + w + ")" })));
    probTable.append(el("thead", {}, [head]));
    const body = el("tbody");
    this.inputs = [];
    this.data.nodes.forEach((node) => {
      const row = el("tr", {}, [el("th", { scope: "row", text: this.words(node.prefix) })]);
      node.probs.forEach((p, v) => {
        const input = el("input", {
          type: "number", min: "0.01", max: "0.99", step: "0.01",
          id: id + "-p-" + key(node.prefix).replace(/,/g, "-") + "-" + v,
          "data-prefix": key(node.prefix), "data-token": String(v),
          "aria-label": "probability of " + this.data.vocab[v] + " after " + this.words(node.prefix),
          "aria-describedby": id + "-hint",
        });
        input.addEventListener("change", () => this.onProbability(input, node.prefix, v));
        this.inputs.push(input);
        row.append(el("td", {}, [input]));
      });
      body.append(row);
    });
    probTable.append(body);
    const hint = el("p", {
      class: "rk-hint", id: id + "-hint",
      text: tree.M === 2
        ? "Change one probability and the other word after the same prefix gets 1 minus it."
        : "Change one probability and the others after the same prefix are rescaled in proportion, so they still sum to 1.",
    });

    // Settings: beam width, method, steps.
    const maxK = Math.pow(tree.M, tree.T);
    this.kInput = el("input", {
      type: "number", id: id + "-k", min: "1", max: String(maxK), step: "1", value: "2",
      "data-rk": "k",
    });
    this.kInput.addEventListener("change", () => this.onK());
    const methods = el("fieldset", { class: "rk-methods" }, [el("legend", { text: "Search" })]);
    this.radios = {};
    for (const [value, label] of METHODS) {
      const radio = el("input", {
        type: "radio", name: id + "-method", id: id + "-m-" + value, value: value,
        checked: value === this.method,
      });
      radio.addEventListener("change", () => { if (radio.checked) this.setMethod(value); });
      this.radios[value] = radio;
      methods.append(el("span", { class: "rk-radio" }, [
        radio, el("label", { for: radio.id, text: label }),
      ]));
    }
    const button = (name, text) => {
      const b = el("button", { type: "button", class: "rk-button", "data-rk": name, text: text });
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
  };

  Stepper.prototype.onProbability = function (input, prefix, v) {
    const p = Number(input.value);
    if (input.value === "" || !(p >= 0.01 && p <= 0.99)) {
      this.status.textContent = "A probability must be a number from 0.01 to 0.99; got " +
        JSON.stringify(input.value) + ", so the old value is back.";
      this.fillInputs();
      return;
    }
    setProbability(this.data, prefix, v, p);
    this.render();
  };

  Stepper.prototype.onK = function () {
    const max = Number(this.kInput.max);
    let k = Number(this.kInput.value);
    if (!Number.isInteger(k) || k < 1 || k > max) {
      k = Math.min(max, Math.max(1, Math.round(k) || 1));
      this.kInput.value = String(k);
    }
    this.render();
  };

  Stepper.prototype.setMethod = function (method) {
    this.method = method;
    this.render();
  };

  Stepper.prototype.onButton = function (name, buttonEl) {
    const T = this.data.depth;
    if (buttonEl.getAttribute("aria-disabled") === "true") return;
    if (name === "prev") this.step = Math.max(1, this.step - 1);
    if (name === "next") this.step = Math.min(T, this.step + 1);
    if (name === "last") this.step = T;
    if (name === "reset") {
      this.data = JSON.parse(JSON.stringify(this.original));
      this.step = 1;
    }
    this.render();
  };

  Stepper.prototype.fillInputs = function () {
    for (const input of this.inputs) {
      const node = this.data.nodes.find((n) => key(n.prefix) === input.dataset.prefix);
      input.value = String(Number(node.probs[Number(input.dataset.token)].toFixed(4)));
    }
  };

  Stepper.prototype.render = function () {
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
    const step = (this.method === "exhaustive" ? result.exhaustive
      : this.method === "greedy" ? result.greedy : result.beam).steps[this.step - 1];
    const label = this.method === "beam" ? name + " with k = " + k : name;
    this.status.textContent = label + ", step " + this.step + " of " + T + ": " +
      step.candidates.length + " candidates, " + step.kept.filter(Boolean).length + " kept.";

    // What the search held before this step.
    let held;
    if (this.step === 1) held = ["(start), log-probability 0"];
    else {
      const prev = (this.method === "exhaustive" ? result.exhaustive
        : this.method === "greedy" ? result.greedy : result.beam).steps[this.step - 2];
      held = prev.candidates
        .map((c, i) => [c, prev.scores[i], prev.rank[i]])
        .filter((x) => x[2] !== null)
        .sort((a, b) => a[2] - b[2])
        .map((x) => this.words(x[0]) + " (" + fmt(x[1], 3) + ")");
    }
    this.before.textContent = "Held before step " + this.step + ": " + held.join(", ") + ".";

    // This step's candidates, best first.
    const caption = el("caption", {
      text: label + ", step " + this.step + ": every candidate, best first",
    });
    const headRow = el("tr", {}, ["candidate", "extends", "log-probability", "probability", "kept?"]
      .map((h) => el("th", { scope: "col", text: h })));
    const rows = el("tbody");
    const order = step.candidates.map((_, i) => i)
      .sort((i, j) => (step.scores[j] - step.scores[i]) || (i - j));
    for (const i of order) {
      const c = step.candidates[i];
      let verdict = step.kept[i] ? "kept (rank " + (step.rank[i] + 1) + ")" : "dropped";
      if (this.method === "exhaustive") verdict = "rank " + (step.rank[i] + 1);
      rows.append(el("tr", { class: step.kept[i] && this.method !== "exhaustive" ? "rk-kept" : (step.kept[i] ? "" : "rk-dropped") }, [
        el("th", { scope: "row", text: this.words(c) }),
        el("td", { text: this.words(c.slice(0, -1)) }),
        el("td", { class: "rk-num", text: fmt(step.scores[i], 3) }),
        el("td", { class: "rk-num", text: Math.exp(step.scores[i]).toFixed(4) }),
        el("td", { text: verdict }),
      ]));
    }
    this.stepTable.replaceChildren(caption, el("thead", {}, [headRow]), rows);
    this.drawTree(tree, step, label);

    // What each search returns, and where that sits among all sequences.
    const all = result.exhaustive.hypotheses;
    const rankOf = (tokens) => 1 + all.findIndex((h) => key(h.tokens) === key(tokens));
    const returned = [
      ["Greedy", result.greedy.tokens, result.greedy.score],
      ["Beam search, k = " + k, result.beam.hypotheses[0].tokens, result.beam.hypotheses[0].score],
      ["Exhaustive search", all[0].tokens, all[0].score],
    ];
    const resultRows = el("tbody", {}, returned.map(([m, tokens, score]) => el("tr", {}, [
      el("th", { scope: "row", text: m }),
      el("td", { text: this.words(tokens) }),
      el("td", { class: "rk-num", text: fmt(score, 3) }),
      el("td", { class: "rk-num", text: rankOf(tokens) + " of " + all.length }),
    ])));
    this.results.replaceChildren(
      el("caption", { text: "What each search returns after all " + T + " steps" }),
      el("thead", {}, [el("tr", {}, ["search", "sequence", "log-probability", "rank"]
        .map((h) => el("th", { scope: "col", text: h })))]),
      resultRows,
    );
    const best = all[0].tokens;
    const dropped = result.beam.steps.findIndex((st) => !st.candidates.some(
      (c, i) => st.kept[i] && key(c) === key(best.slice(0, st.step))));
    this.summary.textContent = dropped < 0
      ? "Beam search with k = " + k + " finds the most likely sequence, " +
        this.words(best) + ", on this tree."
      : "Beam search with k = " + k + " misses the most likely sequence, " +
        this.words(best) + ": its prefix " + this.words(best.slice(0, dropped + 1)) +
        " falls out of the beam at step " + (dropped + 1) + ".";
  };


  const SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The tree to depth T, this step's candidates marked kept or dropped and
   * the paths to what the search held before the step drawn thick. */
  Stepper.prototype.drawTree = function (tree, step, label) {
    const M = tree.M, T = tree.T, leaves = Math.pow(M, T);
    if (leaves > 32) { // too many leaves to read; the tables say it all
      this.figure.replaceChildren();
      return;
    }
    const W = 640, top = 22, dy = 84, H = top + T * dy + 30;
    const x = (prefix) => { // centre of the block of leaves below the prefix
      let first = 0;
      prefix.forEach((t, i) => { first += t * Math.pow(M, T - 1 - i); });
      const width = Math.pow(M, T - prefix.length);
      return ((first + (width - 1) / 2 + 0.5) / leaves) * W;
    };
    const y = (prefix) => top + prefix.length * dy;
    const state = new Map(); // prefix key -> "kept" | "dropped" | "held"
    step.candidates.forEach((c, i) => state.set(key(c), step.kept[i] ? "kept" : "dropped"));
    step.candidates.forEach((c) => { // the paths that led to the candidates
      for (let t = 1; t < c.length; t++) state.set(key(c.slice(0, t)), "held");
    });
    const keptWords = [], droppedWords = [];
    step.candidates.forEach((c, i) => (step.kept[i] ? keptWords : droppedWords).push(this.words(c)));
    const titleId = this.id + "-tree-title";
    const figure = svg("svg", {
      viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": titleId,
      class: "rk-tree-svg",
    });
    figure.append(svg("title", { id: titleId },
      "Tree diagram, " + label + ", step " + step.step + ": " +
      (keptWords.length ? "kept " + keptWords.join(", ") : "") +
      (droppedWords.length ? "; dropped " + droppedWords.join(", ") : "") + "."));
    const edges = svg("g", {}), labels = svg("g", {}), marks = svg("g", {});
    const walk = (prefix) => {
      if (prefix.length === T) return;
      const p = tree.probs.get(key(prefix));
      for (let v = 0; v < M; v++) {
        const child = prefix.concat([v]);
        const s = state.get(key(child)) || "idle";
        edges.append(svg("line", {
          x1: x(prefix), y1: y(prefix), x2: x(child), y2: y(child), class: "rk-edge rk-" + s,
        }));
        // labels at 45% of the way down, clear of the scores under the nodes
        const mx = 0.55 * x(prefix) + 0.45 * x(child), my = 0.55 * y(prefix) + 0.45 * y(child);
        labels.append(svg("text", {
          x: mx + (v < (M - 1) / 2 ? -6 : 6), y: my,
          "text-anchor": v < (M - 1) / 2 ? "end" : "start", class: "rk-p",
        }, (M === 2 ? "" : this.data.vocab[v] + " ") + Number(p[v].toFixed(3))));
        walk(child);
      }
    };
    walk([]);
    const node = (prefix) => {
      const s = prefix.length ? state.get(key(prefix)) || "idle" : "held";
      marks.append(svg("circle", {
        cx: x(prefix), cy: y(prefix), r: prefix.length ? 6 : 5, class: "rk-node rk-" + s,
      }));
      if (prefix.length < T) for (let v = 0; v < M; v++) node(prefix.concat([v]));
    };
    node([]);
    step.candidates.forEach((c, i) => { // scores under this step's candidates
      marks.append(svg("text", {
        x: x(c), y: y(c) + 20, "text-anchor": "middle",
        class: "rk-score rk-" + (step.kept[i] ? "kept" : "dropped"),
      }, fmt(step.scores[i], 3)));
    });
    figure.append(edges, labels, marks);
    const words = M === 2 ? "left branch: " + this.data.vocab[0] + ", right branch: " +
      this.data.vocab[1] : "each edge: word and probability";
    this.figure.replaceChildren(figure, el("p", {
      class: "rk-tree-key",
      text: "In the tree: " + words + "; filled circles are kept, hollow ones dropped, " +
        "thick lines lead to what the search held; numbers under circles are " +
        "total log-probabilities.",
    }));
  };

  function mountAll() {
    const instances = [];
    for (const mount of document.querySelectorAll("[data-rk-stepper]")) {
      const script = mount.querySelector("script.rk-stepper-tree");
      if (!script) continue;
      const data = JSON.parse(script.textContent);
      parseTree(data); // fail loudly on a malformed tree
      instances.push(new Stepper(mount, data));
    }
    window.reviewkitStepper.instances = instances;
  }

  window.reviewkitStepper = {
    run: run,
    parseTree: parseTree,
    setProbability: setProbability,
    instances: [],
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
