"""A real HTTP server on loopback serving a document root, applying the Netlify-style
``_headers`` file found in it (the snippet the app generates), as a static host would."""

from __future__ import annotations

import fnmatch
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _rules(root: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    path = root / "_headers"
    if not path.exists():
        return []
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif rules:
            name, _, value = line.strip().partition(":")
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        url_path = self.path.split("?", 1)[0]
        for pattern, headers in _rules(Path(self.directory)):
            if fnmatch.fnmatchcase(url_path, pattern):
                for name, value in headers:
                    self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


class SiteServer:
    def __init__(self, root: Path) -> None:
        handler = functools.partial(_Handler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
