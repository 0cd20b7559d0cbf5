"""The Stack opt-out through GitHub issues, against a loopback stand-in of GitHub's REST API."""

from __future__ import annotations

import pytest

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.outbox import OptOuts
from tests.servers import github_issues

OWNERS = ["Jane-Art", "@jane-studio"]


@pytest.fixture
def gh():
    s = github_issues.IssuesStandIn()
    yield s
    s.stop()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "cat.sqlite3"


def optouts(path, gh):
    options = {"api": gh.url, "repo": github_issues.REPO, "backoff": 0.01, "min_interval": 0}
    return OptOuts(open_catalogue(path), options={"bigcode-stack": options})


def states(o):
    return o.status().get("bigcode-stack", {})


def test_file_restart_and_follow_the_issue_to_its_end(path, gh):
    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    o = optouts(path, gh)
    report = o.submit("bigcode-stack", OWNERS)
    assert len(report.sent) == 1 and gh.created == 1
    issue = gh.issues[1001]
    assert issue["body"].startswith(
        "### Accounts and organizations to remove ENTIRELY\n\njane-art\njane-studio\n"
    )
    assert report.queued[0]["idempotency_key"] in issue["title"]
    assert states(o) == {"submitted": 2}
    o.store.close()

    o = optouts(path, gh)  # restarted
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {}}
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {}}
    assert gh.not_modified >= 1  # an unchanged issue cost a 304
    gh.comment(1001, "Thanks, we will process this with the next release.")
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"acknowledged": 2}}
    gh.comment(
        1001,
        "Your opt-out request has been automatically processed. The following owners were "
        "removed:\n- `jane-art`\n",
        close="completed",
    )
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"confirmed": 1}}
    assert states(o) == {"acknowledged": 1, "confirmed": 1}
    o.store.close()


def test_a_crash_between_filing_and_recording_finds_the_issue_instead_of_filing_again(path, gh):
    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    o = optouts(path, gh)
    title = o.submit("bigcode-stack", OWNERS, dry_run=True).payloads[0]["title"]
    # the app filed the issue, then died before recording it: simulate with the queued state
    report = o.submit("bigcode-stack", OWNERS)
    submission = report.sent[0]
    o.store.update_submission(submission["id"], state="queued", remote_ref=None)
    o.send_queued("bigcode-stack")
    assert gh.created == 1  # found by its key among the user's issues, not filed twice
    assert o.store.submission(id=submission["id"])["remote_ref"] == "1001"
    assert title.endswith(f"[{submission['idempotency_key']}]")
    again = o.submit("bigcode-stack", list(reversed(OWNERS)))
    assert again.found and gh.created == 1
    o.store.close()


def test_bad_token_rate_limit_and_down_keep_everything_retryable(path, gh):
    secrets.put("registry", "bigcode-stack", "ghp_wrong")
    o = optouts(path, gh)
    report = o.submit("bigcode-stack", OWNERS)
    assert report.failed and "refused the token" in report.failed[0][1]
    assert states(o) == {"pending": 2} and gh.created == 0
    sub = o.store.submissions("bigcode-stack")[0]
    # a refused token cannot get better by waiting: it is tried again once the user fixes it
    assert sub["state"] == "failed" and "refused the token" in sub["last_error"]
    assert sub["next_attempt_at"] is None

    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    o.store.update_submission(sub["id"], next_attempt_at=None)  # the retry is due
    gh.throttle_next = 2  # secondary rate limit twice, then through
    o.send_queued("bigcode-stack")
    assert gh.created == 1 and states(o) == {"submitted": 2}
    gh.stop()
    report = o.poll("bigcode-stack", force=True)
    assert "cannot reach" in report.errors["bigcode-stack"]
    assert states(o) == {"submitted": 2}
    sub = o.store.submissions("bigcode-stack")[0]
    assert "cannot reach" in sub["last_error"] and sub["next_poll_at"]
    assert o.poll("bigcode-stack").not_due == 1  # asked again later, not in a loop
    o.store.close()


