"""Processes at the edges: the app killed with kill -9 while its workers are tagging.

Only the main process is killed (as a crash or the out-of-memory killer would), not its group:
the workers must notice on their own and stop, finishing the file in hand, and the next run must
record every file the dead run wrote.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from creatorapp.core.policy import resolve_policy
from creatorapp.core.policy.signals import data_mining_uri
from tests.conftest import data_mining_code, pixels
from tests.integration.test_cli import cli
from tests.waiting import wait_until

FILES = 300


def _jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((400, 300), 20 + seed % 60).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _living_members(group: int) -> list[str]:
    """Processes of a process group that still run (zombies waiting to be reaped do not)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        state, _ppid, pgrp = stat[stat.rfind(")") + 2 :].split()[:3]
        if int(pgrp) == group and state not in ("Z", "X"):
            found.append(f"{entry} {name} ({state})")
    return found


def _catalogue_count(catalogue: Path, sql: str) -> int:
    try:
        db = sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return 0
    try:
        return db.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


# The command line forks its workers; the desktop app starts them through a forkserver process.
_LAUNCHERS = {
    "fork": [sys.executable, "-m", "creatorapp"],
    "forkserver": [
        sys.executable,
        "-c",
        "import sys; from creatorapp.core.works import tagging; "
        "tagging.use_start_method(tagging.DESKTOP_START_METHOD); "
        "from creatorapp.cli.main import main; sys.exit(main(sys.argv[1:]))",
    ],
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("start", list(_LAUNCHERS))
def test_kill_9_of_tag_stops_its_workers_and_the_next_run_records_every_file(
    tmp_path, start, exiftool
):
    photos = tmp_path / "photos"
    photos.mkdir()
    originals = {}
    for i in range(FILES):
        originals[f"img_{i:03d}.jpg"] = data = _jpeg(i)
        (photos / f"img_{i:03d}.jpg").write_bytes(data)
    assert cli("folders", "add", str(photos), "--no-tag").returncode == 0
    catalogue = Path(os.environ["CREATORAPP_CATALOGUE"])
    recorded = "SELECT COUNT(*) FROM ledger WHERE kind = 'work.tagged'"

    proc = subprocess.Popen(
        [*_LAUNCHERS[start], "tag", str(photos), "--jobs", "2", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a group of its own: every process the app started is in it
    )
    group = proc.pid
    try:
        wait_until(
            lambda: _catalogue_count(catalogue, recorded) >= 20,
            timeout=60,
            what="some files tagged and recorded",
        )
        assert len(_living_members(group)) > 1, "the workers were running"
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as a crash would
        proc.wait(timeout=30)
        wait_until(
            lambda: not _living_members(group),
            timeout=30,
            what=f"the dead app's workers to stop: {_living_members(group)}",
        )
    finally:
        if _living_members(group):
            os.killpg(group, signal.SIGKILL)
    assert _catalogue_count(catalogue, recorded) < FILES, "the kill must land mid-batch"

    # whatever the dead run left: each file is the original or completely tagged
    for name, data in originals.items():
        now = (photos / name).read_bytes()
        if now != data:
            assert pixels(photos / name) == pixels(io.BytesIO(data)), name

    run = cli("tag", str(photos), "--json")
    assert run.returncode == 0, run.stderr
    db = sqlite3.connect(catalogue)
    rows = db.execute("SELECT path, state, size, mtime_ns, inode FROM works").fetchall()
    db.close()
    assert len(rows) == FILES
    for path, state, size, mtime_ns, inode in rows:
        st = os.stat(path)
        assert state == "tagged", path
        assert (size, mtime_ns, inode) == (st.st_size, st.st_mtime_ns, st.st_ino), path
    expected = data_mining_uri(resolve_policy("no-ai")).removeprefix(
        "http://ns.useplus.org/ldf/vocab/"
    )
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-n", "-XMP-plus:DataMining", str(photos)],
        capture_output=True,
        text=True,
        check=True,
    )
    read_back = {Path(d["SourceFile"]).name: data_mining_code(d) for d in json.loads(out.stdout)}
    assert read_back == dict.fromkeys(originals, expected)
    for name, data in originals.items():
        assert pixels(photos / name) == pixels(io.BytesIO(data)), name
    verify = cli("ledger", "verify", "--json")
    assert verify.returncode == 0, verify.stdout
