// Typesets the formulas in the page, so that building a site needs no Node. Loaded as a classic
// script right after the statement: its formulas are set before the page is first shown. Formulas in
// a closed <details> (the author's explanation) are set when it opens, not while Python is starting:
// typesetting is the page's own biggest work on the thread the worker needs to start.
import katex from "katex";

function typeset(root) {
  for (const element of root.querySelectorAll(".math:not([data-typeset])")) {
    if (element.closest("details:not([open])")) continue;
    katex.render(element.textContent, element, {
      displayMode: element.parentElement.classList.contains("math-display"),
      throwOnError: false, // a typo shows in red where it is, rather than blanking the page
      output: "htmlAndMathml",
    });
    element.dataset.typeset = "";
  }
}

typeset(document);
// This script runs again for each page swapped in place (page.js): one listener is enough.
if (!window.typesetOnOpen) {
  window.typesetOnOpen = (event) => event.target.open && typeset(event.target);
  document.addEventListener("toggle", window.typesetOnOpen, true); // toggle does not bubble
}
