"""Settings → Team: the team database's URL, the agent's password (kept in the OS keyring), Test connection, Sign out.

The URL goes into the settings file with the other settings (OK); the password never does: "Test connection" checks
the URL and the password by connecting as the agent and, when they work, keeps the password in the keyring. Both
the connection and the keyring run on the team link's worker thread, never on the GUI thread. Every method here runs
on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from c2c_desktop.gui.messages import message_colours, message_label, sentence, show_message
from c2c_desktop.gui.plain_text import plain_label

if TYPE_CHECKING:
    from c2c_desktop.core.team.client import TeamClient
    from c2c_desktop.core.team.server import TeamError
    from c2c_desktop.gui.team import TeamLink

INTRO_TEXT = (
    "Work with your team on a shared PostgreSQL database: the lists assigned to you, the team's do-not-call list, "
    "and no prospect called by two agents at once. Leave the URL empty to work alone."
)
URL_PLACEHOLDER = "postgresql://NAME@HOST/DATABASE?sslmode=verify-full"
CHECKING_TEXT = "Connecting…"


def check_account(url: str, password: str) -> Callable[[TeamClient], str]:
    """A job for the worker: connect as the agent with `password` (or the saved one when empty) and, when it works
    and a password was typed, keep it in the keyring. Answers the agent's name."""

    def job(_client: TeamClient) -> str:
        from c2c_desktop.core.credentials import CredentialsError
        from c2c_desktop.core.team.client import CONNECT_TIMEOUT_S, NO_PASSWORD_MESSAGE
        from c2c_desktop.core.team.credentials import load_password, save_password
        from c2c_desktop.core.team.server import TeamRefused, TeamSession, TeamSetupError

        try:
            secret = password or load_password(url)
        except CredentialsError as exc:
            raise TeamSetupError(str(exc)) from None
        if not secret:
            raise TeamRefused(NO_PASSWORD_MESSAGE.replace("sign in under Settings → Team", "type it above"))
        with TeamSession.open(url, secret, connect_timeout=CONNECT_TIMEOUT_S) as session:
            agent = session.agent
        if password:
            try:
                save_password(url, password)
            except CredentialsError as exc:
                raise TeamSetupError(f"connected, but the password was not kept: {exc}") from None
        return agent

    return job


def forget_account(url: str) -> Callable[[TeamClient], None]:
    """A job for the worker: remove the account's password from the keyring."""

    def job(_client: TeamClient) -> None:
        from c2c_desktop.core.credentials import CredentialsError
        from c2c_desktop.core.team.credentials import forget_password
        from c2c_desktop.core.team.server import TeamSetupError

        try:
            forget_password(url)
        except CredentialsError as exc:
            raise TeamSetupError(str(exc)) from None

    return job


