"""Two writers at once: two ``creatorapp tag`` on one portfolio folder, and ``tag`` beside a
running ``watch``.

Both writers run to their end, so afterwards every file must be fully tagged (pixels and foreign
metadata intact), no temporary file may remain, the ledger chain must hold, and the catalogue
must agree with the files; a last clean ``tag`` then finds nothing left to write.
"""

from __future__ import annotations

import os
import random

from tests.conftest import make_jpeg
from tests.robustness.harness import (
    Findings,
    Ran,
    catalogue_path,
    catalogue_problems,
    file_problems,
    ledger_problems,
    orphans_after,
    read,
    run_app,
    settles,
    snapshot,
    start_app,
    temp_files,
    wait_until,
)
from tests.robustness.samples import fill_folder, rich_jpeg

SEED = 31337
TAG_ROUNDS = 3


def _export(path: bytes, data: bytes) -> None:
    """How an exporter delivers a file: written under a temporary name, renamed into place."""
    part = path + b".part"
    with open(part, "wb") as handle:
        handle.write(data)
    os.replace(part, path)


def _race_failures(found: Findings, docs: list[dict], who: str) -> None:
    """A file the other writer was handling must not come back as a failure of this one."""
    failed = [(os.path.basename(d.get("path", "?")), str(d.get("reason"))[:70]) for d in docs]
    failed = [f for f, d in zip(failed, docs, strict=True) if d.get("status") == "failed"]
    if failed:
        found.add(
            "RACE",
            f"{who} reported {len(failed)} file(s) failed while the other writer ran: "
            f"{failed[:5]} (one writer per file should be claimed across processes; "
            "creatorapp/core/works/tagging.py / portfolio.py)",
        )


def _finish(found: Findings, folder, originals, files, last_writer: str) -> None:
    leftovers = temp_files(folder)
    if leftovers:
        found.add("TEMPS", f"after {last_writer}: {leftovers}")
    found.extend("FILES", file_problems(originals, must_tag=files, context=f"after {last_writer}"))
    found.extend(  # both ran to their end: the catalogue should already say so
        "RACE",
        catalogue_problems(
            catalogue_path(), folder, context=f"catalogue straight after {last_writer}"
        ),
    )
    found.extend("LEDGER", ledger_problems(context=f"after {last_writer}"))
    final = run_app("tag", folder, "--json", "--jobs", "2")
    if found.crash_check(final, "the clean `creatorapp tag` after both writers"):
        written = [d for d in final.json_lines() if d.get("status") == "tagged"]
        if written:
            found.add(
                "RACE",
                f"both writers finished, yet a clean run still had {len(written)} file(s) to "
                f"write: {[os.path.basename(d['path']) for d in written][:5]}",
            )
    found.extend(
        "CATALOGUE", catalogue_problems(catalogue_path(), folder, context="after a clean tag")
    )


