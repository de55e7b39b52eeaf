// The figure kit: what a problem's figure.js imports as "@exercise-kit/figure". Plain SVG and form
// controls, styled by the site's CSS variables, so figures follow light and dark themes and work with
// the keyboard alone (every handle is a native range input).

const SVG = "http://www.w3.org/2000/svg";

export function softmax(z) {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

export function smoothedTarget(k, y, alpha) {
  return Array.from({ length: k }, (_, i) => (i === y ? 1 - alpha : 0) + alpha / k);
}

// Cross-entropy of a target q against a distribution p.
export function crossEntropy(q, p) {
  return q.reduce((sum, qi, i) => sum - qi * Math.log(p[i]), 0);
}

export function format(value, digits) {
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text.replace("-", "−");
}

export function html(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

// A labelled range input with a live readout; `onInput(value)` on every move.
export function slider({ label, min, max, step, value, testid, show, onInput }) {
  const input = html("input", { type: "range", min, max, step, "data-testid": testid });
  const output = html("output", { class: "figure-value" });
  const set = (v) => {
    input.value = String(v);
    output.textContent = show(v);
  };
  set(value);
  input.addEventListener("input", () => {
    const v = Number(input.value);
    output.textContent = show(v);
    onInput(v);
  });
  const row = html("label", { class: "figure-slider" }, html("span", { class: "figure-label" }, label), input, output);
  return { row, set, input };
}

// The handles of a classification example: α, and one logit per class. They edit `state.alpha` and
// `state.logits` in place and call `onChange()`; `reset()` moves them back to `state`'s values.
export function classHandles({ classes, trueClass, state, onChange }) {
  const alpha = slider({
    label: "α (smoothing)", min: 0, max: 1, step: 0.005, value: state.alpha, testid: "figure-alpha",
    show: (v) => format(v, 3), onInput: (v) => ((state.alpha = v), onChange()),
  });
  const logits = classes.map((name, i) => slider({
    label: `${name}${i === trueClass ? " (true)" : ""} logit`, min: -6, max: 6, step: 0.05, value: state.logits[i],
    testid: `figure-logit-${name}`, show: (v) => format(v, 2), onInput: (v) => ((state.logits[i] = v), onChange()),
  }));
  const reset = () => {
    alpha.set(state.alpha);
    logits.forEach((handle, i) => handle.set(state.logits[i]));
  };
  return { rows: [alpha.row, ...logits.map((handle) => handle.row)], reset };
}

// Named quantities shown as text the reader (and the tests) can read exactly.
export function readouts(names) {
  const list = html("dl", { class: "figure-readouts" });
  const values = {};
  for (const [key, label] of Object.entries(names)) {
    values[key] = html("dd", { "data-testid": `figure-${key}` });
    list.append(html("div", {}, html("dt", {}, label), values[key]));
  }
  return { list, set: (key, text) => (values[key].textContent = text) };
}

const WIDTH = 360;
const PLOT = { left: 38, right: 8, top: 10, bottom: 26 };

// Grouped bars per class on a shared axis; `update(series, extras)` redraws. Each series is
// {name, values, className}; a value axis from `min` to `max` (negative values hang below zero).
export function barChart({ labels, min, max, title, height = 150 }) {
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "figure-chart", role: "img", "aria-label": title });
  const inner = WIDTH - PLOT.left - PLOT.right;
  const y = (v) => PLOT.top + ((max - Math.min(Math.max(v, min), max)) / (max - min)) * (height - PLOT.top - PLOT.bottom);
  const band = inner / labels.length;
  const layer = svg("g");
  const axis = svg("g", { class: "figure-axis" });
  for (const tick of [min, (min + max) / 2, max]) {
    axis.append(svg("line", { x1: PLOT.left, x2: WIDTH - PLOT.right, y1: y(tick), y2: y(tick), class: tick === 0 ? "zero" : "grid" }));
    axis.append(svg("text", { x: PLOT.left - 4, y: y(tick) + 4, "text-anchor": "end" }, format(tick, 1)));
  }
  labels.forEach((label, i) => {
    axis.append(svg("text", { x: PLOT.left + band * (i + 0.5), y: height - 8, "text-anchor": "middle" }, label));
  });
  root.append(axis, layer);
  const update = (series, marks = []) => {
    const width = (band * 0.8) / series.length;
    layer.replaceChildren();
    series.forEach((s, j) => {
      s.values.forEach((v, i) => {
        const x = PLOT.left + band * i + band * 0.1 + width * j;
        const top = Math.min(y(v), y(Math.max(min, 0)));
        layer.append(svg("rect", {
          x, y: top, width: width - 2, height: Math.max(Math.abs(y(v) - y(Math.max(min, 0))), 0.5), class: s.className,
        }, svg("title", {}, `${s.name}, ${labels[i]}: ${format(v, 4)}`)));
      });
    });
    for (const mark of marks) {
      const x = PLOT.left + band * mark.index;
      layer.append(svg("line", { x1: x + 2, x2: x + band - 2, y1: y(mark.value), y2: y(mark.value), class: mark.className },
        svg("title", {}, mark.title)));
    }
  };
  return { root, update };
}

