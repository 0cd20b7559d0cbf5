"""The first-run wizard end to end: a new user fills it in, tests the connection to a local-folder
site, finishes, and the window tags the folder with their own policy; then publishes, checks the
live site (served on loopback) and starts an opt-out, seeing each result in the window."""

from __future__ import annotations

import json

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.policy import user_policies
from creatorapp.gui import settings as prefs
from creatorapp.gui.main_window import MainWindow
from creatorapp.gui.qt import Qt
from creatorapp.gui.qt import QtWidgets as W
from tests.conftest import VOCAB
from tests.gui.conftest import WORK_MS, tagged
from tests.servers.http_site import SiteServer


def test_a_new_user_from_wizard_to_opt_out(qtbot, tmp_path, photos, exiftool):
    folder = photos(count=3)
    site_root = tmp_path / "site"
    site_root.mkdir()
    server = SiteServer(site_root)
    store = open_catalogue(tmp_path / "catalogue.sqlite3")
    window = MainWindow(store, offer_setup=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: getattr(window, "wizard", None) is not None and window.wizard.isVisible()
    )
    wizard = window.wizard

    # who you are: the notice follows the name until edited
    assert not wizard.button(wizard.WizardButton.NextButton).isEnabled()  # a name is required
    wizard.you.name.setText("Jane Doe")
    assert "Jane Doe. All rights reserved." in wizard.you.notice.text()
    wizard.you.email.setText("jane@example.com")
    wizard.next()
    # the policy: choosing a preset changes what the preview says each carrier will carry
    wizard.policy.choose("no-tdm")
    assert wizard.policy.preview.text_of("IPTC Data Mining").startswith(VOCAB + "DMI-PROHIBITED\n")
    wizard.policy.choose("no-ai")
    assert "EXCEPTSEARCHENGINEINDEXING" in wizard.policy.preview.text_of("IPTC Data Mining")
    assert "GPTBot" in wizard.policy.preview.text_of("robots.txt")
    wizard.next()
    wizard.folders.add_folder(folder)
    wizard.next()
    # the site, with a connection test: first a wrong folder, then the right one
    page = wizard.site
    page.enabled.setChecked(True)
    page.url.setText(server.url)
    page.field("root").setText(str(tmp_path / "no-such-folder"))
    page.test_button.click()
    qtbot.waitUntil(lambda: page.result.text().startswith("Could not connect"), timeout=WORK_MS)
    page.field("root").setText(str(site_root))
    page.test_button.click()
    qtbot.waitUntil(lambda: page.result.text().startswith("Connected."), timeout=WORK_MS)
    wizard.next()
    wizard.registries.choose(["laion"])
    wizard.accept()

    # settled: the batch has tagged the folder, then (never beside it) the watcher has started
    qtbot.waitUntil(
        lambda: tagged(store) == 3 and not window.jobs.busy and window.watch.state == "watching",
        timeout=WORK_MS,
    )
    assert prefs.flag(prefs.SETUP_DONE)
    mine = user_policies()["mine"]
    assert mine.creator == "Jane Doe" and mine.extends == "no-ai"
    assert exiftool(folder / "p000.jpg")["XMP-dc:Creator"] in ("Jane Doe", ["Jane Doe"])
    assert store.setting("contact")["email"] == "jane@example.com"

    # publish to the local-folder site, then check the live site
    window.show_section("sites")
    sites = window.sites
    qtbot.waitUntil(lambda: sites.table.rowCount() == 1)
    sites.preview_button.click()
    qtbot.waitUntil(lambda: "robots.txt" in sites.diff.toPlainText(), timeout=WORK_MS)
    assert not (site_root / "robots.txt").exists()  # a preview writes nothing
    sites.publish_button.click()
    qtbot.waitUntil(lambda: sites.status.text().startswith("Published"), timeout=WORK_MS)
    assert (
        json.loads((site_root / ".well-known" / "tdmrep.json").read_text())[0]["tdm-reservation"]
        == 1
    )
    sites.verify_button.click()
    qtbot.waitUntil(lambda: "serves every declaration" in sites.status.text(), timeout=WORK_MS)
    # someone edits robots.txt on the server: the next check shows the drift
    (site_root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    sites.verify_button.click()
    qtbot.waitUntil(lambda: "changed since publishing" in sites.status.text(), timeout=WORK_MS)
    assert "DRIFT /robots.txt" in sites.checks.toPlainText()

    # start an opt-out for the folder's works, as published on the site
    from creatorapp.gui.optout_dialog import OptOutDialog

    window.optouts.optouts.options = {"laion": {"open_browser": False}}
    dialog = OptOutDialog(window.optouts.optouts, window)
    qtbot.addWidget(dialog)
    assert dialog.destination.currentData() == "laion"  # the wizard's choice comes first
    dialog.base_url.setText(server.url + "/images/")
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: "Nothing was sent" in dialog.result.text(), timeout=WORK_MS)
    assert f"{server.url}/images/p000.jpg" in dialog.preview.toPlainText()
    assert store.submissions() == []
    dialog.send_button.click()
    qtbot.waitUntil(lambda: "recorded" in dialog.result.text(), timeout=WORK_MS)
    dialog.accept()
    window.optouts.refresh()
    assert "3 waiting for you" in window.optouts.summary.text()
    assert window.optouts.attention.count() == 1  # one request for the three works
    window.quit()
    server.close()


