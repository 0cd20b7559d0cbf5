"""``creatorapp status`` and ``creatorapp ledger verify|export``."""

from __future__ import annotations

import argparse
import contextlib
import heapq
import os
import shlex
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    console,
    emit_json,
    open_store,
    path_arg,
    safe,
    table_console,
    text_arg,
)
from creatorapp.core.text.display import counted, shown, when

if TYPE_CHECKING:
    from creatorapp.core.catalogue import Store
    from creatorapp.core.catalogue.model import LedgerEvent

_FAILURES_SHOWN = 20

# Every kind of event the app writes (docs/catalogue.md says what each records); a test checks
# the code writes no other.  ``--kind`` outside this list is a typo, not an empty export.
LEDGER_KINDS = (
    "folder.added",
    "folder.removed",
    "folder.policy",
    "folder.policy_applied",
    "folder.watching",
    "folder.unavailable",
    "folder.available",
    "work.added",
    "work.tagged",
    "work.failed",
    "work.moved",
    "work.deleted",
    "work.restored",
    "works.excluded",
    "optout.draft_made",
    "optout.draft_sent",
    "optout.draft_dropped",
    "works.included",
    "credentials.unavailable",
    "ledger.gap",
    "site.added",
    "site.removed",
    "site.published",
    "site.verified",
    "optout.queued",
    "optout.sent",
    "optout.failed",
    "optout.attested",
    "optout.resolved",
    "optout.items",
    "optout.reply",
    "optout.poll_failed",
    "optout.stale",
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    status = sub.add_parser("status", help="what the catalogue holds: works by state, failures")
    status.add_argument("--json", action="store_true", help="one JSON document")
    status.set_defaults(run=run_status)

    ledger = sub.add_parser("ledger", help="the dated, hash-chained record of what was declared")
    lsub = ledger.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    verify = lsub.add_parser("verify", help="check the hash chain; name the first bad event")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=run_verify)
    export = lsub.add_parser("export", help="every event, oldest first")
    export.add_argument("--json", action="store_true", help="JSON Lines, one event per line")
    export.add_argument(
        "--output", metavar="FILE", type=path_arg, help="write to FILE instead of the screen"
    )
    export.add_argument("--kind", type=text_arg, help="only events of this kind (e.g. work.tagged)")
    export.add_argument(
        "--subject",
        metavar="PATH|NAME",
        type=path_arg,
        help="only events about this file or folder (relative paths are fine), site or destination",
    )
    export.set_defaults(run=run_export)


def run_status(args: argparse.Namespace) -> int:
    from creatorapp.core.catalogue import WorkState

    store = open_store(args)
    try:
        counts = store.count_by_state()
        folders = store.folders()
        failures = store.works(state=WorkState.FAILED)
        last = store.last_event()
        old = _old_policy(store, folders)
    finally:
        store.close()
    not_counted = (WorkState.DELETED, WorkState.EXCLUDED)
    doc = {
        "works": {state.value: counts.get(state, 0) for state in WorkState},
        "total": sum(n for s, n in counts.items() if s not in not_counted),
        # left out by the creator: neither in the total nor to do
        "left_out": counts.get(WorkState.EXCLUDED, 0),
        "old_policy": sum(old.values()),  # stale works whose files carry an earlier policy
        "folders": [{**f.as_json(), "old_policy": old.get(f.id, 0)} for f in folders],
        "failures": [{"path": w.path, "reason": w.error} for w in failures],
        "last_activity": (
            {"at": last.at, "kind": last.kind, "subject": last.subject} if last else None
        ),
    }
    if args.json:
        emit_json(doc)
        return EXIT_OK

    from rich.table import Table

    out = console(file=sys.stdout, soft_wrap=True)
    out.print(
        f"[bold]{counted(doc['total'], 'work')}[/] in {counted(len(folders), 'portfolio folder')}"
    )
    table = Table(show_header=False, box=None)
    for state, n in doc["works"].items():
        if n and state != WorkState.EXCLUDED.value:
            table.add_row(state, str(n))
    out.print(table)
    if doc["left_out"]:
        out.print(
            f"{counted(doc['left_out'], 'work')} left out (not tagged or watched; "
            "'creatorapp works include PATH' takes one back)"
        )
    for folder in folders:
        if folder.error:
            out.print(f"[yellow]folder problem[/] {safe(folder.path)}: {safe(folder.error)}")
        if old.get(folder.id):
            out.print(
                f"[yellow]{counted(old[folder.id], 'work')}[/] in {safe(folder.path)} "
                f"{'carries' if old[folder.id] == 1 else 'carry'} an earlier policy: run "
                f"'creatorapp folders apply {safe(shlex.quote(folder.path))}' to apply "
                f"{safe(folder.policy)}"
            )
    if failures:
        out.print(f"[bold red]{len(failures):,} failed[/]:")
        for w in failures[:_FAILURES_SHOWN]:
            out.print(f"  {safe(w.path)}: {safe(w.error)}")
        if len(failures) > _FAILURES_SHOWN:
            out.print(f"  … and {len(failures) - _FAILURES_SHOWN:,} more (see --json)")
    if last:
        from creatorapp.core.text import events as event_words

        out.print(
            f"Last activity: {when(last.at)}, {safe(event_words.name(last.kind))}: "
            f"{safe(last.subject)}"
        )
    else:
        out.print("No activity yet.")
    return EXIT_OK


