"""The window's link to the team database: `TeamLink` (GUI thread) over a `DbWorker` (a QObject in its own QThread).

Every team database call and the keyring read of the password run on the worker, never on the GUI thread. The
worker owns one core.team.client.TeamClient; the blocking work itself runs on a daemon thread the QThread waits for
(`Releasable`, as the call worker does), so closing the window while the server hangs releases the QThread at once
and the stuck daemon thread dies with the process.

`TeamLink.submit(job, done, timeout_s=5.0)` is the one way in: `job(client)` runs on the worker, `done(value or
TeamError)` runs once on the GUI thread — with TeamUnavailable when no answer came within `timeout_s`. A job whose
caller gave up is not run if it has not started; one that answers late has its answer dropped, and the claims it was
granted (TeamSession.taken) are given back at once: nobody will dial them. Jobs run one at a time, in order, on one of
two lanes, each a worker with its own connection: claims and everything a dial waits for on "claims"; the push, the
pull, the listener's start and Settings → Team's checks on "sync", so a long pull never holds up a claim.

Besides the jobs it is given, the link keeps the mirrors fresh: it starts the LISTEN thread (core.team.sync.Listener)
once online, pulls on a notification, on each (re)connection and every 60 s, and pushes the journal after each call,
on each (re)connection and every 60 s, with the ends of claimed list items a session kept while the server did not
answer (core/team/session_steps.py), also before each pull.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from c2c_desktop.gui.calls import Releasable, Released
from c2c_desktop.gui.slots import weak_slot

if TYPE_CHECKING:
    from c2c_desktop.core.store import Store
    from c2c_desktop.core.team.client import TeamClient
    from c2c_desktop.core.team.server import Taken, TeamError
    from c2c_desktop.core.team.sync import Listener

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 5.0
#: The safety-net pull and push (a notification lost while disconnected is caught by the pull on reconnect).
SYNC_INTERVAL_MS = 60_000
#: Offline before the listener ever connected (it reconnects by itself once started): how soon to try again.
OFFLINE_RETRY_MS = 10_000
#: The sync lane closes its connection after this long idle: an agent's role may hold only admin.CONNECTION_LIMIT (5)
#: connections, and the claims lane and the listener keep theirs; the third stays free for a command or a check.
SYNC_IDLE_CLOSE_MS = 2_000
#: After the listener reconnects, the sync is tried again this soon if it failed (past client.RETRY_HOLD_S).
RESYNC_AFTER_RECONNECT_MS = 1_500
#: How long closing waits for an idle worker to close its connections before letting a stuck one go.
CLOSE_GRACE_MS = 300
OFF_MESSAGE = "team mode is off (no team_url is set)"

STATES = ("off", "connecting", "online", "offline")
#: The workers: "claims" (what a dial waits for) and "sync" (push, pull, the listener, account checks).
CLAIMS, SYNC = "claims", "sync"
LANES = (CLAIMS, SYNC)
#: The status bar's words when the link cannot sign in (no saved password, or a wrong one).
NOT_SIGNED_IN = "not signed in — Settings → Team"


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


def went_offline(error: object) -> bool:
    """core.team.client.went_offline: the server not reached, or it would not let the agent in."""
    from c2c_desktop.core.team import client

    return client.went_offline(error)


def sign_in_failed(error: object) -> bool:
    """core.team.client.sign_in_failed: no password saved, or a wrong one."""
    from c2c_desktop.core.team import client

    return client.sign_in_failed(error)


class DbWorker(QObject):
    """Runs jobs on the TeamClient, one at a time, on its own thread; reports with `finished(job_id, value, error,
    taken)` — `taken`: the claims the job was granted and did not settle (TeamSession.taken).

    Made without a parent and moved into a QThread (`start_thread`). The client is made on first use, on the worker.
    A job `abandon`ed before it starts is not run (and reports nothing).
    """

    finished = Signal(int, object, object, object)  # (job id, value, TeamError | None, list[Taken]), on the worker
    _run_requested = Signal(int, object)

    def __init__(self, client_factory: Callable[[], TeamClient], name: str = "c2c-team") -> None:
        super().__init__()
        self._client_factory = client_factory
        self._client: TeamClient | None = None
        self._name = name
        self._releasable = Releasable(f"{name}-db")
        self._thread: QThread | None = None
        self._abandoned: set[int] = set()  # GUI thread adds, worker takes: under the lock
        self._abandoned_lock = threading.Lock()
        self._run_requested.connect(self._run)

    def abandon(self, job_id: int) -> None:
        """Any thread: the caller gave up on `job_id`: not run if it has not started."""
        with self._abandoned_lock:
            self._abandoned.add(job_id)

    def forget(self, job_id: int) -> None:
        """Any thread: `job_id` has reported (it had started before it was abandoned)."""
        with self._abandoned_lock:
            self._abandoned.discard(job_id)

    def _take_abandoned(self, job_id: int) -> bool:
        with self._abandoned_lock:
            if job_id in self._abandoned:
                self._abandoned.discard(job_id)
                return True
            return False

    def start_thread(self) -> None:
        """GUI thread: move into a new QThread of its own and start it."""
        thread = QThread()  # no parent: shutdown() decides when it ends
        thread.setObjectName(self._name)
        self.moveToThread(thread)
        thread.start()
        self._thread = thread

    def run(self, job_id: int, job: Callable[[TeamClient], object]) -> None:
        """Any thread: queue `job` to the worker's thread."""
        self._run_requested.emit(job_id, job)

    @Slot(int, object)
    def _run(self, job_id: int, job: Callable[[TeamClient], object]) -> None:
        """Worker thread: one job (unless abandoned before it started); its answer or its error (one plain line), and
        the claims it was granted, go out with `finished`."""
        from c2c_desktop.core.team.server import TeamError

        if self._take_abandoned(job_id):
            return  # its caller was told it timed out: nobody would use what it did
        taken: list[Taken] = []

        def work() -> object:
            client = self._client_now()
            client.taken.clear()
            try:
                return job(client)
            finally:
                taken.extend(client.taken)

        try:
            value = self._releasable.run(work)
        except Released:
            return  # closing: nobody waits for this answer
        except TeamError as exc:
            self.finished.emit(job_id, None, exc, taken)
        except Exception as exc:  # a job's own bug or the local store: its text may hold anything, so the type only
            log.warning("team job failed: %s", type(exc).__name__)
            self.finished.emit(job_id, None, TeamError(f"the team job failed ({type(exc).__name__})"), taken)
        else:
            self.finished.emit(job_id, value, None, taken)

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


