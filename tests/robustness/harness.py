"""The attack harness: the app as real processes, and the oracles that judge what they left.

Every scenario runs ``creatorapp`` as a subprocess in its own process group, so a ``kill -9``
hits exactly the process a user's ``kill`` would, and everything it started can be found
afterwards by its group id in ``/proc``.  What the files hold is judged by exiftool and Pillow
(never by the app's own reader); what the catalogue holds is read straight from SQLite,
read-only.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from tests.conftest import ROOT, VOCAB
from tests.waiting import wait_until

NO_AI_URI = VOCAB + "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
TEMP_MARK = b".creatorapp-"
IMAGE_SUFFIXES = (b".jpg", b".jpeg")
ORPHAN_TIMEOUT = 8.0  # how long the helpers of a killed process may take to notice and go

# exiftool tags that legitimately differ after tagging: what the app owns, and file-system facts
OURS = frozenset(
    {
        "XMP-plus:DataMining",
        "XMP-xmpRights:Marked",
        "XMP-xmpRights:UsageTerms",
        "XMP-xmpRights:WebStatement",
        "XMP-dc:Rights",
        "XMP-dc:Creator",
        "XMP-plus:Licensor",
        "IFD0:Copyright",
        "IFD0:Artist",
        "IPTC:CopyrightNotice",
        "IPTC:By-line",
        "IPTC:CodedCharacterSet",
        "IPTC:ApplicationRecordVersion",
        "XMP-x:XMPToolkit",
        "XMP-x:XmpToolkit",
        "File:CurrentIPTCDigest",
        "Photoshop:IPTCDigest",
        "File:ExifByteOrder",
        "ExifTool:Warning",
        "ExifTool:ExifToolVersion",
        "Composite:ImageSize",
        "Composite:Megapixels",
        "SourceFile",
    }
)
_FACTS = ("System:",)  # name, size, dates, permissions: not metadata the file carries


def _app_command() -> list[str]:
    script = Path(sys.executable).with_name("creatorapp")
    return [str(script)] if script.exists() else [sys.executable, "-m", "creatorapp"]


APP = _app_command()


def app_env() -> dict[str, str]:
    """The test's settings (catalogue, data and config folders, keyring) for a child process;
    PYTHONPATH lets it find the test keyring backend from any working folder, and a wide
    terminal keeps tables from wrapping names."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "400", "PYTHONUNBUFFERED": "1"}


def text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def short(name: str | bytes, limit: int = 70) -> str:
    """A name for a failure message: repr'd (so escapes stay visible) and shortened."""
    shown = repr(os.fsdecode(name) if isinstance(name, bytes) else name)
    return shown if len(shown) <= limit else f"{shown[: limit - 20]}…{shown[-16:]}"


@dataclass
class Ran:
    args: tuple
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        return text(self.stdout)

    @property
    def err(self) -> str:
        return text(self.stderr)

    def json_lines(self) -> list[dict]:
        """One document per line; a line that is not JSON comes back as status "unparsable"."""
        docs = []
        for line in self.stdout.splitlines():
            if line.strip():
                try:
                    docs.append(json.loads(text(line)))
                except ValueError:
                    docs.append({"status": "unparsable", "line": text(line)})
        return docs

    def describe(self) -> str:
        shown = " ".join(os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in self.args)
        return (
            f"`creatorapp {shown!r}` exited {self.returncode}\n"
            f"--- stdout (last 1500) ---\n{self.out[-1500:]!r}\n"
            f"--- stderr (last 3000) ---\n{self.err[-3000:]}"
        )


