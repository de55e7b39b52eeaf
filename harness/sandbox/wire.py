"""Length-prefixed JSON messages over a pipe: the only channel between the grader and a submission.

Arguments travel as tagged data so that arrays arrive as arrays; replies are the plain data of
`harness.plain`. Nothing is ever unpickled or evaluated.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

import numpy as np

MAX_MESSAGE = 64 * 1024 * 1024
_HEADER = struct.Struct(">I")


class ChannelError(Exception):
    """Nothing usable can be read from the channel any more."""


class ChannelClosed(ChannelError):
    """The other side closed the pipe."""


class MalformedMessage(ChannelError):
    """The other side sent too much, or something that is not a message: its writer is not our code."""


class ChannelTimeout(Exception):
    """No whole message arrived before the deadline."""


def send(fd: int, message: dict) -> None:
    body = json.dumps(message, allow_nan=True).encode()
    data = _HEADER.pack(len(body)) + body
    while data:
        written = os.write(fd, data)
        data = data[written:]


def receive(fd: int, timeout: float | None = None) -> dict:
    deadline = None if timeout is None else time.monotonic() + timeout
    (length,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    if length > MAX_MESSAGE:
        raise MalformedMessage(f"message of {length} bytes is over the limit")
    try:
        message = json.loads(_read_exactly(fd, length, deadline))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise MalformedMessage(f"malformed message: {exc}") from None
    if not isinstance(message, dict):
        raise MalformedMessage("malformed message: not an object")
    return message


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


def pack_args(args: list[Any]) -> list[Any]:
    """Trusted test inputs as JSON-safe data (arrays keep their dtype and shape)."""
    return [_pack(a) for a in args]


def _pack(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"__array__": value.ravel().tolist(), "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_pack(v) for v in value]
    return value


def unpack_args(args: list[Any]) -> list[Any]:
    return [_unpack(a) for a in args]


def _unpack(value: Any) -> Any:
    if isinstance(value, dict) and "__array__" in value:
        return np.array(value["__array__"], dtype=value["dtype"]).reshape(value["shape"])
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    return value
