"""How paths whose names are not valid UTF-8 are kept and written out, byte for byte.

Old NAS shares and USB disks hold names such as ``caf\\xe9.jpg`` (Latin-1 bytes).  Python hands
them over as text with lone surrogates (``surrogateescape``), which neither SQLite text nor UTF-8
JSON can carry.  Rather than guess an encoding (and lose the way back to the file), they travel
in two lossless forms, each decided here and nowhere else:

* In SQLite a path is kept as text when it is valid UTF-8 (every path ever stored so far) and
  as its raw bytes (a BLOB) when it is not.  The two never compare equal, and a path has exactly
  one form, so lookups by path, the one-live-work-per-path index and existing catalogues all
  work unchanged.
* In JSON (the ledger's canonical form, its stored data, and ``--json`` output) such a byte is
  written as the JSON escape of its surrogate, ``\\udce9``.  Reading it back with Python's
  ``json`` gives the same text, and ``os.fsencode`` of that gives the original bytes.  Text
  without such bytes is written exactly as before, so no existing ledger hash changes.

People are shown ``caf\\xe9.jpg`` (see :func:`creatorapp.core.display.shown`).
"""

from __future__ import annotations

import json
import os


def storable(path: str) -> str | bytes:
    """The value SQLite keeps for ``path``: the text itself, or its bytes when it is not UTF-8."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path)
    return path


def from_stored(value: str | bytes | None) -> str | None:
    """The path back from what :func:`storable` gave (text from before passes through)."""
    if isinstance(value, bytes):
        return os.fsdecode(value)
    return value


def json_text(doc: object, **options: object) -> str:
    """``json.dumps(doc, ensure_ascii=False, ...)`` that is always valid Unicode: the lone
    surrogates of undecodable bytes become ``\\udcXX`` escapes (they only ever occur inside
    JSON strings, where that escape means the same character)."""
    text = json.dumps(doc, ensure_ascii=False, **options)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
