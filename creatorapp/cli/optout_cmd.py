"""``creatorapp optout destinations|submit|status|poll|attest|resolve|token|contact|mail``: ask
registries and dataset hosts to leave the works out, and follow each request to its end.

The settings flags (``mail``, ``contact``) are made from the settings the adapters declare, and
the advice codes the core gives with a problem become commands and flags here."""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    catalogue,
    emit_json,
    path_arg,
    safe,
    table_console,
)
from creatorapp.core.optouts.advice import Advice, Advised, Hint
from creatorapp.core.optouts.settings import CONTACT, MAIL, Group, Setting
from creatorapp.core.text import display
from creatorapp.core.text.display import counted, shown, shown_block
from creatorapp.core.text.states import said

if TYPE_CHECKING:
    from creatorapp.core.optouts.outbox import OptOuts

# the settings groups with a command of their own: ``optout mail``, ``optout contact``
GROUPS: dict[str, Group] = {MAIL.id: MAIL, CONTACT.id: CONTACT}


def add_commands(sub: argparse._SubParsersAction) -> None:
    optout = sub.add_parser("optout", help="opt-out requests to registries and dataset hosts")
    osub = optout.add_subparsers(dest="optout_command", metavar="ACTION", required=True)

    dest = osub.add_parser("destinations", help="where you can ask, and how each confirms")
    dest.add_argument(
        "--check", action="store_true", help="first ask each service whether it works now"
    )
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
        "--account",
        metavar="NAME",
        action="append",
        help="an account or organisation name, or a repository as OWNER/REPO (repeatable)",
    )
    submit.add_argument("--base-url", help="with --folder: where the folder is published")
    submit.add_argument("--dataset", help="the dataset asked (OWNER/NAME), where one is needed")
    submit.add_argument("--to", metavar="ADDRESS", help="the recipient, where one is needed")
    submit.add_argument(
        "--swear",
        action="store_true",
        help="confirm the letter's sworn statements (DMCA); read them with --dry-run first",
    )
    submit.add_argument(
        "--shows-person",
        action="store_true",
        help="the works show you: send a personal-data (GDPR) request instead of a copyright "
        "reservation, where the destination takes one",
    )
    submit.add_argument("--no-browser", action="store_true", help="print the form link only")
    submit.add_argument("--dry-run", action="store_true", help="show what would be sent")
    submit.add_argument("--json", action="store_true")
    submit.set_defaults(run=run_submit)

    drafts = osub.add_parser(
        "drafts",
        help="opt-outs waiting for you to send them (the set-up leaves one for each registry "
        "you chose); nothing in them is sent until you send it",
    )
    drafts.add_argument("--json", action="store_true")
    drafts.set_defaults(run=run_drafts)
    dsub = drafts.add_subparsers(dest="drafts_command", metavar="ACTION")
    send = dsub.add_parser("send", help="send a draft: what its folder, site or accounts give")
    send.add_argument("draft", metavar="ID", type=int, help="the draft's number")
    send.add_argument("--base-url", help="a folder's draft: where the folder is published")
    send.add_argument("--dataset", help="the dataset asked (OWNER/NAME), where one is needed")
    send.add_argument("--to", metavar="ADDRESS", help="the recipient, where one is needed")
    send.add_argument(
        "--account", metavar="NAME", action="append", help="an account name (repeatable)"
    )
    send.add_argument("--site", metavar="NAME", help="a site's draft: which of your sites")
    send.add_argument(
        "--swear",
        action="store_true",
        help="confirm the letter's sworn statements (DMCA); read them with --dry-run first",
    )
    send.add_argument(
        "--shows-person",
        action="store_true",
        help="the works show you: a personal-data (GDPR) request, where the destination takes one",
    )
    send.add_argument("--no-browser", action="store_true", help="print the form link only")
    send.add_argument("--dry-run", action="store_true", help="show what would be sent; keep it")
    send.add_argument("--json", action="store_true")
    send.set_defaults(run=run_draft_send)
    drop = dsub.add_parser("drop", help="forget a draft without sending it")
    drop.add_argument("draft", metavar="ID", type=int, help="the draft's number")
    drop.set_defaults(run=run_draft_drop)

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
    _setting_flags(contact, CONTACT)
    contact.add_argument("--json", action="store_true")
    contact.set_defaults(run=run_settings, group=CONTACT.id)

    mail = osub.add_parser("mail", help="the mail account letters are sent from")
    _setting_flags(mail, MAIL)
    mail.add_argument("--forget", action="store_true", help="remove the account and password")
    mail.add_argument("--json", action="store_true")
    mail.set_defaults(run=run_settings, group=MAIL.id)


