"""Content Credentials (C2PA) with the training-and-mining assertion, signed and read locally.

The manifest carries ``cawg.training-mining`` and the deprecated ``c2pa.training-mining`` with
the same choices (readers still look only for the old one, standards.md §3.6), the values come
from ``core/signals.py``, and no thumbnail is embedded, so a file grows by a few kilobytes.  No
timestamp server is asked unless the user configured one.

Signing works on bytes in memory: the tagging pipeline writes XMP first, signs the result last
(editing after signing would invalidate it), checks it, and writes once, atomically.  A file
that already has credentials is signed as an update, so its earlier manifest is kept as the
parent ingredient.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from creatorapp.core.policy.signals import TRAINING_MINING_LABELS, training_mining

if TYPE_CHECKING:
    from creatorapp.core.policy import Policy
    from creatorapp.core.proof.identity import Identity

GENERATOR = {"name": "Creator Reserve", "version": "0.1"}
# the formats c2pa-rs signs that the app handles (standards.md §3.4)
MIME = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "tiff": "image/tiff",
    "dng": "image/x-adobe-dng",
    "heic": "image/heic",
    "heif": "image/heif",
    "avif": "image/avif",
    "gif": "image/gif",
}


class CredentialError(Exception):
    """Signing or reading failed; ``str(exc)`` is the plain-words reason."""


class CredentialStatus(StrEnum):
    """The four different answers about a file's Content Credentials."""

    ABSENT = "absent"  # the file carries none
    VALID = "valid"  # present, and they match the file (state says whether trusted too)
    INVALID = "invalid"  # present, and they do not match the file (or cannot be validated)
    UNREADABLE = "unreadable"  # the file could not be read far enough to tell


@dataclass(frozen=True)
class Credentials:
    """What a file's Content Credentials say, as our reader sees them."""

    status: CredentialStatus
    state: str | None = None  # the validator's word: Valid, Trusted, Invalid
    failures: tuple[str, ...] = ()  # validation codes that are not only "untrusted"
    entries: dict[str, dict] = field(default_factory=dict)  # label -> entries map
    manifests: int = 0
    signer: str | None = None
    error: str | None = None  # why they could not be read (UNREADABLE)

    @property
    def present(self) -> bool:
        return self.status in (CredentialStatus.VALID, CredentialStatus.INVALID)

    def uses(self) -> dict[str, str]:
        """Use key (without prefix) -> ``use``, preferring the CAWG label; ``constrained`` is
        reported as it is written (CAWG says to treat it as notAllowed)."""
        found: dict[str, str] = {}
        for label in reversed(TRAINING_MINING_LABELS):
            for key, entry in (self.entries.get(label) or {}).items():
                found[key.split(".", 1)[-1]] = str(entry.get("use"))
        return found

    def as_json(self) -> dict:
        doc = {
            "status": self.status.value,
            "present": self.present,
            "state": self.state,
            "failures": list(self.failures),
            "training_mining": self.uses(),
            "manifests": self.manifests,
            "signer": self.signer,
        }
        if self.error:
            doc["error"] = self.error
        return doc


ABSENT = Credentials(CredentialStatus.ABSENT)


# The TIFF tag that carries Content Credentials (the C2PA specification), as exiv2 names it: a
# re-signed file gets a new manifest there, so it is the one field allowed to change on signing.
CARRIER_FIELDS = ("Exif.Image.0xcd41",)


def is_carrier(unit) -> bool:
    """A container unit that holds Content Credentials: a JPEG APP11 segment (JUMBF), a PNG
    ``caBX`` chunk, a WebP ``C2PA`` chunk.  (TIFF keeps them in a tag, ``CARRIER_FIELDS``.)"""
    head = bytes(unit[:8])
    return head[:2] == b"\xff\xeb" or head[4:8] == b"caBX" or head[:4] == b"C2PA"


def manifest(policy: Policy) -> dict:
    return {
        "claim_generator_info": [GENERATOR],
        "assertions": [
            {"label": label, "data": {"entries": training_mining(policy, label.split(".")[0])}}
            for label in TRAINING_MINING_LABELS
        ],
    }


def _context(trust_pem: bytes | None = None):
    import c2pa

    settings: dict = {"builder": {"thumbnail": {"enabled": False}}}
    if trust_pem:
        settings["trust"] = {"trust_anchors": trust_pem.decode("ascii")}
    return c2pa.Context(c2pa.Settings.from_dict(settings))


