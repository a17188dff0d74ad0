"""The Compliance view over a real SQLite audit log: rows newest first as plain text, the filters, the CSV export (the
same file as `c2c-desktop audit export`), and the window's view following a refused call."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QDate, Qt

from c2c_desktop import cli
from c2c_desktop.core.rules.audit import StoreAuditLog
from c2c_desktop.core.rules.dnc import add_internal
from c2c_desktop.core.rules.model import AuditAction, AuditEvent
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import Store, default_db_path
from c2c_desktop.gui.compliance import ACTION_WORDS, AuditTableModel, ComplianceDialog, ComplianceView
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import open_demo_profile
from tests.gui.windows import running_window

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

M = AuditTableModel
AGENT = "+12125550100"
MIAMI = "+13055550142"
CHICAGO = "+13125550101"
NOW = datetime.now(UTC).replace(microsecond=0)
MARKUP = "<b>bold</b> <img src=x>"


def _events() -> list[AuditEvent]:
    """Oldest first: a refusal 10 days ago, an override 2 days ago, a DNC add now (with markup and a formula)."""
    return [
        AuditEvent(
            AuditAction.REFUSED, NOW - timedelta(days=10), AGENT, MIAMI, "hours", "2026-12-01", "",
            "it is 20:14 in Florida (America/New_York); Florida allows calls 08:00–20:00",
        ),
        AuditEvent(
            AuditAction.OVERRIDDEN, NOW - timedelta(days=2), AGENT, CHICAGO, "hours", "2026-12-01", "",
            "customer asked for an evening call",
        ),
        AuditEvent(AuditAction.DNC_ADDED, NOW, AGENT, MIAMI, "", "", "Internal", f"=HYPERLINK(1) {MARKUP}"),
    ]  # fmt: skip


@pytest.fixture
def audit_store() -> Iterator[Store]:
    """The profile's own database (isolated per test), as `c2c-desktop audit export` reads it."""
    with Store(default_db_path()) as store:
        log = StoreAuditLog(store)
        for event in _events():
            log.record(event)
        yield store


def _view(qtbot: QtBot, store: Store) -> ComplianceView:
    view = ComplianceView(store, "US")
    qtbot.addWidget(view)
    view.show()
    return view


def _column(view: ComplianceView, column: int) -> list[str]:
    model = view.model
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def test_rows_are_newest_first_in_plain_words(qtbot: QtBot, audit_store: Store) -> None:
    view = _view(qtbot, audit_store)
    assert _column(view, M.ACTION) == [
        ACTION_WORDS[AuditAction.DNC_ADDED],
        ACTION_WORDS[AuditAction.OVERRIDDEN],
        ACTION_WORDS[AuditAction.REFUSED],
    ]
    assert _column(view, M.CALLEE) == ["(305) 555-0142", "(312) 555-0101", "(305) 555-0142"]
    assert _column(view, M.AGENT)[0] == "(212) 555-0100"
    assert _column(view, M.RULE) == ["—", "hours", "hours"]
    assert _column(view, M.DNC_LIST)[0] == "Internal"
    # Data is shown as the characters it is: the markup is text, not rendered.
    assert _column(view, M.REASON)[0] == f"=HYPERLINK(1) {MARKUP}"
    tooltip = view.model.data(view.model.index(0, M.REASON), Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;" in tooltip and "<b>" not in tooltip.replace("<p style='white-space:pre-wrap'>", "")
    # Local time in the cell, UTC in the tooltip.
    assert _column(view, M.TIME)[0] == NOW.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    time_tip = view.model.data(view.model.index(0, M.TIME), Qt.ItemDataRole.ToolTipRole)
    assert NOW.strftime("%Y-%m-%d %H:%M:%S UTC") in time_tip
    assert view.status_label.text() == "3 events shown"


def test_filters_by_action_text_and_dates(qtbot: QtBot, audit_store: Store) -> None:
    view = _view(qtbot, audit_store)
    view.action_filter.setCurrentIndex(view.action_filter.findData(AuditAction.REFUSED.value))
    assert _column(view, M.ACTION) == [ACTION_WORDS[AuditAction.REFUSED]]
    view.action_filter.setCurrentIndex(0)

    # A number however written (digits compared), and a word of the reason.
    qtbot.keyClicks(view.search, "(312) 555")
    qtbot.waitUntil(lambda: _column(view, M.ACTION) == [ACTION_WORDS[AuditAction.OVERRIDDEN]])
    view.search.clear()
    qtbot.keyClicks(view.search, "FLORIDA")
    qtbot.waitUntil(lambda: _column(view, M.ACTION) == [ACTION_WORDS[AuditAction.REFUSED]])
    view.search.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)

    view.date_filter.setCurrentIndex(view.date_filter.findData("7days"))
    assert view.model.rowCount() == 2
    view.date_filter.setCurrentIndex(view.date_filter.findData("today"))
    assert _column(view, M.ACTION) == [ACTION_WORDS[AuditAction.DNC_ADDED]]
    view.date_filter.setCurrentIndex(view.date_filter.findData("range"))
    assert view.date_from.isVisible() and view.date_to.isVisible()
    ten_days_ago = (NOW - timedelta(days=10)).astimezone().date()
    view.date_from.setDate(QDate(ten_days_ago.year, ten_days_ago.month, ten_days_ago.day))
    view.date_to.setDate(QDate(ten_days_ago.year, ten_days_ago.month, ten_days_ago.day))
    assert _column(view, M.ACTION) == [ACTION_WORDS[AuditAction.REFUSED]]


