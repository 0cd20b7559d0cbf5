"""Writing the reservation into a file, the same way for every container format.

read what is there -> plan what is missing -> build the new bytes by splicing -> check them
(image payload identical, our values read back by exiv2, every other field unchanged) -> safe
write.  A file that already says everything is not written at all.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from creatorapp.core.media import c2pa, exiv2, foreign_xmp, tiff_ifd
from creatorapp.core.media.base import (
    Container,
    ExifTags,
    FileProblem,
    Outcome,
    Reason,
    SidecarFormat,
    Status,
)
from creatorapp.core.media.c2pa import CredentialStatus, SignJob
from creatorapp.core.media.changes import Plan, as_held, plan, verify
from creatorapp.core.media.safe_write import read_existing, safe_write
from creatorapp.core.media.sidecar import tag_sidecar
from creatorapp.core.policy.signals import Family, Field

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


def _new_packet(
    container: Container,
    parsed: object,
    changes: dict,
    foreign: foreign_xmp.Foreign,
    xmp: dict,
) -> bytes:
    """Update the packet as stored (or as repaired); a packet exiv2 only reads inside its image
    (UTF-16, say) is taken as exiv2 re-serialises it.  Either way every property the old packet
    held must be in the new one: exiv2 silently reads a packet it cannot parse as empty.  What
    exiv2 set on reading it (``xmp``) and the packet did not say is not written out."""
    old = container.xmp_packet(parsed)
    edits = as_held(changes, xmp, foreign.properties)
    try:
        packet = exiv2.update_packet(foreign.source, edits, pad_to=len(old or b""))
    except exiv2.Exiv2Error:
        if old is None:
            raise
        source = exiv2.read(container.metadata_bytes(parsed), want_raw_xmp=True).raw_xmp
        packet = exiv2.update_packet(
            source or None, edits, pad_to=len(old), about_from=_as_utf8(old)
        )
    foreign_xmp.check_kept(foreign, packet, set(changes))
    return packet


def _examine_xmp(
    container: Container, parsed: object, meta: exiv2.Metadata
) -> tuple[foreign_xmp.Foreign, exiv2.Metadata]:
    """The file's packet as another program wrote it, and the metadata with what a repaired
    packet really holds (exiv2 read it as empty)."""
    foreign = foreign_xmp.examine(container.xmp_packet(parsed))
    if not foreign.repaired:
        return foreign, meta
    try:
        xmp = exiv2.read(foreign.source).xmp
    except exiv2.Exiv2Error as exc:
        raise FileProblem(
            f"{foreign_xmp.EMBEDDED} is not valid XMP ({exc}); rewriting it would lose that "
            f"metadata, so it was left as it is: {foreign_xmp.ADVICE}",
            Reason.FOREIGN_XMP_UNREADABLE,
        ) from None
    return foreign, replace(meta, xmp=xmp)


REPAIRED_NOTE = (
    "its XMP (written by another program) had an unescaped '&', which is not valid XML; "
    "it was escaped and every property kept"
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
        raise FileProblem(
            "check after writing failed: the image data would have changed", Reason.CHECK_FAILED
        )
    container.check_result(parsed, after)
    try:
        meta_after = exiv2.read(container.metadata_bytes(after))
    except exiv2.Exiv2Error as exc:
        raise FileProblem(
            f"check after writing failed: exiv2 cannot read the result ({exc})",
            Reason.CHECK_FAILED,
        ) from None
    ignore = ("Exif.Image.XMLPacket",) if new_packet else ()
    verify(meta, meta_after, wanted, ignore=ignore + (c2pa.CARRIER_FIELDS if signed else ()))


ACCEPTED = "as accepted"  # the creator chose to tag it anyway


def _credentials(
    format_name: str,
    original: bytes,
    result: bytes,
    job: SignJob | None,
    fields: tuple[Field, ...],
    *,
    force: bool,
    break_ok: bool = False,
) -> tuple[bytes | None, str | None]:
    """Signed bytes (None: write ``result`` as it is) and a note for the outcome.

    Files are signed when the job signs every file of this policy; a file that already
    carries credentials and is being rewritten is re-signed whenever there is an identity
    (rewriting any byte would otherwise leave a manifest that no longer matches), and without
    one it is refused unless the user accepts breaking them.  Credentials another tool broke
    are reported, not replaced."""
    manifest = job.manifest_for(fields) if job is not None else None
    try:
        if manifest is not None and job.signs_unsigned(fields):
            existing = c2pa.read_bytes(original, format_name)
            return _sign(format_name, original, result, job, manifest, existing, force), None
        if result is original or not c2pa.carries_credentials(original, format_name):
            return None, None
        existing = c2pa.read_bytes(original, format_name)
        if existing.status is CredentialStatus.UNREADABLE:
            return None, _unreadable_credentials(existing, break_ok)
        if not existing.present:
            return None, None
        if manifest is not None:
            signed = _sign(format_name, original, result, job, manifest, existing, force)
            return signed, "Content Credentials re-signed (the earlier ones kept as their parent)"
    except c2pa.CredentialError as exc:
        raise FileProblem(str(exc)) from None
    if break_ok:
        return None, f"its Content Credentials no longer match the file ({ACCEPTED})"
    raise FileProblem(
        "it carries Content Credentials, which tagging would make invalid (they are bound "
        "to the file's exact bytes) and there is no signing identity to re-sign them: "
        "create a signing identity to re-sign them, or accept that they will show as invalid",
        Reason.CREDENTIALS_WOULD_BREAK,
    )


def _unreadable_credentials(existing: c2pa.Credentials, break_ok: bool) -> str:
    """A file that carries credentials in a structure the validator cannot walk cannot be
    re-signed either: rewriting it is the user's call, as for credentials nobody can re-sign."""
    if break_ok:
        return f"its Content Credentials could not be checked and no longer match ({ACCEPTED})"
    raise FileProblem(
        f"it carries Content Credentials, but {existing.error}; they cannot be re-signed, and "
        "tagging would make them invalid: accept that to tag it anyway",
        Reason.CREDENTIALS_WOULD_BREAK,
    )


