"""The build scripts CI cannot run (macOS, Windows) are still checked here: shell scripts by
shellcheck, the Windows pair for values the installer script uses but nobody passes, the icons
each platform needs by reading them back with Pillow."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from creatorapp import __version__
from tests.conftest import ROOT

INSTALLERS = ROOT / "installers"
sys.path.insert(0, str(INSTALLERS))
import app_info  # noqa: E402
import make_icons  # noqa: E402


def test_every_shell_script_passes_shellcheck():
    scripts = sorted(INSTALLERS.rglob("*.sh"))
    assert {p.relative_to(INSTALLERS).as_posix() for p in scripts} >= {
        "linux/build.sh",
        "linux/install.sh",
        "linux/uninstall.sh",
        "macos/build.sh",
    }
    if shutil.which("shellcheck") is None:
        if os.environ.get("CI"):
            pytest.fail("shellcheck is missing; `make test` installs it")
        pytest.skip("shellcheck is not installed")
    check = subprocess.run(
        ["shellcheck", "--shell=sh", "--external-sources", "--source-path=SCRIPTDIR"]
        + [str(s) for s in scripts],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout


def test_app_info_gives_the_package_version_and_a_windows_version():
    assert app_info.version() == __version__
    numbers = app_info.version_tuple()
    assert len(numbers) == 4 and ".".join(map(str, numbers)).startswith(__version__)
    info = app_info.info()
    assert info["gui_executable"] == "creator-reserve" and info["cli_executable"] == "creatorapp"
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", info["windows_app_id"])
    out = subprocess.run(
        [sys.executable, str(INSTALLERS / "app_info.py"), "version"], capture_output=True, text=True
    )
    assert out.stdout.strip() == __version__


def test_the_windows_installer_script_gets_every_value_it_uses():
    iss = (INSTALLERS / "windows" / "creator-reserve.iss").read_text()
    ps1 = (INSTALLERS / "windows" / "build.ps1").read_text()
    preprocessor = "\n".join(line for line in iss.splitlines() if line.lstrip().startswith("#"))
    used = set(re.findall(r"\{#(\w+)\}", iss)) | set(re.findall(r"\+ (\w+) \+", preprocessor))
    defined = set(re.findall(r"^#define (\w+)", iss, re.MULTILINE))
    defaulted = set(re.findall(r"^#ifndef (\w+)\n  #define", iss, re.MULTILINE))
    required = set(re.findall(r"^#ifndef (\w+)\n  #error", iss, re.MULTILINE))
    passed = set(re.findall(r'"/D(\w+)=', ps1))
    assert used, "no preprocessor values found: the check would prove nothing"
    assert used <= defined | passed, used - defined - passed
    assert required <= passed, required - passed
    assert passed <= used, f"passed but never used: {passed - used}"
    assert defaulted  # a hand-run iscc needs only the required values


def test_icons_for_every_platform_are_rendered_from_the_svg(tmp_path):
    # in a process of its own, as the build runs it: the Qt application it makes must not be
    # the one the window tests in this process find (or find destroyed)
    run = subprocess.run(
        [sys.executable, str(ROOT / "installers" / "make_icons.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert run.returncode == 0, run.stderr
    written = [Path(line) for line in run.stdout.splitlines()]
    assert written and all(p.stat().st_size > 0 for p in written)
    with Image.open(tmp_path / "creator-reserve.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.ico.sizes())
    with Image.open(tmp_path / "creator-reserve.icns") as icns:
        assert icns.format == "ICNS" and max(icns.size) >= 512
    for size in make_icons.THEME_SIZES:
        png = tmp_path / "hicolor" / f"{size}x{size}" / "apps" / "creator-reserve.png"
        with Image.open(png) as image:
            assert image.size == (size, size) and image.mode == "RGBA"
            assert image.getpixel((0, 0))[3] == 0  # the rounded corner is transparent
            if size >= 48:  # drawn, not blank: the shield's white at (70, 110) of 256
                assert image.getpixel((size * 70 // 256, size * 110 // 256)) == (255,) * 4


def test_macos_entitlements_and_bundle_id_are_well_formed():
    import plistlib

    entitlements = plistlib.loads((INSTALLERS / "macos" / "entitlements.plist").read_bytes())
    assert entitlements == {
        "com.apple.security.cs.allow-unsigned-executable-memory": True,
        "com.apple.security.cs.disable-library-validation": True,
    }
    assert re.fullmatch(r"[a-z]+(\.[A-Za-z]+)+", str(app_info.info()["bundle_id"]))
