"""Content Credentials when a signed file is tagged again, what verify says about them, reason
codes on failures, and rdf:about kept on a rewrite.  c2pa-python's own Reader and exiftool are
the independent judges."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from creatorapp.core.media import base, c2pa, changes, embed, tiff_ifd
from creatorapp.core.media.base import FileProblem, Reason, Status
from creatorapp.core.media.c2pa import CredentialStatus, SignJob
from creatorapp.core.policy import PRESETS, Permission, Use, resolve_policy
from creatorapp.core.policy.signals import data_mining_uri, embedded_fields
from creatorapp.core.proof import identity
from creatorapp.core.works.tagging import TagOptions, tag_file, tag_files, verify_paths
from tests.conftest import (
    SAMPLES,
    SIDECARS,
    make_jpeg,
    make_png,
    make_tiff,
    make_webp,
    pixels,
)
from tests.integration.test_cli import cli

NO_AI, NO_GENAI = resolve_policy("no-ai"), resolve_policy("no-genai")
P = Permission.PROHIBITED


def _reader(path: Path) -> dict:
    import c2pa as c2pa_python

    with (
        c2pa_python.Context(c2pa_python.Settings.from_dict({})) as ctx,
        c2pa_python.Reader(str(path), context=ctx) as reader,
    ):
        return json.loads(reader.json())


def _uses(store: dict) -> dict[str, str]:
    active = store["manifests"][store["active_manifest"]]
    [assertion] = [a for a in active["assertions"] if a["label"] == "cawg.training-mining"]
    return {k.split(".", 1)[1]: v["use"] for k, v in assertion["data"]["entries"].items()}


def _tag(path: Path, policy, job: SignJob | None = None, **kw):
    [outcome] = tag_files(
        [(path, embedded_fields(policy))], options=TagOptions(credentials=job, **kw), jobs=1
    )
    return outcome


@pytest.fixture
def jane():
    return identity.create("Jane Doe", save=False)


def _signed(path: Path, jane, policy=NO_AI) -> Path:
    outcome = _tag(path, policy, SignJob(jane).with_policies([policy]))
    assert outcome.written, outcome.reason
    assert _reader(path)["validation_state"] == "Valid"
    return path


def _keeping(jane) -> SignJob:
    """What `tag` uses without --c2pa when there is an identity: keep credentials valid."""
    return SignJob(jane, every_file=False).with_policies([NO_AI, NO_GENAI])


# --- 1. a signed TIFF is re-signed like every other format ---------------------------------------


@pytest.mark.parametrize("name", ["ExifTool.tif", "DNG.dng"])
def test_a_signed_tiff_is_re_signed_when_tagged_again(sample, jane, name):
    path = _signed(sample(name), jane)
    image = pixels(path, first_only=True)

    outcome = _tag(path, NO_GENAI, _keeping(jane))

    assert outcome.status is Status.TAGGED, outcome.reason
    assert any("re-signed" in note for note in outcome.notes)
    store = _reader(path)
    assert store["validation_state"] == "Valid", store.get("validation_results")
    active = store["manifests"][store["active_manifest"]]
    assert [i["relationship"] for i in active["ingredients"]] == ["parentOf"]
    assert len(store["manifests"]) == 2
    assert _uses(store) == c2pa.wanted_uses(c2pa.manifest(NO_GENAI))
    assert pixels(path, first_only=True) == image


def test_a_signed_tiff_is_re_signed_on_the_command_line(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    path = photos / "ExifTool.tif"
    shutil.copy2(SAMPLES / "ExifTool.tif", path)
    assert cli("identity", "create", "--name", "Jane Doe").returncode == 0
    first = cli("tag", str(photos), "--c2pa", "--json")
    assert json.loads(first.stdout)["status"] == "tagged", first.stdout + first.stderr

    retag = cli("tag", str(photos), "--policy", "no-genai", "--json")

    doc = json.loads(retag.stdout)
    assert retag.returncode == 0 and doc["status"] == "tagged", doc
    assert _reader(path)["validation_state"] in ("Valid", "Trusted")
    found = json.loads(cli("verify", "--json", str(path)).stdout)
    assert found["credentials"]["agrees_with_iptc"] is True
    assert found["data_mining"].endswith("DMI-PROHIBITED-GENAIMLTRAINING")


# --- 2. credentials inside a file whose XMP lives in a sidecar ------------------------------------


def _heic(tmp_path: Path) -> Path:
    path = tmp_path / "QuickTime.heic"
    shutil.copy2(SAMPLES / "QuickTime.heic", path)
    return path


def test_a_heic_is_re_signed_when_its_policy_changes(tmp_path, jane):
    path = _signed(_heic(tmp_path), jane)

    outcome = _tag(path, NO_GENAI, _keeping(jane))

    assert outcome.status is Status.SIDECAR, outcome.reason
    assert any("re-signed" in note for note in outcome.notes)
    store = _reader(path)
    assert store["validation_state"] == "Valid" and len(store["manifests"]) == 2
    active = store["manifests"][store["active_manifest"]]
    assert [i["relationship"] for i in active["ingredients"]] == ["parentOf"]
    assert _uses(store) == c2pa.wanted_uses(c2pa.manifest(NO_GENAI))
    [found] = verify_paths([path])
    assert found.source == "sidecar" and found.agrees is True
    before = path.read_bytes()
    again = _tag(path, NO_GENAI, _keeping(jane))
    assert again.status is Status.UNCHANGED and not again.notes, again
    assert path.read_bytes() == before  # nothing to re-sign a second time
    signing = _tag(path, NO_GENAI, SignJob(jane).with_policies([NO_GENAI]))  # --c2pa
    assert signing.status is Status.UNCHANGED and not signing.notes, signing
    assert path.read_bytes() == before


def test_verify_says_stale_credentials_disagree_with_the_sidecar(tmp_path, jane):
    path = _signed(_heic(tmp_path), jane)
    # the sidecar alone changes (no identity, the user accepted it): the credentials are stale
    outcome = _tag(path, NO_GENAI, break_credentials=True)
    assert outcome.status is Status.SIDECAR, outcome.reason

    run = cli("verify", "--json", str(path))

    doc = json.loads(run.stdout)
    assert doc["source"] == "sidecar" and doc["data_mining"].endswith("GENAIMLTRAINING")
    assert doc["credentials"]["training_mining"]["ai_training"] == "notAllowed"
    assert doc["credentials"]["agrees_with_iptc"] is False


def test_a_heic_whose_credentials_cannot_be_re_signed_is_refused(tmp_path, jane):
    path = _signed(_heic(tmp_path), jane)
    sidecar = path.with_suffix(".xmp")
    image, side = path.read_bytes(), sidecar.read_bytes()
    fmt, fields = base.by_extension(path), embedded_fields(NO_GENAI)

    refused = embed.tag_with_sidecar(path, str(path), fmt, fields, TagOptions())

    assert refused.status is Status.FAILED and refused.code is Reason.CREDENTIALS_WOULD_BREAK
    assert "accept" in refused.reason
    assert path.read_bytes() == image and sidecar.read_bytes() == side  # nothing written
    # a policy whose IPTC value the credentials still agree with is no reason to refuse
    same = embed.tag_with_sidecar(
        path, str(path), fmt, embedded_fields(resolve_policy("no-tdm")), TagOptions()
    )
    assert same.status is Status.SIDECAR, same.reason
    assert path.read_bytes() == image
    # accepted: the sidecar changes, the file does not, and the outcome says they disagree
    accepted = embed.tag_with_sidecar(
        path, str(path), fmt, fields, TagOptions(break_credentials=True)
    )
    assert accepted.status is Status.SIDECAR, accepted.reason
    assert any("disagree with its sidecar" in note for note in accepted.notes)
    assert path.read_bytes() == image and "GENAIMLTRAINING" in sidecar.read_text()


def test_agreement_is_judged_on_every_use_the_iptc_value_speaks_of():
    def creds(policy) -> c2pa.Credentials:
        made = c2pa.manifest(policy)
        entries = {a["label"]: a["data"]["entries"] for a in made["assertions"]}
        return c2pa.Credentials(CredentialStatus.VALID, entries=entries)

    for policy in PRESETS.values():
        assert c2pa.agrees_with_iptc(creds(policy), data_mining_uri(policy)) is True, policy.name
    no_training = replace(NO_GENAI, name="no-training", uses={**NO_GENAI.uses, Use.AI_TRAINING: P})
    assert data_mining_uri(no_training).endswith("DMI-PROHIBITED-AIMLTRAINING")
    assert c2pa.agrees_with_iptc(creds(no_training), data_mining_uri(no_training)) is True
    # credentials that still reserve what the IPTC value in force grants say something else
    assert c2pa.agrees_with_iptc(creds(NO_AI), data_mining_uri(NO_GENAI)) is False
    assert c2pa.agrees_with_iptc(creds(NO_AI), data_mining_uri(no_training)) is False
    assert c2pa.agrees_with_iptc(creds(no_training), data_mining_uri(NO_GENAI)) is False


# --- 3. a signed TIFF whose directories loop ------------------------------------------------------


def _loop(path: Path) -> Path:
    data = bytearray(path.read_bytes())
    order, _entries, _next = tiff_ifd.read_ifd0(bytes(data))
    (first,) = struct.unpack_from(order + "I", data, 4)
    (count,) = struct.unpack_from(order + "H", data, first)
    struct.pack_into(order + "I", data, first + 2 + 12 * count, first)  # IFD0 -> IFD0
    path.write_bytes(bytes(data))
    return path


def test_a_signed_tiff_whose_directories_loop_is_unreadable_not_invalid(tmp_path, jane):
    path = _loop(_signed(make_tiff(tmp_path / "a.tif"), jane))
    data = path.read_bytes()

    run = cli("verify", "--json", str(path))

    creds = json.loads(run.stdout)["credentials"]
    assert creds["status"] == "unreadable" and creds["present"] is False, creds
    assert creds["agrees_with_iptc"] is None
    assert "Cyclic IFD" in creds["error"]
    table = cli("verify", str(path), env={"COLUMNS": "240"}).stdout
    assert "unreadable" in table and "Invalid" not in table
    # it is not tagged either, and says why
    outcome = _tag(path, NO_GENAI, _keeping(jane))
    assert outcome.status is Status.FAILED and outcome.code is Reason.DAMAGED, outcome
    assert "loops back on itself" in outcome.reason
    assert path.read_bytes() == data


# --- 4. reason codes ------------------------------------------------------------------------------


def _cut(path: Path, keep: int) -> Path:
    path.write_bytes(path.read_bytes()[:keep])
    return path


@pytest.mark.parametrize(
    "make, name, keep",
    [
        (make_jpeg, "a.jpg", 30),
        (make_png, "a.png", 40),
        (make_webp, "a.webp", -10),
        (make_tiff, "a.tif", 200),
    ],
)
def test_a_damaged_file_fails_with_the_damaged_code(tmp_path, make, name, keep):
    path = _cut(make(tmp_path / name), keep)
    data = path.read_bytes()

    outcome = tag_file(path, embedded_fields(NO_AI))

    assert outcome.status is Status.FAILED and outcome.code is Reason.DAMAGED, outcome
    assert outcome.as_json()["code"] == "DAMAGED"
    assert path.read_bytes() == data


def test_a_failed_check_after_writing_has_its_code(tmp_path):
    """exiv2 truncates the odd ExifVersion "0.2.2.0" on output; the check catches it."""
    raw = tmp_path / "shot.nef"
    shutil.copy2(SAMPLES / "Nikon.nef", raw)
    original = (SIDECARS / "XMP.xmp").read_bytes()
    (tmp_path / "shot.xmp").write_bytes(original)

    outcome = tag_file(raw, embedded_fields(NO_AI))

    assert outcome.status is Status.FAILED and "check after writing failed" in outcome.reason
    assert outcome.code is Reason.CHECK_FAILED
    assert (tmp_path / "shot.xmp").read_bytes() == original
    with pytest.raises(FileProblem) as caught:
        changes.verify(
            changes.Metadata(xmp={"Xmp.dc.title": "kept?"}),
            changes.Metadata(),
            changes.Plan(),
        )
    assert caught.value.code is Reason.CHECK_FAILED


def test_a_name_too_long_for_the_file_system_has_its_code():
    reason, code = embed._os_failure(OSError(36, "File name too long"))
    assert code is Reason.NAME_TOO_LONG and "shorten" in reason


# --- 5. rdf:about and properties nobody wrote ----------------------------------------------------

_TWO_ABOUTS = b"""<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>image/jpeg</dc:format></rdf:Description>
<rdf:Description rdf:about="uuid:other" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:Rating>3</xmp:Rating></rdf:Description>
</rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""


