"""The site forms are made from the transports' declarations: every registered kind can be
chosen and filled in, a GitHub Pages site can be added and published from the Sites panel, an
S3 site from the first-run page, and an SFTP server's key trusted after a person compared it."""

from __future__ import annotations

import json

import pytest

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.sites.transports.base import REGISTRY
from creatorapp.core.sites.transports.settings import Type
from creatorapp.gui.qt import QtWidgets
from tests.gui.conftest import WORK_MS
from tests.servers import github_api

W = QtWidgets


def test_every_registered_kind_has_its_form(qtbot):
    from creatorapp.gui.wizard import SitePage

    page = SitePage()
    qtbot.addWidget(page)
    offered = [page.transport.itemData(i) for i in range(page.transport.count())]
    assert offered == [cls.KIND for cls in REGISTRY.classes()]
    assert {"local", "sftp", "ftp", "webdav", "github", "s3"} <= set(offered)
    widget_for = {
        Type.BOOL: W.QCheckBox,
        Type.INT: W.QSpinBox,
        Type.CHOICE: W.QComboBox,
        Type.STR: W.QLineEdit,
        Type.URL: W.QLineEdit,
        Type.PATH: W.QLineEdit,
        Type.FOLDER: W.QLineEdit,
    }
    for cls in REGISTRY.classes():
        page.choose(cls.KIND)
        for setting in cls.SETTINGS:
            editor = page.field(setting.name)
            assert isinstance(editor, widget_for[setting.type]), (cls.KIND, setting.name)
            assert editor.accessibleName() == setting.label
            if setting.secret:
                assert editor.echoMode() == W.QLineEdit.EchoMode.Password


def test_the_page_says_which_fields_are_missing(qtbot):
    from creatorapp.gui.wizard import SitePage

    page = SitePage()
    qtbot.addWidget(page)
    page.enabled.setChecked(True)
    page.url.setText("https://jane.example")
    page.choose("s3")
    assert not page.validatePage()
    assert page.result.text() == "Fill in: Bucket, Access key ID."
    page.field("bucket").setText("jane-site")
    page.field("access_key_id").setText("AKIA1")
    assert not page.validatePage()
    assert "secret access key" in page.result.text()
    page.field("secret_access_key").setText("s3cret")
    page.field("endpoint_url").setText("minio.example")  # no scheme
    assert not page.validatePage() and "S3 address" in page.result.text()
    page.field("endpoint_url").setText("https://minio.example")
    assert page.validatePage(), page.result.text()
    answers = page.answers()
    assert answers.transport == "s3" and answers.secret == "s3cret"
    assert "secret_access_key" not in answers.settings


@pytest.fixture
def store(tmp_path):
    s = open_catalogue(tmp_path / "catalogue.sqlite3")
    yield s
    s.close()


def test_a_github_pages_site_is_added_and_published_from_the_sites_panel(qtbot, store):
    from creatorapp.gui.sites_panel import AddSiteDialog, SitesPanel

    api = github_api.GitHubStandIn()
    pages = api.serve_pages()
    try:
        panel = SitesPanel(store)
        qtbot.addWidget(panel)
        dialog = AddSiteDialog(panel.sites, panel)
        qtbot.addWidget(dialog)
        page = dialog.page
        page.site_name.setText("pages")
        page.url.setText(pages)
        page.choose("github")
        page.field("repo").setText(github_api.REPO)
        page.field("api").setText(api.url)
        page.field("token").setText(github_api.TOKEN)
        page.test_button.click()
        qtbot.waitUntil(lambda: page.result.text().startswith("Connected."), timeout=WORK_MS)
        assert secrets.get("github", "pages") is None  # the test stored nothing
        dialog.save()
        assert dialog.result() == W.QDialog.DialogCode.Accepted, page.result.text()
        record = store.site("pages")
        assert record.transport == "github" and record.settings["repo"] == github_api.REPO
        assert secrets.get("github", "pages") == github_api.TOKEN  # stored by core, in the keyring
        assert github_api.TOKEN not in json.dumps(record.settings)
        panel.refresh()
        assert "Repository: " + github_api.REPO in panel.reach.toPlainText()

        panel.publish()
        qtbot.waitUntil(lambda: panel.status.text().startswith("Published"), timeout=WORK_MS)
        assert "The live site serves them." in panel.status.text()
        assert "ai.txt" in api.files and ".nojekyll" in api.files
        assert "ok   /robots.txt is served" in panel.checks.toPlainText()
        assert store.site("pages").verify_ok is True
    finally:
        api.stop()


def test_an_s3_site_from_the_first_run_page(qtbot, store):
    """The wizard's answers, applied by core as the window does: the site and its secret."""
    from creatorapp.core.app import setup
    from creatorapp.gui.wizard import SitePage
    from tests.servers import s3d

    server = s3d.S3Server()
    try:
        page = SitePage()
        qtbot.addWidget(page)
        page.enabled.setChecked(True)
        page.url.setText("https://jane.example")
        page.choose("s3")
        key_id, secret = server.writer
        page.field("bucket").setText(s3d.BUCKET)
        page.field("endpoint_url").setText(server.url)
        page.field("access_key_id").setText(key_id)
        page.field("addressing").setCurrentText("path")
        page.field("secret_access_key").setText("wrong")
        page.test_button.click()
        qtbot.waitUntil(lambda: "Could not connect" in page.result.text(), timeout=WORK_MS)
        assert "wrong access key" in page.result.text()
        page.field("secret_access_key").setText(secret)
        page.test_button.click()
        qtbot.waitUntil(lambda: page.result.text().startswith("Connected."), timeout=WORK_MS)
        assert page.validatePage()
        setup.apply(store, setup.Answers(name="Jane Doe", site=page.answers()))
        record = store.site("portfolio")
        assert record.transport == "s3" and record.settings["addressing"] == "path"
        assert secrets.get("s3", "portfolio") == secret
    finally:
        server.stop()


def test_an_sftp_servers_key_is_trusted_from_the_page(qtbot, tmp_path, monkeypatch):
    from tests.servers import sshd

    if not sshd.available():
        pytest.skip("OpenSSH server not installed")
    from creatorapp.gui.wizard import SitePage

    server = sshd.SshServer(tmp_path / "sshd")
    docroot = tmp_path / "www"
    docroot.mkdir()
    try:
        page = SitePage()
        qtbot.addWidget(page)
        page.enabled.setChecked(True)
        page.url.setText("https://jane.example")
        page.choose("sftp")
        page.field("host").setText("127.0.0.1")
        page.field("port").setValue(server.port)
        page.field("user").setText(server.user)
        page.field("root").setText(str(docroot))
        page.field("key_file").setText(str(server.client_key))
        page.test_button.click()
        qtbot.waitUntil(lambda: "not known yet" in page.result.text(), timeout=WORK_MS)
        assert server.host_fingerprint() in page.result.text()
        assert page.trust_button.isVisibleTo(page)
        asked = []

        def answer(parent, title, text, *args):
            asked.append(text)
            return W.QMessageBox.StandardButton.Yes

        monkeypatch.setattr(W.QMessageBox, "question", answer)
        page.trust_button.click()
        qtbot.waitUntil(lambda: page.result.text().startswith("Trusted."), timeout=WORK_MS)
        assert server.host_fingerprint() in asked[0]
        page.test_button.click()
        qtbot.waitUntil(lambda: page.result.text().startswith("Connected."), timeout=WORK_MS)
    finally:
        server.stop()