// A curve y(x) on [x0, x1] with a marker at the current x, and optional overlaid curves.
export function lineChart({ x0, x1, title, xLabel, height = 160 }) {
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "figure-chart", role: "img", "aria-label": title });
  const layer = svg("g");
  root.append(layer);
  const update = (curves, marker) => {
    const ys = curves.flatMap((c) => c.points.map(([, v]) => v)).filter(Number.isFinite);
    const top = Math.max(...ys, 0) * 1.1 || 1;
    const x = (v) => PLOT.left + ((v - x0) / (x1 - x0)) * (WIDTH - PLOT.left - PLOT.right);
    const y = (v) => PLOT.top + (1 - Math.min(Math.max(v, 0), top) / top) * (height - PLOT.top - PLOT.bottom);
    layer.replaceChildren(
      svg("line", { x1: PLOT.left, x2: WIDTH - PLOT.right, y1: y(0), y2: y(0), class: "zero" }),
      svg("text", { x: PLOT.left - 4, y: y(top) + 8, "text-anchor": "end", class: "figure-axis-text" }, format(top, 1)),
      svg("text", { x: PLOT.left - 4, y: y(0) + 4, "text-anchor": "end", class: "figure-axis-text" }, "0"),
      svg("text", { x: WIDTH - PLOT.right, y: height - 8, "text-anchor": "end", class: "figure-axis-text" }, `${xLabel} = ${format(x1, 0)}`),
      svg("text", { x: PLOT.left, y: height - 8, class: "figure-axis-text" }, format(x0, 0)),
    );
    for (const curve of curves) {
      const d = curve.points.filter(([, v]) => Number.isFinite(v))
        .map(([px, v], i) => `${i ? "L" : "M"}${x(px).toFixed(1)},${y(v).toFixed(1)}`).join("");
      layer.append(svg("path", { d, class: curve.className, "data-testid": curve.testid ?? "" }, svg("title", {}, curve.name)));
    }
    if (marker) layer.append(svg("circle", { cx: x(marker[0]), cy: y(marker[1]), r: 4, class: "figure-marker" }));
  };
  return { root, update };
}

// "Overlay my function": calls the learner's function through the page's Python (never a graded
// run) and reports how far it lands from the true values. `compute()` returns {expression, truth};
// `draw(values | null)` shows the learner's values.
export function overlay({ python, compute, draw, describe }) {
  const button = html("button", { type: "button", class: "secondary", "data-testid": "figure-overlay", disabled: "" },
    "Overlay my function");
  const status = html("span", { class: "figure-status", "data-testid": "figure-overlay-status", "aria-live": "polite" },
    "available once Python has loaded");
  let active = false;
  let busy = false;
  let stale = false; // the sliders moved while the learner's function was running
  const refresh = async () => {
    if (!active) return;
    if (busy) return void (stale = true);
    busy = true;
    const { expression, truth } = compute();
    show(await python.evaluate(expression), truth);
    busy = false;
    if (stale) {
      stale = false;
      refresh();
    }
  };
  const show = (answer, truth) => {
    const values = answer.error ? null : parseList(answer.result);
    const deviation = values ? Math.max(...values.map((v, i) => Math.abs(v - truth[i]))) : NaN;
    draw(values);
    status.dataset.deviation = String(deviation);
    status.textContent = answer.error
      ? `your function failed: ${answer.error.message}`
      : Number.isFinite(deviation) ? describe(deviation) : "your function did not return finite numbers here";
  };
  button.addEventListener("click", () => {
    active = !active;
    button.setAttribute("aria-pressed", String(active));
    button.textContent = active ? "Hide my function" : "Overlay my function";
    if (active) refresh();
    else {
      draw(null);
      status.textContent = "";
    }
  });
  python.ready.then(() => {
    button.removeAttribute("disabled");
    status.textContent = "";
  });
  return { row: html("div", { class: "figure-overlay" }, button, status), refresh };
}

// A Python list of floats as printed by repr(): JSON, except for nan and inf.
function parseList(text) {
  try {
    const values = JSON.parse((text ?? "").replace(/\bnan\b/g, "null").replace(/\binf\b/g, "1e999"));
    return Array.isArray(values) && values.every((v) => v === null || typeof v === "number")
      ? values.map((v) => v ?? NaN)
      : null;
  } catch {
    return null;
  }
}
