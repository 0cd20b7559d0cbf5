"""Pieces every loopback test server shares."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet handler that answers JSON (304 answers carry no body)."""

    def log_message(self, *args) -> None:
        pass

    def _send(self, code: int, doc: object = None, headers: dict | None = None) -> None:
        body = b"" if code == 304 else json.dumps({} if doc is None else doc).encode()
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Gate:
    """Holds a stand-in's requests while closed, so a test can make it as slow as it needs and
    watch what everything else does meanwhile.  Requests go on when it opens again (or after
    ``limit`` seconds, so a failed test never hangs)."""

    def __init__(self, limit: float = 30.0) -> None:
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self.limit = limit
        self.waiting = 0  # requests held right now

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    def pass_through(self) -> None:
        if self._open.is_set():
            return
        with self._lock:
            self.waiting += 1
        try:
            self._open.wait(self.limit)
        finally:
            with self._lock:
                self.waiting -= 1
