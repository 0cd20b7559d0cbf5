"""Files of one stem that both take a sidecar (IMG_1.CR2 and IMG_1.CR3) each get their own, named
``IMG_1.CR2.xmp`` and ``IMG_1.CR3.xmp``, whatever order they are tagged in; a shared ``IMG_1.xmp``
stays with the file it names, and is otherwise left exactly as it is.  exiftool reads each
sidecar back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from creatorapp.core.media.base import Outcome, Status
from creatorapp.core.policy import PRESETS
from creatorapp.core.policy.signals import embedded_fields
from creatorapp.core.works.tagging import (
    iter_targets,
    read_reservation,
    tag_file,
    tag_files,
    verify_paths,
)
from creatorapp.core.works.undo import UndoBatch, undo_last
from tests.conftest import SAMPLES, data_mining_code, make_jpeg

POLICY = PRESETS["no-ai"]
FIELDS = embedded_fields(POLICY)
CODE = "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
RAWS = {"CR2": "CanonRaw.cr2", "cr2": "CanonRaw.cr2", "CR3": "CanonRaw.cr3", "NEF": "Nikon.nef"}


def _edits(names: str | None) -> bytes:
    """A shared sidecar as Camera Raw leaves it: develop settings and a rating, and the raw
    file it was written for when ``names`` is given."""
    named = f' crs:RawFileName="{names}"' if names else ""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        f'crs:Exposure2012="+0.50" crs:Version="15.0" xmp:Rating="3"{named}/>'
        "</rdf:RDF></x:xmpmeta>"
    ).encode()


def _folder(tmp_path: Path, *extensions: str, name: str = "works", stem: str = "IMG_1") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for ext in extensions:
        shutil.copy2(SAMPLES / RAWS[ext], folder / f"{stem}.{ext}")
    return folder


def _tag_folder(folder: Path, jobs: int = 1) -> list[Outcome]:
    """The folder at once, walked and tagged as a batch is."""
    work = [(t.path, FIELDS) for t in iter_targets([folder]) if t.skip is None]
    return list(tag_files(work, jobs=jobs))


def _sidecars(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.xmp"))}


def _check_own_sidecars(folder: Path, extensions: tuple[str, ...], exiftool) -> None:
    """Each file reads back reserved from its own sidecar, as exiftool reads that sidecar too."""
    for ext in extensions:
        image = folder / f"IMG_1.{ext}"
        own = folder / f"IMG_1.{ext}.xmp"
        assert data_mining_code(exiftool(own)) == CODE
        found = read_reservation(image)
        assert (found.reserved, found.source) == (True, "sidecar"), found


@pytest.mark.parametrize(
    "order",
    [("CR2", "CR3"), ("CR3", "CR2"), ("cr2", "CR3"), ("CR3", "cr2"), ("NEF", "CR3", "CR2")],
    ids="-then-".join,
)
def test_each_file_of_one_stem_gets_its_own_sidecar_in_any_order(order, tmp_path, exiftool):
    folder = _folder(tmp_path, *order)
    originals = {ext: (folder / f"IMG_1.{ext}").read_bytes() for ext in order}
    for ext in order:
        outcome = tag_file(folder / f"IMG_1.{ext}", FIELDS)
        assert outcome.status is Status.SIDECAR, outcome
        assert outcome.sidecar == str(folder / f"IMG_1.{ext}.xmp")
        assert any("has its own sidecar" in n for n in outcome.notes)
    assert sorted(_sidecars(folder)) == sorted(f"IMG_1.{ext}.xmp" for ext in order)
    _check_own_sidecars(folder, order, exiftool)
    for ext in order:
        assert (folder / f"IMG_1.{ext}").read_bytes() == originals[ext]
        assert tag_file(folder / f"IMG_1.{ext}", FIELDS).status is Status.UNCHANGED


def test_order_one_way_the_other_and_the_folder_at_once_agree(tmp_path, exiftool):
    one = _folder(tmp_path, "CR2", "CR3", name="one")
    for ext in ("CR2", "CR3"):
        tag_file(one / f"IMG_1.{ext}", FIELDS)
    other = _folder(tmp_path, "CR2", "CR3", name="other")
    for ext in ("CR3", "CR2"):
        tag_file(other / f"IMG_1.{ext}", FIELDS)
    whole = _folder(tmp_path, "CR2", "CR3", name="whole")
    outcomes = _tag_folder(whole)
    assert sorted((Path(o.path).name, o.status) for o in outcomes) == [
        ("IMG_1.CR2", Status.SIDECAR),
        ("IMG_1.CR3", Status.SIDECAR),
    ]
    assert _sidecars(one) == _sidecars(other) == _sidecars(whole)
    assert sorted(_sidecars(whole)) == ["IMG_1.CR2.xmp", "IMG_1.CR3.xmp"]
    _check_own_sidecars(whole, ("CR2", "CR3"), exiftool)
    found = {Path(r.path).name: (r.reserved, r.source) for r in verify_paths([whole])}
    assert found == {"IMG_1.CR2": (True, "sidecar"), "IMG_1.CR3": (True, "sidecar")}


def test_parallel_workers_give_each_file_its_own_sidecar(tmp_path, exiftool):
    """More files than one process tags alone, so pairs may be tagged at the same moment."""
    folder = tmp_path / "works"
    folder.mkdir()
    for n in range(6):
        for ext in ("CR2", "CR3"):
            shutil.copy2(SAMPLES / RAWS[ext], folder / f"IMG_{n}.{ext}")
    outcomes = _tag_folder(folder, jobs=2)
    assert [o.status for o in outcomes] == [Status.SIDECAR] * 12
    assert sorted(_sidecars(folder)) == sorted(
        f"IMG_{n}.{ext}.xmp" for n in range(6) for ext in ("CR2", "CR3")
    )
    for outcome in outcomes:
        assert outcome.sidecar == outcome.path + ".xmp"
        assert data_mining_code(exiftool(Path(outcome.sidecar))) == CODE


def test_raw_and_jpeg_of_one_stem_are_no_collision(tmp_path, exiftool):
    """The JPEG carries its reservation inside; IMG_1.xmp is the raw's alone, and the JPEG is
    never reported reserved through it."""
    folder = _folder(tmp_path, "CR2")
    jpeg = make_jpeg(folder / "IMG_1.JPG")
    outcome = tag_file(folder / "IMG_1.CR2", FIELDS)
    assert outcome.status is Status.SIDECAR and outcome.sidecar == str(folder / "IMG_1.xmp")
    assert outcome.notes == ()
    assert read_reservation(jpeg).source == "none"
    assert tag_file(jpeg, FIELDS).status is Status.TAGGED
    assert read_reservation(jpeg).source == "embedded"
    assert sorted(_sidecars(folder)) == ["IMG_1.xmp"]
    assert data_mining_code(exiftool(folder / "IMG_1.xmp")) == CODE


@pytest.mark.parametrize("order", [("CR2", "CR3"), ("CR3", "CR2")], ids="-then-".join)
def test_shared_sidecar_stays_with_the_raw_it_names(order, tmp_path, exiftool):
    folder = _folder(tmp_path, "CR2", "CR3")
    shared = folder / "IMG_1.xmp"
    shared.write_bytes(_edits("IMG_1.CR2"))
    outcomes = {ext: tag_file(folder / f"IMG_1.{ext}", FIELDS) for ext in order}
    assert outcomes["CR2"].sidecar == str(shared)
    assert outcomes["CR3"].sidecar == str(folder / "IMG_1.CR3.xmp")
    assert "IMG_1.xmp belongs to IMG_1.CR2 and was left as it is" in outcomes["CR3"].notes
    assert {o.status for o in outcomes.values()} == {Status.SIDECAR}
    info = exiftool(shared)
    assert data_mining_code(info) == CODE
    assert info["XMP-crs:Exposure2012"] == "+0.50" and info["XMP-xmp:Rating"] == 3
    assert info["XMP-crs:RawFileName"] == "IMG_1.CR2"
    assert data_mining_code(exiftool(folder / "IMG_1.CR3.xmp")) == CODE
    assert not (folder / "IMG_1.CR2.xmp").exists()
    assert read_reservation(folder / "IMG_1.CR3").source == "sidecar"


def test_shared_sidecar_naming_neither_is_left_byte_for_byte(tmp_path, exiftool):
    folder = _folder(tmp_path, "CR2", "CR3")
    shared = folder / "IMG_1.xmp"
    shared.write_bytes(_edits(None))
    before = shared.read_bytes()
    for ext in ("CR3", "CR2"):
        outcome = tag_file(folder / f"IMG_1.{ext}", FIELDS)
        assert outcome.sidecar == str(folder / f"IMG_1.{ext}.xmp")
        assert (
            "IMG_1.xmp does not say which of them it belongs to and was left as it is"
            in outcome.notes
        )
    assert shared.read_bytes() == before
    _check_own_sidecars(folder, ("CR2", "CR3"), exiftool)


def test_darktable_sidecar_names_its_raw_too(tmp_path):
    """darktable names the raw in xmpMM:DerivedFrom; such a file under the shared name is
    that raw's."""
    folder = _folder(tmp_path, "CR2", "CR3")
    packet = _edits(None).replace(
        b'xmp:Rating="3"',
        b'xmp:Rating="3" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        b'xmpMM:DerivedFrom="IMG_1.CR3"',
    )
    (folder / "IMG_1.xmp").write_bytes(packet)
    assert tag_file(folder / "IMG_1.CR3", FIELDS).sidecar == str(folder / "IMG_1.xmp")
    assert tag_file(folder / "IMG_1.CR2", FIELDS).sidecar == str(folder / "IMG_1.CR2.xmp")


