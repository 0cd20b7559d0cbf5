"""A loopback stand-in for the GitHub contents API, following GitHub's documented shapes:
GET/PUT/DELETE /repos/{owner}/{repo}/contents/{path}, blob shas, 401 for a bad token, 404 for
missing files, 409 when an update names a sha that is no longer current, 422 when it names none.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from tests.servers.common import JsonHandler

TOKEN = "ghp_test_token_0123456789"
READ_ONLY_TOKEN = "ghp_read_only_token_98765"
REPO = "jane/jane.github.io"


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class GitHubStandIn:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.commits: list[str] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(JsonHandler):
            def _authorised(self, write: bool = False) -> bool:
                given = self.headers.get("Authorization")
                if given == f"Bearer {READ_ONLY_TOKEN}":
                    if write:
                        self._send(403, {"message": "Resource not accessible by integration"})
                        return False
                    return True
                if given != f"Bearer {TOKEN}":
                    self._send(401, {"message": "Bad credentials"})
                    return False
                return True

            def _path(self) -> str | None:
                parts = urlsplit(self.path).path
                prefix = f"/repos/{REPO}/contents/"
                return unquote(parts[len(prefix) :]) if parts.startswith(prefix) else None

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length", 0))
                return json.loads(self.rfile.read(length) or b"{}")

            def do_GET(self):
                if not self._authorised():
                    return
                if urlsplit(self.path).path == f"/repos/{REPO}":
                    return self._send(200, {"full_name": REPO, "default_branch": "main"})
                path = self._path()
                with outer.lock:
                    data = outer.files.get(path) if path is not None else None
                if data is None:
                    return self._send(404, {"message": "Not Found"})
                self._send(
                    200,
                    {
                        "type": "file",
                        "encoding": "base64",
                        "path": path,
                        "sha": blob_sha(data),
                        "content": base64.encodebytes(data).decode(),
                    },
                )

            def do_PUT(self):
                if not self._authorised(write=True):
                    return
                path, body = self._path(), self._body()
                with outer.lock:
                    current = outer.files.get(path)
                    if current is not None and "sha" not in body:
                        return self._send(422, {"message": '"sha" wasn\'t supplied.'})
                    if current is not None and body["sha"] != blob_sha(current):
                        return self._send(409, {"message": f"{path} does not match {body['sha']}"})
                    data = base64.b64decode(body["content"])
                    outer.files[path] = data
                    outer.commits.append(body["message"])
                self._send(
                    200 if current is not None else 201,
                    {"content": {"path": path, "sha": blob_sha(data)}, "commit": {"sha": "c0"}},
                )

            def do_DELETE(self):
                if not self._authorised(write=True):
                    return
                path, body = self._path(), self._body()
                with outer.lock:
                    current = outer.files.get(path)
                    if current is None:
                        return self._send(404, {"message": "Not Found"})
                    if body.get("sha") != blob_sha(current):
                        return self._send(409, {"message": "does not match"})
                    del outer.files[path]
                self._send(200, {"commit": {"sha": "c1"}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def serve_pages(self):
        """The Pages site built from the repository: its files over plain HTTP."""
        files, lock = self.files, self.lock

        class Pages(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with lock:
                    data = files.get(unquote(urlsplit(self.path).path).lstrip("/"))
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

        pages = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
        threading.Thread(target=pages.serve_forever, daemon=True).start()
        self._pages = pages
        return f"http://127.0.0.1:{pages.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if getattr(self, "_pages", None):
            self._pages.shutdown()
            self._pages.server_close()
