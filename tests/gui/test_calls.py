"""CallController + CallWorker against the real stand-in over loopback and a real SQLite journal."""

from __future__ import annotations

import dataclasses
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QCoreApplication

from c2c_desktop.core.config import Settings
from c2c_desktop.core.models import CallResult, CallState, Credentials, JournalEntry, Outcome
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, Fault, StandInService
from c2c_desktop.core.store import Store
from c2c_desktop.gui.calls import (
    CLOSING_MESSAGE,
    KEYS_LOADING_MESSAGE,
    NO_KEYS_MESSAGE,
    SHUTDOWN_MESSAGE,
    CallController,
)
from c2c_desktop.gui.profile import GUI_BUSY_TIMEOUT_MS

AGENT = "5551230000"
CONNECTS = "5551112222"  # the stand-in answers "Call Connected" (last digit not 7, 8 or 9)
NO_ANSWER = "5551112228"  # the stand-in answers "No Answer"
DEMO_KEYS = Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY)
SIGNAL_TIMEOUT_MS = 5000


@pytest.fixture
def service() -> Iterator[StandInService]:
    with StandInService() as stand_in:
        yield stand_in


class Harness:
    """A controller wired to the stand-in, recording every controller signal (all emitted on the GUI thread)."""

    def __init__(self, store: Store, service: StandInService, **settings: Any) -> None:
        self.settings = Settings(
            agent_number=AGENT, api_url=service.url, connect_timeout=2.0, read_timeout=30.0, **settings
        )
        if "mode" not in settings:  # the 555 area code has no time zone: consumer mode would refuse every call
            self.settings = dataclasses.replace(self.settings, mode="business")
        self.controller = CallController(store, lambda: self.settings)
        self.controller.set_credentials(DEMO_KEYS)
        self.busy: list[bool] = []
        self.started: list[tuple[Any, JournalEntry]] = []
        self.finished: list[tuple[JournalEntry, CallResult, str]] = []
        self.not_sent: list[str] = []
        self.controller.busy_changed.connect(self.busy.append)
        self.controller.call_started.connect(lambda prepared, entry: self.started.append((prepared, entry)))
        self.controller.call_finished.connect(lambda entry, result, text: self.finished.append((entry, result, text)))
        self.controller.not_sent.connect(self.not_sent.append)


@pytest.fixture
def harness(store: Store, service: StandInService) -> Iterator[Harness]:
    rig = Harness(store, service)
    yield rig
    assert rig.controller.shutdown(2000)


def call_and_wait(qtbot: QtBot, rig: Harness, number: str) -> tuple[JournalEntry, CallResult, str]:
    with qtbot.waitSignal(rig.controller.call_finished, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        assert rig.controller.call(number)
    entry, result, message = blocker.args
    return entry, result, message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call_threads_alive() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "c2c-call"]


# --- outcomes ---------------------------------------------------------------------------------------------------


def test_connected_reaches_call_finished_and_the_journal(
    qtbot: QtBot, harness: Harness, service: StandInService, store: Store
) -> None:
    entry, result, message = call_and_wait(qtbot, harness, CONNECTS)
    assert result.outcome is Outcome.CONNECTED
    assert message == "Connected — the service is now calling (555) 111-2222"
    assert entry.state is CallState.DONE and entry.outcome is Outcome.CONNECTED
    assert store.get_call(entry.id) == entry
    assert harness.busy == [True, False]
    assert not harness.controller.is_busy
    recorded = service.requests
    assert len(recorded) == 1
    assert recorded[0].params["phone_to_call"] == CONNECTS
    assert recorded[0].params["ref"] == entry.ref  # the request carries the journal row's ref


def test_no_answer_names_the_agents_phone(qtbot: QtBot, harness: Harness) -> None:
    entry, result, message = call_and_wait(qtbot, harness, NO_ANSWER)
    assert result.outcome is Outcome.NO_ANSWER
    assert message == "No answer on your phone"
    assert entry.outcome is Outcome.NO_ANSWER


