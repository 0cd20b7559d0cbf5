"""Tagging throughput against exiftool and a plain copy of the same bytes.

Makes N JPEGs (~1 MB, varied content), then times, on identical fresh copies:
  1. ``creatorapp tag`` first pass (writes every file and records it in the catalogue),
  2. ``creatorapp tag`` second pass (nothing to do: the catalogue knows every file is done),
  3. exiftool writing the same XMP in one batch call,
  4. a plain copy of the same bytes (and the same copy with fsync, as a safe writer must).
Prints files/s and the ratios.  Run: ``python benchmarks/bench_tag.py [--files N]``.

The copies live in a portfolio folder (``creatorapp folders add --no-tag``), as a user's works
do, with a catalogue of their own.  The package's bytecode is compiled first, as it is in an
installed app; the CLI figures include interpreter start-up.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

EXIFTOOL_CONFIG = """
%Image::ExifTool::UserDefined = (
    'Image::ExifTool::PLUS::XMP' => {
        DataMining => { },
    },
);
1;
"""


def make_corpus(folder: Path, count: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    total = 0
    base = Image.effect_noise((1400, 1050), 48).convert("RGB")
    for i in range(count):
        tint = Image.new(
            "RGB", base.size, (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        )
        im = Image.blend(base, tint, rng.uniform(0.1, 0.6)).rotate(
            rng.choice((0, 90, 180, 270)), expand=True
        )
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=rng.randrange(86, 95))
        (folder / f"img_{i:05d}.jpg").write_bytes(buf.getvalue())
        total += buf.tell()
    return total


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def drop_dirty_pages() -> None:
    os.sync()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--jobs", type=int, help="workers (default: the app's own default)")
    args = parser.parse_args()
    if not shutil.which("exiftool"):
        print("exiftool is not installed (Debian: libimage-exiftool-perl)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-tag-"))
    try:
        corpus = work / "corpus"
        size = make_corpus(corpus, args.files)
        print(
            f"{args.files} JPEGs, {size / args.files / 1e6:.2f} MB each on average, "
            f"{os.cpu_count()} cores, jobs={args.jobs or 'default'}"
        )
        root = Path(__file__).resolve().parents[1]
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(root / "creatorapp")], check=True
        )
        base = [sys.executable, "-m", "creatorapp", "--catalogue", str(work / "cat.sqlite3")]
        subprocess.run([*base, "catalogue", "init"], check=True, capture_output=True)
        creatorapp = [*base, "tag", "--json"]
        if args.jobs:
            creatorapp += ["--jobs", str(args.jobs)]

        ours = work / "ours"
        shutil.copytree(corpus, ours)
        subprocess.run(
            [*base, "folders", "add", "--no-tag", str(ours)], check=True, capture_output=True
        )
        drop_dirty_pages()
        out = {}
        first = timed(
            lambda: out.setdefault(
                "1", subprocess.run([*creatorapp, str(ours)], capture_output=True, text=True)
            )
        )
        assert out["1"].stdout.count('"tagged"') == args.files, out["1"].stdout[-500:]
        drop_dirty_pages()
        second = timed(
            lambda: out.setdefault(
                "2", subprocess.run([*creatorapp, str(ours)], capture_output=True, text=True)
            )
        )
        assert out["2"].stdout.count('"unchanged"') == args.files, out["2"].stdout[-500:]

        # The same two passes through the service in this process: no interpreter start-up.
        sys.path.insert(0, str(root))
        from creatorapp.core.catalogue import open_catalogue
        from creatorapp.core.works.portfolio import Portfolio

        inproc = work / "inproc"
        shutil.copytree(corpus, inproc)
        portfolio = Portfolio(open_catalogue(work / "inproc.sqlite3"))
        portfolio.add_folder(inproc)
        drop_dirty_pages()
        results: dict[str, list] = {}
        first_svc = timed(
            lambda: results.setdefault("1", list(portfolio.tag([inproc], None, jobs=args.jobs)))
        )
        second_svc = timed(
            lambda: results.setdefault("2", list(portfolio.tag([inproc], None, jobs=args.jobs)))
        )
        assert {o.status.value for o in results["1"]} == {"tagged"}
        assert {o.status.value for o in results["2"]} == {"unchanged"}

        theirs = work / "exiftool"
        shutil.copytree(corpus, theirs)
        config = work / "plus.config"
        config.write_text(EXIFTOOL_CONFIG)
        drop_dirty_pages()
        uri = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
        exiftool = timed(
            lambda: subprocess.run(
                [
                    "exiftool",
                    "-config",
                    str(config),
                    "-q",
                    "-overwrite_original",
                    f"-XMP-plus:DataMining={uri}",
                    "-XMP-xmpRights:Marked=True",
                    "-XMP-xmpRights:UsageTerms=Reserved against TDM and AI training",
                    "-IFD0:Copyright=Reserved against text and data mining",
                    str(theirs),
                ],
                check=True,
            )
        )

        copies = work / "copy"
        copies.mkdir()
        files = sorted(corpus.iterdir())
        drop_dirty_pages()

        def plain_copy(sync: bool, target: Path) -> None:
            target.mkdir(exist_ok=True)
            for f in files:
                data = f.read_bytes()
                with open(target / f.name, "wb") as handle:
                    handle.write(data)
                    if sync:
                        handle.flush()
                        os.fsync(handle.fileno())

        copy = timed(lambda: plain_copy(False, copies / "plain"))
        drop_dirty_pages()
        copy_sync = timed(lambda: plain_copy(True, copies / "fsync"))

        n = args.files
        rows = [
            ("creatorapp tag, first pass", first),
            ("creatorapp tag, second pass", second),
            ("service, first pass", first_svc),
            ("service, second pass", second_svc),
            ("exiftool, one batch call", exiftool),
            ("plain copy", copy),
            ("plain copy with fsync", copy_sync),
        ]
        for label, seconds in rows:
            print(f"{label:30s} {seconds:8.2f} s  {n / seconds:9.1f} files/s")
        print(f"first pass vs exiftool:        {exiftool / first:6.2f}x faster   (target >= 1.5x)")
        print(f"first pass vs plain copy:      {first / copy:6.2f}x the time (target <= 2x)")
        print(f"first pass vs copy with fsync: {first / copy_sync:6.2f}x the time")
        print(
            f"second pass vs first pass:     {first / second:6.2f}x faster   (target >= 20x; "
            "CLI, includes interpreter start-up)"
        )
        print(f"  same, in-process service:    {first_svc / second_svc:6.2f}x faster")
        print(f"service first pass vs exiftool:{exiftool / first_svc:6.2f}x faster")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
