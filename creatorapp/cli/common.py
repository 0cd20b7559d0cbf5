"""Shared bits of the command line: errors, exit codes, policy and catalogue lookup, JSON Lines
output, and the progress display used by every command that tags files."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.errors import UserError

if TYPE_CHECKING:
    from creatorapp.core.catalogue import Store
    from creatorapp.core.media.base import Outcome
    from creatorapp.core.policy import Policy

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(UserError):
    """A mistake in how the command was called, or something that stops it from starting;
    printed as one line, exit code 2."""


def policy_arg(spec: str | None) -> Policy:
    from creatorapp.core.policy import PolicyError, resolve_policy

    try:
        return resolve_policy(spec)
    except PolicyError as exc:
        raise UsageError(str(exc)) from None


def existing_paths(raw: list[str]) -> list[Path]:
    paths = [Path(p).expanduser() for p in raw]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return paths


def open_store(args: argparse.Namespace) -> Store:
    from creatorapp.core.catalogue import open_catalogue

    return open_catalogue(Path(args.catalogue).expanduser() if args.catalogue else None)


@contextlib.contextmanager
def catalogue(args: argparse.Namespace) -> Iterator[Store]:
    """The catalogue for one command, closed however the command ends."""
    store = open_store(args)
    try:
        yield store
    finally:
        store.close()


def emit_json(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def interactive() -> bool:
    return sys.stderr.isatty()


def show_outcomes(
    outcomes: Iterable[Outcome],
    *,
    as_json: bool,
    label: str = "Tagging",
    total: int | None = None,
) -> Counter:
    """Print outcomes as JSON Lines, or as a progress bar with failures listed; return counts
    by status value."""
    counts: Counter = Counter()
    if as_json:
        for outcome in outcomes:
            counts[outcome.status.value] += 1
            emit_json(outcome.as_json())
        return counts

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not interactive(),
    ) as progress:
        task = progress.add_task(label, total=total)
        for outcome in outcomes:
            counts[outcome.status.value] += 1
            progress.advance(task)
            if outcome.status.value == "failed":
                progress.console.print(f"[bold red]failed[/] {outcome.path}: {outcome.reason}")
    return counts


STATUS_STYLE = {
    "tagged": "green",
    "unchanged": "dim",
    "sidecar": "cyan",
    "failed": "bold red",
    "skipped": "yellow",
}


def print_counts(counts: Counter, *, prefix: str = "") -> None:
    from rich.console import Console
    from rich.table import Table

    summary = Table(show_header=False, box=None)
    for status, style in STATUS_STYLE.items():
        if counts[status]:
            summary.add_row(f"[{style}]{(prefix + ' ' + status).strip()}[/]", str(counts[status]))
    Console(file=sys.stdout, soft_wrap=True).print(summary)
