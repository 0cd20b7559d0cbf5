"""The first-run wizard end to end: a new user fills it in, tests the connection to a local-folder
site, finishes, and the window tags the folder with their own policy; then publishes, checks the
live site (served on loopback) and starts an opt-out, seeing each result in the window."""

from __future__ import annotations

import json

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.policy import user_policies
from creatorapp.gui import settings as prefs
from creatorapp.gui.main_window import MainWindow
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
    qtbot.waitUntil(lambda: "drift" in sites.status.text(), timeout=WORK_MS)
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
    assert window.optouts.attention.count() == 3
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
