"""``creatorapp tag`` and ``creatorapp verify``."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    emit_json,
    existing_paths,
    interactive,
    policy_arg,
)
from creatorapp.core import signals
from creatorapp.core.media.base import Status
from creatorapp.core.tagging import TagOptions, iter_targets, tag_paths, verify_paths

_STYLE = {
    Status.TAGGED: "green",
    Status.UNCHANGED: "dim",
    Status.SIDECAR: "cyan",
    Status.FAILED: "bold red",
    Status.SKIPPED: "yellow",
}


def add_commands(sub: argparse._SubParsersAction) -> None:
    tag = sub.add_parser(
        "tag",
        help="write the reservation into image files (sidecars for raw and HEIF)",
        description="Write the policy's reservation into every image under PATH. Files that "
        "already carry it are left untouched; raw files, HEIF, GIF and PSD get a .xmp sidecar.",
    )
    tag.add_argument(
        "paths", nargs="+", metavar="PATH", help="files or folders (walked recursively)"
    )
    tag.add_argument(
        "--policy", metavar="NAME|FILE", help="preset, user policy or TOML file (default: no-ai)"
    )
    tag.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )
    tag.add_argument(
        "--force",
        action="store_true",
        help="also replace existing copyright/creator values with the policy's",
    )
    tag.add_argument(
        "--jobs", type=int, metavar="N", help="parallel workers (default: twice the CPU count)"
    )
    tag.add_argument("--json", action="store_true", help="one JSON object per file per line")
    tag.set_defaults(run=run_tag)

    verify = sub.add_parser("verify", help="read back the reservation each file carries")
    verify.add_argument("paths", nargs="+", metavar="PATH")
    verify.add_argument("--json", action="store_true", help="one JSON object per file per line")
    verify.set_defaults(run=run_verify)


def run_tag(args: argparse.Namespace) -> int:
    policy = policy_arg(args.policy)
    paths = existing_paths(args.paths)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    options = TagOptions(force=args.force, dry_run=args.dry_run)
    counts: Counter[Status] = Counter()
    failures: list[tuple[str, str]] = []
    outcomes = tag_paths(paths, policy, options=options, jobs=args.jobs)

    if args.json:
        for outcome in outcomes:
            counts[outcome.status] += 1
            emit_json(outcome.as_json())
        return EXIT_FAILED if counts[Status.FAILED] else EXIT_OK

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.table import Table

    console = Console(stderr=True)
    show_bar = interactive()
    total = sum(1 for _ in iter_targets(paths)) if show_bar else None
    with Progress(
        TextColumn("[bold]Tagging[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not show_bar,
    ) as progress:
        task = progress.add_task("tag", total=total)
        for outcome in outcomes:
            counts[outcome.status] += 1
            progress.advance(task)
            if outcome.status is Status.FAILED:
                failures.append((outcome.path, outcome.reason or ""))
                progress.console.print(f"[bold red]failed[/] {outcome.path}: {outcome.reason}")

    verb = "would be" if args.dry_run else ""
    out = Console(file=sys.stdout, soft_wrap=True)
    out.print(
        f"{'Dry run, ' if args.dry_run else ''}policy {policy.name} "
        f"({signals.data_mining_code(policy)})"
    )
    summary = Table(show_header=False, box=None)
    for status in Status:
        if counts[status]:
            label = f"{verb} {status.value}".strip()
            summary.add_row(f"[{_STYLE[status]}]{label}[/]", str(counts[status]))
    out.print(summary)
    return EXIT_FAILED if failures else EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    paths = existing_paths(args.paths)
    results = verify_paths(paths)
    if args.json:
        for result in results:
            emit_json(result.as_json())
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("file", "reserved", "IPTC data mining", "from")
    for r in results:
        code = (r.data_mining or "").removeprefix(signals.VOCAB_PREFIX) or (r.error or "-")
        table.add_row(
            r.path,
            "[green]yes[/]" if r.reserved else "[red]no[/]",
            code,
            r.source,
        )
    Console(file=sys.stdout).print(table)
    return EXIT_OK
