"""The parts of a TDM·AI declaration made here: a work's ISCC (whose Content-Code survives
stripped metadata), ES256 signatures with the creator's identity, the declarer's did:key, and
RFC 3161 timestamps."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from creatorapp.core.proof import identity, jws
from creatorapp.core.proof.timestamp import TimestampError, stamp
from creatorapp.core.works import iscc
from tests.conftest import make_jpeg
from tests.servers import tdmai
from tests.servers.tsa import TsaStandIn


def _without_exif(jpeg: bytes) -> bytes:
    """The same JPEG with its APP1 (EXIF/XMP) segments cut out: pixels untouched."""
    out, i = bytearray(jpeg[:2]), 2
    while jpeg[i] == 0xFF and jpeg[i + 1] not in (0xDA, 0xD9):
        length = int.from_bytes(jpeg[i + 2 : i + 4], "big")
        if jpeg[i + 1] != 0xE1:
            out += jpeg[i : i + 2 + length]
        i += 2 + length
    return bytes(out + jpeg[i:])


def test_the_content_code_survives_stripped_metadata_and_the_instance_code_does_not(tmp_path):
    exif = Image.Exif()
    exif[0x010E] = "Harbour at dawn, all rights reserved"  # ImageDescription
    exif[0x8298] = "(c) Jane Doe"  # Copyright
    tagged = make_jpeg(tmp_path / "a.jpg", exif=exif.tobytes()).read_bytes()
    stripped = _without_exif(tagged)
    assert stripped != tagged and b"Jane Doe" not in stripped
    with Image.open(io.BytesIO(tagged)) as a, Image.open(io.BytesIO(stripped)) as b:
        assert a.tobytes() == b.tobytes()  # the cut left the pixels as they were
    one, two = iscc.of_bytes(tagged, "harbour"), iscc.of_bytes(stripped, "harbour")
    assert iscc.CODE_FORM.match(one.code) and one.mediatype == "image/jpeg"
    assert one.content == two.content  # what a registry finds the work by
    assert one.units[3] != two.units[3] and one.code != two.code
    assert iscc.name_of(tmp_path / "harbour_at  dawn.jpg") == "harbour at dawn"


def test_a_file_that_is_no_image_gets_a_clear_refusal(tmp_path):
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a picture")
    with pytest.raises(iscc.IsccError, match=r"notes\.jpg is not an image this version can"):
        iscc.of_file(notes)
    with pytest.raises(iscc.IsccError, match="cannot read"):
        iscc.of_file(tmp_path / "missing.jpg")


def test_an_es256_signature_carries_the_chain_and_verifies_with_its_certificate():
    made = identity.create("Jane Doe", save=False)
    token = jws.sign_es256(jws.canonical({"iscc": "ISCC:X", "n": 1}), made)
    header, payload, cert = tdmai.verify_jws(token)  # the stand-in's own checks
    assert header["alg"] == "ES256" and len(header["x5c"]) == 1
    assert payload == {"iscc": "ISCC:X", "n": 1}
    did = jws.did_key(made.chain_pem)
    assert did.startswith("did:key:zDn") and did == tdmai.did_key_of(cert)
    head, body, sig = token.split(".")
    other = jws.b64url(jws.canonical({"iscc": "ISCC:Y", "n": 1}))
    forged = f"{head}.{other}.{sig}"
    with pytest.raises(tdmai.Refused) as caught:
        tdmai.verify_jws(forged)
    assert caught.value.doc["error"] == "Invalid signature"
    assert json.loads(base64.urlsafe_b64decode(body + "==")) == payload


def test_the_did_key_is_the_published_p256_test_vector():
    """did:key test vector (P-256, JWK x igrF…, y …JIM) as did:key implementations publish it."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    x = base64.urlsafe_b64decode("igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns=")
    y = base64.urlsafe_b64decode("efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM=")
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
    ).public_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vector")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
    )
    vector = "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv"
    assert jws.did_key(cert.public_bytes(Encoding.PEM)) == vector
    assert tdmai.did_key_of(cert) == vector  # the stand-in's own encoder agrees


def test_a_key_the_registry_cannot_take_is_refused_in_words():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    made = identity.create("Jane Doe", save=False)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    rsa_identity = identity.Identity(made.chain_pem, pem, None, False, "CN=Jane Doe", "ps256", None)
    with pytest.raises(identity.IdentityError, match=r"ES256 signatures only .*EC P-256"):
        jws.sign_es256(b"{}", rsa_identity)
    with pytest.raises(identity.IdentityError, match="no signing identity yet"):
        jws.public_did()  # nothing stored in this test's data folder


def test_a_timestamp_is_for_the_bytes_asked_and_a_failing_server_is_named():
    from rfc3161_client import VerifierBuilder, decode_timestamp_response

    tsa = TsaStandIn()
    try:
        got = stamp(b"header.payload.signature", tsa.url)
        verifier = VerifierBuilder().add_root_certificate(tsa.root).build()
        assert verifier.verify_message(
            decode_timestamp_response(got.tsr), b"header.payload.signature"
        )
        tsa.fail_next = [503]
        with pytest.raises(TimestampError, match=f"{tsa.url} answered 503"):
            stamp(b"x", tsa.url)
    finally:
        tsa.stop()
    with pytest.raises(TimestampError, match="timestamp server: "):
        stamp(b"x", tsa.url)  # nobody listens there now
