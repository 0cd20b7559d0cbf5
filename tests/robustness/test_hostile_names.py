"""Hostile file names: bytes that are not UTF-8, newlines, terminal escapes, rich markup, bidi
overrides, names at the length limit, leading dashes, and symbolic links leading out of the
folder.

Every command a user would run on such a folder must work (no traceback), tag every work, keep
the names harmless in human-readable output, never write through a link to a file outside the
folder, and leave a catalogue and ledger that agree with the files.
"""

from __future__ import annotations

import json
import os

from tests.conftest import make_jpeg
from tests.robustness.harness import (
    Findings,
    Ran,
    catalogue_path,
    catalogue_problems,
    file_problems,
    ledger_problems,
    orphans_after,
    run_app,
    settles,
    short,
    snapshot,
    start_app,
    temp_files,
    wait_until,
)

SEED = 8675309

HOSTILE = (
    b"caf\xe9.jpg",  # Latin-1, not UTF-8
    b"new\nline.jpg",  # printed raw, forges a line starting "line.jpg"
    b"\x1b[31mred\x1b[0m.jpg",  # colours the terminal
    b"[bold red]x[blink].jpg",  # rich markup
    b"\xe2\x80\xaegpj.exe.jpg",  # right-to-left override
    b"-rf.jpg",
    b"--help.jpg",
    b"L" * 240 + b".jpg",  # with the app's temp suffix the name would pass 255 bytes
    b"sub\xff\ndir/inner.jpg",  # a folder with a hostile name
)
# a link with a hostile name: skipped, and the skip is printed
LINK_NAME = b"[bold]ln\x1b[2J\nforged.jpg"
MARKUP_SHOWN = "[bold red]x[blink]"
FORGED_LINES = (b"line.jpg", b"forged.jpg", b"dir/inner.jpg")


