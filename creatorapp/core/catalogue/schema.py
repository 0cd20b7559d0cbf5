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
    # 2: the creator's sites and the files last published to each (for drift reports)
    """
    CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        policy TEXT NOT NULL,
        transport TEXT NOT NULL,
        settings TEXT NOT NULL DEFAULT '{}',
        options TEXT NOT NULL DEFAULT '{}',
        sample_image TEXT,
        added_at TEXT NOT NULL,
        published_at TEXT,
        verified_at TEXT,
        verify_ok INTEGER
    );
    CREATE TABLE site_files (
        site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        content BLOB NOT NULL,
        sha256 TEXT NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (site_id, path)
    );
    """,
    # 3: the opt-out outbox: submissions (one issue, discussion, email or form) and the items
    # (URLs, accounts) each destination is asked to leave out, tracked one by one
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        destination TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        part_no INTEGER NOT NULL DEFAULT 1,
        part_count INTEGER NOT NULL DEFAULT 1,
        state TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        remote_ref TEXT,
        remote_url TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        next_poll_at TEXT,
        polls INTEGER NOT NULL DEFAULT 0,
        etag TEXT,
        last_error TEXT
    );
    CREATE INDEX submissions_destination ON submissions(destination, state);
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        destination TEXT NOT NULL,
        target TEXT NOT NULL,
        work_id INTEGER REFERENCES works(id) ON DELETE SET NULL,
        submission_id INTEGER REFERENCES submissions(id) ON DELETE SET NULL,
        state TEXT NOT NULL,
        detail TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (destination, target)
    );
    CREATE INDEX items_submission ON items(submission_id);
    CREATE INDEX items_state ON items(destination, state);
    """,
    # 4: the fields each signature stands for (JSON rows [key, value, mode]), one row per
    # signature tagged with: a re-tag under another policy tells what our earlier policy wrote
    # from what the photographer wrote
    """
    CREATE TABLE field_sets (
        signature TEXT PRIMARY KEY,
        fields TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    """,
    # 5: works the creator left out (state 'excluded') remember the state they had, given back
    # when they are included again; a version that does not know the state refuses the
    # catalogue in words instead of failing on it
    """
    ALTER TABLE works ADD COLUMN excluded_from TEXT;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
