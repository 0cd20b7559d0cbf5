"""Shared fixtures: isolated settings, sample files, image makers and the exiftool oracle."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CREATORAPP_TESTDATA", ROOT / "tests" / "data"))
SAMPLES = SHARED / "camera-samples"
SIDECARS = SHARED / "xmp-sidecars"
VOCAB = "http://ns.useplus.org/ldf/vocab/"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no test ever needs a screen


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CREATORAPP_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("CREATORAPP_DATA_DIR", str(data))
    monkeypatch.setenv("CREATORAPP_CATALOGUE", str(data / "catalogue.sqlite3"))
    # secrets: an in-memory keyring here, a file one for CLI subprocesses; never the system's
    import keyring

    from tests.keyring_backends import MemoryKeyring

    monkeypatch.setenv("CREATORAPP_TEST_KEYRING", str(data / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backends.FileKeyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    from creatorapp.core import secrets

    secrets.ask_with(None)  # a window opened by an earlier test installs its passphrase dialog
    yield
    keyring.set_keyring(previous)
    secrets.ask_with(None)


@pytest.fixture
def no_keyring(monkeypatch):
    """No keyring backend at all, here and in CLI subprocesses (a NAS, a server, CI): secrets
    go to the encrypted file.  No passphrase is set and standard input is no terminal; a test
    sets ``CREATORAPP_PASSPHRASE`` itself.  (Asked for after ``_isolated_settings``, which puts
    the previous keyring back afterwards.)"""
    import io

    import keyring
    from keyring.backends import fail

    from creatorapp.core import secrets
    from creatorapp.core.secrets import file_store as secret_file

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("CREATORAPP_PASSPHRASE", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO())
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(secrets, "_asker", None)  # not a dialog a window test installed
    secret_file.forget_keys()
    yield
    secret_file.forget_keys()


def has_exiftool() -> bool:
    return shutil.which("exiftool") is not None


@pytest.fixture(scope="session")
def exiftool():
    """Run exiftool and return its JSON for one file.  In CI a missing exiftool is a failure."""
    if not has_exiftool():
        if os.environ.get("CI"):
            pytest.fail("exiftool is not installed; `make test` installs libimage-exiftool-perl")
        pytest.skip("exiftool is not installed")

    def run(path: Path, *args: str) -> dict:
        out = subprocess.run(
            ["exiftool", "-j", "-G1", "-a", "-n", *args, str(path)],
            capture_output=True,
            check=True,
            text=True,
        )
        return json.loads(out.stdout)[0]

    return run


def data_mining_code(exif_json: dict) -> str | None:
    """Normalise exiftool's output across versions: 12.57 prints the raw URI, >=12.67 the code."""
    value = exif_json.get("XMP-plus:DataMining")
    return None if value is None else str(value).removeprefix(VOCAB)


def pixels(path: Path, first_only: bool = False) -> tuple:
    with Image.open(path) as im:
        frames = []
        for i in range(1 if first_only else getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append((im.mode, im.size, im.tobytes()))
        return tuple(frames)


def make_jpeg(path: Path, size=(64, 48), seed=1, exif: bytes | None = None, **kw) -> Path:
    im = Image.effect_noise(size, 40 + seed % 50).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, exif=exif or b"", **kw)
    path.write_bytes(buf.getvalue())
    return path


def make_png(path: Path, size=(40, 30), mode="RGBA", **kw) -> Path:
    im = Image.effect_noise(size, 60).convert(mode)
    im.save(path, "PNG", **kw)
    return path


def make_webp(path: Path, size=(40, 30), lossless=False, mode="RGB") -> Path:
    im = Image.effect_noise(size, 60).convert(mode)
    im.save(path, "WEBP", lossless=lossless, quality=80)
    return path


def make_tiff(path: Path, size=(40, 30), compression=None) -> Path:
    im = Image.effect_noise(size, 60).convert("RGB")
    im.save(path, "TIFF", compression=compression)
    return path


@pytest.fixture
def sample(tmp_path):
    """Copy a shared sample into the test's folder (the shared files are never written)."""

    def copy(name: str, folder: Path | None = None) -> Path:
        target = (folder or tmp_path) / name
        shutil.copy2(SAMPLES / name, target)
        return target

    return copy
