"""Round trips per format, read back by exiftool; pixels identical; other metadata kept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from creatorapp.core.media.base import Reason, Status
from creatorapp.core.media.jpeg import parse_header
from creatorapp.core.policy import PRESETS
from creatorapp.core.policy.signals import embedded_fields
from creatorapp.core.works.tagging import read_reservation, tag_file
from tests.conftest import (
    SAMPLES,
    SIDECARS,
    data_mining_code,
    has_exiftool,
    make_jpeg,
    make_png,
    make_tiff,
    make_webp,
    pixels,
)

POLICY = PRESETS["no-ai"].with_identity(
    creator="Jane Artist", copyright_notice="© 2026 Jane Artist"
)
FIELDS = embedded_fields(POLICY)
CODE = "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"

# exiftool tags that legitimately differ after tagging: ours, and file-system facts.
OURS = {
    "XMP-plus:DataMining",
    "XMP-xmpRights:Marked",
    "XMP-xmpRights:UsageTerms",
    "XMP-dc:Rights",
    "XMP-dc:Creator",
    "IFD0:Copyright",
    "IFD0:Artist",
    "IPTC:CopyrightNotice",
    "IPTC:By-line",
    "IPTC:CodedCharacterSet",
    "IPTC:ApplicationRecordVersion",
    "XMP-x:XMPToolkit",
    "System:FileSize",
    "System:FileAccessDate",
    "System:FileInodeChangeDate",
    "System:FileModifyDate",
    "System:FileName",
    "System:Directory",
    "System:FilePermissions",
    "SourceFile",
    "ExifTool:Warning",
    "File:ExifByteOrder",
    "Composite:ImageSize",
    "Composite:Megapixels",
    "XMP-x:XmpToolkit",
    "File:CurrentIPTCDigest",
    "Photoshop:IPTCDigest",
    "ExifTool:ExifToolVersion",
}


def _kept(before: dict, after: dict) -> list[str]:
    """Tags whose value changed or vanished, apart from ours."""
    return sorted(k for k, v in before.items() if k not in OURS and after.get(k) != v)


def _fresh(kind: str, folder: Path) -> Path:
    makers = {
        "jpeg": lambda: make_jpeg(folder / "a.jpg"),
        "png": lambda: make_png(folder / "a.png"),
        "webp-lossy": lambda: make_webp(folder / "a.webp"),
        "webp-lossless": lambda: make_webp(folder / "a.webp", lossless=True, mode="RGBA"),
        "tiff": lambda: make_tiff(folder / "a.tif"),
        "tiff-lzw": lambda: make_tiff(folder / "a.tif", compression="tiff_lzw"),
    }
    return makers[kind]()


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp-lossy", "webp-lossless", "tiff", "tiff-lzw"])
def test_round_trip_generated(kind, tmp_path, exiftool):
    path = _fresh(kind, tmp_path)
    before_pixels = pixels(path)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_123_456_789))
    outcome = tag_file(path, FIELDS)
    assert outcome.status is Status.TAGGED, outcome
    assert pixels(path) == before_pixels
    assert os.stat(path).st_mtime_ns == 1_600_000_000_123_456_789
    info = exiftool(path)
    assert data_mining_code(info) == CODE
    assert info["XMP-xmpRights:Marked"] in (True, "True", 1)
    assert "Art. 4(3)" in info["XMP-xmpRights:UsageTerms"]
    assert info["XMP-dc:Rights"] == "© 2026 Jane Artist"
    assert info["IFD0:Artist"] == "Jane Artist"
    assert info["IFD0:Copyright"] == info["XMP-dc:Rights"]  # one notice, as IPTC maps it
    # Idempotent: second run leaves bytes and mtime alone.
    data, mtime = path.read_bytes(), os.stat(path).st_mtime_ns
    assert tag_file(path, FIELDS).status is Status.UNCHANGED
    assert path.read_bytes() == data and os.stat(path).st_mtime_ns == mtime
    assert read_reservation(path).source == "embedded"


def test_png_xmp_chunk_is_uncompressed_itxt(tmp_path):
    path = make_png(tmp_path / "a.png")
    tag_file(path, FIELDS)
    data = path.read_bytes()
    at = data.index(b"iTXtXML:com.adobe.xmp\x00")
    assert data[at + len(b"iTXtXML:com.adobe.xmp\x00")] == 0  # compression flag
    assert data.index(b"iTXt") < data.index(b"IDAT")


def test_webp_has_no_iptc_and_says_so(tmp_path):
    path = make_webp(tmp_path / "a.webp")
    outcome = tag_file(path, FIELDS)
    assert outcome.status is Status.TAGGED
    assert any("no place for IPTC" in n for n in outcome.notes)
    assert path.read_bytes()[12:16] == b"VP8X"


def _rich_jpeg(tmp_path: Path) -> Path:
    """A JPEG dressed by exiftool the way a photographer's tools would."""
    path = make_jpeg(tmp_path / "rich.jpg", size=(120, 80))
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-Orientation#=6",
            "-Make=Canon",
            "-Model=EOS R5",
            "-GPSLatitude=48.85",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=2.35",
            "-GPSLongitudeRef=E",
            "-IPTC:Keywords=cat",
            "-IPTC:Keywords=sofa",
            "-IPTC:City=Paris",
            "-XMP-dc:Description=A cat",
            "-XMP-xmp:Rating=4",
            "-XMP-dc:Subject=cat",
            "-XMP-photoshop:Credit=Jane",
            "-ICC_Profile<=" + str(_icc(tmp_path)),
            "-Comment=kept comment",
            str(path),
        ],
        check=True,
    )
    return path


