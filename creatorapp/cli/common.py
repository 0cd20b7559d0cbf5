"""Shared bits of the command line: errors, exit codes, policy lookup, JSON Lines output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from creatorapp.core.policy import Policy, PolicyError, resolve_policy

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit code 2."""


def policy_arg(spec: str | None) -> Policy:
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


def emit_json(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def interactive() -> bool:
    return sys.stderr.isatty()
