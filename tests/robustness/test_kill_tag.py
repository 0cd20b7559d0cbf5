"""``kill -9`` of ``creatorapp tag`` (a process pool of workers) at random moments.

Each round puts back part of the portfolio as the photographer exported it, starts a tag run and
kills it after K files changed on disk (K drawn from a fixed seed).  After every kill: no worker
survives its parent, and every file is its original or fully tagged.  After a last complete run:
no temporary file is left, every file is tagged, and the catalogue and ledger agree with them.
"""

from __future__ import annotations

import os
import random

from tests.conftest import make_jpeg
from tests.robustness.harness import (
    ORPHAN_TIMEOUT,
    Findings,
    catalogue_path,
    catalogue_problems,
    file_problems,
    ledger_problems,
    orphans_after,
    read,
    run_app,
    snapshot,
    start_app,
    temp_files,
    wait_until,
)
from tests.robustness.samples import fill_folder

SEED = 1729
ROUNDS = 8


def _identity(paths: list[bytes]) -> dict[bytes, tuple[int, int]]:
    found = {}
    for path in paths:
        st = os.stat(path)
        found[path] = (st.st_ino, st.st_size)
    return found


def _changed(since: dict[bytes, tuple[int, int]]) -> int:
    """How many files were replaced or rewritten since ``since`` was taken."""
    return sum(1 for path, ident in since.items() if _identity([path])[path] != ident)


def test_kill9_tag_at_random_moments(tmp_path):
    rng = random.Random(SEED)
    found = Findings("kill -9 of `creatorapp tag --jobs 2`", SEED)
    folder = tmp_path / "portfolio"
    files = fill_folder(folder, plain=30, rich=2, cameras=2, seed=SEED)
    # a few large files make the moment a worker is inside a write worth hitting
    for i in range(3):
        big = make_jpeg(folder / f"big{i}.jpg", size=(1600, 1200), seed=SEED + i)
        files.append(os.fsencode(big))
    originals = snapshot(files)
    found.crash_check(run_app("folders", "add", folder, "--no-tag", "--json"), "folders add")
    cut_off: set[str] = set()  # temporary files the kills left behind

    victims = ["the app"] * (ROUNDS - ROUNDS // 3) + ["its whole group"] * (ROUNDS // 3)
    rng.shuffle(victims)  # which rounds kill the app alone, which its workers too
    for round_no, victim in enumerate(victims):
        again = rng.sample(files, rng.randint(len(files) // 2, len(files)))
        for path in again:  # the photographer exports these again
            with open(path, "wb") as handle:
                handle.write(originals[path].data)
        due = sum(1 for p in files if read(p) == originals[p].data)
        k = rng.randint(0, max(0, due - 1))
        before = _identity(files)
        run = start_app("tag", folder, "--json", "--jobs", "2", logs=tmp_path / "logs")
        wait_until(
            lambda run=run, before=before, k=k: not run.alive() or _changed(before) >= k,
            timeout=60,
            what=f"round {round_no}: {k} files changed",
        )
        where = (
            f"round {round_no} ({victim} killed after {_changed(before)} of {due} due files "
            "changed)"
        )
        if run.alive():
            run.kill9() if victim == "the app" else run.kill9_group()
        elif run.proc.returncode != 0:
            found.add("CRASH", f"{where}: the run ended by itself, badly\n{run.describe()}")
        timeout = 0.0 if found.has("ORPHANS") else ORPHAN_TIMEOUT
        left = orphans_after(run, timeout=timeout)
        if left:
            found.add(
                "ORPHANS",
                f"{where}: {len(left)} process(es) still running {timeout:.0f}s after "
                f"`creatorapp tag` died: {[(m.pid, m.state, m.command) for m in left]} "
                "(creatorapp/core/works/tagging.py TagPool: workers do not notice their "
                "parent's death)",
            )
        found.extend("FILES", file_problems(originals, context=where))
        cut_off.update(temp_files(folder))

    final = run_app("tag", folder, "--json", "--jobs", "2")
    found.crash_check(final, "the complete `creatorapp tag` after the kills")
    leftovers = temp_files(folder)
    if leftovers:
        found.add(
            "TEMPS",
            f"after the complete `creatorapp tag`: {leftovers} (of {len(cut_off)} the kills "
            "left; the temp files of killed "
            "writers are not cleaned up by the next tag run; creatorapp/core/media/leftovers.py)",
        )
    found.extend("FILES", file_problems(originals, must_tag=files, context="after the last run"))
    found.extend("CATALOGUE", catalogue_problems(catalogue_path(), folder))
    found.extend("LEDGER", ledger_problems())
    found.assert_none()
