"""The Linux download, built as a user gets it and run on a machine without Python.

The bundle is built once for this module by ``installers/linux/build.sh`` (the script
``make dist`` runs), unpacked from its tarball into a fresh folder, and every command runs with
a bare environment: ``PATH=/usr/bin:/bin``, a new ``HOME``, no venv, no ``PYTHON*`` variables.
One test goes further and hides every Python installation on the machine from the app.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from creatorapp import __version__
from tests.conftest import ROOT, data_mining_code, make_jpeg, make_png, pixels

pytestmark = [
    pytest.mark.xdist_group("bundle"),  # one build, on one worker
    pytest.mark.skipif(sys.platform != "linux", reason="the Linux bundle is built on Linux"),
]

BUILD_TIMEOUT = 900
RESERVED = "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("bundle-build")
    env = {**os.environ, "DIST_DIR": str(work / "dist"), "BUILD_DIR": str(work / "build")}
    build = subprocess.run(
        ["sh", str(ROOT / "installers" / "linux" / "build.sh"), sys.executable],
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    tarballs = list((work / "dist").glob("creator-reserve-*-linux-*.tar.gz"))
    assert [t.name for t in tarballs] == [
        f"creator-reserve-{__version__}-linux-{_machine()}.tar.gz"
    ]
    unpacked = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(unpacked, filter="tar")
    shutil.rmtree(work / "build")  # nothing of the build may be needed at run time
    return unpacked / f"creator-reserve-{__version__}"


def _machine() -> str:
    import platform

    return {"amd64": "x86_64", "aarch64": "arm64"}.get(platform.machine().lower(), "x86_64")


def bare_env(home: Path) -> dict[str, str]:
    """What a fresh login on a machine without Python would have."""
    home.mkdir(parents=True, exist_ok=True)
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


def run(command: list, home: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command],
        env=bare_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=home,
        **kw,
    )


def test_the_tarball_holds_the_app_its_menu_entry_and_icons(bundle):
    for name in ("creator-reserve", "creatorapp", "install.sh", "uninstall.sh"):
        assert os.access(bundle / name, os.X_OK), name
    assert (bundle / "icons" / "256x256" / "apps" / "creator-reserve.png").is_file()
    assert (bundle / "icons" / "scalable" / "apps" / "creator-reserve.svg").is_file()
    desktop = (bundle / "creator-reserve.desktop").read_text()
    assert "Exec=creator-reserve\n" in desktop and "Icon=creator-reserve\n" in desktop
    assert f"X-AppVersion={__version__}\n" in desktop and "@" not in desktop
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(bundle / "creator-reserve.desktop")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    elif os.environ.get("CI"):
        pytest.fail("desktop-file-validate is missing; `make test` installs desktop-file-utils")
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < 220e6, f"the unpacked bundle is {size / 1e6:.0f} MB"  # docs/installers.md


def test_both_executables_report_the_version(bundle, tmp_path):
    for exe in ("creatorapp", "creator-reserve"):
        out = run([bundle / exe, "--version"], tmp_path / "home")
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == f"creatorapp {__version__}"


def test_selftest_passes_without_python_on_the_path(bundle, tmp_path):
    out = run([bundle / "creator-reserve", "--selftest"], tmp_path / "home")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1] == "self-test passed"
    assert not [line for line in lines if line.startswith("FAIL")]
    assert "ok   tag 24 files in worker processes" in lines
    assert "ok   sign and read back Content Credentials (JPG)" in lines


def test_tag_writes_files_that_exiftool_reads(bundle, tmp_path, exiftool):
    photos = tmp_path / "photos"
    photos.mkdir()
    files = [make_jpeg(photos / f"shot-{i:02d}.jpg", seed=i) for i in range(12)]
    files.append(make_png(photos / "drawing.png"))
    before = {f: pixels(f) for f in files}
    home = tmp_path / "home"
    out = run([bundle / "creatorapp", "tag", photos], home)  # more files than one worker takes
    assert out.returncode == 0, out.stdout + out.stderr
    assert "tagged" in out.stdout and "13" in out.stdout
    for f in files:
        assert data_mining_code(exiftool(f)) == RESERVED, f
        assert pixels(f) == before[f], f
    verify = run([bundle / "creatorapp", "verify", "--json", photos], home)
    assert verify.returncode == 0 and verify.stdout.count('"reserved": true') == 13
    # the catalogue lives where a user's would, under the new HOME
    assert list(home.rglob("catalogue.sqlite3"))


def test_window_opens_from_the_bundle(bundle, tmp_path):
    out = run([bundle / "creator-reserve", "gui", "--exit-after", "0"], tmp_path / "home")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr


def test_watching_tags_a_new_file_as_it_arrives(bundle, tmp_path, exiftool):
    """watchdog's inotify observer (ctypes into libc) from the frozen app."""
    import json
    import queue
    import threading

    home = tmp_path / "home"
    portfolio = tmp_path / "portfolio"
    portfolio.mkdir()
    app = bundle / "creatorapp"
    assert run([app, "folders", "add", portfolio], home).returncode == 0
    watcher = subprocess.Popen(
        [str(app), "watch", "--json", "--settle", "0.1"],
        env=bare_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in watcher.stdout], daemon=True).start()
    try:
        new = make_jpeg(portfolio / "new.jpg")
        while True:
            doc = json.loads(lines.get(timeout=60))
            if doc.get("path") == str(new) and doc.get("status") == "tagged":
                break
    finally:
        watcher.terminate()
        code = watcher.wait(timeout=30)
    assert code == 0, watcher.stderr.read()
    assert data_mining_code(exiftool(new)) == RESERVED


