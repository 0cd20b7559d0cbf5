"""The Policies panel: presets are read-only; a new policy is edited with a live preview of what
each carrier will say, refused while contradictory, and saved as a user policy file."""

from __future__ import annotations

from creatorapp.core.policy import Use, resolve_policy, user_policies
from creatorapp.gui.policies_panel import PoliciesPanel
from tests.conftest import VOCAB


def test_make_edit_preview_and_save_a_policy(qtbot):
    panel = PoliciesPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.save_button.isEnabled() and "Presets cannot be changed" in panel.problem.text()
    panel.new_policy()
    assert panel.name.text() == "my-no-ai" and panel.save_button.isEnabled()
    iptc = panel.preview.text_of("IPTC Data Mining")
    assert iptc.startswith(VOCAB + "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING")

    panel.uses[Use.SEARCH_INDEXING].setChecked(True)  # prohibit search indexing too
    assert panel.preview.text_of("IPTC Data Mining").startswith(VOCAB + "DMI-PROHIBITED\n")
    panel.fields["creator"].setText("Jane Doe")
    panel.fields["contact_url"].setText("not a web address")
    assert not panel.save_button.isEnabled()
    assert "contact_url must be an http" in panel.problem.text()
    panel.fields["contact_url"].setText("https://jane.example/contact")
    # a narrower use cannot be allowed while its broader one is prohibited
    panel.uses[Use.GENAI_TRAINING].setChecked(False)
    assert "genai_training" in panel.problem.text() and not panel.save_button.isEnabled()
    panel.uses[Use.GENAI_TRAINING].setChecked(True)
    assert panel.save()
    saved = resolve_policy("my-no-ai")
    assert saved.creator == "Jane Doe" and not saved.permits(Use.SEARCH_INDEXING)
    assert "my-no-ai" in user_policies()
    assert panel.list.currentItem().text() == "my-no-ai"
    assert "Saved my-no-ai" in panel.problem.text()


def test_every_control_of_the_editor_can_be_reached_at_the_default_window_size(qtbot, window):
    """The editor scrolls up and down, never sideways: at the size the window first opens
    with, every control can be brought wholly into view (it was cut off at the right)."""
    from creatorapp.gui.qt import QtWidgets as W

    window.show_section("policies")
    panel = window.policies
    panel.new_policy()  # an editable policy: every control enabled
    (scroll,) = panel.findChildren(W.QScrollArea)
    qtbot.waitUntil(scroll.isVisible)
    assert scroll.horizontalScrollBar().maximum() == 0  # nothing lies beyond the right edge
    controls = [
        w
        for w in panel.findChildren(W.QWidget)
        if isinstance(w, (W.QLineEdit, W.QComboBox, W.QCheckBox, W.QPushButton))
        and w.isVisibleTo(panel)
        and w is not panel.new_button
    ]
    assert panel.save_button in controls and len(controls) >= 15
    for control in controls:
        if scroll.widget().isAncestorOf(control):
            scroll.ensureWidgetVisible(control, 0, 0)
        seen = control.visibleRegion().boundingRect()
        assert seen.size() == control.size(), (control.accessibleName(), seen, control.size())
