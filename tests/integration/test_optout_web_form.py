"""Web-form destinations (LAION, OpenAI, Meta) and where targets come from (a site's sitemaps,
a portfolio folder, account names), through the CLI as a user runs it: each command a new
process, so every step also survives a restart."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts import evidence
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.sites.sites import Sites
from creatorapp.core.works.portfolio import Portfolio
from tests.conftest import make_jpeg
from tests.integration.test_cli import cli
from tests.servers.http_site import SiteServer

URLS = [f"https://jane.example/art/{i}.jpg" for i in range(3)]


@pytest.fixture
def browser(tmp_path):
    """A stand-in for the system browser: $BROWSER, which Python's webbrowser honours."""
    log = tmp_path / "opened.txt"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {log}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"BROWSER": str(script)}, log


def status(*extra):
    return json.loads(cli("optout", "status", "--json", *extra).stdout)


def test_form_hand_off_attest_with_evidence_and_resolve(tmp_path, browser):
    env, opened = browser
    assert (
        cli("optout", "contact", "--name", "Jane Doe", "--email", "jane@x.example").returncode == 0
    )
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(URLS) + "\n")

    run = cli("optout", "submit", "meta", "--urls", str(urls), env=env)
    assert run.returncode == 0, run.stderr
    assert "Next: Open https://www.facebook.com/help/contact/" in run.stdout
    assert opened.read_text().split() == ["https://www.facebook.com/help/contact/510058597920541"]
    doc = status()
    assert doc["items"] == {"meta": {"awaiting_user_action": 3}}
    key = doc["submissions"][0]["idempotency_key"]
    assert [a["idempotency_key"] for a in doc["needs_attention"]] == [key]

    again = cli("optout", "submit", "meta", "--urls", str(urls), env=env)
    assert "already submitted" in again.stdout and len(opened.read_text().split()) == 1

    shot = tmp_path / "confirmation.png"
    make_jpeg(shot)
    attest = cli("optout", "attest", key, "--evidence", str(shot), "--note", "case 4411")
    assert attest.returncode == 0 and "3 items" in attest.stdout
    assert status()["items"] == {"meta": {"user_attested": 3}}

    answer = tmp_path / "answer.eml"
    answer.write_bytes(b"Subject: Your objection\r\n\r\nWe have accepted your objection.\r\n")
    done = cli("optout", "resolve", key, "confirmed", "--evidence", str(answer))
    assert done.returncode == 0 and "3 items confirmed" in done.stdout
    assert status()["items"] == {"meta": {"confirmed": 3}}

    store = open_catalogue(None)
    events = {e.kind: e.data for e in store.events()}
    kept = events["optout.attested"]["evidence"]
    assert kept["name"] == "confirmation.png" and events["optout.attested"]["note"] == "case 4411"
    assert evidence.check(kept) and evidence.check(events["optout.resolved"]["evidence"])
    assert (evidence.folder() / kept["file"]).read_bytes() == shot.read_bytes()
    assert store.submission(key=key)["state"] == "closed"
    store.close()


def test_one_form_asks_about_all_the_works_and_each_keeps_its_own_state(tmp_path, browser):
    """LAION's form takes one Sample ID and one Website/URL but a free-text Explanation: one
    form lists every work of the request there, instead of one form per work."""
    env, opened = browser
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(URLS[:2]) + "\n")
    cli("optout", "contact", "--name", "Jane Doe", "--email", "jane@x.example")
    dry = cli("optout", "submit", "laion", "--urls", str(urls), "--dry-run")
    assert dry.returncode == 0 and dry.stdout.count("Form: https://laion.ai/") == 1
    assert "--- Sample ID ---" in dry.stdout and "Article 4(3)" in dry.stdout
    assert status()["items"] == {}
    run = cli("optout", "submit", "laion", "--urls", str(urls), "--json", env=env)
    doc = json.loads(run.stdout)
    assert len(doc["sent"]) == 1  # one form for both works
    assert opened.read_text().split() == ["https://laion.ai/dataset-requests/"]  # one tab
    fields = doc["payloads"][0]["fields"]
    assert fields["Name"] == "Jane Doe" and fields["Website/URL"] == URLS[0]
    assert "Jane Doe" in fields["Explanation"]
    assert URLS[0] in fields["Explanation"] and URLS[1] in fields["Explanation"]
    assert "asks about 2 works" in doc["payloads"][0]["instructions"]
    urls.write_text(URLS[2] + "\n")
    quiet = cli("optout", "submit", "laion", "--urls", str(urls), "--no-browser", env=env)
    assert quiet.returncode == 0 and len(opened.read_text().split()) == 1

    store = open_catalogue(None)
    first = store.submission(key=doc["sent"][0])
    items = store.items(submission_id=first["id"])
    assert sorted(i["target"] for i in items) == URLS[:2]  # an item per work
    store.set_items([items[0]["id"]], state="confirmed")  # the destination answered for one
    store.close()
    assert status()["items"] == {"laion": {"awaiting_user_action": 2, "confirmed": 1}}


