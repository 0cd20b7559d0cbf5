"""Works the creator leaves out (``creatorapp works exclude``, ``Portfolio.exclude``): no scan,
``tag`` of their folder, ``watch --once``, ``folders apply`` or the running watcher touches
their files; ``status`` counts them as left out, not as to do; ``works include`` takes them
back, and the next tagging tags them.  Each step is in the ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.catalogue.ledger import verify_chain
from creatorapp.core.media.base import Status
from creatorapp.core.works.portfolio import Portfolio, PortfolioError, normalise
from creatorapp.core.works.service import TaggingService
from creatorapp.core.works.tagging import read_reservation
from creatorapp.core.works.watch import Watcher
from tests.conftest import make_jpeg
from tests.integration.test_cli import cli
from tests.waiting import wait_until


def _json(run) -> dict:
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _events(kind: str) -> list[dict]:
    run = cli("ledger", "export", "--json", "--kind", kind)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def _photos(root: Path, count: int = 3) -> list[Path]:
    root.mkdir()
    return [make_jpeg(root / f"p{i}.jpg", seed=i + 1) for i in range(count)]


def _catalogue():
    return open_catalogue(Path(os.environ["CREATORAPP_CATALOGUE"]))


def test_a_left_out_work_is_never_tagged_until_it_is_included_again(tmp_path):
    root = tmp_path / "photos"
    files = _photos(root)
    kept = files[1]
    original = kept.read_bytes()
    assert cli("folders", "add", str(root), "--no-tag").returncode == 0

    left = cli("works", "exclude", str(kept))
    assert left.returncode == 0, left.stderr
    assert "Left 1 work out" in left.stdout
    status = _json(cli("status", "--json"))
    assert (status["left_out"], status["works"]["new"], status["total"]) == (1, 2, 2)
    (event,) = _events("works.excluded")
    assert event["subject"] == normalise(kept)
    assert (event["data"]["count"], event["data"]["paths"]) == (1, [normalise(kept)])

    # every way a folder is tagged passes it by
    once = cli("watch", "--once")
    assert once.returncode == 0, once.stderr
    tagged = cli("tag", str(root))
    assert tagged.returncode == 0, tagged.stderr
    assert "left out of tagging and watching" in tagged.stdout + tagged.stderr
    applied = cli("folders", "apply", str(root))
    assert applied.returncode == 0, applied.stderr
    store = _catalogue()
    try:
        report = Portfolio(store).scan()
        assert normalise(kept) not in {d.path for d in report.due}
        assert store.work(normalise(kept)).state is WorkState.EXCLUDED
    finally:
        store.close()
    assert kept.read_bytes() == original
    assert not read_reservation(kept).reserved
    assert all(read_reservation(f).reserved for f in files if f != kept)
    status = _json(cli("status", "--json"))
    assert (status["left_out"], status["works"]["tagged"], status["works"]["new"]) == (1, 2, 0)
    assert status["works"]["excluded"] == 1 and status["total"] == 2
    said = cli("status")
    assert said.returncode == 0 and "1 work left out" in said.stdout

    back = cli("works", "include", str(kept))
    assert back.returncode == 0, back.stderr
    assert "Took 1 work back" in back.stdout
    status = _json(cli("status", "--json"))
    assert (status["left_out"], status["works"]["new"], status["total"]) == (0, 1, 3)
    (event,) = _events("works.included")
    assert event["data"] == {"count": 1, "paths": [normalise(kept)]}

    again = cli("tag", str(root))
    assert again.returncode == 0, again.stderr
    assert read_reservation(kept).reserved
    assert _json(cli("status", "--json"))["works"]["tagged"] == 3
    store = _catalogue()
    try:
        assert verify_chain(store.events(), expected_count=store.events_written()).ok
    finally:
        store.close()


def test_a_file_not_catalogued_yet_is_left_out_before_any_scan_sees_it(tmp_path):
    root = tmp_path / "photos"
    _photos(root, count=1)
    assert cli("folders", "add", str(root)).returncode == 0
    late = make_jpeg(root / "late.jpg", seed=9)  # arrived while nothing watched
    original = late.read_bytes()
    assert cli("works", "exclude", str(late)).returncode == 0
    once = cli("watch", "--once")
    assert once.returncode == 0, once.stderr
    assert _json(cli("status", "--json"))["left_out"] == 1
    assert late.read_bytes() == original
    assert [e["subject"] for e in _events("work.added")][-1] == normalise(late)


def test_naming_a_left_out_file_tags_it_and_it_stays_left_out(tmp_path):
    """The documented rule: ``creatorapp tag FILE`` names the file, so it is tagged; leaving
    out is about what is found in folders, and only ``works include`` takes it back."""
    root = tmp_path / "photos"
    files = _photos(root, count=2)
    assert cli("folders", "add", str(root), "--no-tag").returncode == 0
    assert cli("works", "exclude", str(files[0])).returncode == 0
    named = cli("tag", str(files[0]))
    assert named.returncode == 0, named.stderr
    assert read_reservation(files[0]).reserved
    status = _json(cli("status", "--json"))
    assert (status["left_out"], status["works"]["tagged"]) == (1, 0)
    store = _catalogue()
    try:
        work = store.work(normalise(files[0]))
        assert work.state is WorkState.EXCLUDED and work.excluded_from == "tagged"
    finally:
        store.close()
    # taken back, it is what its tagging made it: tagged, and not due again
    assert cli("works", "include", str(files[0])).returncode == 0
    assert _json(cli("status", "--json"))["works"]["tagged"] == 1


def test_what_cannot_be_left_out_is_said_in_one_line_and_nothing_changes(tmp_path):
    root = tmp_path / "photos"
    files = _photos(root, count=1)
    outside = make_jpeg(tmp_path / "elsewhere.jpg", seed=5)
    (root / "sub").mkdir()
    (root / "notes.txt").write_text("not a work")
    assert cli("folders", "add", str(root), "--no-tag").returncode == 0
    for path, words in (
        (outside, "is not in a portfolio folder"),
        (root / "sub", "is a folder"),
        (root / "gone.jpg", "does not exist"),
        (root / "notes.txt", "is not an image file"),
    ):
        run = cli("works", "exclude", str(files[0]), str(path))
        assert run.returncode == 2, (path, run.stdout)
        assert words in run.stderr and "Traceback" not in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
    assert _json(cli("status", "--json"))["left_out"] == 0
    assert _events("works.excluded") == []
    unknown = cli("works", "include", str(outside))
    assert unknown.returncode == 2 and "is not a work in the catalogue" in unknown.stderr


@pytest.fixture
def portfolio(tmp_path):
    p = Portfolio(open_catalogue(tmp_path / "cat.sqlite3"))
    yield p
    p.store.close()


def test_include_gives_back_the_state_a_work_had_checked_against_its_policy_now(
    portfolio, tmp_path
):
    root = tmp_path / "photos"
    files = _photos(root, count=2)
    folder = portfolio.add_folder(root)
    list(TaggingService(portfolio).process(portfolio.scan([folder]).due, jobs=1))
    first, second = (normalise(f) for f in files)
    assert portfolio.exclude([first]) == 1
    assert portfolio.exclude([first]) == 0  # already left out: nothing new, no event
    assert len(list(portfolio.store.events(kind="works.excluded"))) == 1
    assert portfolio.include([first]) == 1
    assert portfolio.store.work(first).state is WorkState.TAGGED  # unchanged: not due
    assert portfolio.scan([folder]).due == []

    assert portfolio.exclude([second]) == 1
    portfolio.set_folder(root, policy="no-genai")  # its values change while it is left out
    assert portfolio.store.work(second).state is WorkState.EXCLUDED
    assert portfolio.include([str(root)]) == 1  # the folder: every work left out in it
    assert portfolio.store.work(second).state is WorkState.STALE
    assert portfolio.include([second]) == 0
    with pytest.raises(PortfolioError, match="not a work in the catalogue"):
        portfolio.include([str(tmp_path / "nowhere.jpg")])


def test_the_running_watcher_leaves_a_left_out_file_alone(portfolio, tmp_path):
    root = tmp_path / "photos"
    files = _photos(root, count=2)
    portfolio.add_folder(root)
    portfolio.scan()  # catalogued, not tagged: both due
    kept = files[0]
    assert portfolio.exclude([kept]) == 1
    outcomes = []
    watcher = Watcher(portfolio, settle=0.2, jobs=1, folder_check=0.2, on_outcome=outcomes.append)
    watcher.start()
    try:
        assert watcher.wait_ready(20)
        # the catch-up scan tags the other work only
        wait_until(lambda: any(o.path == normalise(files[1]) for o in outcomes), what="p1")
        make_jpeg(kept, seed=7)  # the creator edits the left-out file
        edited = kept.read_bytes()
        make_jpeg(root / "sentinel.jpg", seed=8)  # written after it: handled after it
        wait_until(
            lambda: any(o.path.endswith("sentinel.jpg") for o in outcomes), what="sentinel tagged"
        )
        wait_until(lambda: not watcher.busy, what="watcher idle")
    finally:
        watcher.stop()
    assert [o for o in outcomes if o.path == normalise(kept)] == []
    assert kept.read_bytes() == edited and not read_reservation(kept).reserved
    assert portfolio.store.work(normalise(kept)).state is WorkState.EXCLUDED
    assert all(o.status is Status.TAGGED for o in outcomes)
