"""The main window: a sidebar of panels over the same core services the command line uses,
a menu with shortcuts for everything, a status bar with progress and the watcher's state, a tray
icon, and drag and drop to tag."""

from __future__ import annotations

from pathlib import Path

from creatorapp import APP_TITLE, __version__
from creatorapp.core.catalogue import Store, WorkState
from creatorapp.core.optouts.descriptor import load_all
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.policy import DEFAULT_PRESET, PRESETS
from creatorapp.core.text.display import shown
from creatorapp.gui import settings as prefs
from creatorapp.gui import tasks
from creatorapp.gui.activity_panel import ActivityPanel
from creatorapp.gui.home_view import HomeView, WorksQuery
from creatorapp.gui.icons import icon, tinted
from creatorapp.gui.job_bar import JobBar
from creatorapp.gui.needs_you import SAID, Need, NeedsYou
from creatorapp.gui.notices import NoticeBar
from creatorapp.gui.operations import EVERYTHING, WORKS_CHANGED, Operations, Part
from creatorapp.gui.optouts_panel import OptOutsPanel
from creatorapp.gui.outside_changes import OutsideChanges
from creatorapp.gui.policies_panel import PoliciesPanel
from creatorapp.gui.policy_change import PolicyChange
from creatorapp.gui.qt import (
    QLabel,
    QMainWindow,
    Qt,
    QtCore,
    QtGui,
    QtWidgets,
    QVBoxLayout,
    QWidget,
)
from creatorapp.gui.sites_panel import SitesPanel
from creatorapp.gui.watching import WatchService
from creatorapp.gui.works_panel import WorksPanel

W = QtWidgets
POLL_EVERY_MS = 15 * 60 * 1000  # opt-out answers: each destination's own schedule decides


def _about() -> QWidget:
    body = QWidget()
    layout = QVBoxLayout(body)
    title = QLabel(f"<h1>{APP_TITLE}</h1>")
    title.setAccessibleName("Application title")
    preset = PRESETS[DEFAULT_PRESET]
    intro = QLabel(
        "Say “not for AI training” in every place where it counts, and keep proof.<br><br>"
        f"Default policy: <b>{preset.title}</b>: {preset.description}<br><br>"
        "Drop image files or folders on the window to tag them. Everything here is also a "
        "command: <code>creatorapp --help</code>."
    )
    intro.setWordWrap(True)
    intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    for widget in (title, intro, QLabel(f"Version {__version__}")):
        layout.addWidget(widget)
    layout.addStretch(1)
    return body


# What to do about failures that come one file at a time, and the button that goes there;
# a failed job's own message already says what to do (gui/tasks.py explains every failure).
_FAILED = SAID[Need.FAILED]  # the same notice the catalogue's failed works gather in
FAILURE_HELP: dict[str, tuple[str, str | None]] = {
    _FAILED.title: (_FAILED.advice, _FAILED.button),
    "Watching": (
        "A file the watcher could not tag is marked Failed in Works with its reason.",
        "Show failed works",
    ),
}

SECTIONS = ("home", "works", "policies", "sites", "optouts", "activity", "about")
SECTION_TITLES = ("Home", "Works", "Policies", "Sites", "Opt-outs", "Activity", "About")


