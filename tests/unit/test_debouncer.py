"""The debounce rule on its own, with a hand-driven clock and file stats."""

from __future__ import annotations

from creatorapp.core.works.watch import Debouncer


class Disk:
    def __init__(self):
        self.files: dict[str, tuple[int, int]] = {}

    def stat(self, path):
        return self.files.get(path)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def make():
    disk, clock = Disk(), Clock()
    return disk, clock, Debouncer(0.5, stat=disk.stat, clock=clock)


def test_a_file_is_ripe_only_after_a_quiet_period():
    disk, clock, d = make()
    disk.files["a.jpg"] = (100, 1)
    d.touch("a.jpg")
    assert d.ripe() == ([], [])
    clock.now += 0.49
    assert d.ripe() == ([], [])
    clock.now += 0.02
    assert d.ripe() == (["a.jpg"], [])
    assert len(d) == 0


def test_a_file_still_growing_waits_another_period_even_without_events():
    disk, clock, d = make()
    disk.files["a.jpg"] = (100, 1)
    d.touch("a.jpg")
    clock.now += 0.6
    disk.files["a.jpg"] = (200, 2)  # the writer went on without us hearing about it
    assert d.ripe() == ([], [])
    assert "a.jpg" in d
    clock.now += 0.6
    assert d.ripe() == (["a.jpg"], [])


def test_every_event_restarts_the_period_and_duplicates_collapse():
    disk, clock, d = make()
    disk.files["a.jpg"] = (1, 1)
    for _ in range(5):
        d.touch("a.jpg")
        clock.now += 0.3
    assert len(d) == 1
    assert d.ripe() == ([], [])
    clock.now += 0.3
    assert d.ripe() == (["a.jpg"], [])


def test_a_file_that_vanished_is_reported_gone():
    disk, clock, d = make()
    disk.files["a.jpg"] = (1, 1)
    d.touch("a.jpg")
    del disk.files["a.jpg"]
    clock.now += 1
    assert d.ripe() == ([], ["a.jpg"])


def test_next_deadline_is_the_earliest():
    _disk, clock, d = make()
    assert d.next_deadline() is None
    d.touch("a.jpg")
    clock.now += 0.2
    d.touch("b.jpg")
    assert d.next_deadline() == 100.5
