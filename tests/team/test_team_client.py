"""TeamClient (core/team/client.py): lazy connection, reconnection after a loss, a down or silent server answered fast;
and TeamLink.submit (gui/team.py): one answer on the GUI thread, a timeout within 5 s, a late answer dropped."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from c2c_desktop.core.team.client import NO_PASSWORD_MESSAGE, TeamClient
from c2c_desktop.core.team.server import TeamError, TeamRefused, TeamUnavailable
from tests.standin import closed_port, raw_server
from tests.team.conftest import TeamDb

pytestmark = pytest.mark.postgres


def _silent(connection: object, server: object) -> None:
    server.stop.wait()  # type: ignore[attr-defined]  # accepts, never answers (a server that hangs)


def test_the_client_connects_on_first_use_and_again_after_the_connection_is_lost(team_db: TeamDb) -> None:
    agent = team_db.add_agent("alice")
    loads: list[str] = []

    def password() -> str:
        loads.append("read")
        return team_db.passwords[agent]

    client = TeamClient(team_db.url(agent), password, None)
    assert not client.connected and loads == []  # nothing before the first use
    try:
        assert client.session.claim_number("+15550100001").claimed
        assert client.connected and loads == ["read"]
        pid = client.session.connection.info.backend_pid
        with team_db.owner() as owner:
            owner.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(TeamUnavailable):  # the use that finds it lost fails plainly…
            client.session.release_claim(number="+15550100001")
        assert client.session.release_claim(number="+15550100001")  # …and the next one reconnects
        assert client.session.connection.info.backend_pid != pid
        assert loads == ["read"]  # the password is kept in memory, not read again
    finally:
        client.close()


def test_a_down_server_is_unavailable_at_once_and_a_silent_one_within_the_connect_timeout() -> None:
    down = TeamClient(f"postgresql://alice@127.0.0.1:{closed_port()}/c2c", lambda: "pw", None)
    started = time.monotonic()
    with pytest.raises(TeamUnavailable, match="^the team server at 127.0.0.1:[0-9]+ is not answering"):
        _ = down.session
    assert time.monotonic() - started < 1.0
    with raw_server(_silent) as server:
        silent = TeamClient(f"postgresql://alice@127.0.0.1:{server.port}/c2c", lambda: "pw", None)
        started = time.monotonic()
        with pytest.raises(TeamUnavailable, match=f"^the team server at 127.0.0.1:{server.port} is not answering"):
            _ = silent.session
        assert time.monotonic() - started < 5.0
        started = time.monotonic()
        with pytest.raises(TeamUnavailable):  # just after a failure: at once, without another attempt
            _ = silent.session
        assert time.monotonic() - started < 0.5


def test_no_saved_password_says_how_to_sign_in(team_db: TeamDb) -> None:
    agent = team_db.add_agent("alice")
    client = TeamClient(team_db.url(agent), lambda: None, None)
    with pytest.raises(TeamRefused) as refused:
        _ = client.session
    assert str(refused.value) == NO_PASSWORD_MESSAGE


# --- TeamLink.submit -------------------------------------------------------------------------------------------------


def test_submit_answers_once_on_the_gui_thread(qtbot: QtBot, team_db: TeamDb, tmp_path: Path) -> None:
    from c2c_desktop.gui.team import TeamLink

    agent = team_db.add_agent("alice")
    link = TeamLink(team_db.url(agent), None, password_loader=lambda _url: team_db.passwords[agent], listen=False)
    answers: list[tuple[object, bool]] = []
    try:
        link.submit(
            lambda client: client.session.claim_number("+15550100002"),
            lambda answer: answers.append((answer, threading.current_thread() is threading.main_thread())),
        )
        qtbot.waitUntil(lambda: len(answers) == 1, timeout=5000)
        assert link.state == "online"
        ((claim, on_gui_thread),) = answers
        assert getattr(claim, "claimed", False) and on_gui_thread
        assert link.status_text() == f"Team: online as {agent}"
    finally:
        link.shutdown()


def test_a_job_that_hangs_is_answered_unavailable_within_its_timeout_and_its_late_answer_dropped(
    qtbot: QtBot,
) -> None:
    from c2c_desktop.gui.team import TeamLink

    release = threading.Event()
    link = TeamLink(f"postgresql://alice@127.0.0.1:{closed_port()}/c2c", None, listen=False)
    answers: list[object] = []
    try:
        started = time.monotonic()
        link.submit(lambda _client: release.wait(10) and "late", answers.append, timeout_s=0.5)
        qtbot.waitUntil(lambda: len(answers) == 1, timeout=3000)
        assert time.monotonic() - started < 2.0
        assert isinstance(answers[0], TeamUnavailable) and "did not answer within 0.5 s" in str(answers[0])
        assert link.state == "offline"
        release.set()
        done: list[object] = []
        link.submit(lambda _client: "next", done.append)
        qtbot.waitUntil(lambda: done == ["next"], timeout=3000)
        assert len(answers) == 1  # the hung job's late "late" never reached its done
    finally:
        release.set()
        link.shutdown()


def test_submit_without_team_mode_answers_a_plain_error(qtbot: QtBot) -> None:
    from c2c_desktop.gui.team import TeamLink

    link = TeamLink("", None)
    answers: list[object] = []
    link.submit(lambda _client: "never", answers.append)
    assert answers == []  # never re-entrantly: from the event loop
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=1000)
    assert isinstance(answers[0], TeamError) and not link.enabled and link.status_text() == ""
    link.shutdown()


def test_shutdown_with_a_job_stuck_on_a_silent_server_is_quick(qtbot: QtBot) -> None:
    from c2c_desktop.gui.team import TeamLink

    with raw_server(_silent) as server:
        link = TeamLink(f"postgresql://alice@127.0.0.1:{server.port}/c2c", None, password_loader=lambda _url: "pw")
        link.start()  # connects (and hangs in libpq's connect) on the worker
        qtbot.wait(300)
        started = time.monotonic()
        assert link.shutdown(3000)
        assert time.monotonic() - started < 1.0


# --- a caller that gave up, and the two lanes (review of issue 13) --------------------------------------------------


def _one_item_list(team_db: TeamDb, agent: str, number: str) -> int:
    from c2c_desktop.core.team import admin

    with team_db.owner() as owner:
        list_id = admin.create_list(owner, "Review", [number])
        admin.assign_list(owner, "Review", [agent])
    return list_id


def _live_claims(team_db: TeamDb) -> tuple[list[tuple[int, str]], list[str]]:
    """(item id, agent) of the items under a live lease, and the numbers whose guard row is under a live lease."""
    with team_db.owner() as owner:
        items = owner.execute("SELECT id, claimed_by FROM c2c.list_items WHERE lease_until > now()").fetchall()
        guards = owner.execute("SELECT e164 FROM c2c.dial_guard WHERE lease_until > now()").fetchall()
    return [(int(i), str(a)) for i, a in items], [str(e) for (e,) in guards]


def test_a_claim_whose_caller_gave_up_before_it_started_is_never_asked_for(qtbot: QtBot, team_db: TeamDb) -> None:
    """The reviewer's run: a slow job, then a claim_next that times out behind it; the claim must not be made."""
    from c2c_desktop.gui.team import TeamLink

    agent = team_db.add_agent("alice")
    list_id = _one_item_list(team_db, agent, "+15550100011")
    link = TeamLink(team_db.url(agent), None, password_loader=lambda _url: team_db.passwords[agent], listen=False)
    release = threading.Event()
    ran: list[str] = []
    answers: list[object] = []

    def claim(client: TeamClient) -> object:
        ran.append("claim_next")
        return client.session.claim_next(list_id)

    try:
        link.submit(lambda _client: release.wait(10), answers.append, timeout_s=0.5)
        link.submit(claim, answers.append, timeout_s=0.5)
        qtbot.waitUntil(lambda: len(answers) == 2, timeout=3000)
        assert all(isinstance(answer, TeamUnavailable) for answer in answers)
        release.set()
        after: list[object] = []
        link.submit(lambda _client: "after", after.append)
        qtbot.waitUntil(lambda: after == ["after"], timeout=5000)
        assert ran == []  # abandoned before it started: not run at all
        assert _live_claims(team_db) == ([], [])
    finally:
        release.set()
        link.shutdown()


