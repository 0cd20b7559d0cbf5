"""A re-tag under another policy brings the copyright notice and creator *we* wrote to the new
policy's, and keeps what the photographer wrote: the catalogue remembers the fields of every
signature it tagged with, so the notice an earlier policy of ours put into a file is told apart
from the photographer's own (read back with exiftool)."""

from __future__ import annotations

import sqlite3
import subprocess
from dataclasses import replace

import pytest
from PIL import Image

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.catalogue.schema import MIGRATIONS, SCHEMA_VERSION
from creatorapp.core.media.changes import plan
from creatorapp.core.media.exiv2 import Metadata
from creatorapp.core.policy import PRESETS, save_policy
from creatorapp.core.policy.signals import (
    Family,
    embedded_fields,
    field_rows,
    fields_from_rows,
    fields_signature,
    lang_alt,
    with_earlier,
)
from creatorapp.core.works.portfolio import Portfolio, Rules
from creatorapp.core.works.service import TaggingService
from creatorapp.core.works.undo import tag_undoably, undo_last
from creatorapp.core.works.watch import Watcher
from tests.conftest import make_jpeg
from tests.integration.test_cli import cli
from tests.waiting import wait_until

ALPHA_NOTICE, BETA_NOTICE = "© 2025 Ann Alpha", "© 2026 Bea Beta Studio"
THEIRS = "(c) 2024 Jo Photographer"
NOTICE = ("XMP-dc:Rights", "IFD0:Copyright", "IPTC:CopyrightNotice")
CREATOR = ("XMP-dc:Creator", "IFD0:Artist", "IPTC:By-line")
ALL = frozenset(Family)


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


def _policies():
    return (
        _own("alpha", "no-ai", "Ann Alpha", ALPHA_NOTICE),
        _own("beta", "no-genai", "Bea Beta", BETA_NOTICE),
    )


def _values(meta: dict, keys: tuple[str, ...]) -> dict[str, str]:
    """Each place that holds a value, with its text."""
    found = {}
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            found[key] = str(value)
    return found


def _says(meta: dict, keys: tuple[str, ...], text: str) -> None:
    """Every one of the three places holds ``text`` (JPEG has all of them)."""
    assert _values(meta, keys) == dict.fromkeys(keys, text), meta


def _exiftool_write(path, *assignments: str) -> None:
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-charset", "iptc=UTF8", *assignments, str(path)],
        check=True,
        capture_output=True,
    )


# --- through the command line, read back with exiftool ------------------------------------


def test_a_photographers_own_notice_survives_a_retag_under_another_policy(tmp_path, exiftool):
    """Set by the photographer in all three places before the first tag: kept by the first
    tag and by the re-tag, while the creator (which the file did not say, so we wrote it) is
    brought to the new policy's everywhere."""
    root = tmp_path / "photos"
    root.mkdir()
    path = make_jpeg(root / "theirs.jpg", seed=3)
    _exiftool_write(
        path,
        f"-XMP-dc:Rights={THEIRS}",
        f"-IFD0:Copyright={THEIRS}",
        f"-IPTC:CopyrightNotice={THEIRS}",
    )
    _says(exiftool(path), NOTICE, THEIRS)
    _policies()
    assert cli("folders", "add", str(root), "--policy", "alpha").returncode == 0
    meta = exiftool(path)
    _says(meta, NOTICE, THEIRS)
    _says(meta, CREATOR, "Ann Alpha")

    assert cli("folders", "set", str(root), "--policy", "beta").returncode == 0
    run = cli("folders", "apply", str(root))
    assert run.returncode == 0, run.stderr
    meta = exiftool(path)
    _says(meta, NOTICE, THEIRS)
    _says(meta, CREATOR, "Bea Beta")
    assert meta["XMP-plus:DataMining"].endswith("DMI-PROHIBITED-GENAIMLTRAINING")


def test_a_notice_the_photographer_changed_in_one_place_wins_in_every_place(tmp_path, exiftool):
    """After our first tag the photographer rewrote the EXIF notice only: the re-tag keeps their
    words and brings the places that still held our earlier notice to the same words, so the
    file never says two rights holders."""
    root = tmp_path / "photos"
    root.mkdir()
    path = make_jpeg(root / "edited.jpg", seed=4)
    _policies()
    assert cli("folders", "add", str(root), "--policy", "alpha").returncode == 0
    _says(exiftool(path), NOTICE, ALPHA_NOTICE)
    _exiftool_write(path, f"-IFD0:Copyright={THEIRS}")

    assert cli("folders", "set", str(root), "--policy", "beta").returncode == 0
    run = cli("folders", "apply", str(root))
    assert run.returncode == 0, run.stderr
    meta = exiftool(path)
    _says(meta, NOTICE, THEIRS)
    _says(meta, CREATOR, "Bea Beta")


