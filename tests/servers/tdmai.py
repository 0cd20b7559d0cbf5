"""A loopback stand-in for Liccium's Declaration Engine API (dev.liccium.com, ``POST
/v1/declare``) and its status endpoint (``GET /v1/status/{cidV1}``), checking what the real one
documents it checks:

- ``Authorization: Bearer <api key>``;
- ``publicMetadata``: the schema and context, ``iscc`` as ``ISCC:`` and 55 characters that decode
  as an ISCC-CODE, ``name``, ``declarerId`` a DID (a ``did:key`` must be the x5c certificate's
  key), ``timestamp`` in milliseconds within 60 s of its clock;
- ``signature``: an ES256 JWS whose x5c certificate verifies it and whose payload is exactly the
  ``publicMetadata``; the same for ``tdmaiRegistrySignature`` and ``tdmaiRegistry``;
- ``tsaSignature`` / ``tdmaiRegistryTsaSignature``: RFC 3161 tokens from the trusted timestamp
  server, over the signature's bytes, dated within the window;

and answering like the documented ``DeclarationResponse`` (``rayId``, ``message``, ``env``,
``iscc``, ``cidV1``, ``version``) or ``ErrorResponse`` (``error``, ``message``, ``jwkError``,
``tsaErrors``, ``providedTimestamp``, ``serverTime``).  A second declaration of the same ISCC by
the same declarer is refused with 409 and the first one's ``cidV1`` (the real registry's answer to
a duplicate is not documented).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
import threading
import time
import uuid
from http.server import ThreadingHTTPServer

from tests.servers.common import JsonHandler

KEY = "liccium-test-key"
WINDOW_MS = 60_000
ISCC = re.compile(r"^ISCC:[A-Z0-9]{55}$")
DID = re.compile(r"^did:[a-z0-9]+:")
TDMAI_VALUES = {"true", "false"}
TDMAI_KEYS = {"all", "train-ai", "train-genai", "ai-use", "search"}


class Refused(Exception):
    def __init__(self, status: int, doc: dict) -> None:
        super().__init__(doc.get("error"))
        self.status, self.doc = status, doc


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jws(token: str) -> tuple[dict, dict, object]:
    """The header and payload of an ES256 JWS the x5c certificate verifies, and that
    certificate; Refused (400, jwkError) otherwise."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    def bad(why: str) -> Refused:
        return Refused(400, {"error": "Invalid signature", "message": why, "jwkError": why})

    try:
        head, body, sig = token.split(".")
        header, payload, raw = json.loads(_b64url(head)), json.loads(_b64url(body)), _b64url(sig)
        chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise bad(f"not a JWS with an x5c header ({exc})") from None
    if header.get("alg") != "ES256" or len(raw) != 64 or not chain:
        raise bad("only ES256 with an x5c certificate chain is accepted")
    key = chain[0].public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise bad("the x5c certificate is not an EC P-256 key")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, f"{head}.{body}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise bad("the signature does not verify with the x5c certificate") from None
    for cert, issuer in itertools.pairwise(chain):  # each one signed by the next
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise bad("the x5c chain is broken") from None
    return header, payload, chain[0]


def did_key_of(cert) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    point = cert.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    number, text = int.from_bytes(bytes([0x80, 0x24]) + point, "big"), ""
    while number:  # base58btc: no leading zero bytes here (the multicodec comes first)
        number, digit = divmod(number, 58)
        text = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"[digit] + text
    return "did:key:z" + text


def cid_v1(doc: dict) -> str:
    """CIDv1, raw codec, sha2-256, base32 (what ``bafkrei...`` identifiers are)."""
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).digest()
    raw = bytes([0x01, 0x55, 0x12, 0x20]) + digest
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