def test_rejected_keys(qtbot: QtBot, harness: Harness, service: StandInService) -> None:
    service.fault = Fault.UNAUTHORIZED
    entry, result, message = call_and_wait(qtbot, harness, CONNECTS)
    assert result.outcome is Outcome.REJECTED
    assert message.startswith("Rejected: the service refused the keys")
    assert entry.outcome is Outcome.REJECTED
    assert DEMO_SECRET_ACCESS_KEY not in message


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.RESET, Fault.HTML])
def test_unknown_says_it_may_be_ringing(qtbot: QtBot, harness: Harness, service: StandInService, fault: Fault) -> None:
    service.fault = fault
    entry, result, message = call_and_wait(qtbot, harness, CONNECTS)
    assert result.outcome is Outcome.UNKNOWN
    assert message.startswith("Unknown") and "may still be ringing" in message and "not retried" in message
    assert entry.outcome is Outcome.UNKNOWN
    assert service.request_count == 1


def test_not_sent_by_the_worker_when_nothing_listens(qtbot: QtBot, store: Store, service: StandInService) -> None:
    rig = Harness(store, service)
    rig.settings = Settings(agent_number=AGENT, api_url=f"http://127.0.0.1:{free_port()}/ibp_api.php", mode="business")
    try:
        entry, result, message = call_and_wait(qtbot, rig, CONNECTS)
    finally:
        assert rig.controller.shutdown(2000)
    assert result.outcome is Outcome.NOT_SENT
    assert message.startswith("Not sent:") and "refused" in message
    assert entry.outcome is Outcome.NOT_SENT
    assert rig.not_sent == []  # sent to the worker, so it ends through call_finished


def test_started_signal_carries_the_placing_row_and_ringing_text(qtbot: QtBot, harness: Harness) -> None:
    call_and_wait(qtbot, harness, CONNECTS)
    ((prepared, entry),) = harness.started
    assert entry.state is CallState.PLACING
    assert prepared.request.phone_to_call == CONNECTS
    assert harness.finished[0][0].id == entry.id


# --- the journal row is written before sending -------------------------------------------------------------------


