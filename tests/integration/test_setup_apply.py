"""The first-run set-up stores a site's secret through the sites service, never by itself."""

from __future__ import annotations

from creatorapp.core import secrets
from creatorapp.core.app import setup
from creatorapp.core.catalogue import open_catalogue


def test_the_set_up_keeps_the_site_secret_and_a_later_one_replaces_it(tmp_path):
    store = open_catalogue(tmp_path / "c.sqlite3")
    try:
        answers = setup.SiteAnswers(
            name="portfolio",
            url="https://jane.example",
            transport="ftp",
            settings={"host": "127.0.0.1", "port": 2121, "user": "jane", "root": "/www"},
            secret="first",
        )
        setup.apply(store, setup.Answers(name="Jane Doe", site=answers))
        assert store.site("portfolio").transport == "ftp"
        assert secrets.get("ftp", "portfolio") == "first"
        assert "first" not in str(store.site("portfolio"))  # never with the site's settings

        answers.secret = "second"
        setup.apply(store, setup.Answers(name="Jane Doe", site=answers))
        assert secrets.get("ftp", "portfolio") == "second"
    finally:
        store.close()
