"""Without a display, ``creatorapp`` (and ``make run``) says so in one line, runs the demo on
copies of the bundled samples in a temporary folder and exits, instead of opening a window
nobody can see; ``--offscreen`` still draws the window, for tests and start-up checks."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from creatorapp.gui import app
from tests.conftest import ROOT, data_mining_code

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="elsewhere there is always a display"
)

RESERVED = "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
TIMEOUT = 120  # the old window never returned: a hang shows as this timeout


def _no_display_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("CREATORAPP_CATALOGUE", None)  # the catalogue a user would have: in the data dir
    env["CREATORAPP_DATA_DIR"] = str(tmp_path / "data")
    env["CREATORAPP_CONFIG_DIR"] = str(tmp_path / "config")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp_path / "tmp")  # where the demo's own folder goes
    return env


def _run(command: list[str], tmp_path: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        env=_no_display_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        **kw,
    )


def _field(stdout: str, name: str) -> str:
    line = next(x for x in stdout.splitlines() if x.strip().startswith(f"{name}:"))
    return line.split(":", 1)[1].strip()


def _left_alone(tmp_path: Path) -> list[Path]:
    """Whatever the run wrote where the user's own data and settings live."""
    return [p for d in ("data", "config") for p in (tmp_path / d).rglob("*")]


def _assert_demo_ran(out: subprocess.CompletedProcess, tmp_path: Path, exiftool) -> None:
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[0].startswith("creatorapp: no display here"), out.stdout
    assert "Traceback" not in out.stderr
    assert "your own catalogue, settings and files are not touched" in out.stdout
    works = Path(_field(out.stdout, "tagged copies"))
    assert works.is_dir() and works.is_relative_to(tmp_path / "tmp")
    images = sorted(p for p in works.iterdir() if p.suffix != ".xmp")
    assert {p.suffix for p in images} == {".gif", ".jpg", ".png", ".tif", ".webp"}
    embedded = 0
    for image in images:
        code = data_mining_code(exiftool(image))
        if code is None:  # the format takes its reservation in a sidecar
            code = data_mining_code(exiftool(image.with_suffix(".xmp")))
        else:
            embedded += 1
        assert code == RESERVED, image
    assert embedded >= 4
    site = works.parent / "site"
    assert "GPTBot" in (site / "robots.txt").read_text()
    tdmrep = json.loads((site / ".well-known" / "tdmrep.json").read_text())
    assert tdmrep[0]["tdm-reservation"] == 1
    assert (works.parent / "catalogue.sqlite3").is_file()  # the demo's own catalogue
    assert _left_alone(tmp_path) == []  # no catalogue, no settings of the user's


@pytest.mark.parametrize("args", [[], ["gui"]], ids=["creatorapp", "creatorapp gui"])
def test_without_a_display_the_demo_runs_and_exits(tmp_path, exiftool, args):
    out = _run([sys.executable, "-m", "creatorapp", *args], tmp_path)
    _assert_demo_ran(out, tmp_path, exiftool)


def test_make_run_without_a_display_runs_the_demo(tmp_path, exiftool):
    """``make run`` is the install steps and then this one command; the install steps are not
    run here (``make -n`` only prints), the command is."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    # under `make test` this runs inside make: without these, make names the folders it enters
    quiet = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    printed = subprocess.run(
        ["make", "--no-print-directory", "-n", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=quiet,
    ).stdout.splitlines()
    command = shlex.split(printed[-1])
    assert command[1:] == ["gui"] and Path(command[0]).name == "creatorapp", printed[-1]
    exe = ROOT / command[0]
    if not exe.is_file():
        pytest.skip(f"{command[0]} is not installed (make run installs it)")
    _assert_demo_ran(_run([str(exe), *command[1:]], tmp_path, cwd=ROOT), tmp_path, exiftool)


def test_offscreen_still_opens_the_window(tmp_path):
    out = _run(
        [sys.executable, "-m", "creatorapp", "gui", "--offscreen", "--exit-after", "0"], tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert "no display" not in out.stdout and "Demo" not in out.stdout
    assert (tmp_path / "data" / "catalogue.sqlite3").is_file()  # the window opened the real one


def test_creator_reserve_offscreen_opens_the_window(monkeypatch):
    asked = []
    monkeypatch.setattr(app, "run", lambda **kw: asked.append(kw) or 0)
    monkeypatch.setattr(sys, "argv", ["creator-reserve", "--offscreen"])
    assert app.main() == 0
    assert asked == [{"offscreen": True}]


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, True),
        ({"DISPLAY": ":0"}, False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"DISPLAY": ""}, True),
        ({"QT_QPA_PLATFORM": "offscreen"}, False),  # the user asked for no screen (make test)
        ({"QT_QPA_PLATFORM": "minimal"}, False),
        ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, False),
        ({"QT_QPA_PLATFORM": "xcb;offscreen"}, False),  # Qt falls back to offscreen
        ({"QT_QPA_PLATFORM": "xcb"}, True),  # Qt would fail to connect
        ({"QT_QPA_PLATFORM": "wayland"}, True),
    ],
)
def test_what_counts_as_no_display(env, missing):
    assert app.no_display(env, "linux") is missing
    assert app.no_display(env, "freebsd14") is missing
    assert app.no_display(env, "darwin") is False
    assert app.no_display(env, "win32") is False
