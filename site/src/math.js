// Typesets the formulas in the page, so that building a site needs no Node. Loaded as a classic
// script right after the statement (formulas are set before the page is first shown), and again
// after the author's explanation; each run sets only the formulas not set yet.
import katex from "katex";

for (const element of document.querySelectorAll(".math:not([data-typeset])")) {
  katex.render(element.textContent, element, {
    displayMode: element.parentElement.classList.contains("math-display"),
    throwOnError: false, // a typo shows in red where it is, rather than blanking the page
    output: "htmlAndMathml",
  });
  element.dataset.typeset = "";
}
