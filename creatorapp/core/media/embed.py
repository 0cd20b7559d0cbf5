"""Writing the reservation into a file, the same way for every container format.

read what is there -> plan what is missing -> build the new bytes by splicing -> check them
(image payload identical, our values read back by exiv2, every other field unchanged) -> safe
write.  A file that already says everything is not written at all.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from creatorapp.core.media import c2pa, exiv2, tiff_ifd
from creatorapp.core.media.base import Container, ExifTags, FileProblem, Outcome, Status
from creatorapp.core.media.c2pa import SignJob
from creatorapp.core.media.changes import Plan, plan, verify
from creatorapp.core.media.safe_write import safe_write
from creatorapp.core.signals import Family, Field

UTF8_CHARSET = "\x1b%G"


def _exif_tags(
    container: Container, parsed: object, meta: exiv2.Metadata, wanted: Plan
) -> ExifTags:
    changes = wanted.changes.get(Family.EXIF)
    if not changes:
        return {}
    block = container.exif_block(parsed)
    if block is None and meta.exif:
        wanted.drop(
            Family.EXIF, "EXIF is stored in a form Creator Reserve does not rewrite; left as it was"
        )
        return {}
    if block is not None:
        try:
            tiff_ifd.read_ifd0(block)
        except tiff_ifd.TiffError:
            wanted.drop(Family.EXIF, "the EXIF block is damaged; left as it was")
            return {}
    return {tiff_ifd.EXIF_TAGS[k]: tiff_ifd.ascii_value(str(v)) for k, v in changes.items()}


def _iptc_source(data: bytes, meta: exiv2.Metadata, wanted: Plan) -> bytes | None:
    changes = wanted.changes.get(Family.IPTC)
    if not changes:
        return None
    text = "".join(v if isinstance(v, str) else "".join(v) for v in changes.values())
    if not text.isascii() and meta.iptc.get("Iptc.Envelope.CharacterSet") != UTF8_CHARSET:
        if meta.iptc:
            wanted.drop(
                Family.IPTC,
                "the existing IPTC block has no declared character set; "
                "non-ASCII text went to XMP only",
            )
            return None
        changes = {"Iptc.Envelope.CharacterSet": UTF8_CHARSET, **changes}
    return exiv2.write_iptc(data, changes)


def _new_packet(container: Container, parsed: object, changes: dict) -> bytes:
    """Update the packet as stored; a packet exiv2 only reads inside its image (UTF-16, say)
    is taken as exiv2 re-serialises it."""
    old = container.xmp_packet(parsed)
    try:
        return exiv2.update_packet(old, changes, pad_to=len(old or b""))
    except exiv2.Exiv2Error:
        if old is None:
            raise
        source = exiv2.read(container.metadata_bytes(parsed), want_raw_xmp=True).raw_xmp
        return exiv2.update_packet(
            source or None, changes, pad_to=len(old), about_from=_as_utf8(old)
        )


def _as_utf8(packet: bytes) -> bytes:
    for encoding in ("utf-8", "utf-16-be", "utf-16-le", "utf-32-be", "utf-32-le"):
        try:
            text = packet.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "xpacket" in text or "xmpmeta" in text:
            return text.encode("utf-8")
    return packet


def _same_units(a: list, b: list) -> bool:
    """Unit-by-unit equality; memoryviews are compared as bytes (memcmp), which is ~50x faster
    than memoryview's own element-wise comparison."""
    return len(a) == len(b) and all(
        len(x) == len(y) and bytes(x) == bytes(y) for x, y in zip(a, b, strict=True)
    )


def _check(
    container, parsed, meta, result: bytes, wanted: Plan, new_packet: bool, signed: bool = False
) -> None:
    """The new bytes, checked before they go anywhere near the original: the same image data,
    a structure the container accepts, and metadata that reads back as planned.  After
    signing, the Content Credentials' own carriers are the one thing allowed to differ."""
    after = container.parse(result)
    old, new = container.payload(parsed), container.payload(after)
    if signed:
        old = [u for u in old if not c2pa.is_carrier(u)]
        new = [u for u in new if not c2pa.is_carrier(u)]
    if not _same_units(new, old):
        raise FileProblem("check after writing failed: the image data would have changed")
    container.check_result(parsed, after)
    try:
        meta_after = exiv2.read(container.metadata_bytes(after))
    except exiv2.Exiv2Error as exc:
        raise FileProblem(
            f"check after writing failed: exiv2 cannot read the result ({exc})"
        ) from None
    verify(meta, meta_after, wanted, ignore=("Exif.Image.XMLPacket",) if new_packet else ())


