"""folders, watch, status and ledger as a user runs them: subprocesses, real signals, kill -9."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from creatorapp.core.works.tagging import read_reservation
from tests.conftest import make_jpeg, pixels
from tests.integration.test_cli import cli
from tests.waiting import wait_until


def _lines(run: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]


def test_folders_add_list_status_and_ledger(tmp_path, exiftool):
    photos = tmp_path / "photos"
    photos.mkdir()
    make_jpeg(photos / "a.jpg", seed=1)
    make_jpeg(photos / "b.jpg", seed=2)
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff nope")

    run = cli("folders", "add", str(photos), "--policy", "no-genai", "--json")
    assert run.returncode == 1, run.stderr  # one file failed
    docs = _lines(run)
    assert {d["status"] for d in docs[:-1]} == {"tagged", "failed"}
    assert docs[-1]["scan"]["added"] == 3 and docs[-1]["folder"]["policy"] == "no-genai"
    assert exiftool(photos / "a.jpg")["XMP-plus:DataMining"].endswith(
        "DMI-PROHIBITED-GENAIMLTRAINING"
    )

    listing = _lines(cli("folders", "list", "--json"))
    assert listing[0]["path"] == str(photos.resolve())
    assert listing[0]["works"] == {"tagged": 2, "failed": 1}

    status = _lines(cli("status", "--json"))[0]
    assert status["works"]["tagged"] == 2 and status["works"]["failed"] == 1
    assert status["failures"][0]["path"].endswith("broken.jpg")
    assert status["failures"][0]["reason"] == "the file is cut short inside its header"
    assert status["last_activity"]["kind"] in {"work.tagged", "work.failed"}

    human = cli("status")
    assert "broken.jpg" in human.stdout and "Last activity" in human.stdout

    verify = cli("ledger", "verify", "--json")
    assert verify.returncode == 0 and _lines(verify)[0]["ok"] is True
    events = _lines(cli("ledger", "export", "--json"))
    assert events[0]["kind"] == "folder.added" and events[0]["seq"] == 1
    assert {e["kind"] for e in events} >= {"work.added", "work.tagged", "work.failed"}

    out = tmp_path / "ledger.jsonl"
    assert cli("ledger", "export", "--output", str(out)).returncode == 0
    assert len(out.read_text().splitlines()) == len(events)


def test_ledger_verify_names_the_row_edited_behind_the_apps_back(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(3):
        make_jpeg(photos / f"{i}.jpg", seed=i)
    assert cli("folders", "add", str(photos)).returncode == 0
    catalogue = Path(os.environ["CREATORAPP_CATALOGUE"])
    db = sqlite3.connect(catalogue)
    db.execute("DROP TRIGGER ledger_no_update")
    (seq,) = db.execute("SELECT seq FROM ledger WHERE kind = 'work.tagged' LIMIT 1").fetchone()
    db.execute("UPDATE ledger SET data = replace(data, 'no-ai', 'allow') WHERE seq = ?", (seq,))
    db.commit()
    db.close()
    run = cli("ledger", "verify")
    assert run.returncode == 1
    assert f"BROKEN at event {seq}" in run.stdout and "edited" in run.stdout


def test_folder_commands_give_one_line_errors(tmp_path):
    for args, words in [
        (("folders", "add", str(tmp_path / "nowhere")), "not a folder"),
        (("folders", "remove", str(tmp_path)), "not a portfolio folder"),
        (("folders", "add", str(tmp_path), "--policy", "nope"), "unknown policy"),
        (("folders", "set", str(tmp_path)), "say what to change"),
        (("watch", "--once"), "no portfolio folders"),
    ]:
        run = cli(*args)
        assert run.returncode == 2, (args, run.stderr)
        assert words in run.stderr and len(run.stderr.strip().splitlines()) == 1
        assert "Traceback" not in run.stderr


def test_a_damaged_catalogue_is_a_clear_error_and_is_left_alone(tmp_path):
    bad = tmp_path / "cat.sqlite3"
    bad.write_bytes(b"not a database at all" * 200)
    run = cli("--catalogue", str(bad), "status")
    assert run.returncode == 2
    assert "not a Creator Reserve catalogue" in run.stderr and "Traceback" not in run.stderr
    assert bad.read_bytes().startswith(b"not a database")


def test_folders_remove_and_set(tmp_path):
    photos = tmp_path / "p"
    photos.mkdir()
    make_jpeg(photos / "a.jpg")
    assert cli("folders", "add", str(photos), "--no-tag").returncode == 0
    assert cli("folders", "set", str(photos), "--no-watch", "--policy", "no-tdm").returncode == 0
    listing = _lines(cli("folders", "list", "--json"))[0]
    assert listing["watching"] is False and listing["policy"] == "no-tdm"
    before = (photos / "a.jpg").read_bytes()
    run = cli("folders", "remove", str(photos))
    assert run.returncode == 0 and "1 work no longer catalogued" in run.stdout
    assert (photos / "a.jpg").read_bytes() == before
    assert _lines(cli("folders", "list", "--json")) == []


def test_watch_once_tags_what_is_due_and_exits(tmp_path):
    photos = tmp_path / "p"
    photos.mkdir()
    assert cli("folders", "add", str(photos)).returncode == 0
    make_jpeg(photos / "later.jpg", seed=3)
    run = cli("watch", "--once", "--json")
    assert run.returncode == 0, run.stderr
    assert [d["status"] for d in _lines(run)] == ["tagged"]
    again = cli("watch", "--once", "--json")
    assert again.returncode == 0 and _lines(again) == []


def _jpeg(seed: int, size=(400, 300)) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 20 + seed % 60).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


class _Reader:
    """Collects a child's stdout lines on a thread, so the test can wait on what it says."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc):
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def saw(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))


