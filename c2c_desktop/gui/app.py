"""QApplication setup, the single-instance hand-off, and the start of the window on a profile (gui/profile.py)."""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEvent, QObject, QSettings, QSocketNotifier, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from c2c_desktop import APP_NAME, handoff
from c2c_desktop.core.fileutil import gc_paused
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.slots import weak_slot

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer

    from c2c_desktop.gui.mainwindow import MainWindow
    from c2c_desktop.gui.profile import Profile

# The core (store, search, settings, phone, rules, keys) is imported only after the window's first paint, by
# open_profile below and MainWindow.attach_profile: the window is painted from Qt and the window's own modules alone
# (tests/test_startup_imports.py).


log = logging.getLogger(__name__)


def _instance_key() -> str:
    """The QLocalServer name of the hand-off where it is not a Unix socket (Windows): one per user and profile, so
    that a link opened in one profile never lands in another profile's window, with its other contacts and keys."""
    import getpass

    return f"{APP_NAME}-{getpass.getuser()}-{profile_key()}"


def _data_folder() -> str:
    """The profile's data folder (core.store.default_db_path's), without loading the store where handoff.py can say
    it (Linux and the BSDs)."""
    folder = handoff.user_data_folder()
    if folder is not None:
        return folder
    from c2c_desktop.core.store import default_db_path

    return str(default_db_path().parent)


def profile_key() -> str:
    """A short name for this profile: the checksum of its resolved data folder (where XDG_DATA_HOME points)."""
    return handoff.profile_key(_data_folder())


def instance_socket_path() -> str | None:
    """Where this profile's window listens on POSIX: in $XDG_RUNTIME_DIR, else the temp folder (handoff.py); None
    elsewhere (named pipes)."""
    if os.name != "posix":
        return None
    return handoff.listen_path(_data_folder())


def legacy_socket_path() -> str | None:
    """Where a window of an earlier version of this profile listens (the temp folder) on POSIX; None elsewhere."""
    if os.name != "posix":
        return None
    return handoff.legacy_socket_path(_data_folder())


def forward_to_running_instance(url: str | None, *, activation: str | None = None) -> bool:
    """If a window is already open for this user and profile, hand it the tel: link (or just raise it) and return
    True. `activation`: the token line to pass on (handoff.activation_line); by default this process's own.

    On POSIX this is the same plain Unix socket client as the launcher's (handoff.py), tried at the new name and then
    at an earlier version's; elsewhere QLocalSocket.
    """
    if os.name != "posix":
        return _forward_with_qlocalsocket(url)
    token = handoff.activation_line() if activation is None else activation
    return handoff.hand_off(handoff.client_paths(_data_folder()), url, token)


def _forward_with_qlocalsocket(url: str | None) -> bool:
    from PySide6.QtNetwork import QLocalSocket

    local_socket = QLocalSocket()
    local_socket.connectToServer(_instance_key())
    if not local_socket.waitForConnected(500):
        return False
    local_socket.write(handoff.message(url, handoff.activation_line()))
    local_socket.waitForBytesWritten(1000)
    local_socket.disconnectFromServer()
    return True


#: What a running window does with a hand-off: the link ("" to just come to the front) and the launch's activation
#: token line ("" when it had none; see handoff.py).
OnLink = Callable[[str, str], None]


class InstanceServer(Protocol):
    """What a single-instance listener offers the app: closing it."""

    def close(self) -> None: ...


def listen_for_other_instances(on_link: OnLink) -> InstanceServer | None:
    """The first instance listens; later ones send their tel: link here instead of opening a second window.

    None when the socket cannot be made (logged): this window still works, only a later launch opens its own.
    """
    path = instance_socket_path()
    if path is None:
        return _listen_with_qlocalserver(on_link)
    try:
        return UnixInstanceServer(path, on_link)
    except OSError as exc:
        log.warning("cannot listen for other launches at %s: %s", path, exc.strerror or exc)
        return None


