"""Sample works for the attacks: JPEGs carrying a photographer's metadata, XMP packets exiv2
cannot parse, and camera files with maker notes."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

from PIL import Image

from tests.conftest import SAMPLES, make_jpeg

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"

# the properties the photographer's own tools wrote (exiftool's names -> the values it reads)
FOREIGN_XMP = {
    "XMP-dc:Description": "A cat on a sofa",
    "XMP-xmp:Rating": 4,
    "XMP-photoshop:Headline": "Sofa cat",
    "XMP-acme:Project": "Blue Period",
}

_PACKET = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
{doctype}<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:acme="http://example.com/ns/acme/1.0/">
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">A cat on a sofa</rdf:li></rdf:Alt>\
</dc:description>
   <xmp:Rating>4</xmp:Rating>
   <photoshop:Headline>Sofa cat</photoshop:Headline>
   <acme:Project>Blue Period</acme:Project>
{extra}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
{padding}
<?xpacket end="w"?>"""

# packets a strict XML parser (exiv2's) refuses, as photographers' tools do write them
HOSTILE_PACKETS: dict[str, dict[str, str]] = {
    "ampersand": {"extra": "   <xmp:Label>Tom & Jerry</xmp:Label>"},
    "undeclared-prefix": {"extra": "   <zz:Mood>calm</zz:Mood>"},
    "doctype": {
        "doctype": '<!DOCTYPE x:xmpmeta [<!ENTITY who "the artist">]>\n',
        "extra": "   <xmp:Nickname>&who;</xmp:Nickname>",
    },
}


def xmp_packet(extra: str = "", doctype: str = "") -> bytes:
    return _PACKET.format(extra=extra, doctype=doctype, padding=" " * 200).encode("utf-8")


def splice_xmp(jpeg: bytes, packet: bytes) -> bytes:
    """Insert an APP1 XMP segment right after SOI and the JFIF APP0 (where tools put it)."""
    assert jpeg.startswith(b"\xff\xd8")
    pos = 2
    if jpeg[2:4] == b"\xff\xe0":
        pos = 4 + struct.unpack(">H", jpeg[4:6])[0]
    payload = XMP_HEADER + packet
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:pos] + segment + jpeg[pos:]


def maker_exif() -> bytes:
    """EXIF a camera writes: make, model, software, lens and body serial."""
    exif = Image.Exif()
    exif[0x010F] = "Acme Optics"  # Make
    exif[0x0110] = "Acme Z9"  # Model
    exif[0x0131] = "Firmware 1.2.3"  # Software
    sub = exif.get_ifd(0x8769)
    sub[0xA434] = "Acme 50mm f/1.4"  # LensModel
    sub[0xA431] = "SN-0042"  # BodySerialNumber
    return exif.tobytes()


def rich_jpeg(path: Path, seed: int = 1, extra: str = "", doctype: str = "") -> Path:
    """A JPEG with maker EXIF and a packet of foreign XMP properties (plus ``extra``)."""
    make_jpeg(path, seed=seed, exif=maker_exif())
    path.write_bytes(splice_xmp(path.read_bytes(), xmp_packet(extra, doctype)))
    return path


CAMERA_JPEGS = ("Canon.jpg", "Nikon.jpg", "Olympus.jpg", "XMP.jpg")


def camera_jpeg(name: str, target: Path) -> Path:
    shutil.copyfile(SAMPLES / name, target)
    return target


def fill_folder(
    folder: Path, plain: int, *, rich: int = 2, cameras: int = 2, seed: int = 0
) -> list[bytes]:
    """A portfolio's worth of works: ``plain`` generated JPEGs, ``rich`` ones with foreign XMP
    and maker EXIF, and ``cameras`` camera files with maker notes.  Returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    for i in range(plain):
        made.append(make_jpeg(folder / f"img{i:03d}.jpg", size=(96, 64), seed=seed + i))
    for i in range(rich):
        made.append(rich_jpeg(folder / f"rich{i}.jpg", seed=seed + 100 + i))
    for name in CAMERA_JPEGS[:cameras]:
        made.append(camera_jpeg(name, folder / f"cam-{name.lower()}"))
    return [os.fsencode(p) for p in made]