# --- settings flags, made from the declarations ----------------------------------------------
def _flag(setting: Setting) -> str:
    return f"--{setting.name}-stdin" if setting.secret else f"--{setting.name}"


def _setting_flags(parser: argparse.ArgumentParser, group: Group) -> None:
    for s in group.settings:
        if s.secret:
            parser.add_argument(
                _flag(s),
                dest=f"set_{s.name}",
                action="store_true",
                help=f"read the {s.label.lower()} from standard input: {s.help}",
            )
        else:
            parser.add_argument(_flag(s), dest=f"set_{s.name}", metavar=s.example, help=s.help)


def _given(args: argparse.Namespace, group: Group) -> dict[str, str]:
    """The settings given on the command line; a secret is read from standard input."""
    given = {}
    for s in group.settings:
        value = getattr(args, f"set_{s.name}", None)
        if s.secret and value:
            value = sys.stdin.readline().rstrip("\r\n")
            if not value:
                raise UsageError(f"no {s.label.lower()} on standard input")
        if value not in (None, False):
            given[s.name] = value
    return given


# --- advice: the core's codes in this shell's words ------------------------------------------
def _set_up(hint: Hint) -> str:
    if hint.group in GROUPS:
        group = GROUPS[hint.group]
        names = hint.missing or tuple(s.name for s in group.settings if s.required)
        flags = " ".join(
            _flag(s) if s.secret else f"{_flag(s)} {s.example}"
            for s in group.settings
            if s.name in names
        )
        stdin = any(s.secret for s in group.settings if s.name in names)
        return f"set it with 'creatorapp optout {group.id} {flags}'" + (
            " (the password is read from standard input)" if stdin else ""
        )
    return f"store it with 'creatorapp optout token {hint.subject}' (read from standard input)"


ADVICE: dict[Advice, Callable[[Hint], str]] = {
    Advice.SET_UP: _set_up,
    Advice.NAME_DATASET: lambda h: "add --dataset OWNER/NAME",
    Advice.NAME_RECIPIENT: lambda h: "add --to ADDRESS",
    Advice.SWEAR: lambda h: "--dry-run shows it; add --swear only if every statement is true",
    Advice.ATTEST: lambda h: (
        f"then run 'creatorapp optout attest {h.subject}' (--evidence FILE keeps a confirmation)"
    ),
    Advice.RESOLVE: lambda h: f"'creatorapp optout resolve {h.subject} confirmed|rejected'",
    Advice.FIND_REFERENCE: lambda h: "'creatorapp optout status' lists the requests",
    Advice.ADD_FOLDER: lambda h: "add it with 'creatorapp folders add PATH'",
    Advice.SCAN: lambda h: "'creatorapp watch --once' catalogues the folder's works",
    Advice.NAME_SITE: lambda h: "'creatorapp site list' shows your sites",
    Advice.BASE_URL: lambda h: "add --base-url URL",
    Advice.URL_LIST: lambda h: "list the URLs in a file and use --urls FILE",
    Advice.CHECK_NOW: lambda h: "--now asks anyway",
}


def advice(hint: Hint | None) -> str:
    return ADVICE[hint.advice](hint) if hint else ""


def _with_advice(text: str, hint: Hint | None) -> str:
    said = advice(hint)
    return f"{text}; {said}" if said else text


