"""The registries chosen at set-up become opt-out drafts: kept beside the outbox, never sent by
the sender or the poller, sent only when the creator asks (with the folder's works, found the
way ``optout submit --folder`` finds them), and a draft that lacks a setting stays a draft and
says what it lacks.  Each is a ledger event when made, sent or dropped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from creatorapp.core.app import setup
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts import targets
from creatorapp.core.optouts.advice import Advice
from creatorapp.core.optouts.descriptor import Unit
from creatorapp.core.optouts.destinations import OptOutError
from creatorapp.core.optouts.drafts import Drafts, SourceKind
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.works.portfolio import Portfolio
from tests.conftest import make_jpeg
from tests.integration.test_cli import cli
from tests.servers.http_site import SiteServer

BASE = "https://jane.example/photos/"


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(2):
        make_jpeg(folder / f"p{i}.jpg", seed=i + 1)
    return folder


def _set_up(store, folder: Path, registries: list[str], site=None) -> None:
    """The wizard's finish, then the scan the window runs after it."""
    answers = setup.Answers(name="Jane Doe", folders=[folder], site=site, registries=registries)
    added = setup.apply(store, answers)
    Portfolio(store).scan(added)


def _kinds(store, kind: str) -> list[dict]:
    return [e.data for e in store.events(kind=kind)]


def test_the_set_up_leaves_drafts_that_neither_the_sender_nor_the_poller_send(tmp_path, photos):
    store = open_catalogue(tmp_path / "c.sqlite3")
    site = setup.SiteAnswers("folio", "https://jane.example", "local", {"root": str(tmp_path)})
    _set_up(store, photos, ["laion", "huggingface", "bigcode-stack"], site)
    drafts = Drafts(store)
    made = {(d.destination, d.source.kind, d.source.value) for d in drafts.list()}
    folder = os.path.realpath(photos)
    assert made == {
        ("laion", SourceKind.FOLDER, folder),
        ("laion", SourceKind.SITE, "folio"),  # LAION takes addresses: the site gives them
        ("huggingface", SourceKind.FOLDER, folder),
        ("huggingface", SourceKind.SITE, "folio"),
        ("bigcode-stack", SourceKind.ACCOUNTS, ""),  # takes accounts: neither gives them
    }
    assert all(d.made_by == "set-up" for d in drafts.list())
    assert len(_kinds(store, "optout.draft_made")) == 5

    # what each still needs, said in words with what to do about it
    needs = {(d.destination, d.source.kind): drafts.needs(d) for d in drafts.list()}
    assert needs[("laion", SourceKind.SITE)] == []  # ready
    assert [m.hint.advice for m in needs[("laion", SourceKind.FOLDER)]] == [Advice.BASE_URL]
    hub = needs[("huggingface", SourceKind.SITE)]
    assert [m.text for m in hub] == ["the dataset to ask (owner/name)", "the Hugging Face token"]
    assert hub[1].hint.advice is Advice.SET_UP and hub[1].hint.group == "token"
    assert "the account names to ask about" in [
        m.text for m in needs[("bigcode-stack", SourceKind.ACCOUNTS)]
    ]

    # the window's timer and a poll send what is queued: a draft is not queued
    optouts = OptOuts(store, options={"laion": {"open_browser": False}})
    assert optouts.send_queued() == []
    optouts.poll(force=True)
    assert store.submissions() == [] and store.items("laion") == []
    assert len(drafts.list()) == 5

    # the set-up saved again (the wizard re-run) makes no second copy
    _set_up(store, photos, ["laion", "huggingface", "bigcode-stack"], site)
    assert len(drafts.list()) == 5
    store.close()


