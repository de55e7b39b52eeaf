// Which pages may take each other's place in place (site/src/navigation.js): `node --test tests/js`.
import { test } from "node:test";
import assert from "node:assert/strict";

import { sameBuild } from "../../site/src/navigation.js";

// A parsed page, as far as sameBuild reads it: its <meta name="build">, if any.
const pageOf = (build) => ({
  querySelector: (selector) => (selector === 'meta[name="build"]' && build !== undefined ? { content: build } : null),
});

test("pages of one build swap in place", () => {
  assert.equal(sameBuild(pageOf("3f2a"), pageOf("3f2a")), true);
});

test("a page of a new deploy loads anew", () => {
  assert.equal(sameBuild(pageOf("9c41"), pageOf("3f2a")), false);
});

test("a page without a build id (another site, an old build) loads anew", () => {
  assert.equal(sameBuild(pageOf(undefined), pageOf(undefined)), false);
  assert.equal(sameBuild(pageOf(""), pageOf("")), false);
  assert.equal(sameBuild(pageOf(undefined), pageOf("3f2a")), false);
});
