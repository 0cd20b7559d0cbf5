"""An S3 bucket: Amazon S3, or S3-compatible storage (MinIO, Cloudflare R2, Backblaze B2,
Wasabi) at its own address, through boto3.

S3 applies a PutObject whole or not at all, so each file is replaced in one request and no
reader sees half of it.  Each file gets the Content-Type a static host should serve it with.
The secret access key lives in the keyring; the site's address (``--url``) is where the bucket
is served from (a website endpoint, a CDN or the store's public address).
"""

from __future__ import annotations

import mimetypes

from creatorapp.core.sites.transports.base import (
    Capability,
    Transport,
    TransportError,
    clean_path,
    register,
)
from creatorapp.core.sites.transports.settings import Setting, Type

TIMEOUT = 30
CONTENT_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}
# what S3 and the S3-compatible stores answer, as a person would say it
REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
DENIED = {"AccessDenied", "AllAccessDisabled", "403"}
NO_BUCKET = {"NoSuchBucket"}
MISSING = {"NoSuchKey", "404", "NotFound"}


def content_type(path: str) -> str:
    suffix = "." + path.rpartition(".")[2] if "." in path.rpartition("/")[2] else ""
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


@register
class S3(Transport):
    KIND = "s3"
    TITLE = "Amazon S3 or S3-compatible storage"
    NOUN = "an S3 site"
    RANK = 60
    SETTINGS = (
        Setting("bucket", "Bucket", help="the bucket the site's files go in", required=True,
                example="jane-site", pattern=r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}"),
        Setting("prefix", "Folder in the bucket", help="where the site's root is in the bucket "
                "(empty: the bucket's top)", default=""),
        Setting("endpoint_url", "S3 address", Type.URL, "S3-compatible storage's address "
                "(MinIO, R2, B2, Wasabi); empty for Amazon S3",
                example="https://s3.example.com"),
        Setting("region", "Region", help="the bucket's region", default="us-east-1"),
        Setting("addressing", "Addressing", Type.CHOICE, "how requests name the bucket "
                "(path for most self-hosted stores)", default="auto",
                choices=("auto", "path", "virtual")),
        Setting("access_key_id", "Access key ID", help="the ID of an access key that may write "
                "the bucket", required=True),
        Setting("ca_file", "CA certificate", Type.PATH, "trust this CA (PEM) for the store"),
        Setting("secret_access_key", "Secret access key", required=True, secret=True),
    )  # fmt: skip
    CAPABILITIES = frozenset({Capability.LIST})

    def __init__(
        self,
        *,
        bucket: str,
        access_key_id: str,
        secret_access_key: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        addressing: str = "auto",
        ca_file: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.where = f"bucket {bucket}" + (f" at {endpoint_url}" if endpoint_url else "")
        config = Config(
            connect_timeout=TIMEOUT,
            read_timeout=TIMEOUT,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": addressing},
            # checksums only where S3 requires them: several compatible stores refuse others
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            user_agent_extra="creator-reserve",
        )
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region,
        )
        self._s3 = session.client(
            "s3", endpoint_url=endpoint_url, config=config, verify=ca_file or True
        )
        # a first request: a wrong address, key or bucket shows up here (a listing rather
        # than HEAD, whose answers carry no error code to tell a wrong key from a refusal)
        self._call("list_objects_v2", "", "opening", Bucket=bucket, MaxKeys=1)

    def _key(self, path: str) -> str:
        return "/".join(p for p in (self.prefix, clean_path(path)) if p)

    def _call(self, method: str, path: str, action: str, *, missing_ok: bool = False, **kw):
        """The request's answer, or None for a missing object when ``missing_ok``; every
        failure as a TransportError a person can act on."""
        from botocore import exceptions as bx

        try:
            return getattr(self._s3, method)(**kw)
        except bx.ClientError as exc:
            if missing_ok and str(exc.response.get("Error", {}).get("Code")) in MISSING:
                return None
            raise self._refusal(exc, action, path) from None
        except bx.SSLError as exc:
            raise TransportError(
                f"the TLS certificate of {self.where} cannot be trusted ({exc}); nothing was sent"
            ) from None
        except (bx.EndpointConnectionError, bx.ConnectTimeoutError):
            raise TransportError(f"cannot connect to {self.where}") from None
        except (bx.ConnectionClosedError, bx.ReadTimeoutError, bx.ConnectionError) as exc:
            during = f"{action} /{path}" if path else action
            raise TransportError(
                f"the connection to {self.where} dropped while {during} "
                f"({type(exc).__name__}); the file on the site was left as it was"
            ) from None
        except bx.BotoCoreError as exc:
            during = f"{action} /{path}" if path else action
            raise TransportError(f"{during} in {self.where} failed ({exc})") from None

    def _refusal(self, exc, action: str, path: str) -> TransportError:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in REFUSED:
            return TransportError(
                f"{self.where} refused the login: wrong access key ID or secret access key"
            )
        if code in NO_BUCKET or (action == "opening" and code in MISSING):
            return TransportError(f"there is no {self.where} (or the key cannot see it)")
        if code in DENIED:
            what = f"{action} /{path}" if path else f"using {self.where}"
            return TransportError(f"the store does not allow {what} (permission denied)")
        message = error.get("Message") or code or f"HTTP {status}"
        during = f"{action} /{path}" if path else action
        return TransportError(f"{during} in {self.where} failed ({message})")

    def read(self, path: str) -> bytes | None:
        key = self._key(path)
        answer = self._call(
            "get_object", path, "reading", missing_ok=True, Bucket=self.bucket, Key=key
        )
        if answer is None:
            return None
        try:
            return answer["Body"].read()
        except Exception as exc:  # the body's stream: urllib3's and botocore's own errors
            raise TransportError(
                f"the connection to {self.where} dropped while reading /{path} "
                f"({type(exc).__name__})"
            ) from None

    def write_atomic(self, path: str, data: bytes) -> None:
        self._call(
            "put_object",
            path,
            "writing",
            Bucket=self.bucket,
            Key=self._key(path),
            Body=data,
            ContentType=content_type(path),
        )

    def delete(self, path: str) -> None:
        self._call("delete_object", path, "deleting", Bucket=self.bucket, Key=self._key(path))

    def files(self) -> list[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        found: list[str] = []
        token: dict = {}
        while True:
            page = self._call(
                "list_objects_v2", "", "listing", Bucket=self.bucket, Prefix=start, **token
            )
            found += [item["Key"][len(start) :] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return sorted(found)
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def close(self) -> None:
        self._s3.close()
