"""What a transport needs to know, declared once as data.

The command line's flags, the desktop form and the validation of a new site are all made from
these declarations, so a transport that declares its settings here needs no code in either
shell.  A secret setting is never stored with the site: it goes to the keyring under the name
its declaration gives (``vault``), which is the one place such a name is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit


class Type(StrEnum):
    STR = "str"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    URL = "url"  # an http(s) address
    PATH = "path"  # a file on this computer
    FOLDER = "folder"  # a folder on this computer


@dataclass(frozen=True)
class Setting:
    name: str  # key in the stored settings (and, with dashes, the command line's flag)
    label: str  # what a form calls it ("Server")
    type: Type = Type.STR
    help: str = ""  # one line: what it is for
    required: bool = False
    secret: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    example: str = ""  # shown as a placeholder
    bounds: tuple[int, int] | None = None  # for INT
    pattern: str = ""  # a value must match it whole (``example`` says the form)
    vault: str = ""  # secrets: the keyring's name for it (default: the transport's kind)

    @property
    def spoken(self) -> str:
        """The label as a sentence says it: "user name", but "WebDAV address", "CA certificate"."""
        first = self.label.split(" ", 1)[0]
        plain = len(first) > 1 and first[1:].islower()  # not "WebDAV", "CA", "S3"
        return self.label[0].lower() + self.label[1:] if plain else self.label

    def coerce(self, value: object, *, ready: bool) -> object:
        """The value as stored, or ValueError saying (in words, for anyone) what is wrong.
        ``ready`` also asks that files and folders on this computer exist now."""
        kind, the = self.type, f"the {self.spoken}"
        if kind is Type.BOOL:
            if isinstance(value, str):
                if value.strip().lower() not in ("true", "false", "yes", "no", "1", "0"):
                    raise ValueError(f"{the} is yes or no (got {value!r})")
                return value.strip().lower() in ("true", "yes", "1")
            return bool(value)
        if kind is Type.INT:
            try:
                number = int(str(value).strip())
            except ValueError:
                raise ValueError(f"{the} must be a whole number (got {value!r})") from None
            low, high = self.bounds or (-(2**63), 2**63 - 1)
            if not low <= number <= high:
                raise ValueError(f"{the} must be between {low} and {high} (got {number})")
            return number
        text = str(value).strip()
        if kind is Type.CHOICE and text not in self.choices:
            raise ValueError(f"{the} must be one of {', '.join(self.choices)} (got {text!r})")
        if kind is Type.URL:
            parts = urlsplit(text)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{the} must start with https:// or http:// (got {text!r})")
        if kind in (Type.PATH, Type.FOLDER):
            path = Path(text).expanduser().resolve()
            if ready and kind is Type.FOLDER and not path.is_dir():
                raise ValueError(f"not a folder: {text}")
            if ready and kind is Type.PATH and not path.is_file():
                raise ValueError(f"no such file: {text}")
            return str(path)
        if self.pattern and not re.fullmatch(self.pattern, text):
            raise ValueError(f"{the} must look like {self.example} (got {text!r})")
        return text
