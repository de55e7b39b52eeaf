// Typesets the statement's formulas in the page, so that building a site needs no Node. Loaded as a
// classic script right after the statement: formulas are set before the page is first shown.
import katex from "katex";

for (const element of document.querySelectorAll(".statement .math")) {
  katex.render(element.textContent, element, {
    displayMode: element.parentElement.classList.contains("math-display"),
    throwOnError: false, // a typo shows in red where it is, rather than blanking the page
    output: "htmlAndMathml",
  });
}
