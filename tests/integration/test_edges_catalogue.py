"""The catalogue at the edges: a full disk under it, a mistyped path, who can read it, and a
ledger whose end was cut off or rewritten behind the app's back."""

from __future__ import annotations

import errno
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from creatorapp.core.catalogue import CatalogueFull, open_catalogue
from creatorapp.core.catalogue.ledger import chain_hash
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.tagging import read_reservation
from tests.conftest import make_jpeg, pixels
from tests.integration.test_cli import cli
from tests.waiting import wait_until


def _jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((400, 300), 20 + seed % 60).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _photos(folder: Path, count: int) -> dict[str, bytes]:
    folder.mkdir()
    originals = {}
    for i in range(count):
        originals[f"img_{i:03d}.jpg"] = data = _jpeg(i)
        (folder / f"img_{i:03d}.jpg").write_bytes(data)
    return originals


def _one_error_line(run: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def _original_or_tagged(folder: Path, originals: dict[str, bytes]) -> int:
    """Each file is exactly the original or completely tagged; returns how many are original."""
    untouched = 0
    for name, data in originals.items():
        now = (folder / name).read_bytes()
        if now == data:
            untouched += 1
            continue
        assert read_reservation(folder / name).reserved, name
        assert pixels(folder / name) == pixels(io.BytesIO(data)), name
    return untouched


def _all_recorded(catalogue: Path, originals: dict[str, bytes]) -> None:
    """Every work is recorded as tagged, as the file now is: nothing written went unrecorded."""
    db = sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True)
    rows = db.execute("SELECT path, state, size, mtime_ns, inode FROM works").fetchall()
    db.close()
    assert len(rows) == len(originals)
    for path, state, size, mtime_ns, inode in rows:
        st = os.stat(path)
        assert state == "tagged", path
        assert (size, mtime_ns, inode) == (st.st_size, st.st_mtime_ns, st.st_ino), path
        assert read_reservation(Path(path)).reserved, path


