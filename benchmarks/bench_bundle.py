"""How big the built app is, and how fast it opens from cold.

Prints:
- unpacked size of the bundle folder (target: under 200 MB), and the download's size;
- cold start: launching the frozen app with none of its files in the page cache, to its window
  shown (target: under 3 s).  The bundle's files are evicted with posix_fadvise (Linux), so no
  root is needed; system libraries stay cached, as they are on a running desktop.  The figure
  is the whole run of ``creator-reserve gui --exit-after 0``, which closes the window as soon
  as it is shown: an upper bound on start to window.
- warm start: the same, again, with the files cached (best of 3).

Run: ``python benchmarks/bench_bundle.py [BUNDLE]`` (default: the newest folder ``make dist``
built).  Offscreen when there is no display.  The catalogue is a fresh, empty one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE_TARGET_MB = 200
START_TARGET_S = 3.0


def newest_bundle() -> Path:
    found = [p for p in (ROOT / "dist").glob("creator-reserve*") if p.is_dir()]
    found += list((ROOT / "dist").glob("*.app"))
    if not found:
        raise SystemExit("no bundle in dist/: run `make dist` first")
    return max(found, key=lambda p: p.stat().st_mtime)


def executable(bundle: Path) -> Path:
    for candidate in (
        bundle / "creator-reserve",
        bundle / "creator-reserve.exe",
        bundle / "Contents" / "MacOS" / "creator-reserve",
    ):
        if candidate.is_file():
            return candidate
    raise SystemExit(f"no creator-reserve executable in {bundle}")


def files(bundle: Path) -> list[Path]:
    return [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]


def size_mb(bundle: Path) -> float:
    return sum(p.stat().st_size for p in files(bundle)) / 1e6


def evict(bundle: Path) -> bool:
    """Drop the bundle's files from the page cache; False where the OS has no way to ask."""
    if not hasattr(os, "posix_fadvise"):
        return False
    os.sync()  # pages just written by the build are dirty, and dirty pages are not dropped
    for path in files(bundle):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return True


def launch(exe: Path, home: Path) -> float:
    """One run to the window and out, with a fresh data folder and no Python in sight."""
    if sys.platform == "win32":  # Windows needs its own variables to start anything
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    else:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"):
            if os.environ.get(name):
                env[name] = os.environ[name]
    env.update(
        CREATORAPP_DATA_DIR=str(home / "data"),
        CREATORAPP_CONFIG_DIR=str(home / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    start = time.perf_counter()
    run = subprocess.run(
        [str(exe), "gui", "--exit-after", "0"], env=env, capture_output=True, text=True, timeout=120
    )
    took = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(f"the app did not start (exit {run.returncode}):\n{run.stderr}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", type=Path)
    args = parser.parse_args()
    bundle = (args.bundle or newest_bundle()).resolve()
    exe = executable(bundle)
    unpacked = size_mb(bundle)
    print(f"bundle: {bundle}")
    verdict = "within" if unpacked < SIZE_TARGET_MB else "OVER"
    print(f"unpacked size: {unpacked:.1f} MB ({verdict} the {SIZE_TARGET_MB} MB target)")
    for download in sorted(bundle.parent.glob(f"{bundle.name}*.tar.gz")) + sorted(
        bundle.parent.glob("*.dmg")
    ):
        print(f"download {download.name}: {download.stat().st_size / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory(prefix="creatorapp-bench-bundle-") as tmp:
        home = Path(tmp)
        cold_kind = "cold" if evict(bundle) else "first (files may be cached)"
        cold = launch(exe, home)
        warm = min(launch(exe, home) for _ in range(3))
    verdict = "within" if cold < START_TARGET_S else "OVER"
    print(
        f"{cold_kind} start to window: {cold:.2f} s ({verdict} the {START_TARGET_S:.0f} s target)"
    )
    print(f"warm start to window: {warm:.2f} s (best of 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