def test_wizard_cancelled_leaves_nothing(qtbot, tmp_path):
    from creatorapp.core import secrets
    from creatorapp.gui.wizard import SetupWizard

    wizard = SetupWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.you.name.setText("Jane Doe")
    page = wizard.site
    page.enabled.setChecked(True)
    page.transport.setCurrentIndex(page.transport.findData("ftp"))
    page.field("host").setText("127.0.0.1")
    page.field("port").setValue(1)  # nothing listens there
    page.field("user").setText("jane")
    page.field("root").setText("/")
    page.field("password").setText("s3cret")
    page.url.setText("https://jane.example")
    page.test_button.click()
    qtbot.waitUntil(lambda: page.result.text().startswith("Could not connect"), timeout=WORK_MS)
    assert "s3cret" not in page.result.text()
    wizard.reject()
    assert secrets.get("ftp", "portfolio") is None  # the test's password is not kept
    assert user_policies() == {}


# --- issue 19, point 1: every page is checked as it is left, and nothing typed is ever lost ---


def _wizard(qtbot):
    from creatorapp.gui.wizard import SetupWizard

    wizard = SetupWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def _press(qtbot, wizard, which) -> None:
    qtbot.mouseClick(wizard.button(which), Qt.MouseButton.LeftButton)


def test_a_bad_field_is_said_under_it_and_nothing_typed_is_lost(qtbot, monkeypatch):
    boxes: list[str] = []
    monkeypatch.setattr(W.QMessageBox, "warning", lambda *a, **k: boxes.append(a[2]))
    wizard = _wizard(qtbot)
    B = wizard.WizardButton
    you = wizard.you
    qtbot.keyClicks(you.name, "Jane Doe")
    you.email.clear()
    qtbot.keyClicks(you.email, "jane-at-example.com")
    qtbot.keyClicks(you.url, "jane.example/contact")
    _press(qtbot, wizard, B.NextButton)

    assert wizard.currentId() == 0  # refused as the page is left, not at Finish
    said = you.problems.text(you.url)
    assert "https://" in said and "email" in you.problems.text(you.email)
    assert you.problems.text(you.name) == "" and boxes == []  # beside the field, not a box
    for field in (you.url, you.email):
        under = [w for w in you.findChildren(W.QLabel) if w.text() == you.problems.text(field)]
        assert len(under) == 1 and under[0].isVisible()
        # beside the field: in its column, just below it
        assert under[0].geometry().left() == field.geometry().left()
        assert 0 <= under[0].geometry().top() - field.geometry().bottom() < 20
        assert "border" in field.styleSheet()  # the field is marked
    assert wizard.focusWidget() is you.email  # the first field with a problem
    # everything typed is still there
    assert (you.name.text(), you.email.text(), you.url.text()) == (
        "Jane Doe",
        "jane-at-example.com",
        "jane.example/contact",
    )

    # editing a field takes its line away; the page goes on once core accepts it
    you.url.selectAll()
    qtbot.keyClicks(you.url, "https://jane.example/contact")
    assert you.problems.text(you.url) == "" and "border" not in you.url.styleSheet()
    _press(qtbot, wizard, B.NextButton)
    assert wizard.currentId() == 0 and you.problems.text(you.email)
    you.email.selectAll()
    qtbot.keyClicks(you.email, "jane@example.com")
    _press(qtbot, wizard, B.NextButton)
    assert wizard.currentId() == 1

    # Back keeps the page as it was typed (Qt's default empties a page's fields on Back)
    _press(qtbot, wizard, B.BackButton)
    assert wizard.currentId() == 0
    assert (you.name.text(), you.email.text(), you.url.text()) == (
        "Jane Doe",
        "jane@example.com",
        "https://jane.example/contact",
    )


