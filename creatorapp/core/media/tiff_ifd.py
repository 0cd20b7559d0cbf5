"""Add or replace tags in a TIFF stream's first IFD without moving anything else.

EXIF blocks, TIFF and DNG files are TIFF streams full of absolute offsets: maker notes, preview
images, raw strips.  A general rewriter (exiv2, piexif) re-lays them out and can break offsets it
does not understand.  Here IFD0 is copied, amended and *appended* at the end of the stream and
only the header's pointer to it changes, so every existing byte keeps its offset.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

ASCII = 2
BYTE = 1
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

TAG_ARTIST = 0x013B
TAG_COPYRIGHT = 0x8298
TAG_XMP = 0x02BC

EXIF_TAGS: Mapping[str, int] = {
    "Exif.Image.Copyright": TAG_COPYRIGHT,
    "Exif.Image.Artist": TAG_ARTIST,
}


class TiffError(ValueError):
    """The stream is not a TIFF structure this module can amend safely."""


def _order(tiff: bytes) -> str:
    if len(tiff) < 8:
        raise TiffError("the TIFF header is cut short")
    head = tiff[:4]
    if head == b"II*\x00":
        return "<"
    if head == b"MM\x00*":
        return ">"
    if head[:2] in (b"II", b"MM") and head[2:4] in (b"+\x00", b"\x00+"):
        raise TiffError("BigTIFF files are not supported")
    raise TiffError("not a TIFF structure (unknown header)")


def read_ifd0(tiff: bytes) -> tuple[str, dict[int, bytes], int]:
    """Byte order, raw 12-byte entries by tag, and the next-IFD pointer of IFD0."""
    bo = _order(tiff)
    (offset,) = struct.unpack_from(bo + "I", tiff, 4)
    if offset < 8 or offset + 2 > len(tiff):
        raise TiffError("the first image directory lies outside the file")
    (count,) = struct.unpack_from(bo + "H", tiff, offset)
    end = offset + 2 + 12 * count
    if end + 4 > len(tiff):
        raise TiffError("the first image directory is cut short")
    entries: dict[int, bytes] = {}
    for i in range(count):
        raw = tiff[offset + 2 + 12 * i : offset + 14 + 12 * i]
        (tag,) = struct.unpack_from(bo + "H", raw)
        entries[tag] = raw
    (next_ifd,) = struct.unpack_from(bo + "I", tiff, end)
    return bo, entries, next_ifd


def ascii_value(text: str) -> tuple[int, bytes]:
    return ASCII, text.encode("utf-8") + b"\x00"


def set_ifd0_tags(tiff: bytes | None, tags: Mapping[int, tuple[int, bytes]]) -> bytes:
    """Return ``tiff`` with IFD0 re-written at its end carrying ``tags`` (type, raw value).

    With ``tiff`` None a fresh little-endian EXIF block holding just these tags is made.
    """
    if not tiff:
        tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<HI", 0, 0)
    bo, entries, next_ifd = read_ifd0(tiff)
    entries = dict(entries)
    start = len(tiff) + (len(tiff) & 1)
    ifd_size = 2 + 12 * (len(set(entries) | set(tags))) + 4
    data_pos = start + ifd_size
    extra = bytearray()
    for tag, (typ, value) in tags.items():
        size = TYPE_SIZES[typ]
        if len(value) % size:
            raise TiffError(f"value for tag {tag:#06x} is not a whole number of items")
        head = struct.pack(bo + "HHI", tag, typ, len(value) // size)
        if len(value) <= 4:
            entries[tag] = head + value.ljust(4, b"\x00")
        else:
            entries[tag] = head + struct.pack(bo + "I", data_pos + len(extra))
            extra += value
            if len(extra) & 1:
                extra += b"\x00"
    ifd = bytearray(struct.pack(bo + "H", len(entries)))
    for tag in sorted(entries):
        ifd += entries[tag]
    ifd += struct.pack(bo + "I", next_ifd)
    out = bytearray(tiff)
    if len(out) & 1:
        out += b"\x00"
    out += ifd
    out += extra
    struct.pack_into(bo + "I", out, 4, start)
    return bytes(out)
