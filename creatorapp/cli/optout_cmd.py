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

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    catalogue,
    console,
    emit_json,
    path_arg,
    safe,
)
from creatorapp.core.display import counted, shown, shown_block

if TYPE_CHECKING:
    from creatorapp.core.registries.outbox import OptOuts


def add_commands(sub: argparse._SubParsersAction) -> None:
    optout = sub.add_parser("optout", help="opt-out requests to registries and dataset hosts")
    osub = optout.add_subparsers(dest="optout_command", metavar="ACTION", required=True)

    dest = osub.add_parser("destinations", help="where you can ask, and how each confirms")
    dest.add_argument("--json", action="store_true")
    dest.set_defaults(run=run_destinations)

    submit = osub.add_parser("submit", help="ask a destination to leave works out")
    submit.add_argument("destination")
    source = submit.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--urls", metavar="FILE", type=path_arg, help="one URL (or account) per line"
    )
    source.add_argument("--site", metavar="NAME", help="a site's pages and images (sitemaps)")
    source.add_argument(
        "--folder", metavar="PATH", type=path_arg, help="the works of a portfolio folder"
    )
    source.add_argument(
        "--account", metavar="NAME", action="append", help="an account name (repeatable)"
    )
    submit.add_argument("--base-url", help="with --folder: where the folder is published")
    submit.add_argument("--dataset", help="the dataset asked (OWNER/NAME), where one is needed")
    submit.add_argument("--to", metavar="ADDRESS", help="the recipient, where one is needed")
    submit.add_argument(
        "--swear",
        action="store_true",
        help="confirm the letter's sworn statements (DMCA); read them with --dry-run first",
    )
    submit.add_argument("--no-browser", action="store_true", help="print the form link only")
    submit.add_argument("--dry-run", action="store_true", help="show what would be sent")
    submit.add_argument("--json", action="store_true")
    submit.set_defaults(run=run_submit)

    status = osub.add_parser("status", help="every item's state, per destination")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=run_status)

    poll = osub.add_parser(
        "poll", help="send what is queued, then ask destinations what became of open requests"
    )
    poll.add_argument("destination", nargs="?")
    poll.add_argument("--now", action="store_true", help="ask even where it is not due yet")
    poll.add_argument("--json", action="store_true")
    poll.set_defaults(run=run_poll)

    token = osub.add_parser(
        "token", help="store a destination's API key or token (read from stdin) in the keyring"
    )
    token.add_argument("destination")
    token.add_argument("--forget", action="store_true", help="remove it instead")
    token.set_defaults(run=run_token)

    attest = osub.add_parser("attest", help="say you finished a browser hand-off")
    attest.add_argument("submission", metavar="REFERENCE", help="the cr-... reference")
    attest.add_argument(
        "--evidence", metavar="FILE", type=path_arg, help="a confirmation to keep with it"
    )
    attest.add_argument("--note", help="a confirmation number or anything worth keeping")
    attest.set_defaults(run=run_attest)

    resolve = osub.add_parser("resolve", help="record what a destination decided")
    resolve.add_argument("submission", metavar="REFERENCE", help="the cr-... reference")
    resolve.add_argument("outcome", choices=["confirmed", "rejected"])
    resolve.add_argument(
        "--evidence", metavar="FILE", type=path_arg, help="the answer, to keep with it"
    )
    resolve.add_argument("--note", help="what they said, in short")
    resolve.set_defaults(run=run_resolve)

    contact = osub.add_parser("contact", help="who letters and forms come from")
    contact.add_argument("--name")
    contact.add_argument("--email")
    contact.add_argument("--address", help="postal address (DMCA notices need one)")
    contact.set_defaults(run=run_contact)

    mail = osub.add_parser("mail", help="the mail account letters are sent from")
    mail.add_argument("--smtp", metavar="HOST:PORT", help="submission server (STARTTLS)")
    mail.add_argument("--imap", metavar="HOST:PORT", help="where replies arrive (STARTTLS)")
    mail.add_argument("--user", help="the login name for both")
    mail.add_argument("--from", dest="from_address", metavar="ADDRESS")
    mail.add_argument(
        "--password-stdin", action="store_true", help="read the password (kept in the keyring)"
    )
    mail.add_argument("--forget", action="store_true", help="remove the account and password")
    mail.set_defaults(run=run_mail)