def _cut_relays(relays: list[_ListenerRelay], *_destroyed: object) -> None:
    """Any thread (the link's `destroyed`): no listener emits into the link any more."""
    while relays:
        relays.pop().cut()


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
        self._waiting: dict[int, tuple[Callable[[Any], None], QTimer, str]] = {}  # job id: (done, timer, lane)
        self._account_jobs: set[int] = set()  # jobs of Settings → Team: not about the link's connection
        self._quiet_jobs: set[int] = set()  # the link's own housekeeping (closing an idle connection): no state
        # The sync lane's connection is closed after a while without sync work (SYNC_IDLE_CLOSE_MS).
        self._sync_idle_timer = QTimer(self)
        self._sync_idle_timer.setSingleShot(True)
        self._sync_idle_timer.setInterval(SYNC_IDLE_CLOSE_MS)
        self._sync_idle_timer.timeout.connect(self._close_idle_sync)
        self._workers: dict[str, DbWorker] = {}  # per lane, made on first use
        self._listener: Listener | None = None
        self._listeners: list[Listener] = []  # every listener started (from the worker), for the close to stop
        self._relays: list[_ListenerRelay] = []
        # Deleted without shutdown() (its parent went first): the listener thread must still stop emitting into it.
        self.destroyed.connect(functools.partial(_cut_relays, self._relays))
        self._listener_starting = False
        self._closed = False
        self._state = "off"
        self._pending = 0
        self._last_error = ""
        self._signed_out = False  # offline because the server refused the sign-in (no password saved, a wrong one)
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
        if self.url:  # without team mode psycopg is never loaded
            self._record_account()

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

    @property
    def signed_out(self) -> bool:
        """True while offline because the server would not let the agent in (no saved password, or a wrong one)."""
        return self.enabled and self._state == "offline" and self._signed_out

    @property
    def account(self) -> str:
        """user@host:port/database of the team_url ("" when off or unreadable): whose the team-mode calls are."""
        if not self.url:
            return ""
        from c2c_desktop.core.team.server import TeamError, url_account

        try:
            return url_account(self.url)
        except TeamError:
            return ""

    def _record_account(self) -> None:
        """GUI thread (one quick local write): the store learns whose team-mode calls are dialled from now on, so
        another account's calls waiting to sync are neither pushed as this one's nor counted as waiting."""
        if self._store is None or not team_extra_installed():
            return
        try:
            from c2c_desktop.core.team.sync import set_current_account

            set_current_account(self._store, self.account or None)
        except Exception as exc:  # the store busy: marked rows then go up with whichever account pushes them
            log.warning("team account not recorded: %s", type(exc).__name__)

    def _set_state(self, state: str, error: str = "", *, signed_out: bool = False) -> None:
        self._last_error = error if state == "offline" else ""
        self._signed_out = signed_out and state == "offline"
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
        self._record_account()
        if not self.url:
            self._sync_timer.stop()
            self._set_state("off")
            return
        self.start()

    def password_changed(self) -> None:
        """GUI thread: the password in the keyring changed: each lane reads it again at its next connection."""
        if self.enabled:
            self.submit(lambda client: client.forget_password(), lambda _answer: None)
            self.submit(lambda client: client.forget_password(), lambda _answer: self.sync_now(), lane=SYNC)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """GUI thread; idempotent: stop the listener and the worker within a bound. Waiting jobs get no answer."""
        if self._closed:
            return True
        self._closed = True
        self._sync_timer.stop()
        self.retry_timer.stop()
        self._sync_idle_timer.stop()
        self._stop_listener()
        return self._drop_worker(timeout_ms)

    def _drop_worker(self, timeout_ms: int = 3000) -> bool:
        """Stop both lanes' workers within `timeout_ms` in all; waiting jobs get no answer."""
        workers, self._workers = self._workers, {}
        for _done, timer, _lane in self._waiting.values():
            timer.stop()
            timer.deleteLater()
        self._waiting.clear()
        deadline = time.monotonic() + timeout_ms / 1000
        stopped = True
        for worker in workers.values():
            worker.finished.disconnect(self._on_finished)
        for worker in workers.values():
            left_ms = max(0, round((deadline - time.monotonic()) * 1000))
            stopped = worker.shutdown(left_ms) and stopped
        return stopped

    # --- jobs ----------------------------------------------------------------------------------------------

    def submit(
        self,
        job: Callable[[TeamClient], T],
        done: Callable[[T | TeamError], None],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        lane: str = CLAIMS,
    ) -> None:
        """GUI thread: run `job(client)` on the `lane`'s worker; `done(value or TeamError)` runs once, on the GUI
        thread.

        No answer within `timeout_s`: `done` gets TeamUnavailable("… did not answer within 5 s"); the job is then not
        run if it has not started, and a late answer is dropped, the claims it was granted given back (nobody dials
        them). A job that fails after being granted a claim gives it back the same way. Team mode off or closed:
        `done` gets TeamSetupError (from the event loop, never re-entrantly).
        """
        if not self.enabled:
            error = _off_error()
            QTimer.singleShot(0, self, lambda: done(error))
            return
        self._submit(job, done, timeout_s, lane)

    def run_account_job(
        self, job: Callable[[TeamClient], T], done: Callable[[T | TeamError], None], *, timeout_s: float = 10.0
    ) -> None:
        """GUI thread: like `submit`, also with team mode off, for Settings → Team (a connection test with a typed
        URL and password, the keyring): its outcome says nothing about the link's own connection."""
        if self._closed:
            QTimer.singleShot(0, self, lambda: done(_off_error()))
            return
        self._account_jobs.add(self._submit(job, done, timeout_s, SYNC))

    def _submit(
        self, job: Callable[[TeamClient], T], done: Callable[[T | TeamError], None], timeout_s: float, lane: str
    ) -> int:
        if lane not in LANES:
            raise ValueError(f"no team lane {lane!r}")
        job_id = next(self._ids)
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(weak_slot(self._on_timeout, job_id, timeout_s))  # the timer is deleted on its own
        self._waiting[job_id] = (done, timer, lane)
        timer.start(max(0, round(timeout_s * 1000)))
        self._worker_now(lane).run(job_id, job)
        return job_id

    def _worker_now(self, lane: str) -> DbWorker:
        worker = self._workers.get(lane)
        if worker is None:
            url, loader, store_path = self.url, self._password_loader, self._store_path()

            def make_client() -> TeamClient:  # on the worker
                from c2c_desktop.core.team.client import TeamClient

                return TeamClient(url, lambda: loader(url), store_path)

            worker = self._workers[lane] = DbWorker(make_client, f"c2c-team-{lane}")
            worker.finished.connect(self._on_finished)
            worker.start_thread()
        return worker

    def _store_path(self) -> Path | None:
        return self._store.path if self._store is not None else None

    @Slot(int, object, object, object)
    def _on_finished(self, job_id: int, value: object, error: TeamError | None, taken: list[Taken]) -> None:
        """GUI thread (queued from a worker): hand the answer to its `done`, unless it timed out already; claims
        nobody is going to dial (a late answer's, a failed job's) are given back."""
        waiting = self._waiting.pop(job_id, None)
        quiet = job_id in self._quiet_jobs
        if quiet:
            self._quiet_jobs.discard(job_id)
        elif job_id in self._account_jobs:
            self._account_jobs.discard(job_id)
        elif error is not None and went_offline(error):
            self._set_state("offline", str(error), signed_out=sign_in_failed(error))
        elif self.enabled:
            self._went_online()  # the server answered (a refusal of a claim is an answer too)
        if not quiet and SYNC in self._workers:
            self._sync_idle_timer.start()  # any answer: the sync lane's connection waits that long before closing
        if waiting is None or error is not None:
            self._give_back(taken)
        if waiting is None:
            for worker in self._workers.values():
                worker.forget(job_id)
            return  # late: its `done` was told it timed out
        done, timer, _lane = waiting
        timer.stop()
        timer.deleteLater()
        self._answer(done, error if error is not None else value)

    def _close_idle_sync(self) -> None:
        """GUI thread (timer): no sync work for a while: the sync lane closes its connection (made again on use), so
        the agent's role keeps a connection free for `call` from a terminal or Settings → Team's check."""
        if SYNC not in self._workers or self._closed:
            return
        if any(lane == SYNC for _done, _timer, lane in self._waiting.values()):
            self._sync_idle_timer.start()  # still busy: later
            return
        job_id = self._submit(lambda client: client.disconnect(), lambda _answer: None, 30.0, SYNC)
        self._quiet_jobs.add(job_id)

    def _give_back(self, taken: list[Taken]) -> None:
        """GUI thread: release claims granted to a job whose caller will never dial them, next on the claims lane."""
        if not taken or not self.enabled:
            return
        log.info("giving back %d team claim(s) answered after their caller gave up", len(taken))
        claims = list(taken)

        def given_back(answer: object) -> None:
            if isinstance(answer, Exception):
                log.warning("team claims not given back: %s", answer)

        self._submit(lambda client: [each.give_back(client.session) for each in claims], given_back, 30.0, CLAIMS)

    def _on_timeout(self, job_id: int, timeout_s: float) -> None:
        """GUI thread (timer): no answer in time: `done` gets TeamUnavailable; the job is not run if it has not
        started, and what it answers later is dropped (its claims given back)."""
        waiting = self._waiting.pop(job_id, None)
        if waiting is None:
            return
        done, timer, lane = waiting
        timer.deleteLater()
        worker = self._workers.get(lane)
        if worker is not None:
            worker.abandon(job_id)
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
            if self._closed or not self._workers:
                self._stop_listener()
                return
            self._listener = answer

        self.submit(start, started, lane=SYNC)

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

        self.submit(_push, pushed, timeout_s=30.0, lane=SYNC)

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

        self.submit(_pull, pulled, timeout_s=30.0, lane=SYNC)

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
        """ "Team: online as alice" / "Team: offline — 12 calls waiting to sync" / "Team: not signed in — Settings →
        Team"; "" when team mode is off."""
        if not self.enabled:
            return ""
        offline = NOT_SIGNED_IN if self.signed_out else "offline"
        state = {"connecting": "connecting…", "online": f"online as {self.agent}", "offline": offline}[self.state]
        waiting = f" — {self._pending} call{'s' if self._pending != 1 else ''} waiting to sync" if self._pending else ""
        return f"Team: {state}{waiting}"


def send_kept(client: TeamClient) -> int:
    """On the worker: what waits here for the server besides the journal: the list items' ends that sessions kept
    while it did not answer, and the numbers marked "do not call" in team mode; how many item ends it recorded."""
    recorded = client.sync.send_item_updates()
    client.sync.send_dnc_marks()
    return recorded


def _push(client: TeamClient) -> int:
    """On the worker: the journal, then what else waits (`send_kept`)."""
    pushed = client.sync.push()
    send_kept(client)
    return pushed


def _pull(client: TeamClient) -> object:
    """On the worker: a pull, after what waits here (else the pull would bring an item back as the server last had
    it, and a do-not-call mark only a pull later)."""
    send_kept(client)
    return client.sync.pull()


def _keyring_password(url: str) -> str | None:
    """On the worker: the account's password from the OS keyring."""
    from c2c_desktop.core.team.credentials import load_password

    return load_password(url)
