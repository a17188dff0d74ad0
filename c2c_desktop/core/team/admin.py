"""The manager's side of the team database: apply the migrations, add and remove agents, fill, assign and unassign
lists, the team's do-not-call list, status.

`init_team`, `add_agent` and `remove_agent` need the database's owner (a role with CREATEROLE); the rest works for a
c2c_manager.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from c2c_desktop.core.team.migrations import MIGRATION_LOCK_KEY, MIGRATIONS
from c2c_desktop.core.team.server import Connection, TeamError, TeamSetupError, one_line, plain_errors

#: PostgreSQL role names the app makes: lower case, so nobody has to quote them.
AGENT_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
RESERVED_PREFIXES = ("pg_", "c2c_")
RESERVED_NAMES = ("postgres", "public")
#: The window holds up to 3 (claims, sync, the listener); a `call` from a terminal and Settings → Team's check take
#: one more each.
CONNECTION_LIMIT = 5


def applied_versions(connection: Connection) -> list[int]:
    with plain_errors():
        if connection.execute("SELECT to_regclass('c2c.schema_migrations')").fetchone() == (None,):
            return []
        return [int(row[0]) for row in connection.execute("SELECT version FROM c2c.schema_migrations ORDER BY 1")]


def init_team(connection: Connection) -> list[int]:
    """Apply the migrations not applied yet, in one transaction; the versions applied now (empty: up to date)."""
    applied_now: list[int] = []
    with plain_errors(), connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        done = set(applied_versions(connection))
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            connection.execute(migration.sql.encode())  # several statements: the simple query protocol
            connection.execute("RESET ROLE")
            connection.execute("SET LOCAL ROLE c2c_owner")
            connection.execute(
                "INSERT INTO c2c.schema_migrations (version, description) VALUES (%s, %s)",
                (migration.version, migration.description),
            )
            connection.execute("RESET ROLE")
            applied_now.append(migration.version)
    return applied_now


def check_agent_name(name: str) -> str:
    if not AGENT_NAME.match(name) or name.startswith(RESERVED_PREFIXES) or name in RESERVED_NAMES:
        lower = name.lower()
        if lower != name and AGENT_NAME.match(lower) and not lower.startswith(RESERVED_PREFIXES):
            raise TeamSetupError(f"'{name}' cannot be an agent's name: use lower-case: {lower}")
        raise TeamSetupError(
            f"'{name}' cannot be an agent's name: use lower-case letters, digits and _ (not starting with a digit, "
            "pg_ or c2c_; at most 63 characters)"
        )
    return name


def add_agent(connection: Connection, name: str, password: str, *, manager: bool = False) -> None:
    """A login role for one person, in c2c_agent (or c2c_manager), at most CONNECTION_LIMIT connections, a SCRAM
    password.

    The password is hashed here (libpq's PQencryptPasswordConn): the server and its logs never see it in clear.
    """
    check_agent_name(name)
    if len(password) < 8:
        raise TeamSetupError("the password needs at least 8 characters")
    with plain_errors(password):
        if connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
            raise TeamSetupError(f"there is already a database role named {name}")
        verifier = connection.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
        group = "c2c_manager" if manager else "c2c_agent"
        connection.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION "
                "CONNECTION LIMIT {} PASSWORD {} IN ROLE {}"
            ).format(
                sql.Identifier(name),
                sql.Literal(CONNECTION_LIMIT),
                sql.Literal(verifier.decode()),
                sql.Identifier(group),
            )
        )


@dataclass(frozen=True)
class TeamList:
    list_id: int
    name: str
    assigned_to: tuple[str, ...]
    items: int
    done: int
    open: int
    in_flight: int


@dataclass(frozen=True)
class Member:
    name: str
    manager: bool
    calls: int


@dataclass(frozen=True)
class InFlight:
    number: str
    claimed_by: str
    claimed_at: datetime
    lease_until: datetime
    list_name: str | None


@dataclass(frozen=True)
class TeamStatus:
    members: list[Member]
    lists: list[TeamList]
    in_flight: list[InFlight]
    problems: list[str]


def create_list(connection: Connection, name: str, numbers: Sequence[str]) -> int:
    """A new team list with `numbers` (E.164) in that order; its id. For a manager or the owner."""
    with plain_errors(), connection.transaction():
        row = connection.execute("INSERT INTO c2c.call_lists (name) VALUES (%s) RETURNING id", (name,)).fetchone()
        assert row is not None
        list_id = int(row[0])
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO c2c.list_items (list_id, position, e164) VALUES (%s, %s, %s)",
                [(list_id, position, number) for position, number in enumerate(numbers, 1)],
            )
    return list_id


_TEAM_ROLES = (
    "WITH RECURSIVE team(oid) AS ("
    " SELECT oid FROM pg_roles WHERE rolname IN ('c2c_agent', 'c2c_manager')"
    " UNION SELECT a.member FROM pg_auth_members a JOIN team t ON a.roleid = t.oid) "
)


def members(connection: Connection) -> dict[str, bool]:
    """Every login role granted into the team's groups: name -> is a manager."""
    rows = connection.execute(
        _TEAM_ROLES + "SELECT r.rolname, pg_has_role(r.oid, 'c2c_manager', 'MEMBER') "
        "FROM pg_roles r JOIN team t ON t.oid = r.oid WHERE r.rolcanlogin ORDER BY 1"
    ).fetchall()
    return {str(name): bool(manager) for name, manager in rows}


def assign_list(connection: Connection, list_name: str, agents: Iterable[str]) -> tuple[str, ...]:
    """Add `agents` to the list's assignees; the assignees now. Unknown agents are refused, nothing changed."""
    wanted = list(dict.fromkeys(agents))
    with plain_errors(), connection.transaction():
        known = members(connection)
        unknown = [agent for agent in wanted if agent not in known]
        if unknown:
            raise TeamError(f"no team member named {', '.join(unknown)} (add one with: team add-agent NAME)")
        row = connection.execute(
            "UPDATE c2c.call_lists SET assigned_to = ARRAY(SELECT DISTINCT unnest(assigned_to || %s::text[]) "
            "ORDER BY 1) WHERE name = %s AND deleted_at IS NULL RETURNING assigned_to",
            (wanted, list_name),
        ).fetchone()
        if row is None:
            raise TeamError(f"there is no team list named {list_name}")
    return tuple(row[0])


def unassign_list(connection: Connection, list_name: str, agents: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """Take `agents` off the list's assignees (they pull no more of it; the list leaves their window): the assignees
    now, and those of `agents` who were not assigned to it."""
    wanted = list(dict.fromkeys(agents))
    with plain_errors(), connection.transaction():
        row = connection.execute(
            "SELECT assigned_to FROM c2c.call_lists WHERE name = %s AND deleted_at IS NULL FOR UPDATE", (list_name,)
        ).fetchone()
        if row is None:
            raise TeamError(f"there is no team list named {list_name}")
        not_assigned = [agent for agent in wanted if agent not in row[0]]
        if len(not_assigned) < len(wanted):
            row = connection.execute(
                "UPDATE c2c.call_lists SET assigned_to = ARRAY(SELECT unnest(assigned_to) EXCEPT "
                "SELECT unnest(%s::text[]) ORDER BY 1) WHERE name = %s AND deleted_at IS NULL RETURNING assigned_to",
                (wanted, list_name),
            ).fetchone()
            assert row is not None
    return tuple(row[0]), not_assigned


@dataclass(frozen=True)
class Removal:
    """What `remove_agent` did: the role dropped (else made NOLOGIN, with why), and what became of the agent's work."""

    name: str
    dropped: bool
    why_kept: str
    calls_kept: int
    claims_released: int
    callbacks_released: int
    lists_left: tuple[str, ...]


def remove_agent(connection: Connection, name: str) -> Removal:
    """Take a person out of the team, in one transaction: their calls and notes stay (under their name), the list
    items they hold are given back, their callbacks go back to the list, they leave every list's assignees and the
    number claims in flight end (each number's cool-off still counts from its claim). Their login role then leaves
    the team's groups and is dropped; where PostgreSQL refuses the drop (the role holds privileges or objects in
    another database), it stays, unable to log in (NOLOGIN). Needs the database's owner (a role with CREATEROLE)."""
    check_agent_name(name)
    with plain_errors(), connection.transaction():
        if name not in members(connection):
            raise TeamError(f"no team member named {name} (team status lists them)")
        if connection.execute("SELECT session_user = %s", (name,)).fetchone() == (True,):
            raise TeamSetupError(f"{name} is the role running this command: remove it as the database's owner")
        identifier = sql.Identifier(name)
        # First: no new session for them while the rest happens.
        connection.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(identifier))
        row = connection.execute("SELECT count(*) FROM c2c.calls WHERE agent = %s", (name,)).fetchone()
        calls = int(row[0]) if row else 0
        claims = connection.execute(
            "UPDATE c2c.list_items SET lease_until = now() WHERE claimed_by = %s AND lease_until > now() "
            "AND deleted_at IS NULL RETURNING id",
            (name,),
        ).fetchall()
        callbacks = connection.execute(
            "UPDATE c2c.list_items SET callback_at = NULL, callback_by = NULL WHERE callback_by = %s "
            "AND state = 'open' AND deleted_at IS NULL RETURNING id",
            (name,),
        ).fetchall()
        connection.execute(
            "UPDATE c2c.dial_guard SET lease_until = now() WHERE claimed_by = %s AND lease_until > now()", (name,)
        )
        lists = connection.execute(
            "UPDATE c2c.call_lists SET assigned_to = array_remove(assigned_to, %s) WHERE %s = ANY (assigned_to) "
            "AND deleted_at IS NULL RETURNING name",
            (name, name),
        ).fetchall()
        for group in ("c2c_agent", "c2c_manager"):
            if connection.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (name, group)).fetchone() == (True,):
                connection.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(group), identifier))
        dropped, why_kept = True, ""
        try:
            with connection.transaction():  # a savepoint: a refused drop leaves the rest done
                connection.execute(sql.SQL("DROP ROLE {}").format(identifier))
        except psycopg.Error as exc:
            dropped, why_kept = False, one_line(exc.diag.message_primary or str(exc))
    return Removal(
        name, dropped, why_kept, calls, len(claims), len(callbacks), tuple(sorted(str(each[0]) for each in lists))
    )


