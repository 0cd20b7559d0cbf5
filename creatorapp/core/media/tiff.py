"""TIFF and DNG: a new first directory is appended, so strips, tiles and raw data never move.

XMP lives in tag 700 and the EXIF notice in IFD0's Copyright/Artist; the old directory stays in
the file as unused bytes.  IPTC (tag 33723) is left to XMP, which carries the same values.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

from creatorapp.core.media import tiff_ifd
from creatorapp.core.media.base import Container, ExifTags, FileProblem, Reason, register
from creatorapp.core.policy.signals import Family

# Tags whose values point at image data, in any directory we can reach.
_DATA_TAGS = {
    0x0111: 0x0117,  # StripOffsets -> StripByteCounts
    0x0144: 0x0145,  # TileOffsets -> TileByteCounts
    0x0201: 0x0202,  # JPEGInterchangeFormat -> Length
}
_SUBIFDS = 0x014A


@dataclass
class Parsed:
    data: bytes
    order: str
    ifd0: dict[int, bytes]


def _values(data: bytes, bo: str, raw: bytes) -> list[int]:
    _tag, typ, count = struct.unpack_from(bo + "HHI", raw)
    size = {3: 2, 4: 4, 13: 4}.get(typ)
    if size is None:
        return []
    if size * count <= 4:
        blob = raw[8 : 8 + size * count]
    else:
        (offset,) = struct.unpack_from(bo + "I", raw, 8)
        blob = data[offset : offset + size * count]
        if len(blob) != size * count:
            raise FileProblem("damaged TIFF: a directory points outside the file", Reason.DAMAGED)
    fmt = bo + ("H" if size == 2 else "I") * count
    return list(struct.unpack(fmt, blob))


def _ifd_entries(data: bytes, bo: str, offset: int) -> tuple[dict[int, bytes], int]:
    if offset + 2 > len(data):
        raise FileProblem("damaged TIFF: a directory lies outside the file", Reason.DAMAGED)
    (count,) = struct.unpack_from(bo + "H", data, offset)
    end = offset + 2 + 12 * count
    if end + 4 > len(data):
        raise FileProblem("damaged TIFF: a directory is cut short", Reason.DAMAGED)
    entries = {}
    for i in range(count):
        raw = data[offset + 2 + 12 * i : offset + 14 + 12 * i]
        entries[struct.unpack_from(bo + "H", raw)[0]] = raw
    return entries, struct.unpack_from(bo + "I", data, end)[0]


class Tiff(Container):
    name: ClassVar[str] = "TIFF"
    extensions: ClassVar[tuple[str, ...]] = (".tif", ".tiff")
    families: ClassVar[frozenset[Family]] = frozenset({Family.XMP, Family.EXIF})

    @staticmethod
    def magic(head: bytes) -> bool:
        return head[:4] in (b"II*\x00", b"MM\x00*")

    def parse(self, data: bytes) -> Parsed:
        try:
            bo, ifd0, _ = tiff_ifd.read_ifd0(data)
        except tiff_ifd.TiffError as exc:
            raise FileProblem(f"damaged {self.name}: {exc}", Reason.DAMAGED) from None
        parsed = Parsed(data, bo, ifd0)
        if not self.payload(parsed)[:-1]:
            raise FileProblem(f"damaged {self.name}: no image data found", Reason.DAMAGED)
        return parsed

    def exif_block(self, parsed: Parsed) -> bytes | None:
        return parsed.data

    def xmp_packet(self, parsed: Parsed) -> bytes | None:
        raw = parsed.ifd0.get(tiff_ifd.TAG_XMP)
        if raw is None:
            return None
        _tag, _typ, count = struct.unpack_from(parsed.order + "HHI", raw)
        if count <= 4:
            return raw[8 : 8 + count]
        (offset,) = struct.unpack_from(parsed.order + "I", raw, 8)
        return parsed.data[offset : offset + count]

    def splice(
        self, parsed: Parsed, *, xmp: bytes | None, exif_tags: ExifTags, iptc_from: bytes | None
    ) -> bytes:
        tags = dict(exif_tags)
        if xmp is not None:
            tags[tiff_ifd.TAG_XMP] = (tiff_ifd.BYTE, xmp)
        if not tags:
            return parsed.data
        try:
            return tiff_ifd.set_ifd0_tags(parsed.data, tags)
        except tiff_ifd.TiffError as exc:
            raise FileProblem(f"damaged {self.name}: {exc}", Reason.DAMAGED) from None

    def payload(self, parsed: Parsed) -> list[bytes]:
        """Every strip, tile and embedded JPEG reachable from any directory, then the header
        entries of IFD0 that we do not own (their values, not their places)."""
        data, bo = parsed.data, parsed.order
        units: list[bytes] = []
        seen: set[int] = set()
        # each directory with the chain it was reached along (IFD0's, or a SubIFD's own)
        todo: list[tuple[int, set[int]]] = [(struct.unpack_from(bo + "I", data, 4)[0], set())]
        while todo and len(seen) < 256:
            offset, chain = todo.pop(0)
            if offset in chain:  # a reader following the chain would never reach its end
                raise FileProblem(
                    f"damaged {self.name}: its chain of image directories loops back on itself",
                    Reason.DAMAGED,
                )
            if offset == 0 or offset in seen:
                continue
            seen.add(offset)
            chain.add(offset)
            entries, next_ifd = _ifd_entries(data, bo, offset)
            for tag, length_tag in _DATA_TAGS.items():
                if tag in entries and length_tag in entries:
                    starts = _values(data, bo, entries[tag])
                    lengths = _values(data, bo, entries[length_tag])
                    pieces = list(zip(starts, lengths, strict=False))
                    if any(s + n > len(data) for s, n in pieces):
                        raise FileProblem(
                            f"damaged {self.name}: the file is cut short inside its image data",
                            Reason.DAMAGED,
                        )
                    units.extend(data[s : s + n] for s, n in pieces)
            if _SUBIFDS in entries:
                todo.extend((sub, set()) for sub in _values(data, bo, entries[_SUBIFDS]))
            todo.append((next_ifd, chain))
        ours = {tiff_ifd.TAG_XMP, tiff_ifd.TAG_COPYRIGHT, tiff_ifd.TAG_ARTIST, TAG_C2PA}
        units.append(b"".join(sorted(v for t, v in parsed.ifd0.items() if t not in ours)))
        return units


TAG_C2PA = 0xCD41  # where Content Credentials live in TIFF (the C2PA specification)


class Dng(Tiff):
    name: ClassVar[str] = "DNG"
    extensions: ClassVar[tuple[str, ...]] = (".dng",)


TIFF = register(Tiff())
DNG = register(Dng())
