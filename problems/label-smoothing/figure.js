// The live figure of this problem's statement (AUTHORING.md, `figure.js`): the source's 4-class
// weather example, with a handle for α and for each logit.
import {
  barChart, classHandles, crossEntropy, format, html, lineChart, overlay, readouts, smoothedTarget, softmax,
} from "@exercise-kit/figure";

const CLASSES = ["sunny", "cloudy", "rainy", "stormy"];
const TRUE_CLASS = 2;
const EXAMPLE = { alpha: 0.1, logits: [0.1, 0.2, 0.6, 0.1].map(Math.log) };
const ALPHAS = Array.from({ length: 41 }, (_, i) => i / 40);

export default function mount(root, python) {
  const k = CLASSES.length;
  const state = { alpha: EXAMPLE.alpha, logits: [...EXAMPLE.logits], mine: null };
  const lossAt = (alpha) => crossEntropy(smoothedTarget(k, TRUE_CLASS, alpha), softmax(state.logits));

  const handles = classHandles({ classes: CLASSES, trueClass: TRUE_CLASS, state, onChange: redraw });
  const reset = html("button", { type: "button", class: "secondary", "data-testid": "figure-reset" }, "Back to the example");
  reset.addEventListener("click", () => {
    Object.assign(state, { alpha: EXAMPLE.alpha, logits: [...EXAMPLE.logits] });
    handles.reset();
    redraw();
  });

  const bars = barChart({ labels: CLASSES, min: 0, max: 1, title: "Predicted p beside the smoothed target q, per class" });
  const gradient = barChart({ labels: CLASSES, min: -1, max: 1, title: "The gradient p − q per class", height: 130 });
  const curve = lineChart({ x0: 0, x1: 1, xLabel: "α", title: "The loss as a function of α, at these logits" });
  const numbers = readouts({
    "q-true": "q, true class", "q-off": "q, each other class", "loss": "Smoothed loss",
    "loss-true-part": "  from the true class", "loss-off-part": "  from the other classes", "loss-hard": "Hard-label loss (α = 0)",
    "grad-true": "Gradient p − q, true class", "grad-hard": "Hard-label gradient, true class", "p-stop": "Training stops pushing at p(true) =",
  });
  const mine = overlay({
    python,
    compute: () => ({
      expression: `[float(label_smoothing_loss(np.array(${JSON.stringify(state.logits)}), ${TRUE_CLASS}, a)) for a in ${JSON.stringify(ALPHAS)}]`,
      truth: ALPHAS.map(lossAt),
    }),
    draw: (values) => ((state.mine = values), drawCurve()),
    describe: (d) => (d < 1e-6 ? "your function matches the true curve" : `your function is off by up to ${format(d, 4)}`),
  });

  function drawCurve() {
    const curves = [{ name: "true loss", points: ALPHAS.map((a) => [a, lossAt(a)]), className: "figure-line" }];
    if (state.mine) curves.push({ name: "your function", points: ALPHAS.map((a, i) => [a, state.mine[i]]), className: "figure-line-mine", testid: "figure-mine" });
    curve.update(curves, [state.alpha, lossAt(state.alpha)]);
  }

  function redraw() {
    const p = softmax(state.logits);
    const q = smoothedTarget(k, TRUE_CLASS, state.alpha);
    const stop = 1 - state.alpha + state.alpha / k;
    bars.update(
      [{ name: "p (softmax)", values: p, className: "figure-p" }, { name: "q (target)", values: q, className: "figure-q" }],
      [{ index: TRUE_CLASS, value: stop, className: "figure-stop", title: `training stops pushing at p = ${format(stop, 3)}` }],
    );
    gradient.update([{ name: "p − q", values: p.map((pi, i) => pi - q[i]), className: "figure-grad" }]);
    const truePart = -q[TRUE_CLASS] * Math.log(p[TRUE_CLASS]);
    const total = crossEntropy(q, p);
    numbers.set("q-true", format(q[TRUE_CLASS], 3));
    numbers.set("q-off", format(q[(TRUE_CLASS + 1) % k], 3));
    numbers.set("loss", format(total, 4));
    numbers.set("loss-true-part", format(truePart, 4));
    numbers.set("loss-off-part", format(total - truePart, 4));
    numbers.set("loss-hard", format(-Math.log(p[TRUE_CLASS]), 4));
    numbers.set("grad-true", format(p[TRUE_CLASS] - q[TRUE_CLASS], 3));
    numbers.set("grad-hard", format(p[TRUE_CLASS] - 1, 3));
    numbers.set("p-stop", format(stop, 3));
    drawCurve();
    mine.refresh();
  }

  root.append(
    html("figcaption", {}, "Label smoothing on a 4-class weather forecast; the true class is rainy. Move α and the logits."),
    html("div", { class: "figure-controls" }, ...handles.rows, reset),
    html("div", { class: "figure-panels" },
      html("div", {}, html("h3", {}, "p (softmax) beside q (target)"), bars.root,
        html("p", { class: "figure-legend" }, html("span", { class: "key figure-p" }), "p ", html("span", { class: "key figure-q" }), "q ",
          html("span", { class: "key figure-stop" }), "where training stops pushing")),
      html("div", {}, html("h3", {}, "Gradient p − q"), gradient.root),
      html("div", {}, html("h3", {}, "Loss against α"), curve.root, mine.row),
      numbers.list,
    ),
  );
  redraw();
}
