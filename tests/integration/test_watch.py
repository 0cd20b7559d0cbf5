"""The watcher on a real filesystem with real events (inotify on Linux)."""

from __future__ import annotations

import io
import os
import threading

import pytest
from PIL import Image

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.catalogue.ledger import verify_chain
from creatorapp.core.media.base import Status
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.tagging import read_reservation
from creatorapp.core.works.watch import Watcher
from tests.conftest import make_jpeg, pixels
from tests.waiting import wait_until

VOCAB = "http://ns.useplus.org/ldf/vocab/"


class Recorder:
    def __init__(self):
        self.outcomes = []
        self.problems = []
        self._lock = threading.Lock()

    def outcome(self, o):
        with self._lock:
            self.outcomes.append(o)

    def problem(self, text):
        with self._lock:
            self.problems.append(text)

    def for_path(self, path):
        with self._lock:
            return [o for o in self.outcomes if o.path == str(path)]

    def has(self, path, status=Status.TAGGED):
        return any(o.status is status for o in self.for_path(path))


@pytest.fixture
def env(tmp_path):
    root = tmp_path / "photos"
    root.mkdir()
    portfolio = Portfolio(open_catalogue(tmp_path / "cat.sqlite3"))
    recorder = Recorder()
    watchers = []

    def start(settle=0.2):
        w = Watcher(
            portfolio,
            settle=settle,
            jobs=2,
            folder_check=0.2,
            on_outcome=recorder.outcome,
            on_problem=recorder.problem,
        )
        w.start()
        assert w.wait_ready(20)
        watchers.append(w)
        return w

    yield root, portfolio, recorder, start
    for w in watchers:
        w.stop()
    portfolio.store.close()


def _jpeg_bytes(seed=3, size=(300, 200)) -> bytes:
    im = Image.effect_noise(size, 30 + seed).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def _tagged_events(store, path):
    return list(store.events(kind="work.tagged", subject=str(path)))


def test_a_new_export_is_tagged_and_recorded(env):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    start()
    make_jpeg(root / "new.jpg", seed=4)
    wait_until(lambda: rec.has(root / "new.jpg"), what="new.jpg tagged")
    assert read_reservation(root / "new.jpg").reserved
    wait_until(
        lambda: portfolio.store.work(str(root / "new.jpg")).state is WorkState.TAGGED,
        what="catalogue updated",
    )


