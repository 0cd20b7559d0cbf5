"""Start the desktop application (``creator-reserve``, ``creatorapp`` or ``creatorapp gui``)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping

# Qt platforms that draw without a display server: asking for one of them (QT_QPA_PLATFORM,
# possibly as a fallback in a ";" list, possibly with ":options") is asking for no screen.
DISPLAYLESS = frozenset(
    {"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
)
# Where a window needs an X or Wayland server; macOS and Windows always have a display.
_X_OR_WAYLAND = ("linux", "freebsd", "openbsd", "netbsd", "dragonfly", "sunos")
NO_DISPLAY = (
    "creatorapp: no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so no window: "
    "running the demo instead"
)


def no_display(env: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """True where Qt could only fall back to an invisible window or fail: then the window
    would hang unseen.  A displayless platform the user set themselves is their choice."""
    if not platform.startswith(_X_OR_WAYLAND):
        return False
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return False
    asked = (
        part.split(":", 1)[0].strip().lower() for part in env.get("QT_QPA_PLATFORM", "").split(";")
    )
    return not any(name in DISPLAYLESS for name in asked)


def _headless() -> int:
    """Say there is no display in one line, then show the app's work without a window."""
    from creatorapp.core.app import demo

    print(NO_DISPLAY, flush=True)
    return demo.main()


def run(exit_after_ms: int | None = None, *, offscreen: bool = False) -> int:
    """Open the window.  ``offscreen`` draws it without a screen (tests); so does a start-up
    check (``exit_after_ms``) where there is no display, since it closes itself.  Otherwise,
    without a display, the demo runs instead of a window nobody could see or close."""
    if offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif no_display():
        if exit_after_ms is None:
            return _headless()
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from creatorapp import APP_TITLE, __version__
    from creatorapp.gui.main_window import MainWindow
    from creatorapp.gui.qt import QApplication, QTimer

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Creator Reserve")
    from creatorapp.errors import UserError
    from creatorapp.gui.icons import icon

    app.setWindowIcon(icon("app"))
    app.setDesktopFileName("creator-reserve")
    from creatorapp.gui import passphrase

    passphrase.install()  # with no system keyring, secrets are unlocked in a dialog
    if exit_after_ms is None and app.platformName() not in DISPLAYLESS:  # someone to answer
        passphrase.unlock_at_start()  # before the window starts watching and tagging threads
    try:
        window = MainWindow(offer_setup=exit_after_ms is None, watch=True)
    except UserError as exc:  # a damaged or newer catalogue: say so, never a traceback
        from creatorapp.gui.qt import QtWidgets

        if exit_after_ms is None:
            QtWidgets.QMessageBox.critical(None, APP_TITLE, str(exc))
        print(f"creatorapp: error: {exc}", file=sys.stderr)
        return 2
    window.show()
    if window.tray is not None:
        # the tray keeps the app (and watching) alive when the window is closed
        app.setQuitOnLastWindowClosed(False)
    # Ctrl-C in the terminal closes the window cleanly; the timer lets Python see the signal.
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(200)
    if exit_after_ms is not None:
        from creatorapp.gui.exit_after import QuitAfterFirstPaint

        window.installEventFilter(QuitAfterFirstPaint(window, exit_after_ms))
    code = app.exec()
    tick.stop()
    return code


def main() -> int:
    """The desktop entry point; with arguments (``--selftest``, ``--version``, any command) it
    is the command line, so one installed program answers both."""
    if sys.argv[1:] == ["--offscreen"]:
        return run(offscreen=True)
    if sys.argv[1:]:
        from creatorapp.cli.main import main as cli

        return cli()
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
