"""A calling session on a LOCAL list in team mode (issue 13: "the same claim guards ad-hoc dials of a number in team
mode … a list dial never overrides it"): each card's number is claimed on the team server before its journal row,
once per dial; a number in the team's cool-off is passed over with a plain reason (never asked about, never dialled);
the server out of reach: the call goes ahead, marked not team-guarded. Real PostgreSQL, real windows (offscreen), the
stand-in over loopback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from c2c_desktop.core.list_session import Mode, Phase
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.profile import Profile
from c2c_desktop.gui.session import CallingSession
from tests.gui.session_support import enter, fill_store, lead_dial, lead_e164, open_profile, wait_card
from tests.gui.windows import running_window
from tests.team.conftest import TeamDb
from tests.team.test_team_window import OwnServer, _place_in_cool_off, own_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.postgres

WAIT_MS = 20_000


def _profile(folder: Path, api_url: str, url: str, password: str) -> tuple[Profile, int]:
    """A profile with a local list "Monday" of three leads (Lead 00, 01, 02), in team mode as `url`'s agent."""
    folder.mkdir(parents=True)
    list_id = fill_store(folder / "c2c-desktop.sqlite3", 3)
    profile = open_profile(folder, api_url, call_type=1, team_url=url)
    profile.team_password_loader = lambda _url: password
    return profile, list_id


def _journal(folder: Path) -> list[tuple[str, str, int | None]]:
    """(number dialled, state, team_guarded) of every journal row."""
    with sqlite3.connect(folder / "c2c-desktop.sqlite3") as connection:
        return list(connection.execute("SELECT e164, state, team_guarded FROM calls ORDER BY id"))


def _guard_rows(team_db: TeamDb) -> dict[str, str]:
    """number -> the agent who claimed it last, on the server."""
    with team_db.owner() as owner:
        rows = owner.execute("SELECT e164, claimed_by FROM c2c.dial_guard").fetchall()
    return {str(number): str(agent) for number, agent in rows}


def _start(qtbot: QtBot, window: MainWindow, list_id: int, team_state: str = "online") -> CallingSession:
    """Once the team link is `team_state`: a preview session on the local list, its first card (Lead 00) shown."""
    qtbot.waitUntil(lambda: window.team.state == team_state, timeout=WAIT_MS)
    assert window.start_list_session(list_id, mode=Mode.PREVIEW, countdown_ms=0)
    wait_card(qtbot, window, "Lead 00")
    assert window.session is not None
    return window.session


def _enter_armed(qtbot: QtBot, window: MainWindow) -> None:
    session = window.session
    assert session is not None
    qtbot.waitUntil(lambda: session.enter_armed() and session.state.phase is Phase.READY, timeout=WAIT_MS)
    enter(window)


def test_a_number_in_the_team_cool_off_is_passed_over_and_the_next_card_is_claimed_before_its_row(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, team_db: TeamDb
) -> None:
    alice = team_db.add_agent("alice")
    bob = _place_in_cool_off(team_db, lead_e164(0), 12)
    folder = tmp_path / "alice"
    profile, list_id = _profile(folder, standin.url, team_db.url(alice), team_db.passwords[alice])
    with running_window(qtbot, profile) as window:
        session = _start(qtbot, window, list_id)
        _enter_armed(qtbot, window)
        # Never asked about, never dialled: the card moves on, saying why, as a calling-rules refusal would.
        wait_card(qtbot, window, "Lead 01")
        assert session.panel.notice_label.text() == f"Lead 00: {bob} called 12 min ago — passed over."
        assert window.statusBar().currentMessage() == ""  # "Asking the team server…" went with the answer
        assert standin.request_count == 0 and _journal(folder) == []
        assert window._team_dial is not None and window._team_dial.requests == 1
        assert _guard_rows(team_db) == {lead_e164(0): bob}  # bob's cool-off stands
        with qtbot.waitSignal(window.controller.call_finished, timeout=WAIT_MS):
            _enter_armed(qtbot, window)
        assert window._team_dial.requests == 2  # one claim per dial
        assert _journal(folder) == [(lead_e164(1), "done", 1)]  # claimed on the server: team-guarded
        assert _guard_rows(team_db) == {lead_e164(0): bob, lead_e164(1): alice}
        qtbot.waitUntil(lambda: session.state.phase is not Phase.CALLING, timeout=WAIT_MS)
        # Lead 00 stays passed over (its cool-off has ~24 h to go): the next card is Lead 02.
        if session.state.phase is Phase.WRAP_UP:
            session.dispose(session.dispositions[0])
        wait_card(qtbot, window, "Lead 02")
    assert [request.params["phone_to_call"] for request in standin.requests] == [lead_dial(1)]


def test_enter_during_the_claim_of_a_local_lists_card_sends_one_claim_and_one_call(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, team_db: TeamDb
) -> None:
    alice = team_db.add_agent("alice")
    folder = tmp_path / "alice"
    profile, list_id = _profile(folder, standin.url, team_db.url(alice), team_db.passwords[alice])
    with running_window(qtbot, profile) as window:
        session = _start(qtbot, window, list_id)
        with team_db.owner() as owner, owner.transaction():
            # The number guard locked by another transaction: the claim waits for it (a slow round trip, < 5 s).
            owner.execute("LOCK TABLE c2c.dial_guard IN EXCLUSIVE MODE")
            _enter_armed(qtbot, window)
            assert session.panel.message_label.text() == "Asking the team server about Lead 00…"
            assert window.team_claim_out and _journal(folder) == []  # no row before the claim answers
            for _ in range(3):
                enter(window)
                enter(window, autorepeat=True)
                window.call_number(lead_e164(0))  # the dial pad too: one intent at a time
            assert window._team_dial is not None and window._team_dial.requests == 1
        qtbot.waitUntil(lambda: len(_journal(folder)) == 1 and _journal(folder)[0][1] == "done", timeout=WAIT_MS)
        assert window._team_dial.requests == 1
        assert _journal(folder) == [(lead_e164(0), "done", 1)]
    assert [request.params["phone_to_call"] for request in standin.requests] == [lead_dial(0)]


def test_server_stopped_a_local_lists_card_is_called_marked_not_team_guarded(
    qtbot: QtBot,
    tmp_path: Path,
    standin: StandInService,
    own_server: OwnServer,  # noqa: F811 (the fixture imported above)
) -> None:
    own_server.stop()
    folder = tmp_path / "alice"
    profile, list_id = _profile(folder, standin.url, own_server.url, own_server.password)
    with running_window(qtbot, profile) as window:
        _start(qtbot, window, list_id, "offline")
        with qtbot.waitSignal(window.controller.call_finished, timeout=WAIT_MS):
            _enter_armed(qtbot, window)
        assert window._team_dial is not None and window._team_dial.requests == 1
        assert _journal(folder) == [(lead_e164(0), "done", 0)]  # dialled without a claim: not team-guarded
    assert [request.params["phone_to_call"] for request in standin.requests] == [lead_dial(0)]
