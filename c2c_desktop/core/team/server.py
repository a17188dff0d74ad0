"""Talking to the team database: the URL rules, connecting, and an agent's claims (the SQL lives in migrations.py).

Blocking calls: the window runs them on a worker thread, never on the GUI thread. Every failure is a TeamError with
one plain line for the user; a password never appears in one (messages are scrubbed of it).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

APPLICATION_NAME = "c2c-desktop"
#: Dead networks (a laptop asleep, a NAT dropping the flow) are only noticed through keepalives (TEAM.md §1).
CONNECTION_OPTIONS: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30000,
}
DEFAULT_CONNECT_TIMEOUT_S = 5

Connection = psycopg.Connection[Any]


class TeamError(Exception):
    """A plain one-line message for the user."""


class TeamSetupError(TeamError):
    """The URL or the installation is not usable (nothing was sent to a server)."""


class TeamUnavailable(TeamError):
    """The server could not be reached, or the connection was lost."""


class TeamRefused(TeamError):
    """The server refused: wrong password, not allowed, not assigned."""


def one_line(text: str, *secrets: str | None) -> str:
    """`text` on one line, with every non-empty secret replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(r"\s+", " ", text).strip()


def _is_loopback(host: str) -> bool:
    if not host or host.startswith("/") or host.startswith("@"):
        return True  # a unix socket (a folder, or Linux's abstract namespace)
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_team_url(url: str) -> dict[str, str]:
    """The connection parameters of a postgresql:// URL (or key=value string), or TeamSetupError.

    Refused: a password in the URL (it belongs in the keyring or at a prompt), and a host other than this machine
    without sslmode=verify-full (libpq's default, prefer, would accept any server).
    """
    try:
        params = {key: str(value) for key, value in conninfo_to_dict(url).items()}
    except psycopg.Error:
        raise TeamSetupError("that is not a PostgreSQL URL (postgresql://USER@HOST/DATABASE)") from None
    if params.get("password"):
        raise TeamSetupError("leave the password out of the URL: it is asked for, or read from the keyring")
    if not params.get("user"):
        raise TeamSetupError("the URL names no user (postgresql://USER@HOST/DATABASE)")
    hosts = [*params.get("host", "").split(","), *params.get("hostaddr", "").split(",")]
    remote = [host for host in hosts if not _is_loopback(host)]
    if remote and params.get("sslmode") != "verify-full":
        raise TeamSetupError(
            f"{remote[0]} is not this machine: add sslmode=verify-full to the URL (and sslrootcert=FILE when the "
            "server's certificate is not signed by a public authority)"
        )
    return params


def describe_url(params: dict[str, str]) -> str:
    """user@host:port/database, for messages (never the password)."""
    host = params.get("host") or "local socket"
    port = f":{params['port']}" if params.get("port") else ""
    return f"{params.get('user', '?')}@{host}{port}/{params.get('dbname') or params.get('user', '?')}"


def connect(url: str, password: str | None = None, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S) -> Connection:
    """An autocommit connection for `url` (checked by parse_team_url), or TeamSetupError / TeamUnavailable /
    TeamRefused."""
    params = parse_team_url(url)
    try:
        return psycopg.connect(
            url,
            password=password,
            connect_timeout=max(1, round(connect_timeout)),
            application_name=APPLICATION_NAME,
            autocommit=True,
            **CONNECTION_OPTIONS,
        )
    except psycopg.OperationalError as exc:
        message = one_line(str(exc), password).removeprefix("connection failed: ")
        kind = TeamRefused if "authentication failed" in message or "permission denied" in message else TeamUnavailable
        raise kind(f"cannot connect to {describe_url(params)}: {message}") from None


@contextmanager
def plain_errors(password: str | None = None) -> Iterator[None]:
    """Turn psycopg's errors raised inside into TeamError subclasses with one plain line."""
    try:
        yield
    except pg_errors.InsufficientPrivilege as exc:
        raise TeamRefused(one_line(exc.diag.message_primary or str(exc), password)) from None
    except psycopg.OperationalError as exc:
        raise TeamUnavailable(f"the team server connection failed: {one_line(str(exc), password)}") from None
    except psycopg.Error as exc:
        raise TeamError(one_line(exc.diag.message_primary or str(exc), password)) from None


@dataclass(frozen=True)
class Claim:
    """A list item claimed from the server: the agent may dial `number` until `lease_until`."""

    item_id: int
    number: str
    contact_id: int | None
    contact_name: str | None
    attempt: int
    lease_until: datetime
    callback: bool
    #: How long the lease runs, by the server's clock (a card's freshness is judged by it, never by this PC's clock).
    lease_seconds: float = 0.0


