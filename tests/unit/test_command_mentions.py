"""Every ``creatorapp …`` a message, a docstring or a shipped text names is a real command.

Advice is only worth following if the command it names exists: ``creatorapp scan`` in a message
sends a person to an error.  The parser ``creatorapp.cli.main`` builds is the truth: each mention
is walked down its subcommands, and each flag written after a command must be one of that
command's own options.  Literals are read as Python joins them (adjacent pieces, the fixed text of
f-strings), so a mention split across source lines is still found.
"""

from __future__ import annotations

import argparse
import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from creatorapp.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "creatorapp"
RESOURCES = ROOT / "resources"
TEXT_SUFFIXES = {".toml", ".json", ".txt", ".md", ".html", ".tmpl", ".j2", ".eml"}

PLACEHOLDER = "\x00"  # where an f-string puts a value: unknown text
# a mention: "creatorapp", then the words after it on the same line
MENTION = re.compile(r"(?<![\w/.-])creatorapp(?P<rest>(?:[ \t]+[^\s]+)*)")
# a word ends the mention where quoting or prose punctuation starts
STOP = re.compile(r"['\"`<>(),;]|\.(?=\s|$)|:(?=\s|$)")


@dataclass(frozen=True)
class Mention:
    where: str
    text: str


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else PLACEHOLDER for v in node.values)
    return None


