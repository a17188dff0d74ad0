"""The manager's side of the team database: apply the migrations, add agents, fill and assign lists, status.

`init_team` and `add_agent` need the database's owner (a role with CREATEROLE); the rest works for a c2c_manager.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg import sql

from c2c_desktop.core.team.migrations import MIGRATION_LOCK_KEY, MIGRATIONS
from c2c_desktop.core.team.server import Connection, TeamError, TeamSetupError, plain_errors

#: PostgreSQL role names the app makes: lower case, so nobody has to quote them.
AGENT_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
RESERVED_PREFIXES = ("pg_", "c2c_")
RESERVED_NAMES = ("postgres", "public")
CONNECTION_LIMIT = 3


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
        raise TeamSetupError(
            f"'{name}' cannot be an agent's name: use lower-case letters, digits and _ (not starting with a digit, "
            "pg_ or c2c_; at most 63)"
        )
    return name


def add_agent(connection: Connection, name: str, password: str, *, manager: bool = False) -> None:
    """A login role for one person, in c2c_agent (or c2c_manager), at most 3 connections, a SCRAM password.

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
        lists = [
            TeamList(int(row[0]), str(row[1]), tuple(row[2]), int(row[3]), int(row[4]), int(row[5]), int(row[6]))
            for row in connection.execute(
                "SELECT l.id, l.name, l.assigned_to, count(i.id), "
                "count(i.id) FILTER (WHERE i.state = 'done'), count(i.id) FILTER (WHERE i.state = 'open'), "
                "count(i.id) FILTER (WHERE i.lease_until > now()) "
                "FROM c2c.call_lists l LEFT JOIN c2c.list_items i ON i.list_id = l.id AND i.deleted_at IS NULL "
                "WHERE l.deleted_at IS NULL GROUP BY l.id ORDER BY l.name"
            )
        ]
        in_flight = [InFlight(*row) for row in connection.execute("SELECT * FROM c2c.claims_in_flight()")]
        problems = security_problems(connection)
    return TeamStatus(
        [Member(name, manager, int(calls.get(name, 0))) for name, manager in known.items()], lists, in_flight, problems
    )