def test_row_is_placing_while_the_request_is_pending(
    qtbot: QtBot, harness: Harness, service: StandInService, store: Store
) -> None:
    service.ring_seconds = 1.0
    with qtbot.waitSignal(harness.controller.call_finished, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        assert harness.controller.call(CONNECTS)
        ((_prepared, started_entry),) = harness.started
        assert store.get_call(started_entry.id).state is CallState.PLACING  # before the request even left
        qtbot.waitUntil(lambda: service.request_count == 1, timeout=SIGNAL_TIMEOUT_MS)
        # The outcome is written only by a GUI-thread slot, so while the stand-in rings the row must be placing.
        pending = store.get_call(started_entry.id)
        assert pending.state is CallState.PLACING and pending.outcome is None
        assert harness.controller.is_busy and harness.controller.elapsed_s() >= 0.0
    entry, result, _message = blocker.args
    assert result.outcome is Outcome.CONNECTED
    done = store.get_call(started_entry.id)
    assert done.state is CallState.DONE and done.outcome is Outcome.CONNECTED and done.finished_at
    assert harness.controller.elapsed_s() >= 1.0  # the last call's duration once idle


# --- never a second request --------------------------------------------------------------------------------------


def test_second_call_while_placing_is_refused(
    qtbot: QtBot, harness: Harness, service: StandInService, store: Store
) -> None:
    with qtbot.waitSignal(harness.controller.call_finished, timeout=SIGNAL_TIMEOUT_MS):
        assert harness.controller.call(CONNECTS) is True
        assert harness.controller.call(CONNECTS) is False
        assert harness.controller.call(NO_ANSWER) is False
    assert service.request_count == 1
    assert len(store.list_calls()) == 1
    assert harness.busy == [True, False]
    assert harness.not_sent == []


def test_fifty_rapid_calls_make_one_request(
    qtbot: QtBot, harness: Harness, service: StandInService, store: Store
) -> None:
    with qtbot.waitSignal(harness.controller.call_finished, timeout=SIGNAL_TIMEOUT_MS):
        accepted = [harness.controller.call(CONNECTS) for _ in range(50)]
    assert accepted == [True] + [False] * 49
    # Let any stray queued work run before counting.
    QCoreApplication.processEvents()
    assert service.request_count == 1
    assert len(store.list_calls()) == 1
    assert len(harness.finished) == 1


def test_busy_is_set_before_any_slot_can_trigger_again(qtbot: QtBot, harness: Harness, service: StandInService) -> None:
    # A slot on busy_changed(True) that triggers again (re-entrancy, like a held Enter key) is refused.
    reentrant: list[bool] = []

    def trigger_again(busy: bool) -> None:
        if busy:
            reentrant.append(harness.controller.call(CONNECTS))

    harness.controller.busy_changed.connect(trigger_again)
    call_and_wait(qtbot, harness, CONNECTS)
    assert reentrant == [False]
    assert service.request_count == 1


def test_idle_again_after_an_outcome(qtbot: QtBot, harness: Harness, service: StandInService) -> None:
    call_and_wait(qtbot, harness, CONNECTS)
    call_and_wait(qtbot, harness, NO_ANSWER)
    assert service.request_count == 2


# --- not sent ----------------------------------------------------------------------------------------------------


def test_bad_number_is_not_sent(qtbot: QtBot, harness: Harness, service: StandInService, store: Store) -> None:
    with qtbot.waitSignal(harness.controller.not_sent, timeout=1000) as blocker:
        assert harness.controller.call("12") is False
    assert blocker.args[0].startswith("Not sent: the number to call")
    assert harness.busy == []
    assert store.list_calls() == []
    assert service.request_count == 0
    assert not harness.controller.is_busy


def test_keys_still_loading_and_missing(qtbot: QtBot, harness: Harness, store: Store, service: StandInService) -> None:
    harness.controller.credentials_loading = True
    assert harness.controller.call(CONNECTS) is False
    harness.controller.set_credentials(None)
    assert not harness.controller.credentials_loading
    assert harness.controller.call(CONNECTS) is False
    assert harness.not_sent == [KEYS_LOADING_MESSAGE, NO_KEYS_MESSAGE]
    assert store.list_calls() == [] and service.request_count == 0 and harness.busy == []


def test_journal_write_failure_is_not_sent(
    qtbot: QtBot, harness: Harness, store: Store, service: StandInService
) -> None:
    # Another program holds the write lock: the calling rules can still read the journal, the row cannot be written.
    store.set_busy_timeout(50)
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert harness.controller.call(CONNECTS) is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert harness.busy == [True, False]
    assert len(harness.not_sent) == 1 and "journal" in harness.not_sent[0]
    assert not harness.controller.is_busy
    assert service.request_count == 0


# --- another program holding the journal's write lock -------------------------------------------------------------


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another program's open write transaction on the journal (an import does this for seconds)."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_an_outcome_the_journal_cannot_take_yet_is_written_later_without_freezing(
    qtbot: QtBot, store: Store, service: StandInService
) -> None:
    store.set_busy_timeout(GUI_BUSY_TIMEOUT_MS)  # as the app's profile does
    rig = Harness(store, service)
    service.ring_seconds = 0.5
    try:
        assert rig.controller.call(CONNECTS)
        assert service.wait_for_requests(1, timeout=10)
        other = _hold_write_lock(store.path)  # taken while the phone rings, after the row was written
        started = time.monotonic()
        with qtbot.waitSignal(rig.controller.call_finished, timeout=SIGNAL_TIMEOUT_MS):
            pass
        assert time.monotonic() - started < 2.0  # not the store's usual 5 s wait on the GUI thread
        entry, result, _message = rig.finished[0]
        assert result.outcome is Outcome.CONNECTED and rig.controller.unwritten_outcomes == 1
        assert not rig.controller.is_busy  # the next call need not wait for the journal
        with qtbot.waitSignal(rig.controller.journal_changed, timeout=SIGNAL_TIMEOUT_MS):
            other.rollback()
        other.close()
        written = store.get_call(entry.id)
        assert written is not None and written.outcome is Outcome.CONNECTED and written.state is CallState.DONE
        assert rig.controller.unwritten_outcomes == 0
    finally:
        assert rig.controller.shutdown(2000)