@dataclass(frozen=True)
class NumberClaim:
    """The answer to an ad-hoc dial's claim: `claimed`, or why not (the team's DNC, or who claimed it last)."""

    claimed: bool
    on_dnc: bool
    last_by: str | None
    last_at: datetime | None
    in_progress: bool

    def describe(self, now: datetime, me: str | None = None) -> str:
        """ "alice called 12 min ago" (or "is calling now"; "you called …" when `me` was the last), for the
        confirmation an ad-hoc dial needs."""
        if self.on_dnc:
            return "this number is on the team's do-not-call list"
        if self.last_by is None or self.last_at is None:
            return ""
        if self.in_progress:
            return f"{self.last_by} is calling this number now"
        who = "you" if self.last_by == me else self.last_by
        return f"{who} called {_ago(now - self.last_at)}"


def _ago(delta: Any) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "less than a minute ago"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago"


class TeamSession:
    """One agent's connection to the team database. Not thread-safe: one thread owns it."""

    def __init__(self, connection: Connection, password: str | None = None) -> None:
        self._connection = connection
        self._password = password

    @classmethod
    def open(cls, url: str, password: str | None = None, **options: Any) -> TeamSession:
        return cls(connect(url, password, **options), password)

    @property
    def connection(self) -> Connection:
        return self._connection

    @property
    def agent(self) -> str:
        return str(self._connection.info.user)

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> TeamSession:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _rows(self, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with plain_errors(self._password):
            return self._connection.execute(query, params).fetchall()

    def claim_next(self, list_id: int) -> Claim | None:
        """The next item of the list nobody else holds and whose number is out of its cool-off (None: nothing now)."""
        rows = self._rows("SELECT c.*, extract(epoch FROM c.lease_until - now()) FROM c2c.claim_next(%s) c", (list_id,))
        if not rows:
            return None
        item_id, number, contact_id, contact_name, attempt, lease_until, callback, lease_seconds = rows[0]
        return Claim(item_id, number, contact_id, contact_name, attempt, lease_until, callback, float(lease_seconds))

    def claim_number(self, number: str, *, confirmed: bool = False) -> NumberClaim:
        """Claim `number` (E.164) for an ad-hoc dial; `confirmed` takes it even inside its cool-off."""
        rows = self._rows("SELECT * FROM c2c.claim_number(%s, %s)", (number, confirmed))
        return NumberClaim(*rows[0])

    def release_claim(self, *, item_id: int | None = None, number: str | None = None) -> bool:
        """Skip: give back a claim that was not dialed. False when there was no live claim of this agent's."""
        return bool(self._rows("SELECT c2c.release_claim(%s, %s)", (item_id, number))[0][0])

    def finish_number(self, number: str) -> bool:
        """After an ad-hoc call: the number's lease ends (its cool-off still counts from the claim)."""
        return bool(self._rows("SELECT c2c.finish_number(%s)", (number,))[0][0])

    def finish_item(
        self,
        item_id: int,
        *,
        done: bool,
        outcome: str | None = None,
        retry_at: datetime | None = None,
        disposition: str | None = None,
    ) -> bool:
        """After the call: the item done, or open again from `retry_at`; `outcome` (an outcome value) and
        `disposition` are the call's."""
        return bool(
            self._rows(
                "SELECT c2c.finish_item(%s, %s, %s::text, %s::timestamptz, %s::text)",
                (item_id, done, outcome, retry_at, disposition),
            )[0][0]
        )

    def finish_item_late(self, item_id: int, *, outcome: str | None = None, disposition: str | None = None) -> bool:
        """A done item whose result reaches the server late (this agent's app could not tell it at once): closed
        even when another agent has claimed it since; the outcome and disposition are recorded only when nobody has.
        False when there was nothing to close (done already, deleted, or never called by this agent)."""
        query = "SELECT c2c.finish_item_late(%s, %s::text, %s::text)"
        return bool(self._rows(query, (item_id, outcome, disposition))[0][0])

    def schedule_callback(
        self,
        item_id: int,
        due_at: datetime,
        *,
        called: bool = False,
        outcome: str | None = None,
        disposition: str | None = None,
    ) -> bool:
        """Reserve the item (claimed last by this agent) for a callback at `due_at` (exempt from the cool-off).
        `called`: the callback is the result of a call, whose `outcome` and `disposition` the item records."""
        if not called:
            return bool(self._rows("SELECT c2c.schedule_callback(%s, %s)", (item_id, due_at))[0][0])
        query = "SELECT c2c.schedule_callback(%s, %s, %s::text, %s::text)"
        params = (item_id, due_at, outcome, disposition)
        return bool(self._rows(query, params)[0][0])

    def assigned_lists(self) -> list[tuple[int, str]]:
        """(id, name) of the lists this agent may claim from (all of them for a manager)."""
        return [
            (int(row[0]), str(row[1]))
            for row in self._rows("SELECT id, name FROM c2c.call_lists WHERE deleted_at IS NULL ORDER BY name", ())
        ]