def _advised(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A problem the core gives advice for ends the command with that advice in CLI words."""

    @functools.wraps(run)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except Advised as exc:
            if exc.hint is None:
                raise
            raise UsageError(_with_advice(str(exc), exc.hint)) from None

    return wrapped


@contextlib.contextmanager
def _optouts(args: argparse.Namespace, *, open_browser: bool = True) -> Iterator[OptOuts]:
    from creatorapp.core.optouts.outbox import OptOuts

    with catalogue(args) as store:
        optouts = OptOuts(store)
        optouts.options = {
            d: {"open_browser": open_browser}
            for d in optouts.descriptors
            if optouts.destinations.capabilities(d).opens_browser
        }
        yield optouts


# --- listings --------------------------------------------------------------------------------
@_advised
def run_destinations(args: argparse.Namespace) -> int:
    """Each destination with its status (ok, degraded: its service was found not working,
    manual: you send it yourself) and the day its facts were last checked."""
    from creatorapp.core.optouts.destinations import Destinations

    with catalogue(args) as store:
        destinations = Destinations(store)
        if getattr(args, "check", False):
            destinations.check_liveness()
        rows = [_destination_row(destinations, d) for d in destinations.descriptors.values()]
    if args.json:
        for row in rows:
            emit_json(row)
        return EXIT_OK
    from rich.table import Table

    table = Table(
        "destination", "id", "status", "how you ask", "how it confirms", "unit", "needs",
        "basis", "days", "facts checked",
    )  # fmt: skip
    for r in rows:
        ident = r["id"] + ("" if r["available"] else " (soon)")
        status = r["status"]
        if r["status_checked_at"]:
            when = r["status_checked_at"][:16].replace("T", " ")
            status += f"\n{r['status_detail']} ({when} UTC)" if r["status_detail"] else f"\n{when}"
        table.add_row(
            safe(r["name"]),
            safe(ident) + (f"\n{safe(r['asks_for'])}" if r["asks_for"] else ""),
            safe(status),
            safe(r["submit"]),
            safe(r["confirms_by"]),
            safe(r["unit"]),
            safe(r["set_up_with"] or "nothing"),
            safe(r["legal_basis"]),
            str(r["expected_days"]),
            r["checked"],
        )
    table_console(table).print(table)
    notices = [r for r in rows if r["notice"]]
    for r in notices:
        print(f"{safe(r['id'])}: {safe(r['notice'])}")
    return EXIT_OK


def _destination_row(destinations, d) -> dict:
    adapter = destinations.kinds.get(d.kind)
    # a destination that asks for no credentials needs none, whatever its adapter can take
    group = adapter.settings if adapter and d.auth_kind != "none" else None
    health = destinations.health(d.id)
    return {
        "id": d.id,
        "name": d.name,
        "status": destinations.status(d.id).value,
        "status_checked_at": health.checked_at if health else None,
        "status_detail": health.detail if health else "",
        "checked": d.checked.isoformat(),
        "submit": d.submit_mode,
        "confirms_by": d.status_mode,
        "unit": d.unit.value,
        "asks_for": {"dataset": "--dataset OWNER/NAME", "recipient": "--to ADDRESS"}.get(
            d.scope or "", ""
        ),
        "max_batch": d.max_batch,
        "needs": d.auth_kind,
        "set_up_with": group.title if group else None,
        "settings": [s.name for s in group.settings] if group else [],
        "you_send_it": bool(adapter and adapter.capabilities.hands_off),
        "you_judge_answers": bool(adapter and adapter.capabilities.answers_in_words),
        "legal_basis": d.legal_basis,
        "expected_days": d.expected_turnaround_days,
        "notice": d.notice,
        "available": adapter is not None,
    }


def _targets(args: argparse.Namespace, optouts: OptOuts, destination: str):
    from creatorapp.core.optouts import targets

    unit = optouts.descriptor(destination).unit
    if args.urls:
        return targets.from_file(Path(args.urls))
    if args.account:
        return targets.from_accounts(args.account, unit)
    if args.folder:
        return targets.from_folder(optouts.store, Path(args.folder), unit, args.base_url)
    return targets.from_site(optouts.store, args.site, unit)


@_advised
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
            shows_person=args.shows_person,
        )
        label = optouts.destinations.labelled(destination)
        about = _about(optouts, report)
    return _said_submitted(args, destination, label, found, report, about)


def _known(report) -> list[dict]:
    """Every request a report names."""
    return [
        *report.sent,
        *report.found,
        *report.queued,
        *(f.submission for f in report.failed),
        *(s for s, _ in report.scheduled),
    ]


def _about(optouts: OptOuts, report) -> dict[int, str]:
    """Each request the report names, as people read it (its short reference and works)."""
    return {s["id"]: optouts.describe(s) for s in _known(report)}


def _said_submitted(args, destination: str, label: str, found, report, about: dict) -> int:
    """What a submission (or a dry run of one) did, as ``optout submit`` and ``optout drafts
    send`` say it."""
    known = _known(report)
    if args.json:
        emit_json(
            {
                "destination": destination,
                "dry_run": args.dry_run,
                "payloads": report.payloads,
                "queued": [s["idempotency_key"] for s in report.queued],
                "references": {s["idempotency_key"]: about[s["id"]] for s in known},
                "already_submitted": [s["idempotency_key"] for s in report.found],
                "already_tracked": report.already_tracked,
                "sent": [s["idempotency_key"] for s in report.sent],
                "scheduled": [(s["idempotency_key"], t) for s, t in report.scheduled],
                "failed": [(f.submission["idempotency_key"], f.error) for f in report.failed],
                "next_steps": [
                    {"text": n.text, "advice": n.advice.value, "reference": n.reference}
                    for n in report.next_steps
                ],
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
        state = said(s["state"]).lower()
        print(f"already submitted as {shown(about[s['id']])}: {state}; not filed again")
    if report.already_tracked and report.queued:
        before = report.already_tracked
        print(
            f"{before:,} {'was' if before == 1 else 'were'} asked for before; "
            "only the new ones are sent"
        )
    for s in report.sent:
        where = f" ({shown(s['remote_url'])})" if s["remote_url"] else ""
        print(f"submitted {shown(about[s['id']])} to {shown(label)}: {said(s['state'])}{where}")
    for failure in report.failed:
        why = shown(_with_advice(failure.error, failure.hint))
        print(f"not sent yet {shown(about[failure.submission['id']])}: {why} (it stays queued)")
    for s, when in report.scheduled:
        print(f"queued {shown(about[s['id']])}: goes out at {when} ('optout poll' sends it)")
    for step in report.next_steps:
        print(f"Next: {shown(step.text)}")
        print(f"      {shown(advice(Hint(step.advice, step.reference)))}")
    return EXIT_FAILED if report.failed else EXIT_OK


# --- drafts ----------------------------------------------------------------------------------
def _no_draft(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A draft number that is not (or no longer) a draft is refused with where the list is."""

    @functools.wraps(run)
    def wrapped(args: argparse.Namespace) -> int:
        from creatorapp.core.optouts.drafts import Drafts

        with catalogue(args) as store:
            known = {d.id for d in Drafts(store).list()}
        if args.draft not in known:
            raise UsageError(
                f"there is no opt-out draft {args.draft}; 'creatorapp optout drafts' lists them"
            )
        return run(args)

    return wrapped


def _draft_row(drafts, draft) -> dict:
    missing = drafts.needs(draft)
    return {
        "id": draft.id,
        "destination": draft.destination,
        "title": drafts.optouts.destinations.title(draft.destination),
        "source": draft.source.as_dict(),
        "about": draft.source.words(),
        "made_at": draft.made_at,
        "made_by": draft.made_by,
        "ready": not missing,
        "missing": [
            {
                "text": m.text,
                "advice": m.hint.advice.value if m.hint else None,
                "said": advice(m.hint),
            }
            for m in missing
        ],
    }


@_advised
def run_drafts(args: argparse.Namespace) -> int:
    from creatorapp.core.optouts.drafts import Drafts

    with _optouts(args) as optouts:
        drafts = Drafts(optouts.store, optouts)
        rows = [_draft_row(drafts, d) for d in drafts.list()]
    if args.json:
        emit_json({"drafts": rows})
        return EXIT_OK
    if not rows:
        print("No opt-out drafts. 'creatorapp optout submit' starts a request at once.")
        return EXIT_OK
    for r in rows:
        made = f"made by {r['made_by']}, {display.when(r['made_at'])}"
        print(f"{r['id']:>3}  {shown(r['title'])} [{shown(r['destination'])}]: {shown(r['about'])}")
        if r["ready"]:
            print(f"     ready: 'creatorapp optout drafts send {r['id']}' sends it ({made})")
        for m in r["missing"]:
            what = f"{m['text']}; {m['said']}" if m["said"] else m["text"]
            print(f"     needs {shown(what)}")
    print(
        "Nothing in a draft is sent until you send it; --dry-run shows what would go, "
        "'creatorapp optout drafts drop ID' forgets one."
    )
    return EXIT_OK


@_advised
@_no_draft
def run_draft_send(args: argparse.Namespace) -> int:
    from creatorapp.core.optouts.drafts import Drafts

    with _optouts(args, open_browser=not args.no_browser) as optouts:
        draft, found, report = Drafts(optouts.store, optouts).send(
            args.draft,
            dry_run=args.dry_run,
            sworn=args.swear,
            shows_person=args.shows_person,
            scope=args.dataset or args.to,
            base_url=args.base_url,
            accounts=args.account,
            site=args.site,
        )
        destination = report.destination
        label = optouts.destinations.labelled(destination)
        about = _about(optouts, report)
    code = _said_submitted(args, destination, label, found, report, about)
    if not args.dry_run and not args.json:
        print(
            f"Draft {draft.id} is settled: its requests are tracked in 'creatorapp optout status'"
        )
    return code


@_advised
@_no_draft
def run_draft_drop(args: argparse.Namespace) -> int:
    from creatorapp.core.optouts.drafts import Drafts

    with _optouts(args) as optouts:
        draft = Drafts(optouts.store, optouts).drop(args.draft)
        title = optouts.destinations.title(draft.destination)
    about = shown(draft.source.words())
    print(f"Dropped draft {draft.id} ({shown(title)}, {about}); nothing was sent")
    return EXIT_OK


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
        if payload.get("instructions"):
            print("Before you send:")
            print(shown_block(payload["instructions"]))
        print()
        return
    print(json.dumps(payload, indent=2, ensure_ascii=False))


@_advised
def run_status(args: argparse.Namespace) -> int:
    with _optouts(args) as optouts:
        summary = optouts.status()
        submissions = optouts.store.submissions()
        attention = optouts.needs_attention()
        destinations = optouts.destinations
        titles = {
            d: destinations.title(d) for d in {*summary, *(a["destination"] for a in attention)}
        }
        labels = {d: destinations.labelled(d) for d in titles}
    keys = ("destination", "idempotency_key", "state", "sent_at", "remote_url", "last_error")
    if args.json:
        emit_json(
            {
                "items": summary,
                "titles": titles,
                "submissions": [{k: s[k] for k in (*keys, "next_poll_at")} for s in submissions],
                "needs_attention": [
                    {
                        "idempotency_key": a["idempotency_key"],
                        "reason": a["reason"],
                        "question": a.get("question"),
                        "advice": a["hint"].advice.value if a["hint"] else None,
                    }
                    for a in attention
                ],
            }
        )
        return EXIT_OK
    if not summary:
        print("No opt-out requests yet. See 'creatorapp optout destinations'.")
    for dest, counts in summary.items():
        parts = ", ".join(f"{n:,} {state}" for state, n in sorted(counts.items()))
        print(f"{shown(labels[dest])}: {parts}")
    if attention:
        print("\nNeeds you:")
        for a in attention:
            why = shown(_with_advice(a["reason"], a["hint"]))
            print(f"  {shown(a['idempotency_key'])} ({shown(labels[a['destination']])}): {why}")
    return EXIT_OK


@_advised
def run_poll(args: argparse.Namespace) -> int:
    with _optouts(args) as optouts:
        sent = optouts.send_queued(args.destination)
        result = optouts.poll(args.destination, force=args.now)
        labelled = optouts.destinations.labelled
        failed = [(f.submission["idempotency_key"], f.error) for r in sent for f in r.failed]
        if args.json:
            emit_json(
                {
                    "sent": [s["idempotency_key"] for r in sent for s in r.sent],
                    "send_failed": failed,
                    "changes": result.changes,
                    "errors": result.errors,
                    "advice": {d: h.advice.value for d, h in result.hints.items()},
                    "not_due": result.not_due,
                    "next_due": result.next_due,
                }
            )
            return EXIT_FAILED if failed or result.errors else EXIT_OK
        for r in sent:
            where = shown(labelled(r.destination))
            for s in r.sent:
                print(f"sent {shown(s['idempotency_key'])} ({where}): {s['state']}")
            for f in r.failed:
                why = shown(_with_advice(f.error, f.hint))
                print(f"not sent yet {shown(f.submission['idempotency_key'])}: {why}")
        for dest, counts in result.changes.items():
            changes = ", ".join(f"{n:,} now {s}" for s, n in sorted(counts.items())) or "no change"
            print(f"{shown(labelled(dest))}: {changes}")
        for dest, error in result.errors.items():
            why = shown(_with_advice(error, result.hints.get(dest)))
            print(f"{shown(labelled(dest))}: not checked: {why}")
    if result.not_due:
        print(
            f"{counted(result.not_due, 'request')} not due yet (next at {result.next_due}); "
            + advice(Hint(Advice.CHECK_NOW))
        )
    if not result.changes and not result.errors and not result.not_due and not sent:
        print("Nothing open to check.")
    return EXIT_FAILED if failed or result.errors else EXIT_OK


# --- the creator's part ----------------------------------------------------------------------
@_advised
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


@_advised
def run_resolve(args: argparse.Namespace) -> int:
    from creatorapp.core.optouts.model import ItemState

    with _optouts(args) as optouts:
        moved = optouts.resolve(
            args.submission,
            ItemState(args.outcome),
            evidence_file=Path(args.evidence).expanduser() if args.evidence else None,
            note=args.note,
        )
    print(f"Recorded: {counted(moved, 'item')} {args.outcome}")
    return EXIT_OK


# --- settings --------------------------------------------------------------------------------
@_advised
def run_settings(args: argparse.Namespace) -> int:
    """``optout mail`` and ``optout contact``: set what is given, then show the group."""
    from creatorapp.core.optouts.settings import Settings

    group = GROUPS[args.group]
    with catalogue(args) as store:
        book = Settings(store)
        if getattr(args, "forget", False):
            book.forget(group)
            secret = f" and its {group.secret.label.lower()}" if group.secret else ""
            print(f"Forgot the {group.title.lower()}{secret}")
            return EXIT_OK
        values = book.apply(group, _given(args, group))  # nothing given: checked, shown
        kept = book.kept_in(group) if group.secret else None
    rows = [(s, None if s.secret else values.get(s.name)) for s in group.settings]
    if args.json:
        doc = {s.name: (s.shown(v) if v is not None else None) for s, v in rows if not s.secret}
        if group.secret:
            doc[f"{group.secret.name}_kept_in"] = kept
        emit_json(doc)
        return EXIT_OK
    width = max(len(s.label) for s in group.settings) + 2
    for s, value in rows:
        if s.secret:
            shown_value = f"kept in {shown(kept)}" if kept else "NOT set"
        else:
            shown_value = shown(s.shown(value)) if value is not None else "(not set)"
        print(f"{s.label + ':':<{width}}{shown_value}")
    return EXIT_OK


@_advised
def run_token(args: argparse.Namespace) -> int:
    from creatorapp.core.optouts.destinations import Destinations

    with catalogue(args) as store:
        destinations = Destinations(store)
        group = destinations.own_secret(args.destination)
        base = destinations.descriptor(args.destination).id
        title = destinations.title(base)
        if args.forget:
            destinations.settings.forget(group, base)
            print(f"Forgot the {group.title} for {shown(title)} [{base}]")
            return EXIT_OK
        secret = group.secret
        assert secret is not None  # own_secret() checked it
        raw = sys.stdin.readline()
        if not raw.strip():
            raise UsageError(f"no {secret.label} on standard input")
        destinations.settings.apply(group, {secret.name: raw}, base)
        kept = destinations.settings.kept_in(group, base)
    print(f"Stored the {group.title} for {shown(title)} [{base}] in {shown(kept or 'the keyring')}")
    return EXIT_OK
