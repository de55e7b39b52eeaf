// "Try it": a scratch prompt that runs Python against the learner's current code in the worker. It
// never counts as a run; the worker applies the problem's time limit and interrupt as for tests.
import { frameList } from "./feedback.js";

export function mountConsole({ form, input, log, evaluate, goToLine }) {
  const entry = (className, text) => {
    const item = document.createElement("li");
    item.className = className;
    item.textContent = text;
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
    return item;
  };

  // What was run before, for Up and Down as at a Python prompt; `recalled` is the entry shown.
  const history = [];
  let recalled = 0;

  async function submit(code) {
    if (!code.trim() || form.dataset.busy) return;
    form.dataset.busy = "true";
    history.push(code);
    recalled = history.length;
    entry("console-code", code.replace(/^/gm, (_, at) => (at ? "... " : ">>> ")));
    const answer = await evaluate(code);
    delete form.dataset.busy;
    if (answer.output) entry("console-output", answer.output.replace(/\n$/, ""));
    if (answer.result !== null && answer.result !== undefined) entry("console-result", answer.result).dataset.testid = "console-result";
    if (answer.error) {
      const error = entry("console-error", answer.error.message);
      error.dataset.testid = "console-error";
      if (answer.error.frames?.length) error.append(frameList(answer.error.frames, goToLine));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(input.value);
    input.value = "";
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
    const step = { ArrowUp: -1, ArrowDown: 1 }[event.key];
    // Only from a one-line input, so that moving between the lines of a multi-line entry still works.
    if (step && !input.value.includes("\n") && history.length) {
      event.preventDefault();
      recalled = Math.min(Math.max(recalled + step, 0), history.length);
      input.value = history[recalled] ?? "";
    }
  });
  // From a failing test's "Try it": the call goes in, ready to run or edit.
  return (code) => {
    input.value = code;
    input.focus();
    form.scrollIntoView({ block: "nearest" });
  };
}
