"""The access key pair, kept in the OS keyring and nowhere else.

There is no plaintext fallback: if no keyring is available the keys are not saved, and the user is told how to get
one. A keyring that keeps them in a plain or weakly protected file (keyrings.alt's, or any backend keyring itself
rates below 1) is refused for saving unless the user opts in with C2C_DESKTOP_ALLOW_INSECURE_KEYRING=1.

Every keyring operation runs in a daemon thread behind a watchdog, because a locked collection can prompt or hang
indefinitely; the caller gets a `CredentialsError` after the timeout instead (the stuck thread is abandoned).
Callers on the GUI thread should still run these off the GUI thread: the watchdog bounds the wait, it does not
remove it.

No message produced here ever contains the secret access key.

The `keyring` library (and its backends) is imported on first use, inside the watchdog thread: importing this
module stays cheap for the window's startup path and for commands that never touch the keys.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from c2c_desktop import APP_NAME
from c2c_desktop.core.models import Credentials

if TYPE_CHECKING:
    import keyring.backend

SERVICE_NAME = APP_NAME
#: Set to 1 to let the keys be saved in a keyring that keeps them in a file (see `is_insecure_backend`).
ALLOW_INSECURE_ENV = "C2C_DESKTOP_ALLOW_INSECURE_KEYRING"
ACCESS_KEY_USERNAME = "access_key"
SECRET_KEY_USERNAME = "secret_access_key"
DEFAULT_TIMEOUT_S = 10.0
_MAX_REASON_LENGTH = 200

T = TypeVar("T")
#: What `KeyringCredentialStore.check` found: both keys usable, not (or half) saved, or no usable keyring.
KeysState = Literal["saved", "missing", "unusable"]


class CredentialsError(Exception):
    """The keys could not be read, saved or cleared; str() is a short plain message for the agent or admin."""


class CredentialStore(Protocol):
    """Where the app keeps the access key pair."""

    def load(self) -> Credentials | None:
        """The saved key pair, or None if none (or only half of one) is saved."""
        ...

    def save(self, credentials: Credentials) -> str:
        """Save the pair; return a human description of where it went."""
        ...

    def clear(self) -> None:
        """Remove the saved pair (no error if nothing is saved)."""
        ...

    def status(self) -> str:
        """One line for the settings dialog or `keys status`; never raises, never shows the secret."""
        ...

    def backend_name(self) -> str:
        """The name of the storage in use, e.g. "SecretService Keyring"."""
        ...


def _mask(access_key: str) -> str:
    # The access key is not the secret, but a glimpse is enough to recognise it.
    return access_key[:4] + "…" if len(access_key) > 8 else "…"


def _validate(credentials: Credentials) -> None:
    if not credentials.access_key.strip() or not credentials.secret_access_key.strip():
        raise CredentialsError("Both the access key and the secret access key are needed.")


def _no_keyring_message() -> str:
    message = "No system keyring is available, so the keys cannot be kept. Nothing was written anywhere."
    if sys.platform.startswith("linux"):
        message += " Install and unlock gnome-keyring or KWallet (a Secret Service), then try again."
    return message


def _insecure_keyring_message(name: str) -> str:
    return (
        f"The keyring in use ({name}) keeps keys in a plain or weakly protected file, so the keys were not saved. "
        f"Install and unlock gnome-keyring or KWallet, or set {ALLOW_INSECURE_ENV}=1 to accept that keyring."
    )


def insecure_keyring_allowed() -> bool:
    """True when the user chose to allow a file-based keyring (C2C_DESKTOP_ALLOW_INSECURE_KEYRING=1)."""
    return os.environ.get(ALLOW_INSECURE_ENV, "").strip() == "1"


_FILE_KEYRING_MODULES = ("keyrings.alt", "keyrings.cryptfile")


def _chain_links(backend: keyring.backend.KeyringBackend) -> list[keyring.backend.KeyringBackend] | None:
    """The backends keyring's chainer tries in turn (best first), or None for any other backend."""
    links = getattr(backend, "backends", None)
    return list(links) if type(backend).__module__ == "keyring.backends.chainer" and links else None


def is_insecure_backend(backend: keyring.backend.KeyringBackend) -> bool:
    """True for a backend that keeps keys in a plain or weakly protected file: keyrings.alt's or keyrings.cryptfile's,
    one the keyring library itself rates below 1 ("not recommended"), or a chain holding one. The null and fail
    backends keep nothing and are not counted."""
    links = _chain_links(backend)
    if links is not None:
        return any(map(is_insecure_backend, links))
    module = type(backend).__module__
    if module.startswith(_FILE_KEYRING_MODULES):
        return True
    if module in ("keyring.backends.null", "keyring.backends.fail", "keyring.backends.chainer"):
        return False
    try:
        priority = float(backend.priority)
    except Exception:  # a backend may refuse to rate itself when not autodetectable
        return False
    return priority < 1