def test_publishes_over_sftp_and_verifies_the_live_site(bundle, tmp_path):
    """paramiko (with its native crypto), requests and protego, from the frozen app, against a
    real OpenSSH server and an HTTP server on loopback."""
    from tests.servers import sshd
    from tests.servers.http_site import SiteServer

    if not sshd.available():
        if os.environ.get("CI"):
            pytest.fail("sshd is missing; `make test` installs openssh-server")
        pytest.skip("OpenSSH server not installed")
    server = sshd.SshServer(tmp_path / "sshd")
    docroot = tmp_path / "www"
    docroot.mkdir()
    (docroot / "robots.txt").write_text("User-agent: *\nDisallow: /drafts/\n")
    web = SiteServer(docroot)
    home = tmp_path / "home"
    app = bundle / "creatorapp"
    try:
        reach = ["--host", "127.0.0.1", "--port", server.port, "--user", server.user]
        reach += ["--root", docroot, "--key-file", server.client_key]
        added = run(
            [app, "site", "add", "jane", "--url", web.url, "--transport", "sftp", *reach], home
        )
        assert added.returncode == 0, added.stderr
        trust = ["site", "trust", "jane", "--fingerprint", server.host_fingerprint()]
        assert run([app, *trust], home).returncode == 0
        published = run([app, "site", "publish", "jane"], home)
        assert published.returncode == 0, published.stdout + published.stderr
        verified = run([app, "site", "verify", "jane"], home)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        web.close()
        server.stop()
    robots = (docroot / "robots.txt").read_text()
    assert robots.startswith("User-agent: *\nDisallow: /drafts/\n")  # the creator's lines kept
    assert "GPTBot" in robots and (docroot / ".well-known" / "tdmrep.json").is_file()


