from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from creatorapp.gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def test_main_window_shows_title(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Creator Reserve"
    window.close()
    assert not window.isVisible()


def test_core_never_imports_qt():
    code = (
        "import sys, pkgutil, importlib, creatorapp.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'creatorapp.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_damaged_catalogue_is_explained_and_left_alone(qapp, tmp_path, monkeypatch, capsys):
    from creatorapp.gui import app

    damaged = tmp_path / "catalogue.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("CREATORAPP_CATALOGUE", str(damaged))
    assert app.run(exit_after_ms=50) == 2
    err = capsys.readouterr().err
    assert err.startswith("creatorapp: error: ") and "Traceback" not in err
    assert damaged.read_bytes() == b"this is not a database" * 100
