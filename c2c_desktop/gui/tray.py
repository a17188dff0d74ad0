"""The tray icon: what the dialer is doing at a glance (idle, ringing whom, the last outcome), a menu (Show/Hide, call
the number on the clipboard, Quit), and a desktop notification of each call's outcome while the window is not in
front.

It follows the window's calls through the CallController's signals (`call_started`, `call_finished`) and acts on the
window only through the small `TrayHost` interface the window offers. GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from c2c_desktop import APP_NAME
from c2c_desktop.core.models import CallResult, JournalEntry, Outcome
from c2c_desktop.gui.icons import icon
from c2c_desktop.gui.notifications import Notifier, make_notifier, notification_text
from c2c_desktop.gui.plain_text import plain_tooltip

if TYPE_CHECKING:
    from c2c_desktop.core.dialer import PreparedCall
    from c2c_desktop.gui.calls import CallController

IDLE_TOOLTIP = f"{APP_NAME} — ready"
#: Said once per run, the first time closing the window hides it: otherwise the app seems to vanish (a tray that is
#: hidden or overflowing shows no icon at a glance).
STILL_RUNNING = (
    f"{APP_NAME} is still running in the tray",
    "Click its icon to bring the window back; Ctrl+Q, or Quit in the icon's menu, ends it.",
)
NO_NUMBER_ON_CLIPBOARD = "The clipboard has no phone number: copy one, then choose “Call the number on the clipboard”."
SHOW_TEXT = "&Show c2c-desktop"
HIDE_TEXT = "&Hide c2c-desktop"
CLIPBOARD_TEXT = "&Call the number on the clipboard"
QUIT_TEXT = "&Quit"
#: How much of the clipboard is searched for a number (on the GUI thread): a copied number sits at its start, and a
#: multi-megabyte clipboard (a log, a page) must not freeze the window.
CLIPBOARD_HEAD_CHARS = 1_000
#: While the window is hidden in the tray, how often the tray is looked for (a cheap local call): a tray host that
#: exits would otherwise leave the window hidden with no icon to bring it back.
TRAY_WATCH_MS = 2_000
#: Hidden at login before the panel is up (`--in-tray`): how long a tray is waited for before the window is shown
#: minimised instead, and how often it is looked for meanwhile.
TRAY_WAIT_MS = 10_000
TRAY_WAIT_STEP_MS = 250

#: The words of each outcome in the tooltip (the window's status uses the same).
OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.CONNECTED: "Connected",
    Outcome.NO_ANSWER: "No answer",
    Outcome.NOT_SENT: "Not sent",
    Outcome.REJECTED: "Rejected",
    Outcome.UNKNOWN: "Unknown (may still ring; not retried)",
}


class TrayHost(Protocol):
    """What the tray asks of the window."""

    def is_in_front(self) -> bool:
        """True when the agent sees the window: shown, not minimised, and the app has the focus."""
        ...

    def is_shown(self) -> bool:
        """True when the window is on screen (not hidden in the tray, not minimised)."""
        ...

    def bring_to_front(self) -> None: ...

    def send_to_tray(self) -> None: ...

    def open_link(self, url: str) -> None:
        """Put a number (a tel: link or text holding one) in the dial pad and raise the window; never dials."""
        ...

    def notify(self, message: str) -> None: ...

    def quit_app(self) -> None: ...

    def notifications_on(self) -> bool: ...

    def isVisible(self) -> bool:  # noqa: N802 (QWidget's)
        """True when the window is shown or minimised; False while hidden in the tray."""
        ...

    def showMinimized(self) -> None:  # noqa: N802 (QWidget's)
        ...


def tray_available() -> bool:
    """True when the desktop shows tray icons (on X11: a tray host holds the tray selection). A quick local call."""
    return QSystemTrayIcon.isSystemTrayAvailable()


class CallTray(QObject):
    """The tray icon over one window's calls."""

    #: (summary, body) of a notification handed to the notifier: the window was not in front when a call ended.
    notified = Signal(str, str)
    #: The icon's name and tooltip changed (for tests and the e2e screenshot).
    look_changed = Signal(str, str)

    def __init__(
        self,
        host: TrayHost,
        controller: CallController,
        parent: QObject | None = None,
        *,
        notifier: Notifier | None = None,
    ) -> None:
        """GUI thread. `notifier`: how notifications are shown (default: the freedesktop service where present, else
        the tray icon's message)."""
        super().__init__(parent)
        self._host = host
        self.icon = QSystemTrayIcon(self)
        self.menu = QMenu()  # a tray menu has no parent widget; kept alive here and deleted with the tray
        self.menu.setObjectName("tray_menu")
        self.show_hide_action = QAction(SHOW_TEXT, self.menu)
        self.show_hide_action.triggered.connect(self._toggle_window)
        self.clipboard_action = QAction(icon("call"), CLIPBOARD_TEXT, self.menu)
        self.clipboard_action.setToolTip("Fills the dial pad and shows the window; press Enter there to call")
        self.clipboard_action.triggered.connect(self.call_clipboard_number)
        self.quit_action = QAction(QUIT_TEXT, self.menu)
        self.quit_action.triggered.connect(host.quit_app)
        self.menu.addAction(self.show_hide_action)
        self.menu.addAction(self.clipboard_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.menu.aboutToShow.connect(self._update_show_hide)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self.notifier: Notifier = notifier if notifier is not None else make_notifier(self.icon, self)
        self.notifier.activated.connect(self._on_notification_clicked)
        self.icon_name = ""
        self.tooltip = ""
        self._closing = False
        self._watch = QTimer(self)  # while hidden in the tray: is there still a tray? (see watch_while_hidden)
        self._watch.timeout.connect(self._check_tray)
        self._wait_left_ms = 0
        self._said_still_running = False
        self._set_look("c2c-desktop", IDLE_TOOLTIP)
        controller.call_started.connect(self._on_call_started)
        controller.call_finished.connect(self._on_call_finished)

    # -- showing -----------------------------------------------------------------------------------------------------

    def show(self) -> None:
        """GUI thread: put the icon in the tray. On X11 also when no tray host runs yet: Qt embeds the icon once one
        starts. Platforms without any tray (offscreen) are left alone."""
        if tray_available() or QGuiApplication.platformName() == "xcb":
            self.icon.show()
        if not self._host.isVisible():
            self.watch_while_hidden()  # started hidden (`--in-tray`): a tray must come, else the window shows

    def watch_while_hidden(self) -> None:
        """GUI thread: the window is hidden in the tray. If no tray is there (a panel not up yet at login), one is
        waited for up to TRAY_WAIT_MS; then, every TRAY_WATCH_MS until the window is shown again, the tray is looked
        for: once there is none (the tray host exited), the window is shown minimised, never left unreachable."""
        self._wait_left_ms = 0 if tray_available() else TRAY_WAIT_MS
        self._watch.start(TRAY_WAIT_STEP_MS if self._wait_left_ms else TRAY_WATCH_MS)

    @Slot()
    def _check_tray(self) -> None:
        """GUI thread (the watch timer): see watch_while_hidden."""
        if self._closing or self._host.isVisible():
            self._watch.stop()  # shown (or minimised) again: nothing to watch
            return
        if tray_available():
            self._wait_left_ms = 0
            self._watch.setInterval(TRAY_WATCH_MS)
            return
        if self._wait_left_ms > 0:
            self._wait_left_ms -= self._watch.interval()
            if self._wait_left_ms > 0:
                return
        self._watch.stop()
        self._host.showMinimized()  # no tray to live in: in the task bar instead

    def is_in_tray(self) -> bool:
        """True when the icon is shown and the desktop has a tray to show it in (closing the window may hide it)."""
        return self.icon.isVisible() and tray_available()

    def close(self) -> None:
        """GUI thread; idempotent: the icon leaves the tray; no more notifications (the window is going)."""
        self._closing = True
        self._watch.stop()
        self.notifier.close()
        self.icon.hide()

    def _set_look(self, icon_name: str, tooltip: str) -> None:
        self.icon_name, self.tooltip = icon_name, tooltip
        self.icon.setIcon(icon(icon_name))
        self.icon.setToolTip(plain_tooltip(tooltip))  # a name holding "<b>" is shown as written
        self.look_changed.emit(icon_name, tooltip)

    # -- the call lifecycle (controller signals) ------------------------------------------------------------------

    @Slot(object, object)
    def _on_call_started(self, prepared: PreparedCall, _entry: JournalEntry) -> None:
        """GUI thread, from the controller: the request is going out."""
        self._set_look("ringing", f"Ringing {prepared.label}…")

    @Slot(object, object, str)
    def _on_call_finished(self, entry: JournalEntry, result: CallResult, message: str) -> None:
        """GUI thread, from the controller: the first leg resolved (or the window is closing during the call)."""
        who = entry.contact_name or entry.display_number or entry.number
        self._set_look(str(result.outcome), f"{OUTCOME_WORDS[result.outcome]} — {who}")
        if self._closing or self._host.is_in_front() or not self._host.notifications_on():
            return
        summary, body = notification_text(entry, result, message)
        self.notifier.show(summary, body)
        self.notified.emit(summary, body)

    def remind(self, summary: str, body: str) -> None:
        """GUI thread: a callback reminder as a desktop notification, in front or not (the window shows its banner
        too), unless notifications are turned off."""
        if self._closing or not self._host.notifications_on():
            return
        self.notifier.show(summary, body)
        self.notified.emit(summary, body)

    def say_still_running(self) -> None:
        """GUI thread: closing the window hid it in the tray; the first time in this run, say so (unless notifications
        are turned off)."""
        if self._said_still_running or self._closing or not self._host.notifications_on():
            return
        self._said_still_running = True
        self.notifier.show(*STILL_RUNNING)
        self.notified.emit(*STILL_RUNNING)

    # -- the menu and clicks -----------------------------------------------------------------------------------------

    @Slot()
    def _update_show_hide(self) -> None:
        """GUI thread: the menu is about to open: Show or Hide, as the window is now."""
        self.show_hide_action.setText(HIDE_TEXT if self._host.is_shown() else SHOW_TEXT)

    @Slot()
    def _toggle_window(self) -> None:
        """GUI thread: Show/Hide in the menu."""
        if self._host.is_shown():
            self._host.send_to_tray()
        else:
            self._host.bring_to_front()

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        """GUI thread: a click on the icon shows and raises the window (the menu is the right click)."""
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._host.bring_to_front()

    @Slot()
    def _on_notification_clicked(self) -> None:
        """GUI thread: the agent clicked one of our notifications."""
        self._host.bring_to_front()

    @Slot()
    def call_clipboard_number(self) -> None:
        """GUI thread: the number on the clipboard goes into the dial pad and the window comes to the front, ready for
        Enter; nothing is dialled. Without a number in its first CLIPBOARD_HEAD_CHARS characters, the window says
        so."""
        from c2c_desktop.core.phone import find_number_text

        text = QGuiApplication.clipboard().text()[:CLIPBOARD_HEAD_CHARS]
        if text.strip() and find_number_text(text) is not None:
            self._host.open_link(text)
            return
        self._host.bring_to_front()
        self._host.notify(NO_NUMBER_ON_CLIPBOARD)


def tray_menu_texts(tray: CallTray) -> list[str]:
    """The menu's entries as shown (separators as ""), for tests and screenshots."""
    return [action.text().replace("&", "") for action in tray.menu.actions()]