class TdmaiStandIn:
    def __init__(self, tsa_root) -> None:
        self.tsa_root = tsa_root  # the timestamp server's CA, which the registry trusts
        self.declarations: dict[str, dict] = {}  # cidV1 -> the request
        self.by_work: dict[tuple[str, str], str] = {}  # (iscc, declarerId) -> cidV1
        self.status: dict[str, str] = {}  # cidV1 -> pending | success | failed
        self.refusals: list[tuple[int, dict]] = []
        self.posts = 0
        self.fail_next: list[tuple[int, dict]] = []  # (status, headers) for the next requests
        self.clock_offset_ms = 0  # the registry's clock against ours
        self.lock = threading.Lock()
        outer = self

        class Handler(JsonHandler):
            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    self._send(401, {"error": "Unauthorized", "message": "Invalid API key"})
                    return False
                with outer.lock:
                    failing = outer.fail_next.pop(0) if outer.fail_next else None
                if failing:
                    code, headers = failing
                    self._send(code, {"error": "Unavailable", "message": "try later"}, headers)
                    return False
                return True

            def do_GET(self):
                match = re.fullmatch(r"/v1/status/([a-z0-9]+)", self.path)
                if not match:
                    return self._send(404, {"error": "Not Found"})
                if not self._authorised():
                    return None
                cid = match.group(1)
                with outer.lock:
                    state = outer.status.get(cid)
                if state is None:
                    return self._send(404, {"error": "Not Found", "message": "unknown identifier"})
                doc = {"identifier": cid, "status": state, "version": "1.0.0"}
                if state == "failed":
                    doc["message"] = "the declaration could not be indexed"
                return self._send(200, doc)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path != "/v1/declare":
                    return self._send(404, {"error": "Not Found"})
                if not self._authorised():
                    return None
                with outer.lock:
                    outer.posts += 1
                try:
                    if self.headers.get("Content-Type") != "application/json":
                        raise Refused(415, {"error": "Unsupported Media Type"})
                    status, doc = outer._declare(json.loads(raw))
                except Refused as refusal:
                    with outer.lock:
                        outer.refusals.append((refusal.status, refusal.doc))
                    return self._send(refusal.status, refusal.doc)
                except ValueError:
                    return self._send(400, {"error": "Bad Request", "message": "not JSON"})
                return self._send(status, doc)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    # --- the checks -------------------------------------------------------------------------
    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms

    def _declare(self, body: dict) -> tuple[int, dict]:
        try:
            meta = body["declarationMetadata"]
            public = meta["publicMetadata"]
            signature, tsa = body["signature"], body["tsaSignature"]
        except (KeyError, TypeError):
            raise Refused(
                422,
                {
                    "error": "Validation failed",
                    "validationErrors": [
                        "signature, tsaSignature and declarationMetadata.publicMetadata: required"
                    ],
                },
            ) from None
        self._check_public(public)
        _, payload, cert = verify_jws(signature)
        if payload != public:
            raise Refused(
                400,
                {
                    "error": "Invalid signature",
                    "jwkError": "the signed payload is not the publicMetadata",
                },
            )
        if public["declarerId"].startswith("did:key:") and public["declarerId"] != did_key_of(cert):
            raise Refused(
                400,
                {
                    "error": "Invalid declarer",
                    "jwkError": "declarerId is not the x5c certificate's key",
                },
            )
        self._check_tsa(tsa, signature, public["timestamp"])
        registry = meta.get("tdmaiRegistry")
        if registry is not None:
            self._check_registry(registry, body, public["iscc"], cert)
        key = (public["iscc"], public["declarerId"])
        with self.lock:
            earlier = self.by_work.get(key)
            if earlier:
                raise Refused(
                    409,
                    {
                        "error": "Conflict",
                        "message": "this declarer already declared this ISCC",
                        "iscc": public["iscc"],
                        "cidV1": earlier,
                    },
                )
            cid = cid_v1(public)
            self.declarations[cid] = body
            self.by_work[key] = cid
            self.status[cid] = "pending"
        doc = {
            "rayId": uuid.uuid4().hex,
            "message": "ingested",
            "env": "loopback",
            "iscc": public["iscc"],
            "cidV1": cid,
            "version": "1.0.0",
        }
        return 200, doc

    def _check_public(self, public: dict) -> None:
        import iscc_core as ic

        errors = []
        if not re.fullmatch(
            r"https://w3id\.org/liccium/schema/\d+\.\d+\.\d+\.json", str(public.get("$schema"))
        ):
            errors.append("$schema must be https://w3id.org/liccium/schema/X.X.X.json")
        if not re.fullmatch(
            r"https://w3id\.org/liccium/context/\d+\.\d+\.\d+\.json", str(public.get("@context"))
        ):
            errors.append("@context must be https://w3id.org/liccium/context/X.X.X.json")
        code = public.get("iscc")
        if not isinstance(code, str) or not ISCC.match(code):
            errors.append("iscc must be ISCC: and 55 alphanumeric characters")
        else:
            try:
                decoded = ic.Code(code)
                if decoded.maintype != ic.MT.ISCC:
                    errors.append("iscc must be an ISCC-CODE")
            except ValueError as exc:
                errors.append(f"iscc does not decode ({exc})")
        if not str(public.get("name", "")).strip():
            errors.append("name is required")
        if not DID.match(str(public.get("declarerId", ""))):
            errors.append("declarerId must be a DID")
        if not isinstance(public.get("timestamp"), int):
            errors.append("timestamp must be milliseconds since the epoch")
        if errors:
            raise Refused(
                422, {"error": "Validation failed", "validationErrors": errors, "iscc": code}
            )
        server = self.now_ms()
        if abs(server - public["timestamp"]) > WINDOW_MS:
            raise Refused(
                400,
                {
                    "error": "Invalid timestamp",
                    "message": "timestamp outside the allowed window",
                    "providedTimestamp": public["timestamp"],
                    "serverTime": server,
                },
            )

    def _check_tsa(self, tsa: dict, signed: str, stamped_ms: int) -> None:
        from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

        try:
            response = decode_timestamp_response(base64.b64decode(tsa["tsr"]))
            base64.b64decode(tsa["tsq"], validate=True)
            verifier = VerifierBuilder().add_root_certificate(self.tsa_root).build()
            verifier.verify_message(response, signed.encode("ascii"))
        except (KeyError, TypeError, ValueError, binascii.Error, VerificationError) as exc:
            raise Refused(
                400,
                {"error": "Invalid TSA signature", "tsaErrors": [str(exc) or type(exc).__name__]},
            ) from None
        gen_ms = int(response.tst_info.gen_time.timestamp() * 1000)
        if abs(gen_ms - stamped_ms) > WINDOW_MS:
            raise Refused(
                400,
                {
                    "error": "Invalid TSA signature",
                    "tsaErrors": ["the timestamp is not from the declaration's time"],
                },
            )

    def _check_registry(self, registry: dict, body: dict, iscc: str, cert) -> None:
        signature = body.get("tdmaiRegistrySignature")
        tsa = body.get("tdmaiRegistryTsaSignature")
        if not signature or not tsa:
            raise Refused(
                422,
                {
                    "error": "Validation failed",
                    "validationErrors": [
                        "tdmaiRegistrySignature and tdmaiRegistryTsaSignature are required with "
                        "tdmaiRegistry"
                    ],
                },
            )
        _, payload, signer = verify_jws(signature)
        if payload != registry or signer != cert:
            raise Refused(
                400,
                {
                    "error": "Invalid signature",
                    "jwkError": "tdmaiRegistrySignature does not sign tdmaiRegistry",
                },
            )
        self._check_tsa(tsa, signature, body["declarationMetadata"]["publicMetadata"]["timestamp"])
        errors = []
        if registry.get("iscc") != iscc:
            errors.append("tdmaiRegistry.iscc differs from publicMetadata.iscc")
        if registry.get("version") != "1.0" or registry.get("intent", "activate") not in (
            "activate",
            "update",
            "supersede",
            "supercede",
        ):
            errors.append("tdmaiRegistry: version 1.0 and a known intent")
        for name in TDMAI_KEYS & set(registry):
            if registry[name] not in TDMAI_VALUES:
                errors.append(f"tdmaiRegistry.{name} must be 'true' or 'false'")
        if not TDMAI_KEYS & set(registry):
            errors.append("tdmaiRegistry states no preference")
        if errors:
            raise Refused(422, {"error": "Validation failed", "validationErrors": errors})

    # --- what the tests do -----------------------------------------------------------------
    def index(self, state: str = "success") -> None:
        """The registry finished processing everything pending."""
        with self.lock:
            for cid, now in self.status.items():
                if now == "pending":
                    self.status[cid] = state

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
