"""KeyringWorker: keyring operations off the GUI thread, with the memory store, the fail backend, a real
gnome-keyring and a backend that hangs like a locked collection."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import keyring.backend
import pytest
from keyring.compat import properties
from pytestqt.qtbot import QtBot

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QObject, QThread, QTimer, Signal, Slot

from c2c_desktop.core.credentials import KeyringCredentialStore, MemoryCredentialStore
from c2c_desktop.core.models import Credentials
from c2c_desktop.gui.keyring_worker import KeyringWorker
from tests.keyring_session import secret_service, secret_service_keyring  # noqa: F401

KEYS = Credentials("AKIA-TEST-ACCESS-1234", "CANARY-s3cr3t-5b7e")
SIGNAL_TIMEOUT_MS = 5000


class Relay(QObject):
    """Lives on the GUI thread and re-emits the worker's signals there: tests wait only on GUI-thread signals."""

    loaded = Signal(object)
    saved = Signal(str)
    cleared = Signal()
    failed = Signal(str)
    save_requested = Signal(object)

    def __init__(self, worker: KeyringWorker) -> None:
        super().__init__()
        self.events: list[tuple[str, object]] = []
        worker.loaded.connect(self._on_loaded)
        worker.saved.connect(self._on_saved)
        worker.cleared.connect(self._on_cleared)
        worker.failed.connect(self._on_failed)
        worker.load_failed.connect(self._on_failed)

    @Slot(object)
    def _on_loaded(self, credentials: object) -> None:
        self._record("loaded", credentials)
        self.loaded.emit(credentials)

    @Slot(str)
    def _on_saved(self, where: str) -> None:
        self._record("saved", where)
        self.saved.emit(where)

    @Slot()
    def _on_cleared(self) -> None:
        self._record("cleared", None)
        self.cleared.emit()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._record("failed", message)
        self.failed.emit(message)

    def _record(self, name: str, value: object) -> None:
        assert QThread.currentThread() is QCoreApplication.instance().thread()  # delivered on the GUI thread
        self.events.append((name, value))


