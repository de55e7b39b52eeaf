"""Length-prefixed JSON messages over a pipe: the only channel between the grader and a submission.

Arguments travel as `harness.core.arguments` packs them (arrays arrive as arrays, tuples as tuples); replies are the
plain data of `harness.core.plain`. Nothing is ever unpickled or evaluated. The receiver bounds what it
reads before decoding anything: a message over `limit` bytes is refused from its header alone, and a
reply whose bytes hold more containers or items than an honest reply can is refused before it becomes
Python objects, which cost up to 30 times their bytes (`[],[],...`).
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from dataclasses import dataclass
from typing import Any


from ..core.arguments import MAX_BYTES, OVER_THE_LIMIT, ArgumentError, pack
from ..core.plain import MAX_ELEMENTS

# Requests carry the tests' arguments; replies, one returned value (at most plain.MAX_ELEMENTS numbers)
# and output already cut to submission.OUTPUT_LIMIT characters by the child's harness. A hostile child
# can replace that harness, so the grader enforces the bound itself, before decoding.
MAX_REQUEST = MAX_BYTES
MAX_REPLY = 8 * 1024 * 1024
_HEADER = struct.Struct(">I")


@dataclass(frozen=True)
class Budget:
    """What a message may become once decoded, counted in its bytes: `containers` ([ and {, some 60 to
    100 bytes each as objects) and `items` (their separators , and :, one per number, string or key).
    Counted in strings too, without parsing (a parse would cost what it guards against): the budgets
    allow for the text an honest message carries."""

    containers: int
    items: int


# An honest reply: one value of at most plain.MAX_ELEMENTS numbers, a fault with a few frames, a few
# keys, and under 10,000 characters of text (output, message, frames' names). Decoded, it costs the
# grader at most about 65 MB: a million numbers or short strings, and 10,000 lists or objects.
REPLY_BUDGET = Budget(containers=10_000, items=MAX_ELEMENTS + 10_000)


class ChannelError(Exception):
    """Nothing usable can be read from the channel any more."""


class ChannelClosed(ChannelError):
    """The other side closed the pipe."""


class MalformedMessage(ChannelError):
    """The other side sent too much, or something that is not a message: its writer is not our code."""


class ChannelTimeout(Exception):
    """No whole message arrived before the deadline."""


def encode(message: dict) -> bytes:
    """The message as it travels: its length, then its JSON."""
    body = json.dumps(message, allow_nan=True).encode()
    return _HEADER.pack(len(body)) + body


def send(fd: int, message: dict | bytes) -> int:
    """Send a message, or one `encode`d already; return the length of its JSON."""
    data = message if isinstance(message, bytes) else encode(message)
    length = len(data) - _HEADER.size
    while data:
        written = os.write(fd, data)
        data = data[written:]
    return length


def call_request(args: list[Any]) -> bytes:
    """The encoded request to call the submission on `args`; ArgumentError when it cannot be sent, which
    includes arguments over MAX_REQUEST (the child would refuse them): checked before anything is sent."""
    message = encode({"op": "call", "args": pack(args)})
    if len(message) - _HEADER.size > MAX_REQUEST:
        raise ArgumentError(f"arguments of {len(message) - _HEADER.size:,} bytes, {OVER_THE_LIMIT}")
    return message


def calls_request(calls: list[list[Any]]) -> bytes | None:
    """The encoded request to call the submission on each of `calls` in turn (a batch), or None when
    together they are over MAX_REQUEST; ArgumentError when one of them cannot be sent."""
    message = encode({"op": "calls", "calls": [pack(args) for args in calls]})
    return message if len(message) - _HEADER.size <= MAX_REQUEST else None


def receive(fd: int, deadline: float | None = None, limit: int = MAX_REQUEST, budget: Budget | None = None) -> dict:
    """The next message, whole by `deadline` (time.monotonic()), at most `limit` bytes long and within
    `budget` (if given) before it is decoded."""
    return receive_sized(fd, deadline, limit, budget)[0]


def receive_sized(fd: int, deadline: float | None = None, limit: int = MAX_REQUEST,
                  budget: Budget | None = None) -> tuple[dict, int]:
    """`receive`, with the length of the message's JSON."""
    (length,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    if length > limit:
        raise MalformedMessage(f"a message of {length} bytes, over the limit of {limit}")
    body = _read_exactly(fd, length, deadline)
    if budget is not None:
        _check(body, budget)
    try:
        message = json.loads(body)
    # ValueError: among others, an integer of more digits than int() converts (sys.get_int_max_str_digits).
    except (ValueError, RecursionError) as exc:
        raise MalformedMessage(f"malformed message: {exc}") from None
    if not isinstance(message, dict):
        raise MalformedMessage("malformed message: not an object")
    return message, length


def _check(body: bytes, budget: Budget) -> None:
    containers = body.count(b"[") + body.count(b"{")
    items = body.count(b",") + body.count(b":")
    if containers > budget.containers or items > budget.items:
        raise MalformedMessage(f"a message of {containers:,} lists or objects and {items:,} items, over the "
                               f"limit of {budget.containers:,} and {budget.items:,}")


def readable(fd: int, timeout: float) -> bool:
    """Whether something (a message, or the end of the channel) can be read within `timeout`."""
    return bool(select.select([fd], [], [], max(timeout, 0))[0])


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise ChannelTimeout()
        chunk = os.read(fd, min(size - got, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
