"""Serve a built site locally: `exercise-kit serve [--dir _site] [--port 8000]`.

Sends COOP/COEP headers so the page is cross-origin isolated: the worker can then be interrupted
through a SharedArrayBuffer when a run passes its time limit, instead of being restarted.
"""

from __future__ import annotations

import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import PublishError


class ServeError(PublishError):
    """The site cannot be served; the message says what to do."""


class SiteHandler(SimpleHTTPRequestHandler):
    isolated = True
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".whl": "application/zip",
        ".json": "application/json",
    }

    def end_headers(self) -> None:
        if self.isolated:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_request(self, code="-", size="-") -> None:
        if self.server.served is not None:
            self.server.served.append((self.path, int(code) if str(code).isdigit() else 0))
        super().log_request(code, size)

    def log_message(self, format: str, *args) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class SiteServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A browser that leaves mid-download (a closed tab, a reload) is not an error of the server.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000, isolated: bool = True,
                verbose: bool = False, record: bool = False) -> SiteServer:
    """A server of `folder`; with `record`, `server.served` lists (path, status) of every request."""
    if not (folder / "index.html").is_file():
        raise ServeError(f"{folder} holds no built site; run `exercise-kit build` first")
    handler = type("Handler", (SiteHandler,), {"isolated": isolated})
    server = SiteServer((host, port), functools.partial(handler, directory=str(folder)))
    server.verbose = verbose
    server.served = [] if record else None
    return server
