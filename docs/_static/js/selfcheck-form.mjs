/**
 * The form part of a self-check (DOM): turns the plain list that
 * docs/_ext/reviewkit_questions.py writes into radio buttons (a "single"
 * part) or checkboxes (a "multiple" part), reads the reader's selection, and
 * marks the options once graded. Shared by the page self-checks
 * (selfcheck-widget.mjs) and the mock exam (exam-widget.mjs).
 *
 * The HTML classes of docs/_questions/README.md stay on every element
 * (`.rk-check-part`, `.rk-options`, `.rk-option`, `.rk-option-text`,
 * `.rk-feedback`), so print styles written for the plain list still apply.
 * The script hides nothing itself: folding the feedback is the style
 * sheet's job (selfcheck.css, screen only), keyed on the classes set here.
 * @module selfcheck-form
 */

let counter = 0;

/** A new id, unique on the page, starting with `prefix`. */
function freshId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * The parts of a check as its HTML describes them.
 * @param {Element} root an element holding `fieldset.rk-check-part`s.
 * @returns {{kind: string, correct: boolean[]}[]}
 */
export function readParts(root) {
  return [...root.querySelectorAll("fieldset.rk-check-part")].map((fieldset) => ({
    kind: fieldset.dataset.kind,
    correct: [...fieldset.querySelectorAll("li.rk-option")].map(
      (li) => li.dataset.correct === "true",
    ),
  }));
}

/**
 * The words a screen reader and a sighted reader get for each mark.
 * @type {Object<string, string>}
 */
export const MARK_WORDS = {
  right: "Your answer: right",
  wrong: "Your answer: wrong",
  missed: "Right answer",
};

/**
 * Put an input before each option of every part of `root`.
 * @param {Element} root an element holding `fieldset.rk-check-part`s.
 * @param {string} name a prefix for the inputs' names, unique on the page.
 * @returns {{read: function(): number[][], mark: function(object): void,
 *   lock: function(): void, fieldsets: Element[], inputs: HTMLInputElement[][]}}
 *   `read` returns the chosen option indexes per part; `mark` shows a
 *   graded result (what selfcheck.gradeCheck returns); `lock` disables the
 *   inputs.
 */
export function enhanceParts(root, name) {
  const doc = root.ownerDocument;
  const fieldsets = [...root.querySelectorAll("fieldset.rk-check-part")];
  const inputs = fieldsets.map((fieldset, i) => {
    const prompt = fieldset.querySelector(".rk-check-prompt");
    if (prompt) {
      prompt.id = prompt.id || freshId(`${name}-prompt`);
      fieldset.setAttribute("aria-labelledby", prompt.id);
    }
    const type = fieldset.dataset.kind === "multiple" ? "checkbox" : "radio";
    return [...fieldset.querySelectorAll("li.rk-option")].map((li, j) => {
      const text = li.querySelector(".rk-option-text");
      const input = doc.createElement("input");
      input.type = type;
      input.name = `${name}-part${i}`;
      input.value = String(j);
      input.className = "rk-option-input";
      if (text) {
        text.id = text.id || freshId(`${name}-option`);
        input.setAttribute("aria-labelledby", text.id);
        // Clicking the words picks the option, as a <label> would.
        text.addEventListener("click", (event) => {
          if (input.disabled || event.target.closest("a")) return;
          input.click();
        });
      }
      li.insertBefore(input, li.firstChild);
      li.classList.add("rk-option-choice");
      return input;
    });
  });

  function read() {
    return inputs.map((row) => row.flatMap((input, j) => (input.checked ? [j] : [])));
  }

  function mark(result) {
    result.parts.forEach((part, i) => {
      part.marks.forEach((m, j) => {
        const li = inputs[i][j].closest("li.rk-option");
        li.classList.remove("rk-right", "rk-wrong", "rk-missed", "rk-quiet");
        li.classList.add(`rk-${m}`);
        li.querySelector(".rk-mark")?.remove();
        if (m in MARK_WORDS) {
          const badge = doc.createElement("span");
          badge.className = "rk-mark";
          badge.textContent = MARK_WORDS[m];
          const text = li.querySelector(".rk-option-text");
          li.insertBefore(badge, text ? text.nextSibling : null);
        }
      });
      fieldsets[i].classList.toggle("rk-part-right", part.correct);
      fieldsets[i].classList.toggle("rk-part-wrong", !part.correct);
    });
  }

  function lock() {
    for (const input of inputs.flat()) input.disabled = true;
  }

  return { read, mark, lock, fieldsets, inputs };
}

/**
 * The feedback a graded part shows, as plain text lines for a live region:
 * each chosen option's and each missed right option's.
 * @param {{read: Function, inputs: HTMLInputElement[][]}} form what
 *   enhanceParts returned.
 * @param {{parts: {correct: boolean, marks: string[]}[]}} result
 * @returns {string[]}
 */
export function feedbackLines(form, result) {
  const lines = [];
  result.parts.forEach((part, i) => {
    const label = result.parts.length > 1 ? `Part ${i + 1}: ` : "";
    part.marks.forEach((m, j) => {
      if (!(m in MARK_WORDS)) return;
      const li = form.inputs[i][j].closest("li.rk-option");
      const text = li.querySelector(".rk-option-text")?.textContent.trim() ?? "";
      const why = li.querySelector(".rk-feedback")?.textContent.trim() ?? "";
      lines.push(`${label}${MARK_WORDS[m]}, "${text}". ${why}`);
    });
  });
  return lines;
}
