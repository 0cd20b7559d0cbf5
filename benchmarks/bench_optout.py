"""Confirming 100,000 URLs through the Spawning query API stand-in, limited to 10 requests/s and
10,000 URLs per request.

Prints the wall time of the confirming poll against the theoretical minimum (requests / rate;
target within 1.2x), then kills a poll in a child process part-way, restarts it, and checks that
no URL of a completed batch was sent again and none was lost.
Run: ``python benchmarks/bench_optout.py [--urls N]``.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from creatorapp.core import secrets  # noqa: E402
from creatorapp.core.catalogue import open_catalogue  # noqa: E402
from creatorapp.core.optouts.outbox import OptOuts  # noqa: E402
from tests.servers import spawning_api  # noqa: E402

RATE = 10.0


def prepare(path: Path, urls: list[str], endpoint: str) -> OptOuts:
    o = OptOuts(open_catalogue(path), options={"spawning": {"endpoint": endpoint}})
    for submission in o.submit("spawning", urls).queued:
        o.attest(submission["idempotency_key"])
    return o


CHILD = """
import sys
sys.path.insert(0, {root!r})
import keyring
from tests.keyring_backends import MemoryKeyring
keyring.set_keyring(MemoryKeyring())
from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.outbox import OptOuts
secrets.put("registry", "spawning", {key!r})
o = OptOuts(open_catalogue(__import__("pathlib").Path({path!r})),
            options={{"spawning": {{"endpoint": {endpoint!r}}}}})
print(o.poll("spawning", force=True).changes, flush=True)
"""


class StandIn:
    """The Spawning stand-in in a process of its own, as a real server would be: its timing
    of our requests is not disturbed by our own work."""

    def __init__(self, opted_out: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.servers.spawning_api", "--per-second", str(RATE),
             "--opted-out", str(opted_out)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.url = self.proc.stdout.readline().strip()

    def stats(self, what: str = "") -> dict | list:
        import requests

        return requests.get(self.url.split("/api/")[0] + "/_stats" + what, timeout=30).json()

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=100_000)
    args = parser.parse_args()
    import keyring

    from tests.keyring_backends import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    secrets.put("registry", "spawning", spawning_api.KEY)
    os.environ["CREATORAPP_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-optout-data-")
    urls = [f"https://jane.example/works/{i:06d}.jpg" for i in range(args.urls)]
    requests_needed = math.ceil(args.urls / 10_000)
    minimum = (requests_needed - 1) / RATE  # the first request goes at once

    api = StandIn(len(urls))
    import requests  # noqa: F401 - loaded as in the running app; the timing is of the poll

    work = Path(tempfile.mkdtemp(prefix="bench-optout-"))
    try:
        o = prepare(work / "a.sqlite3", urls, api.url)
        start = time.perf_counter()
        result = o.poll("spawning", force=True)
        took = time.perf_counter() - start
        confirmed = o.status()["spawning"].get("confirmed", 0)
        print(
            f"{args.urls:,} URLs, {requests_needed} requests at <= {RATE:.0f}/s: confirming poll "
            f"{took:.2f} s, theoretical minimum {minimum:.2f} s, "
            f"ratio {took / max(minimum, 1e-9):.2f}x (target <= 1.2x); "
            f"confirmed {confirmed:,}; throttled answers {api.stats()['throttled']}"
        )
        assert result.changes["spawning"].get("confirmed") == args.urls
        if os.environ.get("BENCH_DEBUG"):
            print("gaps between requests:", api.stats()["gaps"])
        o.store.close()

        # the same, killed part-way and restarted
        already = api.stats()["count"]
        path = work / "b.sqlite3"
        o = prepare(path, urls, api.url)
        o.store.close()
        script = CHILD.format(
            root=str(ROOT), key=spawning_api.KEY, path=str(path), endpoint=api.url
        )
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL)
        half = requests_needed // 2
        done = threading.Event()
        while not done.wait(0.005):
            if api.stats()["count"] - already >= half or child.poll() is not None:
                break
        child.send_signal(signal.SIGKILL)
        child.wait()
        before = api.stats("/requests")[already:]
        sent_before = [u for batch in before for u in batch if u]
        killed = OptOuts(open_catalogue(path))
        recorded = {i["target"] for i in killed.store.items("spawning", state="confirmed")}
        killed.store.close()
        restart = subprocess.run([sys.executable, "-c", script], stdout=subprocess.DEVNULL)
        assert restart.returncode == 0
        after = api.stats("/requests")[already + len(before) :]
        asked_again = {u for batch in after for u in batch if u}
        o = OptOuts(open_catalogue(path))
        confirmed = o.status()["spawning"].get("confirmed", 0)
        repeated = asked_again & set(sent_before)
        print(
            f"killed after {len(sent_before):,} URLs were queried, {len(recorded):,} of them "
            f"recorded; after restart: confirmed {confirmed:,} of {args.urls:,}, "
            f"lost {args.urls - confirmed}, queried twice {len(repeated):,} (all from batches "
            f"not yet recorded at the kill), recorded URLs queried again "
            f"{len(asked_again & recorded)}"
        )
        assert confirmed == args.urls and not asked_again & recorded
        o.store.close()
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
