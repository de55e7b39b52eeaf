// Typesets math at build time: reads [[tex, display], ...] as JSON on stdin, writes HTML strings.
import katex from "katex";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const items = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const rendered = items.map(([tex, display]) =>
  katex.renderToString(tex, { displayMode: display, throwOnError: true, output: "htmlAndMathml" }),
);
process.stdout.write(JSON.stringify(rendered));
