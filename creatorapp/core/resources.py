"""Where the shipped data files (crawler list, registry descriptors, letter templates) are.

Data lives in ``resources/`` at the top of the project so that it can be updated on its own; a
frozen app carries the folder next to its code.
"""

from __future__ import annotations

import json
import os
import sys
from functools import cache
from pathlib import Path


def resource_dir() -> Path:
    override = os.environ.get("CREATORAPP_RESOURCES")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    source = Path(__file__).resolve().parents[2] / "resources"
    if source.is_dir():
        return source
    return Path(sys.prefix) / "share" / "creatorapp" / "resources"


@cache
def load_json(name: str) -> object:
    with open(resource_dir() / name, encoding="utf-8") as handle:
        return json.load(handle)
