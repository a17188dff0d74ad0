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


class TeamSignInRefused(TeamRefused):
    """The server would not let the agent in: a wrong password or no such user, or a login it disabled."""


class TeamNoPassword(TeamSignInRefused):
    """The server asks for a password and none was given (none saved, no PGPASSWORD or ~/.pgpass entry)."""


#: TeamNoPassword's text: where a password can come from.
NO_PASSWORD_TEXT = "no password: run `c2c-desktop team login` (or set PGPASSWORD / ~/.pgpass)"


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


def url_account(url: str) -> str:
    """user@host:port/database of a team_url (as `core.team.sync.account_of` names a session's): the account a
    journal row made in team mode belongs to. TeamSetupError for a URL parse_team_url refuses."""
    params = parse_team_url(url)
    host = params.get("host") or params.get("hostaddr") or "/var/run/postgresql"
    return f"{params['user']}@{host}:{params.get('port') or 5432}/{params.get('dbname') or params['user']}"


def connect(url: str, password: str | None = None, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S) -> Connection:
    """An autocommit connection for `url` (checked by parse_team_url), or TeamSetupError / TeamUnavailable /
    TeamRefused (TeamNoPassword when the server wants a password and none was given), each one plain line."""
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
        raise connection_error(params, one_line(str(exc), password)) from None


def _server_place(params: dict[str, str]) -> str:
    """HOST:PORT (the socket's folder for a unix socket), for messages."""
    host = params.get("host") or params.get("hostaddr") or "local socket"
    return f"{host}:{params['port']}" if params.get("port") else host


_UNTRUSTED = "is not trusted: add sslrootcert=FILE (the certificate of the authority that signed it) to the URL"

#: libpq's connection failures (after "connection to server at … failed:"), as one plain line each. Matched in order.
_CONNECT_FAILURES: tuple[tuple[str, type[TeamError], str], ...] = (
    (r"fe_sendauth: no password supplied", TeamNoPassword, NO_PASSWORD_TEXT),
    (
        r"password authentication failed",
        TeamSignInRefused,
        "wrong password for {user} at {place}/{db}, or no such user",
    ),
    (
        r"is not permitted to log in",
        TeamSignInRefused,
        "{user} may no longer sign in at {place}/{db} (ask the manager)",
    ),
    (
        r"too many connections for role",
        TeamRefused,
        "{user} already has as many connections open as allowed at {place} (close another c2c-desktop of yours)",
    ),
    (
        r"permission denied for database|no pg_hba\.conf entry",
        TeamRefused,
        "{user} may not connect to the database {db} at {place} (is it the team's database?)",
    ),
    (
        r'database "[^"]*" does not exist',
        TeamUnavailable,
        "there is no database {db} at {place} (check the URL; the manager creates it and runs team init)",
    ),
    (
        r"does not match host name",
        TeamUnavailable,
        "the server's certificate does not match {host}: connect by the name the certificate was made for",
    ),
    (
        r'root certificate file "[^"]*" does not exist',
        TeamUnavailable,
        "the server's certificate at {place} {root_hint}",
    ),
    (
        r"certificate verify failed|self[- ]signed certificate|unable to get local issuer",
        TeamUnavailable,
        "the server's certificate at {place} " + _UNTRUSTED,
    ),
    (
        r"could not translate host name|failed to resolve host|Name or service not known",
        TeamUnavailable,
        "the team server's name {host} is not known here (check the URL and the network)",
    ),
    (
        r"Connection refused|timeout expired|timed out|No route to host|Network is unreachable|No such file or "
        r"directory|server closed the connection unexpectedly|the database system is (starting up|shutting down)",
        TeamUnavailable,
        "the team server at {place} is not answering (is it running?)",
    ),
)


