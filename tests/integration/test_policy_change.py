"""A folder's policy changes: its works are stale at once, the ledger says so and how many, and
one command (``folders apply``), ``watch --once`` or the watcher's start brings every file to the
new values, read back with exiftool; after any re-tag every field we own agrees with itself."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest
from PIL import Image

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.media.base import Status
from creatorapp.core.policy import PRESETS, save_policy
from creatorapp.core.policy.signals import data_mining_uri, usage_terms
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.service import TaggingService
from creatorapp.core.works.watch import Watcher
from tests.conftest import VOCAB, data_mining_code, make_jpeg, make_png, make_tiff, make_webp
from tests.integration.test_cli import cli
from tests.waiting import wait_until


def _folder(root, count=4):
    root.mkdir()
    files = [make_jpeg(root / f"p{i}.jpg", seed=i + 1) for i in range(count - 1)]
    files.append(make_png(root / "drawing.png"))
    return files


def _json(run) -> dict:
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _events(kind: str) -> list[dict]:
    run = cli("ledger", "export", "--json", "--kind", kind)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_folders_set_then_apply_on_the_command_line(tmp_path, exiftool):
    """The acceptance: stale right after the change, the change in the ledger, one documented
    command applies it, exiftool reads the new values and status counts the works tagged."""
    root = tmp_path / "photos"
    files = _folder(root)
    assert cli("folders", "add", str(root), "--policy", "no-ai").returncode == 0
    assert _json(cli("status", "--json"))["works"]["tagged"] == 4

    changed = cli("folders", "set", str(root), "--policy", "no-genai")
    assert changed.returncode == 0, changed.stderr
    assert "4 works now carry the old policy (no-ai)" in changed.stdout
    assert f"creatorapp folders apply {root}" in changed.stdout

    status = _json(cli("status", "--json"))
    assert status["works"]["stale"] == 4 and status["works"]["tagged"] == 0
    assert status["old_policy"] == 4
    (event,) = _events("folder.policy")
    assert event["subject"] == str(root)
    assert (event["data"]["from"], event["data"]["to"], event["data"]["stale"]) == (
        "no-ai",
        "no-genai",
        4,
    )
    for path in files:  # nothing was written yet: the files still say no-ai
        assert exiftool(path)["XMP-plus:DataMining"] == data_mining_uri(PRESETS["no-ai"])

    applied = cli("folders", "apply", str(root))
    assert applied.returncode == 0, applied.stderr
    new = PRESETS["no-genai"]
    for path in files:
        meta = exiftool(path)
        assert meta["XMP-plus:DataMining"] == data_mining_uri(new)
        assert meta["XMP-xmpRights:UsageTerms"] == usage_terms(new)
    status = _json(cli("status", "--json"))
    assert status["works"]["tagged"] == 4 and status["works"]["stale"] == 0
    assert status["old_policy"] == 0
    (done,) = _events("folder.policy_applied")
    assert done["subject"] == str(root)
    assert done["data"]["policy"] == "no-genai"
    assert (done["data"]["works"], done["data"]["written"], done["data"]["left"]) == (4, 4, 0)
    assert cli("ledger", "verify").returncode == 0


def test_watch_once_applies_a_changed_policy_with_one_ledger_event(tmp_path, exiftool):
    root = tmp_path / "photos"
    files = _folder(root, count=6)
    assert cli("folders", "add", str(root), "--policy", "no-ai").returncode == 0
    assert cli("folders", "set", str(root), "--policy", "no-genai").returncode == 0
    run = cli("watch", "--once", "--jobs", "2")
    assert run.returncode == 0, run.stderr
    for path in files:
        assert data_mining_code(exiftool(path)) == "DMI-PROHIBITED-GENAIMLTRAINING"
    (done,) = _events("folder.policy_applied")
    assert (done["data"]["works"], done["data"]["written"]) == (6, 6)
    assert _json(cli("status", "--json"))["works"]["tagged"] == 6


def test_the_watcher_applies_it_when_it_starts_and_records_the_batch(tmp_path):
    """The long-running watcher hands works over in chunks; the ledger still gets one event for
    the whole re-tag, once its last work is recorded."""
    root = tmp_path / "photos"
    files = _folder(root, count=8)
    store = open_catalogue(tmp_path / "cat.sqlite3")
    portfolio = Portfolio(store)
    folder = portfolio.add_folder(root, "no-ai")
    list(TaggingService(portfolio).process(portfolio.scan([folder]).due, jobs=2))
    portfolio.set_folder(root, policy="no-genai")
    assert store.count_by_state()[WorkState.STALE] == 8

    watcher = Watcher(portfolio, settle=0.1, jobs=2, folder_check=0.2)
    watcher.start()
    try:
        assert watcher.wait_ready(20)
        wait_until(
            lambda: list(store.events(kind="folder.policy_applied")), what="the batch recorded"
        )
        (done,) = store.events(kind="folder.policy_applied")
        assert (done.data["works"], done.data["written"], done.data["left"]) == (8, 8, 0)
        assert store.count_by_state() == {WorkState.TAGGED: len(files)}
    finally:
        watcher.stop()
        store.close()


def test_applying_can_be_cancelled_and_the_ledger_says_how_far_it_got(tmp_path):
    root = tmp_path / "photos"
    _folder(root, count=12)
    store = open_catalogue(tmp_path / "cat.sqlite3")
    portfolio = Portfolio(store)
    folder = portfolio.add_folder(root, "no-ai")
    list(TaggingService(portfolio).process(portfolio.scan([folder]).due, jobs=1))
    portfolio.set_folder(root, policy="no-genai")

    cancel = threading.Event()
    report, outcomes = TaggingService(portfolio).apply([folder], jobs=1, cancel=cancel)
    assert len(report.due) == 12
    seen = []
    for outcome in outcomes:
        seen.append(outcome)
        cancel.set()  # after the first file: the files in hand finish, the rest wait
    (first,) = store.events(kind="folder.policy_applied")
    assert first.data["works"] == 12
    assert first.data["written"] == len(seen) < 12
    assert first.data["left"] == 12 - len(seen)
    assert store.count_by_state()[WorkState.STALE] == 12 - len(seen)
    assert Portfolio(store).carrying_old_policy(store.folders()[0]) == 12 - len(seen)

    report, outcomes = TaggingService(portfolio).apply([store.folders()[0]], jobs=1)
    assert {o.status for o in outcomes} == {Status.TAGGED}
    assert store.count_by_state() == {WorkState.TAGGED: 12}
    second = list(store.events(kind="folder.policy_applied"))[-1]
    assert (second.data["works"], second.data["left"]) == (12 - len(seen), 0)
    store.close()


def _own(name: str, base: str, creator: str, notice: str):
    policy = replace(
        PRESETS[base],
        name=name,
        title=f"{creator}'s",
        creator=creator,
        copyright_notice=notice,
        source="user",
        extends=base,
    )
    save_policy(policy)
    return policy


def test_an_edited_policy_makes_its_folders_works_stale_at_once(tmp_path):
    root = tmp_path / "photos"
    _folder(root)
    _own("mine", "no-ai", "Ann Example", "© 2025 Ann Example")
    store = open_catalogue(tmp_path / "cat.sqlite3")
    portfolio = Portfolio(store)
    folder = portfolio.add_folder(root, "mine")
    list(TaggingService(portfolio).process(portfolio.scan([folder]).due, jobs=1))
    assert portfolio.restale() == []  # nothing changed: nothing marked, nothing recorded
    assert not list(store.events(kind="folder.policy"))

    _own("mine", "no-genai", "Ann Example", "© 2026 Ann Example Studio")
    (shift,) = portfolio.restale()
    assert (shift.folder.path, shift.stale) == (str(root), 4)
    assert store.count_by_state() == {WorkState.STALE: 4}
    (event,) = store.events(kind="folder.policy")
    assert event.data["edited"] is True and event.data["stale"] == 4
    assert portfolio.restale()[0].stale == 4  # asked again: still 4, recorded once
    assert len(list(store.events(kind="folder.policy"))) == 1
    store.close()


def _camera_jpeg(path, seed, copyright_text):
    """A JPEG whose camera wrote an EXIF Copyright (the photographer's own words)."""
    exif = Image.Exif()
    exif[0x8298] = copyright_text
    return make_jpeg(path, seed=seed, exif=exif.tobytes())


AGREE = {  # one value, three places (IPTC's mapping); IIM only where the format has it
    "notice": ("XMP-dc:Rights", "IFD0:Copyright", "IPTC:CopyrightNotice"),
    "creator": ("XMP-dc:Creator", "IFD0:Artist", "IPTC:By-line"),
}


def _one_value(meta: dict, keys: tuple[str, ...]) -> set[str]:
    values = set()
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            values.add(str(value))
    return values


@pytest.mark.parametrize("apply_with", ["folders apply", "watch --once"])
def test_after_a_retag_every_field_we_own_says_the_same_thing(tmp_path, exiftool, apply_with):
    """Re-tagged under a policy with another notice, creator and uses: XMP, EXIF and IPTC agree
    with each other in every file, and the reservation fields say the new policy."""
    root = tmp_path / "photos"
    root.mkdir()
    files = [
        make_jpeg(root / "plain.jpg", seed=1),
        _camera_jpeg(root / "camera.jpg", 2, "(c) Studio North"),
        make_png(root / "drawing.png"),
        make_webp(root / "web.webp"),
        make_tiff(root / "scan.tif"),
    ]
    _own("alpha", "no-ai", "Ann Alpha", "© 2025 Ann Alpha")
    beta = _own("beta", "no-genai", "Bea Beta", "© 2026 Bea Beta Studio. All rights reserved.")
    assert cli("folders", "add", str(root), "--policy", "alpha").returncode == 0
    assert cli("folders", "set", str(root), "--policy", "beta").returncode == 0
    run = cli(*apply_with.split())
    assert run.returncode == 0, run.stderr

    for path in files:
        meta = exiftool(path)
        for what, keys in AGREE.items():
            assert len(_one_value(meta, keys)) == 1, (path.name, what, meta)
        assert meta["XMP-plus:DataMining"] == data_mining_uri(beta), path.name
        assert meta["XMP-xmpRights:UsageTerms"] == usage_terms(beta), path.name
        assert str(meta["XMP-xmpRights:Marked"]).lower() in ("true", "1")
    camera = exiftool(root / "camera.jpg")
    assert _one_value(camera, AGREE["notice"]) == {"(c) Studio North"}  # theirs, everywhere
    assert data_mining_code(camera) == "DMI-PROHIBITED-GENAIMLTRAINING"
    assert VOCAB not in usage_terms(beta)
    status = _json(cli("status", "--json"))
    assert status["works"]["tagged"] == len(files) and status["old_policy"] == 0


def test_a_retag_replaces_the_notice_an_earlier_policy_wrote(tmp_path, exiftool):
    root = tmp_path / "photos"
    root.mkdir()
    path = make_jpeg(root / "plain.jpg", seed=1)
    _own("alpha", "no-ai", "Ann Alpha", "© 2025 Ann Alpha")
    _own("beta", "no-genai", "Bea Beta", "© 2026 Bea Beta Studio")
    assert cli("folders", "add", str(root), "--policy", "alpha").returncode == 0
    assert cli("folders", "set", str(root), "--policy", "beta").returncode == 0
    assert cli("folders", "apply", str(root)).returncode == 0
    meta = exiftool(path)
    assert _one_value(meta, AGREE["notice"]) == {"© 2026 Bea Beta Studio"}
    assert _one_value(meta, AGREE["creator"]) == {"Bea Beta"}


def test_works_tagged_before_the_catalogue_kept_fields_get_the_new_notice(tmp_path, exiftool):
    """A catalogue made before it kept what each signature wrote: the folder's outgoing policy
    is remembered when the folder changes policy, so applying the new one still replaces it."""
    import sqlite3

    from creatorapp.core.catalogue.location import default_catalogue_path

    root = tmp_path / "photos"
    root.mkdir()
    path = make_jpeg(root / "old.jpg", seed=3)
    _own("alpha", "no-ai", "Ann Alpha", "© 2025 Ann Alpha")
    _own("beta", "no-genai", "Bea Beta", "© 2026 Bea Beta Studio")
    assert cli("folders", "add", str(root), "--policy", "alpha").returncode == 0
    assert _one_value(exiftool(path), AGREE["notice"]) == {"© 2025 Ann Alpha"}
    with sqlite3.connect(default_catalogue_path()) as db:  # as an older version left it
        assert db.execute("DELETE FROM field_sets").rowcount >= 1
    assert cli("folders", "set", str(root), "--policy", "beta").returncode == 0
    assert cli("folders", "apply", str(root)).returncode == 0
    assert _one_value(exiftool(path), AGREE["notice"]) == {"© 2026 Bea Beta Studio"}
