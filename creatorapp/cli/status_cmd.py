"""``creatorapp status`` and ``creatorapp ledger verify|export``."""

from __future__ import annotations

import argparse
import sys

from creatorapp.cli.common import EXIT_FAILED, EXIT_OK, UsageError, emit_json, open_store

_FAILURES_SHOWN = 20


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
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of the screen")
    export.add_argument("--kind", help="only events of this kind (e.g. work.tagged)")
    export.add_argument("--subject", metavar="PATH", help="only events about this path")
    export.set_defaults(run=run_export)


def run_status(args: argparse.Namespace) -> int:
    from creatorapp.core.catalogue import WorkState

    store = open_store(args)
    try:
        counts = store.count_by_state()
        folders = store.folders()
        failures = store.works(state=WorkState.FAILED)
        last = store.last_event()
    finally:
        store.close()
    doc = {
        "works": {state.value: counts.get(state, 0) for state in WorkState},
        "total": sum(n for s, n in counts.items() if s is not WorkState.DELETED),
        "folders": [f.as_json() for f in folders],
        "failures": [{"path": w.path, "reason": w.error} for w in failures],
        "last_activity": (
            {"at": last.at, "kind": last.kind, "subject": last.subject} if last else None
        ),
    }
    if args.json:
        emit_json(doc)
        return EXIT_OK

    from rich.console import Console
    from rich.table import Table

    out = Console(file=sys.stdout, soft_wrap=True)
    out.print(f"[bold]{doc['total']}[/] works in {len(folders)} portfolio folders")
    table = Table(show_header=False, box=None)
    for state, n in doc["works"].items():
        if n:
            table.add_row(state, str(n))
    out.print(table)
    for folder in folders:
        if folder.error:
            out.print(f"[yellow]folder problem[/] {folder.path}: {folder.error}")
    if failures:
        out.print(f"[bold red]{len(failures)} failed[/]:")
        for w in failures[:_FAILURES_SHOWN]:
            out.print(f"  {w.path}: {w.error}")
        if len(failures) > _FAILURES_SHOWN:
            out.print(f"  … and {len(failures) - _FAILURES_SHOWN} more (see --json)")
    if last:
        out.print(f"Last activity: {last.at} {last.kind} {last.subject}")
    else:
        out.print("No activity yet.")
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from creatorapp.core.catalogue.ledger import verify_chain

    store = open_store(args)
    try:
        report = verify_chain(store.events(), expected_count=store.events_written())
    finally:
        store.close()
    if args.json:
        emit_json(report.as_json())
    elif report.ok:
        print(f"Ledger intact: {report.events} events, head {report.head}")
    else:
        print(
            f"Ledger BROKEN at event {report.bad_seq}: {report.problem}. "
            f"The {report.events} events before it check out."
        )
    return EXIT_OK if report.ok else EXIT_FAILED


def run_export(args: argparse.Namespace) -> int:
    import json

    store = open_store(args)
    try:
        events = store.events(kind=args.kind, subject=args.subject)
        if args.output:
            try:
                with open(args.output, "w", encoding="utf-8") as handle:
                    count = 0
                    for event in events:
                        handle.write(json.dumps(event.as_json(), ensure_ascii=False) + "\n")
                        count += 1
            except OSError as exc:
                raise UsageError(f"cannot write {args.output} ({exc.strerror or exc})") from None
            print(f"{count} events written to {args.output}", file=sys.stderr)
        elif args.json:
            for event in events:
                emit_json(event.as_json())
        else:
            from rich.console import Console
            from rich.table import Table

            table = Table("#", "when (UTC)", "event", "about")
            for event in events:
                table.add_row(str(event.seq), event.at, event.kind, event.subject)
            Console(file=sys.stdout).print(table)
    finally:
        store.close()
    return EXIT_OK
