"""A real S3 API on loopback (moto's server) with IAM checking keys and permissions, and a
plain web server that serves the bucket as a static host (a website endpoint or a CDN) would."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

BUCKET = "jane-site"
REGION = "us-east-1"


class S3Server:
    """Keys: ``writer`` may do anything, ``reader`` may only read and list.  The bucket keeps
    versions, so a test can tell a file written again with the same bytes from one left
    alone."""

    def __init__(self) -> None:
        import boto3
        import requests
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self._web: ThreadingHTTPServer | None = None
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()
        iam = boto3.client("iam", **self._client_args("setup", "setup"))
        self.writer = self._user(iam, "jane", ["s3:*"])
        # moto names HEAD's permission s3:HeadBucket where AWS asks for s3:ListBucket
        self.reader = self._user(iam, "reader", ["s3:GetObject", "s3:ListBucket", "s3:HeadBucket"])
        self.client = boto3.client("s3", **self._client_args(*self.writer))
        self.client.create_bucket(Bucket=BUCKET)
        self.client.put_bucket_versioning(
            Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )
        # from here on every request must be signed by a key IAM knows
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()

    def _client_args(self, key_id: str, secret: str) -> dict:
        return {
            "endpoint_url": self.url,
            "region_name": REGION,
            "aws_access_key_id": key_id,
            "aws_secret_access_key": secret,
        }

    @staticmethod
    def _user(iam, name: str, actions: list[str]) -> tuple[str, str]:
        iam.create_user(UserName=name)
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": "*"}
        ]}  # fmt: skip
        iam.put_user_policy(UserName=name, PolicyName="site", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def serve_site(self, prefix: str = "") -> str:
        """The bucket's files (under ``prefix``) over plain HTTP, each with its stored
        Content-Type; the address of that site."""
        client, start = self.client, f"{prefix.strip('/')}/" if prefix.strip("/") else ""

        class Site(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                key = start + unquote(urlsplit(self.path).path).lstrip("/")
                try:
                    found = client.get_object(Bucket=BUCKET, Key=key)
                    body, kind = found["Body"].read(), found["ContentType"]
                    self.send_response(200)
                except client.exceptions.NoSuchKey:
                    body, kind = b"not found", "text/plain"
                    self.send_response(404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._web = ThreadingHTTPServer(("127.0.0.1", 0), Site)
        threading.Thread(target=self._web.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._web.server_address[1]}"

    def stop(self) -> None:
        import requests

        requests.post(f"{self.url}/moto-api/reset-auth", data=b"inf", timeout=10)
        if self._web is not None:
            self._web.shutdown()
            self._web.server_close()
        self._moto.stop()


class Bucket:
    """The bucket seen from behind the store (publish_contract's backstage)."""

    def __init__(self, server: S3Server, prefix: str = "") -> None:
        self.client = server.client
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""

    def put(self, path: str, data: bytes) -> None:
        self.client.put_object(Bucket=BUCKET, Key=self.prefix + path, Body=data)

    def get(self, path: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=BUCKET, Key=self.prefix + path)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def content_type(self, path: str) -> str:
        return self.client.head_object(Bucket=BUCKET, Key=self.prefix + path)["ContentType"]

    def names(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=BUCKET, Prefix=self.prefix)
        return {item["Key"][len(self.prefix) :] for item in listed.get("Contents", [])}

    def stamps(self) -> dict:
        """The current version of every object: writing a file again makes a new one."""
        versions = self.client.list_object_versions(Bucket=BUCKET).get("Versions", [])
        return {v["Key"]: v["VersionId"] for v in versions if v["IsLatest"]}
