"""Listings read through a pipe show every value whole: a table cut to a terminal's width ends
long values in "…", which a script or a search then cannot find.  Every listing also has
``--json``."""

from __future__ import annotations

import json

import pytest

from creatorapp.core.optouts.descriptor import load_all
from tests.conftest import make_jpeg
from tests.integration.test_cli import cli

NO_WIDTH = {"COLUMNS": ""}  # whatever the test's own terminal says, a pipe has no width


def piped(*args: str) -> str:
    run = cli(*args, env=NO_WIDTH)  # standard output is a pipe, read by the test
    assert run.returncode == 0, run.stderr
    assert "…" not in run.stdout, run.stdout
    return run.stdout


def test_destinations_show_whole_titles_and_ids():
    out = piped("optout", "destinations")
    for descriptor in load_all().values():
        assert descriptor.name in out and descriptor.id in out, descriptor.id
    assert "Spawning Do Not Train Registry (HaveIBeenTrained)" in out


def test_folders_and_the_ledger_show_whole_paths(tmp_path):
    folder = tmp_path / ("a-portfolio-folder-with-a-long-name-" + "x" * 60)
    folder.mkdir()
    make_jpeg(folder / "one.jpg")
    assert cli("folders", "add", str(folder), "--no-tag").returncode == 0
    assert str(folder) in piped("folders", "list")
    assert str(folder) in piped("ledger", "export")


def test_policies_show_whole_names(tmp_path):
    import os
    from pathlib import Path

    policies = Path(os.environ["CREATORAPP_CONFIG_DIR"]) / "policies"
    policies.mkdir(parents=True, exist_ok=True)
    name = "studio-policy-for-the-archive-of-large-format-prints-2026"  # 57 of at most 64
    (policies / f"{name}.toml").write_text('title = "Studio"\nextends = "no-genai"\n')
    out = piped("policy", "list")
    assert name in out and str(policies) in out
    assert "search indexing are allowed" in " ".join(piped("policy", "show", name).split())


@pytest.mark.parametrize(
    "args",
    [
        ("optout", "destinations"),
        ("optout", "status"),
        ("optout", "poll"),
        ("optout", "contact"),
        ("folders", "list"),
        ("ledger", "export"),
        ("policy", "list"),
        ("policy", "show", "no-ai"),
        ("status",),
    ],
)
def test_every_listing_has_json(args):
    run = cli(*args, "--json")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert all(json.loads(line) is not None for line in lines)


def test_verify_and_site_list_show_whole_paths(tmp_path):
    folder = tmp_path / ("exports-for-the-web-with-a-long-folder-name-" + "y" * 60)
    folder.mkdir()
    photo = make_jpeg(folder / "one.jpg")
    assert str(photo) in piped("verify", str(photo))
    url = "https://" + "z" * 70 + ".example"
    added = cli("site", "add", "portfolio", "--url", url, "--transport", "local", "--root",
                str(tmp_path))  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert url in piped("site", "list")
