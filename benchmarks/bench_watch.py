"""Watcher latency: copy N JPEGs (~1 MB) into a watched folder at once, as an export does.

Prints the time until every file is tagged and verified, the per-file latency from the moment
the file was completely written (its copy closed) to the moment it was tagged (p50, p95, max),
and checks that none was missed and none was tagged twice.  Target: p95 under 1 s on 2 cores.
Run: ``python benchmarks/bench_watch.py [--files N] [--settle S]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tag import make_corpus

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.tagging import read_reservation
from creatorapp.core.works.watch import Watcher


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--settle", type=float, default=0.3)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    try:
        corpus = work / "corpus"
        size = make_corpus(corpus, args.files)
        files = sorted(corpus.iterdir())
        watched = work / "watched"
        watched.mkdir()
        portfolio = Portfolio(open_catalogue(work / "cat.sqlite3"))
        portfolio.add_folder(watched)

        tagged_at: dict[str, list[float]] = {}
        lock = threading.Lock()
        all_done = threading.Event()

        def on_outcome(outcome) -> None:
            with lock:
                tagged_at.setdefault(outcome.path, []).append(time.perf_counter())
                if len(tagged_at) >= args.files:
                    all_done.set()

        watcher = Watcher(portfolio, settle=args.settle, jobs=args.jobs, on_outcome=on_outcome)
        watcher.start()
        watcher.wait_ready()
        print(
            f"{args.files} JPEGs, {size / args.files / 1e6:.2f} MB each, {os.cpu_count()} cores, "
            f"settle {args.settle} s, workers {watcher.tagging.jobs}"
        )

        written_at: dict[str, float] = {}
        start = time.perf_counter()
        for f in files:  # the export: one file after another, as fast as the disk takes them
            target = watched / f.name
            with open(f, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            written_at[str(target)] = time.perf_counter()
        copied = time.perf_counter() - start
        finished = all_done.wait(timeout=300)
        tagged = time.perf_counter() - start
        watcher.stop()

        verified = sum(read_reservation(Path(p)).reserved for p in written_at)
        verify_time = time.perf_counter() - start
        latencies = [tagged_at[p][0] - written_at[p] for p in written_at if p in tagged_at]
        twice = sum(1 for times in tagged_at.values() if len(times) > 1)
        missed = args.files - len([p for p in written_at if p in tagged_at])

        print(f"copy of all files took          {copied:6.2f} s")
        print(f"all tagged after                {tagged:6.2f} s  (finished: {finished})")
        print(f"all tagged and verified after   {verify_time:6.2f} s  ({verified} verified)")
        if latencies:
            print(
                "latency written -> tagged       "
                f"p50 {statistics.median(latencies):.3f} s   "
                f"p95 {percentile(latencies, 0.95):.3f} s   max {max(latencies):.3f} s   "
                "(target p95 < 1 s)"
            )
        print(f"missed {missed}, tagged twice {twice}")
        portfolio.store.close()
        return 0 if missed == 0 and twice == 0 and verified == args.files else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