@dataclass(frozen=True)
class SignJob:
    """What the tagging workers need to sign: the identity, and the manifest for each policy
    by the signature of its embedded fields (the key travels in memory to the worker
    processes, never to disk or logs).

    ``every_file`` (``--c2pa``) signs every file.  Without it the job only keeps credentials
    valid: a file that already carries them is re-signed when tagging rewrites it (its old
    manifest kept as the parent ingredient), and files of policies that ask for credentials
    themselves (``always``) are signed; no other file is."""

    identity: Identity
    manifests: dict[str, dict] = field(default_factory=dict)
    every_file: bool = True
    always: frozenset[str] = frozenset()  # fields signatures of policies that ask to be signed

    def __repr__(self) -> str:  # never print the key
        return f"SignJob(signer={self.identity.subject!r}, policies={len(self.manifests)})"

    def __bool__(self) -> bool:
        """False for a job that only keeps existing credentials valid: it has nothing to do
        for a file that is not rewritten, so callers need not open files they know are done."""
        return self.every_file or bool(self.always)

    def with_policies(self, policies: list[Policy]) -> SignJob:
        from creatorapp.core.policy.signals import embedded_fields, fields_signature

        found = dict(self.manifests)
        always = set(self.always)
        for policy in policies:
            signature = fields_signature(embedded_fields(policy))
            found[signature] = manifest(policy)
            if policy.content_credentials:
                always.add(signature)
        return replace(self, manifests=found, always=frozenset(always))

    def manifest_for(self, fields) -> dict | None:
        """The manifest for the policy these fields come from; None when that policy is not
        one to sign for."""
        from creatorapp.core.policy.signals import fields_signature

        return self.manifests.get(fields_signature(fields))

    def signs_unsigned(self, fields) -> bool:
        """Whether a file of this policy that carries no credentials yet is to be signed."""
        from creatorapp.core.policy.signals import fields_signature

        return self.every_file or fields_signature(fields) in self.always


def wanted_uses(manifest_def: dict) -> dict[str, str]:
    """What the manifest's CAWG assertion says, in the form ``Credentials.uses`` reads."""
    for assertion in manifest_def["assertions"]:
        if assertion["label"] == TRAINING_MINING_LABELS[0]:
            return {k.split(".", 1)[-1]: v["use"] for k, v in assertion["data"]["entries"].items()}
    return {}


# EXIF tags a camera, phone or scanner writes: a file that carries one is a capture of the world
CAPTURE_TAGS = ("Exif.Image.Make", "Exif.Image.Model")


def digital_source_type(data: bytes) -> str:
    """The IPTC digital source type of a file signed for the first time: a photograph
    (EXIF Make or Model present) is ``digitalCapture``; anything else made on a computer is
    ``digitalCreation``.  Saying a photograph was drawn would misstate its origin."""
    from creatorapp.core.media import exiv2

    try:
        exif = exiv2.read(data).exif
    except exiv2.Exiv2Error:
        return "DIGITAL_CREATION"
    captured = any(str(exif.get(tag, "")).strip(" \x00") for tag in CAPTURE_TAGS)
    return "DIGITAL_CAPTURE" if captured else "DIGITAL_CREATION"


def sign(
    data: bytes,
    format_name: str,
    manifest_def: dict,
    identity: Identity,
    *,
    parent: bytes | None = None,
) -> bytes:
    """``data`` with Content Credentials from ``manifest_def``, signed by ``identity``.

    ``parent`` is the file as it was before this change, given when it already carries
    credentials (the caller has read them): they become the parent ingredient, so the file's
    history is kept.  It is taken from the untouched bytes because our XMP change already
    broke the old manifest's hash over ``data``."""
    import c2pa

    mime = MIME.get(format_name.lower())
    if mime is None:
        raise CredentialError(f"Content Credentials cannot be written into {format_name} files")
    try:
        alg = getattr(c2pa.C2paSigningAlg, identity.algorithm.upper())
        tsa = identity.timestamp_url.encode() if identity.timestamp_url else None
        info = c2pa.C2paSignerInfo(
            alg=alg, sign_cert=identity.chain_pem, private_key=identity.key_pem, ta_url=tsa
        )
        out = io.BytesIO()
        with (
            _context() as context,
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(manifest_def, context) as builder,
        ):
            if parent is not None:
                builder.set_intent(c2pa.C2paBuilderIntent.EDIT)
                ingredient = {"title": "before Creator Reserve signed", "relationship": "parentOf"}
                builder.add_ingredient_from_stream(json.dumps(ingredient), mime, io.BytesIO(parent))
            else:
                source = getattr(c2pa.C2paDigitalSourceType, digital_source_type(data))
                builder.set_intent(c2pa.C2paBuilderIntent.CREATE, source)
            builder.sign(signer, mime, io.BytesIO(data), out)
    except c2pa.C2paError as exc:
        where = f" (timestamp server {identity.timestamp_url})" if identity.timestamp_url else ""
        raise CredentialError(f"signing the Content Credentials failed{where}: {exc}") from None
    return out.getvalue()


def read_bytes(data: bytes, format_name: str, trust_pem: bytes | None = None) -> Credentials:
    import c2pa

    mime = MIME.get(format_name.lower())
    if mime is None:
        return ABSENT
    try:
        with _context(trust_pem) as context:
            reader = c2pa.Reader(mime, io.BytesIO(data), context=context)
            with reader:
                store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        text = str(exc)
        if "ManifestNotFound" in text or "JumbfNotFound" in text or "no JUMBF" in text:
            return ABSENT
        return _unreadable(data, format_name, text[:200])
    return _summarise(store)


