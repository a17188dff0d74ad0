"""Settings → Dispositions (issue 12): the disposition list and each one's rule edited in a table, written by OK into
real files (dispositions.txt, disposition_rules.json in tmp_path), nonsense refused with one line naming the row, and
a running session that uses the change from its next card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from c2c_desktop.core.calllists import ItemState, StoreCallLists
from c2c_desktop.core.config import Settings, dispositions_path_for
from c2c_desktop.core.disposition_rules import (
    Action,
    DispositionRulesError,
    load_rules,
    rules_path_for,
    save_dispositions_and_rules,
)
from c2c_desktop.core.journal_export import DEFAULT_DISPOSITIONS, load_dispositions
from c2c_desktop.core.list_session import Phase, session_dispositions
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.gui.dispositions_page import DispositionsPage, default_rows
from c2c_desktop.gui.settings_dialog import SettingsDialog
from tests.gui.session_support import enter_when_armed, fill_store, letter, open_profile, wait_card, when_modal
from tests.gui.windows import running_window

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

SETTINGS = Settings(agent_number="+12125550100")
SIGNAL_MS = 10_000


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "dispositions.txt", tmp_path / "disposition_rules.json"


def _open(qtbot: QtBot, files: tuple[Path, Path]) -> SettingsDialog:
    dialog = SettingsDialog(SETTINGS, None, dispositions_path=files[0], rules_path=files[1])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.pages.setCurrentWidget(dialog.dispositions_page)
    return dialog


def _row(page: DispositionsPage, name: str) -> int:
    rows = page.names()
    assert name in rows, rows
    page.select_row(rows.index(name))
    return rows.index(name)


def _type(edit: QWidget, text: str) -> None:
    """Replace the text of a line edit as typing would (textEdited fires)."""
    edit.setFocus()
    edit.selectAll()  # type: ignore[attr-defined]
    edit.insert(text)  # type: ignore[attr-defined]


def _choose(page: DispositionsPage, action: str) -> None:
    page.action_combo.setCurrentIndex(page.action_combo.findData(action))


def _rules_json(path: Path) -> dict[str, dict[str, object]]:
    rows = json.loads(path.read_text(encoding="utf-8"))["rules"]
    return {str(row.get("disposition") or "No answer"): row for row in rows}


def test_the_defaults_are_shown_in_the_order_of_the_keys(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    page = _open(qtbot, files).dispositions_page
    assert page.names() == [*DEFAULT_DISPOSITIONS, "No answer", "Do not call"]
    table = page.table
    shown = [[table.item(row, column).text() for column in range(4)] for row in range(table.rowCount())]
    assert shown[1] == ["Left voicemail", "retry", "1d", "no limit"]
    assert shown[2][:2] == ["Wrong number", "wrong number"]
    assert shown[5] == ["No answer", "retry", "2h", "6 attempts"]
    assert shown[6][:2] == ["Do not call", "do not call"]
    assert table.verticalHeaderItem(0).text() == "1" and page.problem() == ""


def test_an_edited_rule_is_written_to_both_files_by_ok(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    dialog = _open(qtbot, files)
    page = dialog.dispositions_page
    _row(page, "Left voicemail")
    _type(page.delay_edit, "3h")
    page.attempts_spin.setValue(4)
    _row(page, "Not interested")
    _choose(page, Action.SKIP.value)
    assert page.table.item(3, 1).text() == "skip"
    assert not files[0].exists() and not files[1].exists()  # nothing before OK
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert dialog.dispositions_saved() is not None
    written = _rules_json(files[1])
    assert written["Left voicemail"] == {
        "disposition": "Left voicemail",
        "action": "retry",
        "delay": "3h",
        "max_attempts": 4,
    }
    assert written["Not interested"] == {"disposition": "Not interested", "action": "skip"}
    assert written["Wrong number"] == {"disposition": "Wrong number", "action": "done", "flag_number": True}
    assert files[0].read_text(encoding="utf-8").splitlines() == page.names()
    rules = load_rules(files[1])  # what a session and the CLI read
    voicemail = rules.find("left voicemail")
    assert voicemail is not None and voicemail.max_attempts == 4 and voicemail.describe().startswith("retry in 3 h")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda page: (_row(page, "Left voicemail"), _type(page.delay_edit, "0m")), 'Row 2 ("Left voicemail"): delay'),
        (lambda page: (_row(page, "Left voicemail"), _type(page.delay_edit, "400d")), "use 1 minute to 365 days"),
        (lambda page: (_row(page, "Not interested"), _type(page.name_edit, "")), "Row 4: a disposition name is"),
        (
            lambda page: (_row(page, "Not interested"), _type(page.name_edit, "left VOICEMAIL")),
            'Row 4 ("left VOICEMAIL"): a second rule for the same disposition',
        ),
        (None, "The rules go round in a loop: Wrong number → Not interested → Wrong number."),
    ],
    ids=["zero delay", "400 days", "empty name", "duplicate", "loop"],
)
def test_nonsense_is_refused_with_one_line_naming_the_row_and_nothing_is_written(
    qtbot: QtBot, files: tuple[Path, Path], edit: object, message: str
) -> None:
    dialog = _open(qtbot, files)
    page = dialog.dispositions_page
    if edit is None:  # a loop: Wrong number is the same as Not interested, which is the same as Wrong number
        _row(page, "Wrong number")
        _choose(page, Action.SAME_AS.value)
        page.same_as_combo.setEditText("Not interested")
        _row(page, "Not interested")
        _choose(page, Action.SAME_AS.value)
        page.same_as_combo.setEditText("Wrong number")
    else:
        edit(page)  # type: ignore[operator]
    assert message in page.problem()
    assert "\n" not in page.problem()
    assert page.message.isVisible() and page.message.text() == page.problem()
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # Enter in a field: refused as well
    assert dialog.isVisible() and dialog.dispositions_saved() is None
    assert not files[0].exists() and not files[1].exists()


def test_cancel_writes_nothing(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    files[0].write_text("Interested\nVoicemail\n", encoding="utf-8")
    before = files[0].read_text(encoding="utf-8")
    dialog = _open(qtbot, files)
    page = dialog.dispositions_page
    _row(page, "Voicemail")
    _choose(page, Action.RETRY.value)
    page.remove_row()
    dialog.reject()
    assert files[0].read_text(encoding="utf-8") == before and not files[1].exists()


def test_ok_without_a_change_writes_nothing(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    dialog = _open(qtbot, files)
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert dialog.dispositions_saved() is None and not files[0].exists() and not files[1].exists()


def test_restore_defaults(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    files[0].write_text("Interested\nGatekeeper\n", encoding="utf-8")
    files[1].write_text(
        json.dumps({"rules": [{"disposition": "Gatekeeper", "action": "retry", "delay": "30m"}]}), encoding="utf-8"
    )
    dialog = _open(qtbot, files)
    page = dialog.dispositions_page
    assert page.names() == ["Interested", "Gatekeeper"]
    qtbot.mouseClick(page.defaults_button, Qt.MouseButton.LeftButton)
    assert page.rows() == default_rows()
    dialog.accept()
    assert load_dispositions(files[0]) == [*DEFAULT_DISPOSITIONS, "No answer", "Do not call"]
    rules = load_rules(files[1])
    assert rules.find("Gatekeeper") is None
    assert rules.no_answer.max_attempts == 6 and rules.find("Left voicemail") is not None


def test_the_keys_follow_the_table_order_alt_up_and_down(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    dialog = _open(qtbot, files)
    page = dialog.dispositions_page
    _row(page, "Call back later")
    page.table.setFocus()
    for _ in range(4):
        qtbot.keyClick(page.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert page.names()[:3] == ["Connected – interested", "Call back later", "Left voicemail"]
    assert page.current_row() == 1  # the moved row stays selected
    _row(page, "Do not call")
    qtbot.keyClick(page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # the last: stays
    assert page.names()[-1] == "Do not call"
    dialog.accept()
    # The keys 1–9 of a calling session, as it reads the two files.
    assert session_dispositions(load_dispositions(files[0]), load_rules(files[1])) == page.names()


def test_a_rule_for_a_disposition_not_in_the_list_is_shown_and_kept(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    files[0].write_text("Interested\nNot interested\n", encoding="utf-8")
    files[1].write_text(
        json.dumps(
            {
                "rules": [
                    {"disposition": "Voicemail full", "action": "same-as", "as": "No answer"},
                    {"outcome": "no answer", "action": "retry", "delay": "90m", "max_attempts": 3},
                ]
            }
        ),
        encoding="utf-8",
    )
    dialog = _open(qtbot, files)
    page = dialog.dispositions_page
    # After the list's names, in the rules file's order: where a session puts them on the keys.
    assert page.names() == ["Interested", "Not interested", "Voicemail full", "No answer"]
    assert page.table.item(2, 1).text() == "same as “No answer”"
    assert page.table.item(3, 2).text() == "90m"
    _row(page, "Interested")
    _choose(page, Action.CALLBACK.value)
    dialog.accept()
    assert load_dispositions(files[0]) == ["Interested", "Not interested", "Voicemail full", "No answer"]
    rules = load_rules(files[1])
    full = rules.find("Voicemail full")
    assert full is not None and full.action is Action.RETRY and full.max_attempts == 3  # through same-as
    interested = rules.find("Interested")
    assert interested is not None and interested.action is Action.CALLBACK


def test_no_answer_keeps_its_name_and_cannot_be_removed(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    page = _open(qtbot, files).dispositions_page
    _row(page, "No answer")
    assert page.name_edit.isReadOnly() and not page.remove_button.isEnabled()
    offered = [page.action_combo.itemData(index) for index in range(page.action_combo.count())]
    assert offered == ["done", "retry", "skip"]


def test_a_broken_rules_file_is_said_and_not_overwritten_by_ok(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    files[1].write_text('{"rules": [{"disposition": "X", "action": "explode"}]}', encoding="utf-8")
    before = files[1].read_text(encoding="utf-8")
    dialog = _open(qtbot, files)
    page = dialog.dispositions_page
    assert "unknown action 'explode'" in page.message.text() and "The defaults are shown" in page.message.text()
    assert f"{files[1]}: rule 1" in page.message.text()  # the whole path: the agent has to find the file
    assert page.problem() == "" and dialog.ok_button.isEnabled()
    dialog.accept()
    assert files[1].read_text(encoding="utf-8") == before


def test_a_list_that_cannot_be_written_is_named_by_its_whole_path(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    files[0].mkdir()  # dispositions.txt cannot be written: a folder stands in its place
    dialog = _open(qtbot, files)
    page = dialog.dispositions_page
    _row(page, "Left voicemail")
    _type(page.delay_edit, "3h")
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted
    assert page.message.text().startswith("The dispositions were not saved: ")
    assert str(files[0]) in page.message.text(), page.message.text()


def test_the_demo_shows_the_built_in_dispositions_read_only(qtbot: QtBot) -> None:
    dialog = SettingsDialog(SETTINGS, None, demo=True)
    qtbot.addWidget(dialog)
    page = dialog.dispositions_page
    assert page.rows() == default_rows()
    assert not page.table.isEnabled() and not page.add_button.isEnabled() and not page.defaults_button.isEnabled()


def test_the_core_writes_nothing_on_a_refusal_and_puts_the_rules_back_if_the_list_fails(tmp_path: Path) -> None:
    rules_path = tmp_path / "disposition_rules.json"
    rules_path.write_text('{"rules": []}\n', encoding="utf-8")
    good = json.dumps({"rules": [{"disposition": "A", "action": "done"}]})
    with pytest.raises(DispositionRulesError, match='row 2 \\("a"\\) is also row 1'):
        save_dispositions_and_rules(tmp_path / "dispositions.txt", rules_path, ["A", "a"], good)
    with pytest.raises(DispositionRulesError, match="loop"):
        loop = [
            {"disposition": "A", "action": "same-as", "as": "B"},
            {"disposition": "B", "action": "same-as", "as": "A"},
        ]
        save_dispositions_and_rules(tmp_path / "dispositions.txt", rules_path, ["A", "B"], json.dumps({"rules": loop}))
    assert not (tmp_path / "dispositions.txt").exists()
    blocked = tmp_path / "a-folder"
    blocked.mkdir()  # the list cannot be written where a folder is
    with pytest.raises(OSError):
        save_dispositions_and_rules(blocked, rules_path, ["A"], good)
    assert rules_path.read_text(encoding="utf-8") == '{"rules": []}\n'


# -- a running session uses the change ------------------------------------------------------------------------------


def test_a_running_session_uses_the_dispositions_saved_in_settings_and_a_hand_edit_from_its_next_card(
    qtbot: QtBot, tmp_path: Path, standin: StandInService
) -> None:
    folder = tmp_path / "profile"
    folder.mkdir()
    list_id = fill_store(folder / "c2c-desktop.sqlite3", 3)
    profile = open_profile(folder, standin.url)
    with running_window(qtbot, profile) as window:
        assert window.start_list_session(list_id)
        wait_card(qtbot, window, "Lead 00")
        session = window.session
        assert session is not None and session.dispositions[0] == "Connected – interested"

        def move_not_interested_first(dialog: QWidget) -> None:
            assert isinstance(dialog, SettingsDialog)
            page = dialog.dispositions_page
            dialog.pages.setCurrentWidget(page)
            _row(page, "Not interested")
            page.table.setFocus()
            for _ in range(3):
                qtbot.keyClick(page.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
            dialog.ok_button.click()

        when_modal(qtbot, move_not_interested_first)
        window.open_settings()
        # At once, before the next card: the keys and what they say.
        assert session.dispositions[0] == "Not interested"
        assert session.panel.dispositions_label.text().startswith("After a call: 1\u00a0Not\u00a0interested")
        enter_when_armed(qtbot, window)
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
        letter(window, "1")
        wait_card(qtbot, window, "Lead 01")
        lists = StoreCallLists(window.profile.store)
        first = {item.name: item for item in lists.items(list_id)}["Lead 00"]
        assert first.state is ItemState.DONE and first.last_disposition == "Not interested"

        # Edited by hand while Lead 01's card shows: used from the next card (Lead 02's) on.
        rules_path = rules_path_for(profile.settings_path)
        rules = json.loads(rules_path.read_text(encoding="utf-8"))
        for rule in rules["rules"]:
            if rule.get("disposition") == "Not interested":
                rule.update(action="retry", delay="3h")
        rules_path.write_text(json.dumps(rules), encoding="utf-8")
        letter(window, "s")
        letter(window, "l")  # Lead 01 later today: the next card
        wait_card(qtbot, window, "Lead 02")
        enter_when_armed(qtbot, window)
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
        letter(window, "1")
        qtbot.waitUntil(
            lambda: {item.name: item for item in lists.items(list_id)}["Lead 02"].state is ItemState.DUE_LATER,
            timeout=SIGNAL_MS,
        )
        assert load_dispositions(dispositions_path_for(profile.settings_path))[0] == "Not interested"


def test_a_rule_is_found_for_its_name_written_with_another_case_or_dash(qtbot: QtBot, files: tuple[Path, Path]) -> None:
    files[0].write_text("connected - INTERESTED\n", encoding="utf-8")
    rule = {"disposition": "Connected – interested", "action": "retry", "delay": "2d", "max_attempts": 2}
    files[1].write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    page = _open(qtbot, files).dispositions_page
    assert page.names() == ["connected - INTERESTED"]  # the list's spelling, once
    assert [page.table.item(0, column).text() for column in range(1, 4)] == ["retry", "2d", "2 attempts"]
