"""The parts of a text file the app owns: one block between two marker lines, and (in
robots.txt) short marked sections inside the creator's own groups.  Every other byte of the
file is the creator's and is kept exactly as it was; taking our parts out gives it back."""

from __future__ import annotations

BEGIN = "# BEGIN Creator Reserve"
END = "# END Creator Reserve"
# a section of ours inside a group of the creator's (robots.txt preference lines); comment lines
# belong to no rule, so a parser reads the group as it did, plus the lines between them
INLINE_BEGIN = "# BEGIN Creator Reserve lines"
INLINE_END = "# END Creator Reserve lines"


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
    """Everything of ``text`` that is not ours (to check it survived untouched): without our
    block and without our sections inside the creator's groups."""
    if not text:
        return ""
    return without_inline(_without_block(text))


def block_span(text: str) -> tuple[int, int] | None:
    """Where our block is (offset of its BEGIN line, offset just past its END line)."""
    start = _find_line(text, BEGIN)
    if start is None:
        return None
    end = _find_line(text, END, start)
    if end is None:
        return None
    after = text.find("\n", end)
    return start, len(text) if after < 0 else after + 1


def _without_block(text: str) -> str:
    span = block_span(text)
    return text if span is None else text[: span[0]] + text[span[1] :]


def inline_section(lines: list[str], newline: str = "\n") -> str:
    """Our marked section of ``lines``, to go right after a line of the creator's that ends
    with ``newline``."""
    return "".join(f"{line}{newline}" for line in (INLINE_BEGIN, *lines, INLINE_END))


def insert_after(text: str, offsets: list[int], section_for: dict[int, str]) -> str:
    """``text`` with ``section_for[o]`` put at each offset ``o`` (each the start of a line)."""
    out, last = [], 0
    for offset in sorted(offsets):
        out += [text[last:offset], section_for[offset]]
        last = offset
    out.append(text[last:])
    return "".join(out)


def without_inline(text: str) -> str:
    """``text`` without our marked sections; a section whose end marker was removed by hand is
    left alone rather than guessing where it ends."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].rstrip("\r\n") == INLINE_BEGIN:
            end = next(
                (j for j in range(i + 1, len(lines)) if lines[j].rstrip("\r\n") == INLINE_END),
                None,
            )
            nested = end is not None and any(
                lines[j].rstrip("\r\n") in (INLINE_BEGIN, BEGIN, END) for j in range(i + 1, end)
            )
            if end is not None and not nested:
                i = end + 1
                continue
        out.append(lines[i])
        i += 1
    return "".join(out)


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
