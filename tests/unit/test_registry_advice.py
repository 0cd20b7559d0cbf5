"""Messages from the opt-out core reach a terminal and a window alike: none names a command or
a flag.  What to do travels as an advice code, and each shell has words for every code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import creatorapp.core.optouts as registries
from creatorapp.core.optouts.advice import Advice

# a command of this app, or a command-line flag, in any text the core might show
SHELL_WORDS = re.compile(
    r"creatorapp [a-z]|\boptout (attest|resolve|token|mail|contact|status|poll|submit)\b"
    r"|(?<![\w-])--[a-z][a-z-]+"
)


def _texts(path: Path) -> list[tuple[int, str]]:
    """Every string in the module's code, docstrings and comments left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_message_of_the_opt_out_core_names_a_command_or_a_flag():
    root = Path(registries.__file__).parent
    found = [
        f"{path.relative_to(root)}:{line}: {text!r}"
        for path in sorted(root.rglob("*.py"))
        for line, text in _texts(path)
        if SHELL_WORDS.search(text)
    ]
    assert found == []


def test_every_advice_code_has_words_in_both_shells():
    from creatorapp.cli import optout_cmd
    from creatorapp.gui import optout_dialog

    assert set(optout_cmd.ADVICE) == set(Advice)
    assert set(optout_dialog.ADVICE) == set(Advice)
