"""``kill -9`` of ``creatorapp watch`` at random moments: in its catch-up scan, or while new
works arrive.

Each round (moments drawn from a fixed seed) drops new exports into the portfolio folder and
exports some earlier works again, then kills the watcher after K files changed on disk or K
``work.tagged`` events reached the ledger.  After every kill: nothing the watcher started lives
on, and every file is its original or fully tagged.  After a last ``watch --once``: no temporary
file, every work tagged, the catalogue and the ledger agree with the files.
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
    ledger_count,
    ledger_problems,
    orphans_after,
    run_app,
    snapshot,
    start_app,
    temp_files,
    wait_until,
)
from tests.robustness.samples import fill_folder, rich_jpeg

SEED = 4242
ROUNDS = 8
PER_ROUND = 5  # new exports dropped into the folder each round


def _tagged_since_delivery(due: list[bytes], originals: dict) -> int:
    """Due files no longer as delivered (tagging only ever adds bytes)."""
    return sum(1 for p in due if os.stat(p).st_size != len(originals[p].data))


def _export(path: bytes, data: bytes) -> None:
    """How an exporter delivers a file: written under a temporary name, renamed into place."""
    part = path + b".part"
    with open(part, "wb") as handle:
        handle.write(data)
    os.replace(part, path)


def test_kill9_watch_at_random_moments(tmp_path):
    rng = random.Random(SEED)
    found = Findings("kill -9 of `creatorapp watch`", SEED)
    folder = tmp_path / "portfolio"
    present = fill_folder(folder, plain=10, rich=2, cameras=2, seed=SEED)
    present.append(os.fsencode(make_jpeg(folder / "big.jpg", size=(1600, 1200), seed=SEED)))
    # tomorrow's exports, made now so their originals are known
    incoming_dir = tmp_path / "incoming"
    incoming_dir.mkdir()
    incoming = []
    for i in range(ROUNDS * PER_ROUND):
        if i % 7 == 3:
            made = rich_jpeg(incoming_dir / f"new{i:03d}.jpg", seed=SEED + 500 + i)
        else:
            size = (1400, 1000) if i % 9 == 0 else (96, 64)
            made = make_jpeg(incoming_dir / f"new{i:03d}.jpg", size=size, seed=SEED + 500 + i)
        incoming.append(os.fsencode(made))
    arrivals = {os.path.join(os.fsencode(folder), os.path.basename(p)): p for p in incoming}
    originals = snapshot(present)
    made = snapshot(incoming)
    for target, source in arrivals.items():  # judged by where they will be
        originals[target] = made[source]
        originals[target].path = target
    found.crash_check(run_app("folders", "add", folder, "--no-tag", "--json"), "folders add")
    logs = tmp_path / "logs"
    queue = list(arrivals)

    victims = ["the app"] * (ROUNDS - ROUNDS // 3) + ["its whole group"] * (ROUNDS // 3)
    rng.shuffle(victims)  # which rounds kill the watcher alone, which its workers too
    for round_no, victim in enumerate(victims):
        phase = rng.choice(["catch-up", "live"])
        trigger = rng.choice(["files", "ledger"])
        new = [queue.pop(0) for _ in range(PER_ROUND)]
        again = rng.sample(present, rng.randint(1, len(present) // 2))
        due = len(new) + len(again)
        k = rng.randint(0, due - 1)

        def deliver(new=new, again=again) -> None:
            for path in new:
                _export(path, originals[path].data)
            for path in again:
                _export(path, originals[path].data)

        base_events = ledger_count(catalogue_path(), "work.tagged")
        if phase == "catch-up":
            deliver()
        watch = start_app("watch", "--settle", "0.05", "--jobs", "2", logs=logs)
        if phase == "live":
            wait_until(
                lambda watch=watch: "Watching" in watch.stdout() or not watch.alive(),
                timeout=60,
                what=f"round {round_no}: the watcher ready",
            )
            if not watch.alive():
                found.add("CRASH", f"round {round_no}: watch died on its own\n{watch.describe()}")
                continue
            deliver()
        present += new

        def reached(watch=watch, k=k, trigger=trigger, due=new + again, base=base_events):
            if not watch.alive():
                return True
            if trigger == "files":
                return _tagged_since_delivery(due, originals) >= k
            return ledger_count(catalogue_path(), "work.tagged") - base >= k

        wait_until(reached, timeout=60, what=f"round {round_no}: {k} {trigger} changes")
        where = (
            f"round {round_no} ({phase}, {victim} killed after {k} {trigger} changes of {due} due; "
            f"{_tagged_since_delivery(new + again, originals)} files changed)"
        )
        if not watch.alive():
            found.add("CRASH", f"{where}: watch ended by itself\n{watch.describe()}")
        watch.kill9() if victim == "the app" else watch.kill9_group()
        timeout = 0.0 if found.has("ORPHANS") else ORPHAN_TIMEOUT
        left = orphans_after(watch, timeout=timeout)
        if left:
            found.add(
                "ORPHANS",
                f"{where}: {len(left)} process(es) still running {timeout:.0f}s after "
                f"`creatorapp watch` died: {[(m.pid, m.state, m.command) for m in left]} "
                "(creatorapp/core/works/watch.py Watcher / tagging.TagPool: workers outlive "
                "the app)",
            )
        on_disk = {p: originals[p] for p in present}
        found.extend("FILES", file_problems(on_disk, context=where))

    final = run_app("watch", "--once", "--jobs", "2", "--json")
    found.crash_check(final, "the complete `creatorapp watch --once` after the kills")
    leftovers = temp_files(folder)
    if leftovers:
        found.add("TEMPS", f"after the complete `watch --once`: {leftovers}")
    on_disk = {p: originals[p] for p in present}
    found.extend("FILES", file_problems(on_disk, must_tag=present, context="after watch --once"))
    found.extend("CATALOGUE", catalogue_problems(catalogue_path(), folder))
    found.extend("LEDGER", ledger_problems())
    found.assert_none()
