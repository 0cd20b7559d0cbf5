"""``creatorapp works exclude|include``: single works the creator leaves out of tagging and
watching, and takes back.  Only the catalogue changes (``Portfolio.exclude``): the files are
never opened."""

from __future__ import annotations

import argparse

from creatorapp.cli.common import EXIT_OK, catalogue, emit_json, path_arg
from creatorapp.core.text.display import counted


def add_commands(sub: argparse._SubParsersAction) -> None:
    works = sub.add_parser("works", help="single works: leave them out, take them back")
    wsub = works.add_subparsers(dest="works_command", metavar="ACTION", required=True)

    exclude = wsub.add_parser(
        "exclude",
        help="leave works out of tagging and watching (their files are not changed)",
        description="Leave works of portfolio folders out: no scan, 'creatorapp watch', "
        "'creatorapp folders apply' or 'creatorapp tag' of their folder tags them, and "
        "'creatorapp status' counts them as left out, not as to do. The files are not "
        "opened and keep what they carry. Naming such a file to 'creatorapp tag' still tags "
        "it; it stays left out. The ledger records the works left out (works.excluded).",
    )
    exclude.add_argument("paths", nargs="+", metavar="PATH", type=path_arg)
    exclude.add_argument("--json", action="store_true", help="one JSON document")
    exclude.set_defaults(run=run_exclude)

    include = wsub.add_parser(
        "include",
        help="take left-out works back (a folder: every work left out in it)",
        description="Take works that were left out back: each gets the state it had, so the "
        "next scan, 'creatorapp watch' or 'creatorapp tag' of its folder tags it when it is "
        "due. A folder takes back every work left out in it. The ledger records them "
        "(works.included).",
    )
    include.add_argument("paths", nargs="+", metavar="PATH", type=path_arg)
    include.add_argument("--json", action="store_true", help="one JSON document")
    include.set_defaults(run=run_include)


def run_exclude(args: argparse.Namespace) -> int:
    from creatorapp.core.works.portfolio import Portfolio

    with catalogue(args) as store:
        count = Portfolio(store).exclude(args.paths)
    if args.json:
        emit_json({"left_out": count})
    elif count:
        print(
            f"Left {counted(count, 'work')} out of tagging and watching; the files were not changed"
        )
    else:
        print("These works were left out already")
    return EXIT_OK


def run_include(args: argparse.Namespace) -> int:
    from creatorapp.core.works.portfolio import Portfolio

    with catalogue(args) as store:
        count = Portfolio(store).include(args.paths)
    if args.json:
        emit_json({"taken_back": count})
    elif count:
        print(
            f"Took {counted(count, 'work')} back: tagged when due by the next "
            "'creatorapp watch' (or 'creatorapp tag' of the folder)"
        )
    else:
        print("None of these works was left out")
    return EXIT_OK
