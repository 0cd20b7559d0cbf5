"""Formats we never rewrite, and the XMP sidecar that carries their reservation.

Raw files are the photographer's negatives and HEIF/GIF/PSD cannot be written safely by exiv2, so
their XMP goes to ``name.xmp`` (Adobe's convention, read by Lightroom, Capture One, darktable) or
to an existing ``name.ext.xmp``.  An existing sidecar is merged into: every property another
program keeps there (edits, ratings, history) survives.

Two files of one stem that both take a sidecar (``IMG_1.CR2`` and ``IMG_1.CR3``) would share
``IMG_1.xmp``, and whichever was tagged first would own the reservation.  So ``IMG_1.xmp`` belongs
to the file it names (Camera Raw's ``crs:RawFileName``, darktable's ``xmpMM:DerivedFrom``) when
that file is present, else to the one file of its stem that takes a sidecar; when several do, to
none of them, and each gets ``name.ext.xmp`` (the form darktable and exiftool read).  A shared
sidecar that belongs to none is never written, moved or removed: it may hold another program's
edits.  The rule reads only the folder and the sidecar, never the order files are tagged in.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from creatorapp.core.media import exiv2, foreign_xmp
from creatorapp.core.media.base import (
    FileProblem,
    Outcome,
    Reason,
    SidecarFormat,
    Status,
    register,
)
from creatorapp.core.media.changes import as_held, plan, verify
from creatorapp.core.media.safe_write import read_existing, safe_write
from creatorapp.core.policy.signals import Family, Field

NAME_MAX = 255  # bytes in one file name on every file system the app writes to

SIDECAR_EXTENSIONS = (".xmp", ".XMP")


def _tiff(head: bytes) -> bool:
    return head[:4] in (b"II*\x00", b"MM\x00*")


def _brands(head: bytes) -> set[bytes]:
    if head[4:8] != b"ftyp":
        return set()
    size = int.from_bytes(head[:4], "big")
    box = head[8 : min(size, len(head))]
    return {box[0:4], *(box[i : i + 4] for i in range(8, len(box) - 3, 4))}


_HEIF = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF = {b"avif", b"avis"}

SIDECAR_FORMATS = (
    SidecarFormat("CR2", (".cr2",), lambda h: _tiff(h) and h[8:10] == b"CR"),
    SidecarFormat("ORF", (".orf",), lambda h: h[:4] in (b"IIRO", b"IIRS", b"MMOR")),
    SidecarFormat("RW2", (".rw2",), lambda h: h[:4] == b"IIU\x00"),
    SidecarFormat("RAF", (".raf",), lambda h: h.startswith(b"FUJIFILMCCD-RAW")),
    SidecarFormat("CR3", (".cr3",), lambda h: b"crx " in _brands(h)),
    SidecarFormat("AVIF", (".avif",), lambda h: bool(_brands(h) & _AVIF)),
    SidecarFormat("HEIF", (".heic", ".heif", ".hif"), lambda h: bool(_brands(h) & _HEIF)),
    SidecarFormat("GIF", (".gif",), lambda h: h[:6] in (b"GIF87a", b"GIF89a")),
    SidecarFormat("PSD", (".psd", ".psb"), lambda h: h[:4] == b"8BPS"),
)
TIFF_RAW_FORMATS = (
    SidecarFormat("NEF", (".nef", ".nrw"), _tiff),
    SidecarFormat("ARW", (".arw", ".sr2", ".srf"), _tiff),
    SidecarFormat("PEF", (".pef",), _tiff),
    SidecarFormat("SRW", (".srw",), _tiff),
)


def register_specific() -> None:
    for fmt in SIDECAR_FORMATS:
        register(fmt)


def register_tiff_based() -> None:
    for fmt in TIFF_RAW_FORMATS:
        register(fmt)


# Properties by which a sidecar names the image file it was written for: Camera Raw's and
# darktable's.  Only a bare file name of the sidecar's own stem counts.
NAMING_PROPERTIES = ("Xmp.crs.RawFileName", "Xmp.xmpMM.DerivedFrom")


def _sidecar_extensions() -> tuple[str, ...]:
    lower = [ext for fmt in SIDECAR_FORMATS + TIFF_RAW_FORMATS for ext in fmt.extensions]
    return tuple(lower + [ext.upper() for ext in lower])


def sidecar_candidates(image: Path) -> list[Path]:
    """Every name a sidecar of ``image`` may have, shared ``name.xmp`` first then
    ``name.ext.xmp`` (undo keeps each that exists); which are its own says :func:`placement`."""
    return _shared_names(image) + _own_names(image)


def _shared_names(image: Path) -> list[Path]:
    return [image.with_suffix(ext) for ext in SIDECAR_EXTENSIONS]


def _own_names(image: Path) -> list[Path]:
    return [image.with_name(image.name + ext) for ext in SIDECAR_EXTENSIONS]


def _entry(path: Path) -> os.stat_result | None:
    """The folder entry under this name (a link is not followed), None for none or a folder."""
    try:
        found = os.lstat(path)
    except OSError:
        return None
    return None if stat.S_ISDIR(found.st_mode) else found


def _is_file(path: Path) -> bool:
    """A regular file under this name; False for a name too long to exist (Path.is_file
    raises for that one on Python 3.11)."""
    found = _entry(path)
    return found is not None and stat.S_ISREG(found.st_mode)


def sidecar_siblings(image: Path) -> list[Path]:
    """The other files beside ``image`` with its stem that take a sidecar too (``IMG_1.CR3``
    beside ``IMG_1.CR2``).  Each possible name is asked for rather than the folder listed, so a
    folder of thousands of raws is tagged in linear time.  Extensions are asked for in lower and
    upper case (a mixed ``.Cr3`` is missed on a case-sensitive file system); a case-insensitive
    one answers the name in any case, and the image itself is told apart by its inode."""
    me = _entry(image)
    seen = {(me.st_dev, me.st_ino)} if me is not None else set()
    found: list[Path] = []
    for ext in _sidecar_extensions():
        other = image.with_name(image.stem + ext)
        if other.name == image.name:
            continue
        entry = _entry(other)
        if entry is not None and (entry.st_dev, entry.st_ino) not in seen:
            seen.add((entry.st_dev, entry.st_ino))
            found.append(other)
    return found


def _named_image(shared: Path) -> str | None:
    """The image file a shared sidecar says it was written for, when it says so readably."""
    try:
        xmp = read_sidecar(shared).xmp
    except (FileProblem, OSError):
        return None
    for key in NAMING_PROPERTIES:
        value = xmp.get(key)
        if (
            isinstance(value, str)
            and value == Path(value).name != shared.name
            and Path(value).stem.casefold() == shared.stem.casefold()
        ):
            return value
    return None


@dataclass(frozen=True)
class Placement:
    """Where ``image``'s sidecar is, or goes, and why."""

    names: tuple[Path, ...]  # its own sidecar names, preferred first
    siblings: tuple[Path, ...] = ()  # files of its stem that take a sidecar too
    shared: Path | None = None  # an existing ``name.xmp`` that is not its own, left as it is
    shared_owner: str | None = None  # the file that one names, if it names a present one

    @property
    def existing(self) -> Path | None:
        return next((p for p in self.names if _is_file(p)), None)

    @property
    def target(self) -> Path:
        """The sidecar to merge into, or the name of a new one."""
        return self.existing or self.names[0]