class UnixInstanceServer(QObject):
    """The running window's end of the hand-off on POSIX: a Unix socket watched by QSocketNotifiers.

    Plain sockets (as the launcher's client in handoff.py) rather than QLocalServer, so that QtNetwork (~2.6 MiB and
    ~15 ms) is never loaded. Each launch sends its tel: link or nothing (just raise the window) on a first line,
    this version's launches its activation token on a second, and closes; a launch of an earlier version sends the
    first line only. Runs on the GUI thread; nothing here blocks (every socket is non-blocking).
    """

    #: A line longer than this is not a link (nor a token): the connection is dropped.
    MAX_LINE_BYTES = 4096
    #: A launch sends its lines at once; one that has not within this is dropped (a whole first line is still
    #: taken: a launch that sent its link but never closed).
    CLIENT_TIMEOUT_MS = 2000
    #: Launches served at a time; more are turned away (their window opens on its own).
    MAX_CLIENTS = 16
    #: After a failed accept (e.g. no file descriptors left), listening pauses this long instead of spinning.
    ACCEPT_RETRY_MS = 1000

    def __init__(self, path: str, on_link: OnLink | None, parent: QObject | None = None) -> None:
        """GUI thread. Raises OSError if the socket cannot be bound. `on_link` None: links are kept until
        `deliver_to` (the socket is claimed before the window exists)."""
        super().__init__(parent)
        self.path = path
        self._on_link = on_link
        self._kept: list[tuple[str, str]] = []
        self._clients: dict[int, tuple[socket.socket, QSocketNotifier, bytearray]] = {}
        self._socket = _bind_unix_socket(path)
        self._inode = os.stat(path).st_ino
        self._notifier = QSocketNotifier(self._socket.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)

    def is_listening(self) -> bool:
        return self._socket.fileno() != -1

    def deliver_to(self, on_link: OnLink) -> None:
        """GUI thread: send links to `on_link` from now on (the window, once it exists), and those kept until now."""
        self._on_link = on_link
        kept, self._kept = self._kept, []
        for link, activation in kept:
            on_link(link, activation)

    def close(self) -> None:
        """GUI thread. Idempotent; removes the socket file if it is still ours."""
        if not self.is_listening():
            return
        self._notifier.setEnabled(False)
        for fd in list(self._clients):
            self._drop(fd)
        self._socket.close()
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self._inode:
                os.unlink(self.path)

    def _accept(self, *_args: object) -> None:
        """GUI thread: a later launch connected."""
        while self.is_listening():
            try:
                connection, _ = self._socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # The connection stays queued, so the notifier would fire again at once: pause instead of spinning.
                log.warning("accepting a later launch failed: %s", exc.strerror or exc)
                self._notifier.setEnabled(False)
                QTimer.singleShot(self.ACCEPT_RETRY_MS, self, self._resume_accepting)
                return
            if len(self._clients) >= self.MAX_CLIENTS:
                connection.close()
                continue
            connection.setblocking(False)
            notifier = QSocketNotifier(connection.fileno(), QSocketNotifier.Type.Read, self)
            fd = connection.fileno()
            notifier.activated.connect(weak_slot(self._read, fd))  # the notifier is deleted on its own (_drop)
            self._clients[fd] = (connection, notifier, bytearray())
            QTimer.singleShot(self.CLIENT_TIMEOUT_MS, self, weak_slot(self._time_up, fd, connection))

    def _resume_accepting(self) -> None:
        if self.is_listening():
            self._notifier.setEnabled(True)

    def _time_up(self, fd: int, connection: socket.socket) -> None:
        """GUI thread: a launch's time is up; its fd may since belong to a newer connection, which is kept."""
        client = self._clients.get(fd)
        if client is not None and client[0] is connection:
            self._finish(fd, ended=True)

    def _read(self, fd: int) -> None:
        """GUI thread: bytes (or the end) arrived from a later launch."""
        client = self._clients.get(fd)
        if client is None:
            return
        connection, _, buffer = client
        limit = 2 * (self.MAX_LINE_BYTES + 1)
        try:
            while (chunk := connection.recv(self.MAX_LINE_BYTES)) and len(buffer) <= limit:
                buffer += chunk
            ended = True  # recv gave b"" (the launch closed) or the lines are too long
        except (BlockingIOError, InterruptedError):
            ended = False
        except OSError:
            ended = True
        self._finish(fd, ended=ended or len(buffer) > limit or buffer.count(b"\n") >= 2)

    def _finish(self, fd: int, *, ended: bool) -> None:
        """GUI thread: once the launch has said all (two lines, or its end), take its link and drop it."""
        if not ended:
            return
        _, _, buffer = self._clients[fd]
        self._drop(fd)
        first, newline, rest = bytes(buffer).partition(b"\n")
        if not newline or len(first) > self.MAX_LINE_BYTES:
            return  # cut short, or not a link
        second, _, _ = rest.partition(b"\n")
        link = first.decode("utf-8", "replace").strip()
        activation = second.decode("utf-8", "replace").strip() if len(second) <= self.MAX_LINE_BYTES else ""
        if self._on_link is None:
            self._kept.append((link, activation))
        else:
            self._on_link(link, activation)

    def _drop(self, fd: int) -> None:
        connection, notifier, _ = self._clients.pop(fd)
        notifier.setEnabled(False)
        notifier.deleteLater()
        connection.close()