def _icc(tmp_path: Path) -> Path:
    from PIL import ImageCms

    icc = tmp_path / "srgb.icc"
    icc.write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    return icc


def test_rich_metadata_survives(tmp_path, exiftool):
    path = _rich_jpeg(tmp_path)
    before = exiftool(path)
    assert before["IFD0:Orientation"] == 6 and before["IPTC:City"] == "Paris"
    before_pixels = pixels(path)
    outcome = tag_file(path, FIELDS)
    assert outcome.status is Status.TAGGED
    after = exiftool(path)
    assert _kept(before, after) == []
    assert pixels(path) == before_pixels
    assert data_mining_code(after) == CODE
    # The IPTC block declares no character set, so the non-ASCII notice stays in XMP/EXIF.
    assert "IPTC:CopyrightNotice" not in after
    assert any("non-ASCII" in n for n in outcome.notes)


def test_iptc_copyright_added_when_it_fits(tmp_path, exiftool):
    path = _rich_jpeg(tmp_path)
    fields = embedded_fields(PRESETS["no-ai"].with_identity(copyright_notice="(c) 2026 Jane"))
    assert tag_file(path, fields).status is Status.TAGGED
    after = exiftool(path)
    assert after["IPTC:CopyrightNotice"] == "(c) 2026 Jane"
    assert after["IPTC:City"] == "Paris" and after["IPTC:Keywords"] == ["cat", "sofa"]


def test_photographer_values_are_not_overwritten(tmp_path, exiftool):
    path = make_jpeg(tmp_path / "a.jpg")
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-Artist=Camera Owner",
            "-XMP-dc:Rights=© Someone Else",
            str(path),
        ],
        check=True,
    )
    tag_file(path, FIELDS)
    info = exiftool(path)
    assert info["IFD0:Artist"] == "Camera Owner"
    assert info["XMP-dc:Rights"] == "© Someone Else"
    assert data_mining_code(info) == CODE
    from creatorapp.core.works.tagging import TagOptions

    assert tag_file(path, FIELDS, TagOptions(force=True)).status is Status.TAGGED
    info = exiftool(path)
    assert info["IFD0:Artist"] == "Jane Artist" and info["XMP-dc:Rights"] == "© 2026 Jane Artist"


