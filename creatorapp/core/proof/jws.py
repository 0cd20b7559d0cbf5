"""Compact JWS (RFC 7515) signatures made with the creator's signing identity, for registries that
take a signed declaration (Liccium's TDM·AI registry: ES256, the certificate chain in ``x5c``).

The same key and certificates sign the Content Credentials, so a declaration and the credentials
in the files name the same creator.  The declarer's DID defaults to a ``did:key`` made from the
certificate's public key (W3C did:key method, P-256 multicodec 0x1200), which anyone can check
against the ``x5c`` certificate without asking anyone.
"""

from __future__ import annotations

import base64
import json

from creatorapp.core.proof.identity import NO_IDENTITY, Identity, IdentityError, folder

_P256_MULTICODEC = bytes([0x80, 0x24])  # varint of 0x1200, p256-pub
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
NOT_P256 = (
    "the signing identity uses {algorithm}, and the registry takes ES256 signatures only "
    "(an EC P-256 key): make a personal identity here, or import an EC P-256 certificate "
    "and key"
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def canonical(doc: dict) -> bytes:
    """The bytes a payload is signed as: compact, keys in order, UTF-8."""
    return json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _certificates(chain_pem: bytes) -> list:
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise IdentityError(f"the signing certificate cannot be read ({exc})") from None
    if not certs:
        raise IdentityError("the signing identity holds no certificate")
    return certs


def x5c(chain_pem: bytes) -> list[str]:
    """The chain for the ``x5c`` header: base64 (not base64url) DER, the signer's first."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return [
        base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii")
        for c in _certificates(chain_pem)
    ]


def did_key(chain_pem: bytes) -> str:
    """``did:key:zDn...`` for the signer's P-256 public key (compressed point)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = _certificates(chain_pem)[0].public_key()
    if not (isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"):
        raise IdentityError(NOT_P256.format(algorithm=type(key).__name__))
    point = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return "did:key:z" + _base58(_P256_MULTICODEC + point)


def public_did() -> str:
    """The did:key of the stored identity, read from its public certificate alone (the key is
    not opened: showing what will be declared needs no passphrase)."""
    try:
        chain = (folder() / "chain.pem").read_bytes()
    except FileNotFoundError:
        raise IdentityError(
            "no signing identity yet: declarations are signed with it; make one, or import "
            "your own certificate and key",
            code=NO_IDENTITY,
        ) from None
    except OSError as exc:
        raise IdentityError(f"the signing identity cannot be read ({exc.strerror})") from None
    return did_key(chain)


def sign_es256(payload: bytes, identity: Identity, *, typ: str = "JWT") -> str:
    """``header.payload.signature`` with alg ES256 and the identity's chain in ``x5c``."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = serialization.load_pem_private_key(identity.key_pem, None)
    if not (isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"):
        raise IdentityError(NOT_P256.format(algorithm=identity.algorithm or "another key type"))
    header = {"alg": "ES256", "typ": typ, "x5c": x5c(identity.chain_pem)}
    signing_input = f"{b64url(canonical(header))}.{b64url(payload)}".encode("ascii")
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # JWS wants r || s, not DER
    return f"{signing_input.decode('ascii')}.{b64url(raw)}"


def _base58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out
