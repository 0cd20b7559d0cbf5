"""A loopback stand-in for GitHub's REST issues API as The Stack's opt-out uses it: create an
issue (201, 422 without a title), list the user's issues, read one with an ETag (304 when
unchanged), its comments, 401 for a bad token, a 403 secondary rate limit with Retry-After, a
503 with a long Retry-After, and a gate that holds requests (a slow GitHub)."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.servers.common import Gate, JsonHandler

TOKEN = "ghp_issue_token_123"
EXPIRED = "ghp_expired_token_000"
REPO = "bigcode-project/opt-out-v2"
LOGIN = "jane"


class IssuesStandIn:
    def __init__(self) -> None:
        self.issues: dict[int, dict] = {}
        self.comments: dict[int, list[dict]] = {}
        self.created = 0
        self.throttle_next = 0
        self.not_modified = 0
        self.too_long = 0  # bodies longer than this are refused with 422 (0: no limit)
        self.malformed_next = 0
        self.unavailable_for: str | None = None  # answer 503 with this Retry-After
        self.gate = Gate()
        self.lock = threading.Lock()
        outer = self

        class Handler(JsonHandler):
            def _gate(self) -> bool:
                outer.gate.pass_through()
                if outer.unavailable_for is not None:
                    self._send(
                        503, {"message": "Unavailable"}, {"Retry-After": outer.unavailable_for}
                    )
                    return False
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._send(401, {"message": "Bad credentials"})
                    return False
                with outer.lock:
                    if outer.throttle_next:
                        outer.throttle_next -= 1
                        self._send(
                            403,
                            {"message": "You have exceeded a secondary rate limit."},
                            {"Retry-After": "0"},
                        )
                        return False
                return True

            def do_GET(self):
                if not self._gate():
                    return
                parts = urlsplit(self.path)
                path = parts.path
                base = f"/repos/{REPO}/issues"
                if path == "/user":
                    return self._send(200, {"login": LOGIN})
                with outer.lock:
                    if path == base:
                        query = parse_qs(parts.query)
                        creator = query.get("creator", [None])[0]
                        found = [i for i in outer.issues.values() if i["user"]["login"] == creator]
                        return self._send(200, found)
                    rest = path[len(base) + 1 :] if path.startswith(base + "/") else ""
                    if rest.endswith("/comments"):
                        number = int(rest.split("/")[0])
                        return self._send(200, outer.comments.get(number, []))
                    if rest.isdigit() and int(rest) in outer.issues:
                        if outer.malformed_next:
                            outer.malformed_next -= 1
                            return self._send(200, ["not", "an", "issue"])
                        issue = outer.issues[int(rest)]
                        etag = (
                            '"'
                            + hashlib.sha1(json.dumps(issue, sort_keys=True).encode()).hexdigest()
                            + '"'
                        )
                        if self.headers.get("If-None-Match") == etag:
                            outer.not_modified += 1
                            return self._send(304)
                        return self._send(200, issue, {"ETag": etag})
                self._send(404, {"message": "Not Found"})

            def do_POST(self):
                if not self._gate():
                    return
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != f"/repos/{REPO}/issues":
                    return self._send(404, {"message": "Not Found"})
                if not body.get("title"):
                    return self._send(422, {"message": "Validation Failed"})
                if outer.too_long and len(body.get("body", "")) > outer.too_long:
                    return self._send(
                        422,
                        {
                            "message": "Validation Failed",
                            "errors": [{"field": "body", "code": "custom",
                                        "message": "body is too long"}],
                        },
                    )  # fmt: skip
                with outer.lock:
                    outer.created += 1
                    number = 1000 + outer.created
                    issue = {
                        "number": number,
                        "title": body["title"],
                        "body": body.get("body", ""),
                        "state": "open",
                        "state_reason": None,
                        "comments": 0,
                        "user": {"login": LOGIN},
                        "html_url": f"https://github.com/{REPO}/issues/{number}",
                    }
                    outer.issues[number] = issue
                self._send(201, issue)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def comment(self, number: int, text: str, *, close: str | None = None) -> None:
        with self.lock:
            self.comments.setdefault(number, []).append({"body": text, "user": {"login": "bot"}})
            self.issues[number]["comments"] += 1
            if close:
                self.issues[number]["state"] = "closed"
                self.issues[number]["state_reason"] = close

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
