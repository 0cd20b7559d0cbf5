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

People are shown ``caf\\xe9.jpg`` (see :func:`creatorapp.core.text.display.shown`).
"""

from __future__ import annotations

import base64
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
        if isinstance(doc, dict):
            doc = {**doc, **_exact_bytes(doc)}
            text = json.dumps(doc, ensure_ascii=False, **options)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _exact_bytes(doc: dict) -> dict[str, str]:
    """For each text field holding undecodable bytes, ``FIELD_b64``: the name's exact bytes in
    base64, for readers outside Python (jq, Node) that turn a lone ``\\udcXX`` into U+FFFD."""
    extra = {}
    for key, value in doc.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raw = value.encode("utf-8", "surrogateescape")
                extra[f"{key}_b64"] = base64.b64encode(raw).decode("ascii")
    return extra
