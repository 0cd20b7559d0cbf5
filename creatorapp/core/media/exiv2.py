"""The one place that talks to exiv2 (through pyexiv2).

pyexiv2 is not thread-safe and its log level is process-wide, so every call goes through a lock.
Parallel tagging uses processes, not threads.  exiv2 reads metadata (our first oracle) and
serialises XMP packets; the bytes of image files are assembled by the container modules.
"""

from __future__ import annotations

import contextlib
import re
import threading
from dataclasses import dataclass, field
from types import ModuleType

_LOCK = threading.RLock()
_MODULE: ModuleType | None = None


def _pyexiv2() -> ModuleType:
    """pyexiv2, loaded on first use: commands that never read a file start faster without it."""
    global _MODULE
    if _MODULE is None:
        import pyexiv2

        # exiv2 complaints about maker notes are not our errors; real failures still raise
        pyexiv2.set_log_level(4)
        _MODULE = pyexiv2
    return _MODULE


EMPTY_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF></x:xmpmeta>'
    '<?xpacket end="w"?>'
)


class Exiv2Error(ValueError):
    """exiv2 could not make sense of the data; the message is exiv2's, tidied."""


@dataclass
class Metadata:
    xmp: dict = field(default_factory=dict)
    exif: dict = field(default_factory=dict)
    iptc: dict = field(default_factory=dict)
    raw_xmp: str = ""

    def family(self, name: str) -> dict:
        return {"Xmp": self.xmp, "Exif": self.exif, "Iptc": self.iptc}[name]

    def get(self, key: str) -> object:
        return self.family(key.split(".", 1)[0]).get(key)


def _tidy(exc: Exception) -> str:
    text = str(exc).strip().rstrip(".")
    return text[:1].lower() + text[1:] if text else type(exc).__name__


def read(data: bytes, *, want_raw_xmp: bool = False) -> Metadata:
    """All metadata exiv2 finds in ``data`` (an image or an XMP packet)."""
    with _LOCK:
        try:
            with _pyexiv2().ImageData(data) as img:
                meta = Metadata(img.read_xmp(), img.read_exif(), img.read_iptc())
                if want_raw_xmp and meta.xmp:
                    meta.raw_xmp = img.read_raw_xmp()
                return meta
        except (RuntimeError, ValueError, UnicodeDecodeError) as exc:
            raise Exiv2Error(_tidy(exc)) from None


_ABOUT = re.compile(rb"\babout=[\"']([^\"']+)[\"']")
_END = b"<?xpacket end="
PADDING = 2048


# The prefixes exiv2 writes our namespaces with.  Its registry is process-wide, and reading an
# older packet (``xapRights:`` for xmpRights, as Photo Mechanic writes it) re-registers the
# namespace under that prefix, so every packet written after it in the process would say
# ``xapRights:``: the same XMP, but what a file gets would depend on what was read before it.
CANONICAL_PREFIXES = {
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
}


def _canonical_prefixes() -> None:
    module = _pyexiv2()
    for namespace, prefix in CANONICAL_PREFIXES.items():
        # where exiv2 refuses, it keeps what it had: the packet is the same XMP either way
        with contextlib.suppress(RuntimeError, ValueError):
            module.registerNs(namespace, prefix)


def update_packet(
    raw_packet: str | bytes | None,
    changes: dict,
    *,
    pad_to: int | None = None,
    about_from: bytes | None = None,
) -> bytes:
    """A new XMP packet: the existing one (every property kept) with ``changes`` applied.

    ``pad_to`` (for packets inside image files) keeps the packet at least that long with XMP's
    own whitespace padding, so an update that fits moves no other byte in the file; a packet
    that grows gets the customary 2 KB of room for the next edit.
    """
    source = raw_packet or EMPTY_PACKET
    if isinstance(source, str):
        source = source.encode("utf-8")
    with _LOCK:
        _canonical_prefixes()
        try:
            with _pyexiv2().ImageData(source) as img:
                img.modify_xmp(changes)
                packet = img.get_bytes()
        except (RuntimeError, ValueError, UnicodeDecodeError) as exc:
            raise Exiv2Error(f"the existing XMP could not be updated ({_tidy(exc)})") from None
    about = _ABOUT.search(about_from or source)
    if about:  # exiv2 writes an empty rdf:about; keep the identifier the packet had
        packet = packet.replace(b'rdf:about=""', b'rdf:about="' + about.group(1) + b'"')
    if pad_to is not None and _END in packet:
        room = pad_to - len(packet) if pad_to >= len(packet) else PADDING
        if room > 0:
            lines = b"\n".join(b" " * 99 for _ in range(room // 100))
            filler = (lines + b"\n" if lines else b"") + b" " * (
                room - len(lines) - (1 if lines else 0)
            )
            cut = packet.rindex(_END)
            packet = packet[:cut] + filler + packet[cut:]
    return packet


def read_path(path: str) -> Metadata:
    """Metadata of a file exiv2 reads from disk itself (large raw files are not loaded)."""
    with _LOCK:
        try:
            with _pyexiv2().Image(path) as img:
                return Metadata(img.read_xmp(), img.read_exif(), img.read_iptc())
        except (RuntimeError, ValueError, UnicodeDecodeError) as exc:
            raise Exiv2Error(_tidy(exc)) from None


def write_iptc(data: bytes, changes: dict) -> bytes:
    """The whole image with IPTC changes, as exiv2 writes it (callers take just the IPTC part)."""
    with _LOCK:
        try:
            with _pyexiv2().ImageData(data) as img:
                img.modify_iptc(changes)
                return img.get_bytes()
        except (RuntimeError, ValueError, UnicodeDecodeError) as exc:
            raise Exiv2Error(f"IPTC could not be written ({_tidy(exc)})") from None
