"""Plain, JSON-safe data between the code under test and the trusted test code.

Whatever a submission returns is first turned into a small tagged dict (`encode`), and the tests only
ever see what `decode` rebuilds from it after checking type, shape and finiteness. In the CLI the two
halves live in different processes; in the browser they run back to back. Either way a test never
touches an object the submission made, so a float subclass whose comparisons always say True, for
instance, arrives as an ordinary float.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MAX_ELEMENTS = 1_000_000
_NUMERIC_KINDS = "biuf"


class WrongResult(Exception):
    """A returned value that cannot be what the function promises; the message says why."""


def encode(value: Any) -> dict:
    """Describe `value` as JSON-safe data without trusting any of its methods."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "other", "type": "bool", "repr": repr(bool(value))}
    if isinstance(value, int):
        try:
            return {"kind": "float", "value": float(int.__index__(value))}
        except OverflowError:
            return {"kind": "other", "type": "int", "repr": "an int too large for a float"}
    if isinstance(value, float):
        return {"kind": "float", "value": float.__float__(value)}
    if isinstance(value, np.generic) and value.dtype.kind in _NUMERIC_KINDS:
        return {"kind": "float", "value": float(np.asarray(value, dtype=np.float64).item()), "dtype": value.dtype.name}
    if isinstance(value, (np.ndarray, list, tuple)):
        return _encode_array(value)
    return {"kind": "other", "type": type(value).__name__, "repr": _short_repr(value)}


def _encode_array(value: Any) -> dict:
    try:
        array = np.array(value, dtype=None, copy=True)
    except Exception:
        return {"kind": "other", "type": type(value).__name__, "repr": _short_repr(value)}
    if array.dtype.kind not in _NUMERIC_KINDS or array.dtype.kind == "b":
        return {"kind": "other", "type": f"{type(value).__name__} of {array.dtype}", "repr": _short_repr(value)}
    if array.size > MAX_ELEMENTS:
        return {"kind": "other", "type": type(value).__name__, "repr": f"an array of {array.size} elements"}
    return {
        "kind": "array",
        "shape": list(array.shape),
        "dtype": array.dtype.name,
        "data": np.asarray(array, dtype=np.float64).ravel().tolist(),
    }


def _short_repr(value: Any, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decode(plain: Any, returns: str, call: object) -> float | np.ndarray:
    """Rebuild a value the tests may compare, or raise WrongResult saying what `call` (its str) returned."""
    kind = plain.get("kind") if isinstance(plain, dict) else None
    if kind == "none":
        raise WrongResult(f"{call} returned None. Did you forget a `return` statement?")
    if kind == "other":
        what = f"a {plain.get('type', 'value')}"
        raise WrongResult(f"{call} returned {what} ({plain.get('repr', '?')}); {_promise(returns)}")
    if kind == "float":
        value = plain.get("value")
        if not isinstance(value, float):
            raise WrongResult(f"{call} sent back malformed data")
        if returns == "array":
            raise WrongResult(f"{call} returned a single number ({value!r}); {_promise(returns)}")
        if not math.isfinite(value):
            _require_finite(np.asarray(value), call)
        return value
    if kind == "array":
        array = _rebuild_array(plain, call)
        if returns == "float":
            if array.shape == ():
                _require_finite(array, call)
                return float(array)
            raise WrongResult(f"{call} returned an array of shape {tuple(array.shape)}; {_promise(returns)}. "
                              + _array_for_float_hint(array))
        _require_finite(array, call)
        return array
    raise WrongResult(f"{call} sent back malformed data")


def _rebuild_array(plain: dict, call: str) -> np.ndarray:
    shape, data = plain.get("shape"), plain.get("data")
    valid = (
        isinstance(shape, list)
        and all(isinstance(n, int) and n >= 0 for n in shape)
        and isinstance(data, list)
        and len(data) == math.prod(shape) <= MAX_ELEMENTS
        and all(isinstance(x, float) for x in data)
    )
    if not valid:
        raise WrongResult(f"{call} sent back malformed data")
    return np.array(data, dtype=np.float64).reshape(shape)


def _array_for_float_hint(array: np.ndarray) -> str:
    if array.size == 1:
        return "A one-element array is still an array: return the number inside it, `x.item()`."
    return ("If these are per-element terms, combine them into the single number the statement asks for "
            "(a sum or a mean).")


def _require_finite(array: np.ndarray, call: str) -> None:
    if np.any(np.isnan(array)):
        raise WrongResult(
            f"{call} returned nan, not a finite number. nan comes from 0/0 (such as a mean over zero items), "
            "from inf - inf or inf/inf (often exp() overflowing first), or from the log of a negative number."
        )
    if not np.all(np.isfinite(array)):
        raise WrongResult(f"{call} returned inf, not a finite number. Look for overflow in exp() or log(0).")


def _promise(returns: str) -> str:
    return "expected a single float" if returns == "float" else "expected an array of numbers"
