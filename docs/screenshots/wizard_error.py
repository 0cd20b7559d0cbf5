"""Screenshot of the set-up wizard refusing a field, for the README, under Xvfb.

    python docs/screenshots/wizard_error.py    (re-runs itself under xvfb-run without a display)

A new user types a contact page without https:// and an email without an @, and presses Next:
each problem is said under its field and everything typed stays.  Settings live in a temporary
folder, as with ``take.py``; nothing of the user's is read or written."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from take import _display, application, sandbox, settle  # noqa: E402  (take.py sits beside this file)

OUT = HERE / "wizard-field-error.png"


def main() -> int:
    _display()
    sandbox()
    app = application()
    from creatorapp.gui.wizard import SetupWizard

    wizard = SetupWizard()
    wizard.show()
    you = wizard.you
    you.name.setText("Jane Doe")
    you.email.setText("jane.doe-at-example.com")
    you.url.setText("jane.example/contact")
    wizard.button(wizard.WizardButton.NextButton).click()
    settle(400)  # let the window manager draw it
    assert wizard.currentId() == 0, "the page should have been refused"
    wizard.grab().save(str(OUT))
    print(OUT)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
