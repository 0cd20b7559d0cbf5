"""``creatorapp identity create|import|show``: who signs the Content Credentials."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from creatorapp.cli.common import EXIT_OK, emit_json, path_arg
from creatorapp.core.text.display import shown


def add_commands(sub: argparse._SubParsersAction) -> None:
    identity = sub.add_parser("identity", help="the signing identity for Content Credentials")
    isub = identity.add_subparsers(dest="identity_command", metavar="ACTION", required=True)

    create = isub.add_parser(
        "create", help="make a personal, self-issued identity (a local CA and your certificate)"
    )
    create.add_argument("--name", required=True, help="your name, as credentials will show it")
    create.add_argument("--org", help="organisation (default: your name)")
    create.add_argument("--email")
    create.set_defaults(run=run_create)

    imp = isub.add_parser("import", help="use your own certificate and key (PEM or PKCS#12)")
    imp.add_argument(
        "certificate", metavar="CERT", type=path_arg, help="PEM chain (leaf first) or .p12/.pfx"
    )
    imp.add_argument(
        "--key", metavar="FILE", type=path_arg, help="the PEM private key (not for .p12)"
    )
    imp.add_argument(
        "--passphrase-stdin", action="store_true", help="read the key's passphrase from stdin"
    )
    imp.set_defaults(run=run_import)

    stamp = isub.add_parser(
        "timestamp", help="date every signature with an RFC 3161 timestamp server (or --off)"
    )
    stamp.add_argument("url", nargs="?", metavar="URL")
    stamp.add_argument("--off", action="store_true", help="sign offline again")
    stamp.set_defaults(run=run_timestamp)

    show = isub.add_parser("show", help="the identity credentials are signed with")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=run_show)


def _print(identity, as_json: bool = False) -> None:
    from creatorapp.core.proof.identity import key_kept_in

    info = identity.describe()
    kept = key_kept_in()
    if as_json:
        emit_json({**info, "key_kept_in": kept})
        return
    # names in a certificate are whatever its issuer wrote: shown escaped
    print(f"Signer:    {shown(info['subject'])}")
    print(f"Algorithm: {shown(info['algorithm'])}")
    for cert in info["certificates"]:
        print(f"Issued by: {shown(cert['issuer'])} (valid until {cert['not_after']})")
    if info["timestamp_url"]:
        print(f"Timestamps: {shown(info['timestamp_url'])} (asked for every file signed)")
    else:
        print("Timestamps: none (signed offline)")
    if info["self_issued"]:
        print(
            "Self-issued: this app trusts it, and files verify as Trusted here; public "
            "verifiers will show the signer as unrecognised."
        )
    if kept:
        print(f"The private key is kept only in {shown(kept)}.")
    else:
        print("The private key is missing: create or import the identity again.")


def run_create(args: argparse.Namespace) -> int:
    from creatorapp.core.proof import identity

    _print(identity.create(args.name, organisation=args.org, email=args.email))
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from creatorapp.core.proof import identity

    passphrase = sys.stdin.readline().rstrip("\n") if args.passphrase_stdin else None
    key = Path(args.key) if args.key else None
    _print(identity.import_files(Path(args.certificate), key, passphrase))
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from creatorapp.core.proof import identity

    _print(identity.load(), args.json)
    return EXIT_OK


def run_timestamp(args: argparse.Namespace) -> int:
    from creatorapp.cli.common import UsageError
    from creatorapp.core.proof import identity

    if args.off == bool(args.url):
        raise UsageError("give a timestamp server URL, or --off")
    _print(identity.set_timestamp_url(None if args.off else args.url))
    return EXIT_OK
