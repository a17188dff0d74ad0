"""An agent's team database password, kept in the OS keyring and nowhere else.

One keyring entry per team account: service "c2c-desktop", user "pg:NAME@HOST[:PORT]/DB" (the settings file holds
only the URL). The keyring machinery is the access keys' (core/credentials.py): every operation runs behind its
watchdog (a locked collection may hang), a keyring that keeps secrets in a file is refused unless the user opted in
(C2C_DESKTOP_ALLOW_INSECURE_KEYRING=1), a save is read back, and there is no plaintext fallback. Errors are
CredentialsError with one plain line that never holds the password.

Blocking (D-Bus): call these on a worker thread, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from c2c_desktop.core.credentials import (
    SERVICE_NAME,
    CredentialsError,
    KeyringCredentialStore,
    insecure_keyring_allowed,
    is_insecure_backend,
)

if TYPE_CHECKING:
    import keyring.backend

__all__ = [
    "SERVICE_NAME",
    "CredentialsError",
    "TeamPasswordStore",
    "forget_password",
    "keyring_username",
    "load_password",
    "save_password",
]

T = TypeVar("T")


def keyring_username(url: str) -> str:
    """The keyring user name of a team URL: "pg:NAME@HOST[:PORT]/DB" (TeamSetupError for a URL that is refused)."""
    from c2c_desktop.core.team.server import parse_team_url

    params = parse_team_url(url)
    host = params.get("host") or params.get("hostaddr") or "localhost"
    port = f":{params['port']}" if params.get("port") else ""
    user = params["user"]
    return f"pg:{user}@{host}{port}/{params.get('dbname') or user}"


class TeamPasswordStore(KeyringCredentialStore):
    """The password of one team account (`url`) in the OS keyring, through the access keys' watchdog.

    `backend` None: the keyring library's choice, resolved on first use (inside the watchdog).
    """

    def __init__(self, url: str, backend: keyring.backend.KeyringBackend | None = None, **options: float) -> None:
        super().__init__(backend, **options)
        self.username = keyring_username(url)

    def load_password(self) -> str | None:
        """The saved password, or None when none is saved."""
        return self._guarded(lambda: self._resolved_backend().get_password(SERVICE_NAME, self.username) or None, None)

    def save_password(self, password: str) -> str:
        """Store the password, read it back, and say where it went."""
        if not password:
            raise CredentialsError("No password given; nothing was saved.")

        def write() -> str:
            backend = self._resolved_backend()
            if not insecure_keyring_allowed() and is_insecure_backend(backend):
                raise CredentialsError(_insecure_message(backend.name))
            backend.set_password(SERVICE_NAME, self.username, password)
            # The null backend (and a broken one) accepts writes and keeps nothing: only a read-back tells.
            if backend.get_password(SERVICE_NAME, self.username) != password:
                raise CredentialsError(
                    f"The keyring accepted the password but did not store it (backend: {backend.name}). "
                    "It was not saved."
                )
            return f"Saved in the system keyring ({backend.name})"

        return self._guarded(write, password)

    def forget_password(self) -> bool:
        """Delete the saved password (also a copy in a file keyring set aside); whether one was saved (nothing saved
        is not an error)."""

        def delete() -> bool:
            from keyring.errors import PasswordDeleteError

            was_saved = False
            for backend in (self._resolved_backend(), *self._set_aside):
                was_saved = was_saved or backend.get_password(SERVICE_NAME, self.username) is not None
                try:
                    backend.delete_password(SERVICE_NAME, self.username)
                except PasswordDeleteError:
                    pass  # usually "no such password"; the read-back below catches a real failure
                if backend.get_password(SERVICE_NAME, self.username) is not None:
                    raise CredentialsError(f"The keyring ({backend.name}) did not delete the team password.")
            return was_saved

        return self._guarded(delete, None)

    def _guarded(self, operation: Callable[[], T], secret: str | None) -> T:
        try:
            return self._watchdog(operation, secret=secret)
        except CredentialsError as exc:
            # The shared messages speak of "the keys": here it is the team password.
            text = str(exc).replace("the keys", "the team password")
            raise CredentialsError(text.replace(secret, "<hidden>") if secret else text) from None


def _insecure_message(name: str) -> str:
    return (
        f"The keyring in use ({name}) keeps secrets in a plain or weakly protected file, so the team password was "
        "not saved. Install and unlock gnome-keyring or KWallet, or set C2C_DESKTOP_ALLOW_INSECURE_KEYRING=1 to "
        "accept that keyring."
    )


def load_password(url: str, backend: keyring.backend.KeyringBackend | None = None) -> str | None:
    """The saved password of the team account `url`, or None. Blocking: never on the GUI thread."""
    return TeamPasswordStore(url, backend).load_password()


def save_password(url: str, password: str, backend: keyring.backend.KeyringBackend | None = None) -> str:
    """Keep the password of the team account `url` in the keyring; where it went. Blocking: never on the GUI thread."""
    return TeamPasswordStore(url, backend).save_password(password)


def forget_password(url: str, backend: keyring.backend.KeyringBackend | None = None) -> bool:
    """Remove the saved password of the team account `url`; whether one was saved. Blocking: never on the GUI
    thread."""
    return TeamPasswordStore(url, backend).forget_password()