@dataclass(frozen=True)
class DncEntry:
    e164: str
    reason: str
    added_by: str
    added_at: datetime


def add_dnc(connection: Connection, numbers: Sequence[str], reason: str = "") -> tuple[list[str], list[str]]:
    """Put the numbers (E.164) on the team's do-not-call list: those added now, and those already on it. A number
    taken off before comes back (the same row: agents' pulls see it change)."""
    added: list[str] = []
    already: list[str] = []
    with plain_errors(), connection.transaction():
        for number in dict.fromkeys(numbers):
            row = connection.execute(
                "INSERT INTO c2c.dnc AS d (e164, reason) VALUES (%s, %s) ON CONFLICT (e164) DO UPDATE "
                "SET reason = excluded.reason, added_by = excluded.added_by, added_at = now(), deleted_at = NULL "
                "WHERE d.deleted_at IS NOT NULL RETURNING e164",
                (number, reason),
            ).fetchone()
            (added if row else already).append(number)
    return added, already


def remove_dnc(connection: Connection, numbers: Sequence[str]) -> tuple[list[str], list[str]]:
    """Take the numbers off the team's do-not-call list (a soft delete, so each agent's next pull drops them from
    its mirror): those taken off, and those that were not on it."""
    wanted = list(dict.fromkeys(numbers))
    with plain_errors(), connection.transaction():
        rows = connection.execute(
            "UPDATE c2c.dnc SET deleted_at = now() WHERE e164 = ANY (%s) AND deleted_at IS NULL RETURNING e164",
            (wanted,),
        ).fetchall()
    removed = {str(row[0]) for row in rows}
    return [number for number in wanted if number in removed], [number for number in wanted if number not in removed]


