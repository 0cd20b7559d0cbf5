"""The catalogue's SQLite schema, as numbered migrations applied in order.

``PRAGMA user_version`` records how many have run.  A migration is only ever appended, never
edited, so any older catalogue can be brought up to date.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: folders, works, the ledger and a small key/value table
    """
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        policy TEXT NOT NULL,
        watching INTEGER NOT NULL DEFAULT 1,
        added_at TEXT NOT NULL,
        last_scan_at TEXT,
        error TEXT
    );
    CREATE TABLE works (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size INTEGER,
        mtime_ns INTEGER,
        inode INTEGER,
        sha256 TEXT,
        format TEXT,
        state TEXT NOT NULL,
        policy TEXT,
        signature TEXT,
        tagged_at TEXT,
        error TEXT,
        updated_at TEXT NOT NULL
    );
    -- one live work per path; deleted works keep their last path as history
    CREATE UNIQUE INDEX works_live_path ON works(path) WHERE state != 'deleted';
    CREATE INDEX works_path ON works(path);
    CREATE INDEX works_folder ON works(folder_id);
    CREATE INDEX works_sha256 ON works(sha256);
    CREATE INDEX works_inode ON works(inode);
    CREATE INDEX works_state ON works(state);
    CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX ledger_subject ON ledger(subject);
    CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
    CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
