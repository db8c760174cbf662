// The beam chapter's model as plain data: a tree of next-word probabilities.
//
// A tree comes as JSON, the format docs/_ext/beam_stepper.py writes from a
// reviewkit.beam.TreeLanguageModel (tree_to_json) and tests/js/fixtures hold:
//   {"vocab": [...], "depth": T,
//    "nodes": [{"prefix": [...], "probs": [...], "log_probs": [...]}, ...]}
// `log_probs` is optional: when present they are Python's math.log of the
// probabilities, the very numbers reviewkit's decoders add, so sums agree to
// the last bit; without them Math.log is used.

/**
 * @typedef {object} TreeNode
 * @property {number[]} prefix - Token ids so far ([] for the start).
 * @property {number[]} probs - p(next token | prefix), one per word.
 * @property {number[]} [log_probs] - Their natural logarithms.
 */

/**
 * @typedef {object} TreeData
 * @property {string[]} vocab - The words, one per token id.
 * @property {number} depth - Longest sequence the tree scores, T.
 * @property {TreeNode[]} nodes - One distribution per prefix.
 */

/**
 * @typedef {object} Tree
 * @property {string[]} vocab - The words.
 * @property {number} M - Vocabulary size.
 * @property {number} T - Depth.
 * @property {Map<string, number[]>} probs - prefixKey(prefix) -> probabilities.
 * @property {Map<string, number[]>} logp - prefixKey(prefix) -> log-probabilities.
 */

/**
 * The key of a prefix in a tree's maps: token ids joined by commas.
 *
 * @param {number[]} prefix - Token ids.
 * @returns {string} E.g. "0,1"; "" for the empty prefix.
 */
export function prefixKey(prefix) {
  return prefix.join(",");
}

function fail(Kind, message) {
  throw new Kind(`reviewkit tree: ${message}`);
}

/**
 * Check a tree's JSON and index its nodes by prefix.
 *
 * @param {TreeData | string} data - The tree, or its JSON text.
 * @returns {Tree} The indexed tree.
 * @throws {TypeError | RangeError} Naming what is malformed.
 */
export function parseTree(data) {
  if (typeof data === "string") data = JSON.parse(data);
  if (!data || !Array.isArray(data.vocab) || !Array.isArray(data.nodes)) {
    fail(
      TypeError,
      `tree must be an object with 'vocab' and 'nodes' arrays, got ${JSON.stringify(data)}`,
    );
  }
  const M = data.vocab.length;
  const T = data.depth;
  if (M < 1) fail(RangeError, "tree.vocab must hold at least one word, got none");
  if (!Number.isInteger(T) || T < 1) {
    fail(RangeError, `tree.depth must be an integer >= 1, got ${T}`);
  }
  const logp = new Map();
  const probs = new Map();
  for (const node of data.nodes) {
    const p = node.probs.map(Number);
    if (p.length !== M || p.some((x) => !(x > 0))) {
      fail(
        RangeError,
        `tree node ${JSON.stringify(node.prefix)} must hold ${M} positive ` +
          `probabilities, got ${JSON.stringify(node.probs)}`,
      );
    }
    const lp = Array.isArray(node.log_probs) ? node.log_probs.map(Number) : p.map(Math.log);
    probs.set(prefixKey(node.prefix), p);
    logp.set(prefixKey(node.prefix), lp);
  }
  return { vocab: data.vocab.slice(), M, T, probs, logp };
}

/**
 * The next-token log-probabilities after `prefix`.
 *
 * @param {Tree} tree - A parsed tree.
 * @param {number[]} prefix - Token ids.
 * @returns {number[]} M log-probabilities.
 * @throws {RangeError} If the tree has no distribution for the prefix.
 */
export function logProbs(tree, prefix) {
  const lp = tree.logp.get(prefixKey(prefix));
  if (!lp) fail(RangeError, `the tree has no distribution for prefix [${prefixKey(prefix)}]`);
  return lp;
}

/**
 * Every prefix of a full tree shorter than its depth, shortest first, then
 * in lexicographic order (the order tree_to_json writes nodes in).
 *
 * @param {number} M - Vocabulary size.
 * @param {number} T - Depth.
 * @returns {number[][]} The prefixes.
 */
export function allPrefixes(M, T) {
  const out = [];
  let level = [[]];
  for (let t = 0; t < T; t++) {
    out.push(...level);
    level = level.flatMap((p) => Array.from({ length: M }, (_, v) => p.concat([v])));
  }
  return out;
}

function round12(x) {
  return Number(x.toFixed(12)); // keeps 0.45 as 0.45 after 1 - 0.55
}

/**
 * Set p(word v | prefix) in a tree's JSON and rescale the other words after
 * the same prefix so the row still sums to 1 (with two words: exactly 1 - p).
 * The row's log_probs become Math.log of the new probabilities.
 *
 * @param {TreeData} data - The tree's JSON, changed in place.
 * @param {number[]} prefix - The row's prefix.
 * @param {number} v - The token id to set.
 * @param {number} p - Its new probability, in (0, 1).
 * @returns {TreeData} `data`.
 */
export function setProbability(data, prefix, v, p) {
  const node = data.nodes.find((n) => prefixKey(n.prefix) === prefixKey(prefix));
  if (!node) fail(RangeError, `the tree has no row for prefix [${prefixKey(prefix)}]`);
  if (!(p > 0 && p < 1)) fail(RangeError, `p must be in (0, 1), got ${p}`);
  const others = node.probs.reduce((s, x, i) => (i === v ? s : s + x), 0);
  node.probs = node.probs.map((x, i) => (i === v ? p : round12((x * (1 - p)) / others)));
  if (node.probs.length === 2) node.probs[1 - v] = round12(1 - p);
  node.log_probs = node.probs.map(Math.log);
  return data;
}
