"""Hostile XMP packets and a photographer's own metadata.

Packets exiv2 cannot parse (an unescaped ampersand, an undeclared prefix, a DOCTYPE) must come
out either byte-identical (refused, with a reason) or tagged with every property exiftool read
before still readable, unchanged.  Files with valid foreign XMP (dc:description, xmp:Rating,
photoshop:Headline, a custom namespace) and camera EXIF or maker notes must be tagged with all
of it kept.  Run through ``tag`` and ``watch --once``, twice each: the second run changes nothing.
"""

from __future__ import annotations

import os

import pytest

from tests.robustness.harness import (
    Findings,
    catalogue_path,
    catalogue_problems,
    file_problems,
    ledger_problems,
    run_app,
    snapshot,
    temp_files,
)
from tests.robustness.samples import CAMERA_JPEGS, FOREIGN_XMP, HOSTILE_PACKETS, rich_jpeg
from tests.robustness.samples import camera_jpeg as copy_camera

SEED = 2718


def _make(folder) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(hostile packets, normal files with foreign XMP and maker EXIF, camera files)."""
    folder.mkdir()
    hostile = [
        os.fsencode(rich_jpeg(folder / f"packet-{name}.jpg", seed=SEED % 50 + i, **parts))
        for i, (name, parts) in enumerate(HOSTILE_PACKETS.items())
    ]
    normal = [
        os.fsencode(rich_jpeg(folder / f"normal{i}.jpg", seed=SEED % 40 + i)) for i in range(2)
    ]
    cameras = [os.fsencode(copy_camera(n, folder / f"camera-{n.lower()}")) for n in CAMERA_JPEGS]
    return hostile, normal, cameras


@pytest.mark.parametrize("command", ["tag", "watch --once"])
def test_hostile_and_foreign_packets(tmp_path, command):
    found = Findings(f"hostile XMP packets and foreign metadata, `{command}`", SEED)
    folder = tmp_path / "portfolio"
    hostile, normal, cameras = _make(folder)
    originals = snapshot(hostile + normal + cameras)
    for path in hostile + normal:  # the oracle itself must see what the photographer wrote
        missing = {k for k in FOREIGN_XMP if k not in originals[path].meta}
        assert not missing, f"sample {path!r}: exiftool does not read {missing} (bad sample)"
    found.crash_check(run_app("folders", "add", folder, "--no-tag", "--json"), "folders add")
    argv = (
        ("tag", folder, "--json", "--jobs", "2")
        if command == "tag"
        else ("watch", "--once", "--json", "--jobs", "2")
    )
    ran = run_app(*argv)
    found.crash_check(ran, command)
    outcome = {os.fsencode(d["path"]): d for d in ran.json_lines() if "path" in d}
    refused = []
    for path in hostile + cameras:
        doc = outcome.get(path, {})
        with open(path, "rb") as handle:
            unchanged = handle.read() == originals[path].data
        if doc.get("status") == "failed":
            refused.append(path)
            if not doc.get("reason"):
                found.add("REFUSED", f"{os.fsdecode(path)}: refused without a reason: {doc}")
            if not unchanged:
                found.add("FILES", f"{os.fsdecode(path)}: refused, yet the file was changed")
        elif doc.get("status") != "tagged":
            found.add("REFUSED", f"{os.fsdecode(path)}: neither tagged nor refused: {doc}")
    for path in normal:
        if outcome.get(path, {}).get("status") != "tagged":
            found.add(
                "REFUSED",
                f"{os.fsdecode(path)}: valid foreign XMP and maker EXIF, yet not tagged: "
                f"{outcome.get(path)}",
            )
    must_tag = [p for p in hostile + normal + cameras if p not in refused]
    found.extend("FILES", file_problems(originals, must_tag=must_tag, context=f"after {command}"))

    again = run_app(*argv)
    found.crash_check(again, f"{command}, second time")
    written = [d for d in again.json_lines() if d.get("status") == "tagged"]
    if written:
        found.add("FILES", f"the second {command} wrote again: {written}")
    found.extend("FILES", file_problems(originals, must_tag=must_tag, context="after the rerun"))
    if temp_files(folder):
        found.add("TEMPS", f"after {command}: {temp_files(folder)}")
    found.extend("CATALOGUE", catalogue_problems(catalogue_path(), folder, refused=refused))
    found.extend("LEDGER", ledger_problems())
    found.assert_none()
