"""``creatorapp``: the command line.  Each command parses, calls a core service and prints.

Exit codes: 0 all well, 1 some file failed (or is not reserved, for ``verify``), 2 usage error,
141 the reader of the output went away (``creatorapp verify --json DIR | head -1``): the code a
shell gives a command that SIGPIPE stopped, and what ``set -o pipefail`` expects of one.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from creatorapp import APP_TITLE, __version__
from creatorapp.cli import (
    catalogue_cmd,
    folders_cmd,
    identity_cmd,
    optout_cmd,
    output,
    policy_cmd,
    site_cmd,
    status_cmd,
    tag_cmd,
    watch_cmd,
    works_cmd,
)
from creatorapp.cli.common import ADVICE, EXIT_FAILED, EXIT_USAGE, path_arg
from creatorapp.core.text.display import shown
from creatorapp.errors import UserError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not the whole usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="creatorapp",
        description=f"{APP_TITLE}: reserve your works against AI training and keep proof.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--catalogue",
        metavar="PATH",
        type=path_arg,
        help="the catalogue file to use; it must exist ('catalogue init' makes one) "
        "(default: $CREATORAPP_CATALOGUE, else in the app's data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the window (the default with no command)")
    gui.add_argument("--exit-after", type=int, metavar="MS", help=argparse.SUPPRESS)
    gui.add_argument(
        "--offscreen",
        action="store_true",
        help="draw the window off screen, even where there is no display (for tests); without "
        "a display and without this, the demo runs instead",
    )
    gui.set_defaults(run=_run_gui)

    selftest = sub.add_parser(
        "selftest",
        help="check that this installation can tag, read back and render (also --selftest)",
    )
    selftest.set_defaults(run=_run_selftest)

    tag_cmd.add_commands(sub)
    folders_cmd.add_commands(sub)
    watch_cmd.add_commands(sub)
    status_cmd.add_commands(sub)
    site_cmd.add_commands(sub)
    optout_cmd.add_commands(sub)
    policy_cmd.add_commands(sub)
    identity_cmd.add_commands(sub)
    catalogue_cmd.add_commands(sub)
    works_cmd.add_commands(sub)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    from creatorapp.gui.app import run

    return run(exit_after_ms=args.exit_after, offscreen=args.offscreen)


def _run_selftest(args: argparse.Namespace) -> int:
    from creatorapp.core.app import selftest
    from creatorapp.gui.selftest_qt import qt_images, qt_svg

    return 0 if selftest.run(extra=(qt_images, qt_svg)) else 1


def _only_options(argv: list[str]) -> bool:
    """``creatorapp --catalogue X`` with no command opens the window, like no arguments."""
    return all(
        a.startswith("-") or (i and argv[i - 1] == "--catalogue") for i, a in enumerate(argv)
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--selftest"]:  # the installers' spelling: `creator-reserve --selftest`
        argv = ["selftest"]
    parser = build_parser()
    args = parser.parse_args(argv if argv and not _only_options(argv) else [*argv, "gui"])
    run: Callable[[argparse.Namespace], int] = args.run
    output.install()
    try:
        code = run(args)
        sys.stdout.flush()  # a reader that left shows up here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        return _reader_gone()
    except output.OutputError as exc:
        _reader_gone()  # what is still buffered goes nowhere rather than failing again
        print(
            f"creatorapp: error: the output could not be written ({exc.strerror})", file=sys.stderr
        )
        return EXIT_FAILED
    except UserError as exc:
        advice = ADVICE.get(exc.code or "")
        tail = f" ({advice})" if advice else ""
        print(f"creatorapp: error: {shown(exc)}{tail}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("creatorapp: interrupted", file=sys.stderr)
        return 130


EXIT_PIPE = 128 + 13  # as if SIGPIPE had stopped the process, like other Unix tools


def _reader_gone() -> int:
    """Whoever read standard output stopped reading (``| head``): stop quietly.  Standard output
    is pointed at the null device so that the interpreter's last flush of what is still
    buffered has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return EXIT_PIPE
