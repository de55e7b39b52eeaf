"""Serve the built site: `python site/serve.py [--dir _site] [--port 8000]` (what `make serve` runs).

Sends COOP/COEP headers so the page is cross-origin isolated: the worker can then be interrupted
through a SharedArrayBuffer when a run passes its time limit, instead of being restarted.
"""

from __future__ import annotations

import argparse
import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000, isolated: bool = True,
                verbose: bool = False, record: bool = False) -> ThreadingHTTPServer:
    """A server of `folder`; with `record`, `server.served` lists (path, status) of every request."""
    if not (folder / "index.html").is_file():
        raise SystemExit(f"serve: error: {folder} holds no built site; run `make site` first")
    handler = type("Handler", (SiteHandler,), {"isolated": isolated})
    server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(folder)))
    server.verbose = verbose
    server.served = [] if record else None
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "_site", help="the built site (default: _site)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-isolation", action="store_true", help="omit COOP/COEP (runs over time restart Python)")
    args = parser.parse_args(argv)
    server = make_server(args.dir, port=args.port, isolated=not args.no_isolation, verbose=True)
    print(f"Serving {args.dir} on http://127.0.0.1:{server.server_port}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
