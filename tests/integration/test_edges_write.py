"""The edges of writing a user's file: another program's XMP, symbolic links, owners and
attributes, read-only files, Content Credentials on a re-tag, two runs at once, and the four
answers about credentials.  exiftool and c2pa-python's Reader are the independent judges."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from creatorapp.core.media import base, c2pa, foreign_xmp, tiff_ifd
from creatorapp.core.media import safe_write as sw
from creatorapp.core.media.base import FileProblem, Reason, Status
from creatorapp.core.media.c2pa import CredentialStatus, SignJob
from creatorapp.core.policy import PRESETS, resolve_policy
from creatorapp.core.policy.signals import embedded_fields
from creatorapp.core.proof import identity
from creatorapp.core.works.tagging import TagOptions, read_reservation, tag_file, tag_files
from tests.conftest import (
    SAMPLES,
    SIDECARS,
    data_mining_code,
    make_jpeg,
    make_png,
    make_tiff,
    make_webp,
    pixels,
)
from tests.integration.test_cli import cli
from tests.unprivileged import IS_ROOT, NOBODY, as_nobody, open_folder

FIELDS = embedded_fields(PRESETS["no-ai"])
CODE = "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"

MAKERS = {
    "jpeg": lambda d: make_jpeg(d / "a.jpg"),
    "png": lambda d: make_png(d / "a.png"),
    "webp": lambda d: make_webp(d / "a.webp"),
    "tiff": lambda d: make_tiff(d / "a.tif"),
}


def _packet(body: str, *, head: str = "", declare: str = "") -> str:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        f'{head}<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" {declare}>{body}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


AMPERSAND = _packet(
    "<xmp:Label>Tom & Jerry</xmp:Label><xmp:Rating>3</xmp:Rating>"
    "<dc:subject><rdf:Bag><rdf:li>cats & mice</rdf:li><rdf:li>cartoon</rdf:li></rdf:Bag>"
    "</dc:subject><dc:creator><rdf:Seq><rdf:li>Hanna & Barbera</rdf:li></rdf:Seq></dc:creator>"
)


def _with_packet(path: Path, packet: bytes) -> Path:
    """The image with ``packet`` stored where its format keeps XMP, every other byte kept."""
    data = path.read_bytes()
    fmt = base.sniff(data[:64])
    parsed = fmt.parse(data)
    path.write_bytes(fmt.splice(parsed, xmp=packet, exif_tags={}, iptc_from=None))
    return path


# --- 1. another program's XMP ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_bare_ampersand_in_foreign_xmp_is_repaired_and_every_property_kept(
    kind, tmp_path, exiftool
):
    path = _with_packet(MAKERS[kind](tmp_path), AMPERSAND.encode())
    before = exiftool(path)
    assert before["XMP-xmp:Label"] == "Tom & Jerry"  # what another program shows the user
    image = pixels(path)

    outcome = tag_file(path, FIELDS)

    assert outcome.status is Status.TAGGED, outcome.reason
    assert any("'&'" in note for note in outcome.notes)
    after = exiftool(path)
    assert data_mining_code(after) == CODE
    for key in ("XMP-xmp:Label", "XMP-xmp:Rating", "XMP-dc:Subject", "XMP-dc:Creator"):
        assert after[key] == before[key], key  # FILL fields too: the creator was not replaced
    assert pixels(path) == image
    assert read_reservation(path).reserved
    assert tag_file(path, FIELDS).status is Status.UNCHANGED


XXE_TARGET = "creatorapp-secret-never-read"
UNREPAIRABLE = {
    "undeclared-prefix": _packet("<foo:Bar>x</foo:Bar><xmp:Label>Tom</xmp:Label>").encode(),
    "doctype": _packet(
        "<xmp:Label>&e;</xmp:Label>", head='<!DOCTYPE x:xmpmeta [<!ENTITY e "Tom">]>'
    ).encode(),
    "external-entity": _packet(
        "<xmp:Label>&e;</xmp:Label>",
        head=f'<!DOCTYPE x:xmpmeta [<!ENTITY e SYSTEM "file:///{XXE_TARGET}">]>',
    ).encode(),
    "bare-less-than": _packet("<xmp:Label>1 < 2 & 3</xmp:Label>").encode(),
    # UTF-16: exiv2 cannot update the packet itself, and the fallback re-serialises from the
    # image, which reads a broken packet as empty
    "utf16-undeclared-prefix": _packet("<foo:Bar>x</foo:Bar><xmp:Label>Tom</xmp:Label>").encode(
        "utf-16-be"
    ),
}


@pytest.mark.parametrize("name", sorted(UNREPAIRABLE))
@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_foreign_xmp_that_cannot_be_repaired_leaves_the_file_byte_identical(
    name, kind, tmp_path, exiftool
):
    path = _with_packet(MAKERS[kind](tmp_path), UNREPAIRABLE[name])
    data = path.read_bytes()

    outcome = tag_file(path, FIELDS)

    assert outcome.status is Status.FAILED
    assert outcome.code is Reason.FOREIGN_XMP_UNREADABLE
    assert "re-save the file in the program that wrote it" in outcome.reason
    assert outcome.as_json()["code"] == "FOREIGN_XMP_UNREADABLE"
    assert path.read_bytes() == data
    assert XXE_TARGET not in outcome.reason


def test_foreign_xmp_exiv2_would_partly_drop_is_refused(tmp_path, exiftool):
    """exiftool's XMP6 (one prefix bound to two namespaces, an odd rdf prefix) is well-formed,
    but exiv2 keeps only part of it: the comparison of every property catches that."""
    packet = (SIDECARS / "XMP6.xmp").read_bytes()
    path = _with_packet(make_jpeg(tmp_path / "a.jpg"), packet)
    assert exiftool(path)["XMP-xmp:Rating"] == 2
    data = path.read_bytes()
    outcome = tag_file(path, FIELDS)
    assert outcome.status is Status.FAILED and outcome.code is Reason.FOREIGN_XMP_UNREADABLE
    assert "without losing" in outcome.reason
    assert path.read_bytes() == data


def _gif(path: Path) -> Path:
    Image.effect_noise((24, 16), 40).convert("P").save(path, "GIF")
    return path


def test_a_sidecar_with_a_bare_ampersand_is_repaired_and_kept(tmp_path, exiftool):
    image = _gif(tmp_path / "a.gif")
    sidecar = tmp_path / "a.xmp"
    sidecar.write_text(AMPERSAND, encoding="utf-8")
    before = exiftool(sidecar)
    assert before["XMP-xmp:Label"] == "Tom & Jerry"

    outcome = tag_file(image, FIELDS)

    assert outcome.status is Status.SIDECAR, outcome.reason
    after = exiftool(sidecar)
    assert data_mining_code(after) == CODE
    for key in ("XMP-xmp:Label", "XMP-xmp:Rating", "XMP-dc:Subject", "XMP-dc:Creator"):
        assert after[key] == before[key], key


def test_a_sidecar_that_cannot_be_parsed_is_left_as_it_is(tmp_path):
    image = _gif(tmp_path / "a.gif")
    sidecar = tmp_path / "a.xmp"
    sidecar.write_bytes(UNREPAIRABLE["undeclared-prefix"])
    outcome = tag_file(image, FIELDS)
    assert outcome.status is Status.FAILED and outcome.code is Reason.FOREIGN_XMP_UNREADABLE
    assert outcome.sidecar == str(sidecar) and "the sidecar a.xmp" in outcome.reason
    assert sidecar.read_bytes() == UNREPAIRABLE["undeclared-prefix"]


def test_the_xmp_parser_reads_no_dtd_and_resolves_no_entity(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    packet = _packet(
        "<xmp:Label>&e;</xmp:Label>",
        head=f'<!DOCTYPE x:xmpmeta [<!ENTITY e SYSTEM "{secret.as_uri()}">]>',
    ).encode()
    with pytest.raises(FileProblem) as caught:
        foreign_xmp.examine(packet)
    assert caught.value.code is Reason.FOREIGN_XMP_UNREADABLE
    assert "TOP SECRET" not in str(caught.value)


# --- 2. symbolic links (the write path) -----------------------------------------------------------


def test_a_symbolic_link_is_refused_and_its_target_untouched(tmp_path):
    target = make_jpeg(tmp_path / "real.jpg")
    data = target.read_bytes()
    link = tmp_path / "link.jpg"
    link.symlink_to(target)

    outcome = tag_file(link, FIELDS)

    assert outcome.status is Status.FAILED and outcome.code is Reason.SYMLINK
    assert f"symbolic link to {target}" in outcome.reason
    assert f"name {target} itself" in outcome.reason
    assert target.read_bytes() == data and link.is_symlink()


def test_safe_write_never_replaces_a_name_that_became_a_symbolic_link(tmp_path):
    path = tmp_path / "work.bin"
    path.write_bytes(b"original" * 1000)
    stat = os.stat(path)
    elsewhere = tmp_path / "elsewhere.bin"
    path.rename(elsewhere)  # the same file (inode, size, time) now under another name ...
    path.symlink_to(elsewhere)  # ... and a link in its place

    with pytest.raises(FileProblem) as caught:
        sw.safe_write(path, b"new bytes", expect_stat=stat)

    assert caught.value.code is Reason.SYMLINK
    assert path.is_symlink() and elsewhere.read_bytes() == b"original" * 1000
    assert not [p for p in tmp_path.iterdir() if sw.is_temp_name(p.name)]


def test_a_sidecar_that_is_a_symbolic_link_is_not_written_through(tmp_path):
    image = _gif(tmp_path / "a.gif")
    real = tmp_path / "elsewhere" / "shared.xmp"
    real.parent.mkdir()
    real.write_text(_packet("<xmp:Label>Tom</xmp:Label>"), encoding="utf-8")
    before = real.read_bytes()
    (tmp_path / "a.xmp").symlink_to(real)

    outcome = tag_file(image, FIELDS)

    assert outcome.status is Status.FAILED and outcome.code is Reason.SYMLINK
    assert (tmp_path / "a.xmp").is_symlink() and real.read_bytes() == before


# --- 3. owner, group, mode, extended attributes, ACL ----------------------------------------------

ACL = "system.posix_acl_access"


def _acl_value(uid: int) -> bytes:
    """A POSIX access ACL as the kernel stores it: owner rw, user ``uid`` rw, group r, mask rw,
    other none (version 2 header, then tag/perm/id entries in order)."""
    undefined = 0xFFFFFFFF
    entries = [(0x01, 6, undefined), (0x02, 6, uid), (0x04, 4, undefined)]
    entries += [(0x10, 6, undefined), (0x20, 0, undefined)]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def _set_xattrs(path: Path, values: dict[str, bytes]) -> None:
    try:
        for name, value in values.items():
            os.setxattr(path, name, value)
    except OSError as exc:
        pytest.skip(f"this filesystem does not keep extended attributes or ACLs ({exc})")


def _xattrs(path: Path) -> dict[str, bytes]:
    return {n: os.getxattr(path, n) for n in os.listxattr(path) if not n.startswith("security.")}


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user needs root")
def test_owner_group_mode_xattrs_and_acl_survive_a_rewrite(tmp_path, exiftool):
    path = make_jpeg(tmp_path / "a.jpg")
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, 0o640)
    _set_xattrs(
        path,
        {"user.creator": b"Jane", "user.xdg.tags": b"red,portfolio", ACL: _acl_value(NOBODY)},
    )
    before, attrs, image = os.stat(path), _xattrs(path), pixels(path)
    assert ACL in attrs

    outcome = tag_file(path, FIELDS)

    assert outcome.status is Status.TAGGED, outcome.reason
    after = os.stat(path)
    assert after.st_ino != before.st_ino  # it really was a new file ...
    assert (after.st_uid, after.st_gid, after.st_mode) == (
        before.st_uid,
        before.st_gid,
        before.st_mode,
    )  # ... that kept owner, group and mode
    assert _xattrs(path) == attrs  # every attribute, the ACL among them
    if shutil.which("getfacl"):
        acl = subprocess.run(["getfacl", "-n", str(path)], capture_output=True, text=True)
        assert f"user:{NOBODY}:rw-" in acl.stdout
    assert data_mining_code(exiftool(path)) == CODE and pixels(path) == image


@pytest.mark.skipif(not IS_ROOT, reason="the point is that root, who may write it, does not")
def test_a_read_only_file_is_refused_even_as_root_and_force_keeps_it_read_only(tmp_path, exiftool):
    path = make_jpeg(tmp_path / "a.jpg")
    path.chmod(0o444)
    data = path.read_bytes()

    refused = tag_file(path, FIELDS)
    assert refused.status is Status.FAILED and refused.code is Reason.READ_ONLY
    assert "read-only" in refused.reason and path.read_bytes() == data

    forced = tag_file(path, FIELDS, TagOptions(force=True))
    assert forced.status is Status.TAGGED, forced.reason
    assert os.stat(path).st_mode & 0o777 == 0o444
    assert data_mining_code(exiftool(path)) == CODE


@pytest.fixture
def shared_folder():
    with open_folder() as folder:
        yield folder


@pytest.mark.skipif(not IS_ROOT, reason="becoming another user needs root")
def test_an_unprivileged_user_keeps_owners_or_leaves_the_file(shared_folder, exiftool):
    theirs = make_jpeg(shared_folder / "roots.jpg", seed=1)
    theirs.chmod(0o666)  # anyone may write it, but a copy made by nobody would be nobody's
    mine = make_jpeg(shared_folder / "mine.jpg", seed=2)
    os.chown(mine, NOBODY, NOBODY)
    _set_xattrs(mine, {"user.note": b"keep me"})
    other_group = make_jpeg(shared_folder / "group.jpg", seed=3)
    os.chown(other_group, NOBODY, 0)  # nobody's file, in a group nobody is not a member of
    other_group.chmod(0o664)
    direct = make_jpeg(shared_folder / "direct.jpg", seed=4)
    direct.chmod(0o666)
    before = {p: p.read_bytes() for p in (theirs, other_group, direct)}
    tag_file(make_jpeg(shared_folder / "warm.jpg"), FIELDS)  # load every module before the fork

    def work() -> dict:
        done = {p.name: tag_file(p, FIELDS).as_json() for p in (theirs, mine, other_group)}
        try:  # safe_write itself, without the early check: the owner cannot be kept
            sw.safe_write(direct, b"x" + before[direct], expect_stat=os.stat(direct))
            done["direct"] = "written"
        except FileProblem as exc:
            done["direct"] = exc.code.value if exc.code else str(exc)
        return done

    done = as_nobody(work)

    assert done["roots.jpg"]["status"] == "failed", done
    assert done["roots.jpg"]["code"] == "OWNER_NOT_KEPT" and "root" in done["roots.jpg"]["reason"]
    assert done["group.jpg"]["code"] == "OWNER_NOT_KEPT"
    assert done["direct"] == "OWNER_NOT_KEPT"
    for path, data in before.items():
        assert path.read_bytes() == data, path
    assert os.stat(theirs).st_uid == 0 and os.stat(other_group).st_gid == 0
    assert done["mine.jpg"]["status"] == "tagged", done
    st = os.stat(mine)
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY)
    assert os.getxattr(mine, "user.note") == b"keep me"
    assert data_mining_code(exiftool(mine)) == CODE


# --- 5. Content Credentials on a re-tag -----------------------------------------------------------


def _reader(path: Path) -> dict:
    import c2pa as c2pa_python

    with (
        c2pa_python.Context(c2pa_python.Settings.from_dict({})) as ctx,
        c2pa_python.Reader(str(path), context=ctx) as reader,
    ):
        return json.loads(reader.json())


def _labels(store: dict) -> set[str]:
    return {a["label"] for a in store["manifests"][store["active_manifest"]]["assertions"]}


def test_retagging_a_signed_file_re_signs_it(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    path = make_jpeg(photos / "a.jpg")
    assert cli("identity", "create", "--name", "Jane Doe").returncode == 0
    first = cli("tag", str(photos), "--c2pa", "--policy", "no-ai", "--json")
    assert json.loads(first.stdout)["status"] == "tagged", first.stdout + first.stderr

    retag = cli("tag", str(photos), "--policy", "allow", "--json")

    assert retag.returncode == 0, retag.stdout + retag.stderr
    doc = json.loads(retag.stdout)
    assert doc["status"] == "tagged" and any("re-signed" in n for n in doc["notes"])
    store = _reader(path)
    assert store["validation_state"] in ("Valid", "Trusted"), store.get("validation_results")
    assert {"cawg.training-mining", "c2pa.training-mining"} <= _labels(store)
    active = store["manifests"][store["active_manifest"]]
    assert [i["relationship"] for i in active["ingredients"]] == ["parentOf"]
    assert len(store["manifests"]) == 2
    uses = c2pa.read_path(path, "jpeg").uses()
    assert set(uses.values()) == {"allowed"}  # what the new policy says
    again = cli("tag", str(photos), "--c2pa", "--policy", "allow", "--json")
    assert json.loads(again.stdout)["status"] == "unchanged", again.stdout  # nothing to blame


def test_retagging_a_signed_file_without_an_identity_is_refused_unless_accepted(tmp_path):
    path = make_jpeg(tmp_path / "a.jpg")
    policy = resolve_policy("no-ai")
    job = SignJob(identity.create("Jane Doe", save=False)).with_policies([policy])
    [signed] = list(
        tag_files([(path, embedded_fields(policy))], options=TagOptions(credentials=job), jobs=1)
    )
    assert signed.status is Status.TAGGED, signed.reason
    data = path.read_bytes()
    other = embedded_fields(resolve_policy("allow"))

    run = cli("tag", str(path), "--policy", "allow", "--json")  # this data folder: no identity

    doc = json.loads(run.stdout)
    assert run.returncode == 1 and doc["status"] == "failed", doc
    assert doc["code"] == "CREDENTIALS_WOULD_BREAK" and "--break-credentials" in doc["advice"]
    assert "creatorapp" not in doc["reason"] and "--" not in doc["reason"]  # words for any shell
    assert path.read_bytes() == data
    [accepted] = list(
        tag_files([(path, other)], options=TagOptions(break_credentials=True), jobs=1)
    )
    assert accepted.status is Status.TAGGED, accepted.reason
    assert any("as accepted" in n for n in accepted.notes)
    assert _reader(path)["validation_state"] == "Invalid"  # as the user was told


def test_break_credentials_on_the_command_line_is_what_lets_a_signed_file_be_retagged(tmp_path):
    path = make_jpeg(tmp_path / "a.jpg")
    policy = resolve_policy("no-ai")
    job = SignJob(identity.create("Jane Doe", save=False)).with_policies([policy])
    list(tag_files([(path, embedded_fields(policy))], options=TagOptions(credentials=job)))
    image = pixels(path)

    run = cli("tag", str(path), "--policy", "allow", "--break-credentials", "--json")

    doc = json.loads(run.stdout)
    assert run.returncode == 0 and doc["status"] == "tagged", doc
    assert _reader(path)["validation_state"] == "Invalid" and pixels(path) == image


# --- 10. two runs at once -------------------------------------------------------------------------


def test_two_tag_runs_on_one_folder_write_each_file_once(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    paths = [make_jpeg(photos / f"w{i:03}.jpg", size=(24, 16), seed=i) for i in range(150)]
    image = {p: pixels(p) for p in paths}
    runs = []
    for n in (1, 2):
        data = tmp_path / f"data{n}"
        data.mkdir()
        env = {
            **os.environ,
            "CREATORAPP_DATA_DIR": str(data),
            "CREATORAPP_CATALOGUE": str(data / "catalogue.sqlite3"),
        }
        runs.append(
            subprocess.Popen(
                [sys.executable, "-m", "creatorapp", "tag", str(photos), "--json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    results = [run.communicate(timeout=300) for run in runs]

    docs = []
    for run, (out, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err + out[:2000]
        docs += [json.loads(line) for line in out.splitlines()]
    assert not [d for d in docs if d["status"] == "failed"]
    written: dict[str, int] = {}
    for d in docs:
        written[d["path"]] = written.get(d["path"], 0) + (d["status"] == "tagged")
    assert written == {str(p): 1 for p in paths}  # each file written by exactly one run
    for p in paths:
        assert pixels(p) == image[p] and read_reservation(p).reserved
    assert not [p for p in photos.iterdir() if sw.is_temp_name(p.name)]


# --- 16. four answers about Content Credentials ---------------------------------------------------


def _looping_tiff(path: Path) -> Path:
    make_tiff(path)
    data = bytearray(path.read_bytes())
    order, _entries, _next = tiff_ifd.read_ifd0(bytes(data))
    (first,) = struct.unpack_from(order + "I", data, 4)
    (count,) = struct.unpack_from(order + "H", data, first)
    struct.pack_into(order + "I", data, first + 2 + 12 * count, first)  # IFD0 -> IFD0
    path.write_bytes(bytes(data))
    return path


def test_verify_tells_absent_valid_invalid_and_unreadable_apart(tmp_path):
    looping = _looping_tiff(tmp_path / "loop.tif")
    make_jpeg(tmp_path / "plain.jpg", seed=1)
    good = make_jpeg(tmp_path / "good.jpg", seed=2)
    bad = make_jpeg(tmp_path / "bad.jpg", seed=3)
    policy = resolve_policy("no-ai")
    job = SignJob(identity.create("Jane Doe", save=False)).with_policies([policy])
    for p in (good, bad):
        [o] = list(
            tag_files([(p, embedded_fields(policy))], options=TagOptions(credentials=job), jobs=1)
        )
        assert o.status is Status.TAGGED, o.reason
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-XMP-dc:Title=edited", str(bad)], check=True
    )

    run = cli("verify", str(tmp_path), "--json")

    assert run.returncode == 0, run.stderr
    docs = [json.loads(line) for line in run.stdout.splitlines()]
    found = {Path(d["path"]).name: d["credentials"] for d in docs}
    assert found["loop.tif"]["status"] == "unreadable" and found["loop.tif"]["present"] is False
    assert "Cyclic IFD" in found["loop.tif"]["error"]
    assert found["plain.jpg"]["status"] == "absent"
    assert found["good.jpg"]["status"] == "valid" and found["good.jpg"]["present"] is True
    assert found["bad.jpg"]["status"] == "invalid" and found["bad.jpg"]["present"] is True
    assert c2pa.read_path(looping, "tiff").status is CredentialStatus.UNREADABLE
    table = cli("verify", str(looping), env={"COLUMNS": "240"}).stdout
    assert "unreadable" in table and "Invalid" not in table


# --- decompression bombs --------------------------------------------------------------------------


def _png_with_compressed_xmp(path: Path, padding: int) -> Path:
    """A PNG whose compressed XMP chunk unpacks to ``padding`` bytes and more: a few hundred
    kilobytes on disk."""
    import io
    import zlib

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buf, "PNG")
    png = buf.getvalue()
    packet = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
        + b" " * padding
        + b'<?xpacket end="w"?>'
    )
    body = b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + zlib.compress(packet, 9)
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + body))
    path.write_bytes(png[:33] + chunk + png[33:])
    return path


@pytest.mark.parametrize("unpacked_mb", [20, 256])
def test_a_decompression_bomb_is_refused_within_bounded_memory(tmp_path, unpacked_mb):
    import resource

    bomb = _png_with_compressed_xmp(tmp_path / "bomb.png", unpacked_mb << 20)
    data = bomb.read_bytes()
    assert len(data) < 2 << 20

    def bounded_memory() -> None:  # the app with its libraries needs far less than this
        resource.setrlimit(resource.RLIMIT_AS, (768 << 20, 768 << 20))

    run = subprocess.run(
        [sys.executable, "-m", "creatorapp", "tag", str(bomb), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=bounded_memory,
        env=os.environ,
    )
    doc = json.loads(run.stdout)
    assert run.returncode == 1 and doc["status"] == "failed", run.stdout + run.stderr
    assert "Traceback" not in run.stderr and doc["reason"]
    assert bomb.read_bytes() == data


def test_our_own_reading_of_compressed_xmp_stops_at_16_mb():
    import zlib

    from creatorapp.core.media.png import XMP_LIMIT, _inflate

    assert _inflate(zlib.compress(b" " * XMP_LIMIT)) == b" " * XMP_LIMIT
    with pytest.raises(FileProblem, match="more than 16 MB"):
        _inflate(zlib.compress(b" " * (XMP_LIMIT + 1)))


# --- folders: read-only ones, and who owns what the app adds ---------------------------------


def test_a_read_only_folder_is_left_alone_unless_forced(tmp_path, exiftool):
    folder = tmp_path / "finished"
    folder.mkdir()
    photo = make_jpeg(folder / "a.jpg")
    raw = folder / "b.cr2"
    shutil.copyfile(SAMPLES / "CanonRaw.cr2", raw)
    before = {p: p.read_bytes() for p in (photo, raw)}
    folder.chmod(0o555)
    try:
        refused = [tag_file(p, FIELDS) for p in (photo, raw)]
        assert [o.code for o in refused] == [Reason.READ_ONLY, Reason.READ_ONLY], refused
        assert all("folder is read-only" in o.reason for o in refused)
        assert {p: p.read_bytes() for p in before} == before
        assert sorted(os.listdir(folder)) == ["a.jpg", "b.cr2"]  # no sidecar either

        forced = tag_file(photo, FIELDS, TagOptions(force=True))
        assert forced.status is Status.TAGGED, forced.reason
        assert data_mining_code(exiftool(photo)) == CODE
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user needs root")
def test_a_sidecar_added_by_root_belongs_to_the_folders_owner(tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir()
    raw = folder / "b.cr2"
    shutil.copyfile(SAMPLES / "CanonRaw.cr2", raw)
    os.chown(folder, NOBODY, NOBODY)
    os.chown(raw, NOBODY, NOBODY)

    outcome = tag_file(raw, FIELDS)

    assert outcome.status is Status.SIDECAR, outcome.reason
    sidecar = os.stat(outcome.sidecar)
    assert (sidecar.st_uid, sidecar.st_gid) == (NOBODY, NOBODY)


def test_what_a_file_gets_does_not_depend_on_what_was_read_before_it(tmp_path):
    """Photo Mechanic writes xmpRights under the old prefix ``xapRights``; exiv2's registry is
    process-wide, so after reading such a file every later packet used to say ``xapRights:``."""
    shutil.copyfile(SAMPLES / "PhotoMechanic.jpg", tmp_path / "pm.jpg")
    assert tag_file(tmp_path / "pm.jpg", FIELDS).status is Status.TAGGED
    later = make_jpeg(tmp_path / "later.jpg", seed=3)
    assert tag_file(later, FIELDS).status is Status.TAGGED
    assert b"xmpRights:Marked" in later.read_bytes()
    assert b"xapRights" not in later.read_bytes()
