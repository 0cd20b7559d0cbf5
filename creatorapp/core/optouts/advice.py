"""What the creator can do about a problem or a waiting request, as a code.

Core messages say what is wrong in plain words and never name a command or a button: the same
message reaches a terminal and a window.  The code travels beside it, and each shell turns it
into its own advice (the CLI names the command and its flags, the window names the button or the
form to fill in).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from creatorapp.errors import UserError


class Advice(StrEnum):
    SET_UP = "set_up"  # settings are missing: a token, the mail account, the contact details
    NAME_DATASET = "name_dataset"  # the destination is asked about one dataset at a time
    NAME_RECIPIENT = "name_recipient"  # the destination writes to one address at a time
    SWEAR = "swear"  # the letter's sworn statements need the creator's explicit confirmation
    ATTEST = "attest"  # the creator sends it themselves, then says so
    RESOLVE = "resolve"  # the answer is in words: the creator records what was decided
    FIND_REFERENCE = "find_reference"  # no such request: the list of requests has the references
    ADD_FOLDER = "add_folder"  # the path is not in a portfolio folder
    SCAN = "scan"  # the catalogue has not read the folder's works yet
    NAME_SITE = "name_site"  # no such site: the list of sites has the names
    BASE_URL = "base_url"  # works in a folder need the address the folder is published at
    URL_LIST = "url_list"  # the site has no sitemap: list the addresses in a file instead
    CHECK_NOW = "check_now"  # not due yet: a check can be asked for at once


@dataclass(frozen=True)
class Hint:
    """An advice code and what it is about."""

    advice: Advice
    subject: str | None = None  # a destination id, a request's reference
    group: str | None = None  # SET_UP: the settings group ("mail", "contact", "token")
    missing: tuple[str, ...] = ()  # SET_UP: the names of the settings that are not set


class Advised(UserError):
    """A problem the creator can act on; ``hint`` says how, for the shell to put in words."""

    def __init__(self, message: str, hint: Hint | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def hint_of(exc: BaseException) -> Hint | None:
    return getattr(exc, "hint", None)
