"""How names and other outside text are shown to people.

A file name can hold anything but ``/`` and NUL: newlines, terminal escape sequences, bidi
overrides, bytes that are not UTF-8 (Python keeps those as lone surrogates).  Printed raw, such a
name can forge a line of output or colour the terminal, and an undecodable one crashes ``print``.
Every human-readable output passes outside text through :func:`shown` first; JSON output keeps
the value itself (JSON escapes control characters on its own).
"""

from __future__ import annotations

import os
import unicodedata
from datetime import UTC, date, datetime, tzinfo

# bidi embeddings, overrides and isolates reorder what follows them on screen
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if ch in _NAMED:
        return _NAMED[ch]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


# Where a backslash is an ordinary character in a name (everywhere but Windows) it is doubled,
# so a name that holds the text "\\xe9" never looks like one that holds the byte 0xE9.
_LITERAL_BACKSLASH = os.sep != "\\"


def _unsafe(ch: str) -> bool:
    return ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")


def shown(value: object) -> str:
    """``value`` (text or a path) with control characters, bidi controls and undecodable bytes
    written as visible escapes, so it prints as one harmless line."""
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    backslash = _LITERAL_BACKSLASH and "\\" in text
    if text.isprintable() and text.isascii() and not backslash:
        return text
    if backslash:
        text = text.replace("\\", "\\\\")
    return "".join(_escape(ch) if _unsafe(ch) else ch for ch in text)


def shown_block(text: str) -> str:
    """Several lines of outside text (a diff of a served file, a letter) shown line by line:
    the line breaks stay, everything else unsafe in each line is escaped."""
    return "\n".join(shown(line) for line in text.split("\n"))


def counted(n: int, word: str, plural: str | None = None) -> str:
    """``1 file``, ``2 files``, ``1,204 works``: a count with its noun agreeing."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def when(
    stamp: str | date | datetime | None, *, zone: tzinfo | None = None, never: str = ""
) -> str:
    """A moment as people read it, in their own time zone: ``2 Dec 2026, 19:25``.

    The catalogue, the ledger and the outbox keep UTC ISO stamps (``2026-12-02T18:25:49.979507Z``)
    because they sort and compare; shown as they are they read as a code, an hour or more off.
    A stamp without a zone is UTC (that is how everything here writes them); a date alone is shown
    as a date.  ``never`` is what an empty value reads as; text that is no stamp is shown as is.
    """
    if stamp is None or stamp == "":
        return never
    if isinstance(stamp, datetime):
        moment = stamp
    elif isinstance(stamp, date):
        return f"{stamp.day} {stamp:%b %Y}"
    else:
        text = stamp.strip()
        try:
            if len(text) == 10:  # a date alone: no time to move into another zone
                day = date.fromisoformat(text)
                return f"{day.day} {day:%b %Y}"
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            return shown(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y, %H:%M}"
