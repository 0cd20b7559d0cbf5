"""The home view: the first section, how protected the portfolio is, and every number a way to
the works behind it (driven through the real widgets)."""

from __future__ import annotations

from creatorapp.core.catalogue import WorkState, utc_now
from creatorapp.core.catalogue.store import Covered
from creatorapp.gui.qt import Qt
from tests.gui.conftest import WORK_MS

SIGNED = "fields+c2pa"


def _portfolio(store) -> dict[str, int]:
    alpha = store.add_folder("/p/alpha", "no-ai", True)
    beta = store.add_folder("/p/beta", "no-genai", True)
    ids = {}
    for folder, name, state, signature in (
        (alpha, "a1.jpg", WorkState.TAGGED, SIGNED),
        (alpha, "a2.jpg", WorkState.TAGGED, "fields"),
        (alpha, "a3.jpg", WorkState.NEW, None),
        (beta, "b1.cr2", WorkState.SIDECAR, SIGNED),
        (beta, "b2.jpg", WorkState.STALE, SIGNED),
        (beta, "gone.jpg", WorkState.DELETED, SIGNED),
    ):
        ids[name] = store.add_work(
            folder.id, f"{folder.path}/{name}", state=state, signature=signature
        ).id
    return ids


def _counted(qtbot, window, works: int) -> None:
    window.refresh()
    home = window.home
    qtbot.waitUntil(
        lambda: (
            home.coverage is not None
            and home.coverage.portfolio.works == works
            and not home.counting
        ),
        timeout=WORK_MS,
    )


def _button(home, name_starts: str):
    found = [b for b in home.number_buttons if b.accessibleName().startswith(name_starts)]
    assert len(found) == 1, [b.accessibleName() for b in home.number_buttons]
    return found[0]


def _listed(window) -> set[str]:
    model = window.works.model
    while model.canFetchMore():
        model.fetchMore()
    return {model.work(r).path for r in range(model.rowCount())}


def test_the_window_opens_on_how_protected_the_work_is(qtbot, window):
    assert window.section() == "home"
    assert window.sidebar.item(0).text() == "Home"
    _portfolio(window.store)
    _counted(qtbot, window, 5)
    home = window.home
    assert home.isVisible() and home.whole_box.isVisible() and not home.empty.isVisible()
    assert "60%</b> of your 5 works carry the reservation in the file" in home.summary.text()
    reserved = _button(home, "Show the 3 works: reservation in the file")
    assert reserved.text() == "3 of 5 (60%)"
    assert _button(home, "Show the 1 work: content credentials").text() == "1 of 5 (20%)"
    searched = [w for w in home.findChildren(type(home.summary)) if w.text() == "not searched yet"]
    assert len(searched) == 1 and searched[0].isVisible()  # datasets: discovery comes later


def test_each_number_opens_the_works_behind_it(qtbot, window):
    _portfolio(window.store)
    _counted(qtbot, window, 5)
    home = window.home

    qtbot.mouseClick(
        _button(home, "Show the 3 works: reservation in the file"), Qt.MouseButton.LeftButton
    )
    assert window.section() == "works"
    assert _listed(window) == {"/p/alpha/a1.jpg", "/p/alpha/a2.jpg", "/p/beta/b1.cr2"}
    chip = window.works.covered_button
    assert chip.isVisible() and chip.text().startswith("Reservation in the file")
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)  # every work again
    assert not chip.isVisible() and len(_listed(window)) == 6  # as before: the deleted one too

    window.show_section("home")
    qtbot.mouseClick(_button(home, "Show the 2 works without it"), Qt.MouseButton.LeftButton)
    assert _listed(window) == {"/p/alpha/a3.jpg", "/p/beta/b2.jpg"}

    window.show_section("home")
    qtbot.mouseClick(_button(home, "Show the 1 work to be tagged"), Qt.MouseButton.LeftButton)
    assert _listed(window) == {"/p/beta/b2.jpg"}
    assert window.works.state.currentData() == WorkState.STALE.value
    assert not chip.isVisible()  # a state filter shows itself in the state list


