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
    console,
    emit_json,
    path_arg,
    safe,
    text_arg,
)
from creatorapp.core.display import counted, shown, shown_block

if TYPE_CHECKING:
    from creatorapp.core.site.sites import Sites


def add_commands(sub: argparse._SubParsersAction) -> None:
    site = sub.add_parser("site", help="your sites: publish ai.txt, robots.txt, TDMRep; verify")
    ssub = site.add_subparsers(dest="site_command", metavar="ACTION", required=True)

    add = ssub.add_parser("add", help="add a site and how to reach its files")
    add.add_argument("name", type=text_arg)
    add.add_argument("--url", required=True, help="the site's address, e.g. https://jane.example")
    add.add_argument(
        "--transport", required=True, help="how files get there: local, sftp, ftp, webdav"
    )
    add.add_argument(
        "--root",
        type=path_arg,
        help="the document root: a local folder, or the folder on the server (sftp)",
    )
    add.add_argument("--host", help="sftp, ftp: the server")
    add.add_argument("--port", type=int, help="sftp, ftp: the port (default 22, 21)")
    add.add_argument("--user", help="sftp, ftp: the user name")
    add.add_argument("--no-tls", action="store_true", help="ftp: plain FTP (passwords in clear)")
    add.add_argument("--ca-file", metavar="PEM", type=path_arg, help="ftp, webdav: trust this CA")
    add.add_argument("--endpoint", metavar="URL", help="webdav: the share's address")
    add.add_argument("--repo", metavar="OWNER/NAME", help="github: the Pages repository")
    add.add_argument("--branch", help="github: the branch Pages publishes from")
    add.add_argument("--folder", default="", help="github: the folder Pages publishes (docs)")
    add.add_argument("--api", metavar="URL", help="github: the API address (GitHub Enterprise)")
    add.add_argument(
        "--key-file", metavar="PATH", type=path_arg, help="sftp: log in with this private key"
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password, token or key passphrase from standard input into the keyring",
    )
    add.add_argument("--policy", default="no-ai", metavar="NAME|FILE", type=text_arg)
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
    publish.add_argument("--json", action="store_true")
    publish.set_defaults(run=run_publish)

    verify = ssub.add_parser("verify", help="check what the live site serves (exit 1 on drift)")
    verify.add_argument("name")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=run_verify)

    trust = ssub.add_parser("trust", help="sftp: show the server's host key and trust it")
    trust.add_argument("name")
    trust.add_argument(
        "--fingerprint", metavar="SHA256:...", help="trust the key only if it is this one"
    )
    trust.set_defaults(run=run_trust)

    remove = ssub.add_parser("remove", help="forget a site (nothing on the server is touched)")
    remove.add_argument("name")
    remove.set_defaults(run=run_remove)


@contextlib.contextmanager
def _sites(args: argparse.Namespace) -> Iterator[Sites]:
    from creatorapp.core.site.sites import Sites

    with catalogue(args) as store:
        yield Sites(store)


