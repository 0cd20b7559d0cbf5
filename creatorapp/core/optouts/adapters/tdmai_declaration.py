"""Liccium's TDM·AI registry: a signed declaration per work, found by the work's ISCC.

A content-fingerprint registry keeps the reservation with the work itself: anyone holding a copy
computes its ISCC and finds the declaration, even when the copy's metadata was stripped.  Each
declaration (dev.liccium.com, Declaration Engine API, ``POST /v1/declare``) carries:

- ``declarationMetadata.publicMetadata``: the ISCC (made here from the file), the work's name,
  the declarer's DID, a timestamp in milliseconds (the registry takes it only within a minute of
  its own clock), and the TDM·AI plugin;
- ``declarationMetadata.tdmaiRegistry``: the reservation in the TDM·AI vocabulary (``all``,
  ``train-ai``, ``train-genai``, ``ai-use``, ``search``), from the work's policy;
- each of the two signed as an ES256 JWS with the creator's signing identity (the certificate
  chain in ``x5c``), and each signature stamped by an RFC 3161 timestamp server.

One ISCC per declaration.  The registry answers with the declaration's ``cidV1``; its status
endpoint then says when it is indexed (confirmed) or failed (rejected).  The work's file is read
at render time (what would be declared is shown before anything is sent); the timestamp,
signatures and timestamp tokens are made when it is sent, because the registry's clock window
is a minute.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import ClassVar
from urllib.parse import quote

from creatorapp.core.optouts import evidence, settings
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, Outcome, Sent
from creatorapp.core.optouts.advice import Advice, Advised, Hint
from creatorapp.core.optouts.http import RateLimiter, RegistryError, send
from creatorapp.core.optouts.model import ItemState
from creatorapp.errors import UserError

SCHEMA = "https://w3id.org/liccium/schema/0.3.0.json"
CONTEXT = "https://w3id.org/liccium/context/0.3.0.json"
WHAT = "the TDM·AI registry"
LEGAL = "Reserved under Article 4(3) of Directive (EU) 2019/790 (CDSM Directive)."

# the policy's uses in the TDM·AI vocabulary (docs.tdmai.org, JSON format for usage
# declarations, 2025-11-04): "false" reserves the use, "true" allows it
TDMAI_KEYS = {
    "data_mining": "all",
    "ai_training": "train-ai",
    "genai_training": "train-genai",
    "ai_inference": "ai-use",
    "search_indexing": "search",
}
# answers the declaration cannot be sent again without a change: the key, or the declaration
_KEY_REFUSED = frozenset({401, 403})
_DECLARATION_REFUSED = frozenset({400, 413, 422})


class DeclarationError(Advised):
    """What would be declared cannot be made (no such work, a changed file, nothing reserved)."""


class TdmaiDeclaration(Adapter):
    kind: ClassVar[str] = "tdmai_declaration"
    submit_mode: ClassVar[str] = "api"
    status_mode: ClassVar[str] = "poll_api"
    settings = settings.token(
        "Liccium API key", "the API key Liccium issued for its Declaration API"
    )
    # indexing takes seconds to minutes: asked after a minute, then an hour, then daily
    capabilities = Capabilities(poll_schedule=("1m", "1h", "1d"))
    _http = None

    # --- what would be declared -----------------------------------------------------------
    def render(self, targets: list[str], key: str, part: tuple[int, int]) -> dict:
        from creatorapp.core.proof import jws
        from creatorapp.core.works import iscc

        if len(targets) != 1:
            raise DeclarationError("a TDM·AI declaration is about one work (one ISCC)")
        [sha256] = targets
        path, folder, policy = self._work(sha256)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise DeclarationError(f"cannot read {path} ({exc.strerror or exc})") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise DeclarationError(
                f"{path} changed since the catalogue last read it; scan its folder again first",
                Hint(Advice.SCAN, folder),
            )
        code = iscc.of_bytes(data, iscc.name_of(path), where=path)
        declarer = str(self.options.get("declarer") or jws.public_did())
        reservation = _reservation(policy)
        legacy = {  # the plugin as Liccium's apps write it (liccium/tdmai specification.md)
            "TDMAI": reservation["train-genai"] == "true",
            "TDMAI_summary": reservation["summary"],
            "TDMAI_policy": reservation["policy"],
        }
        public = {
            "$schema": SCHEMA,
            "@context": CONTEXT,
            "iscc": code.code,
            "name": code.name,
            "mediatype": code.mediatype,
            "declarerId": declarer,
            "original": True,
            "liccium_plugins": {"tdmai": legacy},
        }
        return {
            "work": {"file": path, "sha256": sha256, "policy": policy.name},
            "units": list(code.units),
            "declarationMetadata": {
                "publicMetadata": public,
                "tdmaiRegistry": {"version": "1.0", "iscc": code.code, **reservation},
            },
            "reference": key,
            "sent_with": "a timestamp, two ES256 signatures and two RFC 3161 timestamp tokens, "
            "made when it is sent",
        }

    def _work(self, sha256: str):
        """The live work with this content, its folder (what to scan again) and the policy it is
        reserved under."""
        from creatorapp.core.catalogue import WorkState
        from creatorapp.core.policy import PolicyError, resolve_policy

        store = self.options.get("catalogue")
        if store is None:
            raise DeclarationError(
                f"{WHAT} declares works of the catalogue, and none was given to find them in"
            )
        works = [w for w in store.works_by_sha256(sha256) if w.state is not WorkState.DELETED]
        if not works:
            raise DeclarationError(f"no work in the catalogue has the content {sha256[:12]}…")
        work = works[0]
        folder = store.folder_by_id(work.folder_id)
        name = work.policy or (folder.policy if folder else None)
        where = folder.path if folder else work.path
        try:
            policy = resolve_policy(name)
        except PolicyError as exc:
            raise DeclarationError(f"{work.path}: {exc}") from None
        if not policy.prohibited:
            raise DeclarationError(
                f"{work.path} is under the policy {policy.name!r}, which reserves nothing: "
                "there is nothing to declare"
            )
        return work.path, where, policy

    # --- sending --------------------------------------------------------------------------
    def _session(self):
        import requests

        if self._http is None:
            self._http = requests.Session()
            self._http.headers["User-Agent"] = "creator-reserve"
            interval = self.options.get("min_interval", self.descriptor.rate_limit.min_interval())
            self._limiter = RateLimiter(float(interval))
        return self._http

    def _call(self, method: str, url: str, **kw):
        if not self.secret:
            raise RegistryError(
                "no Liccium API key stored", retryable=False, hint=self.set_up_hint()
            )
        kw["headers"] = {"Authorization": f"Bearer {self.secret}", **kw.get("headers", {})}
        return send(
            self._session(),
            method,
            url,
            limiter=self._limiter,
            what="Liccium",
            backoff=float(self.options.get("backoff", 1.0)),
            **kw,
        )

    def _tsa(self, identity) -> str:
        """The timestamp server: the one set for tests, else the creator's own (the one their
        Content Credentials use), else the descriptor's."""
        return str(self.options.get("tsa") or identity.timestamp_url or self.endpoint("tsa"))

    def send(self, payload: dict, key: str) -> Sent:
        from creatorapp.core.proof import identity as identities
        from creatorapp.core.proof import jws
        from creatorapp.core.proof.timestamp import TimestampError, stamp

        meta = payload["declarationMetadata"]
        try:
            signer = identities.load()
            declarer = str(self.options.get("declarer") or jws.did_key(signer.chain_pem))
            public = {**meta["publicMetadata"], "declarerId": declarer}
            public["timestamp"] = int(time.time() * 1000)
            registry = meta["tdmaiRegistry"]
            signature = jws.sign_es256(jws.canonical(public), signer)
            registry_signature = jws.sign_es256(jws.canonical(registry), signer)
            tsa = self._tsa(signer)
            stamps = [stamp(s.encode("ascii"), tsa) for s in (signature, registry_signature)]
        except TimestampError as exc:
            raise RegistryError(f"no timestamp for the declaration: {exc}") from None
        except UserError as exc:  # no identity, a locked key, a key the registry cannot take
            raise RegistryError(
                f"the declaration cannot be signed: {exc}", retryable=False
            ) from None
        body = {
            "signature": signature,
            "tsaSignature": _b64(stamps[0]),
            "declarationMetadata": {"publicMetadata": public, "tdmaiRegistry": registry},
            "tdmaiRegistrySignature": registry_signature,
            "tdmaiRegistryTsaSignature": _b64(stamps[1]),
        }
        raw = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
        try:
            request = evidence.keep(raw, ".json")  # exactly what is sent, signatures and all
        except evidence.EvidenceError as exc:
            raise RegistryError(str(exc)) from None  # nothing is sent without its evidence
        response = self._call(
            "POST",
            f"{self.endpoint('api')}/v1/declare",
            data=raw,
            headers={"Content-Type": "application/json"},
            attempts=3,
            max_wait=20.0,  # the signed timestamp must still be within the registry's minute
        )
        answer = _json(response)
        code = public["iscc"]
        found = response.status_code == 409
        if response.status_code in (200, 201) or found:
            cid = answer.get("cidV1") if isinstance(answer, dict) else None
            if not found and (not cid or answer.get("iscc", code) != code):
                raise RegistryError(
                    f"{WHAT} accepted the declaration but its answer had an unexpected shape; "
                    "it will be sent again, and a declaration already there is recognised"
                )
            return Sent(
                state=ItemState.SUBMITTED,
                remote_ref=str(cid) if cid else None,
                evidence={
                    "iscc": code,
                    "cidV1": cid,
                    "rayId": answer.get("rayId"),
                    "env": answer.get("env"),
                    "message": answer.get("message"),
                    "declarerId": declarer,
                    "timestamp": public["timestamp"],
                    "request": request,
                    "found_existing": found,
                },
            )
        raise self._refusal(response.status_code, answer, public["timestamp"])

    def _refusal(self, status: int, answer: dict, sent_ms: int) -> RegistryError:
        problem = _problem(answer)
        if status in _KEY_REFUSED:
            return RegistryError(
                f"Liccium refused the API key ({status}: {problem})",
                retryable=False,
                hint=self.set_up_hint(),
            )
        if "serverTime" in answer and "providedTimestamp" in answer:
            try:
                skew = (int(answer["providedTimestamp"]) - int(answer["serverTime"])) / 1000
            except (TypeError, ValueError):
                skew = (sent_ms - time.time() * 1000) / 1000
            return RegistryError(
                f"{WHAT} refused the declaration's time: this computer's clock is "
                f"{abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the registry's (it "
                "takes a minute at most); check the clock, it will be sent again"
            )
        if status in _DECLARATION_REFUSED:
            return RegistryError(
                f"{WHAT} refused the declaration ({status}: {problem})", retryable=False
            )
        if status == 429:
            return RegistryError(f"{WHAT} is rate limiting us (429); will retry later")
        return RegistryError(f"{WHAT} answered {status} ({problem}); will retry later")

    # --- what became of it ----------------------------------------------------------------
    def poll(self, submission: dict, items: list[dict]) -> list[Outcome]:
        open_ = [
            i for i in items if i["state"] in (ItemState.SUBMITTED.value, ItemState.STALE.value)
        ]
        if not open_:
            return []
        cid = submission.get("remote_ref")
        if not cid:  # the registry already held this work's declaration and did not name it
            detail = "the registry already holds a declaration for this work"
            return [Outcome(i["id"], ItemState.CONFIRMED, detail) for i in open_]
        response = self._call("GET", f"{self.endpoint('api')}/v1/status/{quote(cid, safe='')}")
        if response.status_code in _KEY_REFUSED:
            raise self._refusal(response.status_code, _json(response), 0)
        if response.status_code == 404:
            return []  # not known to the status service yet
        if response.status_code != 200:
            raise RegistryError(f"{WHAT} answered {response.status_code} for {cid}")
        answer = _json(response)
        status = answer.get("status") if isinstance(answer, dict) else None
        if status == "success":
            state, detail = ItemState.CONFIRMED, f"declared in {WHAT} as {cid}"
        elif status == "failed":
            why = str(answer.get("message") or "no reason given")[:200]
            state, detail = ItemState.REJECTED, f"{WHAT} could not process {cid}: {why}"
        elif status == "pending":
            return []
        else:
            raise RegistryError(f"{WHAT}'s status answer for {cid} had an unexpected shape")
        return [Outcome(i["id"], state, detail) for i in open_]

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


