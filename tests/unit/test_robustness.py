"""Random damage to valid files: never a traceback, never a changed original unless it verifies."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorapp.core.media.base import Status
from creatorapp.core.policy import PRESETS
from creatorapp.core.policy.signals import embedded_fields
from creatorapp.core.works.tagging import read_reservation, tag_file
from tests.conftest import SAMPLES, make_jpeg, make_png, make_tiff, make_webp

FIELDS = embedded_fields(
    PRESETS["no-ai"].with_identity(creator="Jane", copyright_notice="(c) Jane")
)
SEEDS: dict[str, bytes] = {}


def _seeds(tmp: Path) -> dict[str, bytes]:
    if not SEEDS:
        for name, path in {
            "a.jpg": make_jpeg(tmp / "a.jpg"),
            "b.png": make_png(tmp / "b.png"),
            "c.webp": make_webp(tmp / "c.webp"),
            "d.tif": make_tiff(tmp / "d.tif"),
        }.items():
            SEEDS[name] = path.read_bytes()
        for sample in ("Canon.jpg", "ExifTool.jpg", "PNG.png", "RIFF.webp", "GeoTiff.tif"):
            if (SAMPLES / sample).is_file():  # camera files, when the shared test data is here
                SEEDS["s-" + sample.lower()] = (SAMPLES / sample).read_bytes()
    return SEEDS


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("zero"), st.integers(0, 10**6), st.integers(1, 64)),
)


def _mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, where, arg in ops:
        if not buf:
            break
        at = where % len(buf)
        if kind == "flip":
            buf[at] ^= arg
        elif kind == "cut":
            del buf[at:]
        elif kind == "insert":
            buf[at:at] = bytes([arg]) * 3
        else:
            buf[at : at + arg] = bytes(min(arg, len(buf) - at))
    return bytes(buf)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 8), ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_files_never_crash_or_get_damaged(tmp_path, seed, ops):
    seeds = _seeds(tmp_path)
    name = sorted(seeds)[seed % len(seeds)]
    folder = tmp_path / f"case-{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    path = folder / name
    damaged = _mutate(seeds[name], ops)
    path.write_bytes(damaged)
    outcome = tag_file(path, FIELDS)
    assert outcome.status in (Status.TAGGED, Status.UNCHANGED, Status.FAILED)
    if outcome.status is Status.FAILED:
        assert outcome.reason and "Traceback" not in outcome.reason
    if path.read_bytes() != damaged:
        assert outcome.status is Status.TAGGED
        assert read_reservation(path).reserved
    assert [p.name for p in folder.iterdir()] == [name]
