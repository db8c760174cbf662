// Entry point of the stepper page: mounts a stepper on every
// [data-rk-stepper] element, reading its tree from the JSON inside it.
//
// Test hook (the one this widget has): window.reviewkitStepper, with
// run(tree, k[, length]) (search.mjs's run: all three searches with every
// step, for comparing with Python), parseTree, setProbability, and the
// mounted steppers in `instances`.

import { run } from "./search.mjs";
import { mountStepper } from "./stepper.mjs";
import { parseTree, setProbability } from "./tree.mjs";

function mountAll() {
  const instances = [];
  for (const mount of document.querySelectorAll("[data-rk-stepper]")) {
    const script = mount.querySelector("script.rk-stepper-tree");
    if (!script) continue;
    instances.push(mountStepper(mount, JSON.parse(script.textContent)));
  }
  window.reviewkitStepper.instances = instances;
}

window.reviewkitStepper = { run, parseTree, setProbability, instances: [] };
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", mountAll);
} else {
  mountAll();
}