def test_the_token_command_keeps_the_token_in_the_keyring_only(gh):
    import os
    import subprocess
    import sys
    from pathlib import Path

    run = subprocess.run(
        [sys.executable, "-m", "creatorapp", "optout", "token", "bigcode-stack"],
        input=github_issues.TOKEN + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert github_issues.TOKEN in Path(os.environ["CREATORAPP_TEST_KEYRING"]).read_text()
    forget = subprocess.run(
        [sys.executable, "-m", "creatorapp", "optout", "token", "bigcode-stack", "--forget"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert forget.returncode == 0
    assert github_issues.TOKEN not in Path(os.environ["CREATORAPP_TEST_KEYRING"]).read_text()


def test_expired_token_refused_issue_and_malformed_answers_lose_nothing(path, gh):
    secrets.put("registry", "bigcode-stack", github_issues.EXPIRED)
    o = optouts(path, gh)
    report = o.submit("bigcode-stack", OWNERS)
    assert "bad or expired" in report.failed[0][1] and states(o) == {"pending": 2}

    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    gh.too_long = 10  # GitHub refuses the body (422)
    [r] = o.send_queued("bigcode-stack")
    assert "422" in r.failed[0][1] and "body is too long" in r.failed[0][1]
    assert states(o) == {"pending": 2} and gh.created == 0
    gh.too_long = 0
    [r] = o.send_queued("bigcode-stack")
    assert r.sent and states(o) == {"submitted": 2}

    gh.malformed_next = 1
    result = o.poll("bigcode-stack", force=True)
    assert "unexpected shape" in result.errors["bigcode-stack"]
    assert states(o) == {"submitted": 2}
    assert o.store.submissions("bigcode-stack")[0]["etag"] is None  # nothing half-recorded
    number = int(r.sent[0]["remote_ref"])
    processed = (
        "Your opt-out request has been automatically processed. The following owners were "
        "removed:\n- `jane-art`\n- `jane-studio`"
    )
    gh.comment(number, processed, close="completed")
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"confirmed": 2}}
    o.store.close()


# --- the 2026 form, repositories, the bot's answer and a maintainer's question ---------------
REPO_URL = "https://github.com/Jane-Art/Sketches.git"

FORM_2026 = (
    "### Accounts and organizations to remove ENTIRELY\n\n"
    "jane-art\njane-studio\n\n"
    "### Specific repositories to remove\n\n"
    "jane-art/sketches\n\n"
    "### Optional - your relationship to what you listed\n\n"
    "- [x] These are my own personal account(s).\n"
    "- [ ] I am an owner or admin of the organization(s) listed.\n"
    "- [x] I am a maintainer / core contributor of the projects listed.\n\n"
    "### Optional - a link that helps confirm this is you/yours\n\n"
    "_No response_\n\n"
    "### Anything else? (optional)\n\n"
    "Filed with Creator Reserve, reference {key}."
)


def test_the_issue_body_is_the_2026_form_as_github_renders_it(path, gh):
    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    o = optouts(path, gh)
    report = o.submit("bigcode-stack", [*OWNERS, REPO_URL])
    assert report.sent and not report.failed  # the stand-in read it as the form
    key = report.sent[0]["idempotency_key"]
    assert gh.issues[1001]["body"] == FORM_2026.format(key=key)
    assert gh.forms[1001] == {
        "remove_accounts": ["jane-art", "jane-studio"],
        "remove_repos": ["jane-art/sketches"],  # a repository keeps its owner
        "authority": [
            "These are my own personal account(s).",
            "I am a maintainer / core contributor of the projects listed.",
        ],
        "proof": "",
        "notes": f"Filed with Creator Reserve, reference {key}.",
    }
    assert states(o) == {"submitted": 3}
    o.store.close()


def test_only_repositories_leave_the_accounts_box_empty(path, gh):
    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    o = optouts(path, gh)
    body = o.submit("bigcode-stack", ["jane/tools"], dry_run=True).payloads[0]["body"]
    assert body.startswith(
        "### Accounts and organizations to remove ENTIRELY\n\n_No response_\n\n"
        "### Specific repositories to remove\n\njane/tools\n\n"
    )
    assert "- [ ] These are my own personal account(s)." in body
    assert github_issues.parse_form(body)["remove_repos"] == ["jane/tools"]
    o.store.close()


@pytest.mark.parametrize(
    "body",
    [
        # the headings the app wrote before the 2026 form
        "### Accounts and organizations to remove ENTIRELY\n\njane\n\n"
        "### Specific repositories to remove\n\n_No response_\n\n"
        "### Authority\n\n- [X] These are my own accounts\n\n"
        "### Proof\n\n_No response_\n\n### Notes\n\nFiled with Creator Reserve.\n",
        "I request that the following data is removed from The Stack:\n\n - jane\n",
        "### Specific repositories to remove\n\njane\n",  # an account is not owner/repo
        "### Anything else? (optional)\n\nplease remove everything",  # nothing listed
    ],
)
def test_the_stand_in_refuses_bodies_the_processing_would_not_read(path, gh, body):
    with pytest.raises(github_issues.FormError):
        github_issues.parse_form(body)
    import requests

    answer = requests.post(
        f"{gh.url}/repos/{github_issues.REPO}/issues",
        json={"title": "Opt-out request", "body": body},
        headers={"Authorization": f"Bearer {github_issues.TOKEN}"},
        timeout=10,
    )
    assert answer.status_code == 422 and "not the opt-out form" in answer.text
    assert gh.created == 0


def test_the_bots_answer_confirms_accounts_and_repositories(path, gh):
    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    o = optouts(path, gh)
    o.submit("bigcode-stack", [*OWNERS, REPO_URL, "other-owner/lib"])
    reply = gh.process(1001)
    assert reply.startswith("Your opt-out request has been processed, and your data was removed")
    assert "The following repositories were removed:\n- `jane-art/sketches`" in reply
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"confirmed": 4}}
    assert o.store.submissions("bigcode-stack")[0]["state"] == "closed"
    o.store.close()


