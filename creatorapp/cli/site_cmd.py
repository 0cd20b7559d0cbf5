"""``creatorapp site add|list|render|publish|verify|remove``: declarations on the creator's
sites."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    catalogue,
    emit_json,
    path_arg,
    safe,
    table_console,
    text_arg,
)
from creatorapp.core.text.display import counted, shown, shown_block
from creatorapp.errors import UserError

if TYPE_CHECKING:
    from creatorapp.core.sites.sites import Sites


def add_commands(sub: argparse._SubParsersAction) -> None:
    site = sub.add_parser("site", help="your sites: publish ai.txt, robots.txt, TDMRep; verify")
    ssub = site.add_subparsers(dest="site_command", metavar="ACTION", required=True)

    add = ssub.add_parser("add", help="add a site and how to reach its files")
    add.add_argument("name", type=text_arg)
    add.add_argument("--url", required=True, help="the site's address, e.g. https://jane.example")
    _add_transport_flags(add)
    add.add_argument(
        "--policy",
        default="no-ai",
        metavar="NAME|FILE",
        type=text_arg,
        help="a preset, a policy of yours, or a policy file (.toml; a copy is kept with your "
        "policies) (default: no-ai)",
    )
    add.add_argument("--sample-image", metavar="PATH", help="an image on the site to check")
    add.add_argument("--host-policy", action="store_true", help="publish the policy page too")
    add.add_argument("--no-content-usage", action="store_true", help="leave out Content-Usage")
    add.add_argument("--no-content-signal", action="store_true", help="leave out Content-Signal")
    add.set_defaults(run=run_add)

    lister = ssub.add_parser("list", help="your sites and when they were last published")
    lister.add_argument("--json", action="store_true")
    lister.set_defaults(run=run_list)

    render = ssub.add_parser("render", help="write what would be published, plus server snippets")
    render.add_argument("name")
    render.add_argument("--out", required=True, metavar="DIR", type=path_arg)
    render.set_defaults(run=run_render)

    publish = ssub.add_parser("publish", help="merge the declarations into the site")
    publish.add_argument("name")
    publish.add_argument("--dry-run", action="store_true", help="show the diff; write nothing")
    publish.add_argument(
        "--no-verify",
        action="store_true",
        help="skip the live check that follows publishing (exit 1 when it finds problems)",
    )
    publish.add_argument("--json", action="store_true")
    publish.set_defaults(run=run_publish)

    verify = ssub.add_parser("verify", help="check what the live site serves (exit 1 on drift)")
    verify.add_argument("name")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=run_verify)

    trust = ssub.add_parser("trust", help="show the server's host key (sftp) and trust it")
    trust.add_argument("name")
    trust.add_argument(
        "--fingerprint", metavar="SHA256:...", help="trust the key only if it is this one"
    )
    trust.set_defaults(run=run_trust)

    remove = ssub.add_parser("remove", help="forget a site (nothing on the server is touched)")
    remove.add_argument("name")
    remove.set_defaults(run=run_remove)

    crawlers = ssub.add_parser(
        "crawlers", help="the AI crawlers robots.txt knows, and which a site or policy turns away"
    )
    which = crawlers.add_mutually_exclusive_group()
    which.add_argument("--site", metavar="NAME", type=text_arg, help="what this site turns away")
    which.add_argument(
        "--policy", metavar="NAME|FILE", type=text_arg, help="what this policy turns away"
    )
    crawlers.add_argument(
        "--refresh",
        metavar="FILE|URL",
        type=text_arg,
        help="bring the list up to date from ai.robots.txt's robots.json (a downloaded file or "
        "its address); checked before use, kept in the app's data folder",
    )
    crawlers.add_argument("--json", action="store_true")
    crawlers.set_defaults(run=run_crawlers)


SETTING_DEST = "setting_"  # argparse's name for a transport setting's flag


def _add_transport_flags(add: argparse.ArgumentParser) -> None:
    """``--transport`` and a flag for every setting any transport declares.  Transports that
    share a setting's name share its flag (``--root``, ``--host``); its help says which use
    it."""
    from creatorapp.core.sites.transports.base import REGISTRY
    from creatorapp.core.sites.transports.settings import Type

    classes = REGISTRY.classes()
    add.add_argument(
        "--transport",
        required=True,
        help="how files get there: " + ", ".join(f"{c.KIND} ({c.TITLE})" for c in classes),
    )
    flags: dict[str, list] = {}
    for cls in classes:
        for setting in cls.SETTINGS:
            if not setting.secret:
                flags.setdefault(_flag(setting), []).append((cls.KIND, setting))
    for flag, uses in flags.items():
        first = uses[0][1]
        helps: dict[str, list[str]] = {}
        for kind, setting in uses:
            said = setting.help or setting.label
            if _flag(setting).startswith("--no-"):
                said = f"do not {setting.label[0].lower()}{setting.label[1:]}: {said}"
            helps.setdefault(said, []).append(kind)
        text = "; ".join(f"{', '.join(kinds)}: {h}" for h, kinds in helps.items())
        defaults = [str(s.default) for _, s in uses if s.default not in (None, "", True, False)]
        if defaults:
            text += f" (default {', '.join(defaults)})"
        common = {"dest": SETTING_DEST + first.name, "help": text.replace("%", "%%")}
        types = {s.type for _, s in uses}
        if types == {Type.BOOL}:
            on = first.default is not True
            add.add_argument(flag, action="store_const", const=on, default=None, **common)
        elif types == {Type.INT}:
            add.add_argument(flag, type=int, metavar="N", **common)
        elif types == {Type.CHOICE}:
            add.add_argument(flag, choices=first.choices, **common)
        else:
            paths = types & {Type.PATH, Type.FOLDER}
            add.add_argument(flag, type=path_arg if paths else text_arg, metavar=_metavar(first),
                             **common)  # fmt: skip
    secrets = sorted({s.label.lower() for c in classes for s in c.SETTINGS if s.secret})
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the site's secret ({', '.join(secrets)}) from standard input into the keyring",
    )


def _flag(setting) -> str:
    """A setting's flag: its name with dashes; a switch that is on unless said otherwise is
    turned off with ``--no-NAME`` (``--no-tls``)."""
    from creatorapp.core.sites.transports.settings import Type

    name = setting.name.replace("_", "-")
    return f"--no-{name}" if setting.type is Type.BOOL and setting.default is True else f"--{name}"


def _metavar(setting) -> str:
    from creatorapp.core.sites.transports.settings import Type

    if setting.example.isupper():
        return setting.example
    return {Type.URL: "URL", Type.PATH: "PATH", Type.FOLDER: "DIR"}.get(
        setting.type, setting.name.upper()
    )


def _advice(exc: Exception, args: argparse.Namespace) -> str | None:
    """The command line's words for what to do about a problem core reported by code, or
    None when the message says it all."""
    from creatorapp.core.sites.sites import UNKNOWN_SITE
    from creatorapp.core.sites.transports.base import Problem, transport_class

    code = getattr(exc, "code", None)
    facts = getattr(exc, "facts", {})
    name = getattr(args, "name", "NAME")
    if code == UNKNOWN_SITE:
        return f"{exc} (see 'creatorapp site list')"
    if code == Problem.SETTING_MISSING:
        cls = transport_class(facts["kind"])
        flags = ", ".join(_flag(cls.setting(s)) for s in facts["settings"])
        return f"{cls.noun()} needs {flags}"
    if code == Problem.SETTING_INVALID:
        cls = transport_class(facts["kind"])
        return f"{exc} ({_flag(cls.setting(facts['setting']))})"
    if code == Problem.SECRET_MISSING:
        if args.site_command == "add":
            return f"{exc}: pass it on standard input with --password-stdin"
        return f"{exc}: add the site again with --password-stdin"
    if code == Problem.HOST_KEY_UNKNOWN:
        return (
            f"{exc}. If that is your server's key, trust it with: creatorapp site trust "
            f"{name} --fingerprint {facts['fingerprint']}"
        )
    return None


@contextlib.contextmanager
def _sites(args: argparse.Namespace) -> Iterator[Sites]:
    from creatorapp.core.sites.sites import Sites

    with catalogue(args) as store:
        try:
            yield Sites(store)
        except UserError as exc:
            advice = _advice(exc, args)
            if advice is None:
                raise
            raise UsageError(advice) from None


def _settings_given(args: argparse.Namespace) -> dict:
    return {
        key.removeprefix(SETTING_DEST): value
        for key, value in vars(args).items()
        if key.startswith(SETTING_DEST) and value is not None
    }


def run_add(args: argparse.Namespace) -> int:
    from creatorapp.core.sites.transports.base import Capability, transport_class

    given = _settings_given(args)
    secret = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    options = {
        "host_policy": args.host_policy,
        "content_usage": not args.no_content_usage,
        "content_signal": not args.no_content_signal,
    }
    with _sites(args) as sites:
        cls = transport_class(args.transport)
        unused = sorted(set(given) - {s.name for s in cls.SETTINGS})
        for setting in unused:
            flag = "--" + setting.replace("_", "-")
            print(f"warning: {flag} does not apply to {cls.noun()}; ignored", file=sys.stderr)
        record = sites.add(
            args.name,
            args.url,
            args.transport,
            given,
            secret=secret,
            ready=True,
            policy=args.policy,
            options=options,
            sample_image=args.sample_image,
        )
    print(
        f"Added site {shown(record.name)} ({shown(record.url)}, {record.transport}, "
        f"policy {record.policy})"
    )
    if record.policy != args.policy:  # a policy file: the site names the copy kept
        from creatorapp.core.policy import policies_dir

        kept = policies_dir() / f"{record.policy}.toml"
        print(f"The policy in {shown(args.policy)} is kept as {shown(str(kept))}; edit it there")
    if Capability.HOST_KEY in cls.CAPABILITIES:
        print(f"Next: check the server's key with 'creatorapp site trust {record.name}'")
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    with _sites(args) as sites:
        records = sites.store.sites()
    if args.json:
        for record in records:
            emit_json(record.as_json())
        return EXIT_OK
    if not records:
        print("No sites yet. Add one with 'creatorapp site add NAME --url URL --transport ...'.")
        return EXIT_OK
    from rich.table import Table

    table = Table("site", "address", "transport", "policy", "published", "verified")
    for r in records:
        verified = "never" if r.verified_at is None else ("ok" if r.verify_ok else "PROBLEMS")
        table.add_row(
            safe(r.name),
            safe(r.url),
            safe(r.transport),
            safe(r.policy),
            r.published_at or "never",
            verified,
        )
    table_console(table).print(table)
    return EXIT_OK


def run_render(args: argparse.Namespace) -> int:
    from creatorapp.core.sites import publisher

    with _sites(args) as sites:
        site = sites.config(sites.get(args.name))
    out = Path(args.out).expanduser()
    try:
        for path, text in publisher.render_all(site).items():
            target = out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write into {out} ({exc.strerror or exc})") from None
    print(f"Wrote the declarations and server snippets for {shown(site.name)} into {shown(out)}")
    return EXIT_OK


def run_publish(args: argparse.Namespace) -> int:
    with _sites(args) as sites:
        report = sites.publish(args.name, dry_run=args.dry_run, verify=not args.no_verify)
    live = report.verified
    ok = live is None or live.ok
    if args.json:
        emit_json(
            {
                "site": args.name,
                "dry_run": args.dry_run,
                "changed": [c.path for c in report.changes],
                "unchanged": report.unchanged,
                "warnings": report.warnings,
                "diff": {c.path: c.diff() for c in report.changes},
                "verify": None if live is None else live.as_json(),
            }
        )
        return EXIT_OK if ok else EXIT_FAILED
    for change in report.changes:
        sys.stdout.write(shown_block(change.diff()))  # what the server held: outside text
    for warning in report.warnings:
        print(f"warning: {shown(warning)}", file=sys.stderr)
    files = counted(len(report.changes), "file")
    if not report.changes:
        print(f"{shown(args.name)}: already up to date; nothing written")
    elif args.dry_run:
        print(f"Dry run: {files} would change; nothing written")
    else:
        print(f"Published {files} to {shown(args.name)}")
    if live is not None:
        _show_checks(live)
        print(
            f"{shown(args.name)}: the live site serves what was published"
            if live.ok
            else f"{shown(args.name)}: published, but the live site shows problems"
        )
    return EXIT_OK if ok else EXIT_FAILED


def _show_checks(report) -> None:
    for check in report.checks:
        mark = "ok  " if check.ok else "FAIL"
        print(f"{mark} {shown(check.name)}" + (f": {shown(check.detail)}" if check.detail else ""))
    for path, diff in report.drift.items():
        print(f"DRIFT /{shown(path)} differs from what was published:")
        sys.stdout.write(shown_block(diff))  # what the server serves: outside text


def run_verify(args: argparse.Namespace) -> int:
    with _sites(args) as sites:
        report = sites.verify(args.name)
    if args.json:
        emit_json({"site": args.name, **report.as_json()})
        return EXIT_OK if report.ok else EXIT_FAILED
    _show_checks(report)
    print(f"{shown(args.name)}: {'verified' if report.ok else 'problems found'}")
    return EXIT_OK if report.ok else EXIT_FAILED


def run_trust(args: argparse.Namespace) -> int:
    from creatorapp.core.sites.transports.base import Capability, transport_class

    with _sites(args) as sites:
        record = sites.get(args.name)
        cls = transport_class(record.transport)
        if Capability.HOST_KEY not in cls.CAPABILITIES:
            raise UsageError(f"{args.name} is {cls.noun()}, which has no host key to trust")
        where = f"{shown(record.settings.get('host'))}:{record.settings.get('port')}"
        if not args.fingerprint:
            kind, fingerprint = cls.presented_key(record.settings)
            print(f"{where} presents {kind} key {fingerprint}")
            print(
                "Compare it with the fingerprint your hosting provider shows, then run: "
                f"creatorapp site trust {args.name} --fingerprint {fingerprint}"
            )
            return EXIT_OK
        cls.trust(record.settings, args.fingerprint)
    print(f"Trusted {where} ({shown(args.fingerprint)})")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    with _sites(args) as sites:
        sites.remove(args.name)
    print(f"Removed site {shown(args.name)} (nothing on the server was touched)")
    return EXIT_OK


def run_crawlers(args: argparse.Namespace) -> int:
    from creatorapp.cli.common import policy_arg
    from creatorapp.core.policy.signals import site_signals
    from creatorapp.core.sites import crawlers as crawler_list

    refreshed = crawler_list.refresh(args.refresh) if args.refresh else None
    if refreshed is not None and not args.json:
        found = refreshed.crawlers
        print(
            f"Crawler list refreshed from {shown(args.refresh)}: "
            f"{counted(len(found.agents), 'agent')}, "
            f"{len(refreshed.added)} new, {len(refreshed.removed)} no longer listed"
            + (f" ({', '.join(shown(t) for t in refreshed.removed)})" if refreshed.removed else "")
        )
        if refreshed.skipped:
            print(
                f"Left out {counted(len(refreshed.skipped), 'name')} (not robots.txt product "
                "tokens, or plain search engines): "
                + ", ".join(shown(t) for t in refreshed.skipped)
            )
        if not (args.site or args.policy):
            return EXIT_OK
    listed = crawler_list.load()
    policy = None
    if args.site:
        with _sites(args) as sites:
            policy = sites.config(sites.get(args.site)).policy
    elif args.policy:
        policy = policy_arg(args.policy)
    purposes = site_signals(policy).crawlers if policy is not None else frozenset()
    blocked = set(listed.blocked(purposes))
    if args.json:
        emit_json(
            {
                "source": listed.source,
                "commit": listed.commit,
                "checked": listed.checked,
                "refreshed_copy": None if listed.path is None else str(listed.path),
                "problem": listed.problem,
                "policy": None if policy is None else policy.name,
                "turns_away": sorted(p.value for p in purposes),
                "refresh": None
                if refreshed is None
                else {
                    "added": refreshed.added,
                    "removed": refreshed.removed,
                    "skipped": refreshed.skipped,
                },
                "agents": [
                    {"token": token, **agent.as_json(), "turned_away": token in blocked}
                    for token, agent in listed.agents.items()
                ],
            }
        )
        return EXIT_OK
    where = "the list shipped with the app" if listed.path is None else shown(listed.path)
    print(
        f"{len(listed.agents)} AI crawlers from {shown(listed.source)} "
        f"(checked {listed.checked}; {where})"
    )
    if listed.problem:
        print(f"warning: {shown(listed.problem)}; using the list shipped with the app",
              file=sys.stderr)  # fmt: skip
    from rich.table import Table

    columns = ["agent", "operator", "purpose"] + (["turned away"] if policy else [])
    table = Table(*columns)
    for token, agent in listed.agents.items():
        row = [safe(token), safe(agent.operator[:40]), agent.purpose.value]
        table.add_row(*row, *(["yes" if token in blocked else "no"] if policy else []))
    table_console(table).print(table)
    if policy is not None:
        said = ", ".join(p.value for p in sorted(purposes)) or "none"
        print(
            f"{shown(policy.title or policy.name)} turns away the crawlers for: {said} "
            f"({len(blocked)} of {counted(len(listed.agents), 'agent')})"
        )
    return EXIT_OK
