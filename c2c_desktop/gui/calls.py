"""Calls off the GUI thread: `CallWorker` (a QObject in one long-lived QThread) and `CallController` (GUI thread).

The controller owns the state machine idle -> placing -> idle (the outcome stays on screen until the next call):
it goes busy synchronously on the first trigger, writes the journal row, and only then queues the request to the
worker. Only plain data (frozen dataclasses) crosses the thread boundary; only the controller touches the Store.

Shutdown must be bounded even while a request hangs. Two measures (verified by tests/gui/test_calls.py):
- `CallWorker.abort()` closes the client in use and calls `ClickToCallClient.abort()`, which shuts the call's
  socket down (as its total deadline does): a blocked read returns at once, plain or TLS, and a connection that
  becomes ready afterwards is closed before anything is sent. (`requests.Session.close()` alone would not do:
  it only empties the pool, and a checked-out connection stays blocked until the read timeout.)
- The blocking call itself runs in a daemon thread that the QThread waits for (`Releasable`). Steps a socket
  shutdown cannot interrupt (a stuck DNS lookup, a TCP connect or TLS handshake until the connect timeout, a keyring
  on D-Bus in keyring_worker) can then be abandoned: the QThread is released and quits within the bound, so no
  running QThread is ever destroyed ("QThread: Destroyed while thread is still running" aborts the process), and
  the abandoned daemon thread dies with the process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from c2c_desktop.core.config import Settings
from c2c_desktop.core.models import CallRequest, CallResult, Contact, Credentials, JournalEntry, Outcome, PhoneEntry
from c2c_desktop.core.phone import PhoneError, number_to_call
from c2c_desktop.core.store import Store, StoreBusyError, StoreError

if TYPE_CHECKING:
    from c2c_desktop.core.api import ClickToCallClient
    from c2c_desktop.core.dialer import PreparedCall
    from c2c_desktop.core.rules.guard import CallGuard
    from c2c_desktop.core.rules.model import Refusal

log = logging.getLogger(__name__)

T = TypeVar("T")

NOT_RETRIED = "The call may still be ringing; it was not retried."
KEYS_LOADING_MESSAGE = "Not sent: the keys are still being read from the system keyring"
NO_KEYS_MESSAGE = "Not sent: no keys stored — open Settings (Ctrl+,)"
CLOSING_MESSAGE = "Not sent: the app is closing"
CLOSED_BEFORE_SENDING_MESSAGE = "Not sent: the app was closed before the call was sent."
SHUTDOWN_MESSAGE = f"Unknown — the app was closed before the outcome was known. {NOT_RETRIED}"
DEFAULT_SHUTDOWN_MS = 3000
#: How often an outcome the journal could not take (its write lock held elsewhere) is written again.
JOURNAL_RETRY_MS = 1000

# Outcomes that are the service's real answer: kept even when they arrive while the app is closing.
_ANSWERS = (Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.REJECTED)


# --------------------------------------------------------------------------------------------------------------------
# Blocking work that can be abandoned


class Released(Exception):
    """The waiting thread was released (app shutdown) before the blocking function returned."""


class Releasable:
    """Runs blocking functions on one daemon thread while the calling thread waits, unless `release()` lets it go.

    The daemon thread is long-lived (a thread start per call costs GIL round trips on the trigger->request path)
    and ends after `release()` once its current function returns. Once released, every later `run` raises
    `Released` at once. Thread-safe; `run` is meant for one calling thread at a time.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._released = False
        self._wake: threading.Event | None = None
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._runner: threading.Thread | None = None

    @property
    def released(self) -> bool:
        """True once `release()` was called."""
        with self._lock:
            return self._released

    def run(self, function: Callable[[], T]) -> T:
        """Call `function` on the daemon thread and return its result (or raise its exception); raise `Released` if
        `release()` is called first. Called on the worker's thread."""
        wake = threading.Event()
        outcome: list[T] = []
        failure: list[BaseException] = []

        def job() -> None:
            try:
                outcome.append(function())
            except BaseException as exc:  # handed to the waiting thread
                failure.append(exc)
            finally:
                wake.set()

        with self._lock:
            if self._released:
                raise Released()
            self._wake = wake
            if self._runner is None:
                self._runner = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._runner.start()
            self._jobs.put(job)
        try:
            wake.wait()
        finally:
            with self._lock:
                self._wake = None
        if failure:
            raise failure[0]
        if not outcome:
            raise Released()
        return outcome[0]

    def release(self) -> None:
        """Any thread: let the waiting thread go now, refuse later runs, and end the daemon thread. Idempotent."""
        with self._lock:
            if not self._released:
                self._released = True
                self._jobs.put(None)
            if self._wake is not None:
                self._wake.set()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()


