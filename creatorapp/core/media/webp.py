"""WebP: replace or add the ``XMP `` and ``EXIF`` RIFF chunks and keep the VP8X flags right.

A simple (lossy ``VP8 `` or lossless ``VP8L``) file has no room for metadata; it is turned into
the extended layout by adding a ``VP8X`` header whose canvas size is read from the bitstream.
WebP has no IPTC carrier: the reservation travels in XMP only.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

from creatorapp.core.media.base import Container, ExifTags, FileProblem, Reason, register
from creatorapp.core.policy.signals import Family

FLAG_ICC, FLAG_ALPHA, FLAG_EXIF, FLAG_XMP, FLAG_ANIM = 0x20, 0x10, 0x08, 0x04, 0x02


@dataclass(frozen=True)
class Chunk:
    kind: bytes
    start: int
    end: int  # including the pad byte


@dataclass
class Parsed:
    data: bytes
    chunks: list[Chunk]

    def find(self, kind: bytes) -> Chunk | None:
        return next((c for c in self.chunks if c.kind == kind), None)

    def body(self, chunk: Chunk) -> bytes:
        (size,) = struct.unpack_from("<I", self.data, chunk.start + 4)
        return self.data[chunk.start + 8 : chunk.start + 8 + size]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def _canvas(parsed: Parsed) -> tuple[int, int, int]:
    """(width, height, flags) for a file without VP8X, from its bitstream header."""
    first = parsed.chunks[0]
    body = parsed.body(first)
    if first.kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        w, h = struct.unpack_from("<HH", body, 6)
        flags = FLAG_ALPHA if parsed.find(b"ALPH") else 0
        return w & 0x3FFF, h & 0x3FFF, flags
    if first.kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        (bits,) = struct.unpack_from("<I", body, 1)
        w, h = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return w, h, FLAG_ALPHA if bits >> 28 & 1 else 0
    raise FileProblem("damaged WebP: the image header cannot be read", Reason.DAMAGED)


class WebP(Container):
    name: ClassVar[str] = "WebP"
    extensions: ClassVar[tuple[str, ...]] = (".webp",)
    families: ClassVar[frozenset[Family]] = frozenset({Family.XMP, Family.EXIF})

    @staticmethod
    def magic(head: bytes) -> bool:
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"

    def parse(self, data: bytes) -> Parsed:
        if not self.magic(data[:12]):
            raise FileProblem("not a WebP file", Reason.DAMAGED)
        (riff_size,) = struct.unpack_from("<I", data, 4)
        if riff_size + 8 > len(data):
            raise FileProblem("the file is cut short", Reason.DAMAGED)
        end_of_riff = riff_size + 8
        pos, chunks = 12, []
        while pos < end_of_riff:
            if pos + 8 > end_of_riff:
                raise FileProblem("damaged WebP: a chunk header is cut short", Reason.DAMAGED)
            kind = data[pos : pos + 4]
            (size,) = struct.unpack_from("<I", data, pos + 4)
            end = pos + 8 + size + (size & 1)
            if pos + 8 + size > end_of_riff:
                raise FileProblem("the file is cut short inside a chunk", Reason.DAMAGED)
            chunks.append(Chunk(kind, pos, min(end, end_of_riff)))
            pos = end
        if not chunks or not any(c.kind in (b"VP8 ", b"VP8L", b"ANMF") for c in chunks):
            raise FileProblem("damaged WebP: no image data", Reason.DAMAGED)
        return Parsed(data, chunks)

    def exif_block(self, parsed: Parsed) -> bytes | None:
        chunk = parsed.find(b"EXIF")
        if chunk is None:
            return None
        body = parsed.body(chunk)
        return body[6:] if body.startswith(b"Exif\x00\x00") else body

    def xmp_packet(self, parsed: Parsed) -> bytes | None:
        chunk = parsed.find(b"XMP ")
        return parsed.body(chunk) if chunk else None

    def splice(
        self, parsed: Parsed, *, xmp: bytes | None, exif_tags: ExifTags, iptc_from: bytes | None
    ) -> bytes:
        data = parsed.data
        vp8x = parsed.find(b"VP8X")
        if vp8x is not None:
            header = bytearray(parsed.body(vp8x))
        else:
            w, h, flags = _canvas(parsed)
            header = bytearray(
                struct.pack("<B3x", flags)
                + (w - 1).to_bytes(3, "little")
                + (h - 1).to_bytes(3, "little")
            )
        replaced = {}
        exif = self.new_exif(parsed, exif_tags)
        if xmp is not None:
            header[0] |= FLAG_XMP
            replaced[b"XMP "] = _chunk(b"XMP ", xmp)
        if exif is not None:
            header[0] |= FLAG_EXIF
            replaced[b"EXIF"] = _chunk(b"EXIF", exif)
        body = [_chunk(b"VP8X", bytes(header))]
        for chunk in parsed.chunks:
            if chunk.kind == b"VP8X":
                continue
            body.append(replaced.pop(chunk.kind, None) or data[chunk.start : chunk.end])
        # Spec order: EXIF then XMP after the image data.
        body.extend(replaced[k] for k in (b"EXIF", b"XMP ") if k in replaced)
        riff = b"WEBP" + b"".join(body)
        trailer = data[struct.unpack_from("<I", data, 4)[0] + 8 :]
        return b"RIFF" + struct.pack("<I", len(riff)) + riff + trailer

    def payload(self, parsed: Parsed) -> list[bytes]:
        return [
            parsed.data[c.start : c.end]
            for c in parsed.chunks
            if c.kind not in (b"VP8X", b"EXIF", b"XMP ")
        ]

    def check_result(self, before: Parsed, after: Parsed) -> None:
        """Canvas size and every flag but EXIF/XMP must be as they were."""
        ours = FLAG_EXIF | FLAG_XMP
        old_w, old_h, old_flags = _header(before)
        new_w, new_h, new_flags = _header(after)
        if (old_w, old_h, old_flags & ~ours) != (new_w, new_h, new_flags & ~ours):
            raise FileProblem(
                "check after writing failed: the WebP canvas header could not be kept",
                Reason.CHECK_FAILED,
            )


def _header(parsed: Parsed) -> tuple[int, int, int]:
    vp8x = parsed.find(b"VP8X")
    if vp8x is None:
        return _canvas(parsed)
    body = parsed.body(vp8x)
    if len(body) < 10:
        raise FileProblem("damaged WebP: the extended header is cut short", Reason.DAMAGED)
    w = int.from_bytes(body[4:7], "little") + 1
    h = int.from_bytes(body[7:10], "little") + 1
    return w, h, body[0]


WEBP = register(WebP())
