// What a practice page adds around a practice widget (DOM): the problem of
// the URL's ?seed=N, a "New problem" button that moves to a fresh seed (and
// into the URL and the browser's history), the reader's streak, and a reset
// button. Results go to progress.mjs (localStorage only).

import { el } from "./dom.mjs";
import { freshSeed, seedFromQuery } from "./prng.mjs";
import { recordVariant, resetProgress, streak } from "./progress.mjs";

/** Put the seed into the page's URL; false if the browser refused. */
function setUrlSeed(seed, push) {
  const url = new URL(window.location.href);
  url.searchParams.set("seed", String(seed));
  try {
    if (push) window.history.pushState({ seed }, "", url);
    else window.history.replaceState({ seed }, "", url);
    return true;
  } catch {
    return false; // some file:// setups refuse; the link below still works
  }
}

function streakText(kind) {
  const n = streak(kind);
  return n === 1 ? "Streak: 1 problem right in a row." : `Streak: ${n} problems right in a row.`;
}

/**
 * Run a practice page around one widget.
 *
 * @param {HTMLElement} root - The widget's mount point (emptied first).
 * @param {{kind: string, noun: string,
 *   mount: (element: HTMLElement, options: {seed: number,
 *     onResult: (result: {correct: boolean}) => void}) => object}} options -
 *   The progress kind ("beam", "rnn"), what a problem is called in the
 *   controls ("tree", "setting"), and the widget's mount function.
 * @returns {{current: () => object, seed: () => number}} The mounted widget
 *   (what `mount` returned) and its seed, for the page's test hook.
 */
export function runPracticePage(root, { kind, noun, mount }) {
  let seed = seedFromQuery(window.location.search);
  if (seed === null) {
    seed = freshSeed();
    setUrlSeed(seed, false);
  }
  let current = null;
  const link = el("a", { class: "rk-permalink" });
  const streakLine = el("p", { class: "rk-streak", role: "status" });
  const notice = el("p", { class: "rk-notice", role: "status" });
  const next = el("button", { type: "button", class: "rk-button", "data-rk": "new", text: `New ${noun}` });
  const reset = el("button", {
    type: "button", class: "rk-button", "data-rk": "reset-progress", text: "Reset all progress",
    "aria-describedby": `rk-reset-${kind}-hint`,
  });
  const hint = el("span", {
    class: "rk-hint", id: `rk-reset-${kind}-hint`,
    text: "(forgets every score and streak this site keeps in this browser)",
  });
  const area = el("div", { class: "rk-practice-area" });
  const bar = el("div", { class: "rk-bar" }, [
    el("p", { class: "rk-seed" }, ["Problem ", link]),
    streakLine,
    el("div", { class: "rk-buttons" }, [next, reset, hint]),
    notice,
  ]);
  root.replaceChildren(bar, area);
  root.classList.add("rk-ready");

  const show = (s) => {
    seed = s;
    link.textContent = `#${s}`;
    link.setAttribute("href", `?seed=${s}`);
    link.setAttribute("aria-label", `link to problem ${s}`);
    streakLine.textContent = streakText(kind);
    notice.textContent = "";
    current = mount(area, {
      seed: s,
      onResult: (result) => {
        recordVariant(kind, result.correct);
        streakLine.textContent = streakText(kind);
      },
    });
  };
  next.addEventListener("click", () => {
    const s = freshSeed(seed);
    if (!setUrlSeed(s, true)) {
      window.location.search = `?seed=${s}`; // a full load of the new problem
      return;
    }
    show(s);
    const first = area.querySelector("input");
    if (first) first.focus();
  });
  reset.addEventListener("click", () => {
    resetProgress();
    streakLine.textContent = streakText(kind);
    notice.textContent = "Progress forgotten: every score and streak is back to zero.";
  });
  window.addEventListener("popstate", () => {
    const s = seedFromQuery(window.location.search);
    if (s !== null && s !== seed) show(s);
  });
  show(seed);
  return { current: () => current, seed: () => seed };
}
