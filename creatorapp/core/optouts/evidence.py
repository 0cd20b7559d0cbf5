"""Evidence kept beside the catalogue: the exact bytes of what was sent and what came back
(emails as raw ``.eml``, confirmations the user attaches).  Files are named by their SHA-256,
which the ledger records, so the hash chain vouches for each file and a changed file is
detectable."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from creatorapp.core.catalogue.location import PRIVATE_FILE, data_dir, private_folder
from creatorapp.core.media.safe_write import FileProblem, safe_write
from creatorapp.errors import UserError


class EvidenceError(UserError):
    """Evidence could not be kept (a full or read-only disk); nothing is recorded without it."""


def folder() -> Path:
    return data_dir() / "evidence"


def keep(data: bytes, suffix: str) -> dict:
    """Store ``data`` once (by content) and return what the ledger records about it.

    Evidence holds the creator's letters with their postal address and the replies: private,
    like the catalogue (a 0700 folder the app makes, files 0600)."""
    digest = hashlib.sha256(data).hexdigest()
    path = folder() / f"{digest}{suffix}"
    if not path.exists():
        try:
            private_folder(data_dir())
            private_folder(path.parent)
            safe_write(path, data, keep_mtime=False)
            os.chmod(path, PRIVATE_FILE)
        except (OSError, FileProblem) as exc:
            raise EvidenceError(f"cannot keep evidence in {path.parent}: {exc}") from None
    return {"sha256": digest, "file": path.name, "bytes": len(data)}


def check(record: dict) -> bool:
    """The kept file still has the bytes the ledger recorded."""
    path = folder() / record["file"]
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]
    except OSError:
        return False
