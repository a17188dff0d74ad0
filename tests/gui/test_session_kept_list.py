"""The session keeps its list between cards (a 10,000-item list takes ~60 ms to read, too long between two cards):
after the start only the items that changed are read, and the cards stay right when the list is changed by this
window (another view of it, a contact deleted), by another program, or by the session's own keys. Nothing else
slow runs between two cards either (the window's own disposition strip is not built during a session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from c2c_desktop.core.calllists import ItemState, ListItem, StoreCallLists
from c2c_desktop.core.list_session import Mode, Phase
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import Store
from c2c_desktop.gui.mainwindow import MainWindow
from tests.core.test_list_session import age_items
from tests.gui.session_support import (
    SIGNAL_MS,
    enter_when_armed,
    fill_store,
    lead_dial,
    letter,
    open_profile,
    wait_card,
)
from tests.gui.windows import running_window


def _item_named(window: MainWindow, list_id: int, name: str) -> ListItem:
    return next(item for item in StoreCallLists(window.profile.store).items(list_id) if item.name == name)


def test_cards_after_the_start_read_only_what_changed_and_follow_every_change(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "profile" / "c2c-desktop.sqlite3"
    db.parent.mkdir(parents=True)
    list_id = fill_store(db, 9)
    with Store(db) as made:
        age_items(made)  # made earlier: a row not written since is not read again
    whole_reads: list[int] = []
    read_whole = StoreCallLists.items

    def counted(self: StoreCallLists, wanted: int) -> list[ListItem]:
        whole_reads.append(wanted)
        return read_whole(self, wanted)

    monkeypatch.setattr(StoreCallLists, "items", counted)
    with running_window(qtbot, open_profile(tmp_path / "profile", standin.url, call_type=1)) as window:
        assert window.start_list_session(list_id, mode=Mode.PREVIEW)
        wait_card(qtbot, window, "Lead 00")
        session = window.session
        assert session is not None
        reads_at_start = whole_reads.count(list_id)
        enter_when_armed(qtbot, window)  # Lead 00 connects (the stand-in's rule): its disposition by key
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=SIGNAL_MS)
        assert window._disposition is None  # the card takes the disposition: the window's strip is not even built
        letter(window, "3")
        wait_card(qtbot, window, "Lead 01")
        letter(window, "s")
        letter(window, "l")
        wait_card(qtbot, window, "Lead 02")
        assert whole_reads.count(list_id) == reads_at_start  # the disposition and the skip: only the changes read

        lists = StoreCallLists(window.profile.store)
        lists.update_item(_item_named(window, list_id, "Lead 03").id, state=ItemState.DONE)  # another view of it
        contact_id = _item_named(window, list_id, "Lead 04").contact_id
        assert contact_id is not None
        window.profile.store.delete_contact(contact_id)  # its list row is not written
        letter(window, "s")
        letter(window, "l")
        wait_card(qtbot, window, "Lead 05")

        with Store(db) as other:  # another program (`lists …` in a terminal) closes Lead 06
            other_lists = StoreCallLists(other)
            other_lists.update_item(_item_named(window, list_id, "Lead 06").id, state=ItemState.SKIPPED)
        letter(window, "s")
        letter(window, "r")
        wait_card(qtbot, window, "Lead 07")
        enter_when_armed(qtbot, window)  # Lead 07: no answer (the stand-in's rule): the session moves on by itself
        wait_card(qtbot, window, "Lead 08")
        assert standin.wait_for_requests(2, 5)
        assert [request.params["phone_to_call"] for request in standin.requests] == [lead_dial(0), lead_dial(7)]
        states = {item.name: item.state for item in StoreCallLists(window.profile.store).items(list_id)}
        assert [states[f"Lead {n:02d}"] for n in range(9)] == [
            ItemState.DONE,  # "Not interested"
            ItemState.DUE_LATER,  # skipped to later today
            ItemState.DUE_LATER,
            ItemState.DONE,  # by the other view
            ItemState.READY,  # its contact deleted: never offered
            ItemState.SKIPPED,  # removed from the list
            ItemState.SKIPPED,  # by the other program
            ItemState.DUE_LATER,  # no answer: retried later
            ItemState.READY,
        ]
        assert session.panel.progress_label.text() == "7 of 9 worked"
