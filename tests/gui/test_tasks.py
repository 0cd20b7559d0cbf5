"""The one way the window runs work off its event loop."""

from __future__ import annotations

from creatorapp.errors import UserError
from creatorapp.gui import tasks


def _fails() -> None:
    raise UserError("the disk went away")


def test_a_failure_nobody_handles_is_shown_not_dropped(qtbot):
    seen: list[tuple[str, str]] = []
    tasks.show_failures_with(lambda title, message: seen.append((title, message)))
    try:
        tasks.Op(_fails, title="Checking opt-out answers").run()
        qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    finally:
        tasks.show_failures_with(None)
    assert seen == [("Checking opt-out answers", "the disk went away")]


def test_a_handled_failure_goes_to_its_handler_only(qtbot):
    shown: list[tuple[str, str]] = []
    handled: list[str] = []
    tasks.show_failures_with(lambda title, message: shown.append((title, message)))
    try:
        tasks.Op(_fails, title="Reading").failure(handled.append).run()
        qtbot.waitUntil(lambda: bool(handled), timeout=10_000)
    finally:
        tasks.show_failures_with(None)
    assert handled == ["the disk went away"] and shown == []


def test_success_delivers_the_result(qtbot):
    got: list[object] = []
    tasks.Op(lambda: 42, title="Answering").success(got.append).run()
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    assert got == [42]


def test_no_call_site_throws_a_failure_away():
    from pathlib import Path

    gui = Path(tasks.__file__).parent
    quiet = [p.name for p in gui.glob("*.py") if "lambda m: None" in p.read_text()]
    assert quiet == []
