"""The dial pad: typing, pasting anything, keypad, backspace, Enter/Call emitting exactly once; icons load."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit

from c2c_desktop.gui import dialpad as dialpad_module
from c2c_desktop.gui.dialpad import EMPTY_NUMBER_TEXT, NUMBER_PLACEHOLDER, DialPad
from c2c_desktop.gui.icons import ICON_NAMES, icon, icon_path

# The offscreen platform warns when a shown window has size constraints; it is not a problem of the widget.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture
def pad(qtbot: QtBot) -> DialPad:
    widget = DialPad()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.focus_number()
    return widget


def _emitted(pad: DialPad) -> list[str]:
    calls: list[str] = []
    pad.call_requested.connect(calls.append)
    return calls


def _paste(qtbot: QtBot, pad: DialPad, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    qtbot.keyClick(pad.number_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def _enter(pad: DialPad, *, autorepeat: bool) -> QKeyEvent:
    event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r", autorepeat)
    QApplication.sendEvent(pad.number_edit, event)
    return event


def test_typing_digits_formats_as_you_type(qtbot: QtBot, pad: DialPad) -> None:
    qtbot.keyClicks(pad.number_edit, "212555")
    assert pad.display_text() == "212-555"
    qtbot.keyClicks(pad.number_edit, "0142")
    assert pad.display_text() == "(212) 555-0142"
    assert pad.number_text() == "2125550142"
    assert pad.number_edit.cursorPosition() == len(pad.display_text())


def test_typing_in_the_middle_keeps_the_cursor_by_digit(qtbot: QtBot, pad: DialPad) -> None:
    qtbot.keyClicks(pad.number_edit, "212550142")
    pad.number_edit.setCursorPosition(pad.display_text().index("0"))  # between "55" and "0142"
    qtbot.keyClicks(pad.number_edit, "5")
    assert pad.display_text() == "(212) 555-0142"
    edit = pad.number_edit
    assert edit.text()[: edit.cursorPosition()] == "(212) 555"


def test_backspace_over_a_separator_deletes_the_digit_before_it(qtbot: QtBot, pad: DialPad) -> None:
    qtbot.keyClicks(pad.number_edit, "212555")
    assert pad.display_text() == "212-555"
    pad.number_edit.setCursorPosition(4)  # just after "-"
    qtbot.keyClick(pad.number_edit, Qt.Key.Key_Backspace)
    assert pad.number_text() == "21555"
    assert pad.number_edit.text()[: pad.number_edit.cursorPosition()].replace("-", "") == "21"


@pytest.mark.parametrize(
    ("pasted", "number_text", "display"),
    [
        ("(555) 111-2222", "5551112222", "(555) 111-2222"),
        ("tel:+1-555-111-2222", "5551112222", "(555) 111-2222"),
        ("Call me at 555.111.2222 tomorrow", "5551112222", "(555) 111-2222"),
        ("callto:+12125550142", "2125550142", "(212) 555-0142"),
        ("Jane Doe\nMobile: (212) 555-0142\nThanks!", "2125550142", "(212) 555-0142"),
        ("+44 20 7946 0018", "+442079460018", "+44 20 7946 0018"),
        ("  555 111 2222  ", "5551112222", "(555) 111-2222"),
        ("(555) 111-2222 ext. 12", "(555) 111-2222 ext. 12", "(555) 111-2222 ext. 12"),
    ],
)
def test_paste_any_format(qtbot: QtBot, pad: DialPad, pasted: str, number_text: str, display: str) -> None:
    _paste(qtbot, pad, pasted)
    assert pad.number_text() == number_text
    assert pad.display_text() == display


def test_paste_without_a_number_keeps_the_text(qtbot: QtBot, pad: DialPad) -> None:
    _paste(qtbot, pad, "see you at the conference")
    assert pad.display_text() == "see you at the conference"
    assert pad.number_text() == "see you at the conference"  # so the call attempt can say why it was not sent


def test_paste_replaces_the_selection(qtbot: QtBot, pad: DialPad) -> None:
    pad.set_number("2125550142")
    pad.focus_number()  # selects all
    _paste(qtbot, pad, "tel:+1-415-555-0167")
    assert pad.number_text() == "4155550167"


def test_context_menu_paste_extracts_the_number(qtbot: QtBot, pad: DialPad) -> None:
    QGuiApplication.clipboard().setText("Reach me: tel:+1-212-555-0199")
    menu = pad.number_edit.number_context_menu()
    paste = [action for action in menu.actions() if action.text().replace("&", "").startswith("Paste")]
    assert len(paste) == 1 and paste[0].isEnabled()
    paste[0].trigger()
    menu.close()
    assert pad.number_text() == "2125550199"
    assert pad.display_text() == "(212) 555-0199"


def test_set_number_accepts_links_and_replaces_the_field(pad: DialPad) -> None:
    pad.set_number("5551112222")
    pad.set_number("tel:+1-212-555-0142")
    assert pad.display_text() == "(212) 555-0142"
    assert pad.number_text() == "2125550142"


def test_region_changes_formatting(qtbot: QtBot, pad: DialPad) -> None:
    pad.set_region("gb")
    assert pad.region() == "GB"
    qtbot.keyClicks(pad.number_edit, "02079460018")
    assert pad.display_text() == "020 7946 0018"
    assert pad.number_text() == "02079460018"


def test_keypad_buttons_and_backspace(qtbot: QtBot, pad: DialPad) -> None:
    for key in "2125550142":
        qtbot.mouseClick(pad.key_buttons[key], Qt.MouseButton.LeftButton)
    assert pad.display_text() == "(212) 555-0142"
    qtbot.mouseClick(pad.backspace_button, Qt.MouseButton.LeftButton)
    assert pad.number_text() == "212555014"
    for key in "*#":
        qtbot.mouseClick(pad.key_buttons[key], Qt.MouseButton.LeftButton)
    assert pad.number_text() == "212555014*#"
    assert pad.window().focusWidget() is pad.number_edit


def test_keypad_shows_letters_like_a_phone(pad: DialPad) -> None:
    assert len(pad.key_buttons) == 12
    two = pad.key_buttons["2"]
    assert "ABC" in two.toolTip()
    assert pad.key_buttons["7"].toolTip() == "7  PQRS"
    height = two.height()
    assert height >= 48 and two.width() >= 60  # big enough to click


def test_holding_zero_types_plus(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dialpad_module, "PLUS_HOLD_MS", 30)
    pad = DialPad()
    qtbot.addWidget(pad)
    pad.show()
    zero = pad.key_buttons["0"]
    qtbot.mousePress(zero, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pad.number_edit.text() == "+", timeout=2000)
    qtbot.mouseRelease(zero, Qt.MouseButton.LeftButton)
    assert pad.number_edit.text() == "+"  # the hold replaced the 0
    qtbot.mouseClick(zero, Qt.MouseButton.LeftButton)
    assert pad.number_text() == "+0"


def test_ctrl_backspace_clears(qtbot: QtBot, pad: DialPad) -> None:
    qtbot.keyClicks(pad.number_edit, "2125550142")
    qtbot.keyClick(pad.number_edit, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    assert pad.number_edit.text() == ""


def test_enter_emits_call_requested_once(qtbot: QtBot, pad: DialPad) -> None:
    calls = _emitted(pad)
    qtbot.keyClicks(pad.number_edit, "2125550142")
    with qtbot.assertNotEmitted(pad.number_edit.returnPressed):
        qtbot.keyClick(pad.number_edit, Qt.Key.Key_Return)
    assert calls == ["2125550142"]
    qtbot.keyClick(pad.number_edit, Qt.Key.Key_Enter)  # the keypad's Enter is the same
    assert calls == ["2125550142", "2125550142"]


def test_held_enter_emits_once(qtbot: QtBot, pad: DialPad) -> None:
    calls = _emitted(pad)
    pad.set_number("2125550142")
    _enter(pad, autorepeat=False)
    for _ in range(5):
        assert _enter(pad, autorepeat=True).isAccepted()  # swallowed: it must not reach a default button either
    assert calls == ["2125550142"]


def test_call_button_emits_once(qtbot: QtBot, pad: DialPad) -> None:
    calls = _emitted(pad)
    pad.set_number("(555) 111-2222")
    qtbot.mouseClick(pad.call_button, Qt.MouseButton.LeftButton)
    assert calls == ["5551112222"]


def test_disabled_call_ignores_enter_autorepeat_and_button(qtbot: QtBot, pad: DialPad) -> None:
    calls = _emitted(pad)
    pad.set_number("2125550142")
    pad.set_call_enabled(False)
    assert not pad.call_button.isEnabled() and not pad.is_call_enabled()
    qtbot.keyClick(pad.number_edit, Qt.Key.Key_Return)
    _enter(pad, autorepeat=False)
    _enter(pad, autorepeat=True)
    qtbot.mouseClick(pad.call_button, Qt.MouseButton.LeftButton)
    pad._request_call()  # the guard itself, whatever path reaches it
    assert calls == []
    pad.set_call_enabled(True)
    _enter(pad, autorepeat=False)
    assert calls == ["2125550142"]


def test_empty_field_does_not_request_a_call(qtbot: QtBot, pad: DialPad) -> None:
    calls = _emitted(pad)
    qtbot.keyClick(pad.number_edit, Qt.Key.Key_Return)
    qtbot.mouseClick(pad.call_button, Qt.MouseButton.LeftButton)
    assert calls == []


def test_focus_number_selects_the_text(pad: DialPad) -> None:
    pad.set_number("2125550142")
    pad.call_button.setFocus()
    pad.focus_number()
    assert pad.window().focusWidget() is pad.number_edit
    assert pad.number_edit.selectedText() == pad.display_text()


def test_every_control_has_an_accessible_name(pad: DialPad) -> None:
    controls = pad.findChildren(QAbstractButton) + pad.findChildren(QLineEdit)
    assert len(controls) == 15  # 12 keys, backspace, Call, the number field
    assert all(control.accessibleName() for control in controls)
    assert pad.number_edit.accessibleName() == "Number to call"


def test_tab_order_goes_from_number_to_call(pad: DialPad) -> None:
    assert pad.number_edit.nextInFocusChain() is pad.call_button


@pytest.mark.parametrize("name", ICON_NAMES)
def test_icons_load(qapp: QApplication, name: str) -> None:
    assert icon_path(name).is_file()
    loaded = icon(name)
    assert not loaded.isNull()
    assert not loaded.pixmap(48, 48).isNull()
    assert icon(name) is loaded  # cached


def test_unknown_icon_is_refused() -> None:
    with pytest.raises(KeyError):
        icon_path("no-such-icon")


def test_a_vanity_number_is_typed_without_a_broken_bracket(qtbot: QtBot, pad: DialPad) -> None:
    calls = _emitted(pad)
    qtbot.keyClicks(pad.number_edit, "1-800-FLOWERS")
    assert "(" not in pad.display_text() and pad.display_text() == "1800FLOWERS"  # was "1 (800FLOWERS"
    _enter(pad, autorepeat=False)
    assert pad.display_text() == "(800) 356-9377"  # the letters as their keypad digits, formatted
    assert calls == ["8003569377"]


def test_an_extension_typed_after_a_whole_number_keeps_its_formatting(qtbot: QtBot, pad: DialPad) -> None:
    qtbot.keyClicks(pad.number_edit, "2125550142 ext 7")
    assert pad.display_text().startswith("(212) 555-0142") and pad.number_text().endswith("ext 7")


def test_enter_on_an_empty_dial_pad_says_type_a_number_first(qtbot: QtBot, pad: DialPad) -> None:
    calls = _emitted(pad)
    with qtbot.waitSignal(pad.number_missing, timeout=1000):
        _enter(pad, autorepeat=False)
    assert calls == []
    assert pad.number_edit.placeholderText() == EMPTY_NUMBER_TEXT and pad.number_edit.hasFocus()
    qtbot.keyClicks(pad.number_edit, "2")
    assert pad.number_edit.placeholderText() == NUMBER_PLACEHOLDER
    pad.clear_number()
    with qtbot.waitSignal(pad.number_missing, timeout=1000):
        pad.call_button.click()
