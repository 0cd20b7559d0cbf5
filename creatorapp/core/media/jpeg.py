"""JPEG: splice the XMP, EXIF and IPTC segments; every other byte stays where it was.

exiv2's own JPEG writer re-orders APPn segments, drops XMP padding and can break a multi-picture
(MPF) index whose offsets are relative to its own segment, so we only borrow its IPTC block and
place each segment ourselves.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO, ClassVar

from creatorapp.core.media import exiv2
from creatorapp.core.media.base import Container, ExifTags, FileProblem, Reason, register
from creatorapp.core.policy.signals import Family

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXIF_HEADER = b"Exif\x00\x00"
PS_HEADER = b"Photoshop 3.0\x00"
MPF_HEADER = b"MPF\x00"
MAX_SEGMENT = 0xFFFF - 2
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


@dataclass(frozen=True)
class Segment:
    marker: int
    start: int
    end: int

    def payload(self, data: bytes) -> bytes:
        return data[self.start + 4 : self.end]

    def is_app(self, data: bytes, marker: int, header: bytes) -> bool:
        return self.marker == marker and data.startswith(header, self.start + 4)


@dataclass
class Parsed:
    data: bytes
    segments: list[Segment]
    scan_start: int

    def first(self, marker: int, header: bytes) -> Segment | None:
        return next((s for s in self.segments if s.is_app(self.data, marker, header)), None)

    def owned(self, seg: Segment) -> bool:
        return (
            seg is self.first(0xE1, XMP_HEADER)
            or seg is self.first(0xE1, EXIF_HEADER)
            or seg.is_app(self.data, 0xED, PS_HEADER)
        )


def parse_header(data: bytes) -> Parsed:
    """Segments from SOI up to the first SOS; raises FileProblem on anything malformed."""
    if not data.startswith(b"\xff\xd8"):
        raise FileProblem("not a JPEG file (no start-of-image marker)", Reason.DAMAGED)
    pos, segments = 2, []
    while True:
        if pos + 4 > len(data):
            raise FileProblem("the file is cut short inside its header", Reason.DAMAGED)
        if data[pos] != 0xFF:
            raise FileProblem(
                f"damaged JPEG header (unexpected byte at offset {pos})", Reason.DAMAGED
            )
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE or marker == 0xD8:
            raise FileProblem(
                f"damaged JPEG header (stray marker {marker:#04x} at offset {pos})",
                Reason.DAMAGED,
            )
        if marker == 0xD9:
            raise FileProblem("the JPEG ends before any image data", Reason.DAMAGED)
        (length,) = struct.unpack_from(">H", data, pos + 2)
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise FileProblem("the file is cut short inside its header", Reason.DAMAGED)
        if marker == 0xDA:
            return Parsed(data, segments, pos)
        segments.append(Segment(marker, pos, end))
        pos = end


def _segment(marker: int, payload: bytes) -> bytes:
    if len(payload) > MAX_SEGMENT:
        raise FileProblem("the metadata is too large for a JPEG segment (64 KB)")
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


class Jpeg(Container):
    name: ClassVar[str] = "JPEG"
    extensions: ClassVar[tuple[str, ...]] = (".jpg", ".jpeg", ".jpe", ".jfif")
    families: ClassVar[frozenset[Family]] = frozenset(Family)

    @staticmethod
    def magic(head: bytes) -> bool:
        return head.startswith(b"\xff\xd8\xff")

    def read_for_check(self, handle: BinaryIO) -> bytes:
        """Only the header: exiv2 stops reading a JPEG at the first scan anyway."""
        data = handle.read(1 << 16)
        while True:
            try:
                parsed = parse_header(data)
                return data[: parsed.scan_start] + b"\xff\xd9"
            except FileProblem:
                more = handle.read(len(data))
                if not more:
                    return data
                data += more

    def parse(self, data: bytes) -> Parsed:
        parsed = parse_header(data)
        tail = data.rfind(b"\xff\xd9")
        if tail < parsed.scan_start:
            raise FileProblem(
                "the file is cut short: the image data has no end marker", Reason.DAMAGED
            )
        return parsed

    def metadata_bytes(self, parsed: Parsed) -> bytes:
        """Everything up to the first scan: exiv2 reads no further in a JPEG."""
        return parsed.data[: parsed.scan_start] + b"\xff\xd9"

    def exif_block(self, parsed: Parsed) -> bytes | None:
        seg = parsed.first(0xE1, EXIF_HEADER)
        return seg.payload(parsed.data)[len(EXIF_HEADER) :] if seg else None

    def xmp_packet(self, parsed: Parsed) -> bytes | None:
        seg = parsed.first(0xE1, XMP_HEADER)
        return seg.payload(parsed.data)[len(XMP_HEADER) :] if seg else None

    def splice(
        self, parsed: Parsed, *, xmp: bytes | None, exif_tags: ExifTags, iptc_from: bytes | None
    ) -> bytes:
        data = parsed.data
        exif = self.new_exif(parsed, exif_tags)
        new_exif = _segment(0xE1, EXIF_HEADER + exif) if exif is not None else None
        new_xmp = _segment(0xE1, XMP_HEADER + xmp) if xmp is not None else None
        new_iptc = _iptc_segments(iptc_from) if iptc_from is not None else None
        exif_seg = parsed.first(0xE1, EXIF_HEADER)
        xmp_seg = parsed.first(0xE1, XMP_HEADER)
        ps_segs = [s for s in parsed.segments if s.is_app(data, 0xED, PS_HEADER)]

        out = [data[:2]]
        pending = []  # new segments that have no old one to replace
        if new_exif and not exif_seg:
            pending.append(new_exif)
        if new_xmp and not xmp_seg:
            pending.append(new_xmp)
        if new_iptc and not ps_segs:
            pending.append(new_iptc)
        # New segments go after the leading APP0 (JFIF/JFXX) and EXIF segments: readers expect
        # those first, and everything after them keeps its order.
        for seg in parsed.segments:
            if pending and seg.marker != 0xE0 and seg is not exif_seg:
                out.extend(pending)
                pending = []
            if seg is exif_seg and new_exif:
                out.append(new_exif)
            elif seg is xmp_seg and new_xmp:
                out.append(new_xmp)
            elif new_iptc is not None and seg in ps_segs:
                if seg is ps_segs[0]:
                    out.append(new_iptc)
            else:
                out.append(data[seg.start : seg.end])
        out.extend(pending)
        out.append(data[parsed.scan_start :])
        return b"".join(out)

    def payload(self, parsed: Parsed) -> list[memoryview]:
        data = memoryview(parsed.data)
        units = [data[s.start : s.end] for s in parsed.segments if not parsed.owned(s)]
        units.append(data[parsed.scan_start :])
        return units

    def check_result(self, before: Parsed, after: Parsed) -> None:
        """A multi-picture index counts from its own segment: the bytes after it must not move."""
        old = before.first(0xE2, MPF_HEADER)
        if old is None:
            return
        new = after.first(0xE2, MPF_HEADER)
        if new is None or before.scan_start - old.start != after.scan_start - new.start:
            raise FileProblem(
                "this multi-picture JPEG keeps its metadata after the picture index; "
                "writing it would break the index"
            )


def _iptc_segments(exiv2_output: bytes) -> bytes:
    """exiv2's Photoshop (IPTC) segments, lifted out of the file it wrote."""
    parsed = parse_header(exiv2_output)
    segs = [s for s in parsed.segments if s.is_app(exiv2_output, 0xED, PS_HEADER)]
    if not segs:
        raise exiv2.Exiv2Error("exiv2 wrote no IPTC block")
    return b"".join(exiv2_output[s.start : s.end] for s in segs)


JPEG = register(Jpeg())