def run_add(args: argparse.Namespace) -> int:
    settings: dict = {}
    secret = None
    if args.transport == "local":
        if not args.root:
            raise UsageError("a local site needs --root FOLDER")
        root = Path(args.root).expanduser().resolve()
        if not root.is_dir():
            raise UsageError(f"not a folder: {args.root}")
        settings["root"] = str(root)
    elif args.transport in ("sftp", "ftp"):
        missing = [o for o in ("host", "user", "root") if not getattr(args, o)]
        if missing:
            raise UsageError(
                f"an {args.transport} site needs " + ", ".join(f"--{m}" for m in missing)
            )
        default_port = 22 if args.transport == "sftp" else 21
        settings = {"host": args.host, "port": args.port or default_port, "user": args.user}
        settings["root"] = args.root
        if args.key_file:
            settings["key_file"] = str(Path(args.key_file).expanduser().resolve())
        if args.transport == "ftp":
            settings["tls"] = not args.no_tls
            if args.ca_file:
                settings["ca_file"] = str(Path(args.ca_file).expanduser().resolve())
    elif args.transport == "webdav":
        if not args.endpoint:
            raise UsageError("a webdav site needs --endpoint URL")
        settings = {"endpoint": args.endpoint, "user": args.user}
        if args.ca_file:
            settings["ca_file"] = str(Path(args.ca_file).expanduser().resolve())
    elif args.transport == "github":
        if not args.repo or "/" not in args.repo:
            raise UsageError("a github site needs --repo OWNER/NAME")
        settings = {"repo": args.repo, "folder": args.folder}
        if args.branch:
            settings["branch"] = args.branch
        if args.api:
            settings["api"] = args.api
        if not args.password_stdin:
            raise UsageError(
                "a github site needs its token: pass it on stdin with --password-stdin"
            )
    if args.password_stdin:
        secret = sys.stdin.readline().rstrip("\n")
    options = {
        "host_policy": args.host_policy,
        "content_usage": not args.no_content_usage,
        "content_signal": not args.no_content_signal,
    }
    with _sites(args) as sites:
        record = sites.add(
            args.name,
            args.url,
            args.transport,
            settings,
            policy=args.policy,
            options=options,
            sample_image=args.sample_image,
        )
        if secret:
            from creatorapp.core import secrets

            kind = "sftp-key" if settings.get("key_file") else record.transport
            secrets.put(kind, record.name, secret)
    print(
        f"Added site {shown(record.name)} ({shown(record.url)}, {record.transport}, "
        f"policy {record.policy})"
    )
    if record.transport == "sftp":
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
    console(file=sys.stdout).print(table)
    return EXIT_OK


def run_render(args: argparse.Namespace) -> int:
    from creatorapp.core.site import publisher

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
        report = sites.publish(args.name, dry_run=args.dry_run)
    if args.json:
        emit_json(
            {
                "site": args.name,
                "dry_run": args.dry_run,
                "changed": [c.path for c in report.changes],
                "unchanged": report.unchanged,
                "warnings": report.warnings,
                "diff": {c.path: c.diff() for c in report.changes},
            }
        )
        return EXIT_OK
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
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    with _sites(args) as sites:
        report = sites.verify(args.name)
    if args.json:
        emit_json({"site": args.name, **report.as_json()})
        return EXIT_OK if report.ok else EXIT_FAILED
    for check in report.checks:
        mark = "ok  " if check.ok else "FAIL"
        print(f"{mark} {shown(check.name)}" + (f": {shown(check.detail)}" if check.detail else ""))
    for path, diff in report.drift.items():
        print(f"DRIFT /{shown(path)} differs from what was published:")
        sys.stdout.write(shown_block(diff))  # what the server serves: outside text
    print(f"{shown(args.name)}: {'verified' if report.ok else 'problems found'}")
    return EXIT_OK if report.ok else EXIT_FAILED


def run_trust(args: argparse.Namespace) -> int:
    from creatorapp.core.publish import sftp

    with _sites(args) as sites:
        record = sites.get(args.name)
    if record.transport != "sftp":
        raise UsageError(f"{args.name} is not an sftp site; only sftp has host keys")
    host, port = record.settings["host"], int(record.settings.get("port", 22))
    if not args.fingerprint:
        key = sftp.server_key(host, port)
        print(f"{shown(host)}:{port} presents {key.get_name()} key {sftp.fingerprint(key)}")
        print(
            "Compare it with the fingerprint your hosting provider shows, then run: "
            f"creatorapp site trust {args.name} --fingerprint {sftp.fingerprint(key)}"
        )
        return EXIT_OK
    sftp.trust(host, port, args.fingerprint)
    print(f"Trusted {shown(host)}:{port} ({shown(args.fingerprint)})")
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    with _sites(args) as sites:
        sites.remove(args.name)
    print(f"Removed site {shown(args.name)} (nothing on the server was touched)")
    return EXIT_OK
