"""The window's link to the team database: `TeamLink` (GUI thread) over a `DbWorker` (a QObject in its own QThread).

Every team database call and the keyring read of the password run on the worker, never on the GUI thread. The
worker owns one core.team.client.TeamClient; the blocking work itself runs on a daemon thread the QThread waits for
(`Releasable`, as the call worker does), so closing the window while the server hangs releases the QThread at once
and the stuck daemon thread dies with the process.

`TeamLink.submit(job, done, timeout_s=5.0)` is the one way in: `job(client)` runs on the worker, `done(value or
TeamError)` runs once on the GUI thread — with TeamUnavailable when no answer came within `timeout_s` (a late answer
is then dropped). Jobs run one at a time, in order.

Besides the jobs it is given, the link keeps the mirrors fresh: it starts the LISTEN thread (core.team.sync.Listener)
once online, pulls on a notification, on each (re)connection and every 60 s, and pushes the journal after each call,
on each (re)connection and every 60 s, with the ends of claimed list items a session kept while the server did not
answer (core/team/session_steps.py), also before each pull.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from c2c_desktop.gui.calls import Releasable, Released

if TYPE_CHECKING:
    from c2c_desktop.core.store import Store
    from c2c_desktop.core.team.client import TeamClient
    from c2c_desktop.core.team.server import TeamError
    from c2c_desktop.core.team.sync import Listener

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 5.0
#: The safety-net pull and push (a notification lost while disconnected is caught by the pull on reconnect).
SYNC_INTERVAL_MS = 60_000
#: Offline before the listener ever connected (it reconnects by itself once started): how soon to try again.
OFFLINE_RETRY_MS = 10_000
#: After the listener reconnects, the sync is tried again this soon if it failed (past client.RETRY_HOLD_S).
RESYNC_AFTER_RECONNECT_MS = 1_500
#: How long closing waits for an idle worker to close its connections before letting a stuck one go.
CLOSE_GRACE_MS = 300
OFF_MESSAGE = "team mode is off (no team_url is set)"

STATES = ("off", "connecting", "online", "offline")


# The team modules load psycopg (the `team` extra): imported on first use, so a window without team mode never loads
# it (and a single agent need not install it).


def _timed_out(timeout_s: float) -> TeamError:
    from c2c_desktop.core.team.server import TeamUnavailable

    return TeamUnavailable(f"the team server did not answer within {timeout_s:g} s")


def _off_error() -> TeamError:
    try:
        from c2c_desktop.core.team.server import TeamSetupError
    except ImportError:  # no team extra: a plain error of the same meaning
        return cast("TeamError", RuntimeError(OFF_MESSAGE))
    return TeamSetupError(OFF_MESSAGE)


def team_extra_installed() -> bool:
    """True when psycopg (the `team` extra) can be imported."""
    from importlib.util import find_spec

    return find_spec("psycopg") is not None


def _went_offline(error: TeamError) -> bool:
    """True for an error that says the server was not reached (or would not let the agent in)."""
    from c2c_desktop.core.team.client import NO_PASSWORD_MESSAGE
    from c2c_desktop.core.team.server import TeamRefused, TeamUnavailable

    if isinstance(error, TeamUnavailable):
        return True
    return isinstance(error, TeamRefused) and (
        str(error).startswith("cannot connect") or str(error) == NO_PASSWORD_MESSAGE
    )


class DbWorker(QObject):
    """Runs jobs on the TeamClient, one at a time, on its own thread; reports with `finished(job_id, value, error)`.

    Made without a parent and moved into a QThread (`start_thread`). The client is made on first use, on the worker.
    """

    finished = Signal(int, object, object)  # (job id, value, TeamError | None), emitted on the worker's thread
    _run_requested = Signal(int, object)

    def __init__(self, client_factory: Callable[[], TeamClient]) -> None:
        super().__init__()
        self._client_factory = client_factory
        self._client: TeamClient | None = None
        self._releasable = Releasable("c2c-team-db")
        self._thread: QThread | None = None
        self._run_requested.connect(self._run)

    def start_thread(self) -> None:
        """GUI thread: move into a new QThread of its own and start it."""
        thread = QThread()  # no parent: shutdown() decides when it ends
        thread.setObjectName("c2c-team")
        self.moveToThread(thread)
        thread.start()
        self._thread = thread

    def run(self, job_id: int, job: Callable[[TeamClient], object]) -> None:
        """Any thread: queue `job` to the worker's thread."""
        self._run_requested.emit(job_id, job)

    @Slot(int, object)
    def _run(self, job_id: int, job: Callable[[TeamClient], object]) -> None:
        """Worker thread: one job; its answer or its error (one plain line) goes out with `finished`."""
        from c2c_desktop.core.team.server import TeamError

        try:
            value = self._releasable.run(lambda: job(self._client_now()))
        except Released:
            return  # closing: nobody waits for this answer
        except TeamError as exc:
            self.finished.emit(job_id, None, exc)
        except Exception as exc:  # a job's own bug or the local store: its text may hold anything, so the type only
            log.warning("team job failed: %s", type(exc).__name__)
            self.finished.emit(job_id, None, TeamError(f"the team job failed ({type(exc).__name__})"))
        else:
            self.finished.emit(job_id, value, None)

    def _client_now(self) -> TeamClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def _close_client(self) -> None:
        """GUI thread, once the QThread has stopped (so no job runs): close the connection and the local store on the
        daemon thread that opened them (SQLite keeps a connection to its thread)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            self._releasable.run(client.close)
        except Exception as exc:  # closing: nothing more to do about it
            log.warning("team client close failed: %s", type(exc).__name__)

    def shutdown(self, timeout_ms: int) -> bool:
        """GUI thread; idempotent: close the client when the worker is idle, else let the stuck job go; stop the
        QThread within `timeout_ms` (never terminate()). True if it stopped."""
        thread = self._thread
        if thread is None:
            return True
        self._thread = None
        thread.quit()
        stopped = bool(thread.wait(min(CLOSE_GRACE_MS, max(0, timeout_ms))))
        if stopped:
            self._close_client()
        else:
            self._releasable.release()  # a job still stuck (a server that hangs): its daemon thread is abandoned
            stopped = bool(thread.wait(max(0, timeout_ms - CLOSE_GRACE_MS)))
        self._releasable.release()
        if not stopped:
            log.warning("team thread did not stop within %d ms; left to finish on its own", timeout_ms)
            _parked.append((thread, self))
        return stopped


# Threads that did not stop in time, kept so they are not destroyed while running.
_parked: list[tuple[QThread, QObject]] = []


class _ListenerRelay:
    """The listener's callbacks (on its thread) into the link's signals, until `cut()`: the listener may outlive the
    link by a moment (it notices its stop flag at its next wake-up), and a signal of a deleted QObject must never be
    emitted. Emitting under the lock makes `cut()` wait for one in progress."""

    def __init__(self, changed: Callable[[], None], online: Callable[[bool], None]) -> None:
        self._lock = threading.Lock()
        self._changed: Callable[[], None] | None = changed
        self._online: Callable[[bool], None] | None = online

    def changed(self) -> None:
        with self._lock:
            if self._changed is not None:
                self._changed()

    def online(self, online: bool) -> None:
        with self._lock:
            if self._online is not None:
                self._online(online)

    def cut(self) -> None:
        with self._lock:
            self._changed = self._online = None


class TeamLink(QObject):
    """GUI thread: the window's team mode — its state, the jobs on the worker, the listener and the periodic sync.

    `enabled` is False without a team_url: `submit` then answers TeamSetupError, and nothing else runs.
    """

    state_changed = Signal(str)  # "off" | "connecting" | "online" | "offline"
    pending_changed = Signal(int)  # calls waiting to sync
    lists_changed = Signal()  # a pull changed the mirrored lists, items, contacts or do-not-call list
    _listener_changed = Signal()  # from the listener thread: a manager changed something
    _listener_online = Signal(bool)  # from the listener thread

    def __init__(
        self,
        url: str,
        store: Store | None,
        parent: QObject | None = None,
        *,
        password_loader: Callable[[str], str | None] | None = None,
        listen: bool = True,
        sync_interval_ms: int = SYNC_INTERVAL_MS,
    ) -> None:
        """`url`: the team_url setting ("" = off). `store`: the window's local store (GUI thread; its file is opened
        again on the worker for the sync). `password_loader(url)`: default, the keyring (run on the worker)."""
        super().__init__(parent)
        self.url = url if url and team_extra_installed() else ""
        self._store = store
        self._password_loader = password_loader or _keyring_password
        self._listen = listen
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[Callable[[Any], None], QTimer]] = {}
        self._account_jobs: set[int] = set()  # jobs of Settings → Team: not about the link's connection
        self._worker: DbWorker | None = None
        self._listener: Listener | None = None
        self._listeners: list[Listener] = []  # every listener started (from the worker), for the close to stop
        self._relays: list[_ListenerRelay] = []
        self._listener_starting = False
        self._closed = False
        self._state = "off"
        self._pending = 0
        self._last_error = ""
        self._pushing = False
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(sync_interval_ms)
        self._sync_timer.timeout.connect(self.sync_now)
        # Offline and no listener yet to notice the server's return: try again now and then.
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.setInterval(OFFLINE_RETRY_MS)
        self.retry_timer.timeout.connect(self.sync_now)
        self._listener_changed.connect(self.pull)
        self._listener_online.connect(self._on_listener_online)

    # --- state ---------------------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """True when a team_url is set (and the link is not closed)."""
        return bool(self.url) and not self._closed

    @property
    def state(self) -> str:
        return self._state if self.enabled else "off"

    @property
    def agent(self) -> str:
        """The agent's login name (the URL's user), "" when off or unreadable."""
        if not self.url:
            return ""
        from c2c_desktop.core.team.server import TeamError, parse_team_url

        try:
            return parse_team_url(self.url).get("user", "")
        except TeamError:
            return ""

    @property
    def pending(self) -> int:
        """Calls waiting to sync, as last counted."""
        return self._pending

    @property
    def last_error(self) -> str:
        """Why the link is offline (one plain line), "" when it is not."""
        return self._last_error

    def _set_state(self, state: str, error: str = "") -> None:
        self._last_error = error if state == "offline" else ""
        if state == "offline" and self._listener is None and not self._closed and not self.retry_timer.isActive():
            self.retry_timer.start()
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    # --- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> None:
        """GUI thread: connect now (on the worker), then keep the mirrors fresh."""
        if not self.enabled:
            return
        self.refresh_pending()
        self._set_state("connecting")
        self._sync_timer.start()
        self.sync_now()

    def set_url(self, url: str) -> None:
        """GUI thread: the team_url setting changed: the old connection goes; the new account starts from scratch."""
        if url == self.url or (url and not team_extra_installed()):
            return
        self._stop_listener()
        self._drop_worker()
        self.url = url if url and team_extra_installed() else ""
        if not self.url:
            self._sync_timer.stop()
            self._set_state("off")
            return
        self.start()

    def password_changed(self) -> None:
        """GUI thread: the password in the keyring changed: read it again at the next connection."""
        if self.enabled:
            self.submit(lambda client: client.forget_password(), lambda _answer: self.sync_now())

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """GUI thread; idempotent: stop the listener and the worker within a bound. Waiting jobs get no answer."""
        if self._closed:
            return True
        self._closed = True
        self._sync_timer.stop()
        self.retry_timer.stop()
        for _done, timer in self._waiting.values():
            timer.stop()
        self._waiting.clear()
        self._stop_listener()
        return self._drop_worker(timeout_ms)

    def _drop_worker(self, timeout_ms: int = 3000) -> bool:
        worker, self._worker = self._worker, None
        for _done, timer in self._waiting.values():
            timer.stop()
        self._waiting.clear()
        if worker is None:
            return True
        worker.finished.disconnect(self._on_finished)
        return worker.shutdown(timeout_ms)

    # --- jobs ----------------------------------------------------------------------------------------------

    def submit(
        self,
        job: Callable[[TeamClient], T],
        done: Callable[[T | TeamError], None],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        """GUI thread: run `job(client)` on the worker; `done(value or TeamError)` runs once, on the GUI thread.

        No answer within `timeout_s`: `done` gets TeamUnavailable("… did not answer within 5 s") and a late answer
        is dropped. Team mode off or closed: `done` gets TeamSetupError (from the event loop, never re-entrantly).
        """
        if not self.enabled:
            error = _off_error()
            QTimer.singleShot(0, self, lambda: done(error))
            return
        self._submit(job, done, timeout_s)

    def run_account_job(
        self, job: Callable[[TeamClient], T], done: Callable[[T | TeamError], None], *, timeout_s: float = 10.0
    ) -> None:
        """GUI thread: like `submit`, also with team mode off, for Settings → Team (a connection test with a typed
        URL and password, the keyring): its outcome says nothing about the link's own connection."""
        if self._closed:
            QTimer.singleShot(0, self, lambda: done(_off_error()))
            return
        self._account_jobs.add(self._submit(job, done, timeout_s))

    def _submit(self, job: Callable[[TeamClient], T], done: Callable[[T | TeamError], None], timeout_s: float) -> int:
        job_id = next(self._ids)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: self._on_timeout(job_id, timeout_s))
        self._waiting[job_id] = (done, timer)
        timer.start(max(0, round(timeout_s * 1000)))
        self._worker_now().run(job_id, job)
        return job_id

    def _worker_now(self) -> DbWorker:
        if self._worker is None:
            url, loader, store_path = self.url, self._password_loader, self._store_path()

            def make_client() -> TeamClient:  # on the worker
                from c2c_desktop.core.team.client import TeamClient

                return TeamClient(url, lambda: loader(url), store_path)

            self._worker = DbWorker(make_client)
            self._worker.finished.connect(self._on_finished)
            self._worker.start_thread()
        return self._worker

    def _store_path(self) -> Path | None:
        return self._store.path if self._store is not None else None

    @Slot(int, object, object)
    def _on_finished(self, job_id: int, value: object, error: TeamError | None) -> None:
        """GUI thread (queued from the worker): hand the answer to its `done`, unless it timed out already."""
        waiting = self._waiting.pop(job_id, None)
        if job_id in self._account_jobs:
            self._account_jobs.discard(job_id)
        elif error is not None and _went_offline(error):
            self._set_state("offline", str(error))
        elif self.enabled:
            self._went_online()  # the server answered (a refusal of a claim is an answer too)
        if waiting is None:
            return  # late: its `done` was told it timed out
        done, timer = waiting
        timer.stop()
        timer.deleteLater()
        self._answer(done, error if error is not None else value)

    def _on_timeout(self, job_id: int, timeout_s: float) -> None:
        """GUI thread (timer): no answer in time: `done` gets TeamUnavailable; the worker's answer will be dropped."""
        waiting = self._waiting.pop(job_id, None)
        if waiting is None:
            return
        done, timer = waiting
        timer.deleteLater()
        error = _timed_out(timeout_s)
        if job_id not in self._account_jobs and self.enabled:
            self._set_state("offline", str(error))
        self._answer(done, error)

    @staticmethod
    def _answer(done: Callable[[Any], None], answer: object) -> None:
        try:
            done(answer)
        except Exception:  # a caller's bug must not break the link (logged with its traceback: no secret here)
            log.exception("team job's answer handler failed")

    def _went_online(self) -> None:
        was = self._state
        self._set_state("online")
        if was != "online" and self._listen and self._listener is None and not self._listener_starting:
            self._start_listener()

    # --- listener ------------------------------------------------------------------------------------------

    def _start_listener(self) -> None:
        """GUI thread: make and start the listener on the worker (it needs the password, read there)."""
        self._listener_starting = True
        relay = _ListenerRelay(self._listener_changed.emit, self._listener_online.emit)
        self._relays.append(relay)
        changed, online = relay.changed, relay.online

        def start(client: TeamClient) -> Listener:
            from c2c_desktop.core.team.sync import Listener

            listener = Listener(client.url, client.password, changed, online)
            self._listeners.append(listener)  # before it starts: a close that comes first still stops it
            listener.start()
            return listener

        def started(answer: Listener | TeamError) -> None:
            self._listener_starting = False
            if isinstance(answer, Exception):
                log.warning("team listener not started: %s", answer)
                return
            if self._closed or self._worker is None:
                self._stop_listener()
                return
            self._listener = answer

        self.submit(start, started)

    def _stop_listener(self) -> None:
        self._listener = None
        while self._relays:
            self._relays.pop().cut()  # first: from now on the listener thread emits nothing
        while self._listeners:
            listener = self._listeners.pop()
            try:
                listener.stop(0.5)  # a daemon thread: it ends at its next wake-up if not within this moment
            except Exception as exc:
                log.warning("team listener stop failed: %s", type(exc).__name__)

    @Slot(bool)
    def _on_listener_online(self, online: bool) -> None:
        """GUI thread (queued from the listener): after each (re)connection, pull (a notification sent while
        disconnected is lost)."""
        if self._closed:
            return
        if online:
            self._set_state("online")
            self.sync_now()  # what waited for the server (calls, list items' ends) goes up before the pull
            # A job that failed just before holds the worker's next attempt back a moment (client.RETRY_HOLD_S): that
            # sync then fails at once; once more after the hold, so nothing waits for the 60 s timer.
            QTimer.singleShot(RESYNC_AFTER_RECONNECT_MS, self, self._resync_if_offline)
        else:
            self._set_state("offline", "the team server connection was lost")

    @Slot()
    def _resync_if_offline(self) -> None:
        """GUI thread (timer): the listener is connected but the sync after it failed: try it again."""
        if self.enabled and self._state == "offline":
            self.sync_now()

    # --- sync ----------------------------------------------------------------------------------------------

    @Slot()
    def sync_now(self) -> None:
        """GUI thread: push the journal, then pull (the timer's safety net, and at start)."""
        self.push()
        self.pull()

    @Slot()
    def push(self) -> None:
        """GUI thread: push the calls and notes waiting to sync (after each call, and every 60 s)."""
        if not self.enabled or self._pushing:
            return
        self._pushing = True

        def pushed(_answer: int | TeamError) -> None:
            self._pushing = False
            self.refresh_pending()

        self.submit(_push, pushed, timeout_s=30.0)

    @Slot()
    def pull(self) -> None:
        """GUI thread: pull what changed on the server into the local mirrors."""
        if not self.enabled:
            return

        def pulled(answer: Any) -> None:
            if isinstance(answer, Exception):
                return
            if getattr(answer, "full", False) or any(getattr(answer, "changed", {}).values()):
                self.lists_changed.emit()

        self.submit(_pull, pulled, timeout_s=30.0)

    def refresh_pending(self) -> None:
        """GUI thread: count the local calls waiting to sync (a quick local query) and say so if it changed."""
        if self._store is None or not self.enabled:
            return
        try:
            from c2c_desktop.core.team.sync import pending_count

            count = pending_count(self._store)
        except Exception as exc:  # the store busy: the count stays as it was until the next refresh
            log.warning("pending count failed: %s", type(exc).__name__)
            return
        if count != self._pending:
            self._pending = count
            self.pending_changed.emit(count)

    def status_text(self) -> str:
        """ "Team: online as alice" / "Team: offline — 12 calls waiting to sync"; "" when team mode is off."""
        if not self.enabled:
            return ""
        state = {"connecting": "connecting…", "online": f"online as {self.agent}", "offline": "offline"}[self.state]
        waiting = f" — {self._pending} call{'s' if self._pending != 1 else ''} waiting to sync" if self._pending else ""
        return f"Team: {state}{waiting}"


def _push(client: TeamClient) -> int:
    """On the worker: the journal, then the list items' ends that sessions kept while the server did not answer."""
    pushed = client.sync.push()
    client.sync.send_item_updates()
    return pushed


def _pull(client: TeamClient) -> object:
    """On the worker: a pull, after any list item's end still kept here (else the pull would bring the item back as
    the server last had it)."""
    client.sync.send_item_updates()
    return client.sync.pull()


def _keyring_password(url: str) -> str | None:
    """On the worker: the account's password from the OS keyring."""
    from c2c_desktop.core.team.credentials import load_password

    return load_password(url)
