"""The grader's channel, over a real pipe in this process: whole messages, bounded, never trusted."""

from __future__ import annotations

import os
import struct
import threading
import time

import numpy as np
import pytest

from harness.core import arguments
from harness.sandbox import wire


@pytest.fixture
def pipe():
    read, write = os.pipe()
    yield read, write
    for fd in (read, write):
        try:
            os.close(fd)
        except OSError:
            pass


def write_raw(fd: int, body: bytes, announced: int | None = None) -> None:
    os.write(fd, struct.pack(">I", len(body) if announced is None else announced) + body)


def test_a_message_arrives_whole(pipe):
    read, write = pipe
    wire.send(write, {"op": "call", "args": [1.5, "x", None]})
    assert wire.receive(read, time.monotonic() + 1) == {"op": "call", "args": [1.5, "x", None]}


def test_arguments_keep_arrays_dtypes_shapes_and_tuples():
    args = [np.arange(6, dtype=np.float32).reshape(2, 3), (1, [2.0, (3,)]), np.int64(4), True]
    back = arguments.unpack(arguments.pack(args))
    assert back[0].dtype == np.float32 and back[0].shape == (2, 3) and np.array_equal(back[0], args[0])
    assert back[1] == (1, [2.0, (3,)]) and type(back[1][1][1]) is tuple
    assert back[2:] == [4, True]


@pytest.mark.parametrize("argument", [{"a": 1}, np.array(["text"]), object()])
def test_an_argument_that_cannot_travel_is_the_tests_fault(argument):
    with pytest.raises(arguments.ArgumentError):
        arguments.pack([argument])


@pytest.mark.parametrize("argument", [np.zeros(wire.MAX_REQUEST), "x" * wire.MAX_REQUEST],
                         ids=["an array, from its size alone", "a string, once encoded"])
def test_arguments_over_the_request_limit_are_the_tests_fault_before_anything_is_sent(argument):
    with pytest.raises(arguments.ArgumentError, match=r"over the 67,108,864 bytes \(64 MiB\) a call can send"):
        wire.call_request([argument])


def test_arguments_within_the_limit_make_a_request_the_child_reads(pipe):
    read, write = pipe
    wire.send(write, wire.call_request([np.arange(3.0), (1, "a")]))
    request = wire.receive(read, time.monotonic() + 1)
    assert request["op"] == "call" and arguments.unpack(request["args"])[1] == (1, "a")


def test_a_message_over_the_limit_is_refused_from_its_header_alone(pipe):
    read, write = pipe
    write_raw(write, b"", announced=wire.MAX_REPLY + 1)  # nothing follows: the body is never awaited
    with pytest.raises(wire.MalformedMessage, match="over the limit"):
        wire.receive(read, time.monotonic() + 1, limit=wire.MAX_REPLY)


@pytest.mark.parametrize(
    "body, says",
    [(b"{not json", "malformed"), (b"[1, 2]", "not an object"), (b'{"v": ' + b"9" * 5000 + b"}", "malformed"),
     (b"\xff\xfe", "malformed")],
    ids=["not-json", "not-an-object", "huge-integer", "not-utf8"],
)
def test_what_is_not_a_message_is_malformed(pipe, body, says):
    read, write = pipe
    write_raw(write, body)
    with pytest.raises(wire.MalformedMessage, match=says):
        wire.receive(read, time.monotonic() + 1)


def test_a_closed_channel_is_closed_not_malformed(pipe):
    read, write = pipe
    write_raw(write, b'{"partial": ', announced=100)
    os.close(write)
    with pytest.raises(wire.ChannelClosed):
        wire.receive(read, time.monotonic() + 1)


def test_a_message_that_does_not_arrive_whole_by_the_deadline_times_out(pipe):
    read, write = pipe
    write_raw(write, b'{"dripping": ', announced=50)  # the rest never comes
    started = time.monotonic()
    with pytest.raises(wire.ChannelTimeout):
        wire.receive(read, started + 0.2)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("unit", [b"[],", b"{},", b"0,"], ids=["lists", "objects", "numbers"])
def test_a_reply_of_more_items_than_an_honest_one_is_refused_before_decoding(pipe, unit):
    read, write = pipe
    count = wire.REPLY_BUDGET.items + 1
    body = b'{"value": [' + unit * count + b'0]}'
    threading.Thread(target=write_raw, args=(write, body), daemon=True).start()
    with pytest.raises(wire.MalformedMessage, match="lists or objects"):
        wire.receive(read, time.monotonic() + 10, limit=len(body), budget=wire.REPLY_BUDGET)


def test_an_honest_reply_of_a_million_numbers_and_full_output_is_within_the_budget(pipe):
    read, write = pipe
    reply = {"value": {"kind": "array", "data": [0.5] * 1_000_000, "shape": [1_000_000]},
             "fault": None, "output": "[{,:" * 2_500}
    threading.Thread(target=wire.send, args=(write, reply), daemon=True).start()
    assert wire.receive(read, time.monotonic() + 10, limit=wire.MAX_REPLY, budget=wire.REPLY_BUDGET) == reply
