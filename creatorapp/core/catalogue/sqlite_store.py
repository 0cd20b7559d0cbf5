"""The catalogue in one SQLite file: WAL mode, one connection per process, a lock per store.

Several processes may share the file (the window, its watcher and any number of ``creatorapp``
commands from a terminal or a script): writes take SQLite's write lock up front (``BEGIN
IMMEDIATE``) so the ledger chain never forks, and a writer that finds it taken waits for it
(``BUSY_WAIT``) instead of failing; readers never wait (WAL).  Past the wait the step stops with
:class:`CatalogueBusy`, in words, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import stat
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from creatorapp.core.catalogue import anchor
from creatorapp.core.catalogue.ledger import GENESIS, chain_hash
from creatorapp.core.catalogue.location import private_file, private_folder
from creatorapp.core.catalogue.model import (
    CatalogueError,
    Folder,
    LedgerEvent,
    SiteRecord,
    Work,
    WorkStat,
    WorkState,
    utc_now,
)
from creatorapp.core.catalogue.schema import MIGRATIONS, SCHEMA_VERSION
from creatorapp.core.catalogue.store import (
    BUSY_WAIT,
    SIGNED_SUFFIX,
    CatalogueBusy,
    CatalogueFull,
    CatalogueMissing,
    Covered,
    FolderCounts,
    Store,
)
from creatorapp.core.text.display import counted
from creatorapp.core.text.pathtext import from_stored, json_text, storable

_FOLDER_COLUMNS = ("id", "path", "policy", "watching", "added_at", "last_scan_at", "error")
_WORK_COLUMNS = (
    "id",
    "folder_id",
    "path",
    "size",
    "mtime_ns",
    "inode",
    "state",
    "sha256",
    "format",
    "policy",
    "signature",
    "tagged_at",
    "error",
    "updated_at",
    "excluded_from",
)
_WORK_SELECT = f"SELECT {', '.join(_WORK_COLUMNS)} FROM works"
_EVENT_SELECT = "SELECT seq, at, kind, subject, data, prev_hash, hash FROM ledger"
_BATCH = 500
# SQLite's JSON functions are built in from 3.38: a list of ids travels as one parameter
_JSON_EACH = sqlite3.sqlite_version_info >= (3, 38)
_CORE_TABLES = frozenset({"folders", "works", "ledger", "meta"})
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL = 8, 10, 13  # primary result codes
# Room a batch needs on the catalogue's disk: a write-ahead log cycle (about 4 MB), and per work
# a ledger event, its index entries and the pages a batch rewrites, with margin.
_ROOM_BASE, _ROOM_PER_WORK = 4 << 20, 4 << 10
_SQLITE_MAGIC = b"SQLite format 3\x00"
# the rule of ``store.covers`` as SQL over the works table
_SIGNED = f"(state = 'tagged' AND substr(signature, -{len(SIGNED_SUFFIX)}) = '{SIGNED_SUFFIX}')"
# works the portfolio counts: not deleted, not left out by the creator
_COUNTED = "state NOT IN ('deleted', 'excluded')"
_COVERED_SQL: dict[Covered, str] = {
    Covered.LIVE: _COUNTED,
    Covered.IN_FILE: "state IN ('tagged', 'sidecar')",
    Covered.NOT_IN_FILE: "state NOT IN ('tagged', 'sidecar', 'deleted', 'excluded')",
    Covered.CREDENTIALS: _SIGNED,
    Covered.NO_CREDENTIALS: f"{_COUNTED} AND NOT coalesce({_SIGNED}, 0)",
}


def _mb(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB"


def _prepare(path: Path, create: bool) -> None:
    """Refuse what is not a catalogue before SQLite touches it; make a new one private."""
    if create and path.parent.is_dir():
        private_folder(path.parent)  # the app's data folder an earlier version left open
    try:
        st = path.stat()
    except FileNotFoundError:
        if not create:
            raise CatalogueMissing(f"there is no catalogue at {path}") from None
        try:
            private_folder(path.parent)
            os.close(private_file(path))  # SQLite gives its -wal and -shm files the same mode
        except FileExistsError:
            pass
        except OSError as exc:
            raise CatalogueError(
                f"cannot create the catalogue {path} ({exc.strerror or exc})"
            ) from None
        return
    except OSError as exc:
        raise CatalogueError(f"cannot open the catalogue {path} ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise CatalogueError(f"{path} is a folder, not a catalogue file")
    if st.st_size == 0:
        if not create:
            raise CatalogueMissing(f"{path} is an empty file, not a catalogue")
        return
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise CatalogueError(f"cannot read the catalogue {path} ({exc.strerror or exc})") from None
    if magic != _SQLITE_MAGIC:
        raise CatalogueError(
            f"{path} is not a Creator Reserve catalogue (not a database at all); it was left "
            "as it is"
        )


def _dumps(data: dict) -> str:
    return json_text(data, sort_keys=True, separators=(",", ":"))


def _work(row: tuple) -> Work:
    values = dict(zip(_WORK_COLUMNS, row, strict=True))
    values["state"] = WorkState(values["state"])
    values["path"] = from_stored(values["path"])
    return Work(**values)


def _folder(row: tuple) -> Folder:
    values = dict(zip(_FOLDER_COLUMNS, row, strict=True))
    values["watching"] = bool(values["watching"])
    values["path"] = from_stored(values["path"])
    return Folder(**values)


def _event(row: tuple) -> LedgerEvent:
    seq, at, kind, subject, data, prev_hash, digest = row
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = {"unreadable": data}
    return LedgerEvent(seq, at, kind, from_stored(subject), parsed, prev_hash, digest)


class SqliteStore(Store):
    def __init__(self, path: Path, *, create: bool = True) -> None:
        """``create``: make the catalogue if there is none (the default location, ``catalogue
        init``); otherwise a missing file is an error and nothing is created, not even its
        folder, so a mistyped path cannot start an empty catalogue."""
        self.path = path
        self.catalogue_id = ""
        _prepare(path, create)
        try:
            self._db = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_WAIT
            )
        except (OSError, sqlite3.Error) as exc:
            raise CatalogueError(f"cannot open the catalogue {path} ({exc})") from None
        self._lock = threading.RLock()
        self._depth = 0
        self._head: tuple[int, str] | None = None
        self._folders: list[Folder] | None = None
        self._known: anchor.Head | None = None  # the head last recorded outside the database
        self._known_loaded = False
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_WAIT * 1000)}")
            self._refuse_foreign(create)  # before anything writes to the file
            self._db.execute("PRAGMA journal_mode = WAL")
            # a commit is on disk before the head is recorded outside (see anchor): after a
            # power cut the database never holds less than the record says
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            self.catalogue_id = self._identity()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise self._disk_error(exc) or CatalogueError(
                f"{path} is not a Creator Reserve catalogue or is damaged ({exc})"
            ) from None
        except CatalogueError:
            self._db.close()
            raise

    def _refuse_foreign(self, create: bool) -> None:
        """Another program's SQLite database is never migrated into a catalogue."""
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        if (version == 0 and tables) or (version > 0 and not tables >= _CORE_TABLES):
            raise CatalogueError(
                f"{self.path} is a database of another program, not a Creator Reserve "
                "catalogue; it was left as it is"
            )
        if version == 0 and not create:
            raise CatalogueMissing(f"{self.path} is an empty database, not a catalogue")

    def _identity(self) -> str:
        """The catalogue's id, made once: what the outside records of its head are kept under."""
        rows = self._query("SELECT value FROM meta WHERE key = 'catalogue_id'")
        if not rows:
            try:
                with self.transaction():
                    self._db.execute(
                        "INSERT OR IGNORE INTO meta(key, value) VALUES ('catalogue_id', ?)",
                        (uuid.uuid4().hex,),
                    )
            except CatalogueError:
                return ""  # a read-only catalogue of an earlier version: it can still be read
            rows = self._query("SELECT value FROM meta WHERE key = 'catalogue_id'")
        return str(rows[0][0])

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise CatalogueError(
                f"the catalogue {self.path} was made by a newer version of Creator Reserve "
                f"(schema {version}; this version knows {SCHEMA_VERSION})"
            )
        for number in range(version, SCHEMA_VERSION):
            # one script, one transaction: the version moves only with the schema it names
            script = MIGRATIONS[number]
            self._db.executescript(
                f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number + 1}; COMMIT;"
            )

    # --- transactions ---------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                try:  # waits up to BUSY_WAIT for another process's write to end
                    self._db.execute("BEGIN IMMEDIATE")
                except sqlite3.Error as exc:
                    raise self._disk_error(exc) or exc from None
                self._head = None
            self._depth += 1
            try:
                yield
            except BaseException as exc:
                self._depth -= 1
                if outer:
                    self._abandon()
                    plain = self._disk_error(exc)
                    if plain is not None:
                        raise plain from None
                raise
            self._depth -= 1
            if outer:
                head, self._head = self._head, None
                try:
                    if head is not None:
                        self._db.execute(
                            "INSERT INTO meta(key, value) VALUES ('ledger_events', ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            (str(head[0]),),
                        )
                    self._db.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._abandon()
                    raise self._disk_error(exc) or exc from None
                if head is not None:
                    self._record_head(head)

    def _abandon(self) -> None:
        # SQLite may have rolled back already (a full disk does that): nothing left to undo
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")
        self._head = None
        self._folders = None

    def _disk_error(self, exc: BaseException) -> CatalogueError | None:
        """The plain-words error for a write the catalogue's disk refused; None for others."""
        code = getattr(exc, "sqlite_errorcode", None)
        if not isinstance(exc, sqlite3.Error) or code is None:
            return None
        disk = self.path.parent
        if code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return CatalogueBusy(
                f"the catalogue {self.path} is busy: another Creator Reserve program kept "
                f"writing to it for over {int(BUSY_WAIT)} seconds; nothing was recorded by this "
                "step. Run it again once that program has finished"
            )
        if code & 0xFF == _SQLITE_FULL:
            return CatalogueFull(
                f"the disk holding the catalogue ({disk}) is full: nothing more could be "
                "recorded. Free some space there and run again; files changed but not recorded "
                "are found and recorded then"
            )
        if code & 0xFF == _SQLITE_IOERR:
            return CatalogueError(
                f"the disk holding the catalogue ({disk}) failed to write ({exc}); nothing more "
                "could be recorded"
            )
        if code & 0xFF == _SQLITE_READONLY:
            return CatalogueError(f"the catalogue {self.path} cannot be written (read-only)")
        return None

    def ensure_room(self, works: int) -> None:
        need = _ROOM_BASE + _ROOM_PER_WORK * works
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError:
            return
        if free < need:
            raise CatalogueFull(
                f"the disk holding the catalogue ({self.path.parent}) is full: "
                f"{_mb(free)} free, about {_mb(need)} needed to record {counted(works, 'work')}. "
                "Free some space there and run again; no file was changed"
            )

    # --- the head kept outside the database (see anchor) ------------------------------------
    def head_records(self) -> list[anchor.Record]:
        return anchor.records(self.path, self.catalogue_id) if self.catalogue_id else []

    def _record_head(self, head: tuple[int, str]) -> None:
        if not self.catalogue_id:
            return
        self._known = anchor.Head(self.catalogue_id, head[0], head[1], utc_now())
        self._known_loaded = True
        anchor.write(self.path, self._known)

    def _gap(self, head: tuple[int, str]) -> dict | None:
        """What the chain lost since its head was last recorded outside the database, if
        anything; checked when a transaction first appends, so a running app that finds the
        end cut off says so in the ledger before it writes a new head over the old record."""
        if not self._known_loaded:
            self._known = anchor.newest(self.head_records())
            self._known_loaded = True
        known = self._known
        if known is None:
            return None
        seq, digest = head
        hash_at = digest
        if seq > known.events:
            row = self._db.execute(
                "SELECT hash FROM ledger WHERE seq = ?", (known.events,)
            ).fetchone()
            hash_at = row[0] if row else None
        problem = anchor.mismatch(known, seq, hash_at)
        if problem is None:
            return None
        return {
            "problem": problem,
            "recorded_events": known.events,
            "recorded_head": known.head,
            "recorded_at": known.at,
            "events_found": seq,
        }

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._db.close()

    def change_token(self) -> int | None:
        """SQLite's ``data_version``: it moves when another connection (another process)
        commits, never for this connection's own writes, and costs no disk read.  Asked only
        when the connection is free: a caller on the window's thread must never wait for a
        batch of this process."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._depth:
                return None
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None  # closed, or the disk went away: said by the next real read
        finally:
            self._lock.release()

    def beside(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def _query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                busy = self._disk_error(exc)
                if isinstance(busy, CatalogueBusy):
                    raise busy from None
                raise

    # --- folders --------------------------------------------------------------------------
    def add_folder(self, path: str, policy: str, watching: bool) -> Folder:
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO folders(path, policy, watching, added_at) VALUES (?, ?, ?, ?)",
                (storable(path), policy, int(watching), utc_now()),
            )
            self._folders = None
            folder = self.folder_by_id(cur.lastrowid)
        assert folder is not None
        return folder

    def folders(self) -> list[Folder]:
        with self._lock:
            if self._folders is None or self._depth == 0:
                rows = self._query(
                    f"SELECT {', '.join(_FOLDER_COLUMNS)} FROM folders ORDER BY path"
                )
                self._folders = [_folder(r) for r in rows]
            return list(self._folders)

    def update_folder(self, folder_id: int, **changes: object) -> None:
        self._update("folders", _FOLDER_COLUMNS, folder_id, changes)
        self._folders = None

    def remove_folder(self, folder_id: int) -> int:
        with self.transaction():
            (count,) = self._db.execute(
                "SELECT COUNT(*) FROM works WHERE folder_id = ?", (folder_id,)
            ).fetchone()
            self._db.execute("DELETE FROM folders WHERE id = ?", (folder_id,))
            self._folders = None
        return count

    def _update(
        self, table: str, columns: tuple[str, ...], row_id: int, changes: dict[str, object]
    ) -> None:
        unknown = set(changes) - set(columns[1:])
        if unknown:
            raise ValueError(f"unknown {table} columns: {sorted(unknown)}")
        if not changes:
            return
        values = [
            (v.value if isinstance(v, WorkState) else int(v) if isinstance(v, bool) else v)
            for v in changes.values()
        ]
        if "path" in changes:  # folders and works: see creatorapp.core.text.pathtext
            values[list(changes).index("path")] = storable(str(changes["path"]))
        assignments = ", ".join(f"{k} = ?" for k in changes)
        with self.transaction():
            self._db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*values, row_id))

    # --- works ----------------------------------------------------------------------------
    def add_work(self, folder_id: int, path: str, **fields: object) -> Work:
        fields.setdefault("state", WorkState.NEW)
        fields.setdefault("updated_at", utc_now())
        unknown = set(fields) - set(_WORK_COLUMNS)
        if unknown:
            raise ValueError(f"unknown works columns: {sorted(unknown)}")
        names = ["folder_id", "path", *fields]
        values = [
            folder_id,
            storable(path),
            *(v.value if isinstance(v, WorkState) else v for v in fields.values()),
        ]
        with self.transaction():
            cur = self._db.execute(
                f"INSERT INTO works({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                values,
            )
            row = self._db.execute(f"{_WORK_SELECT} WHERE id = ?", (cur.lastrowid,)).fetchone()
        return _work(row)

    def update_work(self, work_id: int, **changes: object) -> None:
        changes.setdefault("updated_at", utc_now())
        self._update("works", _WORK_COLUMNS, work_id, changes)

    def work(self, path: str) -> Work | None:
        rows = self._query(
            f"{_WORK_SELECT} WHERE path = ? ORDER BY state = 'deleted', id DESC LIMIT 1",
            (storable(path),),
        )
        return _work(rows[0]) if rows else None

    def works_at(self, paths: list[str]) -> dict[str, Work]:
        found: dict[str, Work] = {}
        for i in range(0, len(paths), _BATCH):
            part = [storable(p) for p in paths[i : i + _BATCH]]
            rows = self._query(
                f"{_WORK_SELECT} WHERE path IN ({', '.join('?' * len(part))}) "
                "ORDER BY state != 'deleted', id",  # the live work last: it is the one kept
                part,
            )
            found.update((from_stored(row[2]), _work(row)) for row in rows)
        return found

    def works_in(self, folder_id: int) -> list[Work]:
        """Every work of the folder, deleted ones first so that a dict by path keeps the live
        one."""
        rows = self._query(
            f"{_WORK_SELECT} WHERE folder_id = ? ORDER BY state != 'deleted', id", (folder_id,)
        )
        return [_work(r) for r in rows]

    def works_by_sha256(self, sha256: str) -> list[Work]:
        return [_work(r) for r in self._query(f"{_WORK_SELECT} WHERE sha256 = ?", (sha256,))]

    def work_stats(self, folder_id: int) -> list[WorkStat]:
        states = {s.value: s for s in WorkState}
        with self._lock:
            cursor = self._db.execute(
                "SELECT id, path, size, mtime_ns, inode, state, signature FROM works "
                "WHERE folder_id = ? ORDER BY state != 'deleted', id",
                (folder_id,),
            )
            return [
                WorkStat(i, from_stored(p), size, mtime, inode, states[state], sig)
                for i, p, size, mtime, inode, state, sig in cursor
            ]

    def works_by_ids(self, ids: list[int]) -> list[Work]:
        found: list[Work] = []
        for i in range(0, len(ids), _BATCH):
            part = ids[i : i + _BATCH]
            rows = self._query(f"{_WORK_SELECT} WHERE id IN ({', '.join('?' * len(part))})", part)
            found.extend(_work(r) for r in rows)
        return found

    def works_by_inode(self, inode: int) -> list[Work]:
        return [_work(r) for r in self._query(f"{_WORK_SELECT} WHERE inode = ?", (inode,))]

    def works(
        self,
        *,
        state: WorkState | None = None,
        folder_id: int | None = None,
        search: str | None = None,
        format: str | None = None,
        covered: Covered | None = None,
        confirmed_at: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Work]:
        where, params = [], []
        if covered is not None:
            where.append(f"({_COVERED_SQL[covered]})")
        if confirmed_at is not None:
            where.append(
                "id IN (SELECT work_id FROM items WHERE destination = ? AND state = 'confirmed')"
            )
            params.append(confirmed_at)
        if format is not None:
            where.append("format = ?")
            params.append(format)
        if state is not None:
            where.append("state = ?")
            params.append(state.value)
        if folder_id is not None:
            where.append("folder_id = ?")
            params.append(folder_id)
        if search:
            where.append("path LIKE ? ESCAPE '\\'")
            escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        sql = _WORK_SELECT + (f" WHERE {' AND '.join(where)}" if where else "")
        sql += " ORDER BY path LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        return [_work(r) for r in self._query(sql, params)]

    def formats(self) -> list[str]:
        rows = self._query("SELECT DISTINCT format FROM works WHERE format IS NOT NULL")
        return sorted(r[0] for r in rows)

    def count_by_state(self, folder_id: int | None = None) -> dict[WorkState, int]:
        sql = "SELECT state, COUNT(*) FROM works"
        params: tuple = ()
        if folder_id is not None:
            sql += " WHERE folder_id = ?"
            params = (folder_id,)
        rows = self._query(sql + " GROUP BY state", params)
        return {WorkState(state): count for state, count in rows}

    def folder_counts(self) -> dict[int, FolderCounts]:
        rows = self._query(
            f"SELECT folder_id, SUM({_COUNTED}), "
            f"SUM({_COVERED_SQL[Covered.IN_FILE]}), SUM({_SIGNED}), "
            "SUM(state = 'new'), SUM(state = 'stale'), SUM(state = 'failed'), "
            "MAX(CASE WHEN state = 'failed' THEN updated_at END), SUM(state = 'excluded') "
            "FROM works WHERE state != 'deleted' GROUP BY folder_id"
        )
        return {
            row[0]: FolderCounts(
                row[0],
                *(int(n or 0) for n in row[1:7]),
                last_failed_at=row[7],
                left_out=int(row[8] or 0),
            )
            for row in rows
        }

    def confirmed_works(self) -> dict[tuple[str, int], int]:
        rows = self._query(
            "SELECT i.destination, w.folder_id, COUNT(DISTINCT w.id) FROM items i "
            "JOIN works w ON w.id = i.work_id "
            "WHERE i.state = 'confirmed' AND w.state != 'deleted' "
            "GROUP BY i.destination, w.folder_id"
        )
        return {(destination, folder): count for destination, folder, count in rows}

    def items_waiting(self, states: tuple[str, ...]) -> list[dict]:
        if not states:
            return []
        rows = self._query(
            "SELECT destination, submission_id, state, COUNT(*), MAX(updated_at) FROM items "
            f"WHERE state IN ({', '.join('?' * len(states))}) "
            "GROUP BY destination, submission_id, state ORDER BY destination, submission_id",
            list(states),
        )
        keys = ("destination", "submission_id", "state", "count", "latest")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def mark_stale(self, folder_id: int, keep: tuple[str, ...]) -> int:
        marks = ", ".join("?" * len(keep)) or "NULL"
        with self.transaction():
            cursor = self._db.execute(
                "UPDATE works SET state = 'stale', updated_at = ? "
                "WHERE folder_id = ? AND state IN ('tagged', 'sidecar') "
                f"AND (signature IS NULL OR signature NOT IN ({marks}))",
                (utc_now(), folder_id, *keep),
            )
            return cursor.rowcount

    def count_unlike(self, folder_id: int, keep: tuple[str, ...]) -> int:
        marks = ", ".join("?" * len(keep)) or "NULL"
        rows = self._query(
            "SELECT COUNT(*) FROM works WHERE folder_id = ? "
            "AND state IN ('tagged', 'sidecar', 'stale') AND signature IS NOT NULL "
            f"AND signature NOT IN ({marks})",
            (folder_id, *keep),
        )
        return int(rows[0][0])

    # --- the fields each signature stands for ---------------------------------------------
    def remember_fields(self, signature: str, rows: list) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO field_sets(signature, fields, added_at) VALUES (?, ?, ?)",
                (signature, json.dumps(rows, ensure_ascii=False), utc_now()),
            )

    def remembered_fields(self, signatures: list[str]) -> dict[str, list]:
        found: dict[str, list] = {}
        for i in range(0, len(signatures), _BATCH):
            part = signatures[i : i + _BATCH]
            rows = self._query(
                "SELECT signature, fields FROM field_sets "
                f"WHERE signature IN ({', '.join('?' * len(part))})",
                part,
            )
            for signature, text in rows:
                with contextlib.suppress(ValueError):
                    found[signature] = json.loads(text)
        return found

    # --- sites ----------------------------------------------------------------------------
    _SITE_COLUMNS = (
        "id",
        "name",
        "url",
        "policy",
        "transport",
        "settings",
        "options",
        "sample_image",
        "added_at",
        "published_at",
        "verified_at",
        "verify_ok",
    )

    def _site(self, row: tuple) -> SiteRecord:
        values = dict(zip(self._SITE_COLUMNS, row, strict=True))
        values["settings"] = json.loads(values["settings"])
        values["options"] = json.loads(values["options"])
        if values["verify_ok"] is not None:
            values["verify_ok"] = bool(values["verify_ok"])
        return SiteRecord(**values)

    def add_site(self, **fields: object) -> SiteRecord:
        fields.setdefault("added_at", utc_now())
        for key in ("settings", "options"):
            fields[key] = _dumps(fields.get(key) or {})
        names = list(fields)
        unknown = set(names) - set(self._SITE_COLUMNS)
        if unknown:
            raise ValueError(f"unknown sites columns: {sorted(unknown)}")
        with self.transaction():
            cur = self._db.execute(
                f"INSERT INTO sites({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                list(fields.values()),
            )
            row = self._db.execute(
                f"SELECT {', '.join(self._SITE_COLUMNS)} FROM sites WHERE id = ?",
                (cur.lastrowid,),
            ).fetchone()
        return self._site(row)

    def sites(self) -> list[SiteRecord]:
        rows = self._query(f"SELECT {', '.join(self._SITE_COLUMNS)} FROM sites ORDER BY name")
        return [self._site(r) for r in rows]

    def update_site(self, site_id: int, **changes: object) -> None:
        for key in ("settings", "options"):
            if key in changes:
                changes[key] = _dumps(changes[key])
        self._update("sites", self._SITE_COLUMNS, site_id, changes)

    def remove_site(self, site_id: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM sites WHERE id = ?", (site_id,))

    def published_files(self, site_id: int) -> dict[str, bytes]:
        rows = self._query("SELECT path, content FROM site_files WHERE site_id = ?", (site_id,))
        return {path: bytes(content) for path, content in rows}

    def set_published_file(self, site_id: int, path: str, content: bytes) -> None:
        import hashlib

        with self.transaction():
            self._db.execute(
                "INSERT INTO site_files(site_id, path, content, sha256, published_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(site_id, path) DO UPDATE SET "
                "content = excluded.content, sha256 = excluded.sha256, "
                "published_at = excluded.published_at",
                (site_id, path, content, hashlib.sha256(content).hexdigest(), utc_now()),
            )

    # --- opt-out outbox ---------------------------------------------------------------------
    _ITEM_COLUMNS = (
        "id",
        "destination",
        "target",
        "work_id",
        "submission_id",
        "state",
        "detail",
        "created_at",
        "updated_at",
    )
    _SUBMISSION_COLUMNS = (
        "id",
        "destination",
        "idempotency_key",
        "part_no",
        "part_count",
        "state",
        "payload",
        "created_at",
        "sent_at",
        "remote_ref",
        "remote_url",
        "attempts",
        "next_attempt_at",
        "next_poll_at",
        "polls",
        "etag",
        "last_error",
    )

    def add_items(self, destination: str, targets: list[str], state: str) -> int:
        now = utc_now()
        with self.transaction():
            before = self._db.total_changes
            self._db.executemany(
                "INSERT OR IGNORE INTO items(destination, target, state, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(destination, t, state, now, now) for t in targets],
            )
            return self._db.total_changes - before

    def items(
        self,
        destination: str | None = None,
        *,
        state: str | None = None,
        submission_id: int | None = None,
        targets: list[str] | None = None,
        limit: int | None = None,
        fields: tuple[str, ...] | None = None,
    ) -> list[dict]:
        columns = tuple(fields or self._ITEM_COLUMNS)
        unknown = set(columns) - set(self._ITEM_COLUMNS)
        if unknown:
            raise ValueError(f"unknown items columns: {sorted(unknown)}")
        if targets is not None:
            found: list[dict] = []
            for i in range(0, len(targets), _BATCH):
                part = targets[i : i + _BATCH]
                rows = self._query(
                    f"SELECT {', '.join(columns)} FROM items WHERE destination = ? "
                    f"AND target IN ({', '.join('?' * len(part))})",
                    [destination, *part],
                )
                found += [dict(zip(columns, r, strict=True)) for r in rows]
            return found
        where, params = [], []
        for column, value in (
            ("destination", destination),
            ("state", state),
            ("submission_id", submission_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = f"SELECT {', '.join(columns)} FROM items"
        sql += (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id LIMIT ?"
        rows = self._query(sql, [*params, -1 if limit is None else limit])
        return [dict(zip(columns, r, strict=True)) for r in rows]

    def set_items(self, ids: list[int], **changes: object) -> None:
        unknown = set(changes) - set(self._ITEM_COLUMNS[1:])
        if unknown:
            raise ValueError(f"unknown items columns: {sorted(unknown)}")
        changes["updated_at"] = utc_now()
        assignments = ", ".join(f"{k} = ?" for k in changes)
        with self.transaction():
            if _JSON_EACH:  # one statement for any number of items
                self._db.execute(
                    f"UPDATE items SET {assignments} WHERE id IN (SELECT value FROM json_each(?))",
                    [*changes.values(), json.dumps(ids)],
                )
                return
            for i in range(0, len(ids), _BATCH):
                part = ids[i : i + _BATCH]
                self._db.execute(
                    f"UPDATE items SET {assignments} WHERE id IN ({', '.join('?' * len(part))})",
                    [*changes.values(), *part],
                )

    def item_counts_by_submission(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for submission_id, state, count in self._query(
            "SELECT submission_id, state, COUNT(*) FROM items "
            "WHERE submission_id IS NOT NULL GROUP BY submission_id, state"
        ):
            out.setdefault(submission_id, {})[state] = count
        return out

    def item_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for destination, state, count in self._query(
            "SELECT destination, state, COUNT(*) FROM items GROUP BY destination, state"
        ):
            out.setdefault(destination, {})[state] = count
        return out

    def add_submission(self, **fields: object) -> dict:
        fields.setdefault("created_at", utc_now())
        names = list(fields)
        unknown = set(names) - set(self._SUBMISSION_COLUMNS)
        if unknown:
            raise ValueError(f"unknown submissions columns: {sorted(unknown)}")
        with self.transaction():
            cur = self._db.execute(
                f"INSERT INTO submissions({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))})",
                list(fields.values()),
            )
            new_id = cur.lastrowid
        found = self.submission(id=new_id)
        assert found is not None
        return found

    def submission(self, *, id: int | None = None, key: str | None = None) -> dict | None:
        column, value = ("id", id) if id is not None else ("idempotency_key", key)
        rows = self._query(
            f"SELECT {', '.join(self._SUBMISSION_COLUMNS)} FROM submissions WHERE {column} = ?",
            (value,),
        )
        return dict(zip(self._SUBMISSION_COLUMNS, rows[0], strict=True)) if rows else None

    def submissions(
        self, destination: str | None = None, state: str | None = None, *, payload: bool = True
    ) -> list[dict]:
        columns = [c for c in self._SUBMISSION_COLUMNS if payload or c != "payload"]
        where, params = [], []
        if destination is not None:
            where.append("destination = ?")
            params.append(destination)
        if state is not None:
            where.append("state = ?")
            params.append(state)
        sql = f"SELECT {', '.join(columns)} FROM submissions"
        sql += (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id"
        return [dict(zip(columns, r, strict=True)) for r in self._query(sql, params)]

    def update_submission(self, submission_id: int, **changes: object) -> None:
        self._update("submissions", self._SUBMISSION_COLUMNS, submission_id, changes)

    # --- ledger ---------------------------------------------------------------------------
    def append(self, kind: str, subject: str, data: dict) -> LedgerEvent:
        with self.transaction():
            if self._head is None:
                row = self._db.execute(
                    "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                self._head = (row[0], row[1]) if row else (0, GENESIS)
                gap = self._gap(self._head)
                if gap is not None:
                    self._insert(anchor.GAP_KIND, str(self.path), gap)
            return self._insert(kind, subject, data)

    def _insert(self, kind: str, subject: str, data: dict) -> LedgerEvent:
        with self.transaction():
            assert self._head is not None
            seq, prev = self._head[0] + 1, self._head[1]
            at = utc_now()
            digest = chain_hash(prev, seq, at, kind, subject, data)
            self._db.execute(
                "INSERT INTO ledger(seq, at, kind, subject, data, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, at, kind, storable(subject), _dumps(data), prev, digest),
            )
            self._head = (seq, digest)
        return LedgerEvent(seq, at, kind, subject, data, prev, digest)

    def events(
        self, *, after: int = 0, kind: str | None = None, subject: str | None = None
    ) -> Iterator[LedgerEvent]:
        where, params = ["seq > ?"], [after]
        if kind:
            where.append("kind = ?")
            params.append(kind)
        if subject:
            where.append("subject = ?")
            params.append(storable(subject))
        last = after
        while True:
            params[0] = last
            rows = self._query(
                f"{_EVENT_SELECT} WHERE {' AND '.join(where)} ORDER BY seq LIMIT {_BATCH}", params
            )
            for row in rows:
                yield _event(row)
            if len(rows) < _BATCH:
                return
            last = rows[-1][0]

    def setting(self, key: str) -> dict | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", ("setting." + key,))
        return json.loads(rows[0][0]) if rows else None

    def set_setting(self, key: str, value: dict | None) -> None:
        with self.transaction():
            if value is None:
                self._db.execute("DELETE FROM meta WHERE key = ?", ("setting." + key,))
            else:
                self._db.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    ("setting." + key, json.dumps(value, sort_keys=True)),
                )

    def events_written(self) -> int:
        rows = self._query("SELECT value FROM meta WHERE key = 'ledger_events'")
        return int(rows[0][0]) if rows else 0

    def kinds_since(self, seq: int) -> tuple[int, frozenset[str]]:
        rows = self._query("SELECT kind, MAX(seq) FROM ledger WHERE seq > ? GROUP BY kind", (seq,))
        return max((r[1] for r in rows), default=seq), frozenset(r[0] for r in rows)

    def last_event(self) -> LedgerEvent | None:
        rows = self._query(f"{_EVENT_SELECT} ORDER BY seq DESC LIMIT 1")
        return _event(rows[0]) if rows else None