class TeamPage(QWidget):
    """The Team tab of the settings dialog."""

    changed = Signal()  # the URL was edited (the dialog validates again)

    def __init__(self, link: TeamLink, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._link = link
        self._busy = False
        self._after_save: Callable[[], None] | None = None
        self._saving_password = False  # the running check has a typed password to keep
        colours = message_colours(self)
        self._error_colour, self._ok_colour = colours["error"], colours["ok"]

        layout = QVBoxLayout(self)
        intro = plain_label(INTRO_TEXT, self, wrap=True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.url_edit = QLineEdit(url, self)
        self.url_edit.setAccessibleName("Team database URL")
        self.url_edit.setPlaceholderText(URL_PLACEHOLDER)
        self.url_edit.setMinimumWidth(420)
        self.url_message = message_label(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setAccessibleName("Team database password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("kept in the system keyring, never in the settings file")
        url_column = QVBoxLayout()
        url_column.addWidget(self.url_edit)
        url_column.addWidget(self.url_message)
        for text, editor, field in (
            ("Server &URL:", self.url_edit, url_column),
            ("&Password:", self.password_edit, self.password_edit),
        ):
            label = plain_label(text, self)
            label.setBuddy(editor)  # the mnemonic moves to the field (a row holding a layout has no buddy of its own)
            form.addRow(label, field)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.test_button = QPushButton("&Test connection", self)
        self.test_button.setAccessibleName("Test the team connection and keep the password")
        self.sign_out_button = QPushButton("Sign &out", self)
        self.sign_out_button.setAccessibleName("Remove the team password from the keyring")
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = message_label(self)
        self.status.setAccessibleName("Team connection status")
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.url_edit.textChanged.connect(self._on_url_changed)
        self.test_button.clicked.connect(lambda: self.test_connection())
        self.sign_out_button.clicked.connect(self.sign_out)
        self._on_url_changed()
        if link.enabled and url == link.url and link.status_text():
            show_message(self.status, link.status_text(), self._ok_colour if link.state == "online" else "")

    # --- public --------------------------------------------------------------------------------------------

    def url(self) -> str:
        return self.url_edit.text().strip()

    def problem(self) -> str:
        """Why the URL cannot be saved ("" when it can)."""
        from c2c_desktop.core.config import ConfigError, parse_team_url_setting

        try:
            parse_team_url_setting(self.url())
        except ConfigError as exc:
            text = str(exc).removeprefix("team_url: ")  # not capitalised: it may start with a host name
            return text if text.endswith(".") else text + "."
        return ""

    def has_unsaved_password(self) -> bool:
        return bool(self.password_edit.text()) and bool(self.url())

    @property
    def busy(self) -> bool:
        return self._busy

    def test_connection(self, after_save: Callable[[], None] | None = None) -> None:
        """Connect as the agent on the worker; a typed password that works goes into the keyring. `after_save`
        runs once that is done (the dialog's OK)."""
        if self._busy or self.problem() or not self.url():
            self._on_url_changed()
            if not self.url():
                show_message(self.status, "Type the team database URL first.", self._error_colour)
            return
        self._busy = True
        self._after_save = after_save
        self._saving_password = bool(self.password_edit.text())
        self._set_enabled(False)
        show_message(self.status, CHECKING_TEXT, "")
        self._link.run_account_job(check_account(self.url(), self.password_edit.text()), self._on_checked)

    def sign_out(self) -> None:
        """Remove the password of the account in the URL from the keyring (on the worker)."""
        if self._busy or self.problem() or not self.url():
            return
        self._busy = True
        self._set_enabled(False)
        self._link.run_account_job(forget_account(self.url()), self._on_signed_out)

    # --- answers (GUI thread) ------------------------------------------------------------------------------

    def _on_checked(self, answer: str | TeamError) -> None:
        saved = self._saving_password and not isinstance(answer, Exception)
        if saved:
            self._link.password_changed()  # its connections read the keyring again
        if not shiboken6.isValid(self):
            return  # Settings was closed before the answer came
        self._busy = False
        self._set_enabled(True)
        after, self._after_save = self._after_save, None
        if isinstance(answer, Exception):
            show_message(self.status, sentence(str(answer)), self._error_colour)
            return
        self.password_edit.clear()
        text = f"Connected as {answer}." + (" The password is kept in the system keyring." if saved else "")
        show_message(self.status, text, self._ok_colour)
        if after is not None:
            after()

    def _on_signed_out(self, answer: None | TeamError) -> None:
        if not isinstance(answer, Exception):
            self._link.password_changed()
        if not shiboken6.isValid(self):
            return  # Settings was closed before the answer came
        self._busy = False
        self._set_enabled(True)
        if isinstance(answer, Exception):
            show_message(self.status, sentence(str(answer)), self._error_colour)
            return
        self.password_edit.clear()
        show_message(self.status, "Signed out: the team password was removed from the system keyring.", "")

    def _on_url_changed(self) -> None:
        problem = self.problem()
        show_message(self.url_message, problem, self._error_colour)
        self._set_enabled(not self._busy)
        self.changed.emit()

    def _set_enabled(self, enabled: bool) -> None:
        usable = enabled and bool(self.url()) and not self.problem()
        self.test_button.setEnabled(usable)
        self.sign_out_button.setEnabled(usable)