# c2pa-rs's words for a file whose own structure it cannot walk (a TIFF whose directories loop,
# a JPEG cut short): nothing can be said about the credentials in it, valid or not
_STRUCTURE_UNREADABLE = ("asset could not be parsed",)


def _unreadable(data: bytes, format_name: str, text: str) -> Credentials:
    """The validator could not read the file: credentials we can see in it are present and
    cannot be validated (invalid); when the file's structure itself could not be read, or no
    credentials are in sight, the honest answer is that the file could not be checked, never
    that it carries invalid ones."""
    seen = carries_credentials(data, format_name)
    if seen and not any(words in text for words in _STRUCTURE_UNREADABLE):
        return Credentials(CredentialStatus.INVALID, state="Invalid", failures=(text,))
    error = (
        f"the file's structure could not be read, so the Content Credentials it carries "
        f"could not be checked ({text})"
        if seen
        else f"the file could not be read to look for Content Credentials ({text})"
    )
    return Credentials(CredentialStatus.UNREADABLE, error=error)


def carries_credentials(data: bytes, format_name: str) -> bool:
    """Whether the file holds a Content Credentials carrier where its format keeps one (JPEG
    APP11, PNG caBX, WebP C2PA chunk, TIFF tag 0xCD41), by our own container parser; False
    when the container cannot be parsed or the format is not one we splice."""
    from creatorapp.core.media import base, tiff

    container = next(
        (
            f
            for f in base.formats()
            if isinstance(f, base.Container) and f.name.lower() == format_name.lower()
        ),
        None,
    )
    if container is None:
        return False
    try:
        parsed = container.parse(data)
        if isinstance(parsed, tiff.Parsed):
            return tiff.TAG_C2PA in parsed.ifd0
        return any(is_carrier(unit) for unit in container.payload(parsed))
    except (base.FileProblem, ValueError, IndexError, struct.error):
        return False


def _summarise(store: dict) -> Credentials:
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "", {})
    entries = {
        a["label"]: (a.get("data") or {}).get("entries") or {}
        for a in active.get("assertions") or []
        if a.get("label") in TRAINING_MINING_LABELS
    }
    results = store.get("validation_results") or {}
    failures = [
        f.get("code", "")
        for f in (results.get("activeManifest") or {}).get("failure", [])
        if f.get("code") != "signingCredential.untrusted"
    ]
    signature = active.get("signature_info") or {}
    state = store.get("validation_state")
    return Credentials(
        CredentialStatus.VALID if state in ("Valid", "Trusted") else CredentialStatus.INVALID,
        state=state,
        failures=tuple(failures),
        entries=entries,
        manifests=len(manifests),
        signer=signature.get("common_name") or signature.get("issuer"),
    )


# IPTC Data Mining code -> the training-mining uses it reserves ("reserved": notAllowed or
# constrained) or grants; uses a code does not speak of are not compared.  A code that reserves
# only some uses grants those the rules in signals.DATA_MINING_RULES require to be allowed for
# it (AIMLTRAINING: mining; GENAIMLTRAINING: mining and other training), so credentials that
# still reserve them say something else.
_IPTC_MEANS: dict[str, dict[str, str]] = {
    "DMI-ALLOWED": dict.fromkeys(
        ("data_mining", "ai_training", "ai_generative_training", "ai_inference"), "allowed"
    ),
    "DMI-PROHIBITED": dict.fromkeys(
        ("data_mining", "ai_training", "ai_generative_training", "ai_inference"), "reserved"
    ),
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": dict.fromkeys(
        ("ai_training", "ai_generative_training"), "reserved"
    ),
    "DMI-PROHIBITED-AIMLTRAINING": {
        "data_mining": "allowed",
        "ai_training": "reserved",
        "ai_generative_training": "reserved",
    },
    "DMI-PROHIBITED-GENAIMLTRAINING": {
        "data_mining": "allowed",
        "ai_training": "allowed",
        "ai_generative_training": "reserved",
    },
    "DMI-PROHIBITED-SEECONSTRAINT": {"ai_generative_training": "reserved"},
}


def agrees_with_iptc(credentials: Credentials, data_mining_uri: str | None) -> bool | None:
    """Whether the credentials say what the IPTC Data Mining field in force says (None:
    nothing to compare, one of the two is missing).  ``data_mining_uri`` is the value a reader
    is told, the sidecar's for a file whose XMP lives there."""
    if not credentials.present or not data_mining_uri:
        return None
    code = data_mining_uri.rsplit("/", 1)[-1]
    expected = _IPTC_MEANS.get(code)
    if expected is None:
        return None
    uses = credentials.uses()
    for key, meaning in expected.items():
        use = uses.get(key)
        if use is None:
            return False
        if (use == "allowed") != (meaning == "allowed"):
            return False
    return True


def read_path(path, format_name: str, trust_pem: bytes | None = None) -> Credentials:
    """A file's credentials; an unreadable file reads as none (the caller reports the error)."""
    if format_name.lower() not in MIME:
        return ABSENT
    with open(path, "rb") as handle:
        return read_bytes(handle.read(), format_name, trust_pem)
