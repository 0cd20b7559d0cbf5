"""Liccium TDM·AI declarations end to end: the works of a portfolio folder, each declared by its
ISCC in a declaration signed with the creator's identity and stamped by a timestamp server, sent
to a loopback registry that checks the signature against the x5c certificate, the ISCC's form,
the clock window and the timestamp tokens, then confirmed through its status endpoint."""

from __future__ import annotations

import base64
import io
import json

import pytest
import requests

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.catalogue.ledger import verify_chain
from creatorapp.core.optouts import evidence, targets
from creatorapp.core.optouts.adapters.tdmai_declaration import DeclarationError
from creatorapp.core.optouts.advice import Advice
from creatorapp.core.optouts.descriptor import Unit
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.proof import identity
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.service import TaggingService
from tests.conftest import make_jpeg
from tests.servers import tdmai
from tests.servers.tsa import TsaStandIn

DEST = "tdmai"


@pytest.fixture
def tsa():
    server = TsaStandIn()
    yield server
    server.stop()


@pytest.fixture
def registry(tsa):
    server = tdmai.TdmaiStandIn(tsa.root)
    yield server
    server.stop()


@pytest.fixture
def creator():
    """Jane's signing identity (self-issued, P-256) and her Liccium API key."""
    made = identity.create("Jane Doe")
    secrets.put("registry", DEST, tdmai.KEY)
    return made


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    make_jpeg(folder / "harbour_at_dawn.jpg", seed=1)
    make_jpeg(folder / "old-mill.jpg", size=(80, 60), seed=7)
    return folder


def catalogue(path, folder, policy="no-ai"):
    """The folder's works catalogued and tagged (the catalogue keeps a work's hash once it has
    tagged it): what a creator has before declaring them."""
    store = open_catalogue(path)
    portfolio = Portfolio(store)
    portfolio.add_folder(folder, policy=policy)
    outcomes = list(TaggingService(portfolio).process(portfolio.scan().due, jobs=1))
    assert outcomes and all(o.sha256 for o in outcomes)
    return store


def outbox(store, registry, tsa, **extra):
    options = {
        "api": registry.url,
        "tsa": tsa.url,
        "catalogue": store,
        "backoff": 0.01,
        "min_interval": 0,
        **extra,
    }
    return OptOuts(store, options={DEST: options})


def submit(o, folder, **kw):
    found = targets.from_folder(o.store, folder, Unit.FILE_HASH, None)
    return o.submit(DEST, found.values, works=found.works, **kw)


def states(o):
    return o.status().get(DEST, {})


def test_each_work_is_declared_signed_timestamped_and_then_confirmed(
    tmp_path, photos, creator, registry, tsa
):
    import iscc_core as ic
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    o = outbox(catalogue(tmp_path / "cat.sqlite3", photos), registry, tsa)
    report = submit(o, photos)
    assert len(report.sent) == 2 and not report.failed and registry.posts == 2
    assert states(o) == {"submitted": 2}
    assert len(tsa.requests) == 4  # each declaration: its metadata and its TDM·AI payload

    leaf = x509.load_pem_x509_certificate(creator.chain_pem).public_bytes(Encoding.DER)
    by_name = {}
    for body in registry.declarations.values():
        public = body["declarationMetadata"]["publicMetadata"]
        by_name[public["name"]] = body
        header = json.loads(base64.urlsafe_b64decode(body["signature"].split(".")[0] + "=="))
        assert header["alg"] == "ES256" and base64.b64decode(header["x5c"][0]) == leaf
        assert public["declarerId"] == tdmai.did_key_of(x509.load_der_x509_certificate(leaf))
    assert set(by_name) == {"harbour at dawn", "old-mill"}

    # the ISCC-CODE: its Data- and Instance-Codes are the file's own (iscc-core on the bytes),
    # its Content-Code is an image code, and it is the form the registry takes
    data = (photos / "old-mill.jpg").read_bytes()
    body = by_name["old-mill"]
    code = body["declarationMetadata"]["publicMetadata"]["iscc"]
    units = ic.iscc_decompose(code)
    assert f"ISCC:{units[2]}" == ic.gen_data_code_v0(io.BytesIO(data))["iscc"]
    assert f"ISCC:{units[3]}" == ic.gen_instance_code_v0(io.BytesIO(data))["iscc"]
    assert ic.Code(units[1]).subtype == ic.ST_CC.IMAGE
    # the folder's policy (no-ai) in the TDM·AI vocabulary, every use stated
    reservation = body["declarationMetadata"]["tdmaiRegistry"]
    assert {k: reservation[k] for k in tdmai.TDMAI_KEYS} == {
        "all": "false", "train-ai": "false", "train-genai": "false",
        "ai-use": "false", "search": "true",
    }  # fmt: skip
    assert reservation["iscc"] == code and reservation["version"] == "1.0"
    assert "Article 4(3)" in reservation["policy"]
    plugin = body["declarationMetadata"]["publicMetadata"]["liccium_plugins"]["tdmai"]
    assert plugin["TDMAI"] is False

    # what the registry answered is each item's record: its ISCC and cidV1
    sent = {e.data["evidence"]["iscc"]: e.data for e in o.store.events(kind="optout.sent")}
    cid = sent[code]["remote_ref"]
    assert registry.by_work[(code, by_name["old-mill"]["declarationMetadata"]["publicMetadata"][
        "declarerId"])] == cid  # fmt: skip
    kept = sent[code]["evidence"]["request"]
    assert evidence.check(kept)
    assert json.loads((evidence.folder() / kept["file"]).read_bytes()) == body
    items = o.store.items(DEST)
    assert all(i["work_id"] for i in items)

    assert o.poll(force=True).changes == {DEST: {}}  # still being indexed
    registry.index()
    assert o.poll(force=True).changes == {DEST: {"confirmed": 2}}
    details = [e.data["detail"] for e in o.store.events(kind="optout.items")]
    assert any(cid in d for d in details)
    assert o.poll(force=True).changes == {}  # nothing open is asked again
    assert verify_chain(o.store.events(), expected_count=o.store.events_written()).ok
    o.store.close()


