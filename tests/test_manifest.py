"""The manifest schema: every mistake names the file and the key."""

from __future__ import annotations

import pytest

from harness.core.manifest import ProblemError, parse_manifest

VALID = """
id = "demo"
title = "Demo"
difficulty = "easy"
tags = ["x"]
time_limit = 1.5

[entry]
name = "f"
params = ["a", "b"]
returns = "float"
"""


def test_valid_manifest_parses():
    manifest = parse_manifest(VALID, "demo/problem.toml")
    assert manifest.entry.signature == "f(a, b)"
    assert manifest.time_limit == 1.5 and manifest.track is None


@pytest.mark.parametrize(
    "change, message",
    [
        (("title = \"Demo\"\n", ""), "missing required key 'title'"),
        (("returns = \"float\"", "returns = \"float\"\nextra = 1"), "unknown key 'entry.extra'"),
        (("tags = [\"x\"]", "tags = [\"x\"]\nauthor = \"me\""), "unknown key 'author'"),
        (("\"easy\"", "\"extreme\""), "'difficulty' must be one of easy, medium, hard (got 'extreme')"),
        (("1.5", "0"), "'time_limit' must be a number of seconds"),
        (("[\"a\", \"b\"]", "[\"a\", \"2b\"]"), "'entry.params' must be a list of Python identifiers"),
        (("id = \"demo\"", "id = \"Demo Problem\""), "'id' must be lowercase words"),
        (("[entry]", "[entrie]"), "unknown key 'entrie'"),
        (("time_limit = 1.5", "time_limit = "), "not valid TOML"),
    ],
)
def test_mistakes_name_file_and_key(change, message):
    old, new = change
    with pytest.raises(ProblemError) as caught:
        parse_manifest(VALID.replace(old, new, 1), "demo/problem.toml")
    assert str(caught.value).startswith("demo/problem.toml: ")
    assert message in str(caught.value)