def placement(image: Path) -> Placement:
    """Which sidecar names are ``image``'s own: always ``name.ext.xmp``, and before it the
    shared ``name.xmp`` when that names this file, or names no present file while no other file
    of the stem takes a sidecar."""
    siblings = tuple(sidecar_siblings(image))
    shared = next((p for p in _shared_names(image) if _is_file(p)), None)
    named = _named_image(shared) if shared is not None else None
    present = named is not None and _entry(image.with_name(named)) is not None
    if named is not None and named.casefold() == image.name.casefold():
        owner_is_image = True
    elif present:
        owner_is_image = False
    else:
        owner_is_image = not siblings
    if owner_is_image:
        return Placement(tuple(_shared_names(image) + _own_names(image)), siblings)
    return Placement(tuple(_own_names(image)), siblings, shared, named if present else None)


def find_sidecar(image: Path) -> Path | None:
    """The existing sidecar that is ``image``'s own (what tagging merges into)."""
    return placement(image).existing


def read_sidecar(sidecar: Path) -> exiv2.Metadata:
    found = read_existing(sidecar, f"the sidecar {sidecar.name}")
    return _read(found[0] if found else b"", sidecar.name)[0]


def _read(raw: bytes, name: str) -> tuple[exiv2.Metadata, foreign_xmp.Foreign]:
    """What a sidecar holds, as exiv2 reads it (after a provably lossless repair) and as a
    strict parser lists its properties; raises FileProblem for one we cannot keep intact."""
    if not raw.strip():
        return exiv2.Metadata(), foreign_xmp.NONE
    foreign = foreign_xmp.examine(raw, f"the sidecar {name}")
    try:
        meta = exiv2.read(foreign.source)
    except exiv2.Exiv2Error as exc:
        raise FileProblem(
            f"the sidecar {name} is not valid XMP ({exc}); it was left as it is",
            Reason.FOREIGN_XMP_UNREADABLE,
        ) from None
    return meta, foreign


