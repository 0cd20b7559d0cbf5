"""``creator-reserve --selftest``: proof that an installed or frozen app has everything it needs.

Tags one sample image per writer (in place and by sidecar) in a temporary folder, reads each
back, renders the site files, and touches each native library (exiv2, the C2PA library; the
shells add their own, such as Qt's image plugins).  A missing library shows up here as a failed
check, not later on a user's file.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from creatorapp.core.resources import resource_dir


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def _checks(folder: Path) -> list[Check]:
    from creatorapp.core.policy import PRESETS
    from creatorapp.core.signals import embedded_fields
    from creatorapp.core.tagging import read_reservation, tag_files

    samples = sorted((resource_dir() / "selftest").glob("sample.*"))
    if not samples:
        return [Check("sample images", False, f"none in {resource_dir() / 'selftest'}")]
    files = []
    for sample in samples:
        target = folder / sample.name
        shutil.copyfile(sample, target)
        files.append(target)
    fields = embedded_fields(PRESETS["no-ai"])
    found: list[Check] = []
    for outcome in tag_files(((f, fields) for f in files), jobs=1):
        name = Path(outcome.path).suffix.lstrip(".").upper()
        how = "sidecar" if outcome.sidecar else "embedded"
        back = read_reservation(Path(outcome.path))
        found.append(
            Check(
                f"tag and read back {name} ({how})",
                outcome.written and back.reserved,
                outcome.reason or back.error or "",
            )
        )
    found.append(_site())
    found.append(_c2pa(files[0]))
    return found


def _site() -> Check:
    from creatorapp.core.policy import PRESETS
    from creatorapp.core.site import publisher
    from creatorapp.core.site.config import SiteConfig

    rendered = publisher.render_all(SiteConfig("selftest", "https://example.org", PRESETS["no-ai"]))
    wanted = {"robots.txt", "ai.txt", ".well-known/tdmrep.json"}
    missing = wanted - set(rendered)
    return Check("render site files", not missing, ", ".join(sorted(missing)))


def _c2pa(sample: Path) -> Check:
    try:
        from creatorapp.core.media import c2pa

        c2pa.read_bytes(sample.read_bytes(), "jpeg")
    except Exception as exc:  # a missing native library surfaces as any kind of error
        return Check("C2PA library", False, f"{type(exc).__name__}: {exc}")
    return Check("C2PA library", True)


def run(
    say: Callable[[str], None] = print, extra: tuple[Callable[[Path], Check], ...] = ()
) -> bool:
    """``extra`` checks get the folder of tagged samples."""
    with tempfile.TemporaryDirectory(prefix="creatorapp-selftest-") as tmp:
        checks = _checks(Path(tmp))
        checks += [check(Path(tmp)) for check in extra]
    for check in checks:
        say(
            f"{'ok  ' if check.ok else 'FAIL'} {check.name}"
            + (f": {check.detail}" if check.detail else "")
        )
    ok = all(c.ok for c in checks)
    say("self-test passed" if ok else "self-test FAILED")
    return ok