@contextlib.contextmanager
def _optouts(args: argparse.Namespace, *, open_browser: bool = True) -> Iterator[OptOuts]:
    from creatorapp.core.registries.descriptor import load_all
    from creatorapp.core.registries.outbox import OptOuts

    with catalogue(args) as store:
        descriptors = load_all()
        options = {
            d: {"open_browser": open_browser}
            for d, desc in descriptors.items()
            if desc.kind == "browser_form"
        }
        yield OptOuts(store, descriptors, options=options)


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
                "asks_for": {"dataset": "--dataset OWNER/NAME", "recipient": "--to ADDRESS"}.get(
                    d.scope or "", ""
                ),
                "max_batch": d.max_batch,
                "needs": d.auth_kind,
                "legal_basis": d.legal_basis,
                "expected_days": d.expected_turnaround_days,
                "available": d.kind in ADAPTERS,
            }
        )
    if args.json:
        for row in rows:
            emit_json(row)
        return EXIT_OK
    from rich.table import Table

    table = Table("destination", "how you ask", "how it confirms", "unit", "needs", "basis", "days")
    for r in rows:
        name = r["id"] + ("" if r["available"] else " (soon)")
        table.add_row(
            safe(name) + (f"\n{safe(r['asks_for'])}" if r["asks_for"] else ""),
            safe(r["submit"]),
            safe(r["confirms_by"]),
            safe(r["unit"]),
            safe(r["needs"]),
            safe(r["legal_basis"]),
            str(r["expected_days"]),
        )
    console(file=sys.stdout).print(table)
    return EXIT_OK


def _targets(args: argparse.Namespace, optouts: OptOuts, destination: str):
    from creatorapp.core.registries import targets

    unit = optouts.descriptor(destination).unit
    if args.urls:
        return targets.from_file(Path(args.urls))
    if args.account:
        return targets.from_accounts(args.account, unit)
    if args.folder:
        return targets.from_folder(optouts.store, Path(args.folder), unit, args.base_url)
    return targets.from_site(optouts.store, args.site, unit)


def run_submit(args: argparse.Namespace) -> int:
    with _optouts(args, open_browser=not args.no_browser) as optouts:
        destination = optouts.destination(args.destination, args.dataset or args.to)
        found = _targets(args, optouts, destination)
        report = optouts.submit(
            destination,
            found.values,
            dry_run=args.dry_run,
            sworn=args.swear,
            works=found.works,
        )
    if args.json:
        emit_json(
            {
                "destination": destination,
                "dry_run": args.dry_run,
                "payloads": report.payloads,
                "queued": [s["idempotency_key"] for s in report.queued],
                "already_submitted": [s["idempotency_key"] for s in report.found],
                "already_tracked": report.already_tracked,
                "sent": [s["idempotency_key"] for s in report.sent],
                "scheduled": [(s["idempotency_key"], t) for s, t in report.scheduled],
                "failed": [(s["idempotency_key"], e) for s, e in report.failed],
                "next_steps": report.next_steps,
            }
        )
        return EXIT_FAILED if report.failed else EXIT_OK
    if args.dry_run:
        for payload in report.payloads:
            _show_payload(payload)
        print(
            f"Dry run: nothing was sent or recorded ({len(found.values):,} from "
            f"{shown(found.source)})"
        )
    for s in report.found:
        print(f"already submitted as {shown(s['idempotency_key'])} ({s['state']}); not filed again")
    if report.already_tracked and report.queued:
        before = report.already_tracked
        print(
            f"{before:,} {'was' if before == 1 else 'were'} asked for before; "
            "only the new ones are sent"
        )
    for s in report.sent:
        where = f" {shown(s['remote_url'])}" if s["remote_url"] else ""
        print(f"submitted {shown(s['idempotency_key'])}: {s['state']}{where}")
    for s, error in report.failed:
        print(f"not sent yet {shown(s['idempotency_key'])}: {shown(error)} (it stays queued)")
    for s, when in report.scheduled:
        print(f"queued {shown(s['idempotency_key'])}: goes out at {when} ('optout poll' sends it)")
    for step in report.next_steps:
        print(f"Next: {shown(step)}")
    return EXIT_FAILED if report.failed else EXIT_OK


def _show_payload(payload: dict) -> None:
    """A letter is shown as a letter, everything else as the JSON that would be sent."""
    if "text" in payload:
        for name in ("to", "from", "subject", "message_id"):
            print(f"{name.replace('_', '-').title()}: {shown(payload[name])}")
        print()
        print(shown_block(payload["text"]))
        return
    if "fields" in payload:
        print(f"Form: {shown(payload['open'])}")
        for label, value in payload["fields"].items():
            print(f"--- {shown(label)} ---")
            print(shown_block(str(value)))
        print()
        return
    print(json.dumps(payload, indent=2, ensure_ascii=False))


def run_status(args: argparse.Namespace) -> int:
    with _optouts(args) as optouts:
        summary = optouts.status()
        submissions = optouts.store.submissions()
        attention = optouts.needs_attention()
    keys = ("destination", "idempotency_key", "state", "sent_at", "remote_url", "last_error")
    if args.json:
        emit_json(
            {
                "items": summary,
                "submissions": [{k: s[k] for k in (*keys, "next_poll_at")} for s in submissions],
                "needs_attention": [
                    {"idempotency_key": a["idempotency_key"], "reason": a["reason"]}
                    for a in attention
                ],
            }
        )
        return EXIT_OK
    if not summary:
        print("No opt-out requests yet. See 'creatorapp optout destinations'.")
    for dest, counts in summary.items():
        parts = ", ".join(f"{n:,} {state}" for state, n in sorted(counts.items()))
        print(f"{shown(dest)}: {parts}")
    if attention:
        print("\nNeeds you:")
        for a in attention:
            print(
                f"  {shown(a['idempotency_key'])} ({shown(a['destination'])}): {shown(a['reason'])}"
            )
    return EXIT_OK