def tag_sidecar(
    image: Path,
    display: str,
    fmt: SidecarFormat,
    fields: tuple[Field, ...],
    *,
    force: bool,
    dry_run: bool,
) -> Outcome:
    place = placement(image)
    target = place.target
    if len(os.fsencode(target.name)) > NAME_MAX:
        return Outcome(
            display,
            Status.FAILED,
            reason=(
                f"its sidecar would be named {target.name[:40]}…, longer than the {NAME_MAX} "
                "bytes a file name may have; shorten the image's name"
            ),
            code=Reason.NAME_TOO_LONG,
        )
    try:
        outcome = _tag_sidecar(target, display, fmt, fields, force=force, dry_run=dry_run)
    except FileProblem as exc:  # the outcome names the sidecar that was left as it is
        return Outcome(display, Status.FAILED, reason=str(exc), sidecar=str(target), code=exc.code)
    if outcome.status is Status.SIDECAR and target in _own_names(image):
        outcome = replace(outcome, notes=(*outcome.notes, *_own_sidecar_notes(image, place)))
    return outcome


def _own_sidecar_notes(image: Path, place: Placement) -> tuple[str, ...]:
    """Why the reservation went to ``name.ext.xmp``, and what became of a shared ``name.xmp``."""
    if not place.siblings and place.shared is None:
        return ()  # an existing name.ext.xmp was merged into, as always
    notes = []
    if place.siblings:
        others = ", ".join(p.name for p in place.siblings)
        verb = "has" if len(place.siblings) == 1 else "have"
        notes.append(
            f"{others} beside it {verb} the same name, so it has its own sidecar "
            f"{place.target.name} (the name darktable and exiftool read)"
        )
    if place.shared is not None:
        whose = (
            f"belongs to {place.shared_owner}"
            if place.shared_owner
            else "does not say which of them it belongs to"
        )
        notes.append(f"{place.shared.name} {whose} and was left as it is")
    return tuple(notes)


def _tag_sidecar(
    target: Path,
    display: str,
    fmt: SidecarFormat,
    fields: tuple[Field, ...],
    *,
    force: bool,
    dry_run: bool,
) -> Outcome:
    found = read_existing(target, f"the sidecar {target.name}")
    raw, stat = found if found is not None else (b"", None)
    before, foreign = _read(raw, target.name)
    xmp_fields = tuple(f for f in fields if f.family is Family.XMP)
    wanted = plan(before, xmp_fields, frozenset({Family.XMP}), force=force, format_name=fmt.name)
    if not wanted:
        return Outcome(display, Status.UNCHANGED, sidecar=str(target), format=fmt.name)
    changes = wanted.changes[Family.XMP]
    packet = exiv2.update_packet(
        foreign.source if raw.strip() else None, as_held(changes, before.xmp, foreign.properties)
    )
    verify(before, exiv2.read(packet), wanted)
    foreign_xmp.check_kept(foreign, packet, set(changes), f"the sidecar {target.name}")
    if not dry_run:
        safe_write(target, packet, expect_stat=stat, keep_mtime=False, replace_read_only=force)
    notes = ("the sidecar's XMP had an unescaped '&'; it was escaped and every property kept",)
    return Outcome(
        display,
        Status.SIDECAR,
        sidecar=str(target),
        format=fmt.name,
        notes=notes if foreign.repaired else (),
    )
