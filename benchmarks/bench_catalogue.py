"""A studio-sized catalogue: N small files (default 100,000) that already carry the reservation.

Prints: the initial scan (catalogue every file, then open each one to confirm it is reserved and
record its hash), a rescan with no changes (target under 5 s), and the peak memory of
``creatorapp watch`` watching them all (target under 200 MB; its tagging workers are reported
apart).  Run: ``python benchmarks/bench_catalogue.py [--files N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from creatorapp.core.catalogue import open_catalogue  # noqa: E402
from creatorapp.core.policy import PRESETS  # noqa: E402
from creatorapp.core.policy.signals import embedded_fields  # noqa: E402
from creatorapp.core.works.portfolio import Portfolio  # noqa: E402
from creatorapp.core.works.tagging import tag_file  # noqa: E402

PER_FOLDER = 1000


def make_tagged_files(root: Path, count: int) -> None:
    """One small JPEG tagged by the app, then written out ``count`` times with a varying
    comment so that every file is its own work."""
    template = root / "template.jpg"
    buf = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert("RGB").save(buf, "JPEG", quality=85)
    template.write_bytes(buf.getvalue())
    outcome = tag_file(template, embedded_fields(PRESETS["no-ai"]))
    assert outcome.status.value == "tagged", outcome
    data = template.read_bytes()
    template.unlink()
    head, tail = data[:2], data[2:]
    for i in range(count):
        folder = root / f"set_{i // PER_FOLDER:04d}"
        if i % PER_FOLDER == 0:
            folder.mkdir()
        comment = f"work {i}".encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        (folder / f"w_{i:06d}.jpg").write_bytes(head + segment + tail)


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """(peak resident memory, current) of a process in MB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def children_rss_mb(pid: int) -> float:
    total = 0.0
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    for kid in kids:
        with contextlib.suppress(OSError):
            total += peak_rss_mb(int(kid))[1]
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-catalogue-"))
    try:
        root = work / "studio"
        root.mkdir()
        start = time.perf_counter()
        make_tagged_files(root, args.files)
        print(
            f"{args.files:,} tagged JPEGs in {args.files // PER_FOLDER + 1} folders made in "
            f"{time.perf_counter() - start:.1f} s; {os.cpu_count()} cores"
        )
        catalogue = work / "cat.sqlite3"
        portfolio = Portfolio(open_catalogue(catalogue))
        folder = portfolio.add_folder(root)

        t0 = time.perf_counter()
        report = portfolio.scan([folder])
        t1 = time.perf_counter()
        statuses: dict[str, int] = {}
        for outcome in portfolio.process(report.due):
            statuses[outcome.status.value] = statuses.get(outcome.status.value, 0) + 1
        t2 = time.perf_counter()
        print(
            f"initial scan: catalogue {report.added:,} works {t1 - t0:6.1f} s, "
            f"confirm and hash each {t2 - t1:6.1f} s, total {t2 - t0:6.1f} s  {statuses}"
        )

        t0 = time.perf_counter()
        again = portfolio.scan([folder])
        t1 = time.perf_counter()
        print(
            f"rescan, no changes: {t1 - t0:6.2f} s  ({again.unchanged:,} unchanged, "
            f"{len(again.due)} due)   target < 5 s"
        )
        portfolio.store.close()

        proc = subprocess.Popen(
            [sys.executable, "-m", "creatorapp", "--catalogue", str(catalogue), "watch"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        t0 = time.perf_counter()
        line = proc.stdout.readline()
        ready = time.perf_counter() - t0
        peak, now = peak_rss_mb(proc.pid)
        workers = children_rss_mb(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        print(f"watch: '{line.strip()}' after {ready:.1f} s (catch-up scan included)")
        print(
            f"watch: peak memory {peak:.0f} MB, now {now:.0f} MB (target < 200 MB); "
            f"idle tagging workers {workers:.0f} MB together"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