# --- 8. a full disk under the catalogue -----------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A real 16 MB disk (tmpfs) for the catalogue alone; the photos stay on the big one."""
    if not sys.platform.startswith("linux"):
        pytest.skip("mounts a tmpfs")
    disk = tmp_path / "catalogue-disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a small disk here ({mounted.stderr.strip()}); "
            "test_a_full_catalogue_mid_batch_stops_cleanly_injected covers the same path"
        )
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> Path:
    """Write until the disk refuses another byte."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC, exc
                    break
    finally:
        os.close(fd)
    return filler


def _tagged_events(catalogue: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM ledger WHERE kind='work.tagged'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0


def test_a_full_disk_under_the_catalogue_stops_tag_cleanly_and_nothing_goes_unrecorded(
    tmp_path, small_disk, monkeypatch
):
    catalogue = small_disk / "catalogue.sqlite3"
    monkeypatch.setenv("CREATORAPP_CATALOGUE", str(catalogue))
    photos = tmp_path / "photos"
    originals = _photos(photos, 200)
    assert cli("folders", "add", str(photos), "--no-tag").returncode == 0

    # full before the batch: refused before any file is changed
    filler = _fill(small_disk)
    run = cli("tag", str(photos), "--jobs", "2")
    assert run.returncode != 0
    line = _one_error_line(run)
    assert str(small_disk) in line and "full" in line, line
    assert _original_or_tagged(photos, originals) == len(originals)

    # full half-way through: recording stops, the batch stops, files in hand are finished
    filler.unlink()
    proc = subprocess.Popen(
        [sys.executable, "-m", "creatorapp", "tag", str(photos), "--jobs", "2", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(
            lambda: proc.poll() is not None or _tagged_events(catalogue) >= 10,
            timeout=60,
            what="files recorded",
        )
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        _fill(small_disk)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    line = _one_error_line(subprocess.CompletedProcess([], proc.returncode, "", stderr))
    assert str(small_disk) in line and "full" in line, line
    assert _original_or_tagged(photos, originals) > 0, "the batch went on after the disk filled"

    # room again: the next run records everything, including what the stopped run wrote
    filler.unlink()
    again = cli("tag", str(photos), "--jobs", "2")
    assert again.returncode == 0, again.stderr
    _all_recorded(catalogue, originals)
    verify = cli("ledger", "verify")
    assert verify.returncode == 0, verify.stdout


def test_a_full_catalogue_mid_batch_stops_cleanly_injected(tmp_path):
    """The same path without mounting anything: SQLite's own page limit makes it answer
    SQLITE_FULL ("database or disk is full") exactly as a full disk does."""
    photos = tmp_path / "photos"
    originals = _photos(photos, 120)
    path = tmp_path / "cat.sqlite3"
    store = open_catalogue(path)
    portfolio = Portfolio(store)
    portfolio.add_folder(photos)
    due = portfolio.scan().due
    (pages,) = store._db.execute("PRAGMA page_count").fetchone()
    store._db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(CatalogueFull, match="disk holding the catalogue"):
        list(portfolio.process(due, jobs=2))
    assert _original_or_tagged(photos, originals) > 0, "the batch went on after the disk filled"
    store._db.execute("PRAGMA max_page_count = 1073741823")
    outcomes = list(portfolio.process(portfolio.scan().due, jobs=2))
    assert all(o.status.value in ("tagged", "unchanged") for o in outcomes)
    store.close()
    _all_recorded(path, originals)


def test_no_room_for_the_batch_is_said_before_any_file_changes(tmp_path, monkeypatch):
    photos = tmp_path / "photos"
    originals = _photos(photos, 12)
    store = open_catalogue(tmp_path / "cat.sqlite3")
    portfolio = Portfolio(store)
    portfolio.add_folder(photos)
    due = portfolio.scan().due
    import shutil

    real = shutil.disk_usage
    monkeypatch.setattr(
        shutil, "disk_usage", lambda p: real(p)._replace(free=1 << 20)
    )  # 1 MB left on the catalogue's disk
    with pytest.raises(CatalogueFull, match=r"1\.0 MB free"):
        list(portfolio.process(due, jobs=1))
    store.close()
    assert _original_or_tagged(photos, originals) == len(originals)


# --- 12. a mistyped --catalogue --------------------------------------------------------------


def test_a_mistyped_catalogue_is_an_error_and_creates_nothing(tmp_path):
    typo = tmp_path / "Catalgoue" / "catalogue.sqlite3"
    for command in (("status",), ("folders", "list"), ("ledger", "verify"), ("tag", str(tmp_path))):
        run = cli("--catalogue", str(typo), *command)
        assert run.returncode == 2, (command, run.stdout)
        line = _one_error_line(run)
        assert f"there is no catalogue at {typo}" in line, line
        assert f"creatorapp --catalogue {typo} catalogue init" in line, line
        assert not typo.parent.exists(), command

    made = cli("--catalogue", str(typo), "catalogue", "init")
    assert made.returncode == 0, made.stderr
    assert "Made the catalogue" in made.stdout and typo.is_file()
    status = cli("--catalogue", str(typo), "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["total"] == 0
    again = cli("--catalogue", str(typo), "catalogue", "init")
    assert again.returncode == 0 and "already a catalogue" in again.stdout


def test_the_default_catalogue_still_makes_itself(tmp_path, monkeypatch):
    fresh = tmp_path / "new-data" / "catalogue.sqlite3"
    monkeypatch.setenv("CREATORAPP_CATALOGUE", str(fresh))
    run = cli("status", "--json")
    assert run.returncode == 0, run.stderr
    assert fresh.is_file()


def _foreign_database(path: Path) -> bytes:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    db.execute("INSERT INTO notes(text) VALUES ('my shopping list')")
    db.commit()
    db.close()
    return path.read_bytes()


@pytest.mark.parametrize("command", [("status",), ("catalogue", "init")])
def test_a_path_that_is_not_a_catalogue_is_refused_and_left_alone(tmp_path, command):
    foreign = tmp_path / "notes.db"
    before = _foreign_database(foreign)
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    cases = [(foreign, "another program"), (folder, "is a folder")]
    if command == ("status",):
        cases.append((empty, "empty file"))
    for path, words in cases:
        run = cli("--catalogue", str(path), *command)
        assert run.returncode == 2, (path, run.stdout)
        assert words in _one_error_line(run), run.stderr
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "empty.sqlite3", "notes.db"]
    assert empty.read_bytes() == b"" and list(folder.iterdir()) == []


# --- 17. who can read the catalogue and the evidence -------------------------------------------


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)  # what most desktops use: new files 0644 unless the app says otherwise
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_data_folder_catalogue_and_its_journal_files_are_private(
    tmp_path, monkeypatch, usual_umask
):
    data = tmp_path / "fresh" / "creatorapp"
    monkeypatch.setenv("CREATORAPP_DATA_DIR", str(data))
    monkeypatch.delenv("CREATORAPP_CATALOGUE")
    store = open_catalogue(None)
    try:
        store.set_setting("contact", {"address": "1 Rue des Lilas, Paris"})
        catalogue = data / "catalogue.sqlite3"
        wal, shm = Path(f"{catalogue}-wal"), Path(f"{catalogue}-shm")
        assert wal.exists() and shm.exists()
        assert _mode(data) == 0o700
        assert {p.name: _mode(p) for p in (catalogue, wal, shm)} == {
            p.name: 0o600 for p in (catalogue, wal, shm)
        }
        store.append("folder.added", "/x", {})
        for record in store.head_records():
            assert _mode(record.path) == 0o600, record.path
            assert _mode(record.path.parent) == 0o700, record
    finally:
        store.close()
    assert _mode(tmp_path / "fresh") == 0o755  # a parent above the app's folder: the usual


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG data folder")
def test_the_apps_own_data_folder_left_open_by_an_earlier_version_is_closed(
    tmp_path, monkeypatch, usual_umask
):
    monkeypatch.delenv("CREATORAPP_DATA_DIR")
    monkeypatch.delenv("CREATORAPP_CATALOGUE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    old = tmp_path / "xdg" / "creatorapp"
    old.mkdir(parents=True)
    old.chmod(0o755)
    open_catalogue(None).close()
    assert _mode(old) == 0o700 and (old / "catalogue.sqlite3").is_file()
    assert _mode(tmp_path / "xdg") == 0o755


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_evidence_with_letters_is_private_and_a_users_own_folder_is_not_changed(
    tmp_path, monkeypatch, usual_umask
):
    from creatorapp.core.optouts import evidence

    mine = tmp_path / "my-shared-folder"
    mine.mkdir()
    mine.chmod(0o755)
    monkeypatch.setenv("CREATORAPP_DATA_DIR", str(mine))
    record = evidence.keep(b"From: me\r\n\r\n1 Rue des Lilas, Paris\r\n", ".eml")
    kept = mine / "evidence" / record["file"]
    assert _mode(kept) == 0o600
    assert _mode(kept.parent) == 0o700
    assert _mode(mine) == 0o755  # the user made it: theirs to set

    catalogue = mine / "new" / "c.sqlite3"
    made = cli("--catalogue", str(catalogue), "catalogue", "init")
    assert made.returncode == 0, made.stderr
    assert _mode(catalogue) == 0o600 and _mode(catalogue.parent) == 0o700


# --- 18. what `ledger verify` proves -------------------------------------------------------------


def _catalogue_with_history(tmp_path: Path) -> Path:
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(4):
        make_jpeg(photos / f"{i}.jpg", seed=i)
    assert cli("folders", "add", str(photos)).returncode == 0
    return Path(os.environ["CREATORAPP_CATALOGUE"])


def _behind_the_back(catalogue: Path, *statements: str, params=()) -> None:
    """What someone with sqlite3 and the file can do: drop the guards, edit, fix the counter."""
    db = sqlite3.connect(catalogue)
    db.execute("DROP TRIGGER IF EXISTS ledger_no_update")
    db.execute("DROP TRIGGER IF EXISTS ledger_no_delete")
    for sql in statements:
        db.execute(sql, params)
    db.commit()
    db.close()


def test_cutting_the_ledgers_end_off_and_fixing_the_counter_is_caught(tmp_path):
    catalogue = _catalogue_with_history(tmp_path)
    assert cli("ledger", "verify").returncode == 0
    (count,) = sqlite3.connect(catalogue).execute("SELECT COUNT(*) FROM ledger").fetchone()
    _behind_the_back(
        catalogue,
        f"DELETE FROM ledger WHERE seq > {count - 2}",
        f"UPDATE meta SET value = '{count - 2}' WHERE key = 'ledger_events'",
    )
    run = cli("ledger", "verify")
    assert run.returncode == 1
    assert f"BROKEN at event {count - 1}" in run.stdout
    assert f"ends at event {count - 2} but {count} were recorded" in run.stdout
    assert "cut off" in run.stdout
    assert "cannot catch someone who rewrites the database and every one" in run.stdout
    doc = json.loads(cli("ledger", "verify", "--json").stdout)
    assert doc["ok"] is False and doc["bad_event"] == count - 1 and "proves" in doc

    # the app running on does not paper over it: it records the gap before its next event
    more = tmp_path / "more"
    more.mkdir()
    assert cli("folders", "add", str(more)).returncode == 0
    later = cli("ledger", "verify")
    assert later.returncode == 1
    assert "found the ledger no longer held what it had recorded" in later.stdout


def test_recomputing_the_chain_after_an_edit_is_caught(tmp_path):
    catalogue = _catalogue_with_history(tmp_path)
    db = sqlite3.connect(catalogue)
    rows = db.execute("SELECT seq, at, kind, subject, data FROM ledger ORDER BY seq").fetchall()
    db.close()
    prev, statements = "0" * 64, []
    for seq, at, kind, subject, data in rows:
        doc = json.loads(data)
        if kind == "folder.added":
            doc["policy"] = "allow"  # the edit: the folder was never reserved
        digest = chain_hash(prev, seq, at, kind, subject, doc)
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        text = text.replace("'", "''")
        statements.append(
            f"UPDATE ledger SET data = '{text}', prev_hash = '{prev}', hash = '{digest}' "
            f"WHERE seq = {seq}"
        )
        prev = digest
    _behind_the_back(catalogue, *statements)
    run = cli("ledger", "verify")
    assert run.returncode == 1, run.stdout
    assert f"BROKEN at event {len(rows)}" in run.stdout
    assert "rewritten" in run.stdout


def test_verify_says_what_it_proves_and_where_the_head_is_kept(tmp_path):
    catalogue = _catalogue_with_history(tmp_path)
    run = cli("ledger", "verify")
    assert run.returncode == 0, run.stdout
    assert "matches the one recorded beside the catalogue and in the settings folder" in run.stdout
    assert "every event links to the one before" in run.stdout and "timestamp" in run.stdout
    beside = catalogue.with_name(catalogue.name + ".ledger-head.json")
    head = json.loads(beside.read_text())
    db = sqlite3.connect(catalogue)
    assert (head["events"], head["head"]) == db.execute(
        "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    db.close()
    config = Path(os.environ["CREATORAPP_CONFIG_DIR"]) / "ledger-heads"
    assert json.loads((config / f"{head['catalogue']}.json").read_text()) == head

    # a record edited by hand is not trusted
    beside.write_text(json.dumps({**head, "events": head["events"] + 5}))
    run = cli("ledger", "verify")
    assert run.returncode == 1 and "checksum" in run.stdout


def test_changing_the_catalogues_id_and_deleting_the_record_beside_it_is_caught(tmp_path):
    """The record in the settings folder is found by the catalogue's location too, so a
    database that took a new id (with the record beside it deleted) cannot pass as intact."""
    catalogue = _catalogue_with_history(tmp_path)
    (count,) = sqlite3.connect(catalogue).execute("SELECT COUNT(*) FROM ledger").fetchone()
    _behind_the_back(
        catalogue,
        f"DELETE FROM ledger WHERE seq > {count - 2}",
        f"UPDATE meta SET value = '{count - 2}' WHERE key = 'ledger_events'",
        "UPDATE meta SET value = '0123456789abcdef' WHERE key = 'catalogue_id'",
    )
    catalogue.with_name(catalogue.name + ".ledger-head.json").unlink()

    run = cli("ledger", "verify")

    assert run.returncode == 1, run.stdout
    assert "recorded on" in run.stdout and "as another catalogue" in run.stdout
    assert "Ledger intact" not in run.stdout