def test_a_long_list_is_split_where_the_form_would_take_too_much(tmp_path):
    """At most ``max_batch`` works and ``max_chars`` characters of addresses per form; every
    work is in exactly one form."""
    from creatorapp.core.optouts.descriptor import load_all

    laion = load_all()["laion"]
    assert laion.max_batch > 1 and laion.max_chars
    many = [f"https://jane.example/art/{i:04d}.jpg" for i in range(laion.max_batch + 5)]
    long = [f"https://jane.example/{'a' * 150}/{i}.jpg" for i in range(80)]
    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store)
    for urls in (many, long):
        payloads = optouts.submit("laion", urls, dry_run=True).payloads
        assert len(payloads) == 2
        listed = [p["urls"] for p in payloads]
        assert sorted(u for part in listed for u in part) == sorted(urls)
        for part in listed:
            assert len(part) <= laion.max_batch
            assert sum(len(u) + 1 for u in part) <= laion.max_chars
        assert [p["part"] for p in payloads] == [[1, 2], [2, 2]]
    store.close()


def test_the_creator_sees_file_names_and_a_short_reference_never_a_key(tmp_path, browser):
    env, _ = browser
    photos = tmp_path / "photos"
    photos.mkdir()
    make_jpeg(photos / "sunset.jpg")
    make_jpeg(photos / "harbour.jpg", seed=2)
    store = open_catalogue(None)
    portfolio = Portfolio(store)
    portfolio.add_folder(photos)
    portfolio.scan()
    store.close()
    cli("optout", "contact", "--name", "Jane Doe", "--email", "jane@x.example")
    args = ("optout", "submit", "laion", "--folder", str(photos))
    args += ("--base-url", "https://jane.example/photos")
    hex_key = re.compile(r"cr-[0-9a-f]{16}")
    dry = cli(*args, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert not hex_key.search(dry.stdout), dry.stdout
    run = cli(*args, env=env)
    assert run.returncode == 0, run.stderr
    assert not hex_key.search(run.stdout), run.stdout
    [ref] = set(re.findall(r"\blaion-\d+\b", run.stdout))
    assert f"submitted {ref} (harbour.jpg, sunset.jpg)" in run.stdout
    assert f"'creatorapp optout attest {ref}'" in run.stdout
    assert json.loads(cli(*args, "--dry-run", "--json").stdout)["payloads"] == []  # asked
    again = cli(*args, env=env)
    assert f"already submitted as {ref} (harbour.jpg, sunset.jpg)" in again.stdout
    assert not hex_key.search(again.stdout)
    store = open_catalogue(None)
    [submission] = store.submissions()
    explanation = json.loads(submission["payload"])["fields"]["Explanation"]
    assert f"Reference: {ref}" in explanation and not hex_key.search(explanation)
    store.close()
    attest = cli("optout", "attest", ref)
    assert attest.returncode == 0 and "2 items" in attest.stdout
    wrong = cli("optout", "attest", "meta-" + ref.split("-")[1])
    assert wrong.returncode == 2 and "no submission" in wrong.stderr
    assert cli("optout", "resolve", ref, "confirmed").returncode == 0
    assert status()["items"] == {"laion": {"confirmed": 2}}


def test_laion_fields_carry_the_forms_labels_and_the_address_goes_in_website(tmp_path):
    """The form's Sample ID is the dataset's own id for a sample, never the address; the address
    goes in Website/URL; the dataset is Re-LAION-5B; LAION acts on personal data only."""
    urls = tmp_path / "urls.txt"
    urls.write_text(URLS[0] + "\n")
    cli("optout", "contact", "--name", "Jane Doe", "--email", "jane@x.example")
    doc = json.loads(
        cli("optout", "submit", "laion", "--urls", str(urls), "--dry-run", "--json").stdout
    )
    [payload] = doc["payloads"]
    fields = payload["fields"]
    assert list(fields) == ["Name", "Email", "Explanation", "Dataset", "Sample ID", "Website/URL"]
    assert fields["Website/URL"] == URLS[0]
    assert fields["Sample ID"] == "" and URLS[0] not in fields["Sample ID"]
    assert fields["Dataset"] == "Re-LAION-5B"
    assert payload["form_names"]["Sample ID"] == "sampleID"
    assert payload["form_names"]["Website/URL"] == "website"
    assert "Sample ID: the sample's id in the dataset" in payload["instructions"]
    assert "personal-data (GDPR)" in payload["instructions"]
    shown = cli("optout", "submit", "laion", "--urls", str(urls), "--dry-run").stdout
    for label in ("Dataset", "Sample ID", "Website/URL", "Explanation"):
        assert f"--- {label} ---" in shown, label
    assert "--- sampleID ---" not in shown and "--- website ---" not in shown


def test_meta_own_posts_is_its_own_destination_with_its_own_fields(tmp_path):
    cli("optout", "contact", "--name", "Jane Doe", "--email", "jane@x.example")
    own = json.loads(
        cli(
            "optout", "submit", "meta-own-posts", "--account", "jane.paints",
            "--dry-run", "--json",
        ).stdout
    )  # fmt: skip
    [payload] = own["payloads"]
    assert payload["open"] == "https://www.facebook.com/help/contact/6359191084165019"
    assert payload["fields"]["Email"] == "jane@x.example"
    impact = payload["fields"]["How this processing impacts you (optional)"]
    assert "jane.paints" in impact and "third parties" not in impact
    assert "One objection per account" in payload["instructions"]
    urls = tmp_path / "u.txt"
    urls.write_text(URLS[0] + "\n")
    third = json.loads(
        cli("optout", "submit", "meta", "--urls", str(urls), "--dry-run", "--json").stdout
    )["payloads"][0]
    assert third["open"] == "https://www.facebook.com/help/contact/510058597920541"
    assert "third parties" in third["fields"]["Request"]
    assert not set(third["fields"]) & {"How this processing impacts you (optional)", "Country"}


def test_answers_cannot_be_recorded_for_what_was_never_sent(tmp_path):
    assert "no submission 'cr-nope'" in cli("optout", "attest", "cr-nope").stderr
    bad = cli("optout", "resolve", "cr-nope", "confirmed")
    assert bad.returncode == 2 and "no submission" in bad.stderr
    missing = cli("optout", "submit", "meta", "--urls", str(tmp_path / "none.txt"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    wrong = cli("optout", "submit", "bigcode-stack", "--folder", str(tmp_path))
    assert wrong.returncode == 2 and "not in a portfolio folder" in wrong.stderr


def test_targets_from_a_site_a_folder_and_accounts(tmp_path):
    root = tmp_path / "www"
    (root / "art").mkdir(parents=True)
    server = SiteServer(root)
    try:
        (root / "robots.txt").write_text(
            f"User-agent: *\nAllow: /\nSitemap: {server.url}/maps.xml\n"
        )
        (root / "maps.xml").write_text(
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{server.url}/pages.xml</loc></sitemap></sitemapindex>"
        )
        (root / "pages.xml").write_text(
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
            f"<url><loc>{server.url}/gallery</loc>"
            f"<image:image><image:loc>{server.url}/art/a.jpg</image:loc></image:image></url>"
            "<url><loc>https://elsewhere.example/x</loc></url></urlset>"
        )
        store = open_catalogue(None)
        Sites(store).add("shop", server.url, "local", {"root": str(tmp_path / "out")})
        store.close()
        dry = cli("optout", "submit", "meta", "--site", "shop", "--dry-run", "--json")
        assert dry.returncode == 0, dry.stderr
        sent = json.loads(dry.stdout)["payloads"][0]["urls"]
        assert sent == sorted(
            [f"{server.url}/", f"{server.url}/art/a.jpg", f"{server.url}/gallery"]
        )
        (root / "robots.txt").unlink()
        (root / "maps.xml").unlink()
        none = cli("optout", "submit", "meta", "--site", "shop", "--dry-run")
        assert none.returncode == 2 and "has no sitemap" in none.stderr
    finally:
        server.close()

    photos = tmp_path / "photos"
    (photos / "sub dir").mkdir(parents=True)
    make_jpeg(photos / "one.jpg")
    make_jpeg(photos / "sub dir" / "two.jpg", seed=2)
    store = open_catalogue(None)
    portfolio = Portfolio(store)
    portfolio.add_folder(photos)
    portfolio.scan()
    store.close()
    no_base = cli("optout", "submit", "meta", "--folder", str(photos), "--dry-run")
    assert no_base.returncode == 2 and "--base-url" in no_base.stderr
    run = cli(
        "optout", "submit", "meta", "--folder", str(photos),
        "--base-url", "https://jane.example/photos", "--no-browser",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    store = open_catalogue(None)
    items = store.items("meta")
    assert sorted(i["target"] for i in items) == [
        "https://jane.example/photos/one.jpg",
        "https://jane.example/photos/sub%20dir/two.jpg",
    ]
    works = {w.id: os.path.basename(w.path) for w in store.works()}
    assert sorted(works[i["work_id"]] for i in items) == ["one.jpg", "two.jpg"]
    store.close()

    accounts = cli(
        "optout", "submit", "bigcode-stack", "--account", "@Jane", "--account", "jane-studio",
        "--dry-run", "--json",
    )  # fmt: skip
    body = json.loads(accounts.stdout)["payloads"][0]["body"]
    assert "jane\njane-studio" in body
    refused = cli("optout", "submit", "meta", "--account", "jane", "--dry-run")
    assert refused.returncode == 2 and "takes urls, not accounts" in refused.stderr


def test_a_dataset_or_recipient_is_asked_for_where_needed(tmp_path):
    urls = tmp_path / "u.txt"
    urls.write_text(URLS[0] + "\n")
    need = cli("optout", "submit", "huggingface", "--urls", str(urls), "--dry-run")
    assert need.returncode == 2 and "--dataset" in need.stderr
    bad = cli("optout", "submit", "reservation-notice", "--to", "nobody", "--urls", str(urls))
    assert bad.returncode == 2 and "not an email address" in bad.stderr
    extra = cli("optout", "submit", "meta", "--dataset", "a/b", "--urls", str(urls))
    assert extra.returncode == 2 and "takes no dataset" in extra.stderr
    o = OptOuts(open_catalogue(None))
    assert o.status() == {}
    o.store.close()