def _old_policy(store: Store, folders: list) -> dict[int, int]:
    """Folder id -> how many of its works were tagged under an earlier policy and not since."""
    from creatorapp.core.policy import PolicyError
    from creatorapp.core.works.portfolio import Portfolio

    portfolio = Portfolio(store)
    found: dict[int, int] = {}
    for folder in folders:
        try:
            found[folder.id] = portfolio.carrying_old_policy(folder)
        except PolicyError:
            continue  # its policy cannot be used: the folder's problem says so where it is used
    return found


def run_verify(args: argparse.Namespace) -> int:
    """The chain, and the head recorded outside the database; says what that does and does
    not prove (see creatorapp.core.catalogue.anchor)."""
    from creatorapp.core.catalogue import verify_ledger
    from creatorapp.core.catalogue.anchor import PROVES

    store = open_store(args)
    try:
        report = verify_ledger(store)
    finally:
        store.close()
    if args.json:
        emit_json({**report.as_json(), "proves": PROVES})
        return EXIT_OK if report.ok else EXIT_FAILED
    if report.ok:
        print(f"Ledger intact: {counted(report.events, 'event')}, head {report.head}")
        if report.matched:
            print(f"The head matches the one recorded {' and '.join(report.matched)}.")
    elif report.bad_seq is None:
        print(f"Ledger NOT VERIFIED: {shown(report.problem)}.")
    else:
        good = min(report.events, report.bad_seq - 1)
        print(
            f"Ledger BROKEN at event {report.bad_seq}: {shown(report.problem)}. "
            f"The {counted(good, 'event')} before it {'checks' if good == 1 else 'check'} out."
        )
    for note in report.notes:
        print(f"Note: {shown(note)}.")
    print(PROVES)
    return EXIT_OK if report.ok else EXIT_FAILED


def run_export(args: argparse.Namespace) -> int:
    from creatorapp.core.text.pathtext import json_text

    store = open_store(args)
    try:
        events = _selected(store, args.kind, args.subject)
        if args.output:
            # written beside the target and put in place whole: a full disk leaves the file
            # that was there (or none), never a cut-off ledger
            target = os.path.abspath(args.output)
            tmp = f"{target}.{os.getpid()}.tmp"
            try:
                with open(tmp, "w", encoding="utf-8") as handle:
                    count = 0
                    for event in events:
                        handle.write(json_text(event.as_json()) + "\n")
                        count += 1
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, target)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise UsageError(f"cannot write {args.output} ({exc.strerror or exc})") from None
            print(f"{counted(count, 'event')} written to {shown(args.output)}", file=sys.stderr)
        elif args.json:
            for event in events:
                emit_json(event.as_json())
        else:
            from rich.table import Table

            from creatorapp.core.text import events as event_words

            # words and local time for people; --json keeps the kinds and the UTC stamps
            table = Table("#", "when", "event", "about")
            for event in events:
                table.add_row(
                    str(event.seq),
                    when(event.at),
                    safe(event_words.name(event.kind)),
                    safe(event.subject),
                )
            table_console(table).print(table)
    finally:
        store.close()
    return EXIT_OK


def _selected(store: Store, kind: str | None, subject: str | None) -> Iterator[LedgerEvent]:
    """The events asked for.  A kind must be one the app writes (or one this ledger holds); a
    path is looked up as given and in the form the catalogue stores paths in (absolute,
    symlinked folders resolved), so ``--subject photos/a.jpg`` finds ``/home/jane/photos/a.jpg``."""
    if (
        kind is not None
        and kind not in LEDGER_KINDS
        and next(store.events(kind=kind), None) is None
    ):
        raise UsageError(f"unknown event kind {kind!r} (kinds: {', '.join(LEDGER_KINDS)})")
    if subject is None:
        return store.events(kind=kind)
    from creatorapp.core.works.portfolio import normalise

    forms = dict.fromkeys([subject, normalise(subject)])  # both, once each, in this order
    return heapq.merge(
        *(store.events(kind=kind, subject=form) for form in forms), key=lambda e: e.seq
    )