def dnc_entries(connection: Connection) -> list[DncEntry]:
    """The team's do-not-call list, by number."""
    with plain_errors():
        return [
            DncEntry(str(e164), str(reason), str(added_by), added_at)
            for e164, reason, added_by, added_at in connection.execute(
                "SELECT e164, reason, added_by, added_at FROM c2c.dnc WHERE deleted_at IS NULL ORDER BY e164"
            )
        ]


def team_lists(connection: Connection) -> list[TeamList]:
    """The team's lists with their assignees and progress (done, open, in flight), by name."""
    with plain_errors():
        return [
            TeamList(int(row[0]), str(row[1]), tuple(row[2]), int(row[3]), int(row[4]), int(row[5]), int(row[6]))
            for row in connection.execute(
                "SELECT l.id, l.name, l.assigned_to, count(i.id), "
                "count(i.id) FILTER (WHERE i.state = 'done'), count(i.id) FILTER (WHERE i.state = 'open'), "
                "count(i.id) FILTER (WHERE i.lease_until > now()) "
                "FROM c2c.call_lists l LEFT JOIN c2c.list_items i ON i.list_id = l.id AND i.deleted_at IS NULL "
                "WHERE l.deleted_at IS NULL GROUP BY l.id ORDER BY l.name"
            )
        ]


def security_problems(connection: Connection) -> list[str]:
    """What breaks the team's guarantees: a login role of the team that is a superuser, has BYPASSRLS or owns a
    table of the schema (each of those skips row-level security)."""
    rows = connection.execute(
        _TEAM_ROLES + "SELECT r.rolname, r.rolsuper, r.rolbypassrls, "
        "EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "        WHERE n.nspname = 'c2c' AND c.relowner = r.oid), "
        "NOT r.rolsuper AND pg_has_role(r.oid, 'c2c_owner', 'MEMBER') "
        "FROM pg_roles r JOIN team t ON t.oid = r.oid WHERE r.rolcanlogin ORDER BY 1"
    ).fetchall()
    problems = []
    for name, superuser, bypass, owns, acts_as_owner in rows:
        if superuser:
            problems.append(f"{name} is a superuser")
        if bypass:
            problems.append(f"{name} has BYPASSRLS")
        if owns:
            problems.append(f"{name} owns tables of the team schema")
        if acts_as_owner:
            problems.append(f"{name} can act as c2c_owner")
    return problems


def team_status(connection: Connection) -> TeamStatus:
    """Members, lists with their progress, the claims in flight. For a manager or the owner."""
    with plain_errors():
        known = members(connection)
        calls = dict(connection.execute("SELECT agent, count(*) FROM c2c.calls GROUP BY agent").fetchall())
        lists = team_lists(connection)
        in_flight = [InFlight(*row) for row in connection.execute("SELECT * FROM c2c.claims_in_flight()")]
        problems = security_problems(connection)
    return TeamStatus(
        [Member(name, manager, int(calls.get(name, 0))) for name, manager in known.items()], lists, in_flight, problems
    )
