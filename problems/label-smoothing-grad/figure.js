// The live figure of this problem's statement (AUTHORING.md, `figure.js`): drag a logit and
// watch the gradient p − q, per class, of the 4-class weather example.
import { barChart, classHandles, format, html, overlay, readouts, smoothedTarget, softmax } from "@exercise-kit/figure";

const CLASSES = ["sunny", "cloudy", "rainy", "stormy"];
const TRUE_CLASS = 2;
const EXAMPLE = { alpha: 0.1, logits: [0.1, 0.2, 0.6, 0.1].map(Math.log) };

export default function mount(root, python) {
  const k = CLASSES.length;
  const state = { alpha: EXAMPLE.alpha, logits: [...EXAMPLE.logits], mine: null };
  const gradientNow = () => {
    const p = softmax(state.logits);
    const q = smoothedTarget(k, TRUE_CLASS, state.alpha);
    return { p, q, g: p.map((pi, i) => pi - q[i]) };
  };

  const handles = classHandles({ classes: CLASSES, trueClass: TRUE_CLASS, state, onChange: redraw });
  const bars = barChart({ labels: CLASSES, min: -1, max: 1, title: "p, q and the gradient p − q, per class", height: 190 });
  const numbers = readouts({ "grad-true": "p − q, true class", "grad-sum": "Sum of the gradient (always 0)" });
  const mine = overlay({
    python,
    compute: () => ({
      expression: `[float(v) for v in label_smoothing_grad(np.array(${JSON.stringify(state.logits)}), ${TRUE_CLASS}, ${state.alpha})]`,
      truth: gradientNow().g,
    }),
    draw: (values) => ((state.mine = values), drawBars()),
    describe: (d) => (d < 1e-6 ? "your gradient matches p − q" : `your gradient is off by up to ${format(d, 4)}`),
  });

  function drawBars() {
    const { p, q, g } = gradientNow();
    const marks = (state.mine ?? []).map((value, index) => ({ index, value, className: "figure-mine-mark", title: `your gradient: ${format(value, 4)}` }));
    bars.update([
      { name: "p (softmax)", values: p, className: "figure-p" },
      { name: "q (target)", values: q, className: "figure-q" },
      { name: "p − q", values: g, className: "figure-grad" },
    ], marks);
  }

  function redraw() {
    const { g } = gradientNow();
    numbers.set("grad-true", format(g[TRUE_CLASS], 3));
    numbers.set("grad-sum", format(g.reduce((a, b) => a + b, 0), 3));
    drawBars();
    mine.refresh();
  }

  root.append(
    html("figcaption", {}, "The gradient of the smoothed loss is p − q: drag a logit and watch each class's push. The true class is rainy."),
    html("div", { class: "figure-controls" }, ...handles.rows),
    html("div", { class: "figure-panels" },
      html("div", {}, bars.root,
        html("p", { class: "figure-legend" }, html("span", { class: "key figure-p" }), "p ", html("span", { class: "key figure-q" }), "q ",
          html("span", { class: "key figure-grad" }), "p − q ", html("span", { class: "key figure-mine-mark" }), "your function"),
        mine.row),
      numbers.list,
    ),
  );
  redraw();
}
