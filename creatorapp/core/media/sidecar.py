"""Formats we never rewrite, and the XMP sidecar that carries their reservation.

Raw files are the photographer's negatives and HEIF/GIF/PSD cannot be written safely by exiv2, so
their XMP goes to ``name.xmp`` (Adobe's convention, read by Lightroom, Capture One, darktable) or
to an existing ``name.ext.xmp``.  An existing sidecar is merged into: every property another
program keeps there (edits, ratings, history) survives.
"""

from __future__ import annotations

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
from creatorapp.core.media.changes import plan, verify
from creatorapp.core.media.safe_write import read_existing, safe_write
from creatorapp.core.signals import Family, Field

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


def sidecar_candidates(image: Path) -> list[Path]:
    """Where a sidecar may be, in the order we prefer: ``name.xmp`` then ``name.ext.xmp``."""
    return [image.with_suffix(ext) for ext in SIDECAR_EXTENSIONS] + [
        image.with_name(image.name + ext) for ext in SIDECAR_EXTENSIONS
    ]


def find_sidecar(image: Path) -> Path | None:
    return next((p for p in sidecar_candidates(image) if p.is_file()), None)


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
    target = find_sidecar(image) or image.with_suffix(".xmp")
    try:
        return _tag_sidecar(target, display, fmt, fields, force=force, dry_run=dry_run)
    except FileProblem as exc:  # the outcome names the sidecar that was left as it is
        return Outcome(display, Status.FAILED, reason=str(exc), sidecar=str(target), code=exc.code)


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
    packet = exiv2.update_packet(foreign.source if raw.strip() else None, changes)
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