def test_a_draft_is_sent_on_request_with_the_folders_works(tmp_path, photos):
    store = open_catalogue(tmp_path / "c.sqlite3")
    _set_up(store, photos, ["laion", "tdmai"])
    optouts = OptOuts(store, options={"laion": {"open_browser": False}})
    drafts = Drafts(store, optouts)
    by = {d.destination: d for d in drafts.list()}

    # the Liccium registry needs its API key: refused, and still a draft that says so
    with pytest.raises(OptOutError, match="still needs the Liccium API key") as refused:
        drafts.send(by["tdmai"].id)
    assert refused.value.hint.advice is Advice.SET_UP
    assert by["tdmai"] in drafts.list() and store.submissions() == []

    # a dry run shows what would go and keeps the draft
    _, found, dry = drafts.send(by["laion"].id, base_url=BASE, dry_run=True)
    assert dry.payloads and store.submissions() == [] and by["laion"] in drafts.list()

    draft, found, report = drafts.send(by["laion"].id, base_url=BASE)
    # exactly the targets ``optout submit laion --folder PHOTOS --base-url BASE`` finds
    same = targets.from_folder(store, photos, Unit.URL, BASE)
    assert found.values == same.values == [BASE + "p0.jpg", BASE + "p1.jpg"]
    [submission] = store.submissions()
    assert [s["id"] for s in report.queued] == [submission["id"]]
    assert submission["destination"] == "laion" and submission["state"] == "awaiting_user_action"
    works = {w.id for w in store.works()}
    items = store.items("laion")
    assert {i["work_id"] for i in items} == works and len(items) == 2
    assert [d.destination for d in drafts.list()] == ["tdmai"]  # settled once sent
    [sent] = _kinds(store, "optout.draft_sent")
    assert sent["draft"] == draft.id and sent["keys"] == [submission["idempotency_key"]]

    # dropped: gone without a request, and a re-run set-up brings neither back
    drafts.drop(by["tdmai"].id)
    assert drafts.list() == [] and len(store.submissions()) == 1
    assert [e["draft"] for e in _kinds(store, "optout.draft_dropped")] == [by["tdmai"].id]
    _set_up(store, photos, ["laion", "tdmai"])
    assert drafts.list() == []
    with pytest.raises(OptOutError, match="no opt-out draft"):
        drafts.send(by["laion"].id)
    store.close()


def test_a_site_draft_sends_what_the_sites_sitemaps_list(tmp_path, photos):
    root = tmp_path / "www"
    root.mkdir()
    server = SiteServer(root)
    try:
        (root / "sitemap.xml").write_text(
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{server.url}/gallery</loc></url></urlset>"
        )
        store = open_catalogue(tmp_path / "c.sqlite3")
        site = setup.SiteAnswers("folio", server.url, "local", {"root": str(tmp_path / "out")})
        _set_up(store, photos, ["meta"], site)
        drafts = Drafts(store, OptOuts(store, options={"meta": {"open_browser": False}}))
        [for_site] = [d for d in drafts.list() if d.source.kind is SourceKind.SITE]
        _, found, report = drafts.send(for_site.id, dry_run=True)
        assert found.values == targets.from_site(store, "folio", Unit.URL).values
        assert found.values == [f"{server.url}/", f"{server.url}/gallery"]
        assert report.payloads[0]["urls"] == found.values
        store.close()
    finally:
        server.close()


def test_the_command_line_lists_sends_and_drops_drafts(photos):
    store = open_catalogue(Path(os.environ["CREATORAPP_CATALOGUE"]))
    _set_up(store, photos, ["laion", "tdmai"])
    ids = {d.destination: d.id for d in Drafts(store).list()}
    store.close()

    listed = json.loads(cli("optout", "drafts", "--json").stdout)["drafts"]
    assert [(d["destination"], d["ready"]) for d in listed] == [("laion", False), ("tdmai", False)]
    assert listed[0]["missing"][0]["advice"] == "base_url"
    text = cli("optout", "drafts").stdout
    assert "needs where the folder is published; add --base-url URL" in text
    assert "'creatorapp optout token tdmai'" in text  # what the missing key is stored with

    send = ("optout", "drafts", "send", str(ids["laion"]), "--base-url", BASE, "--no-browser")
    dry = cli(*send, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was sent" in dry.stdout and BASE + "p0.jpg" in dry.stdout
    assert len(json.loads(cli("optout", "drafts", "--json").stdout)["drafts"]) == 2

    sent = cli(*send, "--json")
    assert sent.returncode == 0, sent.stderr
    assert len(json.loads(sent.stdout)["queued"]) == 1
    status = json.loads(cli("optout", "status", "--json").stdout)
    assert status["items"] == {"laion": {"awaiting_user_action": 2}}

    lacking = cli("optout", "drafts", "send", str(ids["tdmai"]))
    assert lacking.returncode == 2
    assert "still needs the Liccium API key" in lacking.stderr
    assert "'creatorapp optout token tdmai'" in lacking.stderr
    dropped = cli("optout", "drafts", "drop", str(ids["tdmai"]))
    assert dropped.returncode == 0 and "nothing was sent" in dropped.stdout
    assert json.loads(cli("optout", "drafts", "--json").stdout)["drafts"] == []
    gone = cli("optout", "drafts", "drop", str(ids["tdmai"]))
    assert gone.returncode == 2 and "no opt-out draft" in gone.stderr
    assert "'creatorapp optout drafts' lists them" in gone.stderr
    assert "No opt-out drafts" in cli("optout", "drafts").stdout
    events = cli("ledger", "export", "--json").stdout.splitlines()
    kinds = [json.loads(e)["kind"] for e in events]
    assert kinds.count("optout.draft_made") == 2
    assert {"optout.draft_sent", "optout.draft_dropped"} <= set(kinds)