def test_two_tag_runs_on_one_folder(tmp_path):
    rng = random.Random(SEED)
    found = Findings("two `creatorapp tag` on one portfolio folder", SEED)
    folder = tmp_path / "portfolio"
    files = fill_folder(folder, plain=36, rich=2, cameras=2, seed=SEED)
    files.append(os.fsencode(make_jpeg(folder / "big.jpg", size=(1600, 1200), seed=SEED)))
    originals = snapshot(files)
    found.crash_check(run_app("folders", "add", folder, "--no-tag", "--json"), "folders add")
    logs = tmp_path / "logs"
    for round_no in range(TAG_ROUNDS):
        again = rng.sample(files, rng.randint(len(files) // 2, len(files)))
        for path in again:
            with open(path, "wb") as handle:
                handle.write(originals[path].data)
        jobs = [str(rng.choice([1, 2])) for _ in range(2)]
        writers = [start_app("tag", folder, "--json", "--jobs", n, logs=logs) for n in jobs]
        for n, writer in enumerate(writers):
            writer.proc.wait(timeout=120)
            who = f"round {round_no}: writer {n} (--jobs {jobs[n]})"
            ran = Ran(
                writer.args,
                writer.proc.returncode,
                writer.stdout_path.read_bytes(),
                writer.stderr_path.read_bytes(),
            )
            found.crash_check(ran, who, ok=(0, 1))
            _race_failures(found, ran.json_lines(), who)
            left = orphans_after(writer, timeout=5)
            if left:
                found.add("ORPHANS", f"{who}: {[(m.pid, m.command) for m in left]}")
        found.extend(
            "FILES",
            file_problems(originals, must_tag=files, context=f"round {round_no}: both finished"),
        )
    _finish(found, folder, originals, files, "two tag runs")
    found.assert_none()


def test_tag_beside_running_watch(tmp_path):
    rng = random.Random(SEED + 1)
    found = Findings("`creatorapp tag` beside a running `creatorapp watch`", SEED + 1)
    folder = tmp_path / "portfolio"
    files = fill_folder(folder, plain=12, rich=1, cameras=2, seed=SEED)
    for i in range(12):  # large works keep both writers busy on the same files for a while
        files.append(os.fsencode(make_jpeg(folder / f"large{i:02d}.jpg", size=(1200, 900), seed=i)))
    originals = snapshot(files)
    found.crash_check(run_app("folders", "add", folder, "--json"), "folders add (tags them)")
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    arrivals = []
    for i in range(24):
        if i % 6 == 0:
            made = rich_jpeg(incoming / f"new{i:02d}.jpg", seed=SEED + 50 + i)
        else:
            size = (1200, 900) if i % 5 == 0 else (96, 64)
            made = make_jpeg(incoming / f"new{i:02d}.jpg", size=size, seed=SEED + 50 + i)
        arrivals.append(os.fsencode(made))
    originals_new = snapshot(arrivals)
    # the watcher waits half a second for files to settle and tags with one worker: `tag`, started
    # with the wave, is then at work on the same files at the same time
    watch = start_app("watch", "--settle", "0.5", "--jobs", "1", logs=tmp_path / "logs")
    wait_until(
        lambda: "Watching" in watch.stdout() or not watch.alive(),
        timeout=60,
        what="the watcher ready",
    )
    # a wave of exports: new works, and every earlier work exported again; `tag` is started on
    # the folder with the first of them
    wave = [
        (source, os.path.join(os.fsencode(folder), os.path.basename(source))) for source in arrivals
    ]
    wave += [(None, path) for path in files]
    rng.shuffle(wave)
    targets = []
    for n, (source, target) in enumerate(wave):
        if source is None:
            _export(target, originals[target].data)
        else:
            _export(target, read(source))
            originals_new[source].path = target
            targets.append(target)
        if n == 0:
            tagger = start_app("tag", folder, "--json", "--jobs", "2", logs=tmp_path / "logs")
    tagger.proc.wait(timeout=120)
    ran = Ran(
        tagger.args,
        tagger.proc.returncode,
        tagger.stdout_path.read_bytes(),
        tagger.stderr_path.read_bytes(),
    )
    found.crash_check(ran, "`creatorapp tag` beside the watcher", ok=(0, 1))
    _race_failures(found, ran.json_lines(), "`creatorapp tag` beside the watcher")
    all_new = {o.path: o for o in originals_new.values()}
    everything = {**originals, **all_new}

    def settled() -> bool:
        return not catalogue_problems(catalogue_path(), folder) and all(
            os.stat(p).st_size != len(all_new[p].data) for p in targets
        )

    settles(settled, timeout=30)  # what is still wrong is reported below, in detail
    if not watch.alive():
        found.add("CRASH", f"the watcher died beside `tag`\n{watch.describe()}")
    code = watch.terminate()
    stopped = Ran(watch.args, code, watch.stdout_path.read_bytes(), watch.stderr_path.read_bytes())
    found.crash_check(stopped, "the watcher, stopped with SIGTERM", ok=(0, 1))
    failed = [line for line in stopped.out.splitlines() if line.startswith("failed")]
    if failed:
        found.add("RACE", f"the watcher reported failures beside `tag`: {failed[:5]}")
    left = orphans_after(watch, timeout=5)
    if left:
        found.add("ORPHANS", f"after the watcher stopped: {[(m.pid, m.command) for m in left]}")
    _finish(found, folder, everything, files + targets, "tag beside watch")
    found.assert_none()
