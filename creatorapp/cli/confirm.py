"""Asking before tagging a great many files nobody set aside for it.

A portfolio folder was chosen for tagging; any other folder was only named on a command line,
perhaps by a slip (``creatorapp tag .`` in the wrong window, a variable that came out empty).
Tagging rewrites every image below it, so above :data:`CONFIRM_ABOVE` image files, or whenever
the folder is the current one named only as ``.``, the command asks on a terminal and, in a
script, refuses unless ``--yes`` is given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from creatorapp.cli.common import UsageError
from creatorapp.core.text.display import counted, shown

CONFIRM_ABOVE = 1000  # image files in a folder that is not a portfolio folder
CONFIRM_ENV = "CREATORAPP_CONFIRM_ABOVE"  # overrides CONFIRM_ABOVE (tests use a small one)


def confirm_above() -> int:
    try:
        return max(0, int(os.environ.get(CONFIRM_ENV, "")))
    except ValueError:
        return CONFIRM_ABOVE


@dataclass(frozen=True)
class Wide:
    """A folder argument that needs a yes: where it is, how many images, and why."""

    raw: str
    folder: str
    files: int
    implicit: bool  # the current folder, named only as "." (or "./", ...)


def names_cwd_implicitly(raw: str) -> bool:
    """``.``, ``./``, ``./.``: the current folder without saying which one it is."""
    parts = raw.replace(os.sep, "/").split("/")
    return all(part in ("", ".") for part in parts)


def _inside_any(real: str, folders: Iterable[str]) -> bool:
    return any(real == f or real.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def _images(folder: Path) -> int:
    from creatorapp.core.works.tagging import iter_targets

    return sum(1 for t in iter_targets([folder]) if t.skip is None)


def wide_folders(
    raw: Sequence[str], portfolio_folders: Iterable[str], *, by_count: bool = True
) -> list[Wide]:
    """The folder arguments that need a yes before anything is written: the current folder
    named as ``.``, and (``by_count``) folders with more than :func:`confirm_above` images."""
    from creatorapp.core.works.portfolio import normalise

    folders = list(portfolio_folders)
    limit = confirm_above()
    found: list[Wide] = []
    for text in raw:
        path = Path(text).expanduser()
        if not path.is_dir():
            continue
        real = normalise(path)
        if _inside_any(real, folders):
            continue
        implicit = names_cwd_implicitly(text)
        files = _images(path)
        if files and (implicit or (by_count and files > limit)):
            found.append(Wide(text, real, files, implicit))
    return found


def ask_or_refuse(wide: Sequence[Wide], *, question: str, yes: bool) -> None:
    """Return when each folder may go ahead; otherwise raise UsageError (exit 2), nothing
    touched.  A terminal is asked ``question`` (with ``{files}`` and ``{folder}``); a script
    (stdin or stderr not a terminal) needs ``--yes``."""
    if yes or not wide:
        return
    if not (sys.stdin.isatty() and sys.stderr.isatty()):  # nobody to see the question
        first = wide[0]
        files = counted(first.files, "image file")
        if first.implicit:
            message = (
                f"'{first.raw}' is the current folder {first.folder}, with {files}; "
                "nothing was touched (name the folder you mean, or add --yes)"
            )
        else:
            message = (
                f"{first.folder} holds {files} and is not a portfolio folder; nothing was "
                "touched (add --yes to go ahead)"
            )
        raise UsageError(message)
    for item in wide:
        files = counted(item.files, "image file")
        sys.stderr.write(question.format(files=files, folder=shown(item.folder)) + " [y/N] ")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            raise UsageError(f"nothing was touched ({shown(item.folder)} not confirmed)")
