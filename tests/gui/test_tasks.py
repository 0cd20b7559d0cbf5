"""The one way the window runs work off its event loop."""

from __future__ import annotations

import os
from pathlib import Path

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


def _said(qtbot, op: tasks.Op) -> tuple[str, str]:
    seen: list[tuple[str, str]] = []
    tasks.show_failures_with(lambda title, message: seen.append((title, message)))
    try:
        op.run()
        qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    finally:
        tasks.show_failures_with(None)
    assert len(seen) == 1, seen
    return seen[0]


def test_a_file_error_is_said_in_words_with_what_to_do(qtbot, tmp_path):
    gone = tmp_path / "unplugged" / "study.jpg"
    title, message = _said(qtbot, tasks.Op(gone.read_bytes, title="Reading the file"))
    assert title == "Reading the file"
    assert message.startswith(f"{gone}: it is no longer there")
    assert "try again" in message and "unexpected" not in message and "Error" not in message


def test_an_unexpected_error_keeps_its_traceback_in_a_file_never_on_screen(qtbot):
    def broken() -> None:
        raise KeyError("internal-detail")

    _, message = _said(qtbot, tasks.Op(broken, title="Checking opt-out answers"))
    log = Path(os.environ["CREATORAPP_DATA_DIR"]) / tasks.PROBLEMS_LOG
    assert message.startswith("an unexpected problem stopped it (KeyError); try again")
    assert str(log) in message
    assert "Traceback" not in message and "internal-detail" not in message
    kept = log.read_text()
    assert "Traceback" in kept and "internal-detail" in kept and "Checking opt-out answers" in kept


def test_a_failure_in_the_code_that_receives_an_answer_is_reported_not_lost(qtbot):
    def show(_result: object) -> None:
        raise UserError("the answer could not be shown")

    title, message = _said(qtbot, tasks.Op(lambda: 42, title="Checking").success(show))
    assert (title, message) == ("Checking", "the answer could not be shown")
