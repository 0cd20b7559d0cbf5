"""Shared bits of the command line: errors, exit codes, policy and catalogue lookup, JSON Lines
output, and the progress display used by every command that tags files."""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.core.text.pathtext import json_text
from creatorapp.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

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


def path_arg(value: str) -> str:
    """The argparse type of every path argument.  ``Path("")`` is the current folder, so an
    empty or blank path would quietly mean "everything here"; it is refused instead."""
    if not value.strip():
        raise argparse.ArgumentTypeError(
            "an empty path names nothing (to mean the current folder, write '.')"
        )
    return value


def text_arg(value: str) -> str:
    """The argparse type of names (policies, sites): empty would silently mean the default."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty name names nothing")
    return value


def safe(value: object) -> str:
    """Outside text for rich output: control characters escaped (display.shown) and rich
    markup escaped, so ``[bold red]x[/]`` in a file name prints as written."""
    from rich.markup import escape

    from creatorapp.core.text.display import shown

    return escape(shown(value))


def safe_block(text: str) -> str:
    """Like :func:`safe` for text of several lines: the line breaks stay."""
    from rich.markup import escape

    from creatorapp.core.text.display import shown_block

    return escape(shown_block(text))


def existing_paths(raw: list[str]) -> list[Path]:
    paths = [Path(p).expanduser() for p in raw]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return paths


def open_store(args: argparse.Namespace) -> Store:
    """The catalogue named by ``--catalogue`` (which must exist: a typo must not start an empty
    catalogue), else the default one, made on first use."""
    from creatorapp.core.catalogue import CatalogueMissing, open_catalogue

    if not args.catalogue:
        return open_catalogue(None)
    path = Path(args.catalogue).expanduser()
    try:
        return open_catalogue(path, create=False)
    except CatalogueMissing as exc:
        raise UsageError(f"{exc}; to create one: {init_command(path)}") from None


def init_command(path: Path) -> str:
    import shlex

    return f"creatorapp --catalogue {shlex.quote(str(path))} catalogue init"


@contextlib.contextmanager
def catalogue(args: argparse.Namespace) -> Iterator[Store]:
    """The catalogue for one command, closed however the command ends."""
    store = open_store(args)
    try:
        yield store
    finally:
        store.close()


def emit_json(doc: dict) -> None:
    """One JSON line; a file name's bytes that are not UTF-8 appear as ``\\udcXX`` escapes
    (see creatorapp.core.text.pathtext), so the line is always valid UTF-8."""
    sys.stdout.write(json_text(doc) + "\n")
    sys.stdout.flush()


def interactive() -> bool:
    return sys.stderr.isatty()


def console(*, stderr: bool = False, **options) -> Console:
    """A rich console for outside text: no ``:name:`` emoji codes, and a reader gone from the
    pipe raises BrokenPipeError for main() to end quietly (rich's own answer is exit 1, the
    code for a failed file)."""
    return _console_class()(stderr=stderr, emoji=False, **options)


def table_console(*tables: Table) -> Console:
    """The console to print ``tables`` on, which never cuts a value short (rich's default
    ends a long value in "…").  On a terminal a long value folds onto more lines; anywhere
    else (a pipe, a file) the console is as wide as the widest table needs, so each row keeps
    to its line and a script or a search sees every value whole.  ``--json`` is for scripts."""
    import io

    for table in tables:
        for column in table.columns:
            column.overflow = "fold"
    if sys.stdout.isatty():
        return console(file=sys.stdout)
    probe = console(file=io.StringIO(), width=_WIDEST)
    widest = max((probe.measure(table).maximum for table in tables), default=0)
    return console(file=sys.stdout, width=max(80, widest))


_WIDEST = 100_000  # columns a table may measure up to when nothing limits it


@functools.cache
def _console_class() -> type[Console]:
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError

    return PipeConsole


# The command line's advice for the core's codes (an error's, or the reason code of a file the
# core left alone): the core's sentence says what is wrong in words a window shows too; the
# commands and flags are this shell's.
ADVICE = {
    "READ_ONLY": "--force rewrites it and keeps it read-only",
    "CREDENTIALS_WOULD_BREAK": "'creatorapp identity create' lets it be re-signed; "
    "--break-credentials tags it anyway",
    "no-identity": 'creatorapp identity create --name "Your Name", or '
    "creatorapp identity import CERT --key KEY",
    "not-a-portfolio-folder": "creatorapp folders list shows them",
    "no-key": "give it with --key FILE",
}


def outcome_json(outcome: Outcome) -> dict:
    doc = outcome.as_json()
    advice = ADVICE.get(outcome.code.value) if outcome.code is not None else None
    if advice is not None and outcome.status.value == "failed":
        doc["advice"] = advice
    return doc


def show_outcomes(
    outcomes: Iterable[Outcome],
    *,
    as_json: bool,
    label: str = "Tagging",
    total: int | None = None,
) -> Counter:
    """Print outcomes as JSON Lines, or as a progress bar with failures and skipped files
    listed; return counts by status value.  However printing ends (the reader of a pipe gone,
    Ctrl-C), ``outcomes`` is closed here, while the catalogue it records into is still open."""
    try:
        return _show_outcomes(outcomes, as_json=as_json, label=label, total=total)
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()


def _show_outcomes(
    outcomes: Iterable[Outcome], *, as_json: bool, label: str, total: int | None
) -> Counter:
    counts: Counter = Counter()
    if as_json:
        for outcome in outcomes:
            counts[outcome.status.value] += 1
            emit_json(outcome_json(outcome))
        return counts

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    skipped = 0
    with Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
        disable=not interactive(),
    ) as progress:
        task = progress.add_task(label, total=total)
        for outcome in outcomes:
            counts[outcome.status.value] += 1
            progress.advance(task)
            if outcome.status.value == "failed":
                advice = outcome_json(outcome).get("advice")
                progress.console.print(
                    f"[bold red]failed[/] {safe(outcome.path)}: {safe(outcome.reason)}"
                    + (f" ({safe(advice)})" if advice else "")
                )
            elif outcome.status.value == "skipped":
                skipped += 1
                if skipped <= SKIPPED_SHOWN:
                    progress.console.print(
                        f"[yellow]skipped[/] {safe(outcome.path)}: {safe(outcome.reason)}"
                    )
        if skipped > SKIPPED_SHOWN:
            progress.console.print(
                f"[yellow]skipped[/] {skipped - SKIPPED_SHOWN:,} more (--json lists them all)"
            )
    return counts


SKIPPED_SHOWN = 20  # skipped files named one by one; past that, only how many more


STATUS_STYLE = {
    "tagged": "green",
    "unchanged": "dim",
    "sidecar": "cyan",
    "failed": "bold red",
    "skipped": "yellow",
}


def print_counts(counts: Counter, *, prefix: str = "") -> None:
    from rich.table import Table

    summary = Table(show_header=False, box=None)
    for status, style in STATUS_STYLE.items():
        if counts[status]:
            summary.add_row(f"[{style}]{(prefix + ' ' + status).strip()}[/]", str(counts[status]))
    console(file=sys.stdout, soft_wrap=True).print(summary)