def test_a_folder_cell_opens_that_folders_works(qtbot, window):
    _portfolio(window.store)
    _counted(qtbot, window, 5)
    home = window.home
    cell = home.folder_cell("alpha", "Content Credentials")
    assert cell is not None and cell.text() == "1 of 3 (33%)"
    assert home.folder_cell("beta", "In the file").text() == "1 of 2 (50%)"
    assert home.folder_cell("beta", "Works").text() == "2"  # the deleted work counts nowhere

    table = home.folders
    table.setFocus()
    table.setCurrentItem(cell)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # Enter opens it, as a double click does
    assert window.section() == "works"
    assert _listed(window) == {"/p/alpha/a1.jpg"}
    assert window.works.folder.currentText() == "alpha"

    window.show_section("home")
    home.folders.itemActivated.emit(home.folder_cell("beta", "Works"))
    assert _listed(window) == {"/p/beta/b1.cr2", "/p/beta/b2.jpg"}


def test_confirmed_opt_outs_and_sites_are_shown_and_open_their_places(qtbot, window):
    store = window.store
    ids = _portfolio(store)
    targets = {"https://jane.example/a1.jpg": ids["a1.jpg"]}
    store.add_items("spawning", [*targets, "https://jane.example/a2.jpg"], "confirmed")
    for item in store.items("spawning", targets=list(targets)):
        store.set_items([item["id"]], work_id=targets[item["target"]])
    now = utc_now()
    site = store.add_site(
        name="folio", url="https://jane.example", policy="no-ai", transport="local"
    )
    store.update_site(site.id, published_at=now, verified_at=now, verify_ok=True)
    _counted(qtbot, window, 5)
    home = window.home
    title = "Opt-out confirmed: Spawning Do Not Train Registry (HaveIBeenTrained)"
    button = _button(home, f"Show the 1 work: {title.lower()}")
    assert button.text() == "1 of 5 (20%)"
    labels = [w.text() for w in home.findChildren(type(home.summary))]
    assert "2 of 2 items asked there confirmed" in labels
    said = [t for t in labels if "declarations live, checked" in t]
    assert len(said) == 1 and "policy no-ai reserves AI training" in labels
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert _listed(window) == {"/p/alpha/a1.jpg"}
    assert window.works.model.filter.confirmed_at == "spawning"

    window.show_section("home")
    go = [b for b in home.findChildren(type(button)) if b.text() == "Open Sites"]
    qtbot.mouseClick(go[0], Qt.MouseButton.LeftButton)
    assert window.section() == "sites"


def test_an_empty_catalogue_offers_a_folder(qtbot, window):
    _counted(qtbot, window, 0)
    home = window.home
    assert home.empty.isVisible() and not home.whole_box.isVisible()
    assert home.empty_button.text() == "Add a portfolio folder…"


def test_a_change_while_counting_is_counted_after(qtbot, window):
    """A refresh asked for while counting is not lost: the numbers end with the last change."""
    store = window.store
    folder = store.add_folder("/p/alpha", "no-ai", True)
    window.home.refresh()
    window.home.refresh()  # asked again while the first count runs
    store.add_work(folder.id, "/p/alpha/late.jpg", state=WorkState.TAGGED)
    window.home.refresh()
    qtbot.waitUntil(
        lambda: (
            not window.home.counting
            and window.home.coverage is not None
            and window.home.coverage.portfolio.in_file == 1
        ),
        timeout=WORK_MS,
    )
    assert window.store.works(covered=Covered.IN_FILE)[0].path == "/p/alpha/late.jpg"


class _Answered:
    """What the set-up wizard hands the window once Finish is pressed."""

    saved = False

    def __init__(self, answers) -> None:
        self._answers = answers
        self.failures: list[str] = []

    def answers(self):
        return self._answers

    def tag_now(self) -> bool:
        return True

    def setup_failed(self, message: str) -> None:
        self.failures.append(message)


def test_after_the_set_up_the_home_view_is_what_is_seen(qtbot, window, photos):
    from creatorapp.core.app import setup

    folder = photos("studio", count=2)
    window.show_section("policies")  # where the person was when the wizard opened
    wizard = _Answered(setup.Answers(name="Jane Doe", folders=[folder]))
    window._apply_setup(wizard)
    qtbot.waitUntil(lambda: wizard.saved or bool(wizard.failures), timeout=WORK_MS)
    assert wizard.failures == []
    assert window.section() == "home"
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WORK_MS)
    _counted(qtbot, window, 2)
    assert _button(window.home, "Show the 2 works: reservation in the file").text() == (
        "2 of 2 (100%)"
    )