class HangingKeyring(keyring.backend.KeyringBackend):
    """get_password blocks until released, like a locked collection whose unlock prompt nobody answers."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test backend only")

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.entered.set()
        self.release.wait(60)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        pass

    def delete_password(self, service: str, username: str) -> None:
        pass


@pytest.fixture
def hanging() -> Iterator[HangingKeyring]:
    backend = HangingKeyring()
    yield backend
    backend.release.set()  # let the abandoned daemon threads finish


@pytest.fixture
def workers() -> Iterator[list[KeyringWorker]]:
    """Workers made by a test; shut down (and checked to stop) at teardown."""
    made: list[KeyringWorker] = []
    yield made
    for worker in made:
        assert worker.shutdown(2000)


def started(workers: list[KeyringWorker], worker: KeyringWorker) -> tuple[KeyringWorker, Relay]:
    workers.append(worker)
    worker.start_thread()
    return worker, Relay(worker)


def test_memory_store_round_trip(qtbot: QtBot, workers: list[KeyringWorker]) -> None:
    worker, relay = started(workers, KeyringWorker(MemoryCredentialStore()))
    with qtbot.waitSignal(relay.loaded, timeout=SIGNAL_TIMEOUT_MS) as first:
        worker.load()
    assert first.args == [None]
    with qtbot.waitSignal(relay.saved, timeout=SIGNAL_TIMEOUT_MS) as saved:
        worker.save(KEYS)
    assert "memory" in saved.args[0].lower()
    with qtbot.waitSignal(relay.loaded, timeout=SIGNAL_TIMEOUT_MS) as second:
        worker.load()
    assert second.args == [KEYS]
    with qtbot.waitSignal(relay.cleared, timeout=SIGNAL_TIMEOUT_MS):
        worker.clear()
    with qtbot.waitSignal(relay.loaded, timeout=SIGNAL_TIMEOUT_MS) as third:
        worker.load()
    assert third.args == [None]
    assert [name for name, _ in relay.events] == ["loaded", "saved", "loaded", "cleared", "loaded"]


def test_operations_run_on_the_worker_thread(qtbot: QtBot, workers: list[KeyringWorker]) -> None:
    seen: list[QThread] = []

    class RecordingStore(MemoryCredentialStore):
        def load(self) -> Credentials | None:
            seen.append(QThread.currentThread())
            return super().load()

    worker, relay = started(workers, KeyringWorker(RecordingStore(KEYS)))
    with qtbot.waitSignal(relay.loaded, timeout=SIGNAL_TIMEOUT_MS):
        worker.load()
    assert len(seen) == 1 and seen[0] is not QCoreApplication.instance().thread()


def test_requests_through_a_gui_signal(qtbot: QtBot, workers: list[KeyringWorker]) -> None:
    # The settings dialog connects its own signal to worker.save.
    worker, relay = started(workers, KeyringWorker(MemoryCredentialStore()))
    relay.save_requested.connect(worker.save)
    with qtbot.waitSignal(relay.saved, timeout=SIGNAL_TIMEOUT_MS):
        relay.save_requested.emit(KEYS)


def test_invalid_keys_fail_with_a_plain_message(qtbot: QtBot, workers: list[KeyringWorker]) -> None:
    worker, relay = started(workers, KeyringWorker(MemoryCredentialStore()))
    with qtbot.waitSignal(relay.failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
        worker.save(Credentials("access", "  "))
    assert failed.args[0] == "Both the access key and the secret access key are needed."


def test_fail_backend_reports_no_keyring(qtbot: QtBot, workers: list[KeyringWorker]) -> None:
    # tests/conftest.py sets PYTHON_KEYRING_BACKEND to the fail backend.
    worker, relay = started(workers, KeyringWorker(KeyringCredentialStore()))
    with qtbot.waitSignal(relay.failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
        worker.save(KEYS)
    assert failed.args[0].startswith("No system keyring is available")
    assert KEYS.secret_access_key not in failed.args[0]


def test_worker_never_moved_starts_its_own_thread(qtbot: QtBot, workers: list[KeyringWorker]) -> None:
    worker = KeyringWorker(MemoryCredentialStore(KEYS))
    workers.append(worker)
    relay = Relay(worker)
    with qtbot.waitSignal(relay.loaded, timeout=SIGNAL_TIMEOUT_MS):
        worker.load()
    assert worker.thread() is not QCoreApplication.instance().thread()


def test_hanging_keyring_fails_within_the_watchdog_and_gui_keeps_running(
    qtbot: QtBot, workers: list[KeyringWorker], hanging: HangingKeyring
) -> None:
    watchdog_s = 0.5
    worker, relay = started(workers, KeyringWorker(KeyringCredentialStore(hanging, timeout_s=watchdog_s)))
    ticks: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(clock.elapsed()))
    heartbeat.start()
    try:
        with qtbot.waitSignal(relay.failed, timeout=SIGNAL_TIMEOUT_MS) as failed:
            began = time.monotonic()
            worker.load()
            assert time.monotonic() - began < 0.05  # the request itself does not block the GUI thread
        waited = time.monotonic() - began
    finally:
        heartbeat.stop()
    assert hanging.entered.is_set()
    assert "did not answer within 0.5 s" in failed.args[0]
    assert watchdog_s <= waited < watchdog_s + 1.5
    gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) >= 20 and max(gaps) < 250  # the event loop kept turning while the keyring hung


def test_shutdown_while_the_keyring_hangs_is_bounded(
    qtbot: QtBot, workers: list[KeyringWorker], hanging: HangingKeyring
) -> None:
    worker, relay = started(workers, KeyringWorker(KeyringCredentialStore(hanging, timeout_s=30.0)))
    thread = worker.thread()
    worker.load()
    assert hanging.entered.wait(5)
    began = time.monotonic()
    assert worker.shutdown(2000) is True
    assert time.monotonic() - began < 1.0  # released, not waiting for the 30 s watchdog
    assert thread.isFinished()
    assert worker.shutdown(2000) is True  # idempotent
    QCoreApplication.processEvents()
    assert relay.events == []  # the abandoned operation reports nothing


@pytest.mark.keyring
def test_real_gnome_keyring_through_the_worker(
    qtbot: QtBot,
    workers: list[KeyringWorker],
    secret_service_keyring: keyring.backend.KeyringBackend,  # noqa: F811
) -> None:
    worker, relay = started(workers, KeyringWorker(KeyringCredentialStore()))
    with qtbot.waitSignal(relay.saved, timeout=SIGNAL_TIMEOUT_MS) as saved:
        worker.save(KEYS)
    assert saved.args[0] == "Saved in the system keyring (SecretService Keyring)"
    with qtbot.waitSignal(relay.loaded, timeout=SIGNAL_TIMEOUT_MS) as loaded:
        worker.load()
    assert loaded.args == [KEYS]
    with qtbot.waitSignal(relay.cleared, timeout=SIGNAL_TIMEOUT_MS):
        worker.clear()