def _sign(
    format_name: str,
    original: bytes,
    result: bytes,
    job: SignJob,
    manifest: dict,
    existing: c2pa.Credentials,
    force: bool,
) -> bytes | None:
    """Signed bytes, or None when the file's credentials already say what the policy says
    (and nothing else changed)."""
    wanted = c2pa.wanted_uses(manifest)
    if existing.status is CredentialStatus.INVALID and not force:
        raise FileProblem(
            "its Content Credentials are invalid (changed after signing, perhaps by "
            "another tool); they are left as they are (forcing signs over them)"
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
    check = c2pa.read_bytes(signed, format_name)
    if check.status is not CredentialStatus.VALID or check.uses() != wanted:
        raise FileProblem(
            f"check after signing failed: the Content Credentials read back as {check.state}",
            Reason.CHECK_FAILED,
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
    break_credentials: bool = False,
) -> Outcome:
    """``handle`` is the file opened for reading at offset 0; ``stat`` was taken from it.
    With ``digest`` a written file's SHA-256 is taken from the bytes in hand (they were read
    back from disk and compared), saving a second read."""
    # a file that is not rewritten needs no signing unless the job signs every such file
    signing = credentials is not None and credentials.signs_unsigned(fields)
    probe_meta = None
    probe = container.read_for_check(handle)
    try:
        probe_meta = exiv2.read(probe)
        wanted = plan(
            probe_meta, fields, container.families, force=force, format_name=container.name
        )
        if not wanted and not signing:
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
        if not wanted and not signing:
            return Outcome(
                display, Status.UNCHANGED, format=container.name, notes=tuple(wanted.notes)
            )

    foreign = foreign_xmp.NONE
    if wanted.changes.get(Family.XMP):
        foreign, meta = _examine_xmp(container, parsed, meta)
        if foreign.repaired:
            wanted = plan(meta, fields, container.families, force=force, format_name=container.name)
            wanted.notes.append(REPAIRED_NOTE)
    result = data
    if wanted:
        exif_tags = _exif_tags(container, parsed, meta, wanted)
        iptc_from = _iptc_source(data, meta, wanted)
        xmp_changes = wanted.changes.get(Family.XMP)
        packet = (
            _new_packet(container, parsed, xmp_changes, foreign, meta.xmp) if xmp_changes else None
        )
        result = container.splice(parsed, xmp=packet, exif_tags=exif_tags, iptc_from=iptc_from)
        _check(container, parsed, meta, result, wanted, packet is not None)
    if signing or result is not data:
        signed, note = _credentials(
            container.name,
            data,
            result,
            credentials,
            fields,
            force=force,
            break_ok=break_credentials,
        )
        if note:
            wanted.notes.append(note)
        if signed is None and result is data:
            return Outcome(
                display, Status.UNCHANGED, format=container.name, notes=tuple(wanted.notes)
            )
        if signed is not None:
            # the credentials are written last (editing after signing would break them), and
            # the signed bytes pass the same checks as any other write
            _check(container, parsed, meta, signed, wanted, True, signed=True)
            result = signed

    final = None
    if not dry_run:
        final = safe_write(
            path,
            result,
            expect_stat=stat,
            original=data,
            source=handle.fileno(),
            replace_read_only=force,
        )
    return with_stat(
        Outcome(
            display,
            Status.TAGGED,
            format=container.name,
            notes=tuple(wanted.notes),
            sha256=hashlib.sha256(result).hexdigest() if digest and not dry_run else None,
        ),
        final,
    )


def with_stat(outcome: Outcome, stat: os.stat_result | None) -> Outcome:
    """The outcome with the identity (size, mtime, inode) of the file it describes."""
    if stat is None:
        return outcome
    return replace(outcome, size=stat.st_size, mtime_ns=stat.st_mtime_ns, inode=stat.st_ino)


SIGNED_IN_FILE = "Content Credentials signed in the file"
RESIGNED_IN_FILE = (
    "Content Credentials in the file re-signed with the new policy "
    "(the earlier ones kept as their parent)"
)


def _data_mining(fields: tuple[Field, ...]) -> str | None:
    return next((str(f.value) for f in fields if f.key == "Xmp.plus.DataMining"), None)


def _stale(existing: c2pa.Credentials, fields: tuple[Field, ...], manifest: dict | None) -> bool:
    """Whether credentials a file carries say something else than its policy now does: use by
    use when the policy's manifest is at hand, else as far as its IPTC Data Mining value tells."""
    if manifest is not None:
        return existing.uses() != c2pa.wanted_uses(manifest)
    return c2pa.agrees_with_iptc(existing, _data_mining(fields)) is False


def _disagree_note(break_ok: bool) -> str:
    if break_ok:
        return (
            "its Content Credentials (inside the file) still say what the earlier policy said, "
            f"and now disagree with its sidecar ({ACCEPTED})"
        )
    return (
        "its Content Credentials (inside the file) now disagree with its sidecar; "
        "create a signing identity and tag it again to re-sign them"
    )


def _in_place(
    format_name: str,
    data: bytes,
    fields: tuple[Field, ...],
    options,
    *,
    sidecar_written: bool,
) -> tuple[bytes | None, str | None]:
    """Signed bytes for a file whose XMP went to its sidecar (None: leave it) and a note.
    Signed when the job signs every file of this policy; credentials already in the file are
    re-signed when they no longer say what the policy says (its sidecar changed), since
    nothing else would ever bring them in line."""
    job = options.credentials
    manifest = job.manifest_for(fields) if job is not None else None
    try:
        existing = c2pa.read_bytes(data, format_name)
        stale = existing.present and _stale(existing, fields, manifest)
        if manifest is not None and (stale or job.signs_unsigned(fields)):
            signed = _sign(format_name, data, data, job, manifest, existing, options.force)
            if signed is None:
                return None, None  # they already say what the policy says
            return signed, RESIGNED_IN_FILE if existing.present else SIGNED_IN_FILE
    except c2pa.CredentialError as exc:
        raise FileProblem(str(exc)) from None
    if stale and sidecar_written:
        return None, _disagree_note(options.break_credentials)
    return None, None


def _refuse_stale(path: Path, format_name: str, fields: tuple[Field, ...]) -> None:
    """Before a sidecar is written with no identity to re-sign: credentials in the file that
    would then say something else than the sidecar are refused, as a rewrite that would break
    an embedded file's credentials is."""
    found = read_existing(path)
    if found is None:
        raise FileNotFoundError(path)
    try:
        existing = c2pa.read_bytes(found[0], format_name)
    except c2pa.CredentialError as exc:
        raise FileProblem(str(exc)) from None
    if existing.present and _stale(existing, fields, None):
        raise FileProblem(
            "its Content Credentials (inside the file) say what the earlier policy said, and "
            "its sidecar would now say otherwise; there is no signing identity to re-sign them: "
            "create a signing identity to re-sign them, or accept that they will disagree "
            "with its sidecar",
            Reason.CREDENTIALS_WOULD_BREAK,
        )


def tag_with_sidecar(
    path: Path, display: str, fmt: SidecarFormat, fields: tuple[Field, ...], options
) -> Outcome:
    """A file whose XMP goes to a sidecar, and the Content Credentials inside it (HEIF, AVIF,
    GIF).  The sidecar is written first, then the credentials.  When the sidecar is about to
    change and the file's credentials would be left saying something else, with no identity
    to re-sign them, neither is written unless ``options.break_credentials``."""

    def run(dry_run: bool) -> Outcome:
        return tag_sidecar(path, display, fmt, fields, force=options.force, dry_run=dry_run)

    job = options.credentials
    carries = fmt.name.lower() in c2pa.MIME
    can_sign = job is not None and job.manifest_for(fields) is not None
    if carries and not can_sign and not options.break_credentials:
        preview = run(True)
        if preview.status is not Status.SIDECAR:
            return preview  # nothing would change; with no manifest there is nothing to sign
        try:
            _refuse_stale(path, fmt.name, fields)
        except FileProblem as exc:
            return replace(preview, status=Status.FAILED, reason=str(exc), code=exc.code, notes=())
        if options.dry_run:
            return preview
    outcome = run(options.dry_run)
    if outcome.status is Status.FAILED or not carries:
        return outcome
    if job is None and not (options.break_credentials and outcome.status is Status.SIDECAR):
        return outcome
    return sign_in_place(path, fmt.name, fields, options, outcome)


def _os_failure(exc: OSError) -> tuple[str, Reason | None]:
    if exc.errno == errno.ENAMETOOLONG:
        return (
            "file error: a name it needs is longer than the file system allows "
            f"({exc.strerror}); shorten the file's name",
            Reason.NAME_TOO_LONG,
        )
    return f"file error: {exc.strerror or exc}", None


def sign_in_place(
    path: Path, format_name: str, fields: tuple[Field, ...], options, outcome: Outcome
) -> Outcome:
    """Content Credentials for a file whose XMP goes to a sidecar (HEIF, AVIF, GIF): the
    credentials travel inside the file itself, which only the C2PA library rewrites (one box
    or block); the result must read back Valid with the policy's uses before it replaces the
    file, atomically.  Credentials it already carries are re-signed when the policy changed."""
    if format_name.lower() not in c2pa.MIME:
        return outcome
    try:
        found = read_existing(path)
        if found is None:
            raise FileNotFoundError(path)
        data, stat = found
        signed, note = _in_place(
            format_name, data, fields, options, sidecar_written=outcome.status is Status.SIDECAR
        )
        if signed is None:
            return replace(outcome, notes=(*outcome.notes, note)) if note else outcome
        final = None
        if not options.dry_run:
            final = safe_write(
                path,
                signed,
                expect_stat=stat,
                original=data,
                replace_read_only=options.force,
            )
    except (FileProblem, c2pa.CredentialError) as exc:
        return replace(
            outcome,
            status=Status.FAILED,
            reason=f"Content Credentials: {exc}",
            code=getattr(exc, "code", None),
        )
    except OSError as exc:
        reason, code = _os_failure(exc)
        return replace(outcome, status=Status.FAILED, reason=reason, code=code)
    signed_outcome = replace(
        outcome,
        status=Status.TAGGED if outcome.status is Status.UNCHANGED else outcome.status,
        notes=(*outcome.notes, note),
    )
    if final is None:
        return signed_outcome
    sha256 = hashlib.sha256(signed).hexdigest() if options.digest else None
    return replace(with_stat(signed_outcome, final), sha256=sha256)