def test_a_call_is_not_sent_when_its_journal_row_cannot_be_written(
    qtbot: QtBot, store: Store, service: StandInService
) -> None:
    store.set_busy_timeout(GUI_BUSY_TIMEOUT_MS)
    rig = Harness(store, service)
    other = _hold_write_lock(store.path)
    try:
        started = time.monotonic()
        assert not rig.controller.call(CONNECTS)
        assert time.monotonic() - started < 1.5
        assert rig.not_sent and "busy" in rig.not_sent[0] and not rig.controller.is_busy
        assert service.request_count == 0  # rule 6: no row, no request
    finally:
        other.rollback()
        other.close()
        assert rig.controller.shutdown(2000)


def test_an_outcome_still_unwritten_at_shutdown_gets_a_last_longer_try(
    qtbot: QtBot, store: Store, service: StandInService
) -> None:
    store.set_busy_timeout(GUI_BUSY_TIMEOUT_MS)
    rig = Harness(store, service)
    entry, _result, _message = call_and_wait(qtbot, rig, CONNECTS)
    other = _hold_write_lock(store.path)
    rig.controller._unwritten[entry.id] = CallResult(Outcome.NO_ANSWER, "No answer on the first leg.")
    release = threading.Timer(0.5, other.rollback)  # the other program commits while the window closes
    release.start()
    try:
        assert rig.controller.shutdown(3000)
    finally:
        release.join()
        other.close()
    written = store.get_call(entry.id)
    assert written is not None and written.outcome is Outcome.NO_ANSWER


def test_only_a_busy_journal_is_tried_again(harness: Harness) -> None:
    harness.controller._unwritten[987654] = CallResult(Outcome.CONNECTED, "Connected")  # no such row: never better
    assert harness.controller._write_unwritten()
    assert harness.controller.unwritten_outcomes == 0


# --- redial of an unknown outcome ---------------------------------------------------------------------------------


def test_unknown_outcome_needs_confirmation_before_redial(
    qtbot: QtBot, harness: Harness, service: StandInService
) -> None:
    assert harness.controller.needs_unknown_confirmation("(555) 111-2222") is None  # never called
    service.fault = Fault.SERVER_ERROR
    entry, _result, _message = call_and_wait(qtbot, harness, CONNECTS)
    previous = harness.controller.needs_unknown_confirmation("(555) 111-2222")
    assert previous is not None and previous.id == entry.id
    service.fault = Fault.NONE
    call_and_wait(qtbot, harness, "555-111-2222")
    assert harness.controller.needs_unknown_confirmation(CONNECTS) is None
    assert harness.controller.needs_unknown_confirmation("not a number") is None


def test_a_failed_retry_does_not_hide_an_unknown_call(qtbot: QtBot, harness: Harness, service: StandInService) -> None:
    service.fault = Fault.SERVER_ERROR
    unknown, _result, _message = call_and_wait(qtbot, harness, CONNECTS)
    service.fault = Fault.RATE_LIMITED  # the confirmed retry is rejected: it rang nobody
    call_and_wait(qtbot, harness, CONNECTS)
    previous = harness.controller.needs_unknown_confirmation(CONNECTS)
    assert previous is not None and previous.id == unknown.id


def test_redial_checks_the_digits_the_row_sent(qtbot: QtBot, harness: Harness, service: StandInService) -> None:
    # The display text of a redialled row may read as other digits now (the region changed since): the guard also
    # looks at the digits that were sent.
    service.fault = Fault.SERVER_ERROR
    unknown, _result, _message = call_and_wait(qtbot, harness, CONNECTS)
    assert harness.controller.needs_unknown_confirmation("(555) 999-0000") is None
    previous = harness.controller.needs_unknown_confirmation("(555) 999-0000", previous_dial=unknown.number)
    assert previous is not None and previous.id == unknown.id


