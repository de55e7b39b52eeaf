"""The plain-data boundary: what a submission returns is described without trusting it, then checked."""

from __future__ import annotations

import numpy as np
import pytest

from harness.core.plain import MAX_ELEMENTS, WrongResult, decode, encode

CALL = "f(1)"


def round_trip(value, returns="float"):
    return decode(encode(value), returns, CALL)


class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.5


def test_a_float_subclass_arrives_as_a_plain_float_with_its_real_value():
    value = round_trip(AlwaysEqual(3.25))
    assert type(value) is float and value == 3.25


@pytest.mark.parametrize("value", [np.float32(1.5), np.int64(2), 7, np.array(2.5)])
def test_numbers_of_every_numeric_kind_arrive_as_floats(value):
    assert round_trip(value) == float(value)


def test_arrays_keep_their_shape_and_arrive_as_float64():
    value = round_trip([[1, 2], [3, 4]], returns="array")
    assert value.dtype == np.float64 and value.shape == (2, 2)


@pytest.mark.parametrize(
    "value, returns, says",
    [
        (None, "float", "Did you forget a `return` statement?"),
        (True, "float", "returned a bool"),
        (10**400, "float", "an int too large for a float"),
        ("0.5", "float", "returned a str"),
        (float("nan"), "float", "returned nan"),
        (np.array([1.0, np.inf]), "array", "returned inf"),
        (np.array([0.5]), "float", "returned an array of shape (1,)"),
        (1.0, "array", "returned a single number"),
        (np.zeros(MAX_ELEMENTS + 1), "array", f"an array of {MAX_ELEMENTS + 1} elements"),
    ],
)
def test_what_cannot_be_the_answer_is_refused_with_a_reason(value, returns, says):
    with pytest.raises(WrongResult) as refused:
        round_trip(value, returns)
    assert says in str(refused.value) and CALL in str(refused.value)


@pytest.mark.parametrize(
    "forged",
    [
        {"kind": "float", "value": "1.0"},
        {"kind": "array", "shape": [2], "data": [1.0]},
        {"kind": "array", "shape": [-1], "data": []},
        {"kind": "array", "shape": [1], "data": ["x"]},
        {"kind": "mystery"},
        ["not", "a", "dict"],
    ],
)
def test_forged_data_is_malformed_never_trusted(forged):
    with pytest.raises(WrongResult, match="malformed"):
        decode(forged, "array" if forged and isinstance(forged, dict) and forged.get("kind") == "array" else "float", CALL)
