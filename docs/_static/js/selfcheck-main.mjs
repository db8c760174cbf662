// Entry point of the pages with self-checks or scores: question pages,
// chapter indexes and the Practice page. Mounts every `.rk-check`,
// `.rk-progress` and `.rk-progress-panel`; a committed check redraws the
// scores on the same page. No test hook: the tests drive the DOM.

import { mountAllSelfChecks } from "./selfcheck-widget.mjs";
import { mountChapterScore, mountProgressPanel } from "./selfcheck-progress.mjs";

function mountAll() {
  const shown = [
    ...[...document.querySelectorAll(".rk-progress:not(.rk-ready)")].map(mountChapterScore),
    ...[...document.querySelectorAll(".rk-progress-panel:not(.rk-ready)")].map(mountProgressPanel),
  ];
  mountAllSelfChecks(document);
  document.addEventListener("rk-answered", () => shown.forEach((s) => s.refresh()));
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", mountAll);
} else {
  mountAll();
}