# --------------------------------------------------------------------------------------------------------------------
# The worker (lives in the call thread)


ClientFactory = Callable[[Settings], "ClickToCallClient"]

# The dialer pulls in the HTTP stack (requests, urllib3, ssl): it is imported on first use, not with the window.
# The app warms it in the background once the window shows (see app.py), so the first call does not wait for it.


def default_client_factory(settings: Settings) -> ClickToCallClient:
    """`dialer.client_for`, imported on first use (on the worker thread)."""
    from c2c_desktop.core import dialer

    return dialer.client_for(settings)


class CallWorker(QObject):
    """Places calls on its own thread. Never touches widgets or the Store; reports with `finished(call_id, result)`.

    Create it without a parent and move it into a QThread; start work with a queued signal to `place`.
    """

    finished = Signal(int, object)  # (call_id, CallResult), emitted on the worker's thread

    def __init__(self, client_factory: ClientFactory = default_client_factory) -> None:
        super().__init__()
        self._client_factory = client_factory
        self._client: ClickToCallClient | None = None
        self._client_settings: Settings | None = None
        self._releasable = Releasable("c2c-call")
        self._lock = threading.Lock()
        self._client_in_use: ClickToCallClient | None = None  # the client of the call in flight, for abort()
        self._aborted = False
        self._results: dict[int, CallResult] = {}

    @Slot(int, object, object, object)
    def place(self, call_id: int, request: CallRequest, credentials: Credentials, settings: Settings) -> None:
        """Worker thread: make exactly one attempt for the journal row `call_id`, then emit `finished`."""
        result = self._place(request, credentials, settings)
        with self._lock:
            self._results[call_id] = result
        self.finished.emit(call_id, result)

    def take_result(self, call_id: int) -> CallResult | None:
        """Any thread: the result of `call_id` if the worker has one (used by shutdown after the thread stopped)."""
        with self._lock:
            return self._results.pop(call_id, None)

    def forget_result(self, call_id: int) -> None:
        """Any thread: drop the stored result of a call whose `finished` was handled."""
        with self._lock:
            self._results.pop(call_id, None)

    def abort(self) -> None:
        """Any thread (the GUI thread at shutdown): cut the call in flight and release the worker thread.

        The cut makes the blocked request return at once (UNKNOWN: it may have been sent); a call not yet connected
        is refused before anything is sent. Later `place` calls answer without sending. Idempotent.
        """
        with self._lock:
            self._aborted = True
            client = self._client_in_use
        if client is not None:
            # close() first: a place_call that has not started yet then sees a closed client instead of slipping
            # past an abort() that found nothing in flight.
            client.close()
            client.abort()
        self._releasable.release()

    def close_client(self) -> None:
        """Any thread, once the worker thread has stopped: release the client's connections."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _place(self, request: CallRequest, credentials: Credentials, settings: Settings) -> CallResult:
        try:
            client = self._client_for(settings)
        except Exception as exc:  # nothing was sent: the client could not even be built
            log.warning("call worker: cannot build the client (%s)", type(exc).__name__)
            return CallResult(Outcome.NOT_SENT, f"Not sent: the dialer could not be set up ({type(exc).__name__}).")
        with self._lock:
            if self._aborted:
                return CallResult(Outcome.NOT_SENT, CLOSING_MESSAGE + ".")
            self._client_in_use = client
        try:
            return self._releasable.run(lambda: client.place_call(request, credentials))
        except Released:
            return CallResult(Outcome.UNKNOWN, SHUTDOWN_MESSAGE)
        except Exception as exc:  # place_call never raises by contract; its text could hold a URL, so type only
            log.warning("call worker: unexpected %s", type(exc).__name__)
            return CallResult(
                Outcome.UNKNOWN, f"Unknown — the dialer failed unexpectedly ({type(exc).__name__}). {NOT_RETRIED}"
            )
        finally:
            with self._lock:
                self._client_in_use = None

    def _client_for(self, settings: Settings) -> ClickToCallClient:
        if self._client is None or self._client_settings != settings:
            if self._client is not None:
                self._client.close()
            self._client = None  # if the factory raises, the next call builds a fresh one
            self._client = self._client_factory(settings)
            self._client_settings = settings
        return self._client


# --------------------------------------------------------------------------------------------------------------------
# The controller (GUI thread)


@dataclass(frozen=True)
class RefusedCall:
    """A call the calling rules refused before anything was written or sent, with what was being called, so that the
    window can place the same call again (an hours refusal, with the agent's reason: `CallController.call(...,
    override_hours=)`)."""

    refusal: Refusal
    message: str  # "Not sent: <the refusal's reason>"
    target: str | PhoneEntry
    contact: Contact | None


@dataclass(frozen=True)
class _InFlight:
    entry: JournalEntry
    prepared: PreparedCall


# Threads that did not stop in time, kept so they are not destroyed while running. This only covers the rest of the
# run: one still running at interpreter exit aborts the process, which is why no QThread here ever blocks on I/O.
_parked: list[tuple[QThread, QObject]] = []

#: CallController.call()'s pre-send hook: (prepared call, its journal row) -> True to send.
BeforeSend = Callable[["PreparedCall", JournalEntry], bool]


class CallController(QObject):
    """GUI thread: the call state machine (idle -> placing -> idle) over one long-lived worker thread.

    At most one request is ever in flight: `call()` refuses while placing, and goes busy before anything else.
    """

    busy_changed = Signal(bool)
    journal_changed = Signal()  # an outcome that could not be written at once has been written since
    call_started = Signal(object, object)  # (PreparedCall, JournalEntry)
    call_finished = Signal(object, object, str)  # (JournalEntry, CallResult, message for the status)
    not_sent = Signal(str)
    refused = Signal(object)  # RefusedCall: the calling rules refused it (instead of not_sent)
    _place_requested = Signal(int, object, object, object)  # -> CallWorker.place, queued to the worker thread

    def __init__(
        self,
        store: Store,
        settings_provider: Callable[[], Settings],
        parent: QObject | None = None,
        *,
        client_factory: ClientFactory = default_client_factory,
        guard_factory: Callable[[Settings], CallGuard] | None = None,
    ) -> None:
        """Start the worker thread. `settings_provider` is called on each call for the current settings;
        `guard_factory` gives the calling-rules guard for them (default: the app's, over this store)."""
        super().__init__(parent)
        self._store = store
        self._settings_provider = settings_provider
        self._guard_factory = guard_factory
        self._credentials: Credentials | None = None
        self._credentials_loading = False
        self._busy = False
        self._in_flight: _InFlight | None = None
        self._started_at = 0.0  # time.monotonic() of the current call's trigger
        self._last_elapsed_s = 0.0
        self._shutdown_result: bool | None = None
        # Outcomes the journal could not take yet (another program held its write lock): written again until it does.
        self._unwritten: dict[int, CallResult] = {}
        self._write_retry = QTimer(self)
        self._write_retry.setInterval(JOURNAL_RETRY_MS)
        self._write_retry.timeout.connect(self._write_unwritten)

        self._thread = QThread()  # no parent: its lifetime is managed by shutdown(), never by a parent's deletion
        self._thread.setObjectName("c2c-calls")
        self._worker = CallWorker(client_factory)
        self._worker.moveToThread(self._thread)
        self._place_requested.connect(self._worker.place)
        self._worker.finished.connect(self._on_worker_finished)
        self._thread.start()

    def _guard(self, settings: Settings) -> CallGuard:
        """GUI thread: the calling-rules guard for these settings (the rules file is read once per process)."""
        if self._guard_factory is not None:
            return self._guard_factory(settings)
        from c2c_desktop.core.rules.guard import build_guard

        return build_guard(settings, self._store)

    # --- keys -------------------------------------------------------------------------------------------------

    def set_credentials(self, credentials: Credentials | None) -> None:
        """GUI thread: the keys to use (None: none stored); also ends the "still loading" state."""
        self._credentials = credentials
        self._credentials_loading = False

    @property
    def has_credentials(self) -> bool:
        """True when keys are loaded."""
        return self._credentials is not None

    @property
    def credentials_loading(self) -> bool:
        """True while the keyring worker is still reading the keys (set it when starting the read)."""
        return self._credentials_loading

    @credentials_loading.setter
    def credentials_loading(self, loading: bool) -> None:
        self._credentials_loading = bool(loading)

    # --- state ------------------------------------------------------------------------------------------------

    @property
    def is_busy(self) -> bool:
        """True from the first trigger of a call until its outcome is recorded."""
        return self._busy

    def elapsed_s(self) -> float:
        """Seconds since the current call started (monotonic), or the last call's duration when idle."""
        if self._busy:
            return time.monotonic() - self._started_at
        return self._last_elapsed_s

    def needs_unknown_confirmation(
        self, target: str | PhoneEntry, previous_dial: str | None = None
    ) -> JournalEntry | None:
        """GUI thread: the last call to this number that may have rung, if it may still be ringing (ask before
        calling again). `previous_dial`: the digits a redialled journal row sent, which the region in force when it
        was placed may have made different from what `target` reads as now."""
        dials = {previous_dial} if previous_dial else set()
        try:
            dials.add(number_to_call(target, self._settings_provider().region).dial)
        except PhoneError:
            pass  # call() will say what is wrong with the number
        try:
            last = self._store.last_call_that_may_have_rung(dials)
        except StoreError:
            return None
        return last if last is not None and last.may_still_be_ringing else None

    # --- placing ----------------------------------------------------------------------------------------------

    def call(
        self,
        target: str | PhoneEntry,
        contact: Contact | None = None,
        *,
        override_hours: str | None = None,
        caller_id_choice: str | None = None,
        before_send: BeforeSend | None = None,
    ) -> bool:
        """GUI thread: place one call; True if it went to the worker.

        While a call is placing this returns False and does nothing (never a second request). Problems found
        before sending emit `not_sent(message)`, a refusal by the calling rules emits `refused(RefusedCall)`; both
        leave the state idle. `override_hours`: the agent's reason for calling outside the callee's hours (a manual
        dial that the hours rule refused; the guard records it in the audit log). `caller_id_choice`: the caller ID
        the agent chose to show the prospect on this call (instead of the pool's pick). `before_send(prepared,
        entry)`: called on this thread once the journal row is written, before `call_started` and before anything is
        queued (a calling session links its list item to the call there); False or an exception vetoes the call: the
        row is finished as not sent with the reason, nothing is sent, `not_sent(message)` is emitted and this returns
        False.
        """
        if self._busy:
            return False
        if self._shutdown_result is not None:
            self.not_sent.emit(CLOSING_MESSAGE)
            return False
        if self._credentials_loading:
            self.not_sent.emit(KEYS_LOADING_MESSAGE)
            return False
        credentials = self._credentials
        if credentials is None:
            self.not_sent.emit(NO_KEYS_MESSAGE)
            return False
        settings = self._settings_provider()
        from c2c_desktop.core import dialer  # loaded in the background after the window showed: a dict lookup here
        from c2c_desktop.core.rules.caller_id import JournalCallerIdUsage  # loaded with the dialer

        try:
            usage = JournalCallerIdUsage(self._store, settings.region)  # the pool's "least used today"
            prepared = dialer.prepare_call(
                target,
                settings,
                credentials,
                contact=contact,
                guard=self._guard(settings),
                caller_id_usage=usage,
                caller_id_choice=caller_id_choice,
                override_hours=override_hours,
            )
        except dialer.CallRefused as exc:
            self.refused.emit(RefusedCall(exc.refusal, str(exc), target, contact))
            return False
        except dialer.NotSentError as exc:
            self.not_sent.emit(str(exc))
            return False
        if contact is None:
            prepared = self._with_known_contact(prepared)

        # Busy first, synchronously: any re-entrant trigger from here on is refused.
        self._busy = True
        self._started_at = time.monotonic()
        self.busy_changed.emit(True)
        try:
            entry, request = dialer.begin(self._store, prepared)
        except Exception as exc:
            self._busy = False
            self.busy_changed.emit(False)
            reason = str(exc) if isinstance(exc, StoreError) else type(exc).__name__
            log.warning("journal write failed: %s", reason)
            self.not_sent.emit(f"Not sent: the call could not be written to the journal ({reason})")
            return False
        if before_send is not None and not self._cleared_to_send(before_send, prepared, entry):
            return False
        self._in_flight = _InFlight(entry, prepared)
        self.call_started.emit(prepared, entry)
        self._place_requested.emit(entry.id, request, credentials, settings)
        return True

    def _cleared_to_send(self, before_send: BeforeSend, prepared: PreparedCall, entry: JournalEntry) -> bool:
        """Ask the caller's pre-send hook; on a veto, finish the row as not sent (never left "placing", which the next
        start would recover as unknown) and go idle."""
        try:
            if before_send(prepared, entry):
                return True
            reason = "the call was stopped before sending"
        except Exception as exc:  # the hook's own failure (e.g. the list item could not be linked): not sent
            detail = str(exc) if isinstance(exc, StoreError) else type(exc).__name__
            reason = f"the call was stopped before sending ({detail})"
            log.warning("pre-send check failed: %s", detail)
        message = f"Not sent: {reason}"
        try:
            self._store.finish_call(entry.id, CallResult(Outcome.NOT_SENT, message))
        except Exception as exc:  # the row stays "placing" and becomes UNKNOWN at the next start: the safe side
            log.warning("journal update failed: %s", type(exc).__name__)
        self._busy = False
        self.busy_changed.emit(False)
        self.journal_changed.emit()
        self.not_sent.emit(message)
        return False

    def _with_known_contact(self, prepared: PreparedCall) -> PreparedCall:
        """A number typed or pasted that belongs to exactly one contact is journaled as a call to that contact."""
        try:
            matches = self._store.find_contacts_by_e164(prepared.e164)
        except StoreError:
            return prepared  # only a name for the journal: the call itself does not depend on it
        if len(matches) != 1:
            return prepared
        return dataclasses.replace(prepared, contact_id=matches[0].id, contact_name=matches[0].name)

    @Slot(int, object)
    def _on_worker_finished(self, call_id: int, result: CallResult) -> None:
        """GUI thread (queued from the worker): record the outcome; a late or stale result is dropped."""
        in_flight = self._in_flight
        if in_flight is None or in_flight.entry.id != call_id:
            return
        self._worker.forget_result(call_id)
        self._finish(in_flight, result)

    def _finish(self, in_flight: _InFlight, result: CallResult) -> None:
        try:
            entry = self._store.finish_call(in_flight.entry.id, result)
        except StoreBusyError:  # another program is writing: kept and written again once it is done
            log.warning("journal busy; the outcome of call %d will be written again", in_flight.entry.id)
            entry = in_flight.entry
            self._unwritten[in_flight.entry.id] = result
            self._write_retry.start()
        except Exception as exc:  # the row stays "placing" and becomes UNKNOWN at the next start
            log.warning("journal update failed: %s", type(exc).__name__)
            entry = in_flight.entry
        self._last_elapsed_s = time.monotonic() - self._started_at
        self._in_flight = None
        self._busy = False
        self.busy_changed.emit(False)
        from c2c_desktop.core.dialer import describe_outcome  # loaded since call()

        self.call_finished.emit(entry, result, describe_outcome(result, in_flight.prepared))

    @property
    def unwritten_outcomes(self) -> int:
        """How many finished calls' outcomes are still waiting to be written to the journal."""
        return len(self._unwritten)

    @Slot()
    def _write_unwritten(self) -> bool:
        """GUI thread (timer): write the outcomes the journal could not take; True when none is left. Stops at the
        first that is still busy (the others would wait as long); one that fails otherwise is given up (logged)."""
        for call_id, result in list(self._unwritten.items()):
            try:
                self._store.finish_call(call_id, result)
            except StoreBusyError:
                break
            except Exception as exc:  # not going to get better: that row becomes UNKNOWN at the next start
                log.warning("journal update of call %d failed: %s", call_id, type(exc).__name__)
            else:
                self.journal_changed.emit()
            del self._unwritten[call_id]
        if not self._unwritten:
            self._write_retry.stop()
        return not self._unwritten

    # --- shutdown ---------------------------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = DEFAULT_SHUTDOWN_MS) -> bool:
        """GUI thread; idempotent: stop the worker thread within `timeout_ms`; True if it stopped.

        A call in flight is cut (its journal row is already written) and recorded as UNKNOWN ("the app was closed
        before the outcome was known") unless the service's real answer had already arrived. Never terminate()s.
        """
        if self._shutdown_result is not None:
            return self._shutdown_result
        self._worker.abort()
        self._thread.quit()
        stopped = bool(self._thread.wait(max(0, int(timeout_ms))))
        self._shutdown_result = stopped
        in_flight = self._in_flight
        if in_flight is not None:
            late = self._worker.take_result(in_flight.entry.id) if stopped else None
            if late is not None and late.outcome in _ANSWERS:
                result = late  # the service's real answer arrived just before the close
            elif late is not None and late.outcome is Outcome.NOT_SENT:
                # The client only says NOT_SENT when the connection was never made: nothing can ring.
                result = CallResult(Outcome.NOT_SENT, CLOSED_BEFORE_SENDING_MESSAGE)
            else:
                elapsed = time.monotonic() - self._started_at
                result = CallResult(Outcome.UNKNOWN, SHUTDOWN_MESSAGE, elapsed_s=elapsed)
            self._finish(in_flight, result)
        if self._unwritten:
            self._write_retry.stop()
            previous = None
            with contextlib.suppress(StoreError):
                previous = self._store.set_busy_timeout(timeout_ms)  # one last, longer wait: the window is going
            if not self._write_unwritten():  # those rows stay "placing": UNKNOWN at the next start
                log.warning("%d call outcome(s) could not be written to the journal", len(self._unwritten))
            if previous is not None:
                with contextlib.suppress(StoreError):
                    self._store.set_busy_timeout(previous)
        if stopped:
            self._worker.close_client()
        if not stopped:
            # Destroying a running QThread aborts the process: keep it (and its worker) alive until it ends.
            log.warning("call thread did not stop within %d ms; left to finish on its own", timeout_ms)
            _parked.append((self._thread, self._worker))
        return stopped