def _bind_unix_socket(path: str) -> socket.socket:
    """A listening, non-blocking Unix socket at `path`, usable by this user only.

    Raises OSError when it cannot be made, or when the path is taken by a live listener (another window of this
    user that started at the same moment: it keeps the hand-off) or by something that is not this user's socket.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            _bind_privately(sock, path)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            _remove_stale_socket(path)
            _bind_privately(sock, path)
        sock.listen(8)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _bind_privately(sock: socket.socket, path: str) -> None:
    # The socket file takes its mode from the umask at bind: no moment in which others may connect.
    previous = os.umask(0o077)
    try:
        sock.bind(path)
    finally:
        os.umask(previous)


def _remove_stale_socket(path: str) -> None:
    """Remove the socket a crashed window left at `path`; raise OSError if it is live or not this user's."""
    if not handoff.is_own_socket(path):
        raise OSError(errno.EADDRINUSE, "the path is taken by a file that is not this user's socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        try:
            probe.connect(path)
        except OSError:  # refused: nobody listens any more
            os.unlink(path)
            return
    raise OSError(errno.EADDRINUSE, "another window of this user is listening there")


def _listen_with_qlocalserver(on_link: OnLink) -> QLocalServer:
    """Elsewhere (Windows named pipes): QLocalServer. Takes the first line (the link); the activation token means
    nothing there."""
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

    server = QLocalServer()
    key = _instance_key()
    if not server.listen(key):
        QLocalServer.removeServer(key)  # a stale socket left by a crash
        server.listen(key)

    def accept() -> None:
        while server.hasPendingConnections():
            connection = server.nextPendingConnection()

            def read(connection: QLocalSocket = connection) -> None:
                if connection.canReadLine():
                    on_link(bytes(connection.readLine().data()).decode("utf-8", "replace").strip(), "")
                    connection.readyRead.disconnect()

            connection.readyRead.connect(read)
            connection.disconnected.connect(connection.deleteLater)

    server.newConnection.connect(accept)
    return server


#: QtNetwork, for the single-instance server where it is not a plain Unix socket: first, so that a second launch
#: finds this window soon.
QT_NETWORK = "PySide6.QtNetwork"
#: Not needed for the window to appear, but soon after: libphonenumber for the dial pad's formatting and the dialer
#: (requests, urllib3, ssl) for the first call. Imported on a background thread once the window is painted, so
#: neither the first paint nor the first keystroke or call waits for them.
BACKGROUND_IMPORTS: tuple[str, ...] = (
    *(() if os.name == "posix" else (QT_NETWORK,)),
    "phonenumbers",
    "c2c_desktop.core.dialer",
)
#: If the window is never exposed (e.g. started minimised), the background work starts after this anyway.
FIRST_PAINT_FALLBACK_MS = 1000


class AfterFirstPaint(QObject):
    """Once `window` is first painted: calls `on_painted` in order on the GUI thread (work the first paint does not
    need), then imports `modules` in order on a daemon thread; after each, calls its callback from `on_imported` (if
    any) on the GUI thread.

    Imports are thread-safe; the GUI thread stays free meanwhile (it would only wait if it imported one of these
    modules itself before the thread got to it). A module that fails to import is logged and left to fail again,
    with its real error, where it is used; its callback is not called.
    """

    imported = Signal(str)

    def __init__(
        self,
        window: QWidget,
        modules: Sequence[str],
        on_imported: Mapping[str, Callable[[], None]] | None = None,
        on_painted: Sequence[Callable[[], object]] = (),
    ) -> None:
        """GUI thread. `window` must be shown (it has a native window to watch)."""
        super().__init__(window)
        self._modules = tuple(modules)
        self._on_painted = tuple(on_painted)
        self._on_imported = dict(on_imported or {})
        self._started = False
        self.imported.connect(self._call_back)  # queued: emitted on the import thread
        handle = window.windowHandle()
        if handle is not None:
            handle.installEventFilter(self)
        QTimer.singleShot(FIRST_PAINT_FALLBACK_MS, self, self._start)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """GUI thread: the first Expose paints the window synchronously; start once that is done."""
        if event.type() == QEvent.Type.Expose and not self._started:
            QTimer.singleShot(0, self, self._start)
        return False

    @Slot()
    def _start(self) -> None:
        """GUI thread."""
        if self._started:
            return
        self._started = True
        for call in self._on_painted:
            call()
        threading.Thread(target=self._import_all, name="c2c-background-imports", daemon=True).start()

    def _import_all(self) -> None:
        """Import thread."""
        for name in self._modules:
            try:
                importlib.import_module(name)
            except Exception as exc:
                log.warning("background import of %s failed: %s", name, type(exc).__name__)
                continue
            if name in self._on_imported:
                try:
                    self.imported.emit(name)
                except RuntimeError:  # the window (our parent) is already gone
                    return

    @Slot(str)
    def _call_back(self, name: str) -> None:
        """GUI thread."""
        self._on_imported[name]()


def _cannot_start(window: MainWindow, problem: Exception) -> None:
    """GUI thread: the profile could not be opened or given to the window: the window goes, the agent reads the plain
    "c2c-desktop cannot start: …", and the app ends with exit code 2 (the event loop's, or run_gui's before it)."""
    from c2c_desktop.gui.plain_text import critical

    window.ready = False  # nothing starts on a window that was not given its profile whole
    window.hide()
    critical(None, APP_NAME, f"c2c-desktop cannot start: {problem}")
    QApplication.exit(2)


class QuitOnSignals(QObject):
    """Ctrl+C in the terminal (SIGINT) or SIGTERM quits the app the orderly way: the window's threads are shut down
    within their bound (a call out is recorded as unknown, as when the window is closed during it) and a demo
    profile's folder is removed. Nothing is asked, even during a call: whoever sent the signal is not at the window.

    Python runs a signal handler only when the interpreter gets control, which a Qt event loop waiting in C does not
    give it; the signal's byte on a wake-up socket (`signal.set_wakeup_fd`) wakes the loop so that it does. Main
    thread only (Python's rule for signal handlers).
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._wake, self._wake_write = socket.socketpair()
        for end in (self._wake, self._wake_write):
            end.setblocking(False)
        signal.set_wakeup_fd(self._wake_write.fileno(), warn_on_full_buffer=False)
        self._notifier = QSocketNotifier(self._wake.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._on_signal)

    def _on_signal(self, number: int, _frame: object) -> None:
        """Main (GUI) thread, from the interpreter's signal handling."""
        log.info("%s received: quitting", signal.Signals(number).name)
        # exit(), not quit(): quit() first asks every window to close, and one with a call out would ask the agent
        # (a dialog nobody at a terminal sees). exit() ends every event loop, open dialogs' too; the window's threads
        # are then shut down by aboutToQuit. From a timer, so that a signal before the loop has started is not lost.
        QTimer.singleShot(0, lambda: self._app.exit(0))

    @Slot()
    def _drain(self) -> None:
        """GUI thread: empty the wake-up socket (the handler itself runs right after this, in Python)."""
        with contextlib.suppress(OSError):
            while self._wake.recv(64):
                pass


def run_gui(*, demo: bool = False, url: str | None = None, in_tray: bool = False) -> int:
    """Start the window; returns the process exit code. Runs on the main thread.

    Only what the first paint needs is imported before the window shows; the rest follows in the background.
    `in_tray`: start with the window hidden in the tray (minimised where the desktop has no tray).
    """
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    # The window may live hidden in the tray, and a dialog closed meanwhile must not end the app: it ends when the
    # window is closed for good (MainWindow.closeEvent) or on Quit.
    app.setQuitOnLastWindowClosed(False)
    if threading.current_thread() is threading.main_thread():
        QuitOnSignals(app)

    servers: list[InstanceServer] = []
    claimed: UnixInstanceServer | None = None
    path = None if demo else instance_socket_path()
    if path is not None:
        # A window of this profile listening elsewhere: one of an earlier version in the temp folder, still open across
        # the upgrade, or one started with another XDG_RUNTIME_DIR (handoff.client_paths). It takes the link.
        others = [other for other in handoff.client_paths(_data_folder()) if other != path]
        if handoff.hand_off(others, url, handoff.activation_line()):
            return 0
    if path is not None:
        # Claim the hand-off socket first, with one atomic bind: of two launches at the same moment exactly one
        # becomes the window, and the other finds it listening and hands its link over.
        try:
            claimed = UnixInstanceServer(path, None)
            servers.append(claimed)
        except OSError as exc:
            if forward_to_running_instance(url):
                return 0
            log.warning("cannot listen for other launches at %s: %s", path, exc.strerror or exc)
    elif not demo and forward_to_running_instance(url):
        return 0
    # The window first, from Qt alone, at its saved size and place; the profile right after its first paint.
    window_state = None if demo else QSettings(APP_NAME, APP_NAME)
    with gc_paused():  # the window's modules and widgets live as long as the process: no collection to make
        from c2c_desktop.gui.mainwindow import MainWindow

        window = MainWindow(demo=demo, window_state=window_state)
    profiles: list[Profile] = []

    def listen() -> None:
        server = listen_for_other_instances(window.open_link)
        if server is not None:
            servers.append(server)

    def open_profile() -> None:
        """GUI thread, right after the first paint: open the profile (crash recovery before any call can start)
        and give it to the window; the window's own start follows (see on_painted below)."""
        from c2c_desktop.gui.profile import open_demo_profile, open_user_profile

        try:
            profile = open_demo_profile() if demo else open_user_profile(window_state)
        except Exception as exc:
            _cannot_start(window, exc)
            return
        profiles.append(profile)
        try:
            with gc_paused():
                window.attach_profile(profile)
                gc.freeze()
        except Exception as exc:  # e.g. the journal unreadable: one plain line, never a window stuck "Starting…"
            _cannot_start(window, exc)

    def start_window() -> None:
        """GUI thread: the keyring's thread and read, the watcher (none of which the first paint needs)."""
        if window.ready:
            window.start()

    def enable_tray() -> None:
        if window.ready:
            window.enable_tray()

    def set_icon() -> None:
        """GUI thread: the app's icon, the window's and its dialogs' (the window manager's copy is rendered now)."""
        app.setWindowIcon(icon("c2c-desktop"))

    app.aboutToQuit.connect(window.shutdown)
    # What the first paint does not need waits for it: the app's icon, the profile, then the keyring's thread and
    # read, the watcher, the tray icon. Enter or Call until the profile is open and its keys read says the window is
    # still starting and places the call once they are (MainWindow._call_once_ready): never a call half-ready.
    after_paint: list[Callable[[], object]] = []
    if not in_tray or url:
        window.search.setFocus()  # in the first paint already
        window.show()
        after_paint = [set_icon, open_profile, enable_tray, start_window]
    else:
        set_icon()
        open_profile()  # nothing is painted soon (or ever): no reason to wait
        if not window.ready:  # the profile cannot be opened (said): the event loop never starts
            for server in servers:
                server.close()
            for profile in profiles:
                profile.close()
            return 2
        if not window.enable_tray().is_in_tray() and QGuiApplication.platformName() != "xcb":
            window.showMinimized()  # no tray can come here: minimised instead at once
        # On X11 a panel started after the app (at login) still brings a tray: the tray waits for it up to 10 s, then
        # shows the window minimised (CallTray.watch_while_hidden).
        window.start()
    on_imported = None if demo or path is not None else {QT_NETWORK: listen}
    AfterFirstPaint(window, BACKGROUND_IMPORTS, on_imported=on_imported, on_painted=after_paint)
    if url:
        window.open_link(url)
    if claimed is not None:
        claimed.deliver_to(window.open_link)
    try:
        return app.exec()
    finally:
        window.shutdown()
        for server in servers:
            server.close()
        for profile in profiles:
            profile.close()