def _credentials(
    format_name: str,
    original: bytes,
    result: bytes,
    job: SignJob,
    fields: tuple[Field, ...],
    *,
    force: bool,
) -> bytes | None:
    """Signed bytes, or None when the file's credentials already say what the policy says
    (and nothing else changed).  Credentials another tool broke are reported, not replaced."""
    manifest = job.manifest_for(fields)
    if manifest is None:
        return None  # this file's policy does not ask for credentials
    try:
        wanted = c2pa.wanted_uses(manifest)
        existing = c2pa.read_bytes(original, format_name)
        if existing.present and existing.state == "Invalid" and not force:
            raise FileProblem(
                "its Content Credentials are invalid (changed after signing, perhaps by "
                "another tool); they are left as they are (--force signs over them)"
            )
        if result is original and existing.present and existing.uses() == wanted and not force:
            return None
        signed = c2pa.sign(
            result,
            format_name,
            manifest,
            job.identity,
            parent=original if existing.present else None,
        )
    except c2pa.CredentialError as exc:
        raise FileProblem(str(exc)) from None
    check = c2pa.read_bytes(signed, format_name)
    if check.state not in ("Valid", "Trusted") or check.uses() != wanted:
        raise FileProblem(
            f"check after signing failed: the Content Credentials read back as {check.state}"
        )
    return signed


def tag_embedded(
    path: Path,
    handle: BinaryIO,
    stat: os.stat_result,
    display: str,
    container: Container,
    fields: tuple[Field, ...],
    *,
    force: bool,
    dry_run: bool,
    digest: bool = False,
    credentials: SignJob | None = None,
) -> Outcome:
    """``handle`` is the file opened for reading at offset 0; ``stat`` was taken from it.
    With ``digest`` a written file's SHA-256 is taken from the bytes in hand (they were read
    back from disk and compared), saving a second read."""
    probe_meta = None
    probe = container.read_for_check(handle)
    try:
        probe_meta = exiv2.read(probe)
        wanted = plan(
            probe_meta, fields, container.families, force=force, format_name=container.name
        )
        if not wanted and credentials is None:
            return Outcome(
                display, Status.UNCHANGED, format=container.name, notes=tuple(wanted.notes)
            )
    except exiv2.Exiv2Error:
        pass  # the full parse below says what is wrong in plain words
    if len(probe) == stat.st_size and handle.tell() == stat.st_size:
        data = probe  # the probe was the whole file
    else:
        handle.seek(0)
        data = handle.read()
    parsed = container.parse(data)
    meta_bytes = container.metadata_bytes(parsed)
    if probe_meta is not None and meta_bytes == probe:
        meta = probe_meta  # exiv2 already read exactly these bytes
    else:
        try:
            meta = exiv2.read(meta_bytes)
        except exiv2.Exiv2Error as exc:
            raise FileProblem(f"the metadata cannot be read ({exc})") from None
        wanted = plan(meta, fields, container.families, force=force, format_name=container.name)
        if not wanted and credentials is None:
            return Outcome(
                display, Status.UNCHANGED, format=container.name, notes=tuple(wanted.notes)
            )

    result = data
    if wanted:
        exif_tags = _exif_tags(container, parsed, meta, wanted)
        iptc_from = _iptc_source(data, meta, wanted)
        xmp_changes = wanted.changes.get(Family.XMP)
        packet = _new_packet(container, parsed, xmp_changes) if xmp_changes else None
        result = container.splice(parsed, xmp=packet, exif_tags=exif_tags, iptc_from=iptc_from)
        _check(container, parsed, meta, result, wanted, packet is not None)
    if credentials is not None:
        signed = _credentials(container.name, data, result, credentials, fields, force=force)
        if signed is None and result is data:
            return Outcome(
                display, Status.UNCHANGED, format=container.name, notes=tuple(wanted.notes)
            )
        if signed is not None:
            # the credentials are written last (editing after signing would break them), and
            # the signed bytes pass the same checks as any other write
            _check(container, parsed, meta, signed, wanted, True, signed=True)
            result = signed

    if not dry_run:
        safe_write(path, result, expect_stat=stat, original=data)
    return Outcome(
        display,
        Status.TAGGED,
        format=container.name,
        notes=tuple(wanted.notes),
        sha256=hashlib.sha256(result).hexdigest() if digest and not dry_run else None,
    )


def sign_in_place(
    path: Path, format_name: str, fields: tuple[Field, ...], options, outcome: Outcome
) -> Outcome:
    """Content Credentials for a file whose XMP goes to a sidecar (HEIF, AVIF, GIF): the
    credentials travel inside the file itself, which only the C2PA library rewrites (one box
    or block); the result must read back Valid with the policy's uses before it replaces the
    file, atomically."""
    from dataclasses import replace

    if format_name.lower() not in c2pa.MIME:
        return outcome
    try:
        with open(path, "rb") as handle:
            stat = os.fstat(handle.fileno())
            data = handle.read()
        signed = _credentials(
            format_name, data, data, options.credentials, fields, force=options.force
        )
        if signed is None:
            return outcome
        if not options.dry_run:
            safe_write(path, signed, expect_stat=stat, original=data)
    except (FileProblem, c2pa.CredentialError) as exc:
        return replace(outcome, status=Status.FAILED, reason=f"Content Credentials: {exc}")
    except OSError as exc:
        return replace(outcome, status=Status.FAILED, reason=f"file error: {exc.strerror or exc}")
    return replace(
        outcome,
        status=Status.TAGGED if outcome.status is Status.UNCHANGED else outcome.status,
        notes=(*outcome.notes, "Content Credentials signed in the file"),
    )
