"""The catalogue store and its ledger: schema, append-only chain, tamper detection."""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from creatorapp.core.catalogue import CatalogueError, WorkState, open_catalogue
from creatorapp.core.catalogue.ledger import GENESIS, chain_hash, verify_chain
from creatorapp.core.catalogue.schema import SCHEMA_VERSION


@pytest.fixture
def store(tmp_path):
    s = open_catalogue(tmp_path / "cat.sqlite3")
    yield s
    s.close()


def _fill(store, n=5):
    with store.transaction():
        for i in range(n):
            store.append("work.tagged", f"/w/{i}.jpg", {"i": i, "text": "é"})


def test_new_catalogue_is_wal_and_current(tmp_path, store):
    db = sqlite3.connect(tmp_path / "cat.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_catalogue_is_refused_not_damaged(tmp_path):
    path = tmp_path / "new.sqlite3"
    open_catalogue(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(CatalogueError, match="newer version"):
        open_catalogue(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_catalogue_gives_a_plain_error(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(CatalogueError, match="not a Creator Reserve catalogue"):
        open_catalogue(path)
    assert path.read_bytes().startswith(b"these are my notes")


def test_chain_links_every_event_to_the_one_before(store):
    _fill(store)
    events = list(store.events())
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    e = events[2]
    assert e.hash == chain_hash(e.prev_hash, e.seq, e.at, e.kind, e.subject, e.data)
    report = verify_chain(store.events(), expected_count=store.events_written())
    assert report.ok and report.events == 5 and report.head == events[-1].hash


def test_the_app_cannot_rewrite_or_delete_history(store):
    _fill(store, 2)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.transaction():
        store._db.execute("UPDATE ledger SET kind = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.transaction():
        store._db.execute("DELETE FROM ledger WHERE seq = 2")
    assert verify_chain(store.events(), expected_count=store.events_written()).ok


def _behind_the_back(path, *statements):
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER ledger_no_update")
    db.execute("DROP TRIGGER ledger_no_delete")
    for sql in statements:
        db.execute(sql)
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("statement", "bad", "words"),
    [
        ('UPDATE ledger SET data = \'{"i":99,"text":"é"}\' WHERE seq = 3', 3, "edited"),
        ("UPDATE ledger SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2", 2, "edited"),
        ("DELETE FROM ledger WHERE seq = 4", 4, "missing"),
        ("DELETE FROM ledger WHERE seq = 5", 5, "ends at event 4"),
        (
            "UPDATE ledger SET hash = (CASE WHEN substr(hash, 1, 1) = '0' THEN '1' ELSE '0' END)"
            " || substr(hash, 2) WHERE seq = 1",
            1,
            "edited",
        ),
    ],
)
def test_an_edit_behind_the_apps_back_is_caught_and_named(tmp_path, statement, bad, words):
    path = tmp_path / "cat.sqlite3"
    store = open_catalogue(path)
    _fill(store)
    store.close()
    _behind_the_back(path, statement)
    store = open_catalogue(path)
    report = verify_chain(store.events(), expected_count=store.events_written())
    store.close()
    assert not report.ok
    assert report.bad_seq == bad
    assert words in report.problem


def test_a_rolled_back_transaction_leaves_no_event_and_no_gap(store):
    _fill(store, 2)
    with pytest.raises(RuntimeError), store.transaction():
        store.append("work.tagged", "/w/x.jpg", {})
        raise RuntimeError("stop")
    store.append("work.tagged", "/w/y.jpg", {})
    assert [e.seq for e in store.events()] == [1, 2, 3]
    assert verify_chain(store.events(), expected_count=store.events_written()).ok


def test_works_one_live_row_per_path_deleted_rows_kept(store):
    folder = store.add_folder("/w", "no-ai", True)
    first = store.add_work(folder.id, "/w/a.jpg", size=1, mtime_ns=2, inode=3)
    store.update_work(first.id, state=WorkState.DELETED)
    second = store.add_work(folder.id, "/w/a.jpg", size=5, mtime_ns=6, inode=7)
    assert store.work("/w/a.jpg").id == second.id
    assert store.works_at(["/w/a.jpg"])["/w/a.jpg"].id == second.id
    assert {w.id for w in store.works_in(folder.id)} == {first.id, second.id}
    with pytest.raises(sqlite3.IntegrityError):
        store.add_work(folder.id, "/w/a.jpg")
    assert store.count_by_state() == {WorkState.DELETED: 1, WorkState.NEW: 1}


def test_search_treats_wildcards_literally(store):
    folder = store.add_folder("/w", "no-ai", True)
    for name in ("100%_done.jpg", "100x_done.jpg", "other.jpg"):
        store.add_work(folder.id, f"/w/{name}")
    assert [w.path for w in store.works(search="100%_")] == ["/w/100%_done.jpg"]
    assert len(store.works(limit=2)) == 2
    assert [w.path for w in store.works(offset=2)] == ["/w/other.jpg"]


def test_a_version_1_catalogue_is_upgraded_and_keeps_its_data(tmp_path):
    from creatorapp.core.catalogue.schema import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    db.execute(
        "INSERT INTO folders(path, policy, watching, added_at) VALUES ('/w', 'no-ai', 1, 'then')"
    )
    db.commit()
    db.close()
    store = open_catalogue(path)
    assert [f.path for f in store.folders()] == ["/w"]
    site = store.add_site(
        name="s", url="https://s.example", policy="no-ai", transport="local", settings={}
    )
    store.set_published_file(site.id, "robots.txt", b"x")
    assert store.published_files(site.id) == {"robots.txt": b"x"}
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_version_4_catalogue_learns_left_out_works_and_keeps_its_works(tmp_path):
    """Migration 5: a work left out keeps the state it had (``excluded_from``); works of an
    older catalogue come through with none."""
    from creatorapp.core.catalogue.schema import MIGRATIONS

    path = tmp_path / "v4.sqlite3"
    db = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:4]):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number + 1}; COMMIT;")
    db.execute("INSERT INTO folders(path, policy, added_at) VALUES ('/w', 'no-ai', 'then')")
    db.execute(
        "INSERT INTO works(folder_id, path, state, signature, updated_at) "
        "VALUES (1, '/w/a.jpg', 'tagged', 'sig', 'then')"
    )
    db.commit()
    db.close()
    store = open_catalogue(path)
    work = store.work("/w/a.jpg")
    assert (work.state, work.signature, work.excluded_from) == (WorkState.TAGGED, "sig", None)
    store.update_work(work.id, state=WorkState.EXCLUDED, excluded_from=work.state.value)
    store.close()
    store = open_catalogue(path)
    work = store.work("/w/a.jpg")
    assert (work.state, work.excluded_from) == (WorkState.EXCLUDED, "tagged")
    assert store.count_by_state() == {WorkState.EXCLUDED: 1}
    store.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_outbox_items_are_tracked_once_per_destination_and_target(store):
    assert store.add_items("spawning", ["https://a/1", "https://a/2"], "pending") == 2
    assert store.add_items("spawning", ["https://a/2", "https://a/3"], "pending") == 1
    assert store.add_items("huggingface", ["https://a/1"], "pending") == 1
    items = store.items("spawning")
    assert [i["target"] for i in items] == ["https://a/1", "https://a/2", "https://a/3"]
    sub = store.add_submission(
        destination="spawning", idempotency_key="cr-1", state="queued", payload="{}"
    )
    store.set_items([items[0]["id"], items[1]["id"]], state="submitted", submission_id=sub["id"])
    assert [i["target"] for i in store.items(submission_id=sub["id"])] == [
        "https://a/1",
        "https://a/2",
    ]
    assert len(store.items("spawning", state="pending")) == 1
    with pytest.raises(sqlite3.IntegrityError):
        store.add_submission(
            destination="spawning", idempotency_key="cr-1", state="queued", payload="{}"
        )
    assert store.submission(key="cr-1")["id"] == sub["id"]
    store.update_submission(sub["id"], state="sent", remote_ref="42")
    assert store.submissions("spawning", "sent")[0]["remote_ref"] == "42"
