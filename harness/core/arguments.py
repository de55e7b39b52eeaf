"""The tests' arguments as JSON-safe data: arrays keep their dtype and shape, tuples stay tuples.

Two uses, one format: the sandbox sends each call's arguments to the submission's process this way
(`harness.sandbox.wire`), and the site ships the cases it draws for the published seed this way
(`problem.bundle`), so that the browser needs neither the draws' code nor `numpy.random` to start.
Nothing is ever unpickled or evaluated.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

# What one call may send to the submission (the sandbox's bound on a request).
MAX_BYTES = 64 * 1024 * 1024
OVER_THE_LIMIT = f"over the {MAX_BYTES:,} bytes ({MAX_BYTES >> 20} MiB) a call can send to the submission"


class ArgumentError(TypeError):
    """A test's argument that cannot travel to the submission: the test's fault, not the learner's."""


def pack(args: list[Any]) -> list[Any]:
    """Trusted test inputs as JSON-safe data.

    Raises ArgumentError for anything but numbers, strings, None, lists, tuples and numeric arrays, so
    that the in-process executor and the sandbox can never disagree on what a test passed.
    """
    return [_pack(a) for a in args]


def _pack(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise ArgumentError(f"an array of dtype {value.dtype.name} cannot be sent to the submission")
        if value.size > MAX_BYTES // 2:  # each number takes at least two bytes: refused before it is listed
            raise ArgumentError(f"an array of {value.size:,} numbers, {OVER_THE_LIMIT}")
        return {"__array__": value.ravel().tolist(), "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return _pack(value.item())
    if isinstance(value, tuple):
        return {"__tuple__": [_pack(v) for v in value]}
    if isinstance(value, list):
        return [_pack(v) for v in value]
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise ArgumentError(f"a {type(value).__name__} cannot be sent to the submission "
                        "(arguments are numbers, strings, None, lists, tuples and numeric arrays)")


def unpack(args: list[Any]) -> list[Any]:
    return [_unpack(a) for a in args]


def _unpack(value: Any) -> Any:
    if isinstance(value, dict) and "__array__" in value:
        return np.array(value["__array__"], dtype=value["dtype"]).reshape(value["shape"])
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_unpack(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    return value


def pack_faithfully(args: list[Any]) -> list[Any] | None:
    """`pack(args)` if unpacking it gives `args` back, types included, else None: numpy scalars come back
    as Python numbers, and subclasses of arrays (masked arrays, matrices) as plain arrays. Raises
    ArgumentError where `pack` does."""
    packed = pack(args)
    return packed if _same(args, unpack(json.loads(json.dumps(packed)))) else None


def _same(original: Any, rebuilt: Any) -> bool:
    if type(original) is not type(rebuilt):
        return False
    if isinstance(original, np.ndarray):
        return original.dtype == rebuilt.dtype and original.shape == rebuilt.shape and bool(
            np.array_equal(original, rebuilt, equal_nan=original.dtype.kind in "fc"))
    if isinstance(original, (list, tuple)):
        return len(original) == len(rebuilt) and all(_same(a, b) for a, b in zip(original, rebuilt))
    return original == rebuilt or original != original and rebuilt != rebuilt  # NaN is NaN
