"""Paths at the edges: symbolic links that lead out of a folder, file names that are not UTF-8,
and the temporary files a killed writer leaves behind.  The commands run as real subprocesses
(the installed ``creatorapp``) against a catalogue in the test's own folder."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.catalogue.ledger import verify_chain
from creatorapp.core.media.base import Status
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.tagging import read_reservation
from creatorapp.core.works.watch import Watcher
from tests.conftest import VOCAB, has_exiftool, make_jpeg
from tests.integration.test_watch import Recorder
from tests.waiting import wait_until

_BIN = Path(sys.executable).with_name("creatorapp")
COMMAND = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "creatorapp"]
# like a desktop in a UTF-8 locale: writing an undecodable name raw to stdout would crash
STRICT = {"LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        env={**os.environ, **STRICT},
        timeout=120,
    )


def _text(raw: bytes) -> str:
    return raw.decode("utf-8")  # the output itself must be valid UTF-8


def _ok(proc: subprocess.CompletedProcess) -> None:
    err = _text(proc.stderr)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def _json_lines(proc: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in _text(proc.stdout).splitlines() if line.strip()]


def _catalogue():
    return open_catalogue(Path(os.environ["CREATORAPP_CATALOGUE"]))


def _data_mining(path: Path) -> str:
    """What exiftool (the independent oracle) reads from the file."""
    if not has_exiftool():
        pytest.skip("exiftool is not installed")
    out = subprocess.run(
        ["exiftool", "-b", "-XMP-plus:DataMining", os.fsencode(path)],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode().removeprefix(VOCAB)


# --- 2. symbolic links lead out of the folder ------------------------------------------------


@pytest.fixture
def linked(tmp_path):
    """A portfolio-to-be with one real image and a link to an image outside it."""
    photos, outside = tmp_path / "photos", tmp_path / "outside"
    photos.mkdir()
    outside.mkdir()
    make_jpeg(photos / "own.jpg", seed=2)
    secret = make_jpeg(outside / "secret.jpg", seed=3)
    (photos / "link.jpg").symlink_to(secret)
    return photos, secret, secret.read_bytes()


def _deleted_events(store) -> list:
    return list(store.events(kind="work.deleted"))


def test_tag_folder_never_writes_through_a_link(linked):
    photos, secret, before = linked
    proc = run("tag", "--json", str(photos))
    _ok(proc)
    by_path = {Path(d["path"]).name: d for d in _json_lines(proc)}
    assert by_path["own.jpg"]["status"] == "tagged"
    assert by_path["link.jpg"]["status"] == "skipped"
    assert f"symbolic link to {secret}" in by_path["link.jpg"]["reason"]
    assert "name the target" in by_path["link.jpg"]["reason"]
    assert secret.read_bytes() == before
    assert photos.joinpath("link.jpg").is_symlink()


def test_a_link_named_explicitly_is_skipped_and_its_target_named_is_tagged(linked):
    photos, secret, before = linked
    proc = run("tag", "--json", str(photos / "link.jpg"))
    _ok(proc)
    [doc] = _json_lines(proc)
    assert doc["status"] == "skipped" and "symbolic link" in doc["reason"]
    assert secret.read_bytes() == before
    # naming the target itself is the way to tag it
    proc = run("tag", "--json", str(secret))
    _ok(proc)
    assert _json_lines(proc)[0]["status"] == "tagged"
    assert read_reservation(secret).reserved


def test_folders_add_and_watch_once_report_a_link_and_never_delete_it(linked):
    photos, secret, before = linked
    proc = run("folders", "add", str(photos))
    _ok(proc)
    assert "link.jpg: symbolic link to" in _text(proc.stderr)
    proc = run("watch", "--once")
    _ok(proc)
    assert secret.read_bytes() == before
    store = _catalogue()
    try:
        assert store.work(str(photos / "link.jpg")) is None
        assert store.work(str(photos / "own.jpg")).state is WorkState.TAGGED
        assert _deleted_events(store) == []
    finally:
        store.close()


@pytest.fixture
def watching(tmp_path):
    portfolio = Portfolio(open_catalogue(tmp_path / "cat.sqlite3"))
    recorder = Recorder()
    started = []

    def start(**kw) -> Watcher:
        w = Watcher(
            portfolio,
            settle=0.2,
            jobs=2,
            folder_check=0.2,
            on_outcome=recorder.outcome,
            on_problem=recorder.problem,
            **kw,
        )
        w.start()
        started.append(w)
        return w

    yield portfolio, recorder, start
    for w in started:
        w.stop()
    portfolio.store.close()


def test_the_watcher_reports_a_new_link_once_and_never_writes_through_it(tmp_path, watching):
    portfolio, recorder, start = watching
    photos, outside = tmp_path / "photos", tmp_path / "outside"
    photos.mkdir()
    outside.mkdir()
    secret = make_jpeg(outside / "secret.jpg", seed=4)
    before = secret.read_bytes()
    portfolio.add_folder(photos)
    w = start()
    assert w.wait_ready(20)

    link = photos / "link.jpg"
    link.symlink_to(secret)
    wait_until(lambda: recorder.for_path(link), what="the link reported")
    # more events on the link, and a real arrival after them to know they were all handled
    for _ in range(3):
        os.utime(link, follow_symlinks=False)
    marker = make_jpeg(photos / "marker.jpg", seed=5)
    wait_until(
        lambda: recorder.has(marker),
        what="marker tagged",
    )
    os.utime(link, follow_symlinks=False)
    marker2 = make_jpeg(photos / "marker2.jpg", seed=6)
    wait_until(lambda: recorder.has(marker2), what="marker2")

    [reported] = recorder.for_path(link)
    assert reported.status is Status.SKIPPED
    assert f"symbolic link to {secret}" in reported.reason
    assert secret.read_bytes() == before
    store = portfolio.store
    assert store.work(str(link)) is None
    # a scan afterwards (the next start, `watch --once`) has no work there to call deleted
    report = portfolio.scan()
    assert report.deleted == 0
    assert [p for p, _ in report.skipped] == [str(link)]
    assert _deleted_events(store) == []
    assert secret.read_bytes() == before


def test_the_watcher_catch_up_reports_an_existing_link_once(tmp_path, watching, linked):
    portfolio, recorder, start = watching
    photos, secret, before = linked
    portfolio.add_folder(photos)
    w = start()
    assert w.wait_ready(20)
    wait_until(
        lambda: recorder.has(photos / "own.jpg"),
        what="own.jpg tagged",
    )
    # a folder event makes the watcher scan again: the link is not reported twice
    (photos / "sub").mkdir()
    make_jpeg(photos / "sub" / "new.jpg", seed=7)
    wait_until(
        lambda: any(
            o.status is Status.TAGGED for o in recorder.for_path(photos / "sub" / "new.jpg")
        ),
        what="sub/new.jpg tagged",
    )
    assert [o.status for o in recorder.for_path(photos / "link.jpg")] == [Status.SKIPPED]
    assert secret.read_bytes() == before


# --- 6. names that are not UTF-8 --------------------------------------------------------------


CAFE = b"caf\xe9.jpg"  # Latin-1, as an old NAS share or a USB disk keeps it


@pytest.fixture
def latin1(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    cafe = Path(os.fsdecode(os.fsencode(photos) + b"/" + CAFE))
    make_jpeg(cafe, seed=8)
    make_jpeg(photos / "plain.jpg", seed=9)
    return photos, cafe


def test_folders_add_records_and_tags_a_name_that_is_not_utf8(latin1, tmp_path):
    photos, cafe = latin1
    outside = make_jpeg(tmp_path / "elsewhere.jpg", seed=10)
    link = Path(os.fsdecode(os.fsencode(photos) + b"/lien-\xe9.jpg"))
    link.symlink_to(outside)
    proc = run("folders", "add", str(photos))
    _ok(proc)
    assert "2 works found" in _text(proc.stdout)
    assert "lien-\\xe9.jpg: symbolic link" in _text(proc.stderr)  # shown escaped
    assert _data_mining(cafe).startswith("DMI-PROHIBITED")
    store = _catalogue()
    try:
        work = store.work(str(cafe))
        assert work is not None and work.state is WorkState.TAGGED
        assert os.fsencode(work.path) == os.fsencode(cafe)
        assert set(store.works_at([str(cafe), str(photos / "plain.jpg")])) == {
            str(cafe),
            str(photos / "plain.jpg"),
        }
        [folder] = store.folders()
        assert store.folder_for(str(cafe)) == folder
        subjects = {e.subject for e in store.events(subject=str(cafe))}
        assert subjects == {str(cafe)}
        assert verify_chain(store.events(), expected_count=store.events_written()).ok
    finally:
        store.close()
    # what SQLite holds is the name's bytes, not a guess at its characters
    db = sqlite3.connect(os.environ["CREATORAPP_CATALOGUE"])
    try:
        raw = {r[0] for r in db.execute("SELECT path FROM works")}
    finally:
        db.close()
    assert os.fsencode(cafe) in raw


def test_the_ledger_keeps_a_name_that_is_not_utf8_and_checks_out(latin1, tmp_path):
    from creatorapp.core.catalogue.ledger import chain_hash

    photos, cafe = latin1
    _ok(run("folders", "add", str(photos)))
    verify = run("ledger", "verify", "--json")
    _ok(verify)
    assert _json_lines(verify)[0]["ok"] is True
    exported = tmp_path / "ledger.jsonl"
    _ok(run("ledger", "export", "--output", str(exported)))
    events = [json.loads(line) for line in exported.read_text("utf-8").splitlines()]
    assert "caf\\udce9.jpg" in exported.read_text("utf-8")
    # re-checked from the exported file alone, by the documented rule
    prev = "0" * 64
    for e in events:
        assert e["prev_hash"] == prev
        assert chain_hash(prev, e["seq"], e["at"], e["kind"], e["subject"], e["data"]) == e["hash"]
        prev = e["hash"]
    subjects = {os.fsencode(e["subject"]) for e in events if e["kind"] == "work.tagged"}
    assert os.fsencode(cafe) in subjects


def test_tag_a_folder_with_a_name_that_is_not_utf8(latin1):
    photos, cafe = latin1
    proc = run("tag", "--json", str(photos))
    _ok(proc)
    docs = _json_lines(proc)
    # JSON shows the byte as the escape of its surrogate: it reads back to the same bytes
    assert "caf\\udce9.jpg" in _text(proc.stdout)
    by_bytes = {os.fsencode(d["path"]): d for d in docs}
    assert by_bytes[os.fsencode(cafe)]["status"] == "tagged"
    assert _data_mining(cafe).startswith("DMI-PROHIBITED")
    again = run("tag", str(photos))
    _ok(again)


def test_watch_once_with_a_name_that_is_not_utf8(latin1):
    photos, cafe = latin1
    _ok(run("folders", "add", "--no-tag", str(photos)))
    proc = run("watch", "--once")
    _ok(proc)
    assert "2 works seen" in _text(proc.stdout)
    assert _data_mining(cafe).startswith("DMI-PROHIBITED")
    store = _catalogue()
    try:
        assert store.work(str(cafe)).state is WorkState.TAGGED
    finally:
        store.close()


class _Reader:
    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.decode("utf-8").rstrip("\n"))

    def saw(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))


def test_watch_tags_names_that_are_not_utf8_and_stops_on_sigterm(latin1):
    photos, cafe = latin1
    _ok(run("folders", "add", "--no-tag", str(photos)))
    proc = subprocess.Popen(
        [*COMMAND, "watch", "--settle", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **STRICT},
    )
    out, err = _Reader(proc.stdout), _Reader(proc.stderr)
    try:
        # the catch-up scan meets caf\xe9.jpg first: it used to kill the watcher's thread and
        # leave the command waiting forever, deaf to SIGTERM
        wait_until(lambda: out.saw("Watching 1 folder") or proc.poll() is not None, what="start")
        assert proc.poll() is None, err.lines
        wait_until(lambda: out.saw("caf\\xe9.jpg"), what="caf\\xe9.jpg reported")
        naive = Path(os.fsdecode(os.fsencode(photos) + b"/na\xefve.jpg"))
        make_jpeg(naive, seed=11)
        wait_until(lambda: out.saw("na\\xefve.jpg"), what="na\\xefve.jpg reported")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, err.lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    wait_until(lambda: out.saw("Stopped."), what="summary line")
    assert any(line.startswith("tagged") and "caf\\xe9.jpg" in line for line in out.lines)
    assert not any("Traceback" in line for line in err.lines), err.lines
    assert _data_mining(cafe).startswith("DMI-PROHIBITED")
    assert _data_mining(naive).startswith("DMI-PROHIBITED")


def test_a_failed_watchdog_thread_stops_the_watcher_and_says_why(tmp_path, watching, monkeypatch):
    from watchdog.observers import inotify

    portfolio, recorder, start = watching
    photos = tmp_path / "photos"
    photos.mkdir()
    portfolio.add_folder(photos)

    def broken(self, timeout):
        raise OSError("the inotify descriptor went bad")

    monkeypatch.setattr(inotify.InotifyEmitter, "queue_events", broken)
    w = start()
    w.wait_ready(20)
    wait_until(lambda: not w.is_alive(), what="the watcher to stop")
    assert w.failure is not None and "inotify descriptor went bad" in w.failure
    assert any("inotify descriptor went bad" in p for p in recorder.problems)
    assert w.wait_ready(0) is False


# --- 9. temporary files left behind -----------------------------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_tag_removes_the_leftovers_of_dead_writers_in_the_folder_it_writes(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    target = make_jpeg(folder / "a.jpg", seed=12)
    other = make_jpeg(folder / "b.jpg", seed=13)
    dead = _dead_pid()
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=-1)
    try:
        stale = folder / f".b.jpg.creatorapp-{dead}-0123abcd.tmp"
        stale.write_bytes(os.urandom(4096))
        in_use = folder / f".b.jpg.creatorapp-{live.pid}-89abcdef.tmp"
        in_use.write_bytes(b"a live writer's")
        keep = {  # never ours, whatever they look like
            folder / f".b.jpg.creatorapp-{dead}-nothex00.tmp": b"x",
            folder / "notes.tmp": b"y",
            folder / f"b.jpg.creatorapp-{dead}-0123abcd.tmp": b"z",  # not hidden
        }
        for path, data in keep.items():
            path.write_bytes(data)
        link = folder / f".c.jpg.creatorapp-{dead}-fedcba98.tmp"
        link.symlink_to(other)
        below = folder / "sub"
        below.mkdir()
        elsewhere = below / f".d.jpg.creatorapp-{dead}-00000000.tmp"
        elsewhere.write_bytes(b"another folder")
        other_bytes = other.read_bytes()

        proc = run("tag", str(target))
        _ok(proc)

        assert read_reservation(target).reserved
        assert not stale.exists()
        assert in_use.read_bytes() == b"a live writer's"
        for path, data in keep.items():
            assert path.read_bytes() == data
        assert link.is_symlink()
        assert elsewhere.exists()  # only the folder written in is swept
        assert other.read_bytes() == other_bytes
    finally:
        live.stdin.close()
        live.wait()


def test_a_folder_is_swept_once_per_process(tmp_path):
    from creatorapp.core.media import leftovers

    dead = _dead_pid()
    first = tmp_path / f".a.jpg.creatorapp-{dead}-00000001.tmp"
    first.write_bytes(b"1")
    assert leftovers.sweep_once(tmp_path) == 1
    second = tmp_path / f".a.jpg.creatorapp-{dead}-00000002.tmp"
    second.write_bytes(b"2")
    assert leftovers.sweep_once(tmp_path) == 0  # the next process clears it
    assert second.exists() and not first.exists()


def test_events_without_such_names_hash_exactly_as_before():
    from creatorapp.core.catalogue.ledger import canonical

    data = {"path": "/photos/été/Ärger 漢字.jpg", "n": 1, "quote": '"\\'}
    before = json.dumps(
        {"seq": 7, "at": "t", "kind": "work.tagged", "subject": data["path"], "data": data},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    assert canonical(7, "t", "work.tagged", data["path"], data) == before
