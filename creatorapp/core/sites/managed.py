"""The block of a text file the app owns, between two marker lines; every other byte of the
file is the creator's and is kept exactly as it was."""

from __future__ import annotations

BEGIN = "# BEGIN Creator Reserve"
END = "# END Creator Reserve"


def merge(existing: str | None, block_body: str) -> str:
    """``existing`` with our block replaced (or appended when absent)."""
    block = f"{BEGIN}\n{block_body.rstrip()}\n{END}\n"
    if not existing:
        return block
    start = _find_line(existing, BEGIN)
    if start is not None:
        end = _find_line(existing, END, start)
        if end is not None:
            after = existing.find("\n", end)
            tail = "" if after < 0 else existing[after + 1 :]
            return existing[:start] + block + tail
    separator = "" if existing.endswith("\n") else "\n"
    return existing + separator + ("\n" if existing.strip() else "") + block


def outside(text: str | None) -> str:
    """Everything of ``text`` that is not our block (to check it survived untouched)."""
    if not text:
        return ""
    start = _find_line(text, BEGIN)
    if start is None:
        return text
    end = _find_line(text, END, start)
    if end is None:
        return text
    after = text.find("\n", end)
    return text[:start] + ("" if after < 0 else text[after + 1 :])


def _find_line(text: str, line: str, start: int = 0) -> int | None:
    pos = start
    while True:
        found = text.find(line, pos)
        if found < 0:
            return None
        at_start = found == 0 or text[found - 1] == "\n"
        end = found + len(line)
        at_end = end == len(text) or text[end] in "\r\n"
        if at_start and at_end:
            return found
        pos = found + 1
