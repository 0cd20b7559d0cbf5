"""The Policies panel: the presets and your own policies, an editor for yours, and a live preview
of what each carrier (IPTC field, robots.txt, TDMRep, ai.txt, headers) will say."""

from __future__ import annotations

from dataclasses import replace

from creatorapp.core.policy import (
    PRESETS,
    USE_MEANING,
    USE_WORDS,
    Permission,
    Policy,
    PolicyError,
    Use,
    save_policy,
    user_policies,
    validate,
)
from creatorapp.gui.preview_widget import CarrierPreview
from creatorapp.gui.qt import Qt, QtWidgets, Signal

W = QtWidgets
_TEXT = ("creator", "copyright_notice", "contact_url", "licence_url", "policy_url")
_LABELS = {
    "creator": "Creator:",
    "copyright_notice": "Copyright notice:",
    "contact_url": "Contact page:",
    "licence_url": "Licence page:",
    "policy_url": "Policy page:",
}


class PoliciesPanel(W.QWidget):
    saved = Signal(str)

    def __init__(self, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = W.QListWidget()
        self.list.setAccessibleName("Policies")
        self.list.setMaximumWidth(240)
        self.new_button = W.QPushButton("New policy")
        self.new_button.setAccessibleName("Make a new policy from the selected one")
        self.name = W.QLineEdit()
        self.name.setAccessibleName("Policy name")
        self.title = W.QLineEdit()
        self.title.setAccessibleName("Policy title")
        self.description = W.QLineEdit()
        self.description.setAccessibleName("Policy description")
        self.base = W.QComboBox()
        self.base.setAccessibleName("Based on preset")
        for preset in PRESETS.values():
            self.base.addItem(preset.title, preset.name)
        self.uses: dict[Use, W.QCheckBox] = {}
        uses_box = W.QGroupBox("Prohibited uses")
        uses_layout = W.QVBoxLayout(uses_box)
        for use in Use:
            # a short name on the box and the meaning wrapped beneath it: one line per
            # meaning made the editor wider than its side of the window
            words = USE_WORDS[use]
            box = W.QCheckBox(words[:1].upper() + words[1:])
            box.setAccessibleName(f"Prohibit {words}")
            box.setAccessibleDescription(USE_MEANING[use])
            box.setToolTip(USE_MEANING[use])
            meaning = W.QLabel(USE_MEANING[use])
            meaning.setWordWrap(True)
            meaning.setIndent(22)
            meaning.setStyleSheet("color: palette(placeholder-text)")
            self.uses[use] = box
            uses_layout.addWidget(box)
            uses_layout.addWidget(meaning)
        self.fields: dict[str, W.QLineEdit] = {}
        self.credentials = W.QCheckBox("Also sign Content Credentials (C2PA)")
        self.credentials.setToolTip("Sign Content Credentials (C2PA) into the files as well")
        self.credentials.setAccessibleName("Sign Content Credentials")
        self.save_button = W.QPushButton("Save policy")
        self.save_button.setAccessibleName("Save the policy")
        self.problem = W.QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Policy problem")
        self.problem.setStyleSheet("color: #d7263d")
        form = W.QFormLayout()
        form.setRowWrapPolicy(W.QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("&Name:", self.name)
        form.addRow("&Title:", self.title)
        form.addRow("&Description:", self.description)
        form.addRow("&Based on:", self.base)
        for key in _TEXT:
            edit = W.QLineEdit()
            edit.setAccessibleName(_LABELS[key].rstrip(":"))
            self.fields[key] = edit
            form.addRow(_LABELS[key], edit)
        editor = W.QWidget()
        editor_layout = W.QVBoxLayout(editor)
        editor_layout.addLayout(form)
        editor_layout.addWidget(uses_box)
        editor_layout.addWidget(self.credentials)
        editor_layout.addStretch(1)
        # the editor scrolls up and down only: it is never wider than its side of the window,
        # and the splitter cannot squeeze it below the width its controls need
        scroll = W.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(editor)
        scroll.setMinimumWidth(
            editor.minimumSizeHint().width()
            + scroll.verticalScrollBar().sizeHint().width()
            + 2 * scroll.frameWidth()
        )
        self.editor_scroll = scroll
        # what the editor says and its Save button stay in view below it, however it scrolls
        buttons = W.QHBoxLayout()
        buttons.addWidget(self.problem, 1)
        buttons.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        editing = W.QWidget()
        editing_layout = W.QVBoxLayout(editing)
        editing_layout.setContentsMargins(0, 0, 0, 0)
        editing_layout.addWidget(scroll, 1)
        editing_layout.addLayout(buttons)
        self.preview = CarrierPreview()
        left = W.QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(self.new_button)
        split = W.QSplitter()
        split.addWidget(editing)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = W.QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(split, 1)

        self.list.currentRowChanged.connect(self._selected)
        self.new_button.clicked.connect(self.new_policy)
        self.save_button.clicked.connect(self.save)
        self.base.currentIndexChanged.connect(self._base_changed)
        for widget in (self.name, self.title, self.description, *self.fields.values()):
            widget.textChanged.connect(self._changed)
        for box in (*self.uses.values(), self.credentials):
            box.toggled.connect(self._changed)
        self._loading = False
        self.reload()

    # --- the list ---------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for preset in PRESETS.values():
            item = W.QListWidgetItem(f"{preset.title}  (preset)")
            item.setData(Qt.ItemDataRole.UserRole, preset)
            self.list.addItem(item)
        for name, found in user_policies().items():
            item = W.QListWidgetItem(name if isinstance(found, Policy) else f"{name} (broken)")
            item.setData(Qt.ItemDataRole.UserRole, found)
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = 0
        for i in range(self.list.count()):
            found = self.list.item(i).data(Qt.ItemDataRole.UserRole)
            if isinstance(found, Policy) and found.name == select:
                row = i
        self.list.setCurrentRow(row)
        self._selected(row)

    def _selected(self, row: int) -> None:
        item = self.list.item(row)
        if item is None:
            return
        found = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(found, PolicyError):
            self.problem.setText(str(found))
            return
        self.load(found, editable=found.source != "preset")

    def load(self, policy: Policy, *, editable: bool) -> None:
        self._loading = True
        self.name.setText(policy.name)
        self.title.setText(policy.title)
        self.description.setText(policy.description)
        self.base.setCurrentIndex(max(0, self.base.findData(policy.extends or policy.name)))
        for use, box in self.uses.items():
            box.setChecked(not policy.permits(use))
        for key, edit in self.fields.items():
            edit.setText(getattr(policy, key))
        self.credentials.setChecked(policy.content_credentials)
        for widget in (
            self.name,
            self.title,
            self.description,
            self.base,
            self.save_button,
            self.credentials,
            *self.uses.values(),
            *self.fields.values(),
        ):
            widget.setEnabled(editable)
        self._loading = False
        self.problem.setText(
            ""
            if editable
            else "Presets cannot be changed: press “New policy” to make your own from this one."
        )
        self.preview.show_policy(policy)

    # --- editing ----------------------------------------------------------------------------
    def new_policy(self) -> None:
        item = self.list.currentItem()
        base = item.data(Qt.ItemDataRole.UserRole) if item else PRESETS["no-ai"]
        if not isinstance(base, Policy):
            base = PRESETS["no-ai"]
        taken = set(user_policies())
        name = next(
            f"my-{base.name}-{n}" if n else f"my-{base.name}"
            for n in range(100)
            if (f"my-{base.name}-{n}" if n else f"my-{base.name}") not in taken
        )
        fresh = replace(
            base,
            name=name,
            title=f"My {base.title}",
            source="user",
            extends=base.extends or base.name,
        )
        self.list.clearSelection()
        self.load(fresh, editable=True)
        self.name.setFocus()

    def _base_changed(self) -> None:
        if self._loading:
            return
        base = PRESETS[self.base.currentData()]
        self._loading = True
        for use, box in self.uses.items():
            box.setChecked(not base.permits(use))
        self._loading = False
        self._changed()

    def current(self) -> Policy:
        base = PRESETS[self.base.currentData()]
        uses = {
            u: Permission.PROHIBITED if self.uses[u].isChecked() else Permission.ALLOWED
            for u in Use
        }
        policy = Policy(
            self.name.text().strip(),
            self.title.text().strip() or self.name.text().strip(),
            self.description.text().strip(),
            uses,
            constraints=base.constraints,
            source="user",
            extends=base.name,
            content_credentials=self.credentials.isChecked(),
            **{k: e.text().strip() for k, e in self.fields.items()},
        )
        validate(policy)
        return policy

    def _changed(self) -> None:
        if self._loading:
            return
        try:
            policy = self.current()
        except PolicyError as exc:
            self.problem.setText(str(exc))
            self.save_button.setEnabled(False)
            return
        self.problem.setText("")
        self.save_button.setEnabled(True)
        self.preview.show_policy(policy)

    def save(self) -> bool:
        try:
            policy = self.current()
            save_policy(policy)
        except (PolicyError, OSError) as exc:
            self.problem.setText(str(exc))
            return False
        self.reload(select=policy.name)
        self.problem.setText(f"Saved {policy.name}. Folders and sites using it follow it now.")
        self.saved.emit(policy.name)
        return True