def test_a_sidecar_of_ours_is_brought_to_the_new_notice(tmp_path, exiftool):
    """Formats tagged by XMP sidecar (GIF here) tell ours from theirs the same way."""
    root = tmp_path / "drawings"
    root.mkdir()
    image = root / "loop.gif"
    Image.effect_noise((20, 20), 30).convert("P").save(image, "GIF")
    _policies()
    assert cli("folders", "add", str(root), "--policy", "alpha").returncode == 0
    (sidecar,) = root.glob("*.xmp")
    assert exiftool(sidecar)["XMP-dc:Rights"] == ALPHA_NOTICE
    assert cli("folders", "set", str(root), "--policy", "beta").returncode == 0
    assert cli("folders", "apply", str(root)).returncode == 0
    (sidecar,) = root.glob("*.xmp")
    meta = exiftool(sidecar)
    assert meta["XMP-dc:Rights"] == BETA_NOTICE
    assert meta["XMP-dc:Creator"] in ("Bea Beta", ["Bea Beta"])


# --- the service: worker processes, the watcher, undo ---------------------------------------


def _tagged_under_alpha(tmp_path, count: int):
    root = tmp_path / "photos"
    root.mkdir()
    files = [make_jpeg(root / f"p{i:02}.jpg", seed=i + 1) for i in range(count)]
    _policies()
    store = open_catalogue(tmp_path / "cat.sqlite3")
    portfolio = Portfolio(store)
    folder = portfolio.add_folder(root, "alpha")
    list(TaggingService(portfolio).process(portfolio.scan([folder]).due, jobs=1))
    return root, files, store, portfolio, folder


def test_worker_processes_get_what_we_wrote_before_and_one_query_serves_the_batch(
    tmp_path, exiftool
):
    """More files than are tagged in-process: the earlier values travel to the workers with
    the fields.  A first tag asks nothing about earlier fields, and the re-tag asks once for
    the whole batch, never once per file."""
    root = tmp_path / "photos"
    root.mkdir()
    files = [make_jpeg(root / f"p{i:02}.jpg", seed=i + 1) for i in range(12)]
    alpha, beta = _policies()
    store = open_catalogue(tmp_path / "cat.sqlite3")
    asked: list[list[str]] = []
    looked_up = store.remembered_fields
    store.remembered_fields = lambda signatures: (
        asked.append(list(signatures)) or looked_up(signatures)
    )
    portfolio = Portfolio(store)
    folder = portfolio.add_folder(root, "alpha")
    list(TaggingService(portfolio).process(portfolio.scan([folder]).due, jobs=2))
    alpha_key = fields_signature(embedded_fields(alpha))
    assert asked == [[alpha_key]]  # is alpha kept yet? (nothing about earlier fields)

    asked.clear()
    portfolio.set_folder(root, policy="beta")
    assert asked == [[alpha_key]]  # the outgoing policy's fields are kept (already are)
    asked.clear()
    report, outcomes = TaggingService(portfolio).apply([folder], jobs=2)
    assert len(report.due) == 12
    assert len(list(outcomes)) == 12
    assert asked == [[fields_signature(embedded_fields(beta))], [alpha_key]]
    for path in files:
        meta = exiftool(path)
        _says(meta, NOTICE, BETA_NOTICE)
        _says(meta, CREATOR, "Bea Beta")
    assert store.count_by_state() == {WorkState.TAGGED: 12}
    store.close()


def test_the_watcher_brings_the_notice_to_the_new_policy(tmp_path, exiftool):
    root, files, store, portfolio, _ = _tagged_under_alpha(tmp_path, 6)
    portfolio.set_folder(root, policy="beta")
    watcher = Watcher(portfolio, settle=0.1, jobs=2, folder_check=0.2)
    watcher.start()
    try:
        assert watcher.wait_ready(20)
        wait_until(
            lambda: list(store.events(kind="folder.policy_applied")), what="the re-tag recorded"
        )
    finally:
        watcher.stop()
    for path in files:
        _says(exiftool(path), NOTICE, BETA_NOTICE)
    store.close()


def test_undo_puts_back_the_earlier_notice(tmp_path, exiftool):
    root, files, store, portfolio, _ = _tagged_under_alpha(tmp_path, 2)
    before = {p: p.read_bytes() for p in files}
    portfolio.set_folder(root, policy="beta")
    summary = tag_undoably(portfolio, [root], None)
    assert summary.counts.get("tagged") == 2
    for path in files:
        _says(exiftool(path), NOTICE, BETA_NOTICE)
    report = undo_last(store)
    assert sorted(report.restored) == sorted(str(p) for p in files)
    for path in files:
        assert path.read_bytes() == before[path]
        _says(exiftool(path), NOTICE, ALPHA_NOTICE)
    store.close()


# --- the decision itself ---------------------------------------------------------------------


def _fields(creator: str, notice: str):
    return embedded_fields(replace(PRESETS["no-ai"], creator=creator, copyright_notice=notice))


