"""The one exception type every layer raises for a problem a person can act on.

Its message is the whole story in plain words; the CLI prints it as one line (exit code 2) and
the GUI shows it in a dialog.  Anything else escaping is a bug.
"""

from __future__ import annotations


class UserError(Exception):
    """A request that cannot be done as asked; ``str(exc)`` says why in plain words, the same
    for a terminal and a window.  ``code`` (optional) lets each shell add its own advice: the
    command line names a command, the window a button."""

    code: str | None = None

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