# --- shutdown ----------------------------------------------------------------------------------------------------


def test_shutdown_during_a_hanging_call(qtbot: QtBot, store: Store, service: StandInService) -> None:
    service.fault = Fault.HANG
    rig = Harness(store, service)  # read timeout 30 s: only the cut can end this request quickly
    assert rig.controller.call(CONNECTS)
    qtbot.waitUntil(lambda: service.request_count == 1, timeout=SIGNAL_TIMEOUT_MS)
    ((_prepared, started_entry),) = rig.started

    began = time.monotonic()
    assert rig.controller.shutdown(2000) is True
    assert time.monotonic() - began < 2.0

    row = store.get_call(started_entry.id)
    assert row.state is CallState.DONE and row.outcome is Outcome.UNKNOWN and row.message == SHUTDOWN_MESSAGE
    assert len(rig.finished) == 1 and rig.finished[0][1].outcome is Outcome.UNKNOWN
    assert rig.busy == [True, False]
    # The blocked request itself was unblocked by the socket cut, not merely abandoned.
    qtbot.waitUntil(lambda: not call_threads_alive(), timeout=2000)
    # The worker's late result is dropped: no second outcome, the row stays as written.
    QCoreApplication.processEvents()
    assert len(rig.finished) == 1
    assert store.get_call(started_entry.id) == row
    assert service.request_count == 1
    # Idempotent, and closed for new calls.
    assert rig.controller.shutdown(2000) is True
    assert rig.controller.call(CONNECTS) is False
    assert rig.not_sent == [CLOSING_MESSAGE]


def test_shutdown_right_after_the_trigger(qtbot: QtBot, store: Store, service: StandInService) -> None:
    # The close lands before or while the worker connects: the row is finished either way, never left placing.
    service.fault = Fault.HANG
    rig = Harness(store, service)
    assert rig.controller.call(CONNECTS)
    assert rig.controller.shutdown(2000) is True
    (entry,) = store.list_calls()
    assert entry.state is CallState.DONE
    assert entry.outcome in (Outcome.UNKNOWN, Outcome.NOT_SENT)
    qtbot.waitUntil(lambda: not call_threads_alive(), timeout=2000)
    if entry.outcome is Outcome.NOT_SENT:
        assert service.request_count == 0


