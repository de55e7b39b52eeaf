"""The submission's side of CLI grading: limit this process, then answer load and call requests.

Started by `harness.sandbox` as `python -I -m harness.child CONFIG`. It holds no tests, no expected
values and no reference: only the submission's source and the arguments of each call.
"""

from __future__ import annotations

import json
import resource
import sys

from . import submission, wire
from .manifest import Entry

_RLIMITS = {
    "cpu_seconds": resource.RLIMIT_CPU,
    "address_space": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
    "file_size": resource.RLIMIT_FSIZE,
}


def apply_limits(limits: dict[str, int]) -> None:
    for name, value in limits.items():
        resource.setrlimit(_RLIMITS[name], (value, value))


def serve(requests: int, replies: int) -> None:
    function, name = None, ""
    wire.send(replies, {"ready": True})
    while True:
        try:
            request = wire.receive(requests)
        except wire.ChannelClosed:
            return
        if request.get("op") == "load":
            entry = Entry(**{**request["entry"], "params": tuple(request["entry"]["params"])})
            function, fault, output = submission.load(request["source"], entry)
            name = entry.name
            wire.send(replies, {"fault": fault and fault.to_dict(), "output": output})
        elif request.get("op") == "call" and function is not None:
            plain, fault, output = submission.call(function, wire.unpack_args(request["args"]), name)
            wire.send(replies, {"value": plain, "fault": fault and fault.to_dict(), "output": output})
        else:
            return


def main() -> None:
    config = json.loads(sys.argv[1])
    apply_limits(config["limits"])
    import numpy  # noqa: F401 - loaded before the clock starts, as every submission needs it

    serve(config["requests"], config["replies"])


if __name__ == "__main__":
    main()
