"""The creator's signing identity for Content Credentials.

Either their own certificate and key (imported from PEM or PKCS#12), or a personal identity made
here: a local root CA and a leaf certificate in the creator's name.  The latter is self-issued:
our reader calls it Trusted because the creator's own CA is trusted locally; public verifiers
will show it as unrecognised, and the app says so.

Certificates (public) live in ``<data dir>/identity/``; the private key lives only where
``secrets`` keeps secrets: the system keyring, or, with no keyring, the file encrypted with the
creator's passphrase.  It never goes into the catalogue, logs or exports, and never to disk
unencrypted; worker processes get it in memory with the job.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from creatorapp.core import secrets
from creatorapp.core.catalogue.location import data_dir, private_folder
from creatorapp.errors import UserError

KEY_NAME = "signing-key"


class IdentityError(UserError):
    """A signing identity that cannot be made, imported or used."""


NO_IDENTITY = "no-identity"  # the code of the error that says there is none yet
NO_KEY = "no-key"  # a PEM certificate was given without its private key


@dataclass(frozen=True)
class Identity:
    chain_pem: bytes  # leaf first, then intermediates (not the root)
    key_pem: bytes = field(repr=False)  # never printed, logged or shown in a traceback
    ca_pem: bytes | None  # the self-issued root, trusted locally
    self_issued: bool
    subject: str
    algorithm: str  # es256, es384, ps256, ed25519 ...
    timestamp_url: str | None = None  # an RFC 3161 server; None: signed offline

    def describe(self) -> dict:
        return {
            "subject": self.subject,
            "algorithm": self.algorithm,
            "self_issued": self.self_issued,
            "timestamp_url": self.timestamp_url,
            "certificates": _chain_summary(self.chain_pem),
        }


def folder() -> Path:
    return data_dir() / "identity"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create(
    name: str,
    *,
    organisation: str | None = None,
    email: str | None = None,
    years: int = 5,
    save: bool = True,
) -> Identity:
    """A local root CA and a leaf certificate in the creator's name (P-256, ES256).

    ``save=False`` keeps it in memory only: the self-test signs with a throwaway identity and
    must not replace the creator's own."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    name = name.strip()
    if not name:
        raise IdentityError("a signing identity needs your name: it was left empty")
    org = (organisation or name).strip()
    now = _now()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} (self-issued Creator Reserve CA)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * (years + 1)))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            _key_usage(certificates=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    attrs = [
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
    ]
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(certificates=False),
            critical=True,
        )
        .add_extension(  # emailProtection: one of the EKUs C2PA's certificate profile allows
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    identity = Identity(
        chain_pem=leaf.public_bytes(pem),
        key_pem=key_pem,
        ca_pem=ca_cert.public_bytes(pem),
        self_issued=True,
        subject=leaf.subject.rfc4514_string(),
        algorithm="es256",
    )
    if save:
        _save(identity)
    return identity


def _key_usage(*, certificates: bool):
    """A CA signs certificates only; a leaf signs content only (C2PA's profile checks this)."""
    from cryptography import x509

    flags = dict.fromkeys(
        (
            "digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
            "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only",
        ),
        False,
    )  # fmt: skip
    flags["key_cert_sign" if certificates else "digital_signature"] = True
    flags["crl_sign"] = certificates
    return x509.KeyUsage(**flags)


def import_files(cert: Path, key: Path | None = None, passphrase: str | None = None) -> Identity:
    """The creator's own certificate chain and key: a PEM chain (leaf first) with a PEM key,
    or one PKCS#12 file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    password = passphrase.encode() if passphrase else None
    try:
        raw = Path(cert).expanduser().read_bytes()
        if cert.suffix.lower() in (".p12", ".pfx"):
            key_obj, leaf, extra = pkcs12.load_key_and_certificates(raw, password)
            if key_obj is None or leaf is None:
                raise IdentityError(f"{cert} holds no key and certificate")
            certs = [leaf, *extra]
        else:
            certs = x509.load_pem_x509_certificates(raw)
            if key is None:
                raise IdentityError(
                    "a PEM certificate needs its private key beside it", code=NO_KEY
                )
            key_obj = serialization.load_pem_private_key(
                Path(key).expanduser().read_bytes(), password
            )
    except OSError as exc:
        raise IdentityError(f"cannot read {exc.filename} ({exc.strerror})") from None
    except (ValueError, TypeError) as exc:
        raise IdentityError(f"cannot read the certificate or key ({exc})") from None
    leaf = certs[0]
    if leaf.public_key().public_numbers() != key_obj.public_key().public_numbers():
        raise IdentityError("the key does not belong to the (first) certificate")
    pem = serialization.Encoding.PEM
    chain = [c for c in certs if c.issuer != c.subject or c is leaf]  # no self-signed roots
    identity = Identity(
        chain_pem=b"".join(c.public_bytes(pem) for c in chain),
        key_pem=key_obj.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        ca_pem=None,
        self_issued=False,
        subject=leaf.subject.rfc4514_string(),
        algorithm=_algorithm(key_obj),
    )
    _save(identity)
    return identity


def _algorithm(key) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {256: "es256", 384: "es384", 521: "es512"}.get(key.curve.key_size, "")
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise IdentityError("RSA keys must have at least 2048 bits for Content Credentials")
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise IdentityError(
        "the key type cannot sign Content Credentials (use EC P-256/384, RSA or Ed25519)"
    )


def _save(identity: Identity) -> None:
    """The key to the secret store first: if that fails, nothing is half-saved."""
    secrets.put("identity", KEY_NAME, identity.key_pem.decode("ascii"))
    target = folder()
    private_folder(data_dir())
    private_folder(target)
    (target / "chain.pem").write_bytes(identity.chain_pem)
    ca = target / "ca.pem"
    if identity.ca_pem:
        ca.write_bytes(identity.ca_pem)
    elif ca.exists():
        ca.unlink()
    info = {
        "subject": identity.subject,
        "algorithm": identity.algorithm,
        "self_issued": identity.self_issued,
        "timestamp_url": identity.timestamp_url,
    }
    (target / "identity.json").write_text(json.dumps(info, indent=2) + "\n")


def load() -> Identity:
    """The stored identity; a clear error when there is none or its key is missing."""
    target = folder()
    try:
        info = json.loads((target / "identity.json").read_text())
        chain = (target / "chain.pem").read_bytes()
    except FileNotFoundError:
        raise IdentityError(
            "no signing identity yet: make one, or import your own certificate and key",
            code=NO_IDENTITY,
        ) from None
    except (OSError, ValueError) as exc:
        raise IdentityError(f"the signing identity in {target} cannot be read ({exc})") from None
    try:
        key = secrets.get("identity", KEY_NAME)
    except secrets.SecretError as exc:  # locked, or a wrong passphrase: no identity to use now
        raise IdentityError(f"the signing key cannot be read: {exc}") from None
    if not key:
        raise IdentityError(
            "the signing key is in neither the system keyring nor the encrypted secret store "
            "(create or import the identity again)"
        )
    ca = target / "ca.pem"
    return Identity(
        chain_pem=chain,
        key_pem=key.encode("ascii"),
        ca_pem=ca.read_bytes() if ca.exists() else None,
        self_issued=bool(info.get("self_issued")),
        subject=str(info.get("subject", "")),
        algorithm=str(info.get("algorithm", "es256")),
        timestamp_url=info.get("timestamp_url") or None,
    )


def key_kept_in() -> str | None:
    """Where the private key is kept, in words (None: nowhere, the identity must be made
    again)."""
    return secrets.kept_in("identity", KEY_NAME)


def set_timestamp_url(url: str | None) -> Identity:
    """Ask an RFC 3161 timestamp server to date every signature (None: sign offline).  The
    server is contacted for each file signed, so signing then needs the network."""
    from dataclasses import replace
    from urllib.parse import urlsplit

    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise IdentityError(f"{url!r} is not a timestamp server address (http(s)://...)")
    identity = replace(load(), timestamp_url=url)
    _save(identity)
    return identity


def _chain_summary(chain_pem: bytes) -> list[dict]:
    from cryptography import x509

    return [
        {
            "subject": c.subject.rfc4514_string(),
            "issuer": c.issuer.rfc4514_string(),
            "not_after": c.not_valid_after_utc.strftime("%Y-%m-%d"),
        }
        for c in x509.load_pem_x509_certificates(chain_pem)
    ]


def trust_anchor() -> bytes | None:
    """The creator's own CA, which this app trusts when it reads credentials (public
    verifiers do not)."""
    try:
        return (folder() / "ca.pem").read_bytes()
    except OSError:
        return None
