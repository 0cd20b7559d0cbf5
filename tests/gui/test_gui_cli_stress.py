"""The window and the command line on one catalogue at once, as people use them: the window is
open and watching a portfolio folder while commands run from a terminal or a script (``tag``,
``watch --once``, ``optout submit``, ``site publish``, ``status --json``) and new files are
exported into the folder.  Nothing may be lost or done twice: every file is written exactly once
per change (the ledger says so), no command fails or prints a traceback (a command that waited
too long for the catalogue says so in words, exit 2), the ledger verifies, SQLite finds the
database and its write-ahead log intact, and the window shows what the commands did without a
restart.

Runs in CI with ``make test`` (offscreen, no display, as root); on two cores it takes about half
a minute.  It waits on conditions only, never on the clock.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.sites.sites import Sites
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.gui.main_window import MainWindow
from tests.conftest import make_jpeg
from tests.gui.conftest import WORK_MS
from tests.waiting import wait_until

BEFORE = 4  # works tagged before the commands start
ROUNDS = 3  # of commands, all at once
ARRIVALS = 8  # exported into the folder in each round, half of them while the commands run
AGAIN = 2  # works exported again (new pixels) once they are done
BUSY = "is busy: another Creator Reserve program kept writing to it"
SEEN_MS = 5000  # the window looks for other programs' changes once a second

pytestmark = pytest.mark.xdist_group("gui-cli-stress")  # two cores: not beside its own kind


def _command(catalogue: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "creatorapp", "--catalogue", str(catalogue), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _export(staging: Path, target: Path, seed: int) -> None:
    """How an exporter delivers a file: written elsewhere, renamed into place whole."""
    part = make_jpeg(staging / target.name, size=(160, 120), seed=seed)
    os.replace(part, target)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _agrees(store, folder: Path) -> bool:
    """Every file of the folder is recorded tagged, with the bytes it has now."""
    for path in folder.glob("*.jpg"):
        work = store.work(str(path))
        if work is None or work.state is not WorkState.TAGGED or work.sha256 != _sha256(path):
            return False
    return True


@pytest.fixture
def scene(tmp_path):
    """A catalogue with a watched portfolio folder of ``BEFORE`` works (not tagged yet), a
    site published to a local folder, and a list of URLs to opt out."""
    folder = tmp_path / "portfolio"
    folder.mkdir()
    for i in range(BEFORE):
        make_jpeg(folder / f"old{i}.jpg", size=(160, 120), seed=100 + i)
    www = tmp_path / "www"
    www.mkdir()
    catalogue = tmp_path / "catalogue.sqlite3"
    store = open_catalogue(catalogue)
    Portfolio(store).add_folder(folder, "no-ai", watching=True)
    Sites(store).add("jane", "https://jane.example", "local", {"root": str(www)})
    store.close()
    urls = tmp_path / "urls.txt"
    urls.write_text("https://jane.example/art/1.jpg\nhttps://jane.example/art/2.jpg\n")
    staging = tmp_path / "staging"
    staging.mkdir()
    return catalogue, folder, www, urls, staging


def _commands(catalogue: Path, folder: Path, urls: Path) -> dict[str, subprocess.Popen]:
    """One of each command people run beside the window, all at once."""
    return {
        "tag": _command(catalogue, "tag", str(folder), "--json", "--jobs", "1"),
        "watch --once": _command(catalogue, "watch", "--once", "--jobs", "1"),
        "optout submit": _command(
            catalogue, "optout", "submit", "meta", "--urls", str(urls), "--no-browser"
        ),
        "site publish": _command(catalogue, "site", "publish", "jane", "--no-verify"),
        "status --json": _command(catalogue, "status", "--json"),
    }


def test_the_window_and_commands_share_one_catalogue_and_nothing_is_lost(qtbot, scene):
    catalogue, folder, www, urls, staging = scene
    window = MainWindow(open_catalogue(catalogue), watch=True)
    qtbot.addWidget(window)
    window.show()
    store = window.store
    qtbot.waitUntil(lambda: window.watch.state == "watching", timeout=WORK_MS)
    qtbot.waitUntil(lambda: _agrees(store, folder), timeout=WORK_MS)  # the catch-up scan

    results: list[tuple[str, int, str, str]] = []
    arrivals: list[Path] = []
    for round_ in range(ROUNDS):
        commands = _commands(catalogue, folder, urls)
        if round_ == 1:  # the window tags the folder itself too (a job holding it)
            window.operations.tag([folder], label="the portfolio")
        wave = [folder / f"new{round_}-{i:02d}.jpg" for i in range(ARRIVALS)]
        arrivals += wave
        half = len(wave) // 2
        for i, target in enumerate(wave[:half]):  # before the commands have looked
            _export(staging, target, seed=1000 * round_ + i)
        # the rest while they run: once the quickest of them is through
        qtbot.waitUntil(lambda c=commands: c["status --json"].poll() is not None, timeout=WORK_MS)
        for i, target in enumerate(wave[half:], start=half):
            _export(staging, target, seed=1000 * round_ + i)
        results += _finish_all(qtbot, commands)

    for name, code, out, err in results:
        clean_busy = code == 2 and BUSY in err
        assert code == 0 or clean_busy, f"{name} exited {code}:\n{out}\n{err}"
        assert "Traceback" not in err, f"{name}:\n{err}"
        if name == "status --json" and code == 0:
            assert json.loads(out)["total"] >= BEFORE  # one whole document, read mid-stream
    assert (www / "robots.txt").exists() and (www / "ai.txt").exists()

    qtbot.waitUntil(lambda: _agrees(store, folder) and not window.jobs.busy, timeout=WORK_MS)
    assert getattr(window, "last_failure", None) is None  # nothing went wrong in the window
    again = sorted(folder.glob("old*.jpg"))[:AGAIN]
    for i, target in enumerate(again):  # a change after the commands: the window's watcher
        _export(staging, target, seed=300 + i)
    qtbot.waitUntil(lambda: _agrees(store, folder), timeout=WORK_MS)

    # the window shows what the commands did, without a restart
    everything = BEFORE + len(arrivals)

    def shown() -> bool:
        model = window.works.model
        states = [model.work(row).state for row in range(model.rowCount())]
        return states == [WorkState.TAGGED] * everything and window.optouts.table.rowCount() == 1

    qtbot.waitUntil(shown, timeout=SEEN_MS)
    assert window.works.counts.text().startswith(f"{everything} ")
    assert store.site("jane").published_at is not None

    # every file written exactly once per change, none failed
    written: dict[str, int] = {}
    for event in store.events(kind="work.tagged"):
        if event.data.get("written"):
            written[event.subject] = written.get(event.subject, 0) + 1
    expected = {str(p): 1 for p in folder.glob("*.jpg")} | {str(p): 2 for p in again}
    assert written == expected
    assert not list(store.events(kind="work.failed"))
    added = [e.subject for e in store.events(kind="work.added")]
    assert sorted(added) == sorted(expected)  # each work registered once, by one process
    assert store.item_counts() == {"meta": {"awaiting_user_action": 2}}  # asked once
    window.quit()

    verify = subprocess.run(
        [sys.executable, "-m", "creatorapp", "--catalogue", str(catalogue), "ledger", "verify"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    _assert_intact(catalogue, everything)


def _finish_all(qtbot, commands: dict[str, subprocess.Popen]) -> list[tuple[str, int, str, str]]:
    """Every command's end, read off the window's thread, which keeps turning meanwhile (its
    watcher's results, its refreshes)."""
    results: list[tuple[str, int, str, str]] = []
    done = threading.Event()

    def finish() -> None:
        try:
            results.extend((name, *_finish(proc)) for name, proc in commands.items())
        finally:
            done.set()

    threading.Thread(target=finish, daemon=True).start()
    qtbot.waitUntil(done.is_set, timeout=WORK_MS)
    assert len(results) == len(commands)
    return results


def _assert_intact(catalogue: Path, works: int) -> None:
    """SQLite's own checks, with every connection of the app closed: the pages are sound, and
    the write-ahead log checkpoints into the database whole and can be emptied."""
    db = sqlite3.connect(catalogue)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        busy, frames, copied = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0 and frames == copied
    finally:
        db.close()
    wal = catalogue.with_name(catalogue.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    store = open_catalogue(catalogue, create=False)  # and the app opens it again
    assert store.count_by_state() == {WorkState.TAGGED: works}
    store.close()


# --- waiting for each other's writes ----------------------------------------------------------


def test_a_command_waits_for_a_write_of_the_window_instead_of_failing(qtbot, scene):
    catalogue, folder, *_ = scene
    # a first run registers the works and keeps the policy's fields: the next one writes
    # nothing to the catalogue before it has tagged its file
    code, _, err = _finish(_command(catalogue, "tag", str(folder / "old1.jpg")))
    assert code == 0, err
    store = open_catalogue(catalogue)
    Portfolio(store).scan()
    target = folder / "old0.jpg"
    before = _sha256(target)
    with store.transaction():  # the window writing
        tagger = _command(catalogue, "tag", str(target), "--json")
        # the command tags the file, then must wait for the window to record its outcome
        wait_until(lambda: _sha256(target) != before, timeout=120, what="the file tagged")
        assert tagger.poll() is None
        assert store.work(str(target)).state is WorkState.NEW  # not recorded: it waits
    code, _, err = _finish(tagger)
    assert code == 0, err
    assert store.work(str(target)).state is WorkState.TAGGED
    store.close()


def test_a_command_that_waits_too_long_says_so_in_words(qtbot, scene):
    catalogue, *_ = scene
    store = open_catalogue(catalogue)
    with store.transaction():
        code, out, err = _finish(
            _command(catalogue, "watch", "--once", env={"CREATORAPP_BUSY_WAIT": "0.2"})
        )
    assert code == 2, out + err
    assert BUSY in err and "Run it again once that program has finished" in err
    assert "Traceback" not in err
    assert not list(store.events(kind="work.added"))  # nothing half-recorded
    store.close()


def test_a_window_job_waits_for_a_commands_write(qtbot, scene):
    """The other way round: the window's store waits for another process's write lock."""
    catalogue, *_ = scene
    other = sqlite3.connect(catalogue, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a command holding the write lock
    store = open_catalogue(catalogue)
    finished = threading.Event()

    def job() -> None:
        Portfolio(store).scan()  # writes: must wait, then land
        finished.set()

    worker = threading.Thread(target=job, daemon=True)
    worker.start()
    assert not finished.wait(0.5)  # still waiting on the lock: not failed, not done
    other.execute("COMMIT")
    other.close()
    wait_until(finished.is_set, timeout=60, what="the scan recorded")
    worker.join()
    assert len(store.works(state=WorkState.NEW)) == BEFORE
    store.close()


def test_a_scan_beside_another_process_registering_the_same_new_file(scene):
    """`watch --once` scans while the window's watcher registers a file that just arrived:
    the scan read the catalogue before, and writes after, the other process's registration.
    It used to fail on the catalogue's one-live-work-per-path rule (a traceback)."""
    catalogue, folder, *_ = scene
    scanner = open_catalogue(catalogue)
    window = open_catalogue(catalogue)  # the other process's connection
    arrived = str(folder / "old0.jpg")
    read = scanner.work_stats

    def then_the_other_registers(folder_id: int):
        stats = read(folder_id)
        with window.transaction():
            window.add_work(folder_id, arrived, state=WorkState.NEW)
            window.append("work.added", arrived, {"size": 1, "folder": str(folder)})
        return stats

    scanner.work_stats = then_the_other_registers
    report = Portfolio(scanner).scan()
    assert report.added == BEFORE - 1  # the others; that one was the other process's
    assert arrived in {d.path for d in report.due}  # still due: nobody tagged it yet
    assert [e.subject for e in scanner.events(kind="work.added")].count(arrived) == 1
    scanner.close()
    window.close()


def test_a_scan_reads_no_file_while_it_holds_the_write_lock(scene, monkeypatch):
    """A work copied in from another drive is recognised by its content: the scan reads the
    file before it takes the write lock, so other programs never wait for a file read."""
    import shutil

    from creatorapp.core.works import portfolio as portfolio_module

    catalogue, folder, _, _, staging = scene
    code, _, err = _finish(_command(catalogue, "tag", str(folder)))  # works know their bytes
    assert code == 0, err
    store = open_catalogue(catalogue)
    moved = folder / "old0.jpg"
    shutil.copy2(moved, staging / "old0.jpg")  # another inode, the same bytes
    moved.unlink()
    shutil.copy2(staging / "old0.jpg", folder / "renamed.jpg")
    digest = portfolio_module._sha256
    read_in_transaction: list[str] = []

    def watched_digest(path: str):
        if store._depth:
            read_in_transaction.append(path)
        return digest(path)

    monkeypatch.setattr(portfolio_module, "_sha256", watched_digest)
    report = Portfolio(store).scan()
    assert report.moved == 1  # recognised by content
    assert read_in_transaction == []
    store.close()