def test_a_file_written_slowly_in_chunks_is_tagged_once_complete(env):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    w = start(settle=1.0)
    data = _jpeg_bytes(seed=5)
    target = root / "slow.jpg"
    pause = threading.Event()
    with open(target, "wb") as handle:
        for i in range(0, len(data), len(data) // 6 + 1):
            handle.write(data[i : i + len(data) // 6 + 1])
            handle.flush()
            pause.wait(0.1)  # the writer's own pace, well inside the quiet period
    wait_until(lambda: rec.for_path(target), what="slow.jpg handled")
    wait_until(lambda: not w.busy, what="watcher idle")
    assert [o.status for o in rec.for_path(target)] == [Status.TAGGED]
    assert pixels(target) == pixels(io.BytesIO(data))


def test_rename_into_place_is_tagged_and_the_temp_name_ignored(env):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    start()
    part = root / "export.jpg.part"
    part.write_bytes(_jpeg_bytes(seed=6))
    part.rename(root / "export.jpg")
    wait_until(lambda: rec.has(root / "export.jpg"), what="export.jpg tagged")
    assert rec.for_path(part) == []
    assert portfolio.store.work(str(part)) is None


def test_our_own_write_never_triggers_more_work(env):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    w = start()
    first = make_jpeg(root / "first.jpg", seed=7)
    wait_until(lambda: rec.has(first), what="first tagged")
    # Events are handled in order: once a file created after our write has been handled,
    # the events of our own write (the rename of the temporary file) have been too.
    sentinel = make_jpeg(root / "sentinel.jpg", seed=8)
    wait_until(lambda: rec.has(sentinel), what="sentinel tagged")
    wait_until(lambda: not w.busy, what="watcher idle")
    assert len(rec.for_path(first)) == 1
    assert len(_tagged_events(portfolio.store, first)) == 1
    assert w.stats.events > 2  # the rename events did arrive


def test_a_move_between_watched_folders_keeps_history_and_applies_the_new_policy(env, tmp_path):
    root, portfolio, rec, start = env
    other = tmp_path / "genai-only"
    other.mkdir()
    portfolio.add_folder(root, policy="no-ai")
    portfolio.add_folder(other, policy="no-genai")
    w = start()
    src = make_jpeg(root / "travel.jpg", seed=9)
    wait_until(lambda: rec.has(src), what="tagged in the first folder")
    wait_until(lambda: not w.busy, what="watcher idle")
    work_id = portfolio.store.work(str(src)).id
    dest = other / "travel.jpg"
    src.rename(dest)
    wait_until(lambda: rec.has(dest), what="re-tagged with the second folder's policy")
    assert read_reservation(dest).data_mining == VOCAB + "DMI-PROHIBITED-GENAIMLTRAINING"
    work = portfolio.store.work(str(dest))
    assert work.id == work_id and work.policy == "no-genai"
    moved = list(portfolio.store.events(kind="work.moved"))
    assert moved[-1].data["from"] == str(src) and moved[-1].data["to"] == str(dest)


def test_a_deleted_file_is_marked_deleted(env):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    start()
    f = make_jpeg(root / "gone.jpg", seed=10)
    wait_until(lambda: rec.has(f), what="tagged")
    f.unlink()
    wait_until(
        lambda: portfolio.store.work(str(f)).state is WorkState.DELETED, what="marked deleted"
    )
    assert list(portfolio.store.events(kind="work.deleted", subject=str(f)))


def test_catch_up_after_downtime(env):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    make_jpeg(root / "before.jpg", seed=11)
    w = start()
    wait_until(lambda: rec.has(root / "before.jpg"), what="first run tags what is there")
    w.stop()
    # while the watcher is not running
    make_jpeg(root / "during.jpg", seed=12)
    make_jpeg(root / "before.jpg", seed=13)  # re-exported over the tagged one
    start()
    wait_until(lambda: rec.has(root / "during.jpg"), what="new file caught up")
    wait_until(lambda: len(rec.for_path(root / "before.jpg")) == 2, what="changed file")
    assert read_reservation(root / "during.jpg").reserved
    assert read_reservation(root / "before.jpg").reserved


def test_a_vanished_folder_is_reported_survived_and_picked_up_again(env, tmp_path):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    w = start()
    make_jpeg(root / "one.jpg", seed=14)
    wait_until(lambda: rec.has(root / "one.jpg"), what="tagged")
    away = tmp_path / "unplugged"
    root.rename(away)
    wait_until(lambda: any("not available" in p for p in rec.problems), what="problem reported")
    assert w.is_alive()
    make_jpeg(away / "while-away.jpg", seed=15)
    away.rename(root)
    wait_until(lambda: rec.has(root / "while-away.jpg"), what="tagged after the folder returned")
    make_jpeg(root / "after.jpg", seed=16)
    wait_until(lambda: rec.has(root / "after.jpg"), what="watched again")
    assert portfolio.store.work(str(root / "one.jpg")).state is WorkState.TAGGED
    kinds = [e.kind for e in portfolio.store.events()]
    assert "folder.unavailable" in kinds and "folder.available" in kinds
    assert verify_chain(
        portfolio.store.events(), expected_count=portfolio.store.events_written()
    ).ok


def test_a_broken_file_fails_once_and_is_not_retried_until_it_changes(env):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    w = start()
    bad = root / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really")
    wait_until(lambda: rec.has(bad, Status.FAILED), what="failure reported")
    os.utime(bad, ns=(os.stat(bad).st_atime_ns, os.stat(bad).st_mtime_ns))  # a touch, no change
    sentinel = make_jpeg(root / "sentinel.jpg", seed=17)
    wait_until(lambda: rec.has(sentinel), what="sentinel")
    wait_until(lambda: not w.busy, what="idle")
    assert len(rec.for_path(bad)) == 1
    bad.write_bytes(_jpeg_bytes(seed=18))  # fixed by the user
    wait_until(lambda: rec.has(bad), what="tagged once fixed")


def test_a_burst_of_files_is_all_tagged_exactly_once(env):
    root, portfolio, rec, start = env
    portfolio.add_folder(root)
    w = start()
    data = [_jpeg_bytes(seed=i, size=(120, 90)) for i in range(40)]
    for i, d in enumerate(data):
        (root / f"burst_{i:02d}.jpg").write_bytes(d)
    wait_until(lambda: len(rec.outcomes) >= 40, what="40 outcomes")
    wait_until(lambda: not w.busy, what="idle")
    paths = [o.path for o in rec.outcomes]
    assert len(paths) == len(set(paths)) == 40
    assert all(o.status is Status.TAGGED for o in rec.outcomes)
    assert portfolio.store.count_by_state() == {WorkState.TAGGED: 40}


def test_a_signed_file_the_watcher_retags_is_re_signed_not_broken(env, tmp_path):
    """A file carrying Content Credentials that the watcher must rewrite (the folder's policy
    says something else) is signed again, the old manifest kept as its parent."""
    import shutil

    from creatorapp.core.media import c2pa
    from creatorapp.core.media.c2pa import CredentialStatus, SignJob
    from creatorapp.core.policy import resolve_policy
    from creatorapp.core.policy.signals import embedded_fields
    from creatorapp.core.proof import identity
    from creatorapp.core.works.tagging import TagOptions, tag_files

    root, portfolio, rec, start = env
    identity.create("Jane Doe")  # saved, as `creatorapp identity create` does
    no_ai = resolve_policy("no-ai")
    outside = make_jpeg(tmp_path / "signed.jpg", seed=9)
    job = SignJob(identity.load()).with_policies([no_ai])
    [signed] = tag_files([(outside, embedded_fields(no_ai))], options=TagOptions(credentials=job))
    assert signed.status is Status.TAGGED, signed.reason
    portfolio.add_folder(root, "allow")
    start()
    shutil.copyfile(outside, root / "signed.jpg")
    wait_until(lambda: rec.for_path(root / "signed.jpg"), what="signed.jpg handled")
    [outcome] = rec.for_path(root / "signed.jpg")
    assert outcome.status is Status.TAGGED, outcome.reason
    creds = c2pa.read_path(root / "signed.jpg", "jpeg")
    assert creds.status is CredentialStatus.VALID, creds
    assert set(creds.uses().values()) == {"allowed"}
    assert creds.manifests == 2
    assert pixels(root / "signed.jpg") == pixels(outside)


def _reader_labels(path) -> list[str]:
    """The active manifest's assertion labels, read with c2pa-python's own Reader."""
    import json

    import c2pa

    with c2pa.Reader(str(path)) as reader:
        store = json.loads(reader.json())
    return [a["label"] for a in store["manifests"][store["active_manifest"]]["assertions"]]


def _signing_policy() -> None:
    """A user policy that asks for Content Credentials itself (no --c2pa anywhere)."""
    from creatorapp.core.policy import policies_dir

    folder = policies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "signed.toml").write_text(
        'name = "signed"\nextends = "no-ai"\ncontent_credentials = true\n'
    )


def test_a_file_dropped_into_a_folder_whose_policy_signs_is_signed(env):
    """The watcher signs as a scan does: the dropped file carries Content Credentials with both
    training-and-mining assertions, and the catalogue's signature says what the file carries."""
    from creatorapp.core.media import c2pa
    from creatorapp.core.proof import identity

    root, portfolio, rec, start = env
    _signing_policy()
    made = identity.create("Jane Doe")
    portfolio.add_folder(root, "signed")
    w = start()
    dropped = make_jpeg(root / "dropped.jpg", seed=21)
    wait_until(lambda: rec.for_path(dropped), what="dropped.jpg handled")
    wait_until(lambda: not w.busy, what="watcher idle")
    [outcome] = rec.for_path(dropped)
    assert outcome.status is Status.TAGGED, outcome.reason
    assert {"c2pa.training-mining", "cawg.training-mining"} <= set(_reader_labels(dropped))
    creds = c2pa.read_path(dropped, "jpeg", made.ca_pem)
    assert creds.state == "Trusted" and creds.uses()["ai_training"] == "notAllowed"
    work = portfolio.store.work(str(dropped))
    assert work.state is WorkState.TAGGED and work.signature.endswith("+c2pa")
    [tagged] = _tagged_events(portfolio.store, dropped)
    assert tagged.data["signature"] == work.signature
    assert not list(portfolio.store.events(kind="credentials.unavailable"))


def test_without_an_identity_a_signing_folder_s_file_stays_due_and_the_ledger_says_why(env):
    """No identity: the file is tagged without credentials, recorded under the unsigned
    signature (so it is signed once an identity exists) and the ledger says why, as a scan
    does; never recorded as signed."""
    from creatorapp.core.media import c2pa

    root, portfolio, rec, start = env
    _signing_policy()
    portfolio.add_folder(root, "signed")
    w = start()
    dropped = make_jpeg(root / "dropped.jpg", seed=22)
    wait_until(lambda: rec.for_path(dropped), what="dropped.jpg handled")
    wait_until(lambda: not w.busy, what="watcher idle")
    assert not c2pa.read_path(dropped, "jpeg").present
    work = portfolio.store.work(str(dropped))
    assert work.state is WorkState.TAGGED and not work.signature.endswith("+c2pa")
    [why] = list(portfolio.store.events(kind="credentials.unavailable"))
    assert "no signing identity" in why.data["why"]