QUESTION = (
    "Hi @jane, thanks for submitting an opt-out request. Could you specify your affiliation "
    "with `jane-studio`? From a quick glance it seems that you are not the main "
    "maintainer/contributor of the project."
)


def test_a_maintainer_asking_for_proof_of_authority_needs_the_creator(qtbot, gh):
    import json
    import os
    from pathlib import Path

    from creatorapp.gui.optouts_panel import OptOutsPanel
    from tests.integration.test_cli import cli

    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    o = optouts(Path(os.environ["CREATORAPP_CATALOGUE"]), gh)  # the catalogue the CLI reads
    key = o.submit("bigcode-stack", OWNERS).sent[0]["idempotency_key"]
    gh.comment(1001, QUESTION, by="lvwerra")
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"needs_info": 2}}
    [waiting] = o.needs_attention()
    assert waiting["idempotency_key"] == key
    assert waiting["question"].startswith("@lvwerra asks on issue #1001: Hi @jane")
    assert "Could you specify your affiliation with `jane-studio`?" in waiting["reason"]
    assert waiting["remote_url"] in waiting["reason"]  # where to answer

    panel = OptOutsPanel(o)
    qtbot.addWidget(panel)
    [line] = [panel.attention.item(i) for i in range(panel.attention.count())]
    assert "affiliation with `jane-studio`" in line.text() and line.toolTip().startswith("@lvw")
    o.store.close()

    status = cli("optout", "status")
    assert status.returncode == 0, status.stderr
    needs_you = status.stdout.split("Needs you:", 1)[1]
    assert key in needs_you and "Could you specify your affiliation" in needs_you
    doc = json.loads(cli("optout", "status", "--json").stdout)
    assert doc["items"]["bigcode-stack"] == {"needs_info": 2}
    assert "affiliation" in doc["needs_attention"][0]["question"]

    o = optouts(Path(os.environ["CREATORAPP_CATALOGUE"]), gh)
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {}}  # still asked
    gh.comment(
        1001, "I am the admin of jane-studio: https://github.com/orgs/jane-studio", by="jane"
    )
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"acknowledged": 2}}
    assert o.needs_attention() == []  # answered: nothing waits for the creator
    gh.process(1001)
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"confirmed": 2}}
    o.store.close()


def test_a_thank_you_is_no_question(path, gh):
    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    o = optouts(path, gh)
    o.submit("bigcode-stack", OWNERS)
    gh.comment(1001, "Thanks, we will process this with the next release.", by="lvwerra")
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"acknowledged": 2}}
    gh.comment(1001, "Can you confirm that you own these accounts?", by="lvwerra")
    assert o.poll("bigcode-stack", force=True).changes == {"bigcode-stack": {"needs_info": 2}}
    o.store.close()
