"""Content Credentials: signed last in the same safe write, read back with our reader and with
c2pa-python's own Reader, pixels and other metadata kept, earlier credentials kept as the
parent, edits after signing reported as Invalid and never silently replaced."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from creatorapp.core.media import c2pa as credentials
from creatorapp.core.media.c2pa import SignJob
from creatorapp.core.policy import PRESETS, resolve_policy
from creatorapp.core.policy.signals import data_mining_uri, embedded_fields
from creatorapp.core.proof import identity
from creatorapp.core.works.tagging import TagOptions, tag_files, verify_paths
from tests.conftest import make_jpeg
from tests.integration.test_cli import cli

FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "tif": "TIFF"}


def _image(path: Path, fmt: str, seed: int = 1) -> Path:
    im = Image.effect_noise((120, 90), 30 + seed).convert("RGB")
    im.save(path, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    return path


def _pixels(path: Path) -> bytes:
    with Image.open(path) as im:
        return im.convert("RGB").tobytes()


def _sign(paths, policy_name="no-ai", **kw):
    policy = resolve_policy(policy_name)
    job = SignJob(identity.load()).with_policies([policy])
    options = TagOptions(credentials=job, **kw)
    return list(tag_files([(p, embedded_fields(policy)) for p in paths], options=options, jobs=1))


def _reader_state(path: Path, trust: bytes | None) -> tuple[str, list[str]]:
    """c2pa-python's own Reader: the independent check."""
    import c2pa

    settings = {"trust": {"trust_anchors": trust.decode()}} if trust else {}
    with (
        c2pa.Context(c2pa.Settings.from_dict(settings)) as ctx,
        c2pa.Reader(str(path), context=ctx) as reader,
    ):
        store = json.loads(reader.json())
    active = store["manifests"][store["active_manifest"]]
    return store["validation_state"], [a["label"] for a in active["assertions"]]