def test_a_bad_signature_is_refused_and_the_request_waits(tmp_path, photos, creator, registry, tsa):
    # the certificate on record is no longer the one for the signing key (replaced by hand)
    other = identity.create("Someone Else", save=False)
    (identity.folder() / "chain.pem").write_bytes(other.chain_pem)
    o = outbox(catalogue(tmp_path / "cat.sqlite3", photos), registry, tsa)
    report = submit(o, photos)
    assert not report.sent and not registry.declarations
    [failure] = report.failed  # the first refusal holds the destination's queue
    assert "refused the declaration (400: Invalid signature" in failure.error
    assert registry.refusals[0] == (
        400,
        {
            "error": "Invalid signature",
            "message": "the signature does not verify with the x5c certificate",
            "jwkError": "the signature does not verify with the x5c certificate",
        },
    )
    submission = o.store.submission(key=failure.submission["idempotency_key"])
    assert submission["state"] == "failed" and submission["next_attempt_at"] is None
    assert states(o) == {"pending": 2}  # nothing was declared; nothing is lost
    o.store.close()


def test_the_registry_checks_what_was_signed_and_stamped(tmp_path, photos, creator, registry, tsa):
    """The stand-in is no yes-man: a declaration changed after signing, or stamped for other
    bytes, is refused (so the tests above prove the signatures are right)."""
    o = outbox(catalogue(tmp_path / "cat.sqlite3", photos), registry, tsa)
    submit(o, photos)
    [body, second] = [json.loads(json.dumps(b)) for b in registry.declarations.values()]
    post = lambda doc: requests.post(  # noqa: E731
        f"{registry.url}/v1/declare", json=doc, headers={"Authorization": f"Bearer {tdmai.KEY}"}
    )
    body["declarationMetadata"]["publicMetadata"]["name"] = "changed after signing"
    answer = post(body)
    assert answer.status_code == 400 and answer.json()["error"] == "Invalid signature"
    second["tsaSignature"] = body["tsaSignature"]  # a token for another declaration's bytes
    answer = post(second)
    assert answer.status_code == 400 and answer.json()["error"] == "Invalid TSA signature"
    o.store.close()


def test_a_duplicate_is_never_sent_twice_and_one_already_declared_is_recognised(
    tmp_path, photos, creator, registry, tsa
):
    o = outbox(catalogue(tmp_path / "cat.sqlite3", photos), registry, tsa)
    first = submit(o, photos)
    again = submit(o, photos)
    assert again.already_tracked == 2 and not again.queued and registry.posts == 2
    o.store.close()

    # a second catalogue (a new computer) declares the same works: the registry already holds
    # them, says so (409 with the declaration's cidV1), and that is taken as the answer
    o = outbox(catalogue(tmp_path / "other.sqlite3", photos), registry, tsa)
    report = submit(o, photos)
    assert registry.posts == 4 and len(registry.declarations) == 2
    assert sorted(s["remote_ref"] for s in report.sent) == sorted(
        s["remote_ref"] for s in first.sent
    )
    found = [e.data["evidence"]["found_existing"] for e in o.store.events(kind="optout.sent")]
    assert found == [True, True]
    registry.index()
    assert o.poll(force=True).changes == {DEST: {"confirmed": 2}}
    o.store.close()


