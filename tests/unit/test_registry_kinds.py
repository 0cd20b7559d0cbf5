"""Kinds of destination are found, not listed: a new kind is one new module, and what it
declares (its settings, its poll schedule, what it leaves to the creator) is all the outbox, the
descriptors and the shells need."""

from __future__ import annotations

import pytest

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.adapters.base import Adapter
from creatorapp.core.optouts.advice import Advice
from creatorapp.core.optouts.descriptor import DescriptorError, load_all, parse, parse_duration
from creatorapp.core.optouts.kinds import PACKAGE, AdapterKinds, installed
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.optouts.times import parse as parse_time

ECHO = '''
"""A destination that echoes what it is sent."""
from typing import ClassVar

from creatorapp.core.optouts import settings
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, Outcome, Sent
from creatorapp.core.optouts.http import RegistryError
from creatorapp.core.optouts.model import ItemState


class Echo(Adapter):
    kind: ClassVar[str] = "echo"
    submit_mode: ClassVar[str] = "echo_post"
    status_mode: ClassVar[str] = "echo_reply"
    settings = settings.token("Echo key", "the key the echo service gave you")
    capabilities = Capabilities(answers_in_words=True, poll_schedule=("2h",))

    def render(self, targets, key, part):
        return {"targets": targets, "key": key}

    def send(self, payload, key):
        if not self.secret:
            raise RegistryError("no echo key", retryable=False, hint=self.set_up_hint())
        return Sent(ItemState.SUBMITTED, remote_ref=key)

    def poll(self, submission, items):
        return [Outcome(i["id"], ItemState.ACKNOWLEDGED, "echoed") for i in items]
'''

DESCRIPTOR = """
id = "echo-dest"
name = "The Echo Service"
version = 1
submit_mode = "echo_post"
adapter = "echo"
status_mode = "echo_reply"
unit = "url"
min_batch = 1
max_batch = 100
auth_kind = "api_key"
identity_proof = "none"
legal_basis = "CDSM Art. 4(3)"
expected_turnaround_days = 30
checked = "2026-12-02"
"""

URLS = [f"https://jane.example/art/{i}.jpg" for i in range(3)]


def test_a_new_kind_of_destination_is_one_new_file(tmp_path, monkeypatch):
    package = tmp_path / "more_kinds"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "echo.py").write_text(ECHO)
    monkeypatch.syspath_prepend(str(tmp_path))
    kinds = AdapterKinds.discover(PACKAGE, "more_kinds")
    assert "echo" in kinds and set(installed().names()) < set(kinds.names())
    with pytest.raises(DescriptorError, match="submit_mode must be one of"):
        parse(DESCRIPTOR, "echo.toml")  # the installed kinds do not know it
    descriptor = parse(DESCRIPTOR, "echo.toml", kinds)

    store = open_catalogue(tmp_path / "c.sqlite3")
    o = OptOuts(store, {"echo-dest": descriptor}, kinds=kinds)
    [failure] = o.submit("echo-dest", URLS).failed  # persisted; it needs its declared key
    assert failure.hint.advice is Advice.SET_UP and failure.hint.missing == ("token",)
    [waiting] = o.needs_attention()
    assert waiting["hint"].group == "token" and waiting["hint"].subject == "echo-dest"

    group = o.destinations.own_secret("echo-dest")  # set like every other destination's token
    o.destinations.settings.apply(group, {"token": "echo-key-1"}, "echo-dest")
    [sent] = o.send_queued()
    assert sent.sent and o.status() == {"echo-dest": {"submitted": 3}}
    submission = store.submissions("echo-dest")[0]
    wait = parse_time(submission["next_poll_at"]) - parse_time(submission["sent_at"])
    assert abs(wait.total_seconds() - 7200) < 60  # the schedule the kind declares

    assert o.poll(force=True).changes == {"echo-dest": {"acknowledged": 3}}
    [answered] = o.needs_attention()  # its answers are in words: the creator records them
    assert answered["hint"].advice is Advice.RESOLVE
    store.close()


def test_every_installed_kind_declares_itself_and_every_descriptor_has_one():
    kinds = installed()
    assert set(kinds.names()) == {
        "browser_form",
        "email",
        "github_issue",
        "hf_discussion",
        "spawning_handoff",
        "tdmai_declaration",
    }
    for adapter in kinds:
        assert issubclass(adapter, Adapter)
        assert adapter.submit_mode and adapter.status_mode, adapter.kind
        for step in adapter.capabilities.poll_schedule:
            assert parse_duration(step) > 0, adapter.kind
        for setting in adapter.settings.settings if adapter.settings else ():
            assert setting.label and setting.help, (adapter.kind, setting.name)
    for descriptor in load_all().values():
        assert descriptor.kind in kinds, descriptor.id
    # what the poll table and the list of kinds whose answers need reading used to say
    assert kinds.get("email").capabilities.poll_schedule == ("1h",)
    assert {a.kind for a in kinds if a.capabilities.answers_in_words} == {
        "browser_form",
        "email",
        "hf_discussion",
    }


def test_two_modules_declaring_one_kind_are_refused(tmp_path, monkeypatch):
    package = tmp_path / "twice"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text(ECHO)
    (package / "two.py").write_text(ECHO)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="two adapters of kind 'echo'"):
        AdapterKinds.discover("twice")
