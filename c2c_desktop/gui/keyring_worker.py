"""KeyringWorker: reads, saves and clears the access keys off the GUI thread.

The keyring can hang on a locked collection. The core store already gives up after its watchdog timeout; on top of
that, each operation runs in a daemon thread that the worker's QThread merely waits for (`Releasable`), so
`shutdown()` can release the QThread at once even while the keyring is stuck: the QThread then quits within the
bound and is never destroyed while running, and the abandoned daemon thread ends with its watchdog or the process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from c2c_desktop.core.credentials import CredentialsError, CredentialStore
from c2c_desktop.core.models import Credentials
from c2c_desktop.gui.calls import DEFAULT_SHUTDOWN_MS, Releasable, Released

log = logging.getLogger(__name__)


class KeyringWorker(QObject):
    """Keyring operations on a worker thread; results come back as signals (queued to GUI-thread receivers).

    Move it into a QThread (or call `start_thread()`). `load()`, `save()` and `clear()` may be called directly from
    the GUI thread or connected to GUI signals: either way the operation runs on the worker's thread. Operations
    run one at a time, in order. Call `shutdown()` from the GUI thread before the app exits.
    """

    loaded = Signal(object)  # Credentials | None
    saved = Signal(str)  # where the keys were stored
    cleared = Signal()
    failed = Signal(str)  # a save or removal failed: a plain message; never holds the secret
    load_failed = Signal(str)  # reading the keys failed (the keys in use are not affected by a failed save)

    _load_requested = Signal()
    _save_requested = Signal(object)
    _clear_requested = Signal()

    def __init__(self, store: CredentialStore, parent: QObject | None = None) -> None:
        """`store` does the real work: the keyring store normally, a memory store in demo mode and tests."""
        super().__init__(parent)
        self._store = store
        self._releasable = Releasable("c2c-keyring")
        self._own_thread: QThread | None = None
        self._shutdown_result: bool | None = None
        # Emitting these from the GUI thread queues the slot to the worker's thread; from the worker, it is direct.
        self._load_requested.connect(self._do_load)
        self._save_requested.connect(self._do_save)
        self._clear_requested.connect(self._do_clear)

    # --- requests (any thread) ------------------------------------------------------------------------------

    @Slot()
    def load(self) -> None:
        """Any thread: read the keys; answers `loaded(credentials or None)` or `load_failed(message)`."""
        self._ensure_off_gui_thread()
        self._load_requested.emit()

    @Slot(object)
    def save(self, credentials: Credentials) -> None:
        """Any thread: store the keys; answers `saved(where)` or `failed(message)`."""
        self._ensure_off_gui_thread()
        self._save_requested.emit(credentials)

    @Slot()
    def clear(self) -> None:
        """Any thread: delete the stored keys; answers `cleared()` or `failed(message)`."""
        self._ensure_off_gui_thread()
        self._clear_requested.emit()

    # --- thread lifecycle (GUI thread) ----------------------------------------------------------------------

    def start_thread(self) -> QThread:
        """GUI thread: move this worker into a new QThread of its own, start it and return it."""
        thread = QThread()  # no parent: shutdown() decides when it ends
        thread.setObjectName("c2c-keyring")
        self.moveToThread(thread)
        thread.start()
        self._own_thread = thread
        return thread

    def shutdown(self, timeout_ms: int = DEFAULT_SHUTDOWN_MS) -> bool:
        """GUI thread; idempotent: release any stuck operation, quit the worker's thread, wait up to `timeout_ms`.

        True if the thread stopped (or was never started). An operation still stuck in the keyring is abandoned:
        its daemon thread is not waited for and no signal is emitted for it. Never terminate()s.
        """
        if self._shutdown_result is not None:
            return self._shutdown_result
        self._releasable.release()
        thread = self.thread()
        stopped = True
        if thread is not _gui_thread() and thread.isRunning():
            thread.quit()
            stopped = bool(thread.wait(max(0, int(timeout_ms))))
            if not stopped:
                log.warning("keyring thread did not stop within %d ms; left to finish on its own", timeout_ms)
                _parked.append((thread, self))
        self._shutdown_result = stopped
        return stopped

    # --- work (worker thread) -------------------------------------------------------------------------------

    @Slot()
    def _do_load(self) -> None:
        """Worker thread."""
        self._run(self._store.load, self.loaded.emit, self.load_failed.emit)

    @Slot(object)
    def _do_save(self, credentials: Credentials) -> None:
        """Worker thread."""
        self._run(lambda: self._store.save(credentials), self.saved.emit, self.failed.emit)

    @Slot()
    def _do_clear(self) -> None:
        """Worker thread."""
        self._run(self._store.clear, lambda _none: self.cleared.emit(), self.failed.emit)

    def _run(
        self, operation: Callable[[], object], report: Callable[[object], None], fail: Callable[[str], None]
    ) -> None:
        try:
            value = self._releasable.run(operation)
        except Released:
            return  # shutting down: nobody is waiting for this answer
        except CredentialsError as exc:
            fail(str(exc))
            return
        except Exception as exc:  # a store that broke its contract; its text could hold anything, so type only
            log.warning("keyring worker: unexpected %s", type(exc).__name__)
            fail(f"The system keyring failed unexpectedly ({type(exc).__name__}).")
            return
        report(value)

    def _ensure_off_gui_thread(self) -> None:
        # A worker never moved to a thread would run the keyring call right here, on the GUI thread.
        if self.thread() is _gui_thread() and self._shutdown_result is None:
            self.start_thread()


# Threads that did not stop in time, kept so they are not destroyed while running. This only covers the rest of the
# run: one still running at interpreter exit aborts the process, which is why no QThread here ever blocks on I/O.
_parked: list[tuple[QThread, QObject]] = []


def _gui_thread() -> QThread | None:
    app = QCoreApplication.instance()
    return app.thread() if app is not None else None
