"""RFC 3161 timestamps from a timestamp server: dated proof that a signature existed at a time.

A registry that requires one (Liccium's TDM·AI registry) checks the token against the signed
bytes and its own clock, so the request hashes exactly those bytes (SHA-512, as the registry's
own examples do), asks for the server's certificate in the answer, and carries a nonce.  The
answer is checked here before it is sent on: granted, for our hash, with our nonce.  Whether the
server itself is to be trusted is for the registry to judge.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from creatorapp.core.text import neterrors
from creatorapp.errors import UserError

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"


class TimestampError(UserError):
    """No usable timestamp: the server cannot be reached, refused, or answered something else."""


@dataclass(frozen=True)
class Stamp:
    tsq: bytes  # the TimeStampReq, DER
    tsr: bytes  # the TimeStampResp, DER
    gen_time: datetime  # when the server says it stamped


def stamp(data: bytes, url: str, *, session=None, timeout: float = 30.0) -> Stamp:
    """A timestamp over ``data`` from the server at ``url``."""
    import requests
    from rfc3161_client import (
        HashAlgorithm,
        PKIStatus,
        TimestampRequestBuilder,
        decode_timestamp_response,
    )

    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA512)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    tsq = request.as_bytes()
    http = session or requests
    try:
        answer = http.post(
            url, data=tsq, headers={"Content-Type": QUERY, "Accept": REPLY}, timeout=timeout
        )
    except requests.RequestException as exc:
        raise TimestampError(f"timestamp server: {neterrors.describe(exc, url)}") from None
    if answer.status_code != 200:
        raise TimestampError(f"the timestamp server {url} answered {answer.status_code}")
    try:
        response = decode_timestamp_response(answer.content)
        granted = response.status in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS)
        info = response.tst_info if granted else None
    except ValueError:
        raise TimestampError(
            f"the timestamp server {url} sent something that is not a timestamp"
        ) from None
    if info is None:
        words = "; ".join(response.status_string) or f"status {response.status}"
        raise TimestampError(f"the timestamp server {url} refused ({words})")
    if info.message_imprint.message != hashlib.sha512(data).digest() or (
        info.nonce != request.nonce
    ):
        raise TimestampError(f"the timestamp server {url} stamped something else than was asked")
    return Stamp(tsq, answer.content, info.gen_time)
