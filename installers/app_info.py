"""The app's identity for the build: ``resources/app-info.toml`` plus ``creatorapp.__version__``.

The spec file, the icon maker and the per-OS build scripts all ask here, so a name or version is
written in one place.  From a shell: ``python installers/app_info.py version`` prints one field;
``python installers/app_info.py`` prints them all as ``KEY=value`` lines.
"""

from __future__ import annotations

import platform
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def version() -> str:
    """Read without importing the package, so a build needs no installed app."""
    text = (ROOT / "creatorapp" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not found:
        raise SystemExit("creatorapp/__init__.py has no __version__")
    return found.group(1)


def version_tuple() -> tuple[int, int, int, int]:
    """Windows wants four numbers; pre-release suffixes are dropped."""
    numbers = [int(n) for n in re.findall(r"\d+", version().split("+")[0])[:4]]
    return tuple([*numbers, 0, 0, 0, 0][:4])  # type: ignore[return-value]


def machine() -> str:
    """The architecture in download names: x86_64, arm64."""
    name = platform.machine().lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(name, name)


def info() -> dict[str, object]:
    with open(ROOT / "resources" / "app-info.toml", "rb") as handle:
        found = tomllib.load(handle)
    found["version"] = version()
    found["machine"] = machine()
    return found


def main(argv: list[str]) -> int:
    data = info()
    if argv:
        value = data.get(argv[0])
        if value is None:
            print(f"app-info has no {argv[0]!r}", file=sys.stderr)
            return 2
        print(";".join(value) if isinstance(value, list) else value)
        return 0
    for key, value in data.items():
        print(f"{key}={';'.join(value) if isinstance(value, list) else value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