def _python_texts(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    return [
        (node.lineno, text)
        for node in ast.walk(tree)
        if id(node) not in inner and (text := _literal(node)) is not None
    ]


def _texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text in _python_texts(path):
            found.append((f"{path.relative_to(ROOT)}:{line}", text))
    for path in sorted(p for p in RESOURCES.rglob("*") if p.suffix in TEXT_SUFFIXES):
        found.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    return found


def _words(rest: str) -> list[str]:
    words = []
    for word in rest.split():
        if word in ("|", "||", "&&", ">", "2>&1"):  # a pipe or a redirection: the command ended
            break
        stop = STOP.search(word)
        if stop is not None:
            if word[: stop.start()]:
                words.append(word[: stop.start()])
            break
        words.append(word)
    return words


def mentions() -> list[Mention]:
    return [
        Mention(where, match.group(0).split("\n")[0])
        for where, text in _texts()
        for line in text.splitlines()
        for match in MENTION.finditer(line)
    ]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def problem(text: str, parser: argparse.ArgumentParser) -> str | None:
    """What is wrong with the mention ``text`` ("creatorapp folders apply PATH"), or None."""
    words = _words(text.removeprefix("creatorapp"))
    command, skip, positional = ["creatorapp"], False, False
    for word in words:
        if skip:
            skip = False
            continue
        if PLACEHOLDER in word:  # a value filled in at run time: nothing more can be known
            return None
        if word.startswith("-") and word != "-":
            flag = word.split("=", 1)[0]
            action = parser._option_string_actions.get(flag)
            if action is None:
                return f"'{' '.join(command)}' has no option {flag}"
            skip = action.nargs != 0 and "=" not in word
            continue
        choices = _subcommands(parser)
        if choices and not positional:
            if not re.fullmatch(r"[a-z][a-z0-9|-]*", word):
                return None  # a stand-in such as COMMAND: not a name to check
            unknown = [w for w in word.split("|") if w not in choices]
            if unknown:
                return f"'{' '.join(command)}' has no command {unknown[0]!r}"
            if "|" in word:
                return None  # alternatives: each exists, what follows belongs to one of them
            parser = choices[word]
            command.append(word)
            continue
        positional = True
    return None


def test_the_scanner_knows_a_real_command_from_an_invented_one():
    parser = build_parser()
    assert problem("creatorapp folders apply PATH", parser) is None
    assert problem("creatorapp --catalogue X catalogue init", parser) is None
    assert problem("creatorapp optout resolve REF confirmed|rejected", parser) is None
    assert problem("creatorapp policy list|show", parser) is None
    assert problem("creatorapp watch --once", parser) is None
    assert "no command 'scan'" in problem("creatorapp scan", parser)
    assert "no command 'apply'" in problem("creatorapp apply", parser)
    assert "no option --twice" in problem("creatorapp watch --twice", parser)
    assert "no option --force" in problem("creatorapp folders add PATH --force", parser)
    # prose words after a mention end it; a quote ends it too
    assert _words(" folders apply PATH' writes the new") == ["folders", "apply", "PATH"]
    assert _words(" tag. Then") == ["tag"]
    assert _words(" verify --json DIR | head -1") == ["verify", "--json", "DIR"]


def test_the_scanner_reads_joined_literals_and_fstrings(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "def f(x):\n"
        "    return (f\"run 'creatorapp {x} now' or 'creatorapp \"\n"
        '            "scan --all\'")\n',
        encoding="utf-8",
    )
    texts = [text for _line, text in _python_texts(source)]
    assert any("'creatorapp scan --all'" in t for t in texts)
    assert any(PLACEHOLDER in t for t in texts)


MENTIONS = mentions()


def test_messages_name_commands_at_all():
    assert len(MENTIONS) > 20  # the scan reads the package: it must find the known mentions


@pytest.mark.parametrize("mention", MENTIONS, ids=lambda m: f"{m.where} {m.text[:40]}")
def test_every_command_a_message_names_exists(mention):
    assert problem(mention.text, build_parser()) is None, mention.where


def _cli_advice() -> list[str]:
    """Every piece of advice the command line gives, rendered for each code it knows: the
    values an f-string fills in (a settings group, a subject) are real ones, so a command built
    from them is checked too."""
    from creatorapp.cli.common import ADVICE
    from creatorapp.cli.optout_cmd import ADVICE as OPTOUT_ADVICE
    from creatorapp.cli.optout_cmd import GROUPS
    from creatorapp.core.optouts.advice import Advice, Hint

    said = list(ADVICE.values())
    for advice, render in OPTOUT_ADVICE.items():
        hints = [Hint(advice, "cr-0123456789abcdef")]
        if advice is Advice.SET_UP:
            hints = [Hint(advice, "spawning", group=g) for g in GROUPS] + [Hint(advice, "x")]
        said += [render(hint) for hint in hints]
    return said


def test_the_advice_of_the_command_line_names_real_commands():
    parser = build_parser()
    found = [m.group(0) for text in _cli_advice() for m in MENTION.finditer(text)]
    assert len(found) >= 8
    assert [(m, problem(m, parser)) for m in found if problem(m, parser)] == []


# --- a window and the core speak no command line ---------------------------------------------
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
# the About page points to the command line on purpose; it names no command that could fail
WINDOW_MAY_SAY = {"creatorapp --help"}
# text only a terminal ever shows: the demo prints its report where no window can open
TERMINAL_ONLY = {"creatorapp/core/app/demo.py", "creatorapp/core/app/selftest.py"}


def _messages(folder: str) -> list[tuple[str, str]]:
    """The string literals of ``folder`` that are not docstrings (what can reach a person)."""
    found = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        where = str(path.relative_to(ROOT))
        if where in TERMINAL_ONLY:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            text = _literal(node)
            if text is not None and id(node) not in docs | inner:
                found.append((f"{where}:{node.lineno}", text))
    return found


def _cli_words(text: str) -> list[str]:
    """The commands (``creatorapp`` and what follows it) and the flags ``text`` names."""
    said = [_words(m.group("rest")) for m in MENTION.finditer(text)]
    return [" ".join(["creatorapp", *words]) for words in said if words] + FLAG.findall(text)


def test_the_core_names_no_command_and_no_flag_in_what_it_says():
    """Core messages reach a terminal and a window alike: the advice in command-line words is
    the command line's (its ADVICE tables), given by the code the message carries."""
    found = [(where, _cli_words(text)) for where, text in _messages("core")]
    assert [(where, said) for where, said in found if said] == []


def test_the_window_names_no_command_and_no_flag():
    allowed = {"--offscreen"}  # read from the program's own arguments, never shown
    found = []
    for where, text in _messages("gui"):
        for ok in WINDOW_MAY_SAY:
            text = text.replace(ok, "")
        said = [w for w in _cli_words(text) if w not in allowed]
        if said:
            found.append((where, said))
    assert found == []