def test_the_signing_key_goes_to_the_desktop_keyring_and_signs(bundle, tmp_path):
    """Secrets live in the OS keyring: a real GNOME Keyring on its own D-Bus session, reached
    by the frozen app's keyring backends (which PyInstaller finds only if told to)."""
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        if os.environ.get("CI"):
            pytest.fail("gnome-keyring is missing; `make test` installs it")
        pytest.skip("needs gnome-keyring and dbus-run-session")
    home = tmp_path / "home"
    photos = tmp_path / "photos"
    photos.mkdir()
    make_jpeg(photos / "signed.jpg")
    app = bundle / "creatorapp"
    script = (
        'printf "unlock" | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n'
        f'"{app}" identity create --name "Jane Doe" >/dev/null\n'
        f'"{app}" tag --c2pa "{photos}" >/dev/null\n'
        f'"{app}" verify --json "{photos}"\n'
    )
    out = subprocess.run(
        ["dbus-run-session", "--", "sh", "-ec", script],
        env={**bare_env(home), "XDG_RUNTIME_DIR": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    import json

    found = json.loads(out.stdout.splitlines()[-1])
    assert found["reserved"] and found["credentials"]["present"], found
    assert found["credentials"]["training_mining"], found
    assert list((home / ".local" / "share" / "keyrings").glob("*.keyring"))
    for path in home.rglob("*"):  # the key is in the keyring's encrypted file, nowhere else
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


def _python_everywhere() -> tuple[list[str], list[str]]:
    """Folders and files of every Python installation this machine has (and this project's
    source), to hide from the app."""
    folders = {sys.prefix, sys.base_prefix, str(ROOT)}
    for pattern in ("/usr/lib/python3*", "/usr/local/lib/python3*", "/usr/lib/*/python3*"):
        folders.update(str(p) for p in Path("/").glob(pattern.lstrip("/")) if p.is_dir())
    files = set()
    for pattern in ("usr/bin/python3*", "usr/local/bin/python3*", "usr/lib/*/libpython3*.so*"):
        files.update(str(p.resolve()) for p in Path("/").glob(pattern) if p.is_file())
    # a folder inside a hidden one is hidden with it (and could no longer be mounted over)
    outer = [d for d in folders if not any(Path(d).is_relative_to(o) and d != o for o in folders)]
    return sorted(outer), sorted(f for f in files if not any(f.startswith(o + "/") for o in outer))


def _can_hide() -> bool:
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "mount", "-t", "tmpfs", "t", "/mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(
    shutil.which("unshare") is None or not _can_hide(),
    reason="needs a private mount namespace (root or user namespaces) to hide Python",
)
def test_runs_with_every_python_on_the_machine_hidden(bundle, tmp_path):
    folders, files = _python_everywhere()
    assert any(Path(sys.base_prefix).is_relative_to(d) for d in folders), folders
    # the interpreter running these tests, and the system's python3 if there is one, are hidden
    assert any(Path(sys.executable).resolve().is_relative_to(d) for d in folders), folders
    if Path("/usr/bin/python3").exists():
        assert str(Path("/usr/bin/python3").resolve()) in files, files
    photos = tmp_path / "photos"
    photos.mkdir()
    make_jpeg(photos / "a.jpg")
    app = bundle / "creator-reserve"
    hide = "\n".join(
        [f"mount -t tmpfs -o ro,size=1k hidden '{d}'" for d in folders]
        + [f"mount --bind /dev/null '{f}'" for f in files]
        + [
            # prove the hiding worked before trusting the app's result
            "if python3 -c pass 2>/dev/null; then echo 'python3 still runs'; exit 97; fi",
            f"if [ -e '{sys.executable}' ] && [ -s '{sys.executable}' ]; then exit 98; fi",
            '"$@" --selftest && "$(dirname "$1")/creatorapp" tag "$PHOTOS"',
        ]
    )
    out = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-ec", hide, "sh", str(app)],
        env={**bare_env(tmp_path / "home"), "PHOTOS": str(photos)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "self-test passed" in out.stdout and "tagged" in out.stdout


def test_install_script_adds_menu_entry_commands_and_icons_and_uninstall_removes_them(
    bundle, tmp_path
):
    home = tmp_path / "home"
    out = run([bundle / "install.sh"], home)
    assert out.returncode == 0, out.stdout + out.stderr
    apps = home / ".local" / "share" / "applications" / "creator-reserve.desktop"
    entry = apps.read_text()
    assert f'Exec="{bundle}/creator-reserve"\n' in entry
    icon = home / ".local/share/icons/hicolor/48x48/apps/creator-reserve.png"
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    linked = run([home / ".local" / "bin" / "creatorapp", "--version"], home)
    assert linked.stdout.strip() == f"creatorapp {__version__}"
    # a command of the same name that is not ours is left alone by uninstall
    other = home / ".local" / "bin" / "creator-reserve"
    other.unlink()
    other.write_text("#!/bin/sh\n")
    out = run([bundle / "uninstall.sh"], home)
    assert out.returncode == 0, out.stderr
    assert not apps.exists() and not icon.exists()
    assert not (home / ".local" / "bin" / "creatorapp").exists()
    assert other.read_text() == "#!/bin/sh\n"
    assert (bundle / "creatorapp").is_file()  # the app's folder is the user's to delete
