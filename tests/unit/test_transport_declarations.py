"""Transports are declarations: the registry finds them, their settings are well formed and
match what each class takes, and the one validation turns what a person gave into settings."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from creatorapp.core import secrets
from creatorapp.core.sites.transports import base
from creatorapp.core.sites.transports.base import (
    REGISTRY,
    Problem,
    Registry,
    Transport,
    TransportError,
    validate,
)
from creatorapp.core.sites.transports.settings import Setting, Type

OLD_FLAGS = (  # what README and scripts already use
    "--root", "--host", "--port", "--user", "--no-tls", "--ca-file", "--endpoint", "--repo",
    "--branch", "--folder", "--api", "--key-file", "--password-stdin",
)  # fmt: skip


def test_every_module_of_the_package_is_found_and_listed_by_rank():
    kinds = base.kinds()
    assert set(kinds) >= {"local", "sftp", "ftp", "webdav", "github", "s3"}
    ranks = [REGISTRY.get(k).RANK for k in kinds]
    assert ranks == sorted(ranks)


class _Fake(Transport):
    def read(self, path):
        return None

    def write_atomic(self, path, data):
        pass

    def delete(self, path):
        pass


def _kind(kind: str, rank: int, title: str = "T") -> type[Transport]:
    return type(f"K{kind}", (_Fake,), {"KIND": kind, "TITLE": title, "RANK": rank})


def test_registration_order_never_decides_the_list():
    first, second = (
        Registry("creatorapp.core.sites.transports"),
        Registry("creatorapp.core.sites.transports"),
    )
    a, b, c = _kind("a", 30), _kind("b", 10), _kind("c", 20)
    for cls in (a, b, c):
        first.register(cls)
    for cls in (c, a, b):
        second.register(cls)
    first._discovered = second._discovered = True  # only these three
    assert first.kinds() == second.kinds() == ("b", "c", "a")


def test_a_kind_cannot_be_registered_twice():
    registry = Registry("creatorapp.core.sites.transports")
    registry.register(_kind("twice", 1))
    with pytest.raises(TypeError, match="two transports called 'twice'"):
        registry.register(type("Other", (_Fake,), {"KIND": "twice", "TITLE": "x"}))


@pytest.mark.parametrize("kind", base.kinds())
def test_declarations_are_well_formed_and_match_the_class(kind):
    cls = REGISTRY.get(kind)
    assert cls.TITLE and cls.noun().startswith(("a ", "an "))
    names = [s.name for s in cls.SETTINGS]
    assert len(names) == len(set(names))
    takes = inspect.signature(cls.__init__).parameters
    for setting in cls.SETTINGS:
        assert setting.name in takes, f"{kind} does not take {setting.name}"
        assert setting.label
        if setting.secret:
            assert setting.default is None and setting.type is Type.STR
        if setting.type is Type.CHOICE:
            assert setting.default in setting.choices
        if setting.type is Type.INT and setting.default is not None and setting.bounds:
            assert setting.bounds[0] <= setting.default <= setting.bounds[1]
    required = {n for n, p in takes.items() if p.default is inspect.Parameter.empty} - {"self"}
    assert required <= {s.name for s in cls.SETTINGS if s.required or s.default is not None}


def test_validate_fills_defaults_makes_paths_absolute_and_leaves_out_what_is_not_declared(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "id_ed25519").write_text("key")
    settings = validate(
        "sftp",
        {"host": " h.example ", "user": "jane", "root": "/www", "key_file": "id_ed25519",
         "repo": "not/sftp"},
    )  # fmt: skip
    assert settings == {
        "host": "h.example",
        "port": 22,
        "user": "jane",
        "root": "/www",
        "key_file": str(tmp_path / "id_ed25519"),
    }
    assert validate("ftp", {"host": "h", "user": "u", "root": "/", "tls": False})["tls"] is False


def test_validate_says_everything_missing_at_once():
    with pytest.raises(TransportError) as caught:
        validate("sftp", {"port": 2222})
    assert caught.value.code is Problem.SETTING_MISSING
    assert caught.value.facts["settings"] == ["host", "user", "root"]
    assert str(caught.value) == "an SFTP site needs its server, user name and folder on the server"


@pytest.mark.parametrize(
    ("kind", "values", "setting", "words"),
    [
        ("github", {"repo": "just-a-name"}, "repo", "the repository must look like OWNER/NAME"),
        ("sftp", {"host": "h", "user": "u", "root": "/", "port": "ssh"}, "port", "whole number"),
        ("sftp", {"host": "h", "user": "u", "root": "/", "port": 70000}, "port", "between 1"),
        (
            "webdav",
            {"endpoint": "dav.example"},
            "endpoint",
            "the WebDAV address must start with https://",
        ),
        ("s3", {"bucket": "b", "access_key_id": "k", "addressing": "dns"}, "addressing", "one of"),
        ("local", {"root": "/no/such/folder"}, "root", "not a folder"),
    ],
)
def test_validate_refuses_a_wrong_value_naming_the_setting(kind, values, setting, words):
    with pytest.raises(TransportError, match=words) as caught:
        validate(kind, values, "secret")
    assert caught.value.code is Problem.SETTING_INVALID
    assert caught.value.facts == {"kind": kind, "setting": setting}


def test_files_on_this_computer_and_the_secret_are_asked_for_only_when_ready():
    assert validate("local", {"root": "/no/such/folder"}, ready=False) == {
        "root": str(Path("/no/such/folder").resolve())
    }
    assert validate("github", {"repo": "o/n"}, ready=False) == {"repo": "o/n", "folder": ""}
    with pytest.raises(TransportError) as caught:
        validate("github", {"repo": "o/n"})
    assert caught.value.code is Problem.SECRET_MISSING and caught.value.facts["setting"] == "token"


def test_an_unknown_kind_has_its_code():
    with pytest.raises(TransportError, match="unknown transport 'pigeon'") as caught:
        validate("pigeon", {})
    assert caught.value.code is Problem.UNKNOWN_KIND


class _Opened(_Fake):
    KIND, TITLE = "opened", "Opened"
    SETTINGS = (
        Setting("where", "Where", required=True),
        Setting("key_file", "Key", Type.PATH),
        Setting("password", "Password", secret=True),
        Setting("passphrase", "Passphrase", secret=True, vault="opened-key"),
    )

    @classmethod
    def secret_setting(cls, settings):
        return cls.setting("passphrase" if settings.get("key_file") else "password")

    def __init__(self, **given):
        self.given = given


def test_connect_reads_the_one_secret_the_settings_log_in_with_from_its_vault():
    secrets.put("opened", "site", "pw")
    secrets.put("opened-key", "site", "phrase")
    assert _Opened.connect("site", {"where": "x"}).given == {"where": "x", "password": "pw"}
    with_key = _Opened.connect("site", {"where": "x", "key_file": "/k", "other": 1})
    assert with_key.given == {"where": "x", "key_file": "/k", "passphrase": "phrase"}
    given_now = _Opened.connect("site", {"where": "x"}, secret="typed")
    assert given_now.given["password"] == "typed"  # a connection test: the keyring is not read
    with pytest.raises(TransportError) as caught:
        _Opened.connect("site", {})
    assert caught.value.code is Problem.SETTING_MISSING


def test_the_command_line_keeps_every_flag_it_had_and_offers_every_kind():
    from creatorapp.cli.main import build_parser

    parser = build_parser()
    site = next(a for a in parser._subparsers._group_actions[0].choices["site"]._actions
                if a.dest == "site_command")  # fmt: skip
    add = site.choices["add"]
    flags = {option for action in add._actions for option in action.option_strings}
    assert set(OLD_FLAGS) <= flags
    assert {"--bucket", "--endpoint-url", "--access-key-id", "--addressing"} <= flags
    help_text = add.format_help()
    for kind in base.kinds():
        assert kind in help_text