def run_poll(args: argparse.Namespace) -> int:
    with _optouts(args) as optouts:
        sent = optouts.send_queued(args.destination)
        result = optouts.poll(args.destination, force=args.now)
    failed = [(s["idempotency_key"], e) for r in sent for s, e in r.failed]
    if args.json:
        emit_json(
            {
                "sent": [s["idempotency_key"] for r in sent for s in r.sent],
                "send_failed": failed,
                "changes": result.changes,
                "errors": result.errors,
                "not_due": result.not_due,
                "next_due": result.next_due,
            }
        )
        return EXIT_FAILED if failed or result.errors else EXIT_OK
    for r in sent:
        for s in r.sent:
            print(f"sent {shown(s['idempotency_key'])} ({shown(s['destination'])}): {s['state']}")
        for s, error in r.failed:
            print(f"not sent yet {shown(s['idempotency_key'])}: {shown(error)}")
    for dest, counts in result.changes.items():
        changes = ", ".join(f"{n:,} now {s}" for s, n in sorted(counts.items())) or "no change"
        print(f"{shown(dest)}: {changes}")
    for dest, error in result.errors.items():
        print(f"{shown(dest)}: not checked: {shown(error)}")
    if result.not_due:
        print(
            f"{counted(result.not_due, 'request')} not due yet (next at {result.next_due}); "
            "--now asks anyway"
        )
    if not result.changes and not result.errors and not result.not_due and not sent:
        print("Nothing open to check.")
    return EXIT_FAILED if failed or result.errors else EXIT_OK


def run_attest(args: argparse.Namespace) -> int:
    with _optouts(args) as optouts:
        moved = optouts.attest(
            args.submission,
            evidence_file=Path(args.evidence).expanduser() if args.evidence else None,
            note=args.note,
        )
    waiting = "is" if moved == 1 else "are"
    print(
        f"Recorded: {counted(moved, 'item')} {waiting} now waiting for the destination to confirm"
    )
    return EXIT_OK


def run_resolve(args: argparse.Namespace) -> int:
    from creatorapp.core.registries.model import ItemState

    with _optouts(args) as optouts:
        moved = optouts.resolve(
            args.submission,
            ItemState(args.outcome),
            evidence_file=Path(args.evidence).expanduser() if args.evidence else None,
            note=args.note,
        )
    print(f"Recorded: {counted(moved, 'item')} {args.outcome}")
    return EXIT_OK


def run_contact(args: argparse.Namespace) -> int:
    given = {k: getattr(args, k) for k in ("name", "email", "address") if getattr(args, k)}
    with catalogue(args) as store:
        current = store.setting("contact") or {}
        if given:
            if "email" in given and "@" not in given["email"]:
                raise UsageError(f"{given['email']!r} is not an email address")
            current = {**current, **given}
            store.set_setting("contact", current)
    for key in ("name", "email", "address"):
        print(f"{key}: {shown(current.get(key) or '(not set)')}")
    return EXIT_OK


def _host_port(value: str, default: int) -> tuple[str, int]:
    host, _, port = value.rpartition(":") if ":" in value else (value, "", str(default))
    try:
        return host, int(port)
    except ValueError:
        raise UsageError(f"{value!r}: expected HOST:PORT") from None


def run_mail(args: argparse.Namespace) -> int:
    from creatorapp.core import secrets

    with catalogue(args) as store:
        current = store.setting("mail")
        if args.forget:
            if current:
                secrets.forget("mail", current["username"])
            store.set_setting("mail", None)
            print("Forgot the mail account and its password")
            return EXIT_OK
        changes: dict[str, object] = {}
        if args.smtp:
            changes["smtp_host"], changes["smtp_port"] = _host_port(args.smtp, 587)
        if args.imap:
            changes["imap_host"], changes["imap_port"] = _host_port(args.imap, 143)
        if args.user:
            changes["username"] = args.user
        if args.from_address:
            if "@" not in args.from_address:
                raise UsageError(f"{args.from_address!r} is not an email address")
            changes["from_address"] = args.from_address
        account = {**(current or {}), **changes}
        needed = ("smtp_host", "imap_host", "username", "from_address")
        missing = [k for k in needed if k not in account]
        if missing:
            flags = {"smtp_host": "--smtp", "imap_host": "--imap", "username": "--user"}
            raise UsageError(
                "the mail account needs " + ", ".join(flags.get(k, "--from") for k in missing)
            )
        if changes:
            store.set_setting("mail", account)
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise UsageError("no password on standard input")
            secrets.put("mail", account["username"], password)
        has_password = secrets.get("mail", account["username"]) is not None
    print(f"sending:  {account['smtp_host']}:{account['smtp_port']} (STARTTLS)")
    print(f"replies:  {account['imap_host']}:{account['imap_port']} (STARTTLS)")
    print(
        f"login:    {account['username']} (password {'in' if has_password else 'NOT in'} "
        "the keyring)"
    )
    print(f"from:     {account['from_address']}")
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
