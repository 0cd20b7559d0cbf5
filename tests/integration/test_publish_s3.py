"""Publishing to an S3 bucket: moto's S3 server on loopback, with IAM checking every key, runs
the same publish contract as the other transports; then the command line end to end, with the
live check against the bucket served over HTTP."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports.base import TransportError, kinds, transport_class
from creatorapp.core.sites.transports.s3 import S3
from tests.integration.publish_contract import (
    HAND_WRITTEN,
    check_dry_run_writes_nothing,
    check_merge_and_silent_republish,
)
from tests.integration.test_cli import cli
from tests.servers import s3d
from tests.servers.common import free_port

SITE = SiteConfig("jane", "https://jane.example", PRESETS["no-ai"])


@pytest.fixture(scope="module")
def server():
    s = s3d.S3Server()
    yield s
    s.stop()


@pytest.fixture
def bucket(server):
    """An empty bucket for each test."""
    versions = server.client.list_object_versions(Bucket=s3d.BUCKET)
    for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        server.client.delete_object(Bucket=s3d.BUCKET, Key=item["Key"], VersionId=item["VersionId"])
    return s3d.Bucket(server)


def connect(server, **kw) -> S3:
    key_id, secret = server.writer
    args = dict(
        bucket=s3d.BUCKET,
        endpoint_url=server.url,
        access_key_id=key_id,
        secret_access_key=secret,
    )
    args.update(kw)
    return S3(**args)


def test_s3_is_a_registered_kind():
    assert "s3" in kinds() and transport_class("s3") is S3


def test_publish_keeps_lines_and_republishes_nothing(server, bucket):
    check_merge_and_silent_republish(bucket, lambda: connect(server))


def test_a_dry_run_writes_nothing(server, bucket):
    check_dry_run_writes_nothing(bucket, lambda: connect(server))


def test_a_prefix_is_the_sites_root_and_the_rest_of_the_bucket_is_left_alone(server, bucket):
    bucket.put("elsewhere/robots.txt", b"not ours\n")
    www = s3d.Bucket(server, prefix="www")
    check_merge_and_silent_republish(www, lambda: connect(server, prefix="/www/"))
    assert bucket.get("elsewhere/robots.txt") == b"not ours\n"
    assert "robots.txt" not in bucket.names()  # nothing at the bucket's top
    with connect(server, prefix="www") as transport:
        assert transport.files() == sorted(www.names())


def test_each_file_is_served_with_its_content_type(server, bucket):
    with connect(server) as transport:
        publisher.publish(SiteConfig("jane", SITE.url, SITE.policy, host_policy=True), transport)
    assert bucket.content_type("robots.txt") == "text/plain; charset=utf-8"
    assert bucket.content_type("ai.txt") == "text/plain; charset=utf-8"
    assert bucket.content_type(".well-known/tdmrep.json") == "application/json"
    assert bucket.content_type("ai-policy.html") == "text/html; charset=utf-8"


def test_a_wrong_secret_key_is_a_clear_message(server, bucket):
    with pytest.raises(TransportError, match="refused the login: wrong access key"):
        connect(server, secret_access_key="wrong")
    with pytest.raises(TransportError, match="refused the login"):
        connect(server, access_key_id="AKIAUNKNOWN")


def test_an_unknown_bucket_and_a_refused_connection(server):
    with pytest.raises(TransportError, match="there is no bucket nope"):
        connect(server, bucket="nope")
    with pytest.raises(TransportError, match="cannot connect to bucket"):
        connect(server, endpoint_url=f"http://127.0.0.1:{free_port()}")


def test_a_read_only_key_leaves_the_site_as_it_was(server, bucket):
    bucket.put("robots.txt", HAND_WRITTEN)
    key_id, secret = server.reader
    stamps = bucket.stamps()
    with (
        connect(server, access_key_id=key_id, secret_access_key=secret) as transport,
        pytest.raises(TransportError, match=r"does not allow writing /robots\.txt"),
    ):
        publisher.publish(SITE, transport)
    assert bucket.stamps() == stamps
    assert bucket.names() == {"robots.txt"}


def test_a_dropped_upload_leaves_the_file_as_it_was(server, bucket):
    from tests.servers.cutting_proxy import CuttingProxy

    bucket.put("robots.txt", HAND_WRITTEN)
    proxy = CuttingProxy(int(server.url.rsplit(":", 1)[1]))
    try:
        transport = connect(server, endpoint_url=f"http://127.0.0.1:{proxy.port}")
        assert transport.read("robots.txt") == HAND_WRITTEN
        proxy.cut_after(200_000)
        with pytest.raises(TransportError, match=r"dropped while writing /robots\.txt"):
            transport.write_atomic("robots.txt", os.urandom(3_000_000))
        assert proxy.cut.is_set()
        transport.close()
    finally:
        proxy.stop()
    assert bucket.get("robots.txt") == HAND_WRITTEN


def _add(server, name: str, url: str, *extra: str) -> None:
    key_id, secret = server.writer
    run = cli(
        "site", "add", name, "--url", url, "--transport", "s3", "--bucket", s3d.BUCKET,
        "--endpoint-url", server.url, "--access-key-id", key_id, "--password-stdin", *extra,
        input=secret + "\n",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


def test_the_cli_flow_publish_then_live_check(server, bucket):
    """site add, site publish (which ends with the live check of the bucket as served), drift
    found by site verify, the ledger's record of both, and the secret kept out of the
    catalogue."""
    bucket.put("robots.txt", HAND_WRITTEN)
    web = server.serve_site()
    _add(server, "bucket", web)
    listed = json.loads(cli("site", "list", "--json").stdout.splitlines()[0])
    assert listed["transport"] == "s3" and listed["settings"]["bucket"] == s3d.BUCKET
    _, secret = server.writer
    dump = "\n".join(sqlite3.connect(os.environ["CREATORAPP_CATALOGUE"]).iterdump())
    assert secret not in dump
    assert secret in Path(os.environ["CREATORAPP_TEST_KEYRING"]).read_text()

    run = cli("site", "publish", "bucket", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(run.stdout)
    assert set(doc["changed"]) == {"robots.txt", "ai.txt", ".well-known/tdmrep.json"}
    assert doc["verify"]["ok"] is True, doc["verify"]
    assert bucket.get("robots.txt").startswith(HAND_WRITTEN)

    events = [json.loads(x) for x in cli("ledger", "export", "--json").stdout.splitlines()]
    published = [e for e in events if e["kind"] == "site.published"][-1]["data"]
    served = published["verify"]["responses"][f"{web}/robots.txt"]
    assert served == {
        "status": 200,
        "sha256": hashlib.sha256(bucket.get("robots.txt")).hexdigest(),
    }
    assert published["verify"]["ok"] is True

    bucket.put("ai.txt", b"User-Agent: *\nAllow: /\n")  # changed in the bucket by someone
    drift = cli("site", "verify", "bucket")
    assert drift.returncode == 1 and "DRIFT /ai.txt" in drift.stdout

    assert cli("site", "remove", "bucket").returncode == 0
    assert secret not in Path(os.environ["CREATORAPP_TEST_KEYRING"]).read_text()


def test_a_publish_the_live_site_does_not_serve_exits_1_and_says_so(server, bucket):
    """The bucket takes the files, but the site's address serves something else: publishing
    reports it (exit 1) and the ledger records the failed check; --no-verify skips it."""
    other = Path(os.environ["CREATORAPP_DATA_DIR"]) / "elsewhere"
    other.mkdir()
    from tests.servers.http_site import SiteServer

    wrong = SiteServer(other)  # serves an empty folder, not the bucket
    try:
        _add(server, "bucket", wrong.url)
        run = cli("site", "publish", "bucket")
        assert run.returncode == 1, run.stdout + run.stderr
        assert "FAIL /robots.txt is served" in run.stdout
        assert "published, but the live site shows problems" in run.stdout
        assert bucket.get("ai.txt") is not None  # written all the same
        skipped = cli("site", "publish", "bucket", "--no-verify", "--json")
        assert skipped.returncode == 0 and json.loads(skipped.stdout)["verify"] is None
    finally:
        wrong.close()
    events = [json.loads(x) for x in cli("ledger", "export", "--json").stdout.splitlines()]
    checks = [e["data"]["verify"] for e in events if e["kind"] == "site.published"]
    assert checks[0]["ok"] is False and "/robots.txt is served" in checks[0]["failed"]
    assert checks[1] is None
    listing = json.loads(cli("site", "list", "--json").stdout.splitlines()[0])
    assert listing["verify_ok"] is False


def test_s3_flags_are_checked_before_anything_is_stored(server):
    key_id, _ = server.writer
    base = ["site", "add", "b", "--url", "https://b.example", "--transport", "s3"]
    missing = cli(*base, "--endpoint-url", server.url)
    assert missing.returncode == 2
    assert "an S3 site needs --bucket, --access-key-id" in missing.stderr
    no_secret = cli(*base, "--bucket", s3d.BUCKET, "--access-key-id", key_id)
    assert no_secret.returncode == 2 and "--password-stdin" in no_secret.stderr
    bad = cli(*base, "--bucket", s3d.BUCKET, "--access-key-id", key_id,
              "--endpoint-url", "s3.example.com", "--password-stdin", input="x\n")  # fmt: skip
    assert bad.returncode == 2 and "--endpoint-url" in bad.stderr
    assert "Traceback" not in missing.stderr + no_secret.stderr + bad.stderr
    assert json.loads(cli("site", "list", "--json").stdout or "null") is None
