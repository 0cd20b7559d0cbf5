"""Pieces every loopback test server shares."""

from __future__ import annotations

import json
import socket
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