def test_enter_presses_next_or_finish_never_back_or_cancel(qtbot):
    wizard = _wizard(qtbot)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)  # focus, as a person's clicks give it
    B = wizard.WizardButton
    qtbot.keyClicks(wizard.you.name, "Jane Doe")
    qtbot.keyClick(wizard.you.name, Qt.Key.Key_Return)
    assert wizard.currentId() == 1
    # a clicked button keeps the focus: Back, then Cancel, have it when Enter is pressed
    for button in (B.BackButton, B.CancelButton):
        start = wizard.currentId()
        wizard.button(button).setFocus()
        assert wizard.button(button).hasFocus()
        qtbot.keyClick(wizard.button(button), Qt.Key.Key_Return)
        assert wizard.currentId() == start + 1 and wizard.isVisible()
    assert wizard.button(B.NextButton).isDefault()
    wizard.site.url.setFocus()
    qtbot.keyClick(wizard.site.url, Qt.Key.Key_Return)  # no site: the page is fine as it is
    assert wizard.currentId() == 4 and wizard.button(B.FinishButton).isDefault()
    wizard.site.test_button.setFocus()
    assert not wizard.site.test_button.autoDefault()
    assert not wizard.folders.add_button.autoDefault()


def test_every_label_with_a_shortcut_letter_has_its_field(qtbot):
    """A label whose text marks a shortcut letter ("&Folder") shows the ampersand itself
    unless it names the field it is for; every page and every site form is looked at."""
    wizard = _wizard(qtbot)

    def lone_ampersands() -> list[str]:
        return [
            label.text()
            for label in wizard.findChildren(W.QLabel)
            if "&" in label.text().replace("&&", "")
            and not label.text().lstrip().startswith("<")  # rich text: an entity, no shortcut
            and label.buddy() is None
        ]

    for kind in [wizard.site.transport.itemData(i) for i in range(wizard.site.transport.count())]:
        wizard.site.choose(kind)
        assert lone_ampersands() == [], kind


def test_github_pages_on_the_site_page_and_what_is_missing_said_under_its_field(qtbot):
    wizard = _wizard(qtbot)
    page = wizard.site
    assert "GitHub Pages" in [page.transport.itemText(i) for i in range(page.transport.count())]
    page.enabled.setChecked(True)
    qtbot.keyClicks(page.url, "jane.example")
    page.choose("github")  # the form is the one made from the transport's declared settings
    assert page.settings_form().cls.KIND == "github"
    assert not page.validatePage()
    assert "https://example.com" in page.problems.text(page.url)
    assert page.problems.text(page.field("repo")) == "Fill in the repository."
    page.url.selectAll()
    qtbot.keyClicks(page.url, "https://jane.github.io")
    qtbot.keyClicks(page.field("repo"), "not a repository")
    assert not page.validatePage()
    assert page.problems.text(page.url) == ""
    assert page.problems.text(page.field("repo"))  # the declared pattern refuses it
    page.field("repo").selectAll()
    qtbot.keyClicks(page.field("repo"), "jane/jane.github.io")
    assert not page.validatePage()
    assert "token" in page.problems.text(page.field("token")).lower()
    qtbot.keyClicks(page.field("token"), "ghp_example")
    assert page.validatePage(), page.result.text()
    assert page.field("repo").text() == "jane/jane.github.io"  # nothing typed was cleared
    site = page.answers()
    assert (site.transport, site.settings["repo"], site.secret) == (
        "github",
        "jane/jane.github.io",
        "ghp_example",
    )


