"""Screenshots of every panel for the README, from a demo catalogue, under Xvfb.

    python docs/screenshots/take.py            (re-runs itself under xvfb-run without a display)

Everything lives in a temporary folder: demo images, a local site served on 127.0.0.1, the
catalogue, the settings.  Nothing of the user's is read or written."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SECTIONS = ("works", "policies", "sites", "optouts", "activity")


def _display() -> None:
    if os.environ.get("DISPLAY") or os.environ.get("SCREENSHOTS_UNDER_XVFB"):
        return
    if shutil.which("xvfb-run") is None:
        sys.exit("xvfb-run is needed (Debian: apt install xvfb libxkbcommon-x11-0 libxcb-*)")
    env = {**os.environ, "SCREENSHOTS_UNDER_XVFB": "1", "QT_QPA_PLATFORM": "xcb"}
    args = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24 -dpi 96", sys.executable, *sys.argv]
    sys.exit(subprocess.call(args, env=env))


def _images(folder: Path, count: int) -> None:
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    palette = [(214, 93, 14), (47, 58, 143), (46, 157, 79), (215, 38, 61), (224, 161, 0)]
    for i in range(count):
        img = Image.new("RGB", (320, 240), palette[i % 5])
        draw = ImageDraw.Draw(img)
        for k in range(6):
            c = palette[(i + k + 1) % 5]
            draw.ellipse(
                (
                    20 + k * 40,
                    30 + (k * 37 + i * 13) % 120,
                    90 + k * 40,
                    100 + (k * 37 + i * 13) % 120,
                ),
                fill=c,
            )
        img.save(folder / f"study-{i + 1:02d}.jpg", quality=88)
    (folder / "scan-raw.dng").write_bytes(b"not a real raw file")  # shows a failure


def sandbox() -> Path:
    """A temporary folder for one run's catalogue, settings and images; the keyring is a null
    one, so nothing of the user's is read or written."""
    work = Path(tempfile.mkdtemp(prefix="creatorapp-shots-"))
    os.environ.update(
        CREATORAPP_DATA_DIR=str(work / "data"),
        CREATORAPP_CONFIG_DIR=str(work / "config"),
        CREATORAPP_CATALOGUE=str(work / "data" / "catalogue.sqlite3"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return work


def application():
    """The Qt application, named and with the app's icon, as the installed app starts it."""
    from creatorapp.gui.icons import icon
    from creatorapp.gui.qt import QApplication

    app = QApplication([sys.argv[0]])
    app.setApplicationName("Creator Reserve")
    app.setWindowIcon(icon("app"))
    return app


def main_window(width: int = 1280, height: int = 800):
    """(application, the real main window shown) over the catalogue made so far; the set-up
    counts as done.  Keep the application: the window lives as long as it does."""
    from creatorapp.gui import settings as prefs
    from creatorapp.gui.main_window import MainWindow

    app = application()
    prefs.set_flag(prefs.SETUP_DONE, True)
    window = MainWindow()
    window.resize(width, height)
    window.show()
    return app, window


def settle(ms: int = 300) -> None:
    """Let the event loop run for ``ms`` (background reads draw, the window manager paints):
    a picture is taken of what a person would see, not a test's condition."""
    from creatorapp.gui.qt import QtCore

    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _serve(root: Path) -> str:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def main() -> int:
    _display()
    sys.path.insert(0, str(ROOT))
    work = sandbox()
    from creatorapp.core.app import setup
    from creatorapp.core.catalogue import open_catalogue
    from creatorapp.core.optouts.outbox import OptOuts
    from creatorapp.core.sites.sites import Sites
    from creatorapp.core.works.portfolio import Portfolio

    portfolio_dir = work / "Portfolio"
    _images(portfolio_dir / "2026 studies", 14)
    _images(portfolio_dir / "commissions", 6)
    site_root = work / "site"
    site_root.mkdir()
    (site_root / "index.html").write_text("<h1>Jane Doe illustration</h1>")
    url = _serve(site_root)

    store = open_catalogue(None)
    answers = setup.Answers(
        name="Jane Doe",
        email="jane@example.com",
        contact_url="https://jane.example/contact",
        preset="no-ai",
        folders=[portfolio_dir],
        site=setup.SiteAnswers("portfolio", url, "local", {"root": str(site_root)}),
        registries=["spawning", "laion"],
    )
    folders = setup.apply(store, answers)
    portfolio = Portfolio(store)
    report = portfolio.scan(folders)
    for _ in portfolio.process(report.due):
        pass
    sites = Sites(store)
    sites.publish("portfolio")
    sites.verify("portfolio")
    optouts = OptOuts(store, options={"laion": {"open_browser": False}})
    optouts.submit("laion", [f"{url}/images/study-{i:02d}.jpg" for i in range(1, 9)])
    store.close()

    app, window = main_window()
    settle(500)
    window.works.table.selectRow(2)
    settle(800)  # thumbnails and the detail pane read in the background
    window.sites.verify()
    settle(800)
    window.optouts.table.selectRow(0)
    out = {}
    for name in SECTIONS:
        window.show_section(name)
        settle(400)
        path = HERE / f"{name}.png"
        window.grab().save(str(path))
        out[name] = path
    from creatorapp.core.app import setup as core_setup
    from creatorapp.gui.wizard import SetupWizard

    wizard = SetupWizard(core_setup.existing(window.store))
    wizard.show()
    wizard.next()
    settle(400)
    wizard.grab().save(str(HERE / "wizard.png"))
    wizard.close()
    window.quit()
    for name, path in out.items():
        print(f"{name}: {path}")
    shutil.rmtree(work, ignore_errors=True)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
