"""``creatorapp tag`` and ``creatorapp verify``."""

from __future__ import annotations

import argparse

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    emit_json,
    existing_paths,
    interactive,
    open_store,
    path_arg,
    policy_arg,
    print_counts,
    safe,
    show_outcomes,
    table_console,
    text_arg,
)
from creatorapp.cli.confirm import CONFIRM_ABOVE, CONFIRM_ENV, ask_or_refuse, wide_folders


def add_commands(sub: argparse._SubParsersAction) -> None:
    tag = sub.add_parser(
        "tag",
        help="write the reservation into image files (sidecars for raw and HEIF)",
        description="Write the policy's reservation into every image under PATH. Files that "
        "already carry it are left untouched; raw files, HEIF, GIF and PSD get a .xmp sidecar.",
    )
    tag.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        type=path_arg,
        help="files or folders (walked recursively)",
    )
    tag.add_argument(
        "--policy",
        metavar="NAME|FILE",
        type=text_arg,
        help="preset, user policy or TOML file (default: the portfolio folder's policy, "
        "else no-ai)",
    )
    tag.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )
    tag.add_argument(
        "--force",
        action="store_true",
        help="also replace existing copyright/creator values with the policy's, and rewrite "
        "read-only files (they stay read-only)",
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
    tag.add_argument(
        "--yes",
        action="store_true",
        help="do not ask before tagging the current folder named as '.', or a folder that "
        f"is not a portfolio folder and holds more than {CONFIRM_ABOVE:,} images "
        f"(${CONFIRM_ENV} changes that number); scripts need it to do so",
    )
    tag.add_argument(
        "--break-credentials",
        action="store_true",
        help="also rewrite files whose Content Credentials cannot be re-signed (no signing "
        "identity); their credentials will then show as invalid",
    )
    tag.add_argument("--json", action="store_true", help="one JSON object per file per line")
    tag.set_defaults(run=run_tag)

    verify = sub.add_parser("verify", help="read back the reservation each file carries")
    verify.add_argument("paths", nargs="+", metavar="PATH", type=path_arg)
    verify.add_argument("--json", action="store_true", help="one JSON object per file per line")
    verify.set_defaults(run=run_verify)


def run_tag(args: argparse.Namespace) -> int:
    from creatorapp.core.works.portfolio import Portfolio
    from creatorapp.core.works.service import TaggingService, TagRequest
    from creatorapp.core.works.tagging import iter_targets

    policy = policy_arg(args.policy) if args.policy else None
    paths = existing_paths(args.paths)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    # the service signs what the policies ask for, and re-signs files that carry credentials
    request = TagRequest(
        force=args.force,
        dry_run=args.dry_run,
        sign_every_file=args.c2pa,
        break_credentials=args.break_credentials,
    )
    store = open_store(args)
    try:
        service = TaggingService(Portfolio(store))
        if args.c2pa:
            service.signing_identity()  # none: say so before asking anything
        if not args.dry_run:
            wide = wide_folders(args.paths, [f.path for f in store.folders()])
            ask_or_refuse(wide, question="Tag {files} in {folder}?", yes=args.yes)
        outcomes = service.tag(paths, policy, request=request, jobs=args.jobs)
        total = sum(1 for _ in iter_targets(paths)) if interactive() and not args.json else None
        counts = show_outcomes(outcomes, as_json=args.json, total=total)
    finally:
        store.close()
    if not args.json:
        from creatorapp.core.policy import signals

        used = policy or policy_arg(None)
        print(
            f"{'Dry run, ' if args.dry_run else ''}policy "
            f"{used.name if policy else 'of each portfolio folder, else ' + used.name} "
            f"({signals.data_mining_code(used)})"
        )
        print_counts(counts, prefix="would be" if args.dry_run else "")
    return EXIT_FAILED if counts["failed"] else EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from creatorapp.core.policy import signals
    from creatorapp.core.works.tagging import verify_paths

    paths = existing_paths(args.paths)
    results = verify_paths(paths)
    if args.json:
        for result in results:
            emit_json(result.as_json())
        return EXIT_OK
    from rich.table import Table

    table = Table("file", "reserved", "IPTC data mining", "from", "Content Credentials")
    for r in results:
        code = (r.data_mining or "").removeprefix(signals.VOCAB_PREFIX) or (r.error or "-")
        skipped = r.source == "skipped"  # not an image, hidden, unreadable folder: r.error says
        table.add_row(
            safe(r.path),
            "[yellow]skipped[/]" if skipped else "[green]yes[/]" if r.reserved else "[red]no[/]",
            safe(code),
            "-" if skipped else r.source,
            _credentials_cell(r),
        )
    table_console(table).print(table)
    return EXIT_OK


def _credentials_cell(r) -> str:
    """One of four answers: none, valid (trusted or not), invalid (with why), unreadable."""
    from rich.markup import escape

    from creatorapp.core.media.c2pa import CredentialStatus

    c = r.credentials
    if c is None or c.status is CredentialStatus.ABSENT:
        return "-"
    if c.status is CredentialStatus.UNREADABLE:
        return "[magenta]unreadable[/]" + (f" ({escape(c.error)})" if c.error else "")
    if c.status is CredentialStatus.VALID:
        text = "[green]Trusted[/]" if c.state == "Trusted" else "[yellow]Valid[/]"
    else:
        text = "[red]Invalid[/]"
    if c.failures:
        text += f" ({escape(', '.join(c.failures))})"
    if r.agrees is False:
        text += " [red]disagrees with IPTC[/]"
    return text
