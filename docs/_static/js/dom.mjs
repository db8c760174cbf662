// Two small helpers every widget uses to build its DOM.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Create an HTML element.
 *
 * @param {string} tag - Tag name.
 * @param {Object<string, *>} [attrs] - Attributes; `text` sets textContent,
 *   `true` gives an empty attribute, null/undefined/false are left out.
 * @param {(Node | string)[]} [children] - Appended in order.
 * @returns {HTMLElement} The element.
 */
export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children || []) node.append(child);
  return node;
}

/**
 * Create an SVG element.
 *
 * @param {string} tag - Tag name.
 * @param {Object<string, *>} attrs - Attributes.
 * @param {string} [text] - Its text content.
 * @returns {SVGElement} The element.
 */
export function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}
