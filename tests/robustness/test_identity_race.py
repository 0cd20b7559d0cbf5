"""The moment the kill -9 rounds of ``watch`` hit by chance, made certain: a photographer's
export replaces a work just after the app checked it.

The catalogue remembers a work by the stat and hash the tagging reports.  If those are taken from
the name again after the check, they describe the export (untagged) as the checked, reserved
file; every later scan and the watcher then trust the catalogue and never tag the export.  The
identity must be that of the bytes that were checked, or the outcome must say the file changed.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from creatorapp.core.media.base import Status
from creatorapp.core.policy import resolve_policy
from creatorapp.core.policy.signals import embedded_fields
from creatorapp.core.works import tagging
from tests.conftest import make_jpeg

SEED = 99


def _export(path, data: bytes) -> None:
    part = f"{path}.part"
    with open(part, "wb") as handle:
        handle.write(data)
    os.replace(part, path)


@pytest.mark.parametrize("state", ["already tagged", "untagged"])
def test_identity_is_of_the_bytes_checked(tmp_path, monkeypatch, state):
    path = make_jpeg(tmp_path / "work.jpg", size=(320, 240), seed=SEED)
    export = path.read_bytes()
    fields = embedded_fields(resolve_policy("no-ai"))
    if state == "already tagged":
        assert tagging.tag_file(path, fields).status is Status.TAGGED
    checked = path.read_bytes()
    real = tagging._tag_file

    def export_lands_right_after_the_check(*args, **kwargs):
        outcome = real(*args, **kwargs)
        _export(path, export)  # the photographer's exporter replaces the file now
        return outcome

    monkeypatch.setattr(tagging, "_tag_file", export_lands_right_after_the_check)
    outcome = tagging.tag_file(path, fields, tagging.TagOptions(digest=True))
    now = os.stat(path)
    assert path.read_bytes() == export  # the export won: the file is untagged now
    if outcome.status not in (Status.TAGGED, Status.UNCHANGED):
        return  # reported as changed or failed: the next scan looks at the file again
    described = (outcome.size, outcome.mtime_ns, outcome.inode)
    assert described != (now.st_size, now.st_mtime_ns, now.st_ino), (
        f"SEED={SEED} ({state}): the outcome says {outcome.status.value} with the stat of the "
        "export that replaced the file after the check; the catalogue would record the untagged "
        "export as tagged and never look at it again (creatorapp/core/works/tagging.py "
        "_with_identity reads the identity from the name after the check)"
    )
    assert outcome.sha256 != hashlib.sha256(export).hexdigest(), (
        f"SEED={SEED} ({state}): the outcome carries the hash of the untagged export"
    )
    if state == "already tagged":
        assert outcome.sha256 in (None, hashlib.sha256(checked).hexdigest())
