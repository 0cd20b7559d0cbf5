"""``creatorapp optout destinations|submit|status|poll|attest``: ask registries and dataset
hosts to leave the works out, and follow each request to its end."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.cli.common import EXIT_FAILED, EXIT_OK, UsageError, catalogue, emit_json

if TYPE_CHECKING:
    from creatorapp.core.registries.outbox import OptOuts


def add_commands(sub: argparse._SubParsersAction) -> None:
    optout = sub.add_parser("optout", help="opt-out requests to registries and dataset hosts")
    osub = optout.add_subparsers(dest="optout_command", metavar="ACTION", required=True)

    dest = osub.add_parser("destinations", help="where you can ask, and how each confirms")
    dest.add_argument("--json", action="store_true")
    dest.set_defaults(run=run_destinations)

    submit = osub.add_parser("submit", help="ask a destination to leave URLs out")
    submit.add_argument("destination")
    submit.add_argument("--urls", metavar="FILE", required=True, help="one URL per line")
    submit.add_argument("--dry-run", action="store_true", help="show what would be sent")
    submit.add_argument("--json", action="store_true")
    submit.set_defaults(run=run_submit)

    status = osub.add_parser("status", help="every item's state, per destination")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=run_status)

    poll = osub.add_parser("poll", help="ask destinations what became of open requests")
    poll.add_argument("destination", nargs="?")
    poll.set_defaults(run=run_poll)

    token = osub.add_parser(
        "token", help="store a destination's API key or token (read from stdin) in the keyring"
    )
    token.add_argument("destination")
    token.add_argument("--forget", action="store_true", help="remove it instead")
    token.set_defaults(run=run_token)

    attest = osub.add_parser("attest", help="say you finished a browser hand-off")
    attest.add_argument("submission", metavar="REFERENCE", help="the cr-... reference")
    attest.add_argument("--evidence", metavar="FILE", help="a confirmation to keep with it")
    attest.set_defaults(run=run_attest)


@contextlib.contextmanager
def _optouts(args: argparse.Namespace) -> Iterator[OptOuts]:
    from creatorapp.core.registries.outbox import OptOuts

    with catalogue(args) as store:
        yield OptOuts(store)


def run_destinations(args: argparse.Namespace) -> int:
    from creatorapp.core.registries.descriptor import load_all
    from creatorapp.core.registries.outbox import ADAPTERS

    rows = []
    for d in load_all().values():
        rows.append(
            {
                "id": d.id,
                "name": d.name,
                "submit": d.submit_mode.value,
                "confirms_by": d.status_mode.value,
                "unit": d.unit.value,
                "max_batch": d.max_batch,
                "needs": d.auth_kind,
                "legal_basis": d.legal_basis,
                "expected_days": d.expected_turnaround_days,
                "available": d.id in ADAPTERS,
            }
        )
    if args.json:
        for row in rows:
            emit_json(row)
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("destination", "how you ask", "how it confirms", "needs", "basis", "days")
    for r in rows:
        name = r["id"] + ("" if r["available"] else " (soon)")
        table.add_row(
            name,
            r["submit"],
            r["confirms_by"],
            r["needs"],
            r["legal_basis"],
            str(r["expected_days"]),
        )
    Console(file=sys.stdout).print(table)
    return EXIT_OK


def run_submit(args: argparse.Namespace) -> int:
    try:
        urls = Path(args.urls).expanduser().read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read {args.urls} ({exc.strerror or exc})") from None
    urls = [u.strip() for u in urls if u.strip() and not u.lstrip().startswith("#")]
    with _optouts(args) as optouts:
        report = optouts.submit(args.destination, urls, dry_run=args.dry_run)
    if args.json:
        emit_json(
            {
                "destination": args.destination,
                "dry_run": args.dry_run,
                "payloads": report.payloads,
                "queued": [s["idempotency_key"] for s in report.queued],
                "already_submitted": [s["idempotency_key"] for s in report.found],
                "failed": [(s["idempotency_key"], e) for s, e in report.failed],
                "next_steps": report.next_steps,
            }
        )
    else:
        if args.dry_run:
            for payload in report.payloads:
                print(json.dumps(payload, indent=2, ensure_ascii=False))
            print("Dry run: nothing was sent or recorded")
        for s in report.found:
            print(f"already submitted as {s['idempotency_key']} ({s['state']}); not filed again")
        for s in report.sent:
            print(f"submitted {s['idempotency_key']}: {s['state']}")
        for s, error in report.failed:
            print(f"not sent yet {s['idempotency_key']}: {error} (it stays queued)")
        for step in report.next_steps:
            print(f"Next: {step}")
    return EXIT_FAILED if report.failed else EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    with _optouts(args) as optouts:
        summary = optouts.status()
        submissions = optouts.store.submissions()
    if args.json:
        emit_json(
            {
                "items": summary,
                "submissions": [
                    {
                        k: s[k]
                        for k in (
                            "destination",
                            "idempotency_key",
                            "state",
                            "sent_at",
                            "remote_url",
                            "last_error",
                        )
                    }
                    for s in submissions
                ],
            }
        )
        return EXIT_OK
    if not summary:
        print("No opt-out requests yet. See 'creatorapp optout destinations'.")
    for dest, counts in summary.items():
        parts = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        print(f"{dest}: {parts}")
    return EXIT_OK


def run_poll(args: argparse.Namespace) -> int:
    with _optouts(args) as optouts:
        result = optouts.poll(args.destination)
    for dest, counts in result.items():
        changes = ", ".join(f"{n} now {s}" for s, n in sorted(counts.items())) or "no change"
        print(f"{dest}: {changes}")
    return EXIT_OK


def run_attest(args: argparse.Namespace) -> int:
    evidence = None
    if args.evidence:
        try:
            evidence = (
                Path(args.evidence).expanduser().read_text(encoding="utf-8", errors="replace")
            )
        except OSError as exc:
            raise UsageError(f"cannot read {args.evidence} ({exc.strerror or exc})") from None
    with _optouts(args) as optouts:
        moved = optouts.attest(args.submission, evidence)
    print(f"Recorded: {moved} items are now waiting for the destination to confirm")
    return EXIT_OK


def run_token(args: argparse.Namespace) -> int:
    from creatorapp.core import secrets
    from creatorapp.core.registries.descriptor import load_all

    if args.destination not in load_all():
        raise UsageError(f"unknown destination {args.destination!r}")
    if args.forget:
        secrets.forget("registry", args.destination)
        print(f"Forgot the token for {args.destination}")
        return EXIT_OK
    secret = sys.stdin.readline().strip()
    if not secret:
        raise UsageError("no token on standard input")
    secrets.put("registry", args.destination, secret)
    print(f"Stored the token for {args.destination} in the system keyring")
    return EXIT_OK