def test_watch_in_the_foreground_stops_cleanly_on_sigterm(tmp_path):
    photos = tmp_path / "p"
    photos.mkdir()
    assert cli("folders", "add", str(photos)).returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "creatorapp", "watch", "--settle", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = _Reader(proc)
    try:
        wait_until(lambda: reader.saw("Watching 1 folder"), what="watcher started")
        (photos / "new.jpg").write_bytes(_jpeg(5))
        wait_until(lambda: reader.saw("new.jpg"), what="new.jpg reported")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_until(lambda: reader.saw("Stopped."), what="summary line")
    assert reader.saw("tagged    ") and reader.saw("1 tagged")
    assert read_reservation(photos / "new.jpg").reserved
    assert "Traceback" not in proc.stderr.read()


def test_kill_9_mid_batch_then_restart_finishes_the_work(tmp_path):
    photos = tmp_path / "p"
    photos.mkdir()
    originals = {}
    for i in range(240):
        data = _jpeg(i)
        (photos / f"img_{i:03d}.jpg").write_bytes(data)
        originals[f"img_{i:03d}.jpg"] = data
    assert cli("folders", "add", str(photos), "--no-tag").returncode == 0
    catalogue = Path(os.environ["CREATORAPP_CATALOGUE"])

    def tagged_events() -> int:
        db = sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM ledger WHERE kind='work.tagged'").fetchone()[0]
        except sqlite3.OperationalError:
            return 0
        finally:
            db.close()

    proc = subprocess.Popen(
        [sys.executable, "-m", "creatorapp", "watch", "--once", "--jobs", "2", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its workers are in the same group: kill the whole app
    )
    try:
        wait_until(lambda: tagged_events() >= 20, what="some files tagged")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    done_before = tagged_events()
    assert 20 <= done_before < 240, "the kill must land mid-batch"

    # Every file is either exactly the original or completely tagged: nothing half-written.
    for name, data in originals.items():
        now = (photos / name).read_bytes()
        if now != data:
            assert read_reservation(photos / name).reserved, name
            assert pixels(photos / name) == pixels(io.BytesIO(data)), name

    run = cli("watch", "--once", "--json")
    assert run.returncode == 0, run.stderr
    for name, data in originals.items():
        assert read_reservation(photos / name).reserved, name
        assert pixels(photos / name) == pixels(io.BytesIO(data)), name
    leftovers = [p.name for p in photos.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    status = _lines(cli("status", "--json"))[0]
    assert status["works"]["tagged"] == 240 and status["total"] == 240
    verify = cli("ledger", "verify", "--json")
    assert verify.returncode == 0 and _lines(verify)[0]["ok"] is True


@pytest.mark.parametrize("command", [("status",), ("folders", "list"), ("ledger", "verify")])
def test_commands_work_on_a_fresh_empty_catalogue(command):
    run = cli(*command)
    assert run.returncode == 0, run.stderr
