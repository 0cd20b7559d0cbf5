"""A loopback stand-in for the Spawning query API, following registries.md §1b: API-key header,
text/plain newline-joined URLs (more than one, at most 10,000), positional ``urls`` answers,
429 with Retry-After above its rate limit, and opt-outs that appear over successive polls.

It also serves HaveIBeenTrained's front page at ``page_url``, as it has been since 2025 (a
maintenance notice), or as an error, or as a working page: what a liveness check reads."""

from __future__ import annotations

import threading
import time
from http.server import ThreadingHTTPServer
from itertools import pairwise

from tests.servers.common import JsonHandler

KEY = "spawning-test-key"

# the front pages HaveIBeenTrained can show: (status, HTML)
PAGES = {
    "maintenance": (
        200,
        "<!doctype html><title>Have I Been Trained?</title>"
        "<h1>Have I Been Trained is currently Under Maintenance</h1>"
        "<p>We'll be back soon.</p>",
    ),
    "error": (503, "<!doctype html><title>503 Service Unavailable</title>"),
    "working": (
        200,
        "<!doctype html><title>Have I Been Trained?</title><form><input name=q></form>",
    ),
}


class SpawningStandIn:
    def __init__(self, *, per_second: float = 1000.0, max_urls: int = 10000) -> None:
        self.opted_out: set[str] = set()
        self.requests: list[list[str]] = []
        self.fail_next: list[int] = []  # status codes to answer with, next requests first
        self.malformed_next = 0
        self.page = "maintenance"  # what the front page shows (PAGES)
        self.page_requests = 0
        self.per_second = per_second
        self.max_urls = max_urls
        self.throttled = 0
        self.arrivals: list[float] = []  # when each request was read, accepted or not
        self._last = 0.0
        self.lock = threading.Lock()
        outer = self

        class Handler(JsonHandler):
            def do_GET(self):
                # for a benchmark running this in its own process
                with outer.lock:
                    if self.path == "/_stats":
                        doc = {
                            "throttled": outer.throttled,
                            "count": len(outer.requests),
                            "gaps": [round(b - a, 4) for a, b in pairwise(outer.arrivals)],
                        }
                        return self._send(200, doc)
                    if self.path == "/_stats/requests":
                        return self._send(200, outer.requests)
                    if self.path == "/":
                        outer.page_requests += 1
                        return self._page(*PAGES[outer.page])
                return self._send(404, {"detail": "Not Found"})

            def _page(self, code: int, html: str) -> None:
                body = html.encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/api/v2/query/urls":
                    return self._send(404, {"detail": "Not Found"})
                if self.headers.get("Authorization") != f"API {KEY}":
                    return self._send(401, {"detail": "Invalid API key"})
                with outer.lock:
                    now = time.monotonic()
                    outer.arrivals.append(now)
                    if now - outer._last < 1 / outer.per_second:
                        outer.throttled += 1
                        return self._send(429, {"detail": "slow down"}, {"Retry-After": "0.1"})
                    outer._last = now
                    if outer.fail_next:
                        return self._send(outer.fail_next.pop(0), {"detail": "trouble"})
                    if outer.malformed_next:
                        outer.malformed_next -= 1
                        return self._send(200, {"unexpected": True})
                urls = raw.decode("utf-8").split("\n")
                if len(urls) < 2 or len(urls) > outer.max_urls:
                    return self._send(400, {"detail": "between 2 and 10000 urls"})
                with outer.lock:
                    outer.requests.append(urls)
                    answers = [
                        {"url": u, "optOut": u in outer.opted_out, "optIn": False} for u in urls
                    ]
                self._send(200, {"urls": answers})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v2/query/urls/"
        self.page_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    """Serve in a process of its own (so its timing is not shared with the client's), with
    ``--opted-out N`` of the benchmark's URLs opted out; prints the endpoint, then serves."""
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-second", type=float, default=1000.0)
    parser.add_argument("--opted-out", type=int, default=0)
    args = parser.parse_args()
    api = SpawningStandIn(per_second=args.per_second)
    api.opted_out = {f"https://jane.example/works/{i:06d}.jpg" for i in range(args.opted_out)}
    print(api.url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    api.stop()


if __name__ == "__main__":
    main()