def _exiftool_xmp(path: Path) -> dict:
    run = subprocess.run(
        ["exiftool", "-j", "-a", "-G1", "-xmp:all", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    [doc] = json.loads(run.stdout)
    return {k: v for k, v in doc.items() if k.startswith("XMP-")}


def _with_packet(path: Path, packet: bytes) -> Path:
    source = path.with_name("packet.xmp")
    source.write_bytes(packet)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-tagsfromfile", str(source), "-xmp", str(path)],
        check=True,
    )
    source.unlink()
    return path


@pytest.mark.parametrize(
    "packet",
    [
        _TWO_ABOUTS,
        _TWO_ABOUTS.replace(b'rdf:about=""', b'rdf:about="uuid:other"'),
    ],
    ids=["second-description-named", "every-description-named"],
)
def test_a_rewrite_invents_no_property_and_keeps_the_about(tmp_path, packet):
    path = _with_packet(make_jpeg(tmp_path / "a.jpg"), packet)
    before = _exiftool_xmp(path)

    outcome = tag_file(path, embedded_fields(NO_AI))

    assert outcome.status is Status.TAGGED, outcome.reason
    after = _exiftool_xmp(path)
    assert "XMP-xmpMM:InstanceID" not in after
    assert b"InstanceID" not in path.read_bytes()
    ours = {k for k in after if k.split(":", 1)[0] in ("XMP-plus", "XMP-xmpRights")}
    ours.add("XMP-x:XMPToolkit")  # the writer's name, as every rewrite says it
    assert {k: v for k, v in after.items() if k not in ours} == before  # About included
    assert tag_file(path, embedded_fields(NO_AI)).status is Status.UNCHANGED


def test_an_instance_id_the_packet_holds_is_kept(tmp_path):
    packet = _TWO_ABOUTS.replace(
        b"<xmp:Rating>3</xmp:Rating>",
        b'<xmp:Rating>3</xmp:Rating></rdf:Description><rdf:Description rdf:about="uuid:other" '
        b'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"><xmpMM:InstanceID>xmp.iid:1234'
        b"</xmpMM:InstanceID>",
    )
    path = _with_packet(make_jpeg(tmp_path / "a.jpg"), packet)
    assert _exiftool_xmp(path)["XMP-xmpMM:InstanceID"] == "xmp.iid:1234"

    outcome = tag_file(path, embedded_fields(NO_AI))

    assert outcome.status is Status.TAGGED, outcome.reason
    assert _exiftool_xmp(path)["XMP-xmpMM:InstanceID"] == "xmp.iid:1234"


def test_through_tagging_a_signed_heic_without_an_identity_is_refused_unless_accepted(tmp_path):
    heic = tmp_path / "photo.heic"
    shutil.copyfile(SAMPLES / "QuickTime.heic", heic)
    no_ai = resolve_policy("no-ai")
    job = SignJob(identity.create("Jane Doe", save=False)).with_policies([no_ai])
    [signed] = tag_files([(heic, embedded_fields(no_ai))], options=TagOptions(credentials=job))
    assert signed.status is Status.SIDECAR, signed.reason
    files = {p: p.read_bytes() for p in tmp_path.iterdir()}
    other = embedded_fields(resolve_policy("no-genai"))

    refused = tag_file(heic, other)

    assert refused.code is Reason.CREDENTIALS_WOULD_BREAK, refused
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == files
    accepted = tag_file(heic, other, TagOptions(break_credentials=True))
    assert accepted.status is Status.SIDECAR, accepted.reason
    assert any("disagree" in note for note in accepted.notes), accepted.notes


def test_a_file_with_other_hard_links_is_refused_with_its_code(tmp_path):
    path = make_jpeg(tmp_path / "a.jpg")
    (tmp_path / "b.jpg").hardlink_to(path)
    outcome = tag_file(path, embedded_fields(resolve_policy("no-ai")))
    assert outcome.status is Status.FAILED and outcome.code is Reason.HARD_LINKS, outcome
