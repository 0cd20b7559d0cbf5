"""The command line at its edges: empty paths, big folders named by a slip, readers that go
away, network failures in words, names that try to forge output, counts and their nouns."""

from __future__ import annotations

import ast
import json
import os
import re
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from creatorapp.core.policy import Use, resolve_policy
from tests.conftest import ROOT, make_jpeg
from tests.servers.common import free_port

FORGED = "tagged ALL GOOD"
EVIL = f"a\n\x1b[32m{FORGED}"  # a newline, then a colour escape, then a fake result line
MARKUP = "[bold red]PWNED"  # rich would swallow the tag and colour the rest


def cli(
    *args: str,
    cwd: Path | None = None,
    env: dict | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "creatorapp", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        cwd=cwd,
        input="" if input is None else input,  # stdin is never a terminal here
        timeout=120,
    )


def _photos(folder: Path, n: int) -> dict[Path, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    return {p: p.read_bytes() for p in (make_jpeg(folder / f"{i}.jpg", seed=i) for i in range(n))}


def _untouched(before: dict[Path, bytes]) -> bool:
    return all(path.read_bytes() == data for path, data in before.items())


def _folders() -> list[dict]:
    return [json.loads(x) for x in cli("folders", "list", "--json").stdout.splitlines()]


# --- 4. an empty path is not the current folder -----------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["tag", ""],
        ["tag", "   "],
        ["tag", "x.jpg", ""],
        ["verify", ""],
        ["folders", "add", ""],
        ["folders", "add", " \t"],
        ["folders", "remove", ""],
        ["folders", "set", "", "--no-watch"],
        ["--catalogue", "", "status"],
        ["ledger", "export", "--output", ""],
        ["site", "render", "jane", "--out", ""],
        ["optout", "submit", "spawning", "--folder", ""],
    ],
)
def test_an_empty_or_blank_path_is_a_usage_error_and_touches_nothing(tmp_path, args):
    here = tmp_path / "here"
    before = _photos(here, 2)
    make_jpeg(here / "x.jpg")
    before[here / "x.jpg"] = (here / "x.jpg").read_bytes()
    run = cli(*args, cwd=here)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "empty path" in run.stderr and "Traceback" not in run.stderr
    assert _untouched(before)
    assert sorted(p.name for p in here.iterdir()) == ["0.jpg", "1.jpg", "x.jpg"]
    assert _folders() == []


def test_a_big_folder_that_is_no_portfolio_folder_needs_yes_in_a_script(tmp_path):
    photos = tmp_path / "everything"
    before = _photos(photos, 5)
    env = {"CREATORAPP_CONFIRM_ABOVE": "3"}
    refused = cli("tag", str(photos), env=env)
    assert refused.returncode == 2, refused.stderr
    assert "5 image files" in refused.stderr and "--yes" in refused.stderr
    assert "nothing was touched" in refused.stderr and _untouched(before)

    small = cli("tag", str(photos / "0.jpg"), str(photos / "1.jpg"), "--json", env=env)
    assert small.returncode == 0  # files named one by one are never asked about
    assert {json.loads(x)["status"] for x in small.stdout.splitlines()} == {"tagged"}

    dry = cli("tag", str(photos), "--dry-run", "--json", env=env)
    assert dry.returncode == 0 and _untouched({p: before[p] for p in list(before)[2:]})

    run = cli("tag", str(photos), "--yes", "--json", env=env)
    assert run.returncode == 0, run.stderr
    statuses = sorted(json.loads(x)["status"] for x in run.stdout.splitlines())
    assert statuses == ["tagged"] * 3 + ["unchanged"] * 2


def test_a_portfolio_folder_is_tagged_without_asking(tmp_path):
    photos = tmp_path / "portfolio"
    before = _photos(photos, 5)
    assert cli("folders", "add", str(photos), "--no-tag").returncode == 0
    run = cli("tag", str(photos / "."), "--json", env={"CREATORAPP_CONFIRM_ABOVE": "3"})
    assert run.returncode == 0, run.stderr
    assert not _untouched(before)


def test_the_current_folder_named_as_dot_asks_even_when_small(tmp_path):
    here = tmp_path / "shoot"
    before = _photos(here, 2)
    for args in (["tag", "."], ["tag", "./"], ["folders", "add", "."]):
        run = cli(*args, cwd=here)
        assert run.returncode == 2, (args, run.stderr)
        assert "current folder" in run.stderr and "--yes" in run.stderr
    assert _untouched(before) and _folders() == []
    named = cli("tag", str(here), "--json")  # named by its path: fewer images than the limit
    assert named.returncode == 0 and not _untouched(before)

    again = tmp_path / "again"
    before = _photos(again, 2)
    run = cli("tag", ".", "--yes", "--json", cwd=again)
    assert run.returncode == 0 and not _untouched(before)


