"""Desktop notifications of a call's outcome: the freedesktop notification service over D-Bus where there is one, the
tray icon's own message elsewhere.

Why jeepney and not QtDBus: the service's `Notify` takes its `replaces_id` as a D-Bus uint32 (signature
`susssasa{sv}i`), and PySide6 cannot send one: a Python int goes out as int32 (or int64), a QDBusArgument as uint16,
and the daemon refuses the call ("Type of message (sisssasa{sv}i) does not match expected type (susssasa{sv}i)").
jeepney (pure Python, already installed with keyring on Linux: SecretStorage uses it) writes the signature given.
The service sends `ActionInvoked` to the connection that sent the notification, so the same connection listens.

Nothing here blocks the GUI thread: connecting, the calls and the replies happen on the notifier's own daemon
thread (and jeepney's receiver thread); they report back with queued Qt signals.
"""

from __future__ import annotations

import html
import logging
import os
import queue
import sys
import threading
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QSystemTrayIcon

from c2c_desktop import APP_NAME
from c2c_desktop.core.models import CallResult, JournalEntry, Outcome

if TYPE_CHECKING:
    from jeepney import Message
    from jeepney.io.threading import DBusRouter

log = logging.getLogger(__name__)

NOTIFICATIONS_BUS_NAME = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
NOTIFICATIONS_INTERFACE = "org.freedesktop.Notifications"
#: The action a click on the notification's body invokes (the spec's "default" action).
DEFAULT_ACTION = "default"
#: The service answers a Notify at once; one that does not within this is taken as absent.
REPLY_TIMEOUT_S = 10.0
#: How long a notification stays up (the service's default when -1); outcomes are worth a look, not a permanent box.
EXPIRE_MS = 15_000


# --------------------------------------------------------------------------------------------------------------------
# The words


_HEADLINES = {
    Outcome.NO_ANSWER: "No answer",
    Outcome.NOT_SENT: "Not sent",
    Outcome.REJECTED: "Rejected",
}
UNKNOWN_HEADLINE = "Unknown — may still ring; not retried"


def notification_text(entry: JournalEntry, result: CallResult, message: str) -> tuple[str, str]:
    """The (summary, body) of the notification for a call that ended: `message` is the status line the window shows
    (dialer.describe_outcome). Plain text: `body_for_service` escapes the body where the service reads markup."""
    who = entry.contact_name or entry.display_number or entry.number
    number = entry.display_number or entry.number
    about = number if who == number else f"{who} · {number}"
    outcome = result.outcome
    if outcome is Outcome.CONNECTED:
        return message, about  # "Connected — the service is now calling Ada Okafor"
    if outcome is Outcome.UNKNOWN:
        return UNKNOWN_HEADLINE, _with_reason(about, message, "Unknown")
    headline = _HEADLINES[outcome]
    return f"{headline} — {who}", _with_reason(about, message, headline)


def _with_reason(about: str, message: str, headline: str) -> str:
    """`about`, then the status line without its headline ("Not sent: the connection was refused" -> "The connection
    was refused")."""
    reason = message
    for prefix in (f"{headline} — ", f"{headline}: ", f"{headline} - "):
        if reason.startswith(prefix):
            reason = reason[len(prefix) :]
            break
    reason = reason.strip()
    if not reason or reason.lower() == headline.lower():
        return about
    return f"{about}\n{reason[:1].upper()}{reason[1:]}"


def body_for_service(body: str, capabilities: frozenset[str]) -> str:
    """The body as sent to a freedesktop service: where it reads markup ("body-markup"), &, < and > are escaped, so a
    name such as `<b>Ada</b> & Co` is shown as those characters; elsewhere it is shown as sent. (The summary is plain
    text by the specification: sent as it is.)"""
    if "body-markup" in capabilities:
        return html.escape(body, quote=False)
    return body


# --------------------------------------------------------------------------------------------------------------------
# The notifiers


class Notifier(Protocol):
    """Shows a notification; `activated` fires (GUI thread) when the agent clicks one."""

    activated: Any  # a Signal()

    def show(self, summary: str, body: str) -> None: ...

    def close(self) -> None: ...


