"""The bound on the grader's own time in a problem's code: interrupted past it, untouched within it."""

from __future__ import annotations

import time

import pytest

from harness.sandbox.watchdog import OwnTime, OwnTimeExceeded

BOUND = 0.3


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_loop_past_the_bound_is_interrupted_naming_the_file_and_the_bound():
    own = OwnTime(BOUND, wall_factor=4, where="problems/p/tests.py")
    own.start()
    started = time.monotonic()
    try:
        with pytest.raises(OwnTimeExceeded) as raised:
            spin(10)
    finally:
        own.stop()
    assert time.monotonic() - started < 5
    assert raised.value.where == "problems/p/tests.py"
    assert str(raised.value).startswith("ran for more than 0.3 s of the grader's own time without calling")


def test_handing_over_to_the_submission_ends_the_stretch():
    own = OwnTime(BOUND, wall_factor=1, where="tests.py")
    for _ in range(4):  # each stretch stays within the bound, together they are well past it
        own.start()
        spin(BOUND / 2)
        own.hand_over()
        time.sleep(BOUND)  # the submission's turn: not the problem's time
    spin(0.3)  # the watchdog had every chance to strike


def test_code_that_swallows_the_interruption_gets_it_again():
    own = OwnTime(BOUND, wall_factor=4, where="tests.py")
    caught, deadline = 0, time.monotonic() + 20
    own.start()
    try:
        while caught < 2 and time.monotonic() < deadline:
            try:
                spin(10)
            except OwnTimeExceeded:
                caught += 1
    finally:
        own.stop()
    assert caught == 2


def test_code_that_swallowed_the_interruption_cannot_call_the_submission_again():
    own = OwnTime(BOUND, wall_factor=4, where="tests.py")
    own.start()
    try:
        try:
            spin(10)
        except OwnTimeExceeded:
            pass
        with pytest.raises(OwnTimeExceeded):
            own.hand_over()
        with pytest.raises(OwnTimeExceeded):
            own.hand_over()
    finally:
        own.stop()
