"""The one exception type every layer raises for a problem a person can act on.

Its message is the whole story in plain words; the CLI prints it as one line (exit code 2) and
the GUI shows it in a dialog.  Anything else escaping is a bug.
"""

from __future__ import annotations


class UserError(Exception):
    """A request that cannot be done as asked; ``str(exc)`` says why in plain words."""