class TrayMessageNotifier(QObject):
    """The tray icon's own message (Windows, macOS, or a Linux desktop without a notification service). GUI thread."""

    activated = Signal()

    def __init__(self, tray_icon: QSystemTrayIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray_icon = tray_icon
        tray_icon.messageClicked.connect(self.activated)

    def show(self, summary: str, body: str) -> None:
        """GUI thread."""
        self._tray_icon.showMessage(summary, body, QSystemTrayIcon.MessageIcon.Information, EXPIRE_MS)

    def close(self) -> None:
        """Nothing to let go."""


def session_bus_present(environ: dict[str, str] | None = None) -> bool:
    """True where a D-Bus session bus can be reached: on Linux and the BSDs, with its address set (or the usual
    socket in $XDG_RUNTIME_DIR)."""
    environ = dict(os.environ) if environ is None else environ
    if sys.platform in ("win32", "darwin"):
        return False
    if environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return True
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    return bool(runtime) and os.path.exists(os.path.join(runtime, "bus"))


class _SignalQueue:
    """What jeepney's router puts matching messages into (on its receiver thread): handed straight to a callback."""

    def __init__(self, on_message: Any) -> None:
        self._on_message = on_message

    def put_nowait(self, message: Message) -> None:
        self._on_message(message)


class FreedesktopNotifier(QObject):
    """org.freedesktop.Notifications over the session bus, on a daemon thread of its own.

    `show` queues the notification and returns at once. If the service cannot be reached (no bus, no daemon, an error
    reply), `failed(summary, body)` hands that notification back (GUI thread) so the caller can show it another way,
    and so do all later ones. A click on one of this process's notifications emits `activated`.
    """

    activated = Signal()  # GUI thread
    failed = Signal(str, str)  # (summary, body) that could not be shown; queued to the GUI thread
    shown = Signal(int)  # the service's id for a notification it took; queued to the GUI thread
    _clicked = Signal()  # emitted on jeepney's receiver thread; re-emitted as `activated` on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._ids: set[int] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._clicked.connect(self._on_clicked)  # queued: emitted on another thread, this object lives in the GUI's

    @Slot()
    def _on_clicked(self) -> None:
        """GUI thread: one of ours was clicked."""
        self.activated.emit()

    def show(self, summary: str, body: str) -> None:
        """GUI thread: queue one notification (the thread starts with the first)."""
        if self._closed:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="c2c-notifications", daemon=True)
            self._thread.start()
        self._jobs.put((summary, body))

    def close(self) -> None:
        """GUI thread; idempotent: the thread closes its connection and ends (a daemon: never waited for)."""
        if not self._closed:
            self._closed = True
            self._jobs.put(None)

    def finished(self) -> bool:
        """GUI thread: True once closed and its thread (with jeepney's receiver, joined by the router) has ended:
        nothing will emit on this object any more."""
        return self._closed and (self._thread is None or not self._thread.is_alive())

    def _emit(self, signal: Any, *args: object) -> None:
        """Notifier thread: emit. This object is kept alive while the thread may emit (see _KEPT): the guard is for
        the interpreter's exit only."""
        try:
            signal.emit(*args)
        except RuntimeError:
            pass

    def _serve(self) -> None:
        """Notifier thread: connect once, then send each queued notification."""
        try:
            from jeepney.io.threading import DBusRouter, open_dbus_connection
        except ImportError as exc:
            log.info("desktop notifications: jeepney is missing (%s)", exc)
            self._fail_all(None)
            return
        try:
            connection = open_dbus_connection(bus="SESSION")
        except Exception as exc:  # no bus, refused, authentication failed
            log.info("desktop notifications: no session bus (%s)", type(exc).__name__)
            self._fail_all(None)
            return
        job: tuple[str, str] | None = None
        try:
            with connection, DBusRouter(connection) as router:
                capabilities = self._subscribe(router)
                while (job := self._jobs.get()) is not None:
                    self._notify(router, capabilities, *job)
        except Exception as exc:  # the service is absent (an error reply), timed out or went away
            log.info("desktop notifications: the service cannot be reached (%s)", exc)
            self._fail_all(job)

    def _subscribe(self, router: DBusRouter) -> frozenset[str]:
        """Notifier thread: listen for clicks; the service's capabilities (OSError if it does not answer)."""
        from jeepney import MatchRule, message_bus

        rule = MatchRule(
            type="signal", interface=NOTIFICATIONS_INTERFACE, member="ActionInvoked", path=NOTIFICATIONS_PATH
        )
        router.filter(rule, queue=_SignalQueue(self._on_signal))
        # Services send ActionInvoked to the sender; older ones broadcast it: ask the bus for those too.
        router.send_and_get_reply(message_bus.AddMatch(rule), timeout=REPLY_TIMEOUT_S)
        reply = _checked(router.send_and_get_reply(_call("GetCapabilities"), timeout=REPLY_TIMEOUT_S))
        return frozenset(str(item) for item in reply.body[0])

    def _notify(self, router: DBusRouter, capabilities: frozenset[str], summary: str, body: str) -> None:
        """Notifier thread: one Notify call; its id is kept so that a click on it is recognised."""
        message = _call(
            "Notify",
            "susssasa{sv}i",
            (
                APP_NAME,
                0,  # replaces_id (uint32): a new notification
                APP_NAME,  # the icon: the app's own, by its installed name
                summary,
                body_for_service(body, capabilities),
                [DEFAULT_ACTION, "Show c2c-desktop"],
                {"desktop-entry": ("s", APP_NAME)},
                EXPIRE_MS,
            ),
        )
        reply = _checked(router.send_and_get_reply(message, timeout=REPLY_TIMEOUT_S))
        notification_id = int(reply.body[0])
        with self._lock:
            self._ids.add(notification_id)
        self._emit(self.shown, notification_id)

    def _fail_all(self, current: tuple[str, str] | None) -> None:
        """Notifier thread: hand back `current` and every notification queued or queued later."""
        if current is not None:
            self._emit(self.failed, *current)
        while (job := self._jobs.get()) is not None:
            self._emit(self.failed, *job)

    def _on_signal(self, message: Message) -> None:
        """jeepney's receiver thread: ActionInvoked(id, action_key). Any signal matching the rule comes here, also
        a broadcast from another program: one that is not (uint32, string) is ignored, and nothing raised here may
        end jeepney's receiver thread (which would end all replies)."""
        try:
            from jeepney import HeaderFields

            if message.header.fields.get(HeaderFields.signature) != "us":
                return
            notification_id, action = message.body
            with self._lock:
                ours = notification_id in self._ids
            if ours and action == DEFAULT_ACTION:
                self._emit(self._clicked)
        except Exception as exc:
            log.info("desktop notifications: ignored a malformed ActionInvoked signal (%s)", type(exc).__name__)


