"""What every format module provides, and the registry that finds the right one for a file.

A format is one module with one :class:`Container` subclass (the file is rewritten in place) or
one :class:`SidecarFormat` row (the file is never written; its XMP goes to ``name.xmp``).
Adding a format is adding a module that calls :func:`register`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, ClassVar

from creatorapp.core.media import tiff_ifd
from creatorapp.core.policy.signals import Family

ExifTags = dict[int, tuple[int, bytes]]

HEAD_SIZE = 64


class Status(StrEnum):
    TAGGED = "tagged"
    UNCHANGED = "unchanged"
    SIDECAR = "sidecar"
    FAILED = "failed"
    SKIPPED = "skipped"


class Reason(StrEnum):
    """Stable codes for why a file was left as it was: scripts and the desktop app act on the
    code, people read the sentence beside it (which says what to do)."""

    FOREIGN_XMP_UNREADABLE = "FOREIGN_XMP_UNREADABLE"  # another program's XMP we cannot keep
    SYMLINK = "SYMLINK"  # the name is a symbolic link; its target is not written through it
    READ_ONLY = "READ_ONLY"  # nobody may write it; --force rewrites it and keeps it read-only
    OWNER_NOT_KEPT = "OWNER_NOT_KEPT"  # the rewritten file could not keep its owner or group
    ATTRIBUTES_NOT_KEPT = "ATTRIBUTES_NOT_KEPT"  # an extended attribute or ACL could not be kept
    CREDENTIALS_WOULD_BREAK = "CREDENTIALS_WOULD_BREAK"  # signed, and no identity to re-sign
    CHANGED_WHILE_TAGGING = "CHANGED_WHILE_TAGGING"  # another program changed it meanwhile
    BUSY = "BUSY"  # another process has held the file for too long
    HARD_LINKS = "HARD_LINKS"  # other names share the file; rewriting it would separate them
    CHECK_FAILED = "CHECK_FAILED"  # the new bytes failed the check before writing; none written
    NAME_TOO_LONG = "NAME_TOO_LONG"  # a name it needs is longer than a file name may be
    DAMAGED = "DAMAGED"  # the file's structure is damaged or cut short


@dataclass(frozen=True)
class Outcome:
    path: str
    status: Status
    reason: str | None = None
    sidecar: str | None = None
    format: str | None = None
    notes: tuple[str, ...] = ()
    # the file as it is after tagging, when asked for (see TagOptions.digest)
    size: int | None = None
    mtime_ns: int | None = None
    inode: int | None = None
    sha256: str | None = None
    code: Reason | None = None  # why it failed, when the reason has a stable code

    @property
    def written(self) -> bool:
        return self.status in (Status.TAGGED, Status.SIDECAR)

    def as_json(self) -> dict:
        doc: dict = {"path": self.path, "status": self.status.value}
        if self.status in (Status.FAILED, Status.SKIPPED):
            doc["reason"] = self.reason
            if self.code is not None:
                doc["code"] = self.code.value
        if self.notes and self.status in (Status.TAGGED, Status.SIDECAR):
            doc["notes"] = list(self.notes)
        if self.sidecar:
            doc["sidecar"] = self.sidecar
        return doc


class FileProblem(Exception):
    """A file we will not write; ``str(exc)`` is the plain-words reason shown to the user and
    ``code`` its stable reason code, where it has one."""

    def __init__(self, message: str, code: Reason | None = None) -> None:
        super().__init__(message)
        self.code = code


class Container(ABC):
    """An image format whose metadata we can splice in without touching the image data."""

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    families: ClassVar[frozenset[Family]]

    @staticmethod
    @abstractmethod
    def magic(head: bytes) -> bool:
        """True when the first bytes say this format."""

    def read_for_check(self, handle: BinaryIO) -> bytes:
        """Enough of the file for exiv2 to read all its metadata (the whole file by default)."""
        return handle.read()

    def metadata_bytes(self, parsed: object) -> bytes:
        """The part of the file exiv2 needs to read its metadata (all of it by default)."""
        return parsed.data

    @abstractmethod
    def parse(self, data: bytes) -> object:
        """Split the file into its parts; raise FileProblem when it is not well-formed."""

    @abstractmethod
    def exif_block(self, parsed: object) -> bytes | None:
        """The file's EXIF as a TIFF stream, or None when it has none."""

    @abstractmethod
    def xmp_packet(self, parsed: object) -> bytes | None:
        """The file's XMP packet exactly as stored, or None."""

    def new_exif(self, parsed: object, exif_tags: ExifTags) -> bytes | None:
        """The file's EXIF block with IFD0 amended (or a fresh block), None when unchanged."""
        if not exif_tags:
            return None
        return tiff_ifd.set_ifd0_tags(self.exif_block(parsed), exif_tags)

    @abstractmethod
    def splice(
        self, parsed: object, *, xmp: bytes | None, exif_tags: ExifTags, iptc_from: bytes | None
    ) -> bytes:
        """The file with the given parts replaced or added and every other byte kept."""

    @abstractmethod
    def payload(self, parsed: object) -> list[bytes]:
        """Everything that is not metadata we own, in file order: must survive unchanged."""

    def check_result(self, before: object, after: object) -> None:
        """Format-specific checks of a spliced file beyond payload identity."""


@dataclass(frozen=True)
class SidecarFormat:
    """An image we never rewrite (raw files, HEIF, GIF, PSD): its XMP goes to a sidecar."""

    name: str
    extensions: tuple[str, ...]
    magic: Callable[[bytes], bool]


Format = Container | SidecarFormat

_BY_EXTENSION: dict[str, Format] = {}
_ALL: list[Format] = []


def register(fmt: Format) -> Format:
    for ext in fmt.extensions:
        _BY_EXTENSION[ext] = fmt
    _ALL.append(fmt)
    return fmt


def formats() -> tuple[Format, ...]:
    return tuple(_ALL)


def by_extension(path: Path) -> Format | None:
    return _BY_EXTENSION.get(path.suffix.lower())


def sniff(head: bytes) -> Format | None:
    """The format the content says it is, whatever the file is called."""
    for fmt in _ALL:
        if fmt.magic(head):
            return fmt
    return None


def detect(path: Path, head: bytes) -> Format:
    """The format to use for ``path``; a name and content that disagree is a problem."""
    expected = by_extension(path)
    if expected is None:
        raise FileProblem("not an image format Creator Reserve handles")
    if not head:
        raise FileProblem("the file is empty (0 bytes)")
    if expected.magic(head):
        return expected
    actual = sniff(head)
    if actual is None:
        raise FileProblem(
            f"the name says {expected.name} but the content is not a {expected.name} image "
            "(damaged or not an image)"
        )
    if actual.name == expected.name:
        return expected
    raise FileProblem(
        f"the name says {expected.name} but the content is {actual.name}; "
        "rename the file to match before tagging"
    )
