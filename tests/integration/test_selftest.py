"""The installation self-test tags every writer's sample, reads it back, renders the site files
and loads each native library; it fails, with the reason, when a sample cannot be tagged."""

from __future__ import annotations

import shutil
import subprocess
import sys

from creatorapp.core.app import selftest
from tests.integration.test_cli import cli

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_selftest_passes_from_both_entry_points():
    run = cli("--selftest")
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "self-test passed"
    assert sum(1 for line in lines if line.startswith("ok   tag and read back")) == 5
    for check in (
        "tag 24 files in worker processes",
        f"load the {len(selftest.LIBRARIES)} libraries publishing and opt-outs use",
        "sign and read back Content Credentials (JPG)",
        "Qt image plugins (5 formats)",
        "Qt SVG icons",
    ):
        assert f"ok   {check}" in lines, run.stdout
    gui = subprocess.run(
        [sys.executable, "-c", "import sys; from creatorapp.gui.app import main; sys.exit(main())",
         "--selftest"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert gui.returncode == 0 and gui.stdout.splitlines()[-1] == "self-test passed"


def test_selftest_fails_when_a_sample_is_damaged(tmp_path, monkeypatch):
    from creatorapp.core.app import selftest
    from creatorapp.core.resources import resource_dir

    fake = tmp_path / "resources"
    shutil.copytree(resource_dir(), fake)
    (fake / "selftest" / "sample.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    monkeypatch.setenv("CREATORAPP_RESOURCES", str(fake))
    said: list[str] = []
    assert selftest.run(said.append) is False
    assert any(s.startswith("FAIL tag and read back PNG") for s in said)
    assert said[-1] == "self-test FAILED"


def test_selftest_names_a_library_that_cannot_load(monkeypatch):
    from creatorapp.core.app import selftest

    monkeypatch.setattr(selftest, "LIBRARIES", (*selftest.LIBRARIES, "creatorapp_no_such_lib"))
    said: list[str] = []
    assert selftest.run(said.append) is False
    count = len(selftest.LIBRARIES)
    failed = [s for s in said if s.startswith(f"FAIL load the {count} libraries")]
    assert failed and "creatorapp_no_such_lib (ModuleNotFoundError" in failed[0]
