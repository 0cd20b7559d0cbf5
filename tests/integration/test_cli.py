"""The CLI end to end, as a subprocess: JSON lines, exit codes, broken files left alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, data_mining_code, make_jpeg, make_png, make_webp
from tests.unprivileged import IS_ROOT, as_nobody, open_folder


def cli(
    *args: str, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "creatorapp", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=input,
        timeout=120,
    )


def _mixed_folder(root: Path) -> tuple[list[Path], list[Path]]:
    (root / "sub").mkdir()
    good = [make_jpeg(root / "a.jpg"), make_png(root / "sub" / "b.png"), make_webp(root / "c.webp")]
    shutil.copy2(SAMPLES / "Nikon.jpg", root / "sub" / "nikon.jpg")
    good.append(root / "sub" / "nikon.jpg")
    full = (root / "a.jpg").read_bytes()
    broken = {
        "truncated.jpg": full[: len(full) // 2],
        "empty.jpg": b"",
        "mislabelled.jpg": (root / "sub" / "b.png").read_bytes(),
        "garbage.png": os.urandom(2000),
        "cut.png": (root / "sub" / "b.png").read_bytes()[:-20],
        "cut.webp": (root / "c.webp").read_bytes()[:-10],
    }
    for name, data in broken.items():
        (root / name).write_bytes(data)
    (root / "notes.txt").write_text("not an image")
    (root / ".hidden.jpg").write_bytes(full)
    (root / "a.jpg~").write_bytes(full)
    return good, [root / n for n in broken]


def test_tag_mixed_folder_json(tmp_path, exiftool):
    good, broken = _mixed_folder(tmp_path)
    before = {p: p.read_bytes() for p in broken}
    hidden = (tmp_path / ".hidden.jpg").read_bytes()
    run = cli("tag", str(tmp_path), "--json", "--jobs", "2")
    assert run.returncode == 1, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    by_path = {Path(doc["path"]).name: doc for doc in lines}
    for path in good:
        assert by_path[path.name]["status"] == "tagged", by_path[path.name]
        assert "reason" not in by_path[path.name]
        assert data_mining_code(exiftool(path)) == "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
    for path in broken:
        doc = by_path[path.name]
        assert doc["status"] == "failed" and doc["reason"], doc
        assert path.read_bytes() == before[path]
    assert by_path["notes.txt"]["status"] == "skipped" and by_path["notes.txt"]["reason"]
    assert ".hidden.jpg" not in by_path and "a.jpg~" not in by_path
    assert (tmp_path / ".hidden.jpg").read_bytes() == hidden
    reasons = {n: by_path[n]["reason"] for n in ("truncated.jpg", "empty.jpg", "mislabelled.jpg")}
    assert "cut short" in reasons["truncated.jpg"]
    assert "empty" in reasons["empty.jpg"]
    assert "PNG" in reasons["mislabelled.jpg"]
    assert not list(tmp_path.rglob(".*creatorapp-*.tmp"))  # no temporary files left behind

    again = cli("tag", str(tmp_path / "a.jpg"), str(tmp_path / "sub"), "--json")
    assert again.returncode == 0
    assert {json.loads(x)["status"] for x in again.stdout.splitlines()} == {"unchanged"}

    verify = cli("verify", str(tmp_path / "a.jpg"), str(tmp_path / "empty.jpg"), "--json")
    docs = [json.loads(x) for x in verify.stdout.splitlines()]
    assert docs[0] == {
        "path": str(tmp_path / "a.jpg"),
        "reserved": True,
        "data_mining": "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
        "source": "embedded",
        "credentials": {
            "status": "absent",
            "present": False,
            "state": None,
            "failures": [],
            "training_mining": {},
            "manifests": 0,
            "signer": None,
            "agrees_with_iptc": None,
        },
    }
    assert docs[1]["reserved"] is False and docs[1]["source"] == "none" and docs[1]["error"]


def test_dry_run_writes_nothing(tmp_path):
    path = make_jpeg(tmp_path / "a.jpg")
    data = path.read_bytes()
    run = cli("tag", str(path), "--dry-run", "--json")
    assert run.returncode == 0
    assert json.loads(run.stdout)["status"] == "tagged"
    assert path.read_bytes() == data


def test_human_output_summarises(tmp_path):
    make_jpeg(tmp_path / "a.jpg")
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8\xff\xe0broken")
    run = cli("tag", str(tmp_path), "--policy", "no-tdm")
    assert run.returncode == 1
    assert "tagged" in run.stdout and "failed" in run.stdout and "DMI-PROHIBITED" in run.stdout
    assert "b.jpg" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["tag", "/no/such/place"], "no such file or folder"),
        (["tag", ".", "--policy", "nope"], "unknown policy 'nope'"),
        (["tag", ".", "--jobs", "0"], "--jobs must be 1 or more"),
        (["frobnicate"], "invalid choice"),
        (["policy", "show", "nope"], "unknown policy"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args, message, tmp_path):
    run = cli(*args)
    assert run.returncode == 2
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_policy_file_and_show(tmp_path):
    policy = tmp_path / "mine.toml"
    policy.write_text('extends = "no-tdm"\n[rights]\ncreator = "Jane"\n', encoding="utf-8")
    shown = cli("policy", "show", str(policy), "--json")
    assert shown.returncode == 0
    doc = json.loads(shown.stdout)
    assert doc["iptc_data_mining"].endswith("DMI-PROHIBITED")
    assert doc["uses"]["search_indexing"]["permission"] == "prohibited"
    bad = tmp_path / "bad.toml"
    bad.write_text("[uses]\nai_training = 'perhaps'\n", encoding="utf-8")
    run = cli("tag", str(tmp_path), "--policy", str(bad))
    assert run.returncode == 2 and "allowed" in run.stderr
    listed = cli("policy", "list", "--json")
    assert {json.loads(x)["name"] for x in listed.stdout.splitlines()} >= {"no-ai", "allow"}


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_unreadable_file_is_reported(tmp_path):
    if not IS_ROOT:
        path = make_jpeg(tmp_path / "a.jpg")
        path.chmod(0)
        try:
            run = cli("tag", str(path), "--json")
            assert run.returncode == 1 and "permission" in json.loads(run.stdout)["reason"]
        finally:
            path.chmod(0o644)
        return
    from creatorapp.core.policy import resolve_policy
    from creatorapp.core.policy.signals import embedded_fields
    from creatorapp.core.works.tagging import tag_file

    with open_folder() as folder:  # root reads everything: the user who cannot is nobody
        path = make_jpeg(folder / "a.jpg")
        path.chmod(0)
        fields = embedded_fields(resolve_policy("no-ai"))
        doc = as_nobody(lambda: tag_file(path, fields).as_json())
    assert doc["status"] == "failed" and "permission" in doc["reason"], doc


def test_read_only_file_is_left_alone(tmp_path):
    path = make_jpeg(tmp_path / "a.jpg")
    data = path.read_bytes()
    path.chmod(0o444)  # refused even where the user (root) could write it anyway
    run = cli("tag", str(path), "--json")
    assert json.loads(run.stdout)["status"] == "failed" and path.read_bytes() == data


def test_gui_opens_and_closes_offscreen():
    run = cli("gui", "--exit-after", "200", env={"QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr


def test_version():
    run = cli("--version")
    assert run.returncode == 0 and run.stdout.startswith("creatorapp ")