def _through_to_the_end(wizard) -> None:
    while wizard.currentId() < 4:
        start = wizard.currentId()
        wizard.next()
        assert wizard.currentId() == start + 1, start


def test_set_up_is_done_only_once_saved_and_a_refused_one_comes_back_as_it_was(
    qtbot, tmp_path, photos
):
    import shutil

    folder = photos(count=2)
    store = open_catalogue(tmp_path / "catalogue.sqlite3")
    window = MainWindow(store, offer_setup=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: getattr(window, "wizard", None) is not None and window.wizard.isVisible()
    )
    wizard = window.wizard
    wizard.you.name.setText("Jane Doe")
    wizard.you.url.setText("https://jane.example/contact")
    wizard.next()
    wizard.next()
    wizard.folders.add_folder(folder)
    _through_to_the_end(wizard)
    shutil.rmtree(folder)  # gone before Finish: core refuses to add it
    _press(qtbot, wizard, wizard.WizardButton.FinishButton)

    qtbot.waitUntil(
        lambda: wizard.isVisible() and "not saved" in wizard.registries.problem.text(),
        timeout=WORK_MS,
    )
    assert "not a folder" in wizard.registries.problem.text()
    assert not prefs.flag(prefs.SETUP_DONE)
    assert (wizard.you.name.text(), wizard.you.url.text()) == (
        "Jane Doe",
        "https://jane.example/contact",
    )
    assert wizard.folders.folders_as_text() == [str(folder)]

    # back to the folders, take the missing one out, finish again: now it is done
    while wizard.currentId() > 2:
        wizard.back()
    wizard.folders.list.setCurrentRow(0)
    wizard.folders.remove_button.click()
    _through_to_the_end(wizard)
    _press(qtbot, wizard, wizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: prefs.flag(prefs.SETUP_DONE), timeout=WORK_MS)
    assert not wizard.isVisible() and wizard.saved
    assert user_policies()["mine"].contact_url == "https://jane.example/contact"
    window.quit()


def test_a_cancelled_set_up_is_not_done_and_comes_back_with_what_was_typed(qtbot, tmp_path):
    store = open_catalogue(tmp_path / "catalogue.sqlite3")
    window = MainWindow(store, offer_setup=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: getattr(window, "wizard", None) is not None and window.wizard.isVisible()
    )
    wizard = window.wizard
    qtbot.keyClicks(wizard.you.name, "Jane Doe")
    wizard.next()
    _press(qtbot, wizard, wizard.WizardButton.CancelButton)
    assert not wizard.isVisible()
    assert not prefs.flag(prefs.SETUP_DONE)  # offered again at the next start
    window.run_setup()
    assert window.wizard is wizard and wizard.isVisible()
    assert wizard.you.name.text() == "Jane Doe"
    window.quit()


def test_the_folder_page_says_what_each_folder_holds_and_its_policy(qtbot, tmp_path, photos):
    from PIL import Image

    folder = photos(count=2)
    Image.new("RGB", (8, 8)).save(folder / "anim.gif")  # written by sidecar
    wizard = _wizard(qtbot)
    wizard.you.name.setText("Jane Doe")
    wizard.next()
    wizard.policy.choose("no-genai")
    wizard.next()
    assert "No generative AI" in wizard.folders.policy_note.text()
    wizard.folders.add_folder(folder)
    qtbot.waitUntil(lambda: "found" in wizard.folders.summary(folder), timeout=WORK_MS)
    said = wizard.folders.summary(folder)
    assert said == (
        "3 works found. The reservation goes into the file for 2 (JPEG 2) and into an XMP "
        "sidecar file beside the image for 1 (GIF 1), leaving that image untouched."
    )
