// Formatting shared by the beam widgets: numbers with a true minus sign,
// sequences spelled with the tree's words.

/**
 * A number with `digits` decimals and U+2212 MINUS SIGN instead of "-".
 *
 * @param {number} x - The number.
 * @param {number} digits - Decimals.
 * @returns {string} E.g. "−1.204".
 */
export function fmt(x, digits) {
  return x.toFixed(digits).replace("-", "\u2212");
}

/**
 * A probability as a reader would write it: at most `digits` decimals,
 * trailing zeros dropped ("0.6", "0.297").
 *
 * @param {number} p - The probability.
 * @param {number} [digits=4] - Most decimals.
 * @returns {string} The text.
 */
export function fmtProb(p, digits = 4) {
  return String(Number(p.toFixed(digits)));
}

/**
 * Spell a sequence of token ids with the vocabulary.
 *
 * @param {string[]} vocab - The words.
 * @param {number[]} tokens - Token ids.
 * @returns {string} Words separated by spaces, or "(start)" for none.
 */
export function spell(vocab, tokens) {
  return tokens.length ? tokens.map((t) => vocab[t]).join(" ") : "(start)";
}

/**
 * "1st", "2nd", "3rd", "4th", ... for ranks in feedback.
 *
 * @param {number} n - A positive integer.
 * @returns {string} The ordinal.
 */
export function ordinal(n) {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ["th", "st", "nd", "rd"][n % 10] || "th";
  return `${n}${suffix}`;
}