def test_refusals_limits_and_a_wrong_clock_are_reported_and_retried(
    tmp_path, photos, creator, registry, tsa
):
    store = catalogue(tmp_path / "cat.sqlite3", photos)
    secrets.forget("registry", DEST)
    o = outbox(store, registry, tsa)
    [failure] = submit(o, photos).failed
    assert "no Liccium API key stored" in failure.error and registry.posts == 0
    assert failure.hint.advice is Advice.SET_UP and failure.hint.subject == DEST

    def again():
        for s in store.submissions(DEST):
            store.update_submission(s["id"], next_attempt_at=None)
        [report] = o.send_queued()
        return report

    secrets.put("registry", DEST, "not-the-key")
    report = again()
    assert "Liccium refused the API key (401" in report.failed[0].error
    assert report.failed[0].hint.advice is Advice.SET_UP
    secrets.put("registry", DEST, tdmai.KEY)

    registry.clock_offset_ms = -5 * 60_000  # the registry's clock is five minutes behind ours
    report = again()
    assert "clock is 300 s ahead of the registry's" in report.failed[0].error
    registry.clock_offset_ms = 0

    posts = registry.posts
    tsa.fail_next = [500]
    report = again()
    assert "no timestamp for the declaration" in report.failed[0].error
    assert registry.posts == posts  # the unstamped declaration never went out

    registry.fail_next = [(429, {"Retry-After": "3600"}), (429, {"Retry-After": "3600"})]
    report = again()
    assert "asked us to wait 3600 s" in report.failed[0].error
    waiting = store.submission(key=report.failed[0].submission["idempotency_key"])
    assert waiting["next_attempt_at"] is not None  # comes back in an hour, not before

    registry.fail_next = [(503, {}), (502, {})]  # passing trouble: retried at once
    report = again()
    assert len(report.sent) == 2 and not report.failed
    assert states(o) == {"submitted": 2}
    store.close()


def test_dry_run_shows_the_iscc_and_the_reservation_and_sends_nothing(
    tmp_path, photos, creator, registry, tsa
):
    o = outbox(catalogue(tmp_path / "cat.sqlite3", photos, policy="no-genai"), registry, tsa)
    report = submit(o, photos, dry_run=True)
    assert registry.posts == 0 and not tsa.requests and not o.store.items(DEST)
    [payload, _] = report.payloads
    public = payload["declarationMetadata"]["publicMetadata"]
    assert tdmai.ISCC.match(public["iscc"]) and "timestamp" not in public
    reservation = payload["declarationMetadata"]["tdmaiRegistry"]
    assert (reservation["all"], reservation["train-ai"], reservation["train-genai"]) == (
        "true", "true", "false",
    )  # fmt: skip
    assert public["liccium_plugins"]["tdmai"]["TDMAI"] is False
    o.store.close()


def test_works_that_reserve_nothing_or_changed_are_refused_before_anything_is_queued(
    tmp_path, photos, creator, registry, tsa
):
    o = outbox(catalogue(tmp_path / "cat.sqlite3", photos, policy="allow"), registry, tsa)
    with pytest.raises(DeclarationError, match="reserves nothing"):
        submit(o, photos)
    o.store.close()
    o = outbox(catalogue(tmp_path / "other.sqlite3", photos), registry, tsa)
    edited = o.store.work(str(photos / "old-mill.jpg")).sha256
    make_jpeg(photos / "old-mill.jpg", seed=30)  # edited after the catalogue read it
    with pytest.raises(DeclarationError, match="changed since the catalogue last read it") as e:
        submit(o, photos)
    assert e.value.hint.advice is Advice.SCAN and e.value.hint.subject == str(photos)
    assert edited not in {i["target"] for i in o.store.items(DEST)} and registry.posts == 0
    o.store.close()


def test_the_command_line_shows_the_declaration_it_would_send(tmp_path, photos, creator):
    """`optout submit tdmai --dry-run` finds each work's file through the catalogue it runs
    on, and shows the signed declaration's content without sending anything."""
    from creatorapp.core.catalogue.location import default_catalogue_path
    from tests.integration.test_cli import cli

    catalogue(default_catalogue_path(), photos).close()
    done = cli("optout", "submit", DEST, "--folder", str(photos), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count('"iscc": "ISCC:K') >= 2 and "did:key:z" in done.stdout
    assert '"train-ai": "false"' in done.stdout