def _reservation(policy) -> dict:
    """The policy in the TDM·AI vocabulary, each use stated (none left to inheritance)."""
    from creatorapp.core.policy import summarise

    values = {
        TDMAI_KEYS[use.value]: "true" if policy.permits(use) else "false" for use in policy.uses
    }
    legal = f"{LEGAL} {policy.constraints}".strip() if policy.constraints else LEGAL
    return {"intent": "activate", **values, "summary": summarise(policy.uses), "policy": legal}


def _b64(stamp) -> dict:
    import base64

    return {
        "tsq": base64.b64encode(stamp.tsq).decode("ascii"),
        "tsr": base64.b64encode(stamp.tsr).decode("ascii"),
    }


def _json(response) -> dict:
    try:
        doc = response.json()
    except ValueError:
        return {"message": response.text[:200]}
    return doc if isinstance(doc, dict) else {}


def _problem(answer: dict) -> str:
    """The registry's own words: its error, message and the details it names."""
    parts = [str(answer.get(k)) for k in ("error", "message", "jwkError") if answer.get(k)]
    for name in ("tsaErrors", "validationErrors"):
        found = answer.get(name)
        if isinstance(found, list) and found:
            parts.append("; ".join(str(e) for e in found[:3]))
    return ": ".join(parts)[:300] or "no reason given"