@pytest.mark.parametrize("kind", ["claim_next", "claim_number"])
def test_a_claim_granted_after_its_caller_gave_up_is_given_back(qtbot: QtBot, team_db: TeamDb, kind: str) -> None:
    from c2c_desktop.gui.team import TeamLink

    agent = team_db.add_agent("alice")
    number = "+15550100012"
    list_id = _one_item_list(team_db, agent, number)
    link = TeamLink(team_db.url(agent), None, password_loader=lambda _url: team_db.passwords[agent], listen=False)
    granted = threading.Event()
    release = threading.Event()
    answers: list[object] = []

    def claim_then_stall(client: TeamClient) -> object:
        if kind == "claim_next":
            claim: object = client.session.claim_next(list_id)
        else:
            claim = client.session.claim_number(number)
        granted.set()
        release.wait(10)  # the server answered; the answer reaches the window too late
        return claim

    try:
        link.submit(claim_then_stall, answers.append, timeout_s=0.5)
        qtbot.waitUntil(lambda: len(answers) == 1, timeout=3000)
        assert isinstance(answers[0], TeamUnavailable)
        assert granted.wait(5)
        items, guards = _live_claims(team_db)
        assert guards == [number] and [who for _item, who in items] == ([agent] if kind == "claim_next" else [])
        release.set()
        qtbot.waitUntil(lambda: _live_claims(team_db) == ([], []), timeout=5000)
        assert len(answers) == 1  # the late answer itself still never reaches its caller
        # Given back, not dialled: the number is claimable at once by the next agent (no cool-off was started).
        with team_db.session(team_db.add_agent("bob")) as bob:
            assert bob.claim_number(number).claimed
    finally:
        release.set()
        link.shutdown()