@pytest.fixture
def signer():
    return identity.create("Jane Doe", email="jane@jane.example")


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_sign_and_read_back_per_format(tmp_path, signer, ext):
    path = _image(tmp_path / f"a.{ext}", FORMATS[ext])
    pixels, size = _pixels(path), path.stat().st_size
    [outcome] = _sign([path])
    assert outcome.status.value == "tagged", outcome.reason
    assert _pixels(path) == pixels
    grown = path.stat().st_size - size
    assert grown < 12_000  # no thumbnail: a few kilobytes of XMP and credentials
    state, labels = _reader_state(path, signer.ca_pem)
    assert state == "Trusted" and {"cawg.training-mining", "c2pa.training-mining"} <= set(labels)
    assert _reader_state(path, None)[0] == "Valid"  # without trusting the creator's own CA
    exif = subprocess.run(
        ["exiftool", "-s3", "-n", "-XMP-plus:DataMining", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert exif.stdout.strip() == data_mining_uri(resolve_policy("no-ai"))
    [found] = verify_paths([path])
    assert found.credentials.state == "Trusted" and found.agrees is True
    assert found.credentials.uses()["ai_generative_training"] == "notAllowed"


def test_a_second_run_is_unchanged_and_a_new_policy_keeps_the_earlier_manifest(tmp_path, signer):
    path = make_jpeg(tmp_path / "a.jpg")
    _sign([path])
    before = path.read_bytes()
    [again] = _sign([path])
    assert again.status.value == "unchanged" and path.read_bytes() == before
    [changed] = _sign([path], "no-genai", force=True)
    assert changed.status.value == "tagged"
    read = credentials.read_path(path, "jpeg", signer.ca_pem)
    assert read.manifests == 2 and read.state == "Trusted"
    assert read.uses()["ai_generative_training"] == "notAllowed"
    assert read.uses()["data_mining"] == "allowed"


def test_credentials_edited_after_signing_are_reported_and_left_alone(tmp_path, signer):
    path = make_jpeg(tmp_path / "a.jpg")
    _sign([path])
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-XMP-dc:Title=edited", str(path)], check=True
    )
    edited = path.read_bytes()
    [found] = verify_paths([path])
    assert found.credentials.state == "Invalid"
    assert any("mismatch" in f for f in found.credentials.failures)
    [outcome] = _sign([path])
    assert outcome.status.value == "failed" and "invalid" in outcome.reason
    assert path.read_bytes() == edited  # byte for byte


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_iptc_and_credentials_agree_for_every_preset(preset, signer):
    policy = resolve_policy(preset)
    buf = io.BytesIO()
    Image.effect_noise((32, 24), 40).convert("RGB").save(buf, "JPEG")
    signed = credentials.sign(buf.getvalue(), "jpeg", credentials.manifest(policy), signer)
    read = credentials.read_bytes(signed, "jpeg", signer.ca_pem)
    assert read.state == "Trusted"
    assert read.entries["c2pa.training-mining"].keys() == {
        "c2pa." + k for k in read.uses()
    }  # both labels, the same choices
    # every preset's IPTC value speaks of these uses, so the two must agree, not just not clash
    assert credentials.agrees_with_iptc(read, data_mining_uri(policy)) is True
    if data_mining_uri(policy).endswith(("DMI-PROHIBITED", "DMI-ALLOWED")):
        assert credentials.agrees_with_iptc(read, data_mining_uri(policy)) is True


def test_the_cli_signs_a_folder_and_keeps_the_key_out_of_every_file(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i, ext in enumerate(sorted(FORMATS)):
        _image(photos / f"w{i}.{ext}", FORMATS[ext], seed=i)
    missing = cli("tag", str(photos), "--c2pa")
    assert missing.returncode == 2 and "no signing identity" in missing.stderr
    made = cli("identity", "create", "--name", "Jane Doe")
    assert made.returncode == 0 and "Self-issued" in made.stdout
    run = cli("tag", str(photos), "--c2pa", "--json")
    assert run.returncode == 0, run.stderr
    assert {json.loads(x)["status"] for x in run.stdout.splitlines()} == {"tagged"}
    docs = [json.loads(x) for x in cli("verify", str(photos), "--json").stdout.splitlines()]
    assert len(docs) == 4
    assert all(d["credentials"]["state"] == "Trusted" for d in docs)
    assert all(d["credentials"]["agrees_with_iptc"] for d in docs)
    ca = (Path(os.environ["CREATORAPP_DATA_DIR"]) / "identity" / "ca.pem").read_bytes()
    for d in docs:  # and c2pa-python's own Reader agrees, file by file
        state, labels = _reader_state(Path(d["path"]), ca)
        assert state == "Trusted"
        assert {"cawg.training-mining", "c2pa.training-mining"} <= set(labels)
    keyring = Path(os.environ["CREATORAPP_TEST_KEYRING"])
    assert "PRIVATE KEY" in keyring.read_text()  # the key is in the keyring ...
    data = Path(os.environ["CREATORAPP_DATA_DIR"])
    for f in [*data.rglob("*"), *photos.iterdir()]:
        if f.is_file() and f != keyring:
            assert b"PRIVATE KEY" not in f.read_bytes(), f  # ... and nowhere else
    shown = json.loads(cli("identity", "show", "--json").stdout)
    assert shown["self_issued"] is True and "CN=Jane Doe" in shown["subject"]


def test_importing_your_own_certificate_as_pem_or_pkcs12(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    made = identity.create("Studio Test", organisation="Studio")  # stands in for a CA's cert
    chain = tmp_path / "chain.pem"
    chain.write_bytes(made.chain_pem + made.ca_pem)  # a root in the file is left out
    key = serialization.load_pem_private_key(made.key_pem, None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"open sesame"),
    )
    (tmp_path / "key.pem").write_bytes(encrypted)
    wrong = cli("identity", "import", str(chain), "--key", str(tmp_path / "key.pem"),
                "--passphrase-stdin", input="nope\n")  # fmt: skip
    assert wrong.returncode == 2 and "cannot read the certificate or key" in wrong.stderr
    ok = cli("identity", "import", str(chain), "--key", str(tmp_path / "key.pem"),
             "--passphrase-stdin", input="open sesame\n")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    imported = identity.load()
    assert not imported.self_issued and imported.ca_pem is None
    assert imported.chain_pem == made.chain_pem

    from cryptography import x509

    leaf = x509.load_pem_x509_certificate(made.chain_pem)
    p12 = tmp_path / "me.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"me", key, leaf, None, serialization.BestAvailableEncryption(b"pw")
        )
    )
    assert identity.import_files(p12, passphrase="pw").subject == imported.subject
    path = make_jpeg(tmp_path / "a.jpg")
    [outcome] = _sign([path])
    assert outcome.status.value == "tagged"
    read = credentials.read_path(path, "jpeg", made.ca_pem)
    assert read.state == "Trusted" and read.signer == "Studio Test"
    assert credentials.read_path(path, "jpeg").state == "Valid"  # untrusted anchor: Valid only


