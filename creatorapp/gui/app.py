"""Start the desktop application (``creator-reserve``, ``creatorapp`` or ``creatorapp gui``)."""

from __future__ import annotations

import os
import signal
import sys


def _choose_platform() -> None:
    """Without a display (a server, CI) Qt runs offscreen instead of aborting."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def run(exit_after_ms: int | None = None) -> int:
    _choose_platform()
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
    if sys.argv[1:]:
        from creatorapp.cli.main import main as cli

        return cli()
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