class MainWindow(QMainWindow):
    def __init__(
        self, store: Store | None = None, *, offer_setup: bool = False, watch: bool = False
    ) -> None:
        super().__init__()
        from creatorapp.core.works import tagging

        tagging.use_start_method(tagging.DESKTOP_START_METHOD)  # never fork Qt's threads
        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(icon("app"))
        self.resize(1180, 740)
        self.setAcceptDrops(True)
        if store is None:
            from creatorapp.core.catalogue import open_catalogue

            store = open_catalogue(None)
        self.store = store
        self.quitting = False
        self.jobs = JobBar()
        self.operations = Operations(store, self.jobs, self)
        self.watch = WatchService(store, self)

        self.sidebar = W.QListWidget()
        self.sidebar.setAccessibleName("Sections")
        self.sidebar.setFixedWidth(170)
        self.sidebar.setIconSize(QtCore.QSize(20, 20))
        self.pages = W.QStackedWidget()
        self.works = WorksPanel(store)
        self.policies = PoliciesPanel()
        self.sites = SitesPanel(store)
        self.optouts = OptOutsPanel(OptOuts(store, load_all()))
        self.activity = ActivityPanel(store)
        # how protected the work is: the first section, and the first thing seen after set-up
        self.home = HomeView(store, self.optouts.optouts.destinations.title)
        pages = (self.works, self.policies, self.sites, self.optouts, self.activity, _about())
        for title, page in zip(SECTION_TITLES, (self.home, *pages), strict=True):
            self.sidebar.addItem(title)
            self.pages.addWidget(page)
        self._tint_icons()
        self.sidebar.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.sidebar.currentRowChanged.connect(
            lambda row: self.home.refresh() if SECTIONS[row] == "home" else None
        )  # the numbers are counted afresh whenever they are looked at
        self.notices = NoticeBar()  # background failures, said once, never in a dialog
        body = QWidget(self)
        layout = W.QHBoxLayout(body)
        layout.addWidget(self.sidebar)
        right = W.QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.notices)
        right.addWidget(self.pages, 1)
        layout.addLayout(right, 1)
        self.setCentralWidget(body)

        self.watch_label = QLabel()
        self.watch_label.setAccessibleName("Watching")
        self.statusBar().addPermanentWidget(self.jobs)
        self.statusBar().addPermanentWidget(self.watch_label)
        self._menus()
        self.tray = self._tray()

        self.works.add_folder_requested.connect(self.add_folder)
        self.works.tag_requested.connect(self.tag_files)
        self.works.undo_requested.connect(self.undo)
        self.works.tag_works_requested.connect(
            lambda paths, label: self.operations.tag([Path(p) for p in paths], label=label)
        )
        self.works.message.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.works.changed.connect(lambda: self.refresh(WORKS_CHANGED))
        self.works.policy_change_requested.connect(
            lambda folder, policy: self.policy_change.set_policy(folder, policy)
        )
        self.operations.changed.connect(self.refresh)
        self.operations.message.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.operations.failure.connect(self.notify_failure)
        tasks.show_failures_with(self.notify_failure)  # failures no caller handled
        self.operations.undo_available.connect(self._undo_changed)
        self.operations.credentials_at_stake.connect(self.ask_break_credentials)
        self.policies.saved.connect(lambda _: self.refresh())
        self.policy_change = PolicyChange(self)  # a changed policy: stale at once, then asked
        self.sites.changed.connect(self.activity.refresh)
        self.sites.changed.connect(self.home.refresh)
        self.home.open_works.connect(self.open_works)
        self.home.open_section.connect(self.show_section)
        self.home.add_folder_requested.connect(self.add_folder)
        self.needs_you = NeedsYou(self)  # what needs the person, found as the home view counts
        self.home.measured.connect(self.needs_you.heard)
        self.jobs.show_list.connect(self.show_jobs)
        tasks.list_jobs_with(self.jobs.track)  # publishing and sending join the job list
        self.watch.changed.connect(self._watch_changed)
        self.watch.problem.connect(lambda text: self.notify_failure("Watching", text))
        self.watch.tagged.connect(self._watch_tagged)
        # what commands in a terminal or scripts change in the catalogue meanwhile
        self.outside = OutsideChanges(store, self)
        self.outside.changed.connect(self._outside_changed)
        self._watch_asked = watch
        self._refresh_soon = QtCore.QTimer(self, singleShot=True, interval=500)
        self._refresh_soon.timeout.connect(lambda: self.refresh(WORKS_CHANGED))  # the watcher
        self._undo_changed(self.operations.undo_label())
        self.works.show_thumbnails(prefs.flag(prefs.THUMBNAILS, True))

        self.poll_timer = QtCore.QTimer(self, interval=POLL_EVERY_MS)
        self.poll_timer.timeout.connect(self.poll_optouts)
        self.poll_timer.start()

        geometry = prefs.settings().value(prefs.GEOMETRY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        section = prefs.settings().value(prefs.SECTION, "home")
        self.show_section(section if section in SECTIONS else "home")
        QtCore.QTimer.singleShot(0, self.home.refresh)
        QtGui.QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _: self._tint_icons())
        if offer_setup and not prefs.flag(prefs.SETUP_DONE) and not store.folders():
            QtCore.QTimer.singleShot(0, self.run_setup)
        if prefs.flag(prefs.WATCH_PAUSED):
            self.watch.state = "paused"
            self._watch_changed("paused", "Watching paused")
        elif watch:
            QtCore.QTimer.singleShot(0, self.watch.start)
        else:
            self._watch_changed("off", "Not watching")

    # --- structure --------------------------------------------------------------------------
    def _tint_icons(self) -> None:
        for row, name in enumerate(SECTIONS):
            self.sidebar.item(row).setIcon(tinted(name))

    def _action(
        self, menu: W.QMenu, text: str, slot, shortcut=None, tip: str = ""
    ) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(
            file, "&Add portfolio folder…", self.add_folder, QtGui.QKeySequence.StandardKey.Open
        )
        self._action(file, "&Tag files…", self.tag_files, "Ctrl+T")
        self._action(file, "Tag a &folder…", self.tag_folder, "Ctrl+Shift+T")
        self.undo_action = self._action(
            file, "&Undo last tagging batch", self.undo, QtGui.QKeySequence.StandardKey.Undo
        )
        file.addSeparator()
        self._action(file, "&Export evidence report…", lambda: self.activity.export(), "Ctrl+E")
        self._action(file, "Set &up again…", self.run_setup)
        file.addSeparator()
        self._action(file, "&Quit", self.quit, QtGui.QKeySequence.StandardKey.Quit)
        view = bar.addMenu("&View")
        for i, title in enumerate(SECTION_TITLES):
            self._action(
                view, title, lambda _=False, s=SECTIONS[i]: self.show_section(s), f"Ctrl+{i + 1}"
            )
        view.addSeparator()
        self._action(view, "&Find works", self.find, QtGui.QKeySequence.StandardKey.Find)
        self.thumbs_action = self._action(view, "Show &thumbnails", self._toggle_thumbnails)
        self.thumbs_action.setCheckable(True)
        self.thumbs_action.setChecked(prefs.flag(prefs.THUMBNAILS, True))
        self._action(view, "&Refresh", self.refresh, QtGui.QKeySequence.StandardKey.Refresh)
        self._action(view, "&Jobs…", self.show_jobs, "Ctrl+J", "Every running and recent job")
        watch = bar.addMenu("&Watch")
        self.pause_action = self._action(watch, "&Pause watching", self.toggle_watch, "Ctrl+P")
        self.keep_action = self._action(
            watch, "&Keep watching when the window is closed", self._toggle_keep
        )
        self.keep_action.setCheckable(True)
        self.keep_action.setChecked(prefs.flag(prefs.KEEP_WATCHING, True))
        help_ = bar.addMenu("&Help")
        self._action(help_, "&About Creator Reserve", lambda: self.show_section("about"), "F1")
        cancel = QtGui.QAction(self)
        cancel.setShortcut(QtGui.QKeySequence("Esc"))
        cancel.triggered.connect(self.jobs.cancel)
        self.addAction(cancel)

    def _tray(self) -> W.QSystemTrayIcon | None:
        if not W.QSystemTrayIcon.isSystemTrayAvailable():
            return None
        tray = W.QSystemTrayIcon(icon("tray-paused"), self)
        menu = W.QMenu(self)
        menu.addAction("Show Creator Reserve", self.bring_back)
        self.tray_pause = menu.addAction("Pause watching", self.toggle_watch)
        menu.addSeparator()
        menu.addAction("Quit", self.quit)
        tray.setContextMenu(menu)
        tray.activated.connect(
            lambda reason: (
                self.bring_back() if reason == W.QSystemTrayIcon.ActivationReason.Trigger else None
            )
        )
        tray.show()
        return tray

    # --- sections ---------------------------------------------------------------------------
    def show_section(self, name: str) -> None:
        self.sidebar.setCurrentRow(SECTIONS.index(name))

    def section(self) -> str:
        return SECTIONS[self.sidebar.currentRow()]

    def find(self) -> None:
        self.show_section("works")
        self.works.search.setFocus()
        self.works.search.selectAll()

    def refresh(self, parts: frozenset = EVERYTHING) -> None:
        """Refresh the views of what changed (a tagging batch leaves sites and opt-outs as
        they were, so their panels are not read again)."""
        views = {
            Part.WORKS: self.works.refresh,
            Part.SITES: self.sites.refresh,
            Part.OPTOUTS: self.optouts.refresh,
            Part.ACTIVITY: self.activity.refresh,
        }
        for part, refresh in views.items():
            if part in parts:
                refresh()
        self.home.refresh()  # every change may move a number of the home view

    def open_works(self, query: WorksQuery) -> None:
        """Show the works behind a number of the home view."""
        self.show_section("works")
        self.works.show_covered(
            query.label,
            folder_id=query.folder_id,
            covered=query.covered,
            confirmed_at=query.confirmed_at,
            state=query.state,
        )
        self.works.table.setFocus()

    def show_jobs(self) -> None:
        """The job list: every running and recent job, with Cancel for each (not modal)."""
        from creatorapp.gui.jobs_view import JobsView

        view = getattr(self, "jobs_view", None)
        if view is None:
            view = self.jobs_view = JobsView(self.jobs.list, self)
        view.show()
        view.raise_()
        view.activateWindow()

    def _toggle_thumbnails(self, on: bool) -> None:
        prefs.set_flag(prefs.THUMBNAILS, on)
        self.works.show_thumbnails(on)

    # --- actions ----------------------------------------------------------------------------
    def run_setup(self) -> None:
        from creatorapp.core.app import setup
        from creatorapp.gui.wizard import SetupWizard

        # a wizard whose answers were never saved (cancelled, or refused by core) comes back
        # as it was left; set-up counts as done only once core has stored the answers
        wizard = getattr(self, "wizard", None)
        if wizard is None or wizard.saved:
            wizard = SetupWizard(setup.existing(self.store), self)
            self.wizard = wizard
            wizard.accepted.connect(lambda: self._apply_setup(wizard))
        wizard.open()

    def _apply_setup(self, wizard) -> None:
        job = self.operations.apply_setup(wizard.answers(), tag=wizard.tag_now())

        # heard on the GUI thread, so not before this returns (the job's own signals are sent
        # from its thread and could come before a slot connected here)
        def finished(title: str, ok: bool) -> None:
            if title == job.title:
                forget()
                if ok:
                    wizard.saved = True
                    prefs.set_flag(prefs.SETUP_DONE, True)
                    self.show_section("home")  # how protected the work now is

        def failed(title: str, message: str) -> None:
            if title == job.title:
                forget()
                wizard.setup_failed(message)

        def forget() -> None:
            self.jobs.finished.disconnect(finished)
            self.operations.failure.disconnect(failed)

        self.jobs.finished.connect(finished)
        self.operations.failure.connect(failed)
        self.operations.changed.connect(self._after_setup, Qt.ConnectionType.SingleShotConnection)
        self._watch_when_idle()

    def _after_setup(self, _parts: object = None) -> None:
        self.policies.reload(select="mine")

    def _watch_when_idle(self) -> None:
        """Watch the new folders once the queued jobs (the scan, then the tagging batch it
        queues) are over.  A watcher started earlier catches up on the same new files beside
        the batch: two writers race on each file and the batch, losing, records as failed a
        file the watcher has just tagged, which the watcher then never looks at again."""
        if self.jobs.busy:
            self.jobs.idle.connect(self.watch.refresh, Qt.ConnectionType.SingleShotConnection)
        else:
            self.watch.refresh()

    def add_folder(self, path: str | None = None) -> None:
        """Add a portfolio folder.  Chosen here (menu, Works panel), the folder is first
        shown in the add-folder dialog: which policy, how many works and how each is written,
        before anything starts.  A path given by the caller is added at once, with the
        user's own policy."""
        if path:
            self._add_folder_now(Path(path))
            return
        chosen = W.QFileDialog.getExistingDirectory(
            self, "Add a portfolio folder", str(Path.home())
        )
        if not chosen:
            return
        from creatorapp.gui.add_folder_dialog import AddFolderDialog

        dialog = AddFolderDialog(Path(chosen), self)
        self.add_folder_dialog = dialog
        dialog.accepted.connect(
            lambda: self._add_folder_now(Path(chosen), policy=dialog.policy(), tag=dialog.tag())
        )
        dialog.open()

    def _add_folder_now(self, path: Path, *, policy: str | None = None, tag: bool = True) -> None:
        self.show_section("works")
        self.operations.add_folders([path], tag=tag, policy=policy)
        self._watch_when_idle()

    def tag_files(self) -> None:
        files, _ = W.QFileDialog.getOpenFileNames(self, "Tag files", str(Path.home()))
        if files:
            self.tag([Path(f) for f in files])

    def tag_folder(self) -> None:
        folder = W.QFileDialog.getExistingDirectory(self, "Tag a folder", str(Path.home()))
        if folder:
            self.tag([Path(folder)])

    def tag(self, paths: list[Path]):
        self.show_section("works")
        return self.operations.tag(paths)

    def undo(self) -> None:
        label = self.operations.undo_label()
        if not label:
            self.statusBar().showMessage("Nothing to undo", 5000)
            return
        self.operations.undo_last()

    def _undo_changed(self, label: str) -> None:
        self.works.set_undo(label)
        self.undo_action.setEnabled(bool(label))
        self.undo_action.setText(f"&Undo {label}" if label else "&Undo last tagging batch")

    def poll_optouts(self) -> None:
        optouts = self.optouts.optouts

        def work():
            optouts.send_queued()
            return optouts.poll()

        tasks.Op(work, title="Sending and checking opt-outs", listed=True).success(
            self._polled
        ).run()

    def _polled(self, report) -> None:
        confirmed = sum(c.get("confirmed", 0) for c in report.changes.values())
        refused = sum(c.get("rejected", 0) for c in report.changes.values())
        if confirmed or refused:
            self.notify("Opt-out answers", f"{confirmed} confirmed, {refused} refused")
        self.optouts.refresh()
        self.home.refresh()

    # --- watching ---------------------------------------------------------------------------
    def toggle_watch(self) -> None:
        if self.watch.state in ("watching", "starting", "elsewhere"):
            prefs.set_flag(prefs.WATCH_PAUSED, True)
            self.watch.pause()
        else:
            prefs.set_flag(prefs.WATCH_PAUSED, False)
            self.watch.start()

    def _outside_changed(self, parts: frozenset) -> None:
        """Another process changed the catalogue: the same views refresh as for a job of ours,
        and folders it added are watched (when the window watches and had none yet)."""
        self.refresh(parts)
        if Part.WORKS in parts and self._watch_asked and self.watch.state == "off":
            self.watch.start()

    def _toggle_keep(self, on: bool) -> None:
        prefs.set_flag(prefs.KEEP_WATCHING, on)

    def _watch_changed(self, state: str, text: str) -> None:
        self.watch_label.setText(text)
        running = state in ("watching", "starting", "elsewhere")
        self.pause_action.setText("&Pause watching" if running else "&Resume watching")
        if self.tray is not None:
            name = {"watching": "tray-watching", "starting": "tray-watching"}.get(
                state, "tray-paused"
            )
            self.tray.setIcon(icon(name))
            self.tray.setToolTip(f"{APP_TITLE}: {text}")
            self.tray_pause.setText("Pause watching" if running else "Resume watching")

    def _watch_tagged(self, path: str) -> None:
        self.watch_label.setText(f"Watching: tagged {Path(path).name}")
        self._refresh_soon.start()

    # --- notifications ----------------------------------------------------------------------
    def notify(self, title: str, text: str) -> None:
        self.statusBar().showMessage(f"{title}: {text}", 15000)
        if self.tray is not None and (not self.isVisible() or not self.isActiveWindow()):
            self.tray.showMessage(title, text, icon("app"), 8000)

    def notify_failure(self, title: str, text: str) -> None:
        """A background failure, said once: a notice above the panels that stays until it is
        dismissed (the tray says it too while the window is hidden).  Never a dialog that
        takes the keyboard, never a line that is gone in seconds."""
        if text == tasks.CANCELLED:  # the user cancelled it: nothing went wrong
            self.statusBar().showMessage(f"{title}: {text}", 15000)
            return
        self.last_failure = (title, text)
        advice, button = FAILURE_HELP.get(title, ("", None))
        self.notices.add(
            title,
            text,
            heading=title if title in FAILURE_HELP else f"{title} did not finish",
            advice=advice,
            action=(button, self.show_failed_works) if button else None,
        )
        if self.tray is not None and not self.isVisible():
            self.tray.showMessage(title, text, icon("app"), 8000)

    def show_failed_works(self) -> None:
        self.show_section("works")
        self.works.show_state(WorkState.FAILED)
        self.works.table.setFocus()

    def ask_break_credentials(self, paths: list[str]) -> None:
        """Signed files were left alone because there is no identity to sign them again: say
        what tagging them would cost and let the creator choose, without blocking."""
        count = len(paths)
        files = "1 file carries" if count == 1 else f"{count:,} files carry"
        box = W.QMessageBox(
            W.QMessageBox.Icon.Question,
            "Content Credentials would become invalid",
            f"{files} Content Credentials. Tagging changes the file, so the credentials "
            "would no longer match it and would read as invalid. With a signing identity of "
            "your own they could be signed again instead; until you have one, leave them as "
            "they are, or tag them anyway.",
            parent=self,
        )
        box.setDetailedText("\n".join(shown(p) for p in paths[:200]))
        go = box.addButton("Tag anyway", W.QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Leave them as they are", W.QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(W.QMessageBox.StandardButton.NoButton)

        def answered() -> None:
            if box.clickedButton() is go:
                self.operations.tag(
                    [Path(p) for p in paths], label="signed files", break_credentials=True
                )

        box.finished.connect(answered)
        self.credentials_box = box
        box.open()

    # --- drag and drop ----------------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.tag(paths)

    # --- closing ----------------------------------------------------------------------------
    def bring_back(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()

    def quit(self) -> None:
        self.quitting = True
        tasks.show_failures_with(None)
        tasks.list_jobs_with(None)
        self.close()
        app = QtWidgets.QApplication.instance()
        if app is not None and self.tray is not None:
            app.quit()

    def closeEvent(self, event) -> None:
        prefs.settings().setValue(prefs.GEOMETRY, self.saveGeometry())
        prefs.settings().setValue(prefs.SECTION, self.section())
        keep = prefs.flag(prefs.KEEP_WATCHING, True)
        if not self.quitting and keep and self.tray is not None and self.watch.state == "watching":
            self.hide()
            self.tray.showMessage(APP_TITLE, "Still watching your folders. Quit from this icon.")
            event.ignore()
            return
        self.jobs.cancel()
        self.home.close_view()
        tasks.list_jobs_with(None)
        QtCore.QThreadPool.globalInstance().waitForDone()
        self.watch.stop_now()
        if self.tray is not None:
            self.tray.hide()
        self.poll_timer.stop()
        self.outside.stop()
        self._refresh_soon.stop()
        self.works.model.freeze()
        self.activity.model.freeze()
        self.store.close()
        super().closeEvent(event)