def _keys_state(backend: keyring.backend.KeyringBackend) -> tuple[KeysState, str]:
    """Whether `backend` holds both keys (as `load` sees them), and the `status` line saying so."""
    access_key = backend.get_password(SERVICE_NAME, ACCESS_KEY_USERNAME)
    has_secret = bool(backend.get_password(SERVICE_NAME, SECRET_KEY_USERNAME))
    if access_key and has_secret:
        return "saved", f"Keys saved in the system keyring ({backend.name}); access key {_mask(access_key)}"
    if access_key or has_secret:
        return "missing", f"Only one of the two keys is saved in the system keyring ({backend.name}); save both again."
    return "missing", f"No keys saved in the system keyring ({backend.name})."


class KeyringCredentialStore:
    """The key pair in the OS keyring (Secret Service, KWallet, macOS Keychain, Windows Credential Locker).

    `backend` None means the keyring library's choice (PYTHON_KEYRING_BACKEND or autodetection), resolved on first
    use inside the watchdog, since even probing a backend talks to D-Bus.
    """

    def __init__(
        self, backend: keyring.backend.KeyringBackend | None = None, *, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self._backend = backend
        self.timeout_s = timeout_s
        # File keyrings that keyring's chain held besides a secure backend: not used, but cleared and reported, since
        # keys saved there earlier (another tool, or a session without the Secret Service) are still on disk.
        self._set_aside: list[keyring.backend.KeyringBackend] = []

    def __repr__(self) -> str:
        return f"KeyringCredentialStore(backend={self._backend!r}, timeout_s={self.timeout_s:g})"

    # --- public interface ------------------------------------------------------------------------------------

    def backend_name(self) -> str:
        """The keyring backend's display name, e.g. "SecretService Keyring"."""
        return self._watchdog(lambda: self._resolved_backend().name, secret=None)

    def load(self) -> Credentials | None:
        """The saved pair, or None if the keyring holds none or only one of the two keys."""

        def read() -> Credentials | None:
            backend = self._resolved_backend()
            access_key = backend.get_password(SERVICE_NAME, ACCESS_KEY_USERNAME)
            secret = backend.get_password(SERVICE_NAME, SECRET_KEY_USERNAME)
            if not access_key or not secret:
                return None
            return Credentials(access_key, secret)

        return self._watchdog(read, secret=None)

    def save(self, credentials: Credentials) -> str:
        """Write both keys, read them back, and return where they were stored.

        Raises CredentialsError if no keyring is available, it is locked or hangs, or it silently stored nothing.
        """
        _validate(credentials)

        def write() -> str:
            backend = self._resolved_backend()
            if not insecure_keyring_allowed() and is_insecure_backend(backend):
                raise CredentialsError(_insecure_keyring_message(backend.name))
            backend.set_password(SERVICE_NAME, ACCESS_KEY_USERNAME, credentials.access_key)
            backend.set_password(SERVICE_NAME, SECRET_KEY_USERNAME, credentials.secret_access_key)
            # The null backend (and a broken one) accepts writes and keeps nothing: only a read-back tells.
            stored_access = backend.get_password(SERVICE_NAME, ACCESS_KEY_USERNAME)
            stored_secret = backend.get_password(SERVICE_NAME, SECRET_KEY_USERNAME)
            if stored_access != credentials.access_key or stored_secret != credentials.secret_access_key:
                raise CredentialsError(
                    f"The keyring accepted the keys but did not store them (backend: {backend.name}). "
                    "Keys were not saved."
                )
            return f"Saved in the system keyring ({backend.name})"

        return self._watchdog(write, secret=credentials.secret_access_key)

    def clear(self) -> None:
        """Delete both keys from the keyring; nothing saved is not an error."""

        def delete() -> None:
            from keyring.errors import PasswordDeleteError

            for backend in (self._resolved_backend(), *self._set_aside):  # a file copy goes too
                for username in (ACCESS_KEY_USERNAME, SECRET_KEY_USERNAME):
                    try:
                        backend.delete_password(SERVICE_NAME, username)
                    except PasswordDeleteError:
                        pass  # usually "no such password"; the read-back below catches a real failure
                    if backend.get_password(SERVICE_NAME, username) is not None:
                        raise CredentialsError(f"The keyring ({backend.name}) did not delete the saved keys.")

        self._watchdog(delete, secret=None)

    def status(self) -> str:
        """Where the keys are and whether they are saved; a failure is described, not raised."""
        return self.check()[1]

    def check(self) -> tuple[KeysState, str]:
        """One keyring read: whether the keys are usable (as `load` sees them) and the `status` line. Never raises."""

        def inspect() -> tuple[KeysState, str]:
            state, line = _keys_state(self._resolved_backend())
            copies = [link.name for link in self._set_aside if link.get_password(SERVICE_NAME, SECRET_KEY_USERNAME)]
            if copies:
                line += f" A copy is also in a file keyring ({', '.join(copies)}); Remove keys deletes it."
            return state, line

        try:
            return self._watchdog(inspect, secret=None)
        except CredentialsError as exc:
            return "unusable", str(exc)

    # --- machinery -------------------------------------------------------------------------------------------

    def _resolved_backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            import keyring  # on the watchdog thread: loading the backends is part of what may be slow

            backend = keyring.get_keyring()
            links = _chain_links(backend) or []
            files = [link for link in links if is_insecure_backend(link)]
            secure = [link for link in links if link not in files]
            if files and secure and not insecure_keyring_allowed():
                # The chain would fall back to a file one (a Secret Service that raises NotImplementedError): keep
                # to its best secure backend.
                backend, self._set_aside = secure[0], files
            self._backend = backend
        return self._backend

    def _watchdog(self, operation: Callable[[], T], *, secret: str | None) -> T:
        """Run `operation` in a daemon thread; translate its errors; give up after the timeout."""
        done = threading.Event()
        outcome: list[T] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                outcome.append(operation())
            except BaseException as exc:  # handed to the caller's thread below
                failure.append(exc)
            finally:
                done.set()

        threading.Thread(target=run, name="keyring-call", daemon=True).start()
        if not done.wait(self.timeout_s):
            raise CredentialsError(
                f"The system keyring did not answer within {self.timeout_s:g} s; it may be locked. "
                "Unlock it and try again."
            )
        if failure:
            raise _translate(failure[0], secret) from None
        return outcome[0]


def _translate(exc: BaseException, secret: str | None) -> BaseException:
    """A CredentialsError with a plain message for a keyring failure; other BaseExceptions pass through.

    A backend's own text is quoted only where it cannot hold the secret: when the secret is known (saving) it is
    redacted; otherwise only InitError's text (about opening the collection) is quoted, else just the type name.
    """
    if isinstance(exc, CredentialsError):
        return exc
    if not isinstance(exc, Exception):
        return exc  # KeyboardInterrupt and the like
    try:
        import keyring.errors
    except ImportError:  # the keyring library itself could not be loaded
        return CredentialsError(_no_keyring_message())

    if isinstance(exc, keyring.errors.NoKeyringError):
        return CredentialsError(_no_keyring_message())
    if isinstance(exc, keyring.errors.KeyringLocked):
        return CredentialsError(
            "The system keyring is locked and was not unlocked, so the keys were not read or saved. "
            "Unlock it (for example by logging in to the desktop) and try again."
        )
    if secret is not None or isinstance(exc, keyring.errors.InitError):
        reason = _redacted_reason(exc, secret)
    else:
        reason = type(exc).__name__
    if isinstance(exc, keyring.errors.InitError):
        return CredentialsError(f"The system keyring could not be opened: {reason}")
    if isinstance(exc, keyring.errors.PasswordSetError):
        return CredentialsError(f"The system keyring refused to store the keys: {reason}")
    if isinstance(exc, keyring.errors.KeyringError):
        return CredentialsError(f"The system keyring reported an error: {reason}")
    return CredentialsError(f"The system keyring failed ({type(exc).__name__}): {reason}")


def _redacted_reason(exc: BaseException, secret: str | None) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if secret:
        text = text.replace(secret, "<hidden>")
    if len(text) > _MAX_REASON_LENGTH:
        text = text[: _MAX_REASON_LENGTH - 1] + "…"
    return text


class MemoryCredentialStore:
    """The key pair in memory only: for demo mode and tests. Nothing is written anywhere."""

    def __init__(self, credentials: Credentials | None = None) -> None:
        self._credentials = credentials

    def __repr__(self) -> str:
        return f"MemoryCredentialStore(saved={self._credentials is not None})"

    def backend_name(self) -> str:
        """Always "memory"."""
        return "memory"

    def load(self) -> Credentials | None:
        """The pair given to the constructor or last saved, or None."""
        return self._credentials

    def save(self, credentials: Credentials) -> str:
        """Keep the pair for the life of this object."""
        _validate(credentials)
        self._credentials = credentials
        return "Kept in memory for this session only (demo mode); not saved anywhere"

    def clear(self) -> None:
        """Forget the pair."""
        self._credentials = None

    def status(self) -> str:
        """Whether a pair is held, with a glimpse of the access key."""
        if self._credentials is None:
            return "No keys (memory only, demo mode)."
        return f"Keys held in memory only (demo mode); access key {_mask(self._credentials.access_key)}"


def _satisfies_interface(a: KeyringCredentialStore, b: MemoryCredentialStore) -> tuple[CredentialStore, ...]:
    # Never called: makes mypy prove that both classes implement CredentialStore.
    return a, b
