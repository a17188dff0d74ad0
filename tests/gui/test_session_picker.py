"""Call → Work a list… (Ctrl+Shift+L) opened during power mode's countdown: the countdown stops while the agent
chooses (found by the Xvfb session test's author: it used to dial behind the open picker)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QWidget

from c2c_desktop.core.list_session import Mode, Phase
from c2c_desktop.core.simulator import StandInService
from tests.gui.session_support import fill_store, open_profile, wait_card, when_modal
from tests.gui.windows import running_window

COUNTDOWN_MS = 200


def test_the_list_picker_stops_the_countdown_while_it_is_open(
    qtbot: QtBot,
    tmp_path: Path,
    standin: StandInService,  # noqa: F811
) -> None:
    (tmp_path / "profile").mkdir()
    list_id = fill_store(tmp_path / "profile" / "c2c-desktop.sqlite3", 3)
    with running_window(qtbot, open_profile(tmp_path / "profile", standin.url)) as window:
        assert window.start_list_session(list_id, mode=Mode.POWER, countdown_ms=COUNTDOWN_MS)
        wait_card(qtbot, window, "Lead 00")
        session = window.session
        assert session is not None and session.state.phase is Phase.COUNTDOWN
        answered: list[bool] = []

        def cancel_after_the_countdown_would_have_ended(picker: QWidget) -> None:
            try:
                with qtbot.assertNotEmitted(window.controller.call_started, wait=COUNTDOWN_MS * 4):
                    pass
                answered.append(True)
            finally:
                picker.close()  # always: an open modal picker would block the test

        when_modal(qtbot, cancel_after_the_countdown_would_have_ended)
        window.work_another_list()
        assert answered == [True], "the countdown dialled behind the open picker"
        assert session.state.phase is Phase.READY  # Enter calls; nothing on its own
        with qtbot.assertNotEmitted(window.controller.call_started, wait=COUNTDOWN_MS * 2):
            pass

        when_modal(qtbot, lambda picker: picker.accept())  # chosen again: the card counts down again
        window.work_another_list()
        assert session.state.phase is Phase.COUNTDOWN
    assert standin.request_count <= 1  # the last countdown may have dialled before the window closed
    assert all(request.params["phone_to_call"] == "2125550200" for request in standin.requests)