@pytest.mark.parametrize("name", ["QuickTime.heic", "GIF.gif", "made.avif"])
def test_sidecar_formats_get_credentials_inside_the_file(tmp_path, signer, name):
    from tests.conftest import SAMPLES

    path = tmp_path / name
    if name == "made.avif":
        Image.effect_noise((64, 48), 40).convert("RGB").save(path, "AVIF")
    else:
        path.write_bytes((SAMPLES / name).read_bytes())
    decodable = name != "QuickTime.heic"  # Pillow here decodes AVIF and GIF, not HEIC
    pixels = _pixels(path) if decodable else None
    [outcome] = _sign([path])
    assert outcome.status.value in ("sidecar", "tagged"), outcome.reason
    assert "Content Credentials signed in the file" in outcome.notes
    assert path.with_suffix(".xmp").exists()  # the XMP still goes to the sidecar
    state, labels = _reader_state(path, signer.ca_pem)
    assert state == "Trusted" and "cawg.training-mining" in labels
    if decodable:
        assert _pixels(path) == pixels
    [found] = verify_paths([path])
    assert found.source == "sidecar" and found.credentials.state == "Trusted"
    assert found.agrees is True
    before = path.read_bytes()
    [again] = _sign([path])
    assert again.status.value == "unchanged" and path.read_bytes() == before


def test_a_policy_that_asks_for_credentials_signs_its_folder_without_the_flag(tmp_path):
    from creatorapp.core.catalogue import open_catalogue
    from creatorapp.core.works.portfolio import Portfolio

    policies = Path(os.environ["CREATORAPP_CONFIG_DIR"]) / "policies"
    policies.mkdir(parents=True, exist_ok=True)
    policy_file = policies / "signed.toml"
    policy_file.write_text('name = "signed"\nextends = "no-ai"\ncontent_credentials = true\n')
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ncontent_credentials = "yes"\n')
    assert "must be true or false" in cli("policy", "show", str(bad)).stderr
    photos = tmp_path / "photos"
    photos.mkdir()
    path = make_jpeg(photos / "a.jpg")
    store = open_catalogue(tmp_path / "c.sqlite3")
    portfolio = Portfolio(store)
    portfolio.add_folder(photos, policy="signed")
    # no identity yet: the work is tagged, and the ledger says why it was not signed
    outcomes = list(portfolio.process(portfolio.scan().due))
    assert [o.status.value for o in outcomes] == ["tagged"]
    assert not credentials.read_path(path, "jpeg").present
    [why] = list(store.events(kind="credentials.unavailable"))
    assert "no signing identity" in why.data["why"]
    made = identity.create("Jane Doe")
    outcomes = list(portfolio.tag([photos], None))
    assert [o.status.value for o in outcomes] == ["tagged"]
    read = credentials.read_path(path, "jpeg", made.ca_pem)
    assert read.state == "Trusted" and read.uses()["ai_training"] == "notAllowed"
    store.close()