def _ask_on_a_terminal(args: list[str], answer: bytes, cwd: Path) -> tuple[int, bytes]:
    """Run with stdin and stderr on a pseudo-terminal; answer once the question is asked."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "creatorapp", *args],
            stdin=slave,
            stderr=slave,
            stdout=subprocess.DEVNULL,
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": str(ROOT), "CREATORAPP_CONFIRM_ABOVE": "3"},
        )
        os.close(slave)
        seen = b""
        while b"[y/N]" not in seen:
            ready, _, _ = select.select([master], [], [], 60)
            assert ready, f"no question asked: {seen!r}"
            seen += os.read(master, 4096)
        os.write(master, answer)
        code = proc.wait(timeout=120)
        return code, seen
    finally:
        os.close(master)


def test_a_terminal_is_asked_and_no_means_nothing_is_touched(tmp_path):
    photos = tmp_path / "big"
    before = _photos(photos, 5)
    code, question = _ask_on_a_terminal(["tag", str(photos)], b"n\n", tmp_path)
    assert code == 2 and _untouched(before)
    assert f"Tag 5 image files in {photos}?".encode() in question
    code, _ = _ask_on_a_terminal(["tag", str(photos)], b"y\n", tmp_path)
    assert code == 0 and not any(p.read_bytes() == d for p, d in before.items())


# --- 11. a reader that goes away -----------------------------------------------------------------


def _with_reader_gone(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Standard output is a pipe whose reading end is already closed: the first write fails,
    as it does once ``head -1`` has its line and exits."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "creatorapp", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "--json", "{photos}"],
        ["verify", "{photos}"],
        ["tag", "--json", "{photos}"],
        ["tag", "{photos}"],
        ["policy", "list", "--json"],
        ["policy", "show", "no-ai"],
        ["optout", "destinations", "--json"],
        ["ledger", "export", "--json"],
        ["ledger", "export"],
        ["status"],
        ["folders", "list"],
    ],
)
def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path, args):
    photos = tmp_path / "p"
    _photos(photos, 3)
    assert cli("folders", "add", str(photos), "--no-tag").returncode == 0  # ledger events
    run = _with_reader_gone([a.format(photos=photos) for a in args])
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr, run.stderr
    assert "Exception ignored" not in run.stderr
    assert run.returncode == 141, run.stderr


def test_head_takes_its_line_and_the_command_stops_quietly(tmp_path):
    photos = tmp_path / "many"
    photos.mkdir()
    for i in range(300):  # more JSON than a pipe holds, so the writer is still writing
        make_jpeg(photos / f"{i:03}.jpg", size=(8, 8))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-m", "creatorapp", "verify", "--json", str(photos)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    head = subprocess.Popen(["head", "-1"], stdin=writer.stdout, stdout=subprocess.PIPE)
    writer.stdout.close()  # head holds the only reading end now
    first, _ = head.communicate(timeout=120)
    _, errors = writer.communicate(timeout=120)
    assert json.loads(first)["path"].endswith("000.jpg")
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors, errors
    assert writer.returncode == 141


# --- 14. words ------------------------------------------------------------------------------------


def test_verify_and_tag_say_why_a_file_was_skipped(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    make_jpeg(tmp_path / "a.jpg")
    verify = cli("verify", str(notes), str(tmp_path / "a.jpg"), env={"COLUMNS": "300"})
    assert verify.returncode == 0
    line = next(x for x in verify.stdout.splitlines() if "notes.txt" in x)
    assert "skipped" in line and "not an image" in verify.stdout
    docs = [json.loads(x) for x in cli("verify", "--json", str(notes)).stdout.splitlines()]
    assert docs == [
        {
            "path": str(notes),
            "reserved": False,
            "data_mining": None,
            "source": "skipped",
            "error": "not an image format Creator Reserve handles",
        }
    ]
    tag = cli("tag", str(notes), str(tmp_path / "a.jpg"), env={"COLUMNS": "300"})
    assert tag.returncode == 0
    said = [x for x in tag.stderr.splitlines() if "notes.txt" in x]
    assert len(said) == 1 and "skipped" in said[0] and "not an image" in said[0]
    assert notes.read_text() == "not an image"


def test_network_failures_read_as_one_sentence(tmp_path):
    port = free_port()  # nothing listens there
    add = cli(
        "site", "add", "jane", "--url", "https://jane.example", "--transport", "webdav",
        "--endpoint", f"http://127.0.0.1:{port}/dav/",
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    run = cli("site", "publish", "jane")
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert f"nothing answered on port {port}" in lines[0]
    for raw in ("HTTPConnectionPool", "Max retries", "NewConnectionError", "Errno", "object at"):
        assert raw not in lines[0]


def test_a_name_that_does_not_resolve_is_said_so(monkeypatch, capsys):
    """The resolver is replaced, so nothing leaves the machine; the message is what the
    command prints."""
    from creatorapp.cli.main import main

    real = socket.getaddrinfo

    def resolve(host, *args, **kw):
        if host == "jane.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    args = ["site", "add", "jane", "--url", "https://jane.example", "--transport", "webdav"]
    assert main([*args, "--endpoint", "https://jane.example/dav/"]) == 0
    capsys.readouterr()
    assert main(["site", "publish", "jane"]) == 2
    err = capsys.readouterr().err.strip()
    assert "jane.example" in err and "could not be found" in err
    assert "check the address or your connection" in err
    assert "HTTPSConnectionPool" not in err and "NameResolutionError" not in err
    assert len(err.splitlines()) == 1


def test_registry_requests_that_cannot_connect_say_so_plainly():
    import requests

    from creatorapp.core.optouts.http import RateLimiter, RegistryError, send

    port = free_port()
    with pytest.raises(RegistryError) as caught:
        send(
            requests.Session(),
            "GET",
            f"http://127.0.0.1:{port}/api",
            limiter=RateLimiter(0),
            what="Spawning query",
            attempts=1,
        )
    message = str(caught.value)
    assert message.startswith("Spawning query: cannot reach 127.0.0.1 (")
    assert f"nothing answered on port {port}" in message
    assert "HTTPConnectionPool" not in message and "Max retries" not in message


def test_ledger_export_takes_a_relative_subject_and_refuses_an_unknown_kind(tmp_path):
    photos = tmp_path / "p"
    _photos(photos, 2)
    assert cli("folders", "add", str(photos)).returncode == 0
    run = cli("ledger", "export", "--json", "--subject", "0.jpg", cwd=photos)
    assert run.returncode == 0, run.stderr
    events = [json.loads(x) for x in run.stdout.splitlines()]
    assert {e["kind"] for e in events} >= {"work.tagged"}
    assert {e["subject"] for e in events} == {os.path.realpath(photos / "0.jpg")}
    by_folder = cli("ledger", "export", "--json", "--subject", "p", "--kind", "folder.added",
                    cwd=tmp_path)  # fmt: skip
    assert [json.loads(x)["kind"] for x in by_folder.stdout.splitlines()] == ["folder.added"]

    typo = cli("ledger", "export", "--kind", "work.taged")
    assert typo.returncode == 2
    assert "unknown event kind 'work.taged'" in typo.stderr and "work.tagged" in typo.stderr


def test_every_event_kind_the_app_writes_is_known_to_ledger_export():
    from creatorapp.cli.status_cmd import LEDGER_KINDS

    written: set[str] = set()
    for path in (ROOT / "creatorapp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
                and len(node.args) == 3
                and isinstance(node.args[0], ast.Constant)
                and re.fullmatch(r"[a-z]+\.[a-z_]+", str(node.args[0].value))
            ):
                written.add(node.args[0].value)
    assert written and written <= set(LEDGER_KINDS), written - set(LEDGER_KINDS)


def _readme_policy(tmp_path: Path) -> Path:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    toml = re.search(r"```toml\n(.*?)```", readme, re.S)
    assert toml, "the README shows a policy file"
    path = tmp_path / "studio.toml"
    path.write_text(toml.group(1), encoding="utf-8")
    return path


def test_policy_show_of_the_readme_example_says_in_its_summary_what_its_table_says(tmp_path):
    path = _readme_policy(tmp_path)
    policy = resolve_policy(str(path))
    summary = policy.description
    assert summary.startswith("Prohibited: ") and ". Allowed: " in summary
    banned, allowed = summary.removeprefix("Prohibited: ").split(". Allowed: ")
    assert "AI training" in banned and "AI training" not in allowed
    for use in Use:
        words = {
            Use.DATA_MINING: "text and data mining",
            Use.AI_INFERENCE: "AI answers",
            Use.SEARCH_INDEXING: "search engine indexing",
        }.get(use)
        if words:
            assert (words in banned) == (not policy.permits(use)), use
            assert (words in allowed) == policy.permits(use), use
    shown = cli("policy", "show", str(path))
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "Prohibited: AI training" in text and "other analysis" not in text
    assert re.search(r"ai_training\s*│\s*prohibited", shown.stdout)


def test_counts_agree_with_their_nouns(tmp_path):
    photos = tmp_path / "p"
    _photos(photos, 1)
    assert cli("folders", "add", str(photos), "--no-tag").returncode == 0
    status = cli("status")
    assert "1 work in 1 portfolio folder" in status.stdout, status.stdout
    removed = cli("folders", "remove", str(photos))
    assert "1 work no longer catalogued" in removed.stdout, removed.stdout
    assert "0 works in 0 portfolio folders" in cli("status").stdout


# --- 15. names cannot forge output --------------------------------------------------------------


def _forged(output: str) -> list[str]:
    """Lines that would show the forged text as if it were a line of its own."""
    return [
        line for line in output.splitlines() if line.strip(" │┃|").startswith((FORGED, "PWNED"))
    ]


def test_names_cannot_forge_lines_or_colour_the_terminal(tmp_path):
    folder = tmp_path / f"p{EVIL}"
    folder.mkdir()
    make_jpeg(folder / "good.jpg")
    broken = b"\xff\xd8\xff\xe0 cut short"
    (folder / f"{EVIL}.jpg").write_bytes(broken)
    (folder / f"{MARKUP}.jpg").write_bytes(broken)
    (folder / f"{EVIL}.txt").write_text("notes")

    wide = {"COLUMNS": "400"}  # no table cell folds a long name where the test cannot see
    outputs = {
        "tag": cli("tag", str(folder), env=wide),
        "verify": cli("verify", str(folder), env=wide),
        "folders add": cli("folders", "add", str(folder), env=wide),
        "status": cli("status", env=wide),
        "folders list": cli("folders", "list", env=wide),
        "ledger export": cli("ledger", "export", env=wide),
    }
    for name, run in outputs.items():
        text = run.stdout + run.stderr
        assert "Traceback" not in text, (name, text)
        assert "\x1b" not in text, (name, text)
        assert not _forged(text), (name, text)
        assert "\\x1b[32m" in text, (name, text)  # the name is there, escaped
    for name in ("tag", "verify", "status"):
        text = outputs[name].stdout + outputs[name].stderr
        assert MARKUP in text, (name, text)  # printed as written, not taken as markup
    assert (folder / f"{EVIL}.jpg").read_bytes() == broken

    as_json = cli("verify", "--json", str(folder / f"{EVIL}.jpg"))
    assert json.loads(as_json.stdout)["path"] == str(folder / f"{EVIL}.jpg")  # the real name


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [["status"], ["policy", "list"], ["policy", "list", "--json"], ["ledger", "verify"]],
    ids=" ".join,
)
def test_output_that_cannot_be_written_is_one_line_not_a_traceback(args):
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "creatorapp", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        "creatorapp: error: the output could not be written (No space left on device)"
    ]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_ledger_export_that_cannot_be_written_leaves_no_cut_off_file(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    make_jpeg(photos / "a.jpg")
    assert cli("folders", "add", str(photos)).returncode == 0
    out = tmp_path / "ledger.jsonl"
    assert cli("ledger", "export", "--output", str(out)).returncode == 0
    whole = out.read_bytes()
    assert whole.count(b"\n") >= 2

    # the same export again while the disk is full: every file opened for writing in this
    # folder is created (truncated) as usual, and then no byte fits
    script = tmp_path / "full_disk.py"
    script.write_text(
        "import builtins, sys\n"
        "real = builtins.open\n"
        "class Full:\n"
        "    def __init__(self, f): self.f = f\n"
        "    def __enter__(self): return self\n"
        "    def __exit__(self, *e): self.f.close()\n"
        "    def write(self, t): raise OSError(28, 'No space left on device')\n"
        "    def flush(self): pass\n"
        "    def fileno(self): return self.f.fileno()\n"
        "    def close(self): self.f.close()\n"
        "def fake(p, mode='r', *a, **k):\n"
        "    f = real(p, mode, *a, **k)\n"
        f"    return Full(f) if 'w' in mode and str(p).startswith({str(tmp_path)!r}) else f\n"
        "builtins.open = fake\n"
        "from creatorapp.cli.main import main\n"
        f"sys.exit(main(['ledger', 'export', '--output', {str(out)!r}]))\n"
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "cannot write" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert out.read_bytes() == whole
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_core_errors_name_no_command_and_the_command_line_adds_its_advice(tmp_path):
    from creatorapp.core.catalogue import open_catalogue
    from creatorapp.core.proof import identity
    from creatorapp.core.works.portfolio import Portfolio, PortfolioError

    with pytest.raises(identity.IdentityError) as missing:
        identity.load()
    assert "creatorapp" not in str(missing.value) and missing.value.code == identity.NO_IDENTITY
    store = open_catalogue(tmp_path / "c.sqlite3")
    try:
        with pytest.raises(PortfolioError) as unknown:
            Portfolio(store).find_folder(tmp_path)
    finally:
        store.close()
    assert "creatorapp" not in str(unknown.value)

    photo = make_jpeg(tmp_path / "a.jpg")
    run = cli("tag", "--c2pa", str(photo))
    assert run.returncode == 2 and "creatorapp identity create" in run.stderr, run.stderr
    other = tmp_path / "other"
    other.mkdir()
    run = cli("folders", "set", str(other), "--no-watch")
    assert run.returncode == 2 and "creatorapp folders list" in run.stderr, run.stderr