def test_a_long_pull_does_not_hold_up_a_claim(qtbot: QtBot, team_db: TeamDb, tmp_path: Path) -> None:
    """The pull and push run on their own lane (their own connection): a claim behind a pull stuck on a lock is
    answered at once, and the link stays online."""
    from c2c_desktop.core.store import Store
    from c2c_desktop.gui.team import TeamLink

    agent = team_db.add_agent("alice")
    with Store(tmp_path / "c2c.db") as store, team_db.owner() as owner:
        link = TeamLink(team_db.url(agent), store, password_loader=lambda _url: team_db.passwords[agent], listen=False)
        try:
            owner.execute("BEGIN")
            owner.execute("LOCK TABLE c2c.contacts IN ACCESS EXCLUSIVE MODE")  # the pull reads contacts; claims don't
            link.pull()

            def pull_waits() -> bool:
                with team_db.owner() as watcher:
                    row = watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Lock'",
                        (agent,),
                    ).fetchone()
                return bool(row and row[0])

            qtbot.waitUntil(pull_waits, timeout=10_000)
            answers: list[object] = []
            started = time.monotonic()
            link.submit(lambda client: client.session.claim_number("+15550100013"), answers.append)
            qtbot.waitUntil(lambda: len(answers) == 1, timeout=6000)
            assert getattr(answers[0], "claimed", False), answers[0]
            assert time.monotonic() - started < 2.0
            assert link.state == "online"
        finally:
            owner.execute("ROLLBACK")
            link.shutdown()


def test_the_sync_lane_gives_its_connection_back_when_idle(qtbot: QtBot, team_db: TeamDb, tmp_path: Path) -> None:
    """An agent's role may hold 3 connections: the claims lane and the listener keep theirs, the sync lane closes its
    own when idle, so the third stays free for `call` from a terminal or Settings → Team's check."""
    from c2c_desktop.core.store import Store
    from c2c_desktop.gui import team
    from c2c_desktop.gui.team import TeamLink

    agent = team_db.add_agent("alice")

    def connections() -> int:
        with team_db.owner() as owner:
            row = owner.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (agent,)).fetchone()
        return int(row[0]) if row else 0

    with Store(tmp_path / "c2c.db") as store:
        link = TeamLink(team_db.url(agent), store, password_loader=lambda _url: team_db.passwords[agent], listen=False)
        try:
            answers: list[object] = []
            link.submit(lambda client: client.session.claim_number("+15550100014"), answers.append)
            link.submit(lambda client: client.sync.pull(), answers.append, lane=team.SYNC)
            qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
            assert not isinstance(answers[1], Exception), answers[1]
            assert connections() == 2  # the claims lane's and the sync lane's
            qtbot.waitUntil(lambda: connections() == 1, timeout=team.SYNC_IDLE_CLOSE_MS + 3000)
            link.pull()  # made again on use
            qtbot.waitUntil(lambda: connections() == 2, timeout=5000)
        finally:
            link.shutdown()


def test_a_link_deleted_without_shutdown_cuts_its_listener_callbacks(qapp: object) -> None:
    """A listener thread outlives its link by a moment: once the link is gone it must emit nothing into it."""
    import shiboken6

    from PySide6.QtCore import QObject

    from c2c_desktop.gui.team import TeamLink, _ListenerRelay

    parent = QObject()
    link = TeamLink("", None, parent)
    calls: list[str] = []
    relay = _ListenerRelay(lambda: calls.append("changed"), lambda online: calls.append(f"online {online}"))
    link._relays.append(relay)
    relay.changed()
    shiboken6.delete(parent)  # the link goes with its parent, shutdown() never called
    assert not shiboken6.isValid(link)
    relay.changed()
    relay.online(True)
    assert calls == ["changed"]