def _call(method: str, signature: str | None = None, body: tuple[object, ...] = ()) -> Message:
    from jeepney import DBusAddress, new_method_call

    address = DBusAddress(NOTIFICATIONS_PATH, bus_name=NOTIFICATIONS_BUS_NAME, interface=NOTIFICATIONS_INTERFACE)
    return new_method_call(address, method, signature, body)


def _checked(reply: Message) -> Message:
    """`reply`, or OSError with the error's name when it is an error reply (e.g. ServiceUnknown: no daemon)."""
    from jeepney import HeaderFields, MessageType

    if reply.header.message_type == MessageType.error:
        raise OSError(str(reply.header.fields.get(HeaderFields.error_name, "an error reply")))
    return reply


#: The freedesktop notifiers whose threads may still emit on them. They have no parent and are let go here, on the
#: GUI thread, only once finished: the window (and the tray that made one) may be deleted while a notifier thread or
#: jeepney's receiver thread is about to emit, and emitting on a deleted QObject is undefined.
_KEPT: set[FreedesktopNotifier] = set()


def _kept_notifier() -> FreedesktopNotifier:
    """GUI thread: a new parentless notifier, kept alive until its threads are done (finished ones are let go)."""
    for done in [notifier for notifier in _KEPT if notifier.finished()]:
        _KEPT.discard(done)
    notifier = FreedesktopNotifier()
    _KEPT.add(notifier)
    return notifier


def make_notifier(tray_icon: QSystemTrayIcon, parent: QObject | None = None) -> FreedesktopOrTray:
    """The freedesktop service where a session bus is present, with the tray's message as the fallback."""
    return FreedesktopOrTray(tray_icon, use_freedesktop=session_bus_present(), parent=parent)


class FreedesktopOrTray(QObject):
    """The freedesktop notifier, falling back to the tray icon's message once the service cannot be reached.
    GUI thread."""

    activated = Signal()

    def __init__(self, tray_icon: QSystemTrayIcon, *, use_freedesktop: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fallback = TrayMessageNotifier(tray_icon, self)
        self.fallback.activated.connect(self.activated)
        self.freedesktop: FreedesktopNotifier | None = None
        if use_freedesktop:
            self.freedesktop = _kept_notifier()  # not a child: it outlives this object while its threads run
            self.freedesktop.activated.connect(self.activated)
            self.freedesktop.failed.connect(self._on_failed)

    def show(self, summary: str, body: str) -> None:
        """GUI thread."""
        if self.freedesktop is not None:
            self.freedesktop.show(summary, body)
        else:
            self.fallback.show(summary, body)

    @Slot(str, str)
    def _on_failed(self, summary: str, body: str) -> None:
        """GUI thread (queued from the notifier's thread): the service is not there; the tray says it instead."""
        if self.freedesktop is not None:
            self.freedesktop.close()
            self.freedesktop = None
        self.fallback.show(summary, body)

    def close(self) -> None:
        """GUI thread; idempotent."""
        if self.freedesktop is not None:
            self.freedesktop.close()
