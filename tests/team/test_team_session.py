"""The calling session on a team list: each card is claimed from the team server (real PostgreSQL), shown in real
windows (offscreen), dialled against the stand-in over loopback. Two agents never dial one number; Skip gives the
prospect back; a disposition finishes the item on the server; a stopped server stops list calls within 5 s; Enter
pressed while the claim is out does nothing."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from c2c_desktop.core.calllists import CallList, StoreCallLists
from c2c_desktop.core.list_session import Mode, Phase, progress
from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.team import admin
from c2c_desktop.core.team.lists import Lead, create_team_list
from c2c_desktop.gui.mainwindow import MainWindow
from c2c_desktop.gui.session import (
    KEPT_FOR_SERVER_TEXT,
    TEAM_NOTHING_TEXT,
    TEAM_OFFLINE_TEXT,
    CallingSession,
    picker_text,
)
from tests.gui.session_support import enter, letter, open_profile
from tests.gui.windows import running_window
from tests.team.conftest import TeamDb

pytestmark = pytest.mark.postgres

WAIT_MS = 20_000


def no_answer_number(n: int) -> str:
    """The stand-in answers "No Answer" for a number ending in 7."""
    return f"+1212555{2000 + 10 * n + 7:04d}"


def connected_number(n: int) -> str:
    """The stand-in answers "Call Connected" for a number ending in 1."""
    return f"+1212555{2000 + 10 * n + 1:04d}"


def _team_list(team_db: TeamDb, name: str, leads: list[Lead], *agents: str) -> int:
    with team_db.owner() as owner:
        report = create_team_list(owner, name, leads)
        admin.assign_list(owner, name, agents)
    return report.list_id


def _mirror(window: MainWindow, team_list_id: int) -> CallList | None:
    return next(
        (each for each in StoreCallLists(window.profile.store).all_lists() if each.team_list_id == team_list_id), None
    )


@contextmanager
def agent_window(
    qtbot: QtBot, folder: Path, standin: StandInService, team_db: TeamDb, agent: str, team_list_id: int
) -> Iterator[MainWindow]:
    """A window of its own (its own profile and TeamLink) signed in as `agent`, once its copy of the team list is
    pulled in full."""
    profile = open_profile(folder, standin.url, call_type=1, team_url=team_db.url(agent))
    password = team_db.passwords[agent]
    profile = dataclasses.replace(profile, team_password_loader=lambda _url: password)
    with running_window(qtbot, profile) as window:
        with team_db.owner() as owner:
            row = owner.execute("SELECT count(*) FROM c2c.list_items WHERE list_id = %s", (team_list_id,)).fetchone()
        items = row[0] if row else 0

        def pulled() -> bool:
            mirror = _mirror(window, team_list_id)
            return mirror is not None and mirror.items == items

        qtbot.waitUntil(pulled, timeout=WAIT_MS)
        yield window


def _start(window: MainWindow, team_list_id: int, mode: Mode = Mode.PREVIEW) -> CallingSession:
    mirror = _mirror(window, team_list_id)
    assert mirror is not None
    assert window.start_list_session(mirror.id, mode=mode, countdown_ms=0)
    assert window.session is not None
    return window.session


def _wait_card(qtbot: QtBot, session: CallingSession) -> str:
    qtbot.waitUntil(lambda: session.state.phase in (Phase.READY, Phase.NOTHING), timeout=WAIT_MS)
    assert session.state.phase is Phase.READY, session.panel.message_label.text()
    return session.panel.name_label.text()


def _server_items(team_db: TeamDb, team_list_id: int) -> list[tuple[int, str, str, str | None, bool, str | None]]:
    """(position, number, state, claimed_by, leased now, last outcome) of each item."""
    with team_db.owner() as owner:
        return [
            tuple(row)  # type: ignore[misc]
            for row in owner.execute(
                "SELECT position, e164, state, claimed_by, coalesce(lease_until > now(), false), last_outcome "
                "FROM c2c.list_items WHERE list_id = %s ORDER BY position",
                (team_list_id,),
            )
        ]


def _dialled(standin: StandInService) -> list[str]:
    return [request.params["phone_to_call"] for request in standin.requests]


def test_two_agents_power_through_one_list_with_repeated_numbers_and_never_dial_a_number_twice(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, team_db: TeamDb
) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    numbers = [no_answer_number(n) for n in range(6)]
    # Each number twice, under two names (two people on one office line: two items, one number).
    leads = [Lead(number, f"Lead {n}") for n, number in enumerate(numbers)]
    leads += [Lead(number, f"Colleague {n}") for n, number in enumerate(numbers)]
    team_list_id = _team_list(team_db, "Shared", leads, alice, bob)
    with (
        agent_window(qtbot, tmp_path / "alice", standin, team_db, alice, team_list_id) as first,
        agent_window(qtbot, tmp_path / "bob", standin, team_db, bob, team_list_id) as second,
    ):
        sessions = [_start(first, team_list_id, Mode.POWER), _start(second, team_list_id, Mode.POWER)]
        for session in sessions:
            assert "(team list)" in session.panel.list_label.text()

        def both_done() -> bool:
            return all(
                session.state.phase is Phase.NOTHING and session.panel.message_label.text() == TEAM_NOTHING_TEXT
                for session in sessions
            )

        qtbot.waitUntil(both_done, timeout=WAIT_MS)
    dialled = _dialled(standin)
    assert Counter(dialled).most_common(1)[0][1] == 1, dialled  # never the same number twice
    assert sorted(dialled) == sorted(number[2:] for number in numbers)  # and every number once
    items = _server_items(team_db, team_list_id)
    # Each number's call finished one of its two items (the first one, unless the other agent's claim was looking at
    # that row just then: SKIP LOCKED passes over it); the other item was never claimed (the number's cool-off).
    finished = [(row[1], row[3]) for row in items if row[5] == "no_answer"]
    assert sorted(number for number, _agent in finished) == sorted(numbers), items
    assert {agent for _number, agent in finished} == {alice, bob}
    assert all(row[3] is None for row in items if row[5] is None), items
    assert not any(row[4] for row in items)  # no claim left leased


def test_skip_gives_the_prospect_back_to_the_team(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, team_db: TeamDb
) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    leads = [Lead(no_answer_number(n), f"Lead {n}") for n in range(3)]
    team_list_id = _team_list(team_db, "Skips", leads, alice, bob)
    with agent_window(qtbot, tmp_path / "alice", standin, team_db, alice, team_list_id) as first:
        session = _start(first, team_list_id)
        assert _wait_card(qtbot, session) == "Lead 0"
        assert _server_items(team_db, team_list_id)[0][3:5] == (alice, True)
        assert session.panel.number_label.text().endswith("new · claimed for you on the team server")
        letter(first, "S")
        letter(first, "L")  # later today: back to the team at once, passed over by alice
        qtbot.waitUntil(lambda: session.panel.name_label.text() == "Lead 1", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: not _server_items(team_db, team_list_id)[0][4], timeout=WAIT_MS)
        with agent_window(qtbot, tmp_path / "bob", standin, team_db, bob, team_list_id) as second:
            assert _wait_card(qtbot, _start(second, team_list_id)) == "Lead 0"  # bob gets the one alice skipped
            assert _server_items(team_db, team_list_id)[0][3:5] == (bob, True)
    assert standin.requests == []


def _call_lead_0_and_say(qtbot: QtBot, window: MainWindow, team_list_id: int, disposition: str) -> CallingSession:
    """Start the list's session, call its card "Lead 0" (Enter), then press the disposition's digit."""
    session = _start(window, team_list_id)
    assert _wait_card(qtbot, session) == "Lead 0"
    qtbot.waitUntil(session.enter_armed, timeout=WAIT_MS)
    enter(window)
    qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=WAIT_MS)
    letter(window, str(session.dispositions.index(disposition) + 1))
    return session


def test_a_disposition_finishes_the_item_on_the_server(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, team_db: TeamDb
) -> None:
    alice = team_db.add_agent("alice")
    team_list_id = _team_list(team_db, "Finish", [Lead(connected_number(0), "Lead 0")], alice)
    with agent_window(qtbot, tmp_path / "alice", standin, team_db, alice, team_list_id) as window:
        session = _call_lead_0_and_say(qtbot, window, team_list_id, "Not interested")
        qtbot.waitUntil(lambda: _server_items(team_db, team_list_id)[0][2] == "done", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: session.panel.message_label.text() == TEAM_NOTHING_TEXT, timeout=WAIT_MS)
        [(_position, _number, state, claimed_by, leased, outcome)] = _server_items(team_db, team_list_id)
        assert (state, claimed_by, leased, outcome) == ("done", alice, False, "connected")
        with team_db.owner() as owner:
            row = owner.execute("SELECT attempts, last_disposition FROM c2c.list_items").fetchone()
        assert row == (1, "Not interested")  # the disposition beside the outcome, not in its place
        # This window's copy after a pull: one call, its outcome, its disposition; the list 1 of 1 worked.
        pulled: list[object] = []
        window.team.submit(lambda client: client.sync.pull(), pulled.append)
        qtbot.waitUntil(lambda: pulled != [], timeout=WAIT_MS)
        mirror = _mirror(window, team_list_id)
        assert mirror is not None
        [item] = StoreCallLists(window.profile.store).items(mirror.id)
        assert (item.attempts, item.last_outcome, item.last_disposition) == (1, "connected", "Not interested")
        assert progress([item], datetime.now(UTC)).text() == "1 of 1 worked"
    assert _dialled(standin) == [connected_number(0)[2:]]


def test_do_not_call_on_a_card_puts_the_number_on_the_team_list_for_every_agent(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, team_db: TeamDb
) -> None:
    # It went on this agent's own list only before: a teammate could call the prospect who had asked not to be called.
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    number = connected_number(0)
    team_list_id = _team_list(team_db, "Asked", [Lead(number, "Lead 0")], alice)
    with agent_window(qtbot, tmp_path / "alice", standin, team_db, alice, team_list_id) as window:
        _call_lead_0_and_say(qtbot, window, team_list_id, "Do not call")

        def on_the_team_list() -> list[tuple[str, str]]:
            with team_db.owner() as owner:
                rows = owner.execute("SELECT e164, added_by FROM c2c.dnc WHERE deleted_at IS NULL").fetchall()
            return [(str(e164), str(by)) for e164, by in rows]

        qtbot.waitUntil(lambda: on_the_team_list() == [(number, alice)], timeout=WAIT_MS)
    with team_db.session(bob) as bobs:
        assert bobs.claim_number(number).on_dnc


def test_a_card_claimed_but_not_called_is_not_counted_as_worked_after_a_pull(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, team_db: TeamDb
) -> None:
    alice = team_db.add_agent("alice")
    leads = [Lead(no_answer_number(n), f"Lead {n}") for n in range(2)]
    team_list_id = _team_list(team_db, "Claimed", leads, alice)
    with agent_window(qtbot, tmp_path / "alice", standin, team_db, alice, team_list_id) as window:
        session = _start(window, team_list_id)
        assert _wait_card(qtbot, session) == "Lead 0"
        assert _server_items(team_db, team_list_id)[0][3:5] == (alice, True)  # claimed (an attempt on the server)
        pulled: list[object] = []
        window.team.submit(lambda client: client.sync.pull(), pulled.append)
        qtbot.waitUntil(lambda: pulled != [], timeout=WAIT_MS)
        mirror = _mirror(window, team_list_id)
        assert mirror is not None
        items = StoreCallLists(window.profile.store).items(mirror.id)
        assert [item.attempts for item in items] == [0, 0]
        assert progress(items, datetime.now(UTC)).text() == "0 of 2 worked"
        # Called: one call so far, whatever the pulls in between say.
        qtbot.waitUntil(session.enter_armed, timeout=WAIT_MS)
        enter(window)
        qtbot.waitUntil(lambda: session.panel.name_label.text() == "Lead 1", timeout=WAIT_MS)
        pulled.clear()
        window.team.submit(lambda client: client.sync.pull(), pulled.append)
        qtbot.waitUntil(lambda: pulled != [], timeout=WAIT_MS)
        items = StoreCallLists(window.profile.store).items(mirror.id)
        assert [(item.attempts, item.last_outcome) for item in items] == [(1, "no_answer"), (0, None)]
        assert progress(items, datetime.now(UTC)).text() == "1 of 2 worked"
    assert _dialled(standin) == [no_answer_number(0)[2:]]


def test_enter_while_the_claim_is_out_does_nothing_and_the_card_then_dials_once(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, team_db: TeamDb
) -> None:
    alice = team_db.add_agent("alice")
    team_list_id = _team_list(team_db, "Enter", [Lead(no_answer_number(0), "Lead 0")], alice)
    with agent_window(qtbot, tmp_path / "alice", standin, team_db, alice, team_list_id) as window:
        with team_db.owner() as owner, owner.transaction():
            # The items locked against claims by another transaction: the claim waits for it (a slow round trip).
            owner.execute("LOCK TABLE c2c.list_items IN EXCLUSIVE MODE")
            session = _start(window, team_list_id)
            assert session.state.phase is Phase.CLAIMING
            for _ in range(3):
                enter(window)
                enter(window, autorepeat=True)
            assert session.state.phase is Phase.CLAIMING and session.panel.message_label.text().startswith("Asking")
        name = _wait_card(qtbot, session)
        assert name == "Lead 0" and standin.requests == []
        qtbot.waitUntil(session.enter_armed, timeout=WAIT_MS)
        enter(window)
        enter(window)  # the second press of a double Enter
        enter(window, autorepeat=True)
        qtbot.waitUntil(lambda: session.state.phase is not Phase.CALLING, timeout=WAIT_MS)
    assert _dialled(standin) == [no_answer_number(0)[2:]]


def test_picker_marks_team_lists() -> None:
    local = CallList(1, "Mine", "2026-01-01T00:00:00Z", 3)
    team = dataclasses.replace(local, team_list_id=7)
    assert picker_text(local, "2 callable now") == "Mine — 3 items · 2 callable now"
    assert picker_text(team, "2 callable now") == "Mine — team · 3 items · 2 callable now"


def test_server_stopped_list_calls_are_refused_within_5_s_and_nothing_is_sent(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, own_team_db: TeamDb
) -> None:
    db = own_team_db  # its own server, stopped mid-test
    alice = db.add_agent("alice")
    team_list_id = _team_list(db, "Offline", [Lead(no_answer_number(n), f"Lead {n}") for n in range(2)], alice)
    with agent_window(qtbot, tmp_path / "alice", standin, db, alice, team_list_id) as window:
        session = _start(window, team_list_id)
        assert _wait_card(qtbot, session) == "Lead 0"
        db.cluster.halt("immediate")
        letter(window, "S")
        letter(window, "T")  # the next card is asked for: the server is gone
        asked = time.monotonic()
        qtbot.waitUntil(lambda: session.state.phase is Phase.NOTHING, timeout=WAIT_MS)
        assert time.monotonic() - asked < 5.5
        assert session.panel.message_label.text() == TEAM_OFFLINE_TEXT
        assert session.panel.name_label.text() == "List calls are paused"
        _assert_empty_card(window, session)
        enter(window)
        assert session.state.phase is Phase.NOTHING
    assert standin.requests == []


def _assert_empty_card(window: MainWindow, session: CallingSession) -> None:
    """A card with no prospect: nothing to pause, no last calls or note field; P does nothing."""
    panel = session.panel
    assert not panel.pause_button.isEnabled() and panel.pause_button.text() == "Pause"
    assert all(each.isHidden() for each in (panel.journal_title, panel.journal_label, panel.note_edit))
    letter(window, "P")
    assert not session.state.paused and panel.pause_button.text() == "Pause"


def test_a_disposition_the_server_could_not_record_is_kept_here_and_sent_when_it_is_back(
    qtbot: QtBot, tmp_path: Path, standin: StandInService, own_team_db: TeamDb
) -> None:
    """The server stops between the call and its disposition: "Not interested" is kept in the local store (the card
    says so) and recorded on the server once it is back, without a key pressed: the item is done there, so the team
    is not handed the prospect again when the claim's lease and the number's cool-off end."""
    from c2c_desktop.core.team.session_steps import kept_updates

    db = own_team_db  # its own server, stopped and started again mid-test
    alice = db.add_agent("alice")
    leads = [Lead(connected_number(0), "Ann Lee"), Lead(connected_number(1), "Lead 1")]
    team_list_id = _team_list(db, "Kept", leads, alice)
    with agent_window(qtbot, tmp_path / "alice", standin, db, alice, team_list_id) as window:
        session = _start(window, team_list_id)
        assert _wait_card(qtbot, session) == "Ann Lee"
        qtbot.waitUntil(session.enter_armed, timeout=WAIT_MS)
        enter(window)
        qtbot.waitUntil(lambda: session.state.phase is Phase.WRAP_UP, timeout=WAIT_MS)
        db.cluster.halt("immediate")
        letter(window, str(session.dispositions.index("Not interested") + 1))
        notice = session.panel.notice_label
        qtbot.waitUntil(lambda: KEPT_FOR_SERVER_TEXT in notice.text(), timeout=WAIT_MS)
        assert notice.text() == f"Ann Lee: Not interested, done — {KEPT_FOR_SERVER_TEXT}."
        [kept] = kept_updates(window.profile.store)
        assert (kept.update.done, kept.update.outcome, kept.update.disposition) == (
            True,
            "connected",
            "Not interested",
        )
        qtbot.waitUntil(lambda: session.state.phase is Phase.NOTHING, timeout=WAIT_MS)
        assert session.panel.message_label.text() == TEAM_OFFLINE_TEXT
        _assert_empty_card(window, session)
        db.cluster.resume()
        # Back: the link reconnects by itself and sends what was kept; the session asks for its next card.
        qtbot.waitUntil(lambda: _server_items(db, team_list_id)[0][2] == "done", timeout=WAIT_MS)
        assert _server_items(db, team_list_id)[0][2:] == ("done", alice, False, "connected")
        with db.owner() as owner:
            row = owner.execute("SELECT last_disposition FROM c2c.list_items WHERE position = 1").fetchone()
        assert row == ("Not interested",)
        qtbot.waitUntil(lambda: kept_updates(window.profile.store) == [], timeout=WAIT_MS)
        qtbot.waitUntil(lambda: session.panel.name_label.text() == "Lead 1", timeout=WAIT_MS)
        assert session.state.phase is Phase.READY
    assert _dialled(standin) == [connected_number(0)[2:]]