def run_app(*args: str | bytes | os.PathLike, cwd: Path | None = None, timeout: float = 90) -> Ran:
    """Run a command to its end, in its own process group (its helpers are checked for too)."""
    argv = [os.fspath(a) if isinstance(a, os.PathLike) else a for a in args]
    proc = subprocess.Popen(
        [*APP, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=app_env(),
        cwd=cwd or ROOT,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(
            f"creatorapp {argv!r} did not finish within {timeout}s; stderr: {text(err)[-2000:]}"
        ) from None
    return Ran(tuple(argv), proc.returncode, out, err)


# --- background processes and their process groups ----------------------------------------------


@dataclass
class Background:
    """A command left running (``tag`` to be killed, ``watch``): output goes to files, so a full
    pipe can never stall it."""

    proc: subprocess.Popen
    stdout_path: Path
    stderr_path: Path
    args: tuple
    children: list[Member] = field(default_factory=list)  # what it had started when killed

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stdout(self) -> str:
        return text(self.stdout_path.read_bytes())

    def stderr(self) -> str:
        return text(self.stderr_path.read_bytes())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        """``kill -9`` of this process only (not its group): what a crash or the OOM killer
        does; whatever it started must notice on its own (see :func:`orphans_after`)."""
        self.children = descendants(self.proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def kill9_group(self) -> None:
        """``kill -9`` of the whole process group at once (a closed terminal, a stopped
        service): workers die in the middle of a write, and leave their temporary files."""
        self.children = descendants(self.proc.pid)
        reap_group(self.proc.pid)
        self.proc.wait(timeout=30)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, as a service manager or ``kill`` stops it; its exit code."""
        self.children = descendants(self.proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            reap_group(self.proc.pid)
            self.proc.wait()
            raise AssertionError(
                f"creatorapp {self.args!r} did not stop within {timeout}s of SIGTERM"
            ) from None

    def describe(self) -> str:
        return (
            f"`creatorapp {self.args!r}` (pid {self.pid})\n--- stdout (last 1500) ---\n"
            f"{self.stdout()[-1500:]!r}\n--- stderr (last 3000) ---\n{self.stderr()[-3000:]}"
        )


STARTED: list[Background] = []  # reaped after each test, whatever happened in it


def start_app(*args: str | os.PathLike, logs: Path, cwd: Path | None = None) -> Background:
    argv = tuple(os.fspath(a) for a in args)
    logs.mkdir(parents=True, exist_ok=True)
    n = len(list(logs.iterdir())) // 2
    out, err = logs / f"{n:03d}.out", logs / f"{n:03d}.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen(
            [*APP, *argv],
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=app_env(),
            cwd=cwd or ROOT,
            start_new_session=True,
        )
    started = Background(proc, out, err, argv)
    STARTED.append(started)
    return started


@dataclass(frozen=True)
class Member:
    pid: int
    ppid: int
    state: str
    command: str
    pgrp: int = 0
    started: int = 0  # clock ticks after boot: tells a process from a later one with its pid


def processes() -> list[Member]:
    """Every live (not zombie) process, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").strip()
        except OSError:
            continue
        fields = stat.rsplit(b")", 1)[1].split()
        state = fields[0].decode()
        if state not in ("Z", "X"):
            found.append(
                Member(
                    int(entry),
                    int(fields[1]),
                    state,
                    text(cmdline)[:160],
                    int(fields[2]),
                    int(fields[19]),
                )
            )
    return found


def group_members(pgid: int) -> list[Member]:
    """Live processes of a process group."""
    return [m for m in processes() if m.pgrp == pgid]


def descendants(pid: int) -> list[Member]:
    """Live processes below ``pid``, however they left its process group."""
    everyone = processes()
    children: dict[int, list[Member]] = {}
    for member in everyone:
        children.setdefault(member.ppid, []).append(member)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found


def _still_here(known: Iterable[Member]) -> list[Member]:
    alive = {(m.pid, m.started) for m in processes()}
    return [m for m in known if (m.pid, m.started) in alive]


def settles(predicate, timeout: float) -> bool:
    """Wait for ``predicate`` like wait_until, but report instead of failing: the caller then
    says in detail what is still wrong."""
    try:
        wait_until(predicate, timeout=timeout)
    except AssertionError:
        return False
    return True


def read(path: bytes | os.PathLike) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def reap_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def orphans_after(run: Background, timeout: float = ORPHAN_TIMEOUT) -> list[Member]:
    """Processes ``run`` started (its process group, and whatever was below it when it was
    killed) still alive ``timeout`` seconds after it died.  They are then killed, so a failing
    round cannot disturb the next; [] when all went by themselves."""

    def left() -> list[Member]:
        found = {m.pid: m for m in group_members(run.pid)}
        found.update((m.pid, m) for m in _still_here(run.children))
        return list(found.values())

    if settles(lambda: not left(), timeout=timeout):
        return []
    remaining = left()
    reap_group(run.pid)
    for member in _still_here(remaining):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(member.pid, signal.SIGKILL)
    settles(lambda: not left(), timeout=10)
    return remaining


# --- files ----------------------------------------------------------------------------------------


def walk_files(folder: Path) -> list[bytes]:
    """Every regular file and symlink under ``folder`` (bytes paths: names need not be UTF-8)."""
    found = []
    for top, dirs, files in os.walk(os.fsencode(folder)):
        dirs.sort()
        for name in sorted(files):
            found.append(os.path.join(top, name))
    return found


def temp_files(folder: Path) -> list[str]:
    return [
        os.fsdecode(p)
        for p in walk_files(folder)
        if TEMP_MARK in os.path.basename(p) and p.endswith(b".tmp")
    ]


def is_work(path: bytes) -> bool:
    name = os.path.basename(path)
    return (
        not name.startswith(b".")
        and name.lower().endswith(IMAGE_SUFFIXES)
        and not os.path.islink(path)
    )


def pixels_of(data: bytes) -> tuple:
    with Image.open(io.BytesIO(data)) as im:
        return (im.mode, im.size, im.tobytes())


def exiftool_many(blobs: Sequence[bytes]) -> list[dict]:
    """exiftool's reading of each blob, in one run: the bytes are copied under plain names so a
    hostile file name cannot confuse the oracle."""
    if not blobs:
        return []
    with tempfile.TemporaryDirectory(prefix="oracle-") as scratch:
        names = []
        for i, blob in enumerate(blobs):
            name = os.path.join(scratch, f"{i:05d}.jpg")
            with open(name, "wb") as handle:
                handle.write(blob)
            names.append(name)
        out = subprocess.run(
            ["exiftool", "-j", "-G1", "-a", "-n", "-struct", *names],
            capture_output=True,
            check=False,
            timeout=120,
        )
        docs = json.loads(out.stdout.decode("utf-8", "replace") or "[]")
    by_name = {os.path.basename(d["SourceFile"]): d for d in docs}
    return [by_name.get(f"{i:05d}.jpg", {}) for i in range(len(blobs))]


def foreign(meta: dict) -> dict:
    """The metadata a file carries that the app does not own."""
    return {k: v for k, v in meta.items() if k not in OURS and not k.startswith(_FACTS)}


@dataclass
class Original:
    path: bytes
    data: bytes
    meta: dict = field(default_factory=dict)
    pixels: tuple | None = None

    @property
    def name(self) -> str:
        return short(os.path.basename(self.path))


def snapshot(paths: Iterable[bytes | Path]) -> dict[bytes, Original]:
    """The files as they are now: bytes, exiftool's reading (foreign part) and pixels."""
    keys = [os.fsencode(p) for p in paths]
    originals = {}
    for key in keys:
        with open(key, "rb") as handle:
            originals[key] = Original(key, handle.read())
    metas = exiftool_many([o.data for o in originals.values()])
    for original, meta in zip(originals.values(), metas, strict=True):
        original.meta = foreign(meta)
        original.pixels = pixels_of(original.data)
    return originals


def _why_skipped(path: bytes) -> str:
    """What the catalogue says of an untagged file, when that explains why a run passed it by."""
    if "CREATORAPP_CATALOGUE" not in os.environ or not catalogue_path().exists():
        return ""
    st = os.stat(path)
    try:
        rows = [r for r in live_rows(catalogue_path()) if r.inode == st.st_ino]
    except sqlite3.Error:
        return ""
    for row in rows:
        if row.state == "tagged" and (row.size, row.mtime_ns) == (st.st_size, st.st_mtime_ns):
            return (
                " (the catalogue records this very file, same size, mtime and inode, as "
                "'tagged': an identity was recorded for bytes that were never checked, so "
                "every later run trusts it; see tagging._with_identity / portfolio.record)"
            )
    return f" (catalogue rows with its inode: {[(r.state, r.error) for r in rows]})"


def file_problems(
    originals: dict[bytes, Original],
    *,
    uri: str = NO_AI_URI,
    must_tag: Iterable[bytes] = (),
    context: str = "",
) -> list[str]:
    """Each file must be byte-identical to its original, or fully tagged: the policy's
    DataMining value, identical pixels, and every foreign property as it was.  ``must_tag``
    names files that may not be left as they were (a command ran on them to its end)."""
    required = {os.fsencode(p) for p in must_tag}
    problems: list[str] = []
    changed: list[Original] = []
    current: dict[bytes, bytes] = {}
    for key, original in originals.items():
        try:
            with open(key, "rb") as handle:
                current[key] = handle.read()
        except FileNotFoundError:
            problems.append(f"{original.name}: the file is gone")
            continue
        if current[key] == original.data:
            if key in required:
                problems.append(
                    f"{original.name}: left untagged after a complete run{_why_skipped(key)}"
                )
        else:
            changed.append(original)
    metas = exiftool_many([current[o.path] for o in changed])
    for original, meta in zip(changed, metas, strict=True):
        name = original.name
        mining = meta.get("XMP-plus:DataMining")
        if mining not in (uri, uri.removeprefix(VOCAB)):
            problems.append(
                f"{name}: changed but not fully tagged (XMP-plus:DataMining={mining!r}, "
                f"expected {uri!r}); a half-written or foreign write reached the file"
            )
        try:
            same = pixels_of(current[original.path]) == original.pixels
        except Exception as exc:  # undecodable now: the image itself was damaged
            same, exc_text = False, f" ({type(exc).__name__}: {exc})"
        else:
            exc_text = ""
        if not same:
            problems.append(f"{name}: pixels differ from the original{exc_text}")
        after = foreign(meta)
        lost = {k: (v, after.get(k)) for k, v in original.meta.items() if after.get(k) != v}
        if lost:
            shown = "; ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in sorted(lost.items())[:8])
            problems.append(f"{name}: foreign metadata lost or changed: {shown}")
    if context and problems:
        problems.insert(0, context)
    return problems


# --- the catalogue --------------------------------------------------------------------------------


def _read_only(catalogue: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True, timeout=30)


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else os.fsencode(value)


def ledger_count(catalogue: Path, kind: str | None = None) -> int:
    """Events in the ledger (0 while the catalogue does not exist or is locked)."""
    if not catalogue.exists():
        return 0
    try:
        with contextlib.closing(_read_only(catalogue)) as db:
            if kind:
                query = db.execute("SELECT count(*) FROM ledger WHERE kind = ?", (kind,))
            else:
                query = db.execute("SELECT count(*) FROM ledger")
            return query.fetchone()[0]
    except sqlite3.Error:
        return 0


@dataclass(frozen=True)
class Row:
    id: int
    path: str | bytes
    state: str
    size: int | None
    mtime_ns: int | None
    inode: int | None
    sha256: str | None
    error: str | None


def live_rows(catalogue: Path) -> list[Row]:
    with contextlib.closing(_read_only(catalogue)) as db:
        db.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
        return [
            Row(*r)
            for r in db.execute(
                "SELECT id, path, state, size, mtime_ns, inode, sha256, error FROM works "
                "WHERE state != 'deleted'"
            )
        ]


def last_tagged_sha(catalogue: Path, subject: str | bytes) -> str | None:
    with contextlib.closing(_read_only(catalogue)) as db:
        db.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
        with contextlib.suppress(UnicodeEncodeError):
            row = db.execute(
                "SELECT data FROM ledger WHERE kind = 'work.tagged' AND subject = ? "
                "ORDER BY seq DESC LIMIT 1",
                (subject,),
            ).fetchone()
            return json.loads(row[0]).get("sha256") if row else None
    return None


def _sha256(path: bytes) -> str:
    import hashlib

    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def catalogue_problems(
    catalogue: Path, folder: Path, *, refused: Iterable[bytes] = (), context: str = ""
) -> list[str]:
    """The catalogue against the disk, after a complete run: every image in the folder has one
    live row, ``tagged`` (``failed`` for the files in ``refused``), with the file's size, mtime,
    inode and hash; no live row names a file that is not there; the ledger's last
    ``work.tagged`` event for each work carries the hash the file has.  Rows are matched to
    files by inode, so the check does not depend on how the catalogue spells a name."""
    refused_set = {os.fsencode(p) for p in refused}
    problems: list[str] = []
    rows = live_rows(catalogue)
    by_inode: dict[int | None, list[Row]] = {}
    for row in rows:
        by_inode.setdefault(row.inode, []).append(row)
    seen_rows: set[int] = set()
    folder_b = os.fsencode(folder)
    for path in walk_files(folder):
        if not is_work(path):
            continue
        st = os.stat(path, follow_symlinks=False)
        name = short(os.path.relpath(path, folder_b))
        matches = by_inode.get(st.st_ino, [])
        if len(matches) != 1:
            named = [r for r in rows if _as_bytes(r.path) == path]
            problems.append(
                f"{name}: {len(matches)} live catalogue rows carry its inode "
                f"(rows under its name: {[(r.state, r.inode) for r in named]})"
            )
            continue
        row = matches[0]
        seen_rows.add(row.id)
        expected = "failed" if path in refused_set else "tagged"
        if row.state != expected:
            problems.append(f"{name}: catalogue says {row.state!r} ({row.error}), not {expected}")
        if _as_bytes(row.path) != path:
            problems.append(f"{name}: its catalogue row names another path {row.path!r}")
        if (row.size, row.mtime_ns) != (st.st_size, st.st_mtime_ns):
            problems.append(
                f"{name}: catalogue stat (size {row.size}, mtime_ns {row.mtime_ns}) does not "
                f"match the file (size {st.st_size}, mtime_ns {st.st_mtime_ns})"
            )
        if expected == "tagged":
            digest = _sha256(path)
            if row.sha256 != digest:
                problems.append(f"{name}: catalogue sha256 is not the file's")
            ledger_sha = last_tagged_sha(catalogue, row.path)
            if ledger_sha != digest:
                problems.append(
                    f"{name}: the ledger's last work.tagged event says sha256 {ledger_sha}, "
                    "the file has another"
                )
    for row in rows:
        if row.id in seen_rows:
            continue
        path = _as_bytes(row.path)
        if path.startswith(folder_b + b"/"):
            problems.append(
                f"catalogue row {row.path!r} ({row.state}) is live but names no file in the folder"
            )
    if context and problems:
        problems.insert(0, context)
    return problems


def ledger_problems(context: str = "") -> list[str]:
    ran = run_app("ledger", "verify", "--json")
    problems = []
    if ran.returncode != 0:
        problems.append(f"`creatorapp ledger verify` failed:\n{ran.describe()}")
    else:
        doc = json.loads(ran.out.strip().splitlines()[-1])
        if not doc.get("ok"):
            problems.append(f"ledger verify says the chain is broken: {doc}")
    if context and problems:
        problems.insert(0, context)
    return problems


# --- what a scenario found ------------------------------------------------------------------------

DEFECTS = {
    "ORPHANS": "processes started by a killed command kept running (workers must die with "
    "their parent)",
    "FILES": "a file is neither byte-identical to its original nor fully tagged with identical "
    "pixels and every foreign property kept",
    "TEMPS": "temporary files (*.creatorapp-*.tmp) remain after the next command ran in the folder",
    "CATALOGUE": "after a complete run the catalogue disagrees with the files",
    "LEDGER": "`creatorapp ledger verify` does not pass",
    "CRASH": "a command crashed (traceback, or an exit code that says it could not run)",
    "OUTPUT": "human-readable output lets a hostile name through (raw escape, forged line, "
    "markup eaten)",
    "OUTSIDE": "a file outside the folder (reached through a symlink) was written",
    "REFUSED": "a file the app could have tagged was refused, or a refusal gave no reason",
    "RACE": "two writers on one folder got in each other's way",
}


class Findings:
    """Broken invariants of one scenario, collected so a run shows all of them at once; each
    is filed under the defect it reveals."""

    def __init__(self, scenario: str, seed: int) -> None:
        self.scenario, self.seed = scenario, seed
        self.found: list[tuple[str, str]] = []

    def add(self, defect: str, detail: str) -> None:
        assert defect in DEFECTS, defect
        self.found.append((defect, detail))

    def extend(self, defect: str, problems: Iterable[str]) -> None:
        for problem in problems:
            self.add(defect, problem)

    def has(self, defect: str) -> bool:
        return any(d == defect for d, _ in self.found)

    def crash_check(self, ran: Ran, what: str, ok: tuple[int, ...] = (0, 1)) -> bool:
        """A finished command: no traceback and an expected exit code (1, some file failed, is
        judged by the file and catalogue checks).  True when it ran."""
        if b"Traceback (most recent call last)" in ran.stderr or ran.returncode not in ok:
            self.add("CRASH", f"{what}: expected exit {ok}\n{ran.describe()}")
            return False
        return True

    def assert_none(self) -> None:
        if not self.found:
            return
        lines = [f"{self.scenario} (SEED={self.seed}): {len(self.found)} broken invariant(s)"]
        for defect in DEFECTS:
            details = [d for k, d in self.found if k == defect]
            if details:
                lines.append(f"[{defect}] {DEFECTS[defect]}:")
                lines += [f"    - {d}" for d in details[:12]]
                if len(details) > 12:
                    lines.append(f"    ... and {len(details) - 12} more")
        raise AssertionError("\n".join(lines))


def catalogue_path() -> Path:
    return Path(os.environ["CREATORAPP_CATALOGUE"])
