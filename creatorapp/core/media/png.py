"""PNG: replace or add the XMP ``iTXt`` and ``eXIf`` chunks; all other chunks stay as they are."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import ClassVar

from creatorapp.core.media.base import Container, ExifTags, FileProblem, Reason, register
from creatorapp.core.policy.signals import Family

SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEYWORD = b"XML:com.adobe.xmp\x00"


# An XMP packet is a few kilobytes, rarely a megabyte; a compressed chunk that would unpack to far
# more is a decompression bomb, refused before it is unpacked.
XMP_LIMIT = 16 << 20


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    packet = inflater.decompress(data, XMP_LIMIT)
    if inflater.unconsumed_tail:
        raise FileProblem(
            "the PNG's compressed XMP would unpack to more than 16 MB; the file was left as it was"
        )
    return packet


@dataclass(frozen=True)
class Chunk:
    kind: bytes
    start: int
    end: int


@dataclass
class Parsed:
    data: bytes
    chunks: list[Chunk]

    def find(self, kind: bytes, prefix: bytes = b"") -> Chunk | None:
        return next(
            (
                c
                for c in self.chunks
                if c.kind == kind and self.data.startswith(prefix, c.start + 8)
            ),
            None,
        )

    @property
    def xmp(self) -> Chunk | None:
        return self.find(b"iTXt", XMP_KEYWORD)

    @property
    def exif(self) -> Chunk | None:
        return self.find(b"eXIf")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


class Png(Container):
    name: ClassVar[str] = "PNG"
    extensions: ClassVar[tuple[str, ...]] = (".png",)
    families: ClassVar[frozenset[Family]] = frozenset({Family.XMP, Family.EXIF})

    @staticmethod
    def magic(head: bytes) -> bool:
        return head.startswith(SIGNATURE)

    def parse(self, data: bytes) -> Parsed:
        if not data.startswith(SIGNATURE):
            raise FileProblem("not a PNG file (bad signature)", Reason.DAMAGED)
        pos, chunks = len(SIGNATURE), []
        while pos < len(data):
            if pos + 12 > len(data):
                raise FileProblem("the file is cut short inside a chunk", Reason.DAMAGED)
            (length,) = struct.unpack_from(">I", data, pos)
            kind = data[pos + 4 : pos + 8]
            end = pos + 12 + length
            if end > len(data) or not kind.isalpha():
                raise FileProblem("the file is cut short or damaged inside a chunk", Reason.DAMAGED)
            chunks.append(Chunk(kind, pos, end))
            pos = end
            if kind == b"IEND":
                break
        if not chunks or chunks[0].kind != b"IHDR":
            raise FileProblem("damaged PNG: the header chunk is missing", Reason.DAMAGED)
        if chunks[-1].kind != b"IEND":
            raise FileProblem("the file is cut short: the PNG has no end chunk", Reason.DAMAGED)
        if not any(c.kind == b"IDAT" for c in chunks):
            raise FileProblem("damaged PNG: no image data", Reason.DAMAGED)
        parsed = Parsed(data, chunks)
        for chunk in (parsed.xmp, parsed.exif):
            if chunk and not _crc_ok(data, chunk):
                raise FileProblem(
                    "damaged PNG: a metadata chunk fails its checksum", Reason.DAMAGED
                )
        return parsed

    def exif_block(self, parsed: Parsed) -> bytes | None:
        chunk = parsed.exif
        return parsed.data[chunk.start + 8 : chunk.end - 4] if chunk else None

    def xmp_packet(self, parsed: Parsed) -> bytes | None:
        chunk = parsed.xmp
        if chunk is None:
            return None
        body = parsed.data[chunk.start + 8 + len(XMP_KEYWORD) : chunk.end - 4]
        try:
            flag, _method, rest = body[0], body[1], body[2:]
            _lang, rest = rest.split(b"\x00", 1)
            _translated, text = rest.split(b"\x00", 1)
            return _inflate(text) if flag else text
        except (IndexError, ValueError, zlib.error):
            raise FileProblem("damaged PNG: the XMP chunk cannot be read", Reason.DAMAGED) from None

    def splice(
        self, parsed: Parsed, *, xmp: bytes | None, exif_tags: ExifTags, iptc_from: bytes | None
    ) -> bytes:
        data = parsed.data
        # iTXt: keyword, compression flag 0, method 0, empty language tag, empty translated keyword.
        new_xmp = (
            _chunk(b"iTXt", XMP_KEYWORD + b"\x00\x00\x00\x00" + xmp) if xmp is not None else None
        )
        exif = self.new_exif(parsed, exif_tags)
        new_exif = _chunk(b"eXIf", exif) if exif is not None else None
        old_xmp, old_exif = parsed.xmp, parsed.exif
        pending = [c for c, old in ((new_exif, old_exif), (new_xmp, old_xmp)) if c and not old]
        out = [data[: len(SIGNATURE)]]
        for chunk in parsed.chunks:
            if pending and chunk.kind == b"IDAT":  # new chunks go before the image data
                out.extend(pending)
                pending = []
            if chunk == old_xmp and new_xmp:
                out.append(new_xmp)
            elif chunk == old_exif and new_exif:
                out.append(new_exif)
            else:
                out.append(data[chunk.start : chunk.end])
        out.append(data[parsed.chunks[-1].end :])
        return b"".join(out)

    def payload(self, parsed: Parsed) -> list[bytes]:
        owned = {parsed.xmp, parsed.exif}
        data = memoryview(parsed.data)
        units = [data[c.start : c.end] for c in parsed.chunks if c not in owned]
        units.append(data[parsed.chunks[-1].end :])
        return units


def _crc_ok(data: bytes, chunk: Chunk) -> bool:
    body = data[chunk.start + 4 : chunk.end - 4]
    return struct.unpack_from(">I", data, chunk.end - 4)[0] == zlib.crc32(body)


PNG = register(Png())