def test_a_camera_file_keeps_every_tag_we_do_not_own(tmp_path, signer):
    from tests.conftest import SAMPLES

    path = tmp_path / "nikon.jpg"
    path.write_bytes((SAMPLES / "Nikon.jpg").read_bytes())
    pixels = _pixels(path)

    def tags(p):
        out = subprocess.run(
            ["exiftool", "-j", "-G1", "-n", "-a", "-EXIF:all", "-MakerNotes:all", str(p)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        doc = json.loads(out.stdout)[0]
        # our two fields, and where the thumbnail sits (its bytes are compared below)
        ours = ("IFD0:Copyright", "IFD0:Artist", "SourceFile", "IFD1:ThumbnailOffset")
        return {k: v for k, v in doc.items() if k not in ours}

    def thumbnail(p):
        return subprocess.run(
            ["exiftool", "-m", "-b", "-ThumbnailImage", str(p)], capture_output=True, check=True
        ).stdout

    before, thumb = tags(path), thumbnail(path)
    assert thumb
    [outcome] = _sign([path])
    assert outcome.status.value == "tagged", outcome.reason
    assert _pixels(path) == pixels
    assert tags(path) == before  # maker notes and every EXIF tag but ours, unchanged
    assert thumbnail(path) == thumb
    assert credentials.read_path(path, "jpeg", signer.ca_pem).state == "Trusted"


def test_a_timestamp_server_is_asked_when_set_and_its_failure_leaves_the_file(tmp_path, signer):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    asked: list[tuple[str, int]] = []

    class Tsa(BaseHTTPRequestHandler):  # a timestamp server that is having a bad day
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            asked.append((self.headers.get("Content-Type"), len(body)))
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tsa)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
        bad = cli("identity", "timestamp", "ftp://nowhere")
        assert bad.returncode == 2 and "not a timestamp server" in bad.stderr
        assert identity.set_timestamp_url(url).describe()["timestamp_url"] == url
        path = make_jpeg(tmp_path / "a.jpg")
        original = path.read_bytes()
        [outcome] = _sign([path])
        assert outcome.status.value == "failed" and "timestamp server" in outcome.reason
        assert path.read_bytes() == original
        assert asked and asked[0][0] == "application/timestamp-query"
        assert identity.set_timestamp_url(None).timestamp_url is None
        [outcome] = _sign([path])
        assert outcome.status.value == "tagged" and len(asked) == 1  # offline again
    finally:
        server.shutdown()
        server.server_close()


def _source_type(path: Path) -> str:
    """The digitalSourceType of the creating action, read with c2pa-python's Reader."""
    import c2pa

    with c2pa.Reader(str(path)) as reader:
        store = json.loads(reader.json())
    active = store["manifests"][store["active_manifest"]]
    actions = [
        action
        for a in active["assertions"]
        if a["label"].startswith("c2pa.actions")
        for action in a["data"]["actions"]
    ]
    return next(a["digitalSourceType"] for a in actions if a["action"] == "c2pa.created")


def test_a_photograph_is_a_capture_and_a_drawing_a_creation(tmp_path, signer):
    """A camera file (EXIF Make/Model) is signed as digitalCapture; saying a photograph was
    made on a computer would misstate its origin."""
    from tests.conftest import SAMPLES

    photo = tmp_path / "canon.jpg"
    photo.write_bytes((SAMPLES / "Canon.jpg").read_bytes())
    drawing = _image(tmp_path / "drawing.png", "PNG")
    outcomes = _sign([photo, drawing])
    assert [o.status.value for o in outcomes] == ["tagged", "tagged"], outcomes
    iptc = "http://cv.iptc.org/newscodes/digitalsourcetype/"
    assert _source_type(photo) == iptc + "digitalCapture"
    assert _source_type(drawing) == iptc + "digitalCreation"