def connection_error(params: dict[str, str], message: str) -> TeamError:
    """The TeamError for libpq's failure `message` (already scrubbed of the password), one plain line."""
    user = params.get("user", "?")
    fields = {
        "user": user,
        "place": _server_place(params),
        "host": params.get("host") or params.get("hostaddr") or "this machine",
        "db": params.get("dbname") or user,
        "root_hint": (
            f"cannot be checked: the sslrootcert file {params['sslrootcert']} does not exist"
            if params.get("sslrootcert")
            else _UNTRUSTED
        ),
    }
    for pattern, kind, text in _CONNECT_FAILURES:
        if re.search(pattern, message):
            return kind(text.format(**fields))
    detail = re.sub(r"^(connection failed: )?connection to server (at|on) .*? failed: (FATAL: )?", "", message)
    return TeamUnavailable(f"cannot connect to {describe_url(params)}: {detail}")


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


@dataclass(frozen=True)
class Taken:
    """A claim granted on a session and not given back or finished since: a list item's, or an ad-hoc number's."""

    item_id: int | None = None
    number: str | None = None

    def give_back(self, session: TeamSession) -> bool:
        """Release it (nothing was dialled); False when it was no longer live."""
        if self.item_id is not None:
            return session.release_claim(item_id=self.item_id)
        return session.release_claim(number=self.number)


def _ago(delta: Any) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "less than a minute ago"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago"


class TeamSession:
    """One agent's connection to the team database. Not thread-safe: one thread owns it.

    `taken` lists the claims granted on it and not given back or finished since (the owner clears it): a claim
    whose caller gave up waiting can then be given back (gui/team.py).
    """

    def __init__(
        self, connection: Connection, password: str | None = None, *, taken: list[Taken] | None = None
    ) -> None:
        self._connection = connection
        self._password = password
        self.taken: list[Taken] = taken if taken is not None else []

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
        claim = Claim(item_id, number, contact_id, contact_name, attempt, lease_until, callback, float(lease_seconds))
        self.taken.append(Taken(item_id=claim.item_id))
        return claim

    def claim_number(self, number: str, *, confirmed: bool = False) -> NumberClaim:
        """Claim `number` (E.164) for an ad-hoc dial; `confirmed` takes it even inside its cool-off."""
        rows = self._rows("SELECT * FROM c2c.claim_number(%s, %s)", (number, confirmed))
        answer = NumberClaim(*rows[0])
        if answer.claimed:
            self.taken.append(Taken(number=number))
        return answer

    def release_claim(self, *, item_id: int | None = None, number: str | None = None) -> bool:
        """Skip: give back a claim that was not dialed. False when there was no live claim of this agent's."""
        self._settled(item_id=item_id, number=number)
        return bool(self._rows("SELECT c2c.release_claim(%s, %s)", (item_id, number))[0][0])

    def finish_number(self, number: str) -> bool:
        """After an ad-hoc call: the number's lease ends (its cool-off still counts from the claim)."""
        self._settled(number=number)
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
        self._settled(item_id=item_id)
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
        self._settled(item_id=item_id)
        if not called:
            return bool(self._rows("SELECT c2c.schedule_callback(%s, %s)", (item_id, due_at))[0][0])
        query = "SELECT c2c.schedule_callback(%s, %s, %s::text, %s::text)"
        params = (item_id, due_at, outcome, disposition)
        return bool(self._rows(query, params)[0][0])

    def _settled(self, *, item_id: int | None = None, number: str | None = None) -> None:
        """The caller has decided about this claim (before asking the server: a failed answer leaves it decided)."""
        self.taken[:] = [
            each
            for each in self.taken
            if not ((item_id is not None and each.item_id == item_id) or (number is not None and each.number == number))
        ]

    def assigned_lists(self) -> list[tuple[int, str]]:
        """(id, name) of the lists this agent may claim from (all of them for a manager)."""
        return [
            (int(row[0]), str(row[1]))
            for row in self._rows("SELECT id, name FROM c2c.call_lists WHERE deleted_at IS NULL ORDER BY name", ())
        ]