def test_shutdown_while_the_host_name_resolves_is_bounded_and_sends_nothing(
    qtbot: QtBot, store: Store, service: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stuck DNS lookup cannot be cut by a socket shutdown: the worker thread is released instead, and the
    connection made once the lookup returns is closed before anything is sent."""
    resolving, resume = threading.Event(), threading.Event()
    real_getaddrinfo = socket.getaddrinfo

    def stalled_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "localhost" and not resume.is_set():
            resolving.set()
            resume.wait(10)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stalled_getaddrinfo)
    rig = Harness(store, service)
    rig.settings = Settings(agent_number=AGENT, api_url=service.url.replace("127.0.0.1", "localhost"), mode="business")
    try:
        assert rig.controller.call(CONNECTS)
        assert resolving.wait(5)
        began = time.monotonic()
        assert rig.controller.shutdown(2000) is True
        assert time.monotonic() - began < 1.0
    finally:
        resume.set()
    (entry,) = store.list_calls()
    assert entry.state is CallState.DONE and entry.outcome is Outcome.UNKNOWN and entry.message == SHUTDOWN_MESSAGE
    qtbot.waitUntil(lambda: not call_threads_alive(), timeout=5000)
    assert service.request_count == 0


def test_shutdown_when_idle_twice(harness: Harness) -> None:
    assert harness.controller.shutdown(1000) is True
    assert harness.controller.shutdown(1000) is True
    assert harness.finished == [] and harness.busy == []


EXIT_SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication, QTimer
from c2c_desktop.core.config import Settings
from c2c_desktop.core.models import Credentials
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, Fault, StandInService
from c2c_desktop.core.store import Store
from c2c_desktop.gui.calls import CallController

app = QCoreApplication(sys.argv)
service = StandInService(fault=Fault.HANG).start()
store = Store(Path(sys.argv[1]))
settings = Settings(agent_number="5551230000", api_url=service.url, read_timeout=60.0, mode="business")
controller = CallController(store, lambda: settings)
controller.set_credentials(Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY))
assert controller.call("5551112222")
assert service.wait_for_requests(1, 10)
app.aboutToQuit.connect(lambda: print("stopped:", controller.shutdown(2000), flush=True))
QTimer.singleShot(0, app.quit)
app.exec()
# The stand-in is deliberately left running: the process exits with the hung handler still in place.
"""


def test_process_exits_cleanly_after_shutdown_during_a_call(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT, str(db)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped: True"
    assert "QThread" not in done.stderr and done.stderr.strip() == ""
    assert time.monotonic() - began < 20
    with Store(db) as journal:
        (entry,) = journal.list_calls()
    assert entry.state is CallState.DONE and entry.outcome is Outcome.UNKNOWN and entry.message == SHUTDOWN_MESSAGE


# --- the pre-send hook (a calling session links its list item there) ----------------------------------------------


def test_a_pre_send_veto_finishes_the_row_as_not_sent_and_sends_nothing(
    qtbot: QtBot, harness: Harness, service: StandInService, store: Store
) -> None:
    from c2c_desktop.core.calllists import NewItem, StoreCallLists
    from c2c_desktop.core.list_work import call_started

    lists = StoreCallLists(store)
    made = lists.create_list("Session")
    lists.add_items(made.id, [NewItem("+15551112222")])
    (item,) = lists.items(made.id)
    store.connection.execute(  # a real store error inside the link, as a full disk gives
        "CREATE TRIGGER refuse_link BEFORE INSERT ON list_calls BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    seen: list[tuple[str, bool]] = []

    def link(_prepared: object, entry: JournalEntry) -> bool:
        row = store.get_call(entry.id)
        seen.append((row.state.value if row else "", bool(harness.started)))
        call_started(lists, item, entry.id)
        return True

    with qtbot.waitSignal(harness.controller.journal_changed, timeout=SIGNAL_TIMEOUT_MS):
        assert harness.controller.call(CONNECTS, before_send=link) is False
    assert seen == [("placing", False)]  # asked after the row was written, before call_started
    (row,) = store.list_calls()
    assert row.state is CallState.DONE and row.outcome is Outcome.NOT_SENT and "disk full" in row.message
    assert harness.not_sent == [row.message] and harness.started == [] and harness.finished == []
    assert harness.busy == [True, False] and not harness.controller.is_busy
    assert lists.item(item.id).attempts == 0  # type: ignore[union-attr]
    # A plain False vetoes too; a True sends, once: the one request is that last call's (nothing was queued before).
    assert harness.controller.call(CONNECTS, before_send=lambda _prepared, _entry: False) is False
    entry, result, _message = call_and_wait_with(qtbot, harness, CONNECTS, lambda _prepared, _entry: True)
    assert result.outcome is Outcome.CONNECTED
    assert service.request_count == 1 and service.requests[0].params["ref"] == entry.ref
    assert [each.outcome for each in store.list_calls()] == [Outcome.CONNECTED, Outcome.NOT_SENT, Outcome.NOT_SENT]


def call_and_wait_with(
    qtbot: QtBot, rig: Harness, number: str, before_send: Any
) -> tuple[JournalEntry, CallResult, str]:
    with qtbot.waitSignal(rig.controller.call_finished, timeout=SIGNAL_TIMEOUT_MS) as blocker:
        assert rig.controller.call(number, before_send=before_send)
    entry, result, message = blocker.args
    return entry, result, message
