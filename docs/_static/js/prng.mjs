// reviewkit's one seeded pseudo-random generator, shared by every practice
// variant: the same seed gives the same problem in every browser and in Node.
//
// The generator is mulberry32 (Tommy Ettinger's 32-bit mixer, public
// domain): a 32-bit state advanced by a Weyl step and mixed with two
// multiply-xorshift rounds. Only integer arithmetic (Math.imul, shifts) is
// used, so every JavaScript engine gives the same stream bit for bit.

/** Largest seed a URL may carry (seeds are 32-bit unsigned integers). */
export const MAX_SEED = 4294967295;

/**
 * Check that `seed` is an integer in [0, MAX_SEED].
 *
 * @param {string} name - The argument's name, for the error message.
 * @param {number} seed - The value to check.
 * @returns {number} The seed.
 * @throws {RangeError} If it is not an integer in range.
 */
export function checkSeed(name, seed) {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(
      `${name} must be an integer from 0 to ${MAX_SEED}, got ${String(seed)}`,
    );
  }
  return seed;
}

/**
 * A seeded generator of uniform numbers and the draws the variants need.
 *
 * @param {number} seed - An integer in [0, MAX_SEED].
 * @returns {{next: () => number, int: (lo: number, hi: number) => number,
 *   pick: <T>(items: T[]) => T, chance: (p: number) => boolean}}
 *   `next()` is uniform in [0, 1); `int(lo, hi)` is uniform over the integers
 *   lo..hi (both included); `pick(items)` one item, uniformly; `chance(p)` is
 *   true with probability p.
 */
export function createRng(seed) {
  let state = checkSeed("seed", seed) | 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new RangeError(`int(lo, hi) needs integers lo <= hi, got ${lo}, ${hi}`);
    }
    return lo + Math.floor(next() * (hi - lo + 1));
  };
  const pick = (items) => {
    if (!Array.isArray(items) || items.length === 0) {
      throw new RangeError("pick(items) needs a non-empty array");
    }
    return items[Math.floor(next() * items.length)];
  };
  const chance = (p) => next() < p;
  return { next, int, pick, chance };
}

/**
 * Read a seed from a URL's query string, e.g. `"?seed=42"`.
 *
 * @param {string} search - `location.search` (with or without the `?`).
 * @returns {number | null} The seed, or null when there is none or it is not
 *   an integer in [0, MAX_SEED] written in decimal digits.
 */
export function seedFromQuery(search) {
  const value = new URLSearchParams(search).get("seed");
  if (value === null || !/^[0-9]{1,10}$/.test(value)) return null;
  const seed = Number(value);
  return seed <= MAX_SEED ? seed : null;
}

/**
 * A fresh seed for a new problem: from `crypto.getRandomValues` where the
 * engine has it, else `Math.random`. Not part of any seeded stream.
 *
 * @param {number} [avoid] - A seed not to return (the current problem's).
 * @returns {number} An integer in [0, MAX_SEED], different from `avoid`.
 */
export function freshSeed(avoid) {
  for (;;) {
    let seed;
    if (globalThis.crypto && globalThis.crypto.getRandomValues) {
      seed = globalThis.crypto.getRandomValues(new Uint32Array(1))[0];
    } else {
      seed = Math.floor(Math.random() * (MAX_SEED + 1));
    }
    if (seed !== avoid) return seed;
  }
}