def test_export_writes_the_same_file_as_the_cli(
    qtbot: QtBot, audit_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    view = _view(qtbot, audit_store)
    from_window = tmp_path / "window.csv"
    assert view.export_csv(from_window) == 3
    assert view.status_label.text() == f"Exported 3 events to {from_window}"
    from_cli = tmp_path / "cli.csv"
    assert cli.main(["audit", "export", str(from_cli)]) == 0
    capsys.readouterr()
    assert from_window.read_bytes() == from_cli.read_bytes()
    with open(from_window, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["action"] for row in rows] == ["refused", "overridden", "dnc-added"]  # oldest first, as the CLI
    assert rows[-1]["reason"].startswith("'=HYPERLINK")  # a formula cell is defused

    # The filtered rows only.
    view.action_filter.setCurrentIndex(view.action_filter.findData(AuditAction.OVERRIDDEN.value))
    assert view.export_csv(tmp_path / "one.csv") == 1
    bad = view.export_csv(tmp_path / "no such folder" / "x.csv")
    assert bad is None and view.status_label.text().startswith("Not exported:")


def test_the_view_is_read_only_and_the_dialog_closes_on_escape(qtbot: QtBot, audit_store: Store) -> None:
    dialog = ComplianceDialog(audit_store, "US")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.view.table
    assert table.editTriggers() == table.EditTrigger.NoEditTriggers
    assert not dialog.view.model.flags(dialog.view.model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    for widget in (dialog.view.action_filter, dialog.view.date_filter, dialog.view.search):
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.accessibleName()
    dialog.focus_search()
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog.view.search, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_a_new_event_shows_on_refresh_keeping_the_selection(qtbot: QtBot, audit_store: Store) -> None:
    view = _view(qtbot, audit_store)
    view.table.selectRow(1)
    assert "customer asked for an evening call" in view.details.text()  # the whole reason under the table
    view.refresh()  # nothing new: the selection stays
    assert view.table.selectionModel().isRowSelected(1)
    add_internal(audit_store, CHICAGO, "asked to stop", agent_number=AGENT, audit=StoreAuditLog(audit_store))
    view.refresh()
    assert view.model.rowCount() == 4 and _column(view, M.REASON)[0] == "asked to stop"


# --- in the window ------------------------------------------------------------------------------------------------


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.1) as service:
        yield service


@pytest.fixture
def window(qtbot: QtBot, standin: StandInService, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    monkeypatch.setenv("C2C_DESKTOP_API_URL", standin.url)
    with running_window(qtbot, open_demo_profile()) as main:
        yield main


def test_a_refused_call_in_the_window_appears_in_the_open_compliance_view(
    qtbot: QtBot, window: MainWindow, standin: StandInService
) -> None:
    store = window.profile.store
    add_internal(store, MIAMI, "asked not to be called", agent_number=AGENT, audit=StoreAuditLog(store))
    assert window.compliance_action.shortcut().toString() == "Ctrl+Shift+A"
    window.compliance_action.trigger()
    dialog = window.compliance_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.view.model.rowCount() == 1
    with qtbot.waitSignal(window.controller.refused, timeout=5000):
        window.call_number("(305) 555-0142")
    model = dialog.view.model
    assert model.rowCount() == 2  # read again at once, without waiting for the store watcher
    assert model.data(model.index(0, M.ACTION)) == ACTION_WORDS[AuditAction.REFUSED]
    assert model.data(model.index(0, M.RULE)) == "dnc"
    assert model.data(model.index(0, M.CALLEE)) == "(305) 555-0142"
    assert standin.requests == []  # refused: nothing sent
