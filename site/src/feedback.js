// Feedback where the code is: the failing lines marked in the editor (cleared on the next edit), and
// the parts of a result row that help reproduce a failure: the learner's frames, the failing call as
// Python, and an element-wise diff of two arrays.
import { RangeSet, StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, GutterMarker, gutter } from "@codemirror/view";

const setFaults = StateEffect.define();

class FaultMarker extends GutterMarker {
  constructor(kind) {
    super();
    this.kind = kind;
  }

  eq(other) {
    return other.kind === this.kind;
  }

  toDOM() {
    const mark = document.createElement("span");
    mark.className = `cm-fault-marker cm-fault-${this.kind}`;
    mark.textContent = MARKS[this.kind].text;
    mark.title = MARKS[this.kind].title;
    return mark;
  }
}

const MARKS = {
  raised: { text: "●", title: "The error happened here" },
  caller: { text: "›", title: "Called from here" },
  returned: { text: "◆", title: "A wrong value was returned from here" },
};
const NONE = { lines: Decoration.none, markers: RangeSet.empty };

// faults: [{line, kind: "raised" | "caller" | "returned"}]; the first kind given for a line wins.
function decorate(state, faults) {
  const byLine = new Map();
  for (const fault of faults) {
    if (fault.line >= 1 && fault.line <= state.doc.lines && !byLine.has(fault.line)) byLine.set(fault.line, fault.kind);
  }
  const sorted = [...byLine].sort(([a], [b]) => a - b).map(([line, kind]) => ({ at: state.doc.line(line).from, kind }));
  return {
    lines: Decoration.set(sorted.map(({ at, kind }) => Decoration.line({ class: `cm-fault-line cm-fault-line-${kind}` }).range(at))),
    markers: RangeSet.of(sorted.map(({ at, kind }) => new FaultMarker(kind).range(at))),
  };
}

const faultField = StateField.define({
  create: () => NONE,
  update(value, transaction) {
    for (const effect of transaction.effects) if (effect.is(setFaults)) return decorate(transaction.state, effect.value);
    return transaction.docChanged ? NONE : value;
  },
  provide: (field) => EditorView.decorations.from(field, (value) => value.lines),
});

export const faultMarks = [
  faultField,
  gutter({ class: "cm-fault-gutter", markers: (view) => view.state.field(faultField).markers }),
];

export function markFaults(view, faults) {
  view.dispatch({ effects: setFaults.of(faults) });
}

// The faults of a report: the line that raised and the learner's lines that called it; when a test
// got a wrong value, the entry function's `return` lines it left from.
export function faultsOf(report) {
  const faults = [];
  if (report.fault?.line) faults.push({ line: report.fault.line, kind: "raised" });
  for (const result of [report.fault ?? {}, ...report.tests]) {
    (result.frames ?? []).forEach((frame, i) => faults.push({ line: frame.line, kind: i === 0 ? "raised" : "caller" }));
  }
  if (report.tests.some((t) => t.status === "fail")) {
    for (const line of report.returns ?? []) faults.push({ line, kind: "returned" });
  }
  return faults;
}

export function revealLine(view, line) {
  const target = view.state.doc.line(Math.min(Math.max(line, 1), view.state.doc.lines));
  view.dispatch({ selection: { anchor: target.from, head: target.to }, scrollIntoView: true });
  view.focus();
}

function element(tag, className, text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

// "line 4, in helper" / "called from line 7, in label_smoothing_loss", each a button to the line.
export function frameList(frames, goTo) {
  const list = element("ol", "frames");
  list.dataset.testid = "frames";
  frames.forEach((frame, i) => {
    const go = element("button", "link-button", `${i === 0 ? "line" : "called from line"} ${frame.line}`);
    go.type = "button";
    go.addEventListener("click", () => goTo(frame.line));
    const item = element("li", "");
    item.append(go, frame.function === "<module>" ? " (at the top level)" : ` in ${frame.function}`);
    list.append(item);
  });
  return list;
}

// The failing call, exact, with "Copy as a Python call" and "Try it" (into the console).
export function callBlock(call, tryIt) {
  const box = element("div", "failing-call");
  const code = element("pre", "call-code", call);
  code.dataset.testid = "failing-call";
  const copy = element("button", "secondary small", "Copy as a Python call");
  copy.type = "button";
  copy.dataset.testid = "copy-call";
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(call);
      copy.textContent = "Copied";
    } catch {
      getSelection().selectAllChildren(code); // no clipboard permission: leave it selected to copy by hand
      copy.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => (copy.textContent = "Copy as a Python call"), 2000);
  });
  const run = element("button", "secondary small", "Try it");
  run.type = "button";
  run.dataset.testid = "try-call";
  run.addEventListener("click", () => tryIt(call));
  const actions = element("div", "call-actions");
  actions.append(copy, run);
  box.append(element("span", "call-label", "The call that failed, exactly:"), code, actions);
  return box;
}

const DIFF_ROWS = 12;

// An element-wise diff of two arrays: the entries outside the tolerance, the worst ones (judged by
// the harness at full precision) highlighted. Expected values come rounded, as in every message.
export function diffTable({ shape, got, want, off, worst }) {
  const worstSet = new Set(worst);
  const entries = got.map((g, i) => ({ i, g, w: want[i], off: off[i], gap: Math.abs(g - want[i]) }));
  const outside = entries.filter((e) => e.off);
  const shown = (entries.length <= DIFF_ROWS ? entries : [...outside].sort((a, b) => b.gap - a.gap).slice(0, DIFF_ROWS))
    .sort((a, b) => a.i - b.i);
  const table = element("table", "diff");
  table.dataset.testid = "diff";
  table.append(element("caption", "", `${outside.length} of ${entries.length} entries are outside the tolerance` +
    (shown.length < entries.length ? `; ${shown.length} of them are shown` : "")));
  const head = element("tr", "");
  for (const title of ["index", "yours", "expected", "difference"]) head.append(element("th", "", title));
  table.append(head);
  for (const e of shown) {
    const row = element("tr", worstSet.has(e.i) ? "worst" : e.off ? "off" : "");
    if (worstSet.has(e.i)) row.dataset.testid = "diff-worst";
    for (const text of [indexText(e.i, shape), number(e.g), number(e.w), number(e.g - e.w)]) row.append(element("td", "", text));
    table.append(row);
  }
  const scroller = element("div", "diff-scroller");
  scroller.append(table);
  return scroller;
}

function indexText(flat, shape) {
  const index = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${index.join(", ")}]`;
}

function number(value) {
  return Number(value.toPrecision(6)).toString();
}
