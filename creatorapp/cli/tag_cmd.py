"""``creatorapp tag`` and ``creatorapp verify``."""

from __future__ import annotations

import argparse
import sys

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    emit_json,
    existing_paths,
    interactive,
    open_store,
    policy_arg,
    print_counts,
    show_outcomes,
)


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
        "--policy",
        metavar="NAME|FILE",
        help="preset, user policy or TOML file (default: the portfolio folder's policy, "
        "else no-ai)",
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
    tag.add_argument(
        "--c2pa",
        action="store_true",
        help="also sign Content Credentials with the training-and-mining assertion "
        "('creatorapp identity create' first)",
    )
    tag.add_argument("--json", action="store_true", help="one JSON object per file per line")
    tag.set_defaults(run=run_tag)

    verify = sub.add_parser("verify", help="read back the reservation each file carries")
    verify.add_argument("paths", nargs="+", metavar="PATH")
    verify.add_argument("--json", action="store_true", help="one JSON object per file per line")
    verify.set_defaults(run=run_verify)


def run_tag(args: argparse.Namespace) -> int:
    from creatorapp.core.portfolio import Portfolio
    from creatorapp.core.tagging import TagOptions, iter_targets

    policy = policy_arg(args.policy) if args.policy else None
    paths = existing_paths(args.paths)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    credentials = None
    if args.c2pa:
        from creatorapp.core import identity
        from creatorapp.core.media.c2pa import SignJob

        credentials = SignJob(identity.load())
    options = TagOptions(force=args.force, dry_run=args.dry_run, credentials=credentials)
    store = open_store(args)
    try:
        portfolio = Portfolio(store)
        outcomes = portfolio.tag(paths, policy, options=options, jobs=args.jobs)
        total = sum(1 for _ in iter_targets(paths)) if interactive() and not args.json else None
        counts = show_outcomes(outcomes, as_json=args.json, total=total)
    finally:
        store.close()
    if not args.json:
        from creatorapp.core import signals

        shown = policy or policy_arg(None)
        print(
            f"{'Dry run, ' if args.dry_run else ''}policy "
            f"{shown.name if policy else 'of each portfolio folder, else ' + shown.name} "
            f"({signals.data_mining_code(shown)})"
        )
        print_counts(counts, prefix="would be" if args.dry_run else "")
    return EXIT_FAILED if counts["failed"] else EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from creatorapp.core import signals
    from creatorapp.core.tagging import verify_paths

    paths = existing_paths(args.paths)
    results = verify_paths(paths)
    if args.json:
        for result in results:
            emit_json(result.as_json())
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    table = Table("file", "reserved", "IPTC data mining", "from", "Content Credentials")
    for r in results:
        code = (r.data_mining or "").removeprefix(signals.VOCAB_PREFIX) or (r.error or "-")
        table.add_row(
            r.path,
            "[green]yes[/]" if r.reserved else "[red]no[/]",
            code,
            r.source,
            _credentials_cell(r),
        )
    Console(file=sys.stdout).print(table)
    return EXIT_OK


def _credentials_cell(r) -> str:
    c = r.credentials
    if c is None or not c.present:
        return "-"
    colour = {"Trusted": "green", "Valid": "yellow"}.get(c.state or "", "red")
    text = f"[{colour}]{c.state}[/]"
    if c.failures:
        text += f" ({', '.join(c.failures)})"
    if r.agrees is False:
        text += " [red]disagrees with IPTC[/]"
    return text
