"""A loopback stand-in for the Hugging Face Hub's discussion API as huggingface_hub calls it
(registries.md §4b): whoami, create a discussion (title 3-200 characters), list a repo's
discussions by author with paging, read one with its events; 401 for a bad or expired token,
403 where the owner turned discussions off, 404 for an unknown dataset, 429 with Retry-After,
a malformed answer, a dropped connection after the discussion was created, and a gate that
holds requests (a slow Hub).

With ``quota`` set it counts requests in fixed windows of ``window`` seconds on its ``clock``
(the Hub's 5-minute windows) and reports them on every answer as the Hub does:
``RateLimit: "api";r=REMAINING;t=SECONDS_TO_RESET`` and
``RateLimit-Policy: "fixed window";"api";q=QUOTA;w=WINDOW``.  A request beyond the quota gets
429 with ``r=0`` (and Retry-After when ``quota_retry_after``) and is counted in ``over_quota``:
a client that honours the fields never makes one."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from tests.servers.common import Gate, JsonHandler

TOKEN = "hf_discussion_token_123"
EXPIRED = "hf_expired_token_456"
USER = "jane"
PAGE = 50


class HubStandIn:
    def __init__(
        self,
        datasets: tuple[str, ...] = ("acme/images", "acme/other"),
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.quota: int | None = None  # requests per window; None: no RateLimit fields
        self.window = 300
        self.quota_retry_after = False
        self.policy_type = '"fixed window";'  # the Hub's prefix; "" sends the draft's own form
        self.over_quota = 0
        self.served: list[tuple[float, str]] = []  # (clock time, method) of counted requests
        self._window_start: float | None = None
        self._used = 0
        self.datasets = set(datasets)
        self.disabled: set[str] = set()
        self.discussions: dict[str, dict[int, dict]] = {d: {} for d in datasets}
        self.created = 0
        self.throttle_next = 0
        self.retry_after = "0"
        self.malformed_next = 0
        self.drop_next_create = 0
        self.requests: list[tuple[str, str]] = []
        self.gate = Gate()
        self.lock = threading.Lock()
        outer = self

        class Handler(JsonHandler):
            limit_headers: dict | None = None  # set per request by _count

            def _send(self, code, doc=None, headers=None):
                super()._send(code, doc, {**(self.limit_headers or {}), **(headers or {})})

            def _gate(self) -> bool:
                outer.requests.append((self.command, self.path))
                outer.gate.pass_through()
                auth = self.headers.get("Authorization", "")
                if auth == f"Bearer {EXPIRED}":
                    self._send(401, {"error": "Expired token"})
                    return False
                if auth != f"Bearer {TOKEN}":
                    self._send(401, {"error": "Invalid credentials in Authorization header"})
                    return False
                if not outer._count(self):
                    return False
                with outer.lock:
                    if outer.throttle_next:
                        outer.throttle_next -= 1
                        self._send(
                            429,
                            {"error": "You have exceeded our hourly quotas"},
                            {"Retry-After": outer.retry_after},
                        )
                        return False
                return True

            def _route(self) -> tuple[str | None, str | None]:
                path = unquote(urlsplit(self.path).path)
                prefix = "/api/datasets/"
                if not path.startswith(prefix) or "/discussions" not in path:
                    return None, None
                repo, _, rest = path[len(prefix) :].partition("/discussions")
                return repo, rest.strip("/")

            def do_GET(self):
                if not self._gate():
                    return
                if urlsplit(self.path).path == "/api/whoami-v2":
                    return self._send(200, {"name": USER, "type": "user"})
                repo, rest = self._route()
                if repo not in outer.datasets:
                    return self._send(404, {"error": "Repository not found"})
                with outer.lock:
                    if outer.malformed_next:
                        outer.malformed_next -= 1
                        body = b"<html>upstream error</html>"
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                        return None
                    found = outer.discussions[repo]
                    if not rest:
                        query = parse_qs(urlsplit(self.path).query)
                        author = query.get("author", [None])[0]
                        page = int(query.get("p", ["0"])[0])
                        mine = [
                            _summary(d, repo)
                            for d in sorted(found.values(), key=lambda d: -d["num"])
                            if author in (None, d["author"]["name"])
                        ]
                        return self._send(
                            200,
                            {
                                "count": len(mine),
                                "start": page * PAGE,
                                "discussions": mine[page * PAGE : (page + 1) * PAGE],
                            },
                        )
                    if rest.isdigit() and int(rest) in found:
                        return self._send(200, found[int(rest)])
                return self._send(404, {"error": "Discussion not found"})

            def do_POST(self):
                if not self._gate():
                    return None
                repo, rest = self._route()
                if repo not in outer.datasets:
                    return self._send(404, {"error": "Repository not found"})
                if repo in outer.disabled:
                    return self._send(403, {"error": "Discussions are disabled for this repo"})
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    doc = json.loads(self.rfile.read(length))
                except ValueError:
                    return self._send(400, {"error": "Invalid JSON"})
                title = str(doc.get("title", "")).strip()
                if rest or not 3 <= len(title) <= 200:
                    return self._send(400, {"error": "Title must be 3-200 characters"})
                with outer.lock:
                    num = len(outer.discussions[repo]) + 1
                    outer.discussions[repo][num] = {
                        "num": num,
                        "title": title,
                        "status": "open",
                        "isPullRequest": bool(doc.get("pullRequest")),
                        "author": {"name": USER},
                        "createdAt": "2026-11-21T10:00:00.000Z",
                        "events": [_comment(USER, doc.get("description", ""))],
                    }
                    outer.created += 1
                    if outer.drop_next_create:
                        outer.drop_next_create -= 1
                        self.close_connection = True
                        self.connection.shutdown(2)  # created, but the answer never arrives
                        return None
                return self._send(200, {"num": num, "url": {"web": f"/datasets/{repo}"}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _count(self, handler) -> bool:
        """Count the request in the current window and set the fields every answer carries;
        answer 429 (and return False) when the window's quota is used up."""
        if self.quota is None:
            return True
        with self.lock:
            now = self.clock()
            start = math.floor(now / self.window) * self.window
            if start != self._window_start:
                self._window_start, self._used = start, 0
            reset = max(1, math.ceil(start + self.window - now))
            policy = f'{self.policy_type}"api";q={self.quota};w={self.window}'
            over = self._used >= self.quota
            if not over:
                self._used += 1
                self.served.append((now, handler.command))
            else:
                self.over_quota += 1
            left = self.quota - self._used
        handler.limit_headers = {
            "RateLimit": f'"api";r={left};t={reset}',
            "RateLimit-Policy": policy,
        }
        if over:
            extra = {"Retry-After": str(reset)} if self.quota_retry_after else {}
            handler._send(429, {"error": "You have exceeded our 5-minute quota"}, extra)
            return False
        return True

    def reply(self, repo: str, num: int, text: str, *, close: bool = False) -> None:
        """The dataset's owner answers, and perhaps closes the discussion."""
        with self.lock:
            discussion = self.discussions[repo][num]
            discussion["events"].append(_comment("acme-owner", text))
            if close:
                discussion["status"] = "closed"
                discussion["events"].append(
                    {
                        "id": f"e{len(discussion['events'])}",
                        "type": "status-change",
                        "author": {"name": "acme-owner"},
                        "createdAt": "2026-11-22T10:00:00.000Z",
                        "data": {"status": "closed"},
                    }
                )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _comment(author: str, text: str) -> dict:
    return {
        "id": f"c-{abs(hash((author, text)))}",
        "type": "comment",
        "author": {"name": author},
        "createdAt": "2026-11-21T10:00:00.000Z",
        "data": {"edited": False, "hidden": False, "latest": {"raw": text, "html": text}},
    }


def _summary(d: dict, repo: str) -> dict:
    keys = ("num", "title", "status", "author", "createdAt", "isPullRequest")
    return {**{k: d[k] for k in keys}, "repo": {"name": repo, "type": "dataset"}}