def test_policy_change_rewrites_only_owned_values(tmp_path, exiftool):
    path = make_jpeg(tmp_path / "a.jpg")
    tag_file(path, FIELDS)
    tdm = embedded_fields(PRESETS["no-tdm"].with_identity(creator="Other"))
    assert tag_file(path, tdm).status is Status.TAGGED
    info = exiftool(path)
    assert data_mining_code(info) == "DMI-PROHIBITED"
    assert info["IFD0:Artist"] == "Jane Artist"  # filled earlier, not ours to change


SAMPLE_FILES = sorted(p.name for p in SAMPLES.iterdir()) if SAMPLES.is_dir() else []
EMBEDDED = {".jpg", ".png", ".webp", ".tif", ".dng"}

# Camera samples we refuse on purpose: name -> (reason code, words of the reason).  Each must be
# refused with exactly that reason and left byte for byte; every other sample must be tagged, so a
# writer that starts refusing a file it used to write fails here instead of passing unnoticed.
# Every sample is tagged today (in place, or by sidecar for raw, HEIC, GIF and PSD).
REFUSED: dict[str, tuple[Reason | None, str]] = {}


def test_camera_samples_cover_every_writer():
    """An empty or half-copied samples folder would let the sample tests vanish silently."""
    suffixes = {Path(name).suffix.lower() for name in SAMPLE_FILES}
    assert EMBEDDED | {".cr2", ".cr3", ".nef", ".raf", ".rw2", ".heic", ".gif", ".psd"} <= suffixes
    assert set(REFUSED) <= set(SAMPLE_FILES)


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_camera_sample(name, tmp_path, exiftool):
    path = tmp_path / name
    shutil.copy2(SAMPLES / name, path)
    original = path.read_bytes()
    before = exiftool(path)
    outcome = tag_file(path, FIELDS)
    suffix = path.suffix.lower()
    if name in REFUSED:
        code, words = REFUSED[name]
        assert outcome.status is Status.FAILED, outcome
        assert outcome.code is code and words in outcome.reason, outcome
        assert path.read_bytes() == original
        assert not list(tmp_path.glob("*.xmp"))
    elif suffix in EMBEDDED:
        assert outcome.status is Status.TAGGED, outcome
        after = exiftool(path)
        assert data_mining_code(after) == CODE
        assert _kept(before, after) == []
        if suffix != ".dng":
            orig = tmp_path / ("orig" + suffix)
            orig.write_bytes(original)
            try:
                assert pixels(path) == pixels(orig)
            except (OSError, ValueError):  # a frame Pillow cannot decode: compare the first
                assert pixels(path, first_only=True) == pixels(orig, first_only=True)
    else:
        assert outcome.status is Status.SIDECAR, outcome
        assert path.read_bytes() == original
        sidecar = Path(outcome.sidecar)
        assert sidecar.name == path.stem + ".xmp"
        assert data_mining_code(exiftool(sidecar)) == CODE
        assert read_reservation(path).source == "sidecar"


def test_multi_picture_trailer_survives(tmp_path, exiftool):
    path = tmp_path / "mpf.jpg"
    shutil.copy2(SAMPLES / "ExifTool.jpg", path)
    before = path.read_bytes()
    tail = before[parse_header(before).scan_start :]
    assert tag_file(path, FIELDS).status is Status.TAGGED
    after = path.read_bytes()
    assert after.endswith(tail)
    info = exiftool(path)
    assert not any("MPF" in str(v) for k, v in info.items() if k.endswith("Warning"))


def test_sidecar_merge_keeps_other_content(tmp_path, exiftool):
    raw = tmp_path / "IMG_1.CR2"
    shutil.copy2(SAMPLES / "CanonRaw.cr2", raw)
    sidecar = tmp_path / "IMG_1.xmp"
    shutil.copy2(SIDECARS / "PLUS.xmp", sidecar)
    before = exiftool(sidecar)
    outcome = tag_file(raw, FIELDS)
    assert outcome.status is Status.SIDECAR and Path(outcome.sidecar) == sidecar
    after = exiftool(sidecar)
    assert data_mining_code(after) == CODE
    lost = [
        k for k, v in before.items() if k not in OURS and k.startswith("XMP") and after.get(k) != v
    ]
    assert lost == []
    assert tag_file(raw, FIELDS).status is Status.UNCHANGED


