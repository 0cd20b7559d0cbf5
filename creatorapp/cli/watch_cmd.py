"""``creatorapp watch [--once]``: keep the portfolio folders tagged."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    emit_json,
    interactive,
    open_store,
    outcome_json,
    print_counts,
    show_outcomes,
)
from creatorapp.core.text.display import counted, shown


def add_commands(sub: argparse._SubParsersAction) -> None:
    watch = sub.add_parser(
        "watch",
        help="watch the portfolio folders and tag new and changed works",
        description="Catch up with what changed since last time, then tag every new or changed "
        "image in the watched portfolio folders as soon as it has finished being written. "
        "Ctrl-C or SIGTERM stops after the files in hand; a second one stops at once (the files "
        "in hand are left as they were). One watcher per catalogue: while another program (the "
        "window, or another 'watch') watches its folders, this one says so and exits with 2; "
        "--once runs beside it.",
    )
    watch.add_argument("--once", action="store_true", help="scan, tag what is due, and exit")
    watch.add_argument(
        "--settle",
        type=float,
        default=0.3,
        metavar="SECONDS",
        help="how long a file must stay unchanged before it is tagged (default 0.3)",
    )
    watch.add_argument("--jobs", type=int, metavar="N", help="parallel workers")
    watch.add_argument("--json", action="store_true", help="JSON Lines, one per file")
    watch.set_defaults(run=run_watch)


def run_watch(args: argparse.Namespace) -> int:
    from creatorapp.core.works.portfolio import Portfolio

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    if args.settle < 0:
        raise UsageError("--settle must be 0 or more")
    store = open_store(args)
    try:
        portfolio = Portfolio(store)
        if not store.folders():
            raise UsageError("no portfolio folders yet; add one with 'creatorapp folders add PATH'")
        if args.once:
            return _once(portfolio, args)
        return _forever(portfolio, args)
    finally:
        store.close()


def _once(portfolio, args: argparse.Namespace) -> int:
    from creatorapp.cli.folders_cmd import scan_with_progress
    from creatorapp.core.works.service import TaggingService

    folders = [f for f in portfolio.store.folders() if f.watching]
    report = scan_with_progress(portfolio, folders, as_json=args.json)
    for problem in report.problems:
        print(f"creatorapp: problem: {shown(problem)}", file=sys.stderr)
    for path, reason in report.skipped:
        print(f"creatorapp: skipped {shown(path)}: {shown(reason)}", file=sys.stderr)
    counts = show_outcomes(
        TaggingService(portfolio).process(report.due, jobs=args.jobs),
        as_json=args.json,
        total=len(report.due),
    )
    if not args.json:
        print(
            f"{counted(report.seen, 'work')} seen: {report.added} new, {report.changed} changed, "
            f"{report.moved} moved, {report.deleted} deleted"
        )
        print_counts(counts)
    return EXIT_FAILED if counts["failed"] else EXIT_OK


def _forever(portfolio, args: argparse.Namespace) -> int:
    from creatorapp.core.works.watch import Watcher
    from creatorapp.core.works.watch_lock import WatcherRunning

    stop = threading.Event()
    lock = threading.Lock()

    def show(outcome) -> None:
        with lock:
            if args.json:
                emit_json(outcome_json(outcome))
            elif outcome.status.value != "unchanged":
                reason = f": {shown(outcome.reason)}" if outcome.reason else ""
                print(f"{outcome.status.value:9s} {shown(outcome.path)}{reason}", flush=True)

    def problem(text: str) -> None:
        with lock:
            print(f"creatorapp: problem: {shown(text)}", file=sys.stderr, flush=True)

    def request_stop(signum, frame) -> None:
        if stop.is_set():  # asked twice: the user wants out now; every write is atomic
            print("creatorapp: stopped at once", file=sys.stderr, flush=True)
            os._exit(128 + signum)
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    watcher = Watcher(
        portfolio, settle=args.settle, jobs=args.jobs, on_outcome=show, on_problem=problem
    )
    try:
        try:
            watcher.start()
        except WatcherRunning as exc:  # one watcher per catalogue: the window's, or another
            raise UsageError(f"{exc} ('creatorapp watch --once' tags what is due now)") from None
        # in slices: a signal must be able to stop the wait, and so must a watcher that failed
        while not watcher.wait_ready(0.2):
            if stop.is_set() or watcher.failure is not None or not watcher.is_alive():
                break
        if watcher.failure is None and not stop.is_set() and not args.json:
            folders = [f.path for f in portfolio.store.folders() if f.watching]
            print(
                f"Watching {len(folders)} folder{'s' if len(folders) != 1 else ''}"
                + (". Press Ctrl-C to stop." if interactive() else "."),
                flush=True,
            )
        while not stop.wait(0.5):
            if not watcher.is_alive():
                break
    finally:
        watcher.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    stats = watcher.stats  # a failure was reported as a problem when it happened
    if not args.json:
        print(
            f"Stopped. {stats.tagged} tagged, {stats.unchanged} already reserved, "
            f"{stats.failed} failed.",
            flush=True,
        )
    return EXIT_FAILED if stats.failed or watcher.failure is not None else EXIT_OK