def test_sidecar_written_before_the_second_raw_came_is_left(tmp_path, exiftool):
    """A reservation written to IMG_1.xmp while IMG_1.CR2 was alone says nothing of which file
    it was for once IMG_1.CR3 arrives: both are tagged again into their own sidecars and the old
    one is left as it is (it may carry edits made since)."""
    folder = _folder(tmp_path, "CR2")
    assert tag_file(folder / "IMG_1.CR2", FIELDS).sidecar == str(folder / "IMG_1.xmp")
    before = (folder / "IMG_1.xmp").read_bytes()
    shutil.copy2(SAMPLES / RAWS["CR3"], folder / "IMG_1.CR3")
    outcomes = _tag_folder(folder)
    assert [(Path(o.path).name, o.status) for o in outcomes] == [
        ("IMG_1.CR2", Status.SIDECAR),
        ("IMG_1.CR3", Status.SIDECAR),
    ]
    assert (folder / "IMG_1.xmp").read_bytes() == before
    _check_own_sidecars(folder, ("CR2", "CR3"), exiftool)


@pytest.mark.parametrize("names", [None, "IMG_1.CR2"])
def test_undo_puts_back_each_sidecar_the_batch_wrote(names, tmp_path):
    """Undo finds the sidecar each file was tagged into: its own one is removed, a shared one
    it merged into gets its earlier bytes back, one it never touched is left alone."""
    folder = _folder(tmp_path, "CR2", "CR3")
    (folder / "IMG_1.xmp").write_bytes(_edits(names))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    targets = [folder / "IMG_1.CR2", folder / "IMG_1.CR3"]
    batch = UndoBatch(tmp_path / "undo")
    batch.keep(targets)
    for target in targets:
        batch.settle(tag_file(target, FIELDS))
    assert batch.finish("collisions") == 2
    written = {"IMG_1.CR3.xmp"} | ({"IMG_1.CR2.xmp"} if names is None else set())
    assert set(_sidecars(folder)) == {"IMG_1.xmp"} | written
    merged = (folder / "IMG_1.xmp").read_bytes() != before["IMG_1.xmp"]
    assert merged is (names is not None)
    report = undo_last(root=tmp_path / "undo")
    assert sorted(report.restored) == [str(t) for t in targets] and report.left == []
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_name_at_the_length_limit_gets_a_sidecar_or_a_clear_refusal(tmp_path):
    """255 bytes is the most a name may have: ``name.xmp`` fits beside ``name.cr2``, but a file
    that needs ``name.cr2.xmp`` (another raw of its stem is there) cannot have it."""
    from creatorapp.core.media.base import Reason
    from creatorapp.core.works.tagging import tag_file

    stem = "y" * 251
    alone = tmp_path / "alone"
    alone.mkdir()
    raw = alone / f"{stem}.cr2"
    shutil.copyfile(SAMPLES / "CanonRaw.cr2", raw)
    outcome = tag_file(raw, FIELDS)
    assert outcome.status is Status.SIDECAR, outcome.reason
    assert Path(outcome.sidecar).name == f"{stem}.xmp"

    pair = tmp_path / "pair"
    pair.mkdir()
    for ext in ("cr2", "nef"):
        shutil.copyfile(
            SAMPLES / ("CanonRaw.cr2" if ext == "cr2" else "Nikon.nef"), pair / f"{stem}.{ext}"
        )
    refused = tag_file(pair / f"{stem}.cr2", FIELDS)
    assert refused.status is Status.FAILED and refused.code is Reason.NAME_TOO_LONG, refused
    assert "255 bytes" in refused.reason and sorted(p.suffix for p in pair.iterdir()) == [
        ".cr2",
        ".nef",
    ]
