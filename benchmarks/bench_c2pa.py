"""Signing Content Credentials in bulk: 500 JPEGs of about 1 MB, tagged with XMP only and then
with XMP plus signed credentials (the training-and-mining assertion, no thumbnail, no timestamp
server), each on a fresh copy of the same files.

Prints files per second for both and the bytes each adds per file.
Run: ``python benchmarks/bench_c2pa.py [--files N] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_tag import make_corpus  # noqa: E402


def run(folder: Path, sign: bool, jobs: int | None) -> tuple[float, int]:
    from creatorapp.core.media.c2pa import SignJob
    from creatorapp.core.policy import resolve_policy
    from creatorapp.core.policy.signals import embedded_fields
    from creatorapp.core.proof import identity
    from creatorapp.core.works.tagging import TagOptions, tag_files

    policy = resolve_policy("no-ai")
    job = SignJob(identity.load()).with_policies([policy]) if sign else None
    files = sorted(folder.iterdir())
    start = time.perf_counter()
    outcomes = list(
        tag_files(
            [(p, embedded_fields(policy)) for p in files],
            options=TagOptions(credentials=job),
            jobs=jobs,
        )
    )
    took = time.perf_counter() - start
    failed = [o for o in outcomes if o.status.value != "tagged"]
    assert not failed, failed[:3]
    return took, sum(p.stat().st_size for p in files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    import keyring

    from tests.keyring_backends import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    work = Path(tempfile.mkdtemp(prefix="bench-c2pa-"))
    os.environ["CREATORAPP_DATA_DIR"] = str(work / "data")
    try:
        from creatorapp.core.proof import identity

        identity.create("Benchmark Creator")
        corpus = work / "corpus"
        make_corpus(corpus, args.files)
        original = sum(p.stat().st_size for p in corpus.iterdir())
        results = {}
        for label, sign in (("XMP only", False), ("XMP + C2PA", True)):
            copy = work / label.replace(" ", "_").replace("+", "and")
            shutil.copytree(corpus, copy)
            results[label] = run(copy, sign, args.jobs)
        print(f"{args.files} JPEGs, {original / args.files / 1e6:.2f} MB each on average")
        for label, (took, size) in results.items():
            print(
                f"{label:11s}: {took:6.2f} s, {args.files / took:6.1f} files/s, "
                f"+{(size - original) / args.files:,.0f} bytes per file"
            )
        xmp, signed = results["XMP only"][0], results["XMP + C2PA"][0]
        print(f"signing costs {signed / xmp:.1f}x the time of XMP tagging alone")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
