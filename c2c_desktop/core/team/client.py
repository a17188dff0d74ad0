"""TeamClient: one thread's way to the team database — its connection, made when first needed and again after a loss.

Qt-free and blocking; one thread owns it (the window's DbWorker, or a command). The password comes from a loader
(the keyring, read on that same thread) when a connection is made, and is kept only in memory. Every failure is a
server.TeamError with one plain line; a server that is down answers TeamUnavailable within the connect timeout
(a refused connection at once), and for a moment after a failed attempt at once, without trying again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from c2c_desktop.core.team.server import (
    Taken,
    TeamError,
    TeamNoPassword,
    TeamRefused,
    TeamSession,
    TeamSignInRefused,
    TeamUnavailable,
    connect,
    url_account,
)

if TYPE_CHECKING:
    from c2c_desktop.core.store import Store
    from c2c_desktop.core.team.sync import TeamSync

__all__ = ["CONNECT_TIMEOUT_S", "PasswordLoader", "TeamClient", "sign_in_failed", "went_offline"]

#: libpq's connect_timeout (whole seconds; libpq takes at least 2): a claim must be answered or refused within 5 s.
CONNECT_TIMEOUT_S = 4
#: After a failed connection, uses within this many seconds fail at once with the same message (no new attempt).
RETRY_HOLD_S = 1.0

NO_PASSWORD_MESSAGE = "no team password is saved: sign in under Settings → Team (or run team login)"

#: Gives the password of the account (None: none saved); called on the client's thread when it connects.
PasswordLoader = Callable[[], "str | None"]


def sign_in_failed(error: object) -> bool:
    """True for the server refusing the agent's sign-in: no password saved, or a wrong one."""
    return isinstance(error, TeamSignInRefused) or (
        isinstance(error, TeamRefused) and str(error) == NO_PASSWORD_MESSAGE
    )


def went_offline(error: object) -> bool:
    """True for an error that says the server was not reached, or would not let the agent in: either way nothing
    could be asked of it, and a hand dial goes ahead under the local rules, marked not team-guarded."""
    return isinstance(error, TeamUnavailable) or sign_in_failed(error)


class TeamClient:
    """The team session and sync of one agent, for the one thread that owns it."""

    def __init__(
        self,
        url: str,
        password_loader: PasswordLoader,
        store_path: str | Path | None,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`store_path`: the local SQLite file the sync reads and writes (opened on first use, on this thread)."""
        self.url = url
        self._password_loader = password_loader
        self._store_path = Path(store_path) if store_path is not None else None
        self._connect_timeout = min(float(connect_timeout), CONNECT_TIMEOUT_S)
        self._clock = clock
        self._password: str | None = None
        self._password_loaded = False
        self._session: TeamSession | None = None
        self._sync: TeamSync | None = None
        self._sync_session: TeamSession | None = None
        self._store: Store | None = None
        self._failure: tuple[float, TeamError] | None = None
        #: Claims granted on this client's sessions and not settled since (TeamSession.taken); the owner clears it.
        self.taken: list[Taken] = []

    def __repr__(self) -> str:  # never the password
        return f"TeamClient({self.url!r}, connected={self.connected})"

    @property
    def connected(self) -> bool:
        """True while a connection is open (it may still turn out to be lost on its next use)."""
        session = self._session
        return session is not None and not session.connection.closed and not session.connection.broken

    @property
    def session(self) -> TeamSession:
        """The open session, connecting (again) first when there is none or the last one was lost."""
        if self._session is not None and not self.connected:
            self._drop_session()
        if self._session is None:
            self._session = self._connect()
        return self._session

    @property
    def sync(self) -> TeamSync:
        """The sync over the local store and the current session (made again after a reconnect)."""
        session = self.session
        if self._sync is None or self._sync_session is not session:
            from c2c_desktop.core.team.sync import TeamSync

            self._sync = TeamSync(self.store, session, account=url_account(self.url))
            self._sync_session = session
        return self._sync

    @property
    def store(self) -> Store:
        """The local store, opened on this thread on first use (SQLite: one connection per thread)."""
        if self._store is None:
            if self._store_path is None:
                raise TeamError("no local store to sync with")
            from c2c_desktop.core.store import Store

            self._store = Store(self._store_path)
        return self._store

    @property
    def password(self) -> str | None:
        """The password in use (loaded on first need); for the Listener's own connection, on this thread."""
        if not self._password_loaded:
            self._password = self._password_loader()
            self._password_loaded = True
        return self._password

    def forget_password(self) -> None:
        """Read the password again at the next connection (it was changed or removed); closes the session."""
        self._password, self._password_loaded = None, False
        self._failure = None
        self._drop_session()

    def disconnect(self) -> None:
        """Close the connection only (it is made again on next use): an idle sync lane gives its slot back."""
        self._drop_session()

    def close(self) -> None:
        """Close the connection and the local store; the client may be used again (it reconnects)."""
        self._drop_session()
        store, self._store = self._store, None
        if store is not None:
            store.close()

    def _connect(self) -> TeamSession:
        if self._failure is not None and self._clock() - self._failure[0] < RETRY_HOLD_S:
            raise self._failure[1]
        try:
            password = self.password
            connection = connect(self.url, password, connect_timeout=self._connect_timeout)
        except TeamError as exc:
            if self._password is None and isinstance(exc, TeamNoPassword):
                exc = TeamRefused(NO_PASSWORD_MESSAGE)
            if isinstance(exc, TeamRefused):
                self._password_loaded = False  # a wrong or missing password: read the keyring again next time
            self._failure = (self._clock(), exc)
            raise exc from None
        except Exception as exc:  # the keyring (CredentialsError) or anything else: a plain line, never a traceback
            failure = TeamUnavailable(str(exc) or type(exc).__name__)
            self._failure = (self._clock(), failure)
            raise failure from None
        self._failure = None
        return TeamSession(connection, password, taken=self.taken)

    def _drop_session(self) -> None:
        session, self._session, self._sync = self._session, None, None
        if session is not None:
            try:
                session.close()
            except Exception:  # a broken connection may fail to close: it is gone either way
                pass