def _make(folder: os.PathLike, outside: os.PathLike) -> tuple[list[bytes], dict[bytes, bytes]]:
    """Hostile-named works in ``folder``; links to files in ``outside`` (returned with their
    bytes, which must never change)."""
    base = os.fsencode(folder)
    made = []
    for i, name in enumerate(HOSTILE):
        path = os.path.join(base, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        make_jpeg(_as_path(path), seed=SEED % 97 + i)
        made.append(path)
    out = os.fsencode(outside)
    os.makedirs(os.path.join(out, b"dir"), exist_ok=True)
    target = os.path.join(out, b"target.jpg")
    other = os.path.join(out, b"dir", b"other.jpg")
    make_jpeg(_as_path(target), seed=1)
    make_jpeg(_as_path(other), seed=2)
    os.symlink(target, os.path.join(base, b"link.jpg"))
    os.symlink(target, os.path.join(base, LINK_NAME))
    os.symlink(os.path.join(out, b"dir"), os.path.join(base, b"linkdir"))
    os.symlink(os.path.join(out, b"missing.jpg"), os.path.join(base, b"dangling.jpg"))
    with open(target, "rb") as a, open(other, "rb") as b:
        return made, {target: a.read(), other: b.read()}


def _as_path(raw: bytes):
    from pathlib import Path

    return Path(os.fsdecode(raw))


def _links_intact(found: Findings, folder, outside_files: dict[bytes, bytes], when: str) -> None:
    for path, data in outside_files.items():
        with open(path, "rb") as handle:
            if handle.read() != data:
                found.add(
                    "OUTSIDE",
                    f"{when}: {os.fsdecode(path)!r} outside the folder was rewritten through a "
                    "symlink (creatorapp/core/works/tagging.py: links must be skipped, never "
                    "followed)",
                )
    base = os.fsencode(folder)
    for name in (b"link.jpg", LINK_NAME, b"linkdir", b"dangling.jpg"):
        if not os.path.islink(os.path.join(base, name)):
            found.add("OUTSIDE", f"{when}: the symlink {name!r} was replaced by a file")


def _output_checks(found: Findings, ran: Ran, what: str, names_shown: bool = False) -> None:
    """A hostile name in human-readable output must stay one harmless piece of text."""
    raw = ran.stdout + ran.stderr
    if b"\x1b" in raw:
        found.add("OUTPUT", f"{what}: a raw ESC byte reached the terminal\n{ran.describe()}")
    if b"\xe2\x80\xae" in raw:
        found.add("OUTPUT", f"{what}: a raw right-to-left override reached the terminal")
    forged = [line for line in raw.splitlines() if line.lstrip().startswith(FORGED_LINES)]
    if forged:
        found.add("OUTPUT", f"{what}: a newline in a name forged output lines {forged[:3]}")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        found.add("OUTPUT", f"{what}: output is not valid UTF-8 (raw name bytes): {exc}")
    if names_shown and MARKUP_SHOWN not in ran.out:
        found.add(
            "OUTPUT",
            f"{what}: the name {MARKUP_SHOWN!r} is not shown as written (rich markup not "
            f"escaped)\n{ran.describe()}",
        )


def _json_checks(found: Findings, ran: Ran, what: str) -> list[dict]:
    docs = []
    for line in ran.stdout.splitlines():
        try:
            docs.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as exc:
            found.add("OUTPUT", f"{what}: a --json line is not valid UTF-8 JSON ({exc}): {line!r}")
    return docs


def _finish(found: Findings, folder, originals, works, outside, when: str) -> None:
    leftovers = temp_files(folder)
    if leftovers:
        found.add("TEMPS", f"{when}: {leftovers}")
    found.extend("FILES", file_problems(originals, must_tag=works, context=when))
    _links_intact(found, folder, outside, when)
    found.extend("CATALOGUE", catalogue_problems(catalogue_path(), folder, context=when))
    found.extend("LEDGER", ledger_problems(context=when))


def test_hostile_names_through_every_command(tmp_path):
    found = Findings("hostile names, command by command", SEED)
    folder = tmp_path / "portfolio"
    folder.mkdir()
    works, outside = _make(folder, tmp_path / "outside")
    originals = snapshot(works)

    ran = run_app("folders", "add", folder, "--json")
    found.crash_check(ran, "folders add (catalogues and tags)")
    _json_checks(found, ran, "folders add --json")
    _links_intact(found, folder, outside, "after folders add")

    ran = run_app("tag", folder, "--json", "--jobs", "2")
    found.crash_check(ran, "tag --json")
    docs = _json_checks(found, ran, "tag --json")
    answered = {os.fsencode(d["path"]) for d in docs if "path" in d}
    missing = [os.fsdecode(p) for p in works if p not in answered]
    if missing:
        found.add("OUTPUT", f"tag --json: no line names {missing} (their paths do not round-trip)")

    for what, args in {
        "tag (human)": ("tag", folder, "--jobs", "2"),
        "verify (human)": ("verify", folder),
        "status": ("status",),
        "folders list": ("folders", "list"),
        "ledger export": ("ledger", "export"),
    }.items():
        ran = run_app(*args)
        found.crash_check(ran, what, ok=(0, 1) if what.startswith("tag") else (0,))
        _output_checks(found, ran, what, names_shown=what == "verify (human)")
    ran = run_app("tag", folder, "--jobs", "1")
    _output_checks(found, ran, "tag (human), the skipped link's name printed")
    if "[bold]ln" not in ran.out + ran.err:
        found.add("OUTPUT", f"tag (human): the skipped link {LINK_NAME!r} is not named as written")

    ran = run_app("verify", folder, "--json")
    found.crash_check(ran, "verify --json", ok=(0,))
    for doc in _json_checks(found, ran, "verify --json"):
        path = os.fsencode(doc.get("path", ""))
        if path in works and not doc.get("reserved"):
            found.add("FILES", f"verify --json: {short(path)} is not reserved: {doc.get('error')}")

    for name in (b"link.jpg", LINK_NAME):  # a link named on the command line: not followed
        ran = run_app("tag", os.path.join(os.fsencode(folder), name), "--json")
        found.crash_check(ran, f"tag of the symlink {name!r} itself", ok=(0, 1))
    _links_intact(found, folder, outside, "after tag of the symlinks themselves")

    ran = run_app("tag", "--json", "--", "-rf.jpg", "--help.jpg", cwd=folder)
    found.crash_check(ran, "tag -- -rf.jpg --help.jpg (from inside the folder)")
    if sorted(d.get("status") for d in _json_checks(found, ran, "tag -- -rf.jpg")) != [
        "unchanged",
        "unchanged",
    ]:
        found.add("OUTPUT", f"tag -- -rf.jpg --help.jpg: expected 2 unchanged\n{ran.describe()}")

    found.crash_check(run_app("watch", "--once", "--json"), "watch --once")
    _finish(found, folder, originals, works, outside, "after every command")
    found.assert_none()


def test_hostile_names_arriving_in_a_watched_folder(tmp_path):
    found = Findings("hostile names arriving while `creatorapp watch` runs", SEED + 1)
    folder = tmp_path / "portfolio"
    folder.mkdir()
    found.crash_check(run_app("folders", "add", folder, "--json"), "folders add (empty)")
    staging = tmp_path / "staging"
    staging.mkdir()
    made, outside = _make(staging, tmp_path / "outside")
    originals = snapshot(made)
    watch = start_app("watch", "--settle", "0.05", "--jobs", "2", logs=tmp_path / "logs")
    wait_until(lambda: "Watching" in watch.stdout() or not watch.alive(), timeout=60, what="ready")
    # the whole staging folder's content arrives, links included (renamed in, as a sync tool)
    works = []
    for entry in sorted(os.listdir(os.fsencode(staging))):
        src = os.path.join(os.fsencode(staging), entry)
        dst = os.path.join(os.fsencode(folder), entry)
        os.rename(src, dst)
    for path in made:
        moved = os.path.join(os.fsencode(folder), os.path.relpath(path, os.fsencode(staging)))
        originals[moved] = originals.pop(path)
        originals[moved].path = moved
        works.append(moved)

    def answered() -> bool:  # every work reported, tagged or failed
        lines = watch.stdout().splitlines()
        return sum(1 for line in lines if line.startswith(("tagged", "failed"))) >= len(works)

    settles(lambda: answered() or not watch.alive(), timeout=20)  # what is left: named below
    if not watch.alive():
        found.add("CRASH", f"the watcher died on hostile names\n{watch.describe()}")
    code = watch.terminate()
    stopped = Ran(watch.args, code, watch.stdout_path.read_bytes(), watch.stderr_path.read_bytes())
    found.crash_check(stopped, "watch, stopped with SIGTERM")
    _output_checks(found, stopped, "watch (human) output")
    left = orphans_after(watch, timeout=5)
    if left:
        found.add("ORPHANS", f"after the watcher stopped: {[(m.pid, m.command) for m in left]}")
    untagged = [p for p in works if os.stat(p).st_size == len(originals[p].data)]
    if untagged:
        said = [line[:160] for line in stopped.out.splitlines() if line.startswith("failed")]
        found.add(
            "FILES", f"the watcher did not tag {[short(p) for p in untagged]}; it said {said}"
        )
    found.crash_check(run_app("watch", "--once", "--json"), "watch --once")
    _finish(found, folder, originals, works, outside, "after watch and watch --once")
    found.assert_none()
