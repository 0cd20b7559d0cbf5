"""``creatorapp catalogue init``: making a catalogue is an explicit step.

The default catalogue (and ``$CREATORAPP_CATALOGUE``) makes itself on first use; one named with
``--catalogue PATH`` must exist, so that a mistyped path is an error rather than an empty
catalogue that reports no works.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from creatorapp.cli.common import EXIT_OK
from creatorapp.core.text.display import counted


def add_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("catalogue", help="make a catalogue (see --catalogue)")
    gsub = group.add_subparsers(dest="catalogue_command", metavar="ACTION", required=True)
    init = gsub.add_parser(
        "init",
        help="make a new, empty catalogue at --catalogue PATH (or the default place)",
        description="Make a new, empty catalogue: the file (readable by you only) and any "
        "missing folders above it.  An existing catalogue is left as it is.",
    )
    init.set_defaults(run=run_init)


def run_init(args: argparse.Namespace) -> int:
    from creatorapp.core.catalogue import default_catalogue_path, open_catalogue

    path = Path(args.catalogue).expanduser() if args.catalogue else default_catalogue_path()
    existed = path.exists() and path.stat().st_size > 0
    store = open_catalogue(path, create=True)  # refuses a file that is not a catalogue
    try:
        works = sum(store.count_by_state().values())
    finally:
        store.close()
    if existed:
        print(f"{path} is already a catalogue ({counted(works, 'work')}); it was left as it is")
    else:
        print(f"Made the catalogue {path}")
    return EXIT_OK
