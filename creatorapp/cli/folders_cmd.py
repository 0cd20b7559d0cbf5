"""``creatorapp folders add|list|remove|set|apply``: the portfolio folders the app keeps tagged."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    catalogue,
    console,
    emit_json,
    interactive,
    path_arg,
    print_counts,
    safe,
    show_outcomes,
    table_console,
    text_arg,
)
from creatorapp.core.text.display import counted, shown

if TYPE_CHECKING:
    from creatorapp.core.works.portfolio import Portfolio


def add_commands(sub: argparse._SubParsersAction) -> None:
    folders = sub.add_parser("folders", help="portfolio folders: add, list, remove, set, apply")
    fsub = folders.add_subparsers(dest="folders_command", metavar="ACTION", required=True)

    add = fsub.add_parser(
        "add",
        help="add a folder, catalogue its works and tag them",
        description="Add a portfolio folder: every image in it (and below) is catalogued and "
        "tagged with the folder's policy, and 'creatorapp watch' keeps it that way.",
    )
    add.add_argument("path", metavar="PATH", type=path_arg)
    add.add_argument(
        "--policy", default="no-ai", metavar="NAME|FILE", type=text_arg, help="default: no-ai"
    )
    add.add_argument("--no-watch", action="store_true", help="catalogue it but do not watch it")
    add.add_argument("--no-tag", action="store_true", help="catalogue only; tag later")
    add.add_argument("--jobs", type=int, metavar="N", help="parallel workers")
    add.add_argument(
        "--yes",
        action="store_true",
        help="do not ask before adding the current folder named as '.' (scripts need it to)",
    )
    add.add_argument("--json", action="store_true", help="JSON Lines: one per file, then totals")
    add.set_defaults(run=run_add)

    lister = fsub.add_parser("list", help="the folders, their policies and their works")
    lister.add_argument("--json", action="store_true")
    lister.set_defaults(run=run_list)

    remove = fsub.add_parser("remove", help="stop keeping a folder (its files are never touched)")
    remove.add_argument("path", metavar="PATH", type=path_arg)
    remove.set_defaults(run=run_remove)

    setter = fsub.add_parser(
        "set",
        help="change a folder's policy or watching",
        description="Change a folder's policy or watching. A new policy makes the works tagged "
        "under the old one stale at once (the ledger records how many); 'creatorapp folders "
        "apply PATH' writes the new policy into them, and so does 'creatorapp watch'.",
    )
    setter.add_argument("path", metavar="PATH", type=path_arg)
    setter.add_argument("--policy", metavar="NAME|FILE", type=text_arg)
    watching = setter.add_mutually_exclusive_group()
    watching.add_argument("--watch", dest="watching", action="store_true", default=None)
    watching.add_argument("--no-watch", dest="watching", action="store_false")
    setter.set_defaults(run=run_set)

    applier = fsub.add_parser(
        "apply",
        help="write each folder's policy into its works that carry an earlier one",
        description="Bring every work of the folders (every portfolio folder without PATH) to "
        "its folder's policy: after 'folders set --policy', or after the policy itself was "
        "edited. Shows progress; Ctrl-C stops after the files in hand, and the rest stay "
        "stale. The ledger records how many works were brought to the policy "
        "(folder.policy_applied).",
    )
    applier.add_argument("paths", nargs="*", metavar="PATH", type=path_arg)
    applier.add_argument("--jobs", type=int, metavar="N", help="parallel workers")
    applier.add_argument(
        "--json", action="store_true", help="JSON Lines: one per file, then totals"
    )
    applier.set_defaults(run=run_apply)


@contextlib.contextmanager
def _portfolio(args: argparse.Namespace) -> Iterator[Portfolio]:
    from creatorapp.core.works.portfolio import Portfolio

    with catalogue(args) as store:
        yield Portfolio(store)


def run_add(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    from creatorapp.cli.confirm import ask_or_refuse, wide_folders
    from creatorapp.core.works.service import TaggingService

    with _portfolio(args) as portfolio:
        # only "." asks: naming a folder for 'folders add' is the explicit choice to keep it
        wide = wide_folders([args.path], [], by_count=False)
        ask_or_refuse(
            wide,
            question="Make {folder}, with {files}, a portfolio folder and tag it?",
            yes=args.yes,
        )
        folder = portfolio.add_folder(args.path, args.policy, watching=not args.no_watch)
        report = scan_with_progress(portfolio, [folder], as_json=args.json)
        counts = None
        if not args.no_tag:
            counts = show_outcomes(
                TaggingService(portfolio).process(report.due, jobs=args.jobs),
                as_json=args.json,
                total=len(report.due),
            )
        if args.json:
            emit_json(
                {"folder": folder.as_json(), "scan": report.as_json(), "tag": dict(counts or {})}
            )
        else:
            print(
                f"Added {shown(folder.path)} with policy {folder.policy}: "
                f"{counted(report.seen, 'work')} found"
                + ("" if folder.watching else " (not watched)")
            )
            for problem in report.problems:
                print(f"  problem: {shown(problem)}", file=sys.stderr)
            for path, why in report.skipped:  # symbolic links, never followed
                print(f"  skipped: {shown(path)}: {shown(why)}", file=sys.stderr)
            if counts is not None:
                print_counts(counts)
            elif report.due:
                print(f"{counted(len(report.due), 'work')} to tag: run 'creatorapp watch --once'")
    return EXIT_FAILED if counts and counts["failed"] else EXIT_OK


def scan_with_progress(portfolio, folders, *, as_json: bool):
    """A scan with a live count of the files seen (on a terminal)."""
    if as_json or not interactive():
        return portfolio.scan(folders)

    with console(stderr=True).status("Scanning…") as status:
        return portfolio.scan(folders, progress=lambda n: status.update(f"Scanning… {n:,} files"))


def run_list(args: argparse.Namespace) -> int:
    with catalogue(args) as store:
        rows = []
        for folder in store.folders():
            counts = {state.value: n for state, n in store.count_by_state(folder.id).items()}
            rows.append((folder, counts))
    if args.json:
        for folder, counts in rows:
            emit_json({**folder.as_json(), "works": counts})
        return EXIT_OK
    if not rows:
        print("No portfolio folders yet. Add one with 'creatorapp folders add PATH'.")
        return EXIT_OK
    from rich.table import Table

    table = Table("folder", "policy", "watching", "works", "problem")
    for folder, counts in rows:
        summary = ", ".join(f"{n:,} {state}" for state, n in sorted(counts.items())) or "none"
        table.add_row(
            safe(folder.path),
            safe(folder.policy),
            "yes" if folder.watching else "no",
            summary,
            safe(folder.error or ""),
        )
    table_console(table).print(table)
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    with _portfolio(args) as portfolio:
        forgotten = portfolio.remove_folder(args.path)
    print(
        f"Removed {shown(args.path)}: {counted(forgotten, 'work')} no longer catalogued "
        "(the files and the ledger are kept)"
    )
    return EXIT_OK


def run_set(args: argparse.Namespace) -> int:
    if args.policy is None and args.watching is None:
        raise UsageError("say what to change: --policy NAME, --watch or --no-watch")
    with _portfolio(args) as portfolio:
        before = portfolio.find_folder(args.path)
        folder = portfolio.set_folder(args.path, policy=args.policy, watching=args.watching)
        old = portfolio.carrying_old_policy(folder) if folder.policy != before.policy else 0
    print(
        f"{shown(folder.path)}: policy {folder.policy}, "
        f"{'watched' if folder.watching else 'not watched'}"
    )
    if old:
        command = f"creatorapp folders apply {shlex.quote(folder.path)}"
        print(
            f"{counted(old, 'work')} now {'carries' if old == 1 else 'carry'} the old policy "
            f"({before.policy}); run '{shown(command)}' to apply {folder.policy} to "
            f"{'it' if old == 1 else 'them'}"
        )
    return EXIT_OK


def run_apply(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    from creatorapp.core.works.service import TaggingService

    with _portfolio(args) as portfolio:
        folders = [portfolio.find_folder(p) for p in args.paths] or portfolio.store.folders()
        if not folders:
            raise UsageError("no portfolio folders yet; add one with 'creatorapp folders add PATH'")
        old = sum(shift.stale for shift in portfolio.restale(folders))  # edited policies too
        report, outcomes = TaggingService(portfolio).apply(folders, jobs=args.jobs)
        counts = show_outcomes(outcomes, as_json=args.json, label="Applying", total=len(report.due))
    if args.json:
        emit_json({"scan": report.as_json(), "old_policy": old, "tag": dict(counts)})
    else:
        for problem in report.problems:
            print(f"  problem: {shown(problem)}", file=sys.stderr)
        print(
            f"{counted(old, 'work')} carried an earlier policy; "
            f"{counted(len(report.due), 'work')} to tag in "
            f"{counted(len(folders), 'folder')}"
        )
        print_counts(counts)
    return EXIT_FAILED if counts["failed"] else EXIT_OK
