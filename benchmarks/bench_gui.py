"""How responsive the window stays, and how fast it opens.

Prints:
- window start-up: a fresh process from launch to the window on screen, on a catalogue of N
  works (default 100,000), and the part of that spent building the window;
- the longest event-loop stall while the window tags 2,000 JPEGs in the background;
- the longest event-loop stall while scrolling the whole N-work catalogue, page by page, with
  thumbnails on.
Target: no stall over 100 ms.  A stall is measured as the largest gap between ticks of a 5 ms
timer on the GUI thread, minus the 5 ms.

Run: ``python benchmarks/bench_gui.py [--works N] [--files 2000]`` (offscreen without a display).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 5


def _isolate(work: Path) -> None:
    os.environ.update(
        CREATORAPP_DATA_DIR=str(work / "data"),
        CREATORAPP_CONFIG_DIR=str(work / "config"),
        CREATORAPP_CATALOGUE=str(work / "data" / "catalogue.sqlite3"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )


def build_catalogue(path: Path, works: int) -> None:
    from creatorapp.core.catalogue import WorkState, open_catalogue

    store = open_catalogue(path)
    folder = store.add_folder("/nonexistent/portfolio", "no-ai", False)
    states = [WorkState.TAGGED] * 8 + [WorkState.SIDECAR, WorkState.FAILED]
    with store.transaction():
        for i in range(works):
            store.add_work(
                folder.id,
                f"/nonexistent/portfolio/set_{i // 1000:03d}/work_{i:06d}.jpg",
                state=states[i % len(states)],
                format="JPEG",
            )
    store.close()


def make_jpegs(folder: Path, count: int) -> None:
    from PIL import Image

    folder.mkdir(parents=True)
    buf = io.BytesIO()
    Image.effect_noise((1200, 800), 40).convert("RGB").save(buf, "JPEG", quality=85)
    data = buf.getvalue()
    for i in range(count):
        (folder / f"photo_{i:05d}.jpg").write_bytes(data[:2] + _comment(i) + data[2:])


def _comment(i: int) -> bytes:
    text = f"photo {i}".encode()
    return b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text


class StallMeter:
    """The largest gap between ticks of a fast timer on the GUI thread."""

    def __init__(self) -> None:
        from creatorapp.gui.qt import QtCore

        self.timer = QtCore.QTimer()
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.worst = 0.0
        self._last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last:
            self.worst = max(self.worst, (now - self._last) * 1000 - TICK_MS)
        self._last = now

    def start(self) -> None:
        self.worst, self._last = 0.0, 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst


def wait_until(condition, timeout: float = 600) -> None:
    from creatorapp.gui.qt import QtCore

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("gave up waiting")
        QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)


def startup(catalogue: Path) -> tuple[float, float]:
    """(launch to window shown, building the window) in ms, in a fresh process."""
    code = (
        "import time, sys; t0 = time.perf_counter()\n"
        "from creatorapp.gui.qt import QApplication, QTimer\n"
        "app = QApplication([])\n"
        "from creatorapp.core.catalogue import open_catalogue\n"
        "from creatorapp.gui.main_window import MainWindow\n"
        "t1 = time.perf_counter()\n"
        f"w = MainWindow(open_catalogue(__import__('pathlib').Path({str(catalogue)!r})))\n"
        "w.show()\n"
        "def shown():\n"
        "    t2 = time.perf_counter(); print(f'{(t2 - t1) * 1000:.0f}'); w.quit(); app.quit()\n"
        "QTimer.singleShot(0, shown)\n"
        "app.exec()\n"
    )
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    total = (time.perf_counter() - start) * 1000
    return total, float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="creatorapp-bench-gui-"))
    _isolate(work)
    catalogue = work / "data" / "catalogue.sqlite3"
    catalogue.parent.mkdir(parents=True)
    build_catalogue(catalogue, args.works)
    make_jpegs(work / "photos", args.files)

    launches = [startup(catalogue) for _ in range(3)]
    best = min(launches)
    print(
        f"start-up, {args.works:,}-work catalogue: {best[0]:.0f} ms from launch to window "
        f"shown (best of 3; building the window {best[1]:.0f} ms)"
    )

    from creatorapp.core.catalogue import open_catalogue
    from creatorapp.gui.qt import QApplication

    app = QApplication([])
    from creatorapp.gui.main_window import MainWindow

    window = MainWindow(open_catalogue(catalogue))
    window.resize(1200, 800)
    window.show()
    wait_until(lambda: window.isVisible())
    meter = StallMeter()

    # tagging 2,000 files in the background, the window showing progress
    meter.start()
    started = time.perf_counter()
    window.tag([work / "photos"])
    wait_until(lambda: window.jobs.busy)
    wait_until(lambda: not window.jobs.busy)
    took = time.perf_counter() - started
    tag_stall = meter.stop()
    print(
        f"tagging {args.files:,} files (1200x800 JPEG) in {took:.1f} s: "
        f"longest event-loop stall {tag_stall:.0f} ms  [{window.statusBar().currentMessage()}]"
    )

    # scrolling the whole catalogue a page at a time, thumbnails on
    window.show_section("works")
    window.works.show_thumbnails(True)
    table = window.works.table
    bar = table.verticalScrollBar()
    wait_until(lambda: window.works.model.rowCount() > 0)
    meter.start()
    started = time.perf_counter()
    steps = 0
    while window.works.model.rowCount() < args.works or bar.value() < bar.maximum():
        bar.setValue(bar.value() + bar.pageStep())
        steps += 1
        wait_until(lambda: True)  # one round of events per page, as a person's scrolling gives
        app.processEvents()
    took = time.perf_counter() - started
    scroll_stall = meter.stop()
    print(
        f"scrolling {window.works.model.rowCount():,} works ({steps:,} pages in {took:.1f} s): "
        f"longest event-loop stall {scroll_stall:.0f} ms"
    )
    window.quit()
    verdict = "within" if max(tag_stall, scroll_stall) <= 100 else "OVER"
    print(f"target: no stall over 100 ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