def test_sidecar_with_extension_name_is_used(tmp_path):
    raw = tmp_path / "shot.nef"
    shutil.copy2(SAMPLES / "Nikon.nef", raw)
    (tmp_path / "shot.nef.xmp").write_bytes((SIDECARS / "XMP5.xmp").read_bytes())
    outcome = tag_file(raw, FIELDS)
    assert outcome.sidecar == str(tmp_path / "shot.nef.xmp")
    assert not (tmp_path / "shot.xmp").exists()


def test_sidecar_exiv2_would_mangle_is_refused(tmp_path):
    """exiv2 truncates the odd ExifVersion "0.2.2.0" on output; the check catches it."""
    raw = tmp_path / "shot.nef"
    shutil.copy2(SAMPLES / "Nikon.nef", raw)
    original = (SIDECARS / "XMP.xmp").read_bytes()
    (tmp_path / "shot.xmp").write_bytes(original)
    outcome = tag_file(raw, FIELDS)
    assert outcome.status is Status.FAILED and "ExifVersion" in outcome.reason
    assert (tmp_path / "shot.xmp").read_bytes() == original


def test_empty_sidecar_is_filled(tmp_path):
    raw = tmp_path / "x.heic"
    shutil.copy2(SAMPLES / "QuickTime.heic", raw)
    (tmp_path / "x.xmp").write_bytes(b"")
    assert tag_file(raw, FIELDS).status is Status.SIDECAR
    assert read_reservation(raw).reserved


def test_broken_sidecar_is_left_alone(tmp_path):
    raw = tmp_path / "x.gif"
    shutil.copy2(SAMPLES / "GIF.gif", raw)
    (tmp_path / "x.xmp").write_bytes(b"<x:xmpmeta><rdf:RDF>not closed")
    outcome = tag_file(raw, FIELDS)
    assert outcome.status is Status.FAILED and "not valid XMP" in outcome.reason
    assert (tmp_path / "x.xmp").read_bytes() == b"<x:xmpmeta><rdf:RDF>not closed"


@pytest.mark.skipif(not has_exiftool(), reason="needs exiftool")
def test_exiftool_agrees_with_our_reader(tmp_path):
    path = make_jpeg(tmp_path / "a.jpg")
    tag_file(path, embedded_fields(PRESETS["no-genai"]))
    res = read_reservation(path)
    assert res.reserved and res.data_mining.endswith("DMI-PROHIBITED-GENAIMLTRAINING")
    tag_file(path, embedded_fields(PRESETS["allow"]))
    assert read_reservation(path).reserved is False


def test_a_notice_the_file_already_has_is_copied_to_the_empty_places(tmp_path):
    """IPTC maps Copyright Notice and Creator to one value in XMP, EXIF and IIM: where a file
    already says one (here the camera owner's EXIF Copyright and Artist), its own words fill
    the empty places, so the three never disagree."""
    path = make_jpeg(tmp_path / "owned.jpg")
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-EXIF:Copyright=(c) 2019 Pat Photographer",
         "-EXIF:Artist=Pat Photographer", str(path)],
        check=True,
    )  # fmt: skip
    before = pixels(path)
    outcome = tag_file(path, FIELDS)
    assert outcome.status is Status.TAGGED, outcome
    assert pixels(path) == before
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-XMP-dc:all", "-IFD0:all", "-IPTC:all", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(out.stdout)[0]
    notice = "(c) 2019 Pat Photographer"
    assert info["IFD0:Copyright"] == info["XMP-dc:Rights"] == info["IPTC:CopyrightNotice"] == notice
    assert info["IFD0:Artist"] == info["XMP-dc:Creator"] == info["IPTC:By-line"]
    assert info["IFD0:Artist"] == "Pat Photographer"