def _meta(notice_xmp, notice_exif, notice_iim) -> Metadata:
    xmp = {"Xmp.dc.rights": lang_alt(notice_xmp)} if notice_xmp else {}
    exif = {"Exif.Image.Copyright": notice_exif} if notice_exif else {}
    iptc = {"Iptc.Application2.Copyright": notice_iim} if notice_iim else {}
    return Metadata(xmp, exif, iptc)


NOTICE_KEYS = ("Xmp.dc.rights", "Exif.Image.Copyright", "Iptc.Application2.Copyright")


def _notices(changes) -> dict[str, str]:
    found = {}
    for family in changes.changes.values():
        for key, value in family.items():
            if key in NOTICE_KEYS:
                found[key] = value[next(iter(value))] if isinstance(value, dict) else value
    return found


def test_plan_replaces_only_values_an_earlier_policy_of_ours_wrote():
    alpha, beta = _fields("Ann", ALPHA_NOTICE), _fields("Bea", BETA_NOTICE)
    fields = with_earlier(beta, alpha)
    ours = _meta(ALPHA_NOTICE, ALPHA_NOTICE, ALPHA_NOTICE)
    assert _notices(plan(ours, fields, ALL)) == dict.fromkeys(NOTICE_KEYS, BETA_NOTICE)
    # without knowing what we wrote, nothing is replaced (a first tag, an older catalogue)
    assert _notices(plan(ours, beta, ALL)) == {}
    # spaces around a value are not a different value
    spaced = _meta(f" {ALPHA_NOTICE} ", ALPHA_NOTICE + " ", ALPHA_NOTICE)
    assert _notices(plan(spaced, fields, ALL)) == dict.fromkeys(NOTICE_KEYS, BETA_NOTICE)
    # the photographer's own, everywhere: kept
    assert _notices(plan(_meta(THEIRS, THEIRS, THEIRS), fields, ALL)) == {}
    # theirs in one place, ours in the others: theirs everywhere
    mixed = _meta(ALPHA_NOTICE, THEIRS, ALPHA_NOTICE)
    assert _notices(plan(mixed, fields, ALL)) == {
        "Xmp.dc.rights": THEIRS,
        "Iptc.Application2.Copyright": THEIRS,
    }
    # an empty place next to one of ours gets the new notice, never our old one
    assert _notices(plan(_meta(None, ALPHA_NOTICE, None), fields, ALL)) == dict.fromkeys(
        NOTICE_KEYS, BETA_NOTICE
    )
    # forced: ours everywhere, as before
    forced = plan(_meta(THEIRS, THEIRS, THEIRS), fields, ALL, force=True)
    assert _notices(forced) == dict.fromkeys(NOTICE_KEYS, BETA_NOTICE)


def test_earlier_values_leave_the_signature_and_the_unchanged_fields_alone():
    alpha = _fields("Ann", ALPHA_NOTICE)
    beta = _fields("Ann", BETA_NOTICE)  # same creator, new notice
    fields = with_earlier(beta, alpha)
    assert fields_signature(fields) == fields_signature(beta)
    marked = {f.key for f in fields if f.earlier is not None}
    assert marked == set(NOTICE_KEYS)
    assert fields_from_rows(field_rows(alpha)) == alpha


# --- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_keeps_each_signature_once_and_an_older_one_is_upgraded(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:3]):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number + 1}; COMMIT;")
    db.close()
    store = open_catalogue(path)
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    rules = Rules.of(_own("alpha", "no-ai", "Ann Alpha", ALPHA_NOTICE))
    key = rules.signature.removesuffix("+c2pa")
    assert store.remembered_fields([key]) == {}
    with store.transaction():
        store.remember_fields(key, field_rows(rules.fields))
        store.remember_fields(key, [["Xmp.dc.rights", "something else", "fill"]])
    kept = store.remembered_fields([key, "0123456789abcdef"])
    assert list(kept) == [key]
    assert fields_from_rows(kept[key]) == rules.fields
    (count,) = sqlite3.connect(path).execute("SELECT COUNT(*) FROM field_sets").fetchone()
    assert count == 1
    store.close()


def test_the_check_after_writing_allows_only_a_mirror_of_what_was_written():
    """Rewriting a sidecar's notice changes exiv2's EXIF reading of it with it; any other
    change to a place nothing was written to still stops the write."""
    from creatorapp.core.media.base import FileProblem
    from creatorapp.core.media.changes import Plan, verify

    before = _meta(ALPHA_NOTICE, ALPHA_NOTICE, None)
    written = Plan({Family.XMP: {"Xmp.dc.rights": lang_alt(BETA_NOTICE)}})
    verify(before, _meta(BETA_NOTICE, BETA_NOTICE, None), written)
    for exif in (THEIRS, None):
        with pytest.raises(FileProblem, match=r"Exif\.Image\.Copyright would not have been kept"):
            verify(before, _meta(BETA_NOTICE, exif, None), written)
