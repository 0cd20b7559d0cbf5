"""A portfolio folder given a policy file keeps working after the file has moved on: the file
is kept among the user's policies, as a site's is."""

from __future__ import annotations

import json

from tests.conftest import make_jpeg
from tests.integration.test_cli import cli

POLICY = 'name = "mine"\nextends = "no-ai"\n\n[rights]\ncreator = "Jane Artist"\n'


def test_a_folder_policy_from_a_file_is_found_again_after_the_file_is_gone(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    make_jpeg(folder / "a.jpg")
    spec = tmp_path / "mine.toml"
    spec.write_text(POLICY)
    added = cli("folders", "add", str(folder), "--policy", str(spec))
    assert added.returncode == 0, added.stderr
    spec.unlink()  # the download folder was tidied
    listed = cli("folders", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]  # JSON Lines
    assert row["policy"] == "mine" and "unknown" not in listed.stdout
    status = cli("status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["works"].get("tagged") == 1


def test_a_file_named_like_a_preset_is_refused_and_nothing_is_added(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    spec = tmp_path / "no-ai.toml"
    spec.write_text(POLICY.replace('"mine"', '"no-ai"'))
    added = cli("folders", "add", str(folder), "--policy", str(spec))
    assert added.returncode != 0 and "preset" in added.stderr
    assert "Traceback" not in added.stderr
    assert cli("folders", "list", "--json").stdout.strip() == ""
