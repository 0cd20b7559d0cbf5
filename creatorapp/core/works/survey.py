"""What adding a folder would take in, before anything is recorded: how many works, and per
format whether its reservation goes into the file or into an XMP sidecar beside it.

A survey reads names only (no file is opened, nothing is written, no leftover is removed), with
the same rules a scan uses to decide what is a work, so the count a person is shown before
adding a folder is the count the scan then finds.  A big folder takes a while: the survey
reports as it goes and stops when asked."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from creatorapp.core import media  # noqa: F401  (registers the formats)
from creatorapp.core.media.base import SidecarFormat, by_extension
from creatorapp.core.works.tagging import ignored_reason

REPORT_EVERY = 200  # files between two progress reports


@dataclass
class Survey:
    """Works found under a folder, counted per format and per way of writing."""

    in_file: Counter[str] = field(default_factory=Counter)  # format name -> works
    by_sidecar: Counter[str] = field(default_factory=Counter)
    links: int = 0  # symbolic links, never followed (the scan reports each)
    unreadable: list[str] = field(default_factory=list)  # subfolders that could not be listed
    cancelled: bool = False

    @property
    def works(self) -> int:
        return sum(self.in_file.values()) + sum(self.by_sidecar.values())

    @property
    def written_in_file(self) -> int:
        return sum(self.in_file.values())

    @property
    def written_by_sidecar(self) -> int:
        return sum(self.by_sidecar.values())


def survey(
    root: Path | str,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Survey:
    """Count the works under ``root``.  ``progress(works so far)`` is called every few hundred
    files and once at the end; a set ``cancel`` ends the walk with ``cancelled`` true and the
    counts so far."""
    found = Survey()
    stack = [os.fspath(root)]
    seen = 0
    while stack:
        if cancel is not None and cancel.is_set():
            found.cancelled = True
            break
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            found.unreadable.append(folder)
            continue
        for entry in entries:
            name = entry.name
            if ignored_reason(name):  # hidden, temporary (ours too) or a sidecar
                continue
            try:
                if entry.is_symlink():
                    found.links += 1
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
            except OSError:
                continue
            fmt = by_extension(Path(name))
            if fmt is None:
                continue
            counts = found.by_sidecar if isinstance(fmt, SidecarFormat) else found.in_file
            counts[fmt.name] += 1
            seen += 1
            if progress is not None and seen % REPORT_EVERY == 0:
                progress(seen)
    if progress is not None:
        progress(seen)
    return found
