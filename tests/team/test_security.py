"""Who sees and writes what in the team database (issue 13, acceptance 6), the schema's migrations, and TLS with
sslmode=verify-full against a server certificate from trustme."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest

from c2c_desktop.core.team import admin
from c2c_desktop.core.team.migrations import LATEST_VERSION, STAMPED_TABLES
from c2c_desktop.core.team.server import TeamRefused, TeamSession, TeamSetupError, TeamUnavailable, parse_team_url
from tests.team.conftest import CERT_HOST, TeamDb, init_team_up_to

pytestmark = pytest.mark.postgres


def _insert_call(session: TeamSession, agent: str | None = None) -> None:
    columns = "client_uuid, e164, state, started_at" + (", agent" if agent else "")
    values = "%s, '+15550007000', 'placing', now()" + (", %s" if agent else "")
    params = (uuid.uuid4(),) + ((agent,) if agent else ())
    session.connection.execute(f"INSERT INTO c2c.calls ({columns}) VALUES ({values})", params)


def _insert_note(session: TeamSession, agent: str | None = None) -> None:
    if agent:
        session.connection.execute(
            "INSERT INTO c2c.notes (client_uuid, body, agent) VALUES (%s, 'hello', %s)", (uuid.uuid4(), agent)
        )
    else:
        session.connection.execute("INSERT INTO c2c.notes (client_uuid, body) VALUES (%s, 'hello')", (uuid.uuid4(),))


def _names(session: TeamSession, query: str) -> list[str]:
    return sorted(str(row[0]) for row in session.connection.execute(query))


@pytest.fixture
def team(team_db: TeamDb) -> tuple[TeamDb, str, str, str]:
    """alice on East and Both, bob on West and Both, boss a manager; each wrote a call and a note."""
    alice, bob, boss = team_db.add_agent("alice"), team_db.add_agent("bob"), team_db.add_agent("boss", manager=True)
    with team_db.owner() as owner:
        for name, numbers, agents in (
            ("East", ["+15550007001"], [alice]),
            ("West", ["+15550007002"], [bob]),
            ("Both", ["+15550007003"], [alice, bob]),
        ):
            admin.create_list(owner, name, numbers)
            admin.assign_list(owner, name, agents)
        owner.execute("INSERT INTO c2c.contacts (name, e164) VALUES ('Ann', '+15550007001')")
        owner.execute("INSERT INTO c2c.dnc (e164) VALUES ('+15550007099')")
    for agent in (alice, bob):
        with team_db.session(agent) as session:
            _insert_call(session)
            _insert_note(session)
    return team_db, alice, bob, boss


def test_an_agent_reads_only_its_lists_and_its_own_calls_and_notes(team: tuple[TeamDb, str, str, str]) -> None:
    team_db, alice, bob, _ = team
    with team_db.session(alice) as session:
        assert [name for _, name in session.assigned_lists()] == ["Both", "East"]
        assert _names(session, "SELECT e164 FROM c2c.list_items") == ["+15550007001", "+15550007003"]
        assert _names(session, "SELECT agent FROM c2c.calls") == [alice]
        assert _names(session, "SELECT agent FROM c2c.notes") == [alice]
        assert _names(session, "SELECT name FROM c2c.contacts") == ["Ann"]  # the team's contacts and DNC
        assert _names(session, "SELECT e164 FROM c2c.dnc") == ["+15550007099"]
    with team_db.session(bob) as session:
        assert [name for _, name in session.assigned_lists()] == ["Both", "West"]
        assert _names(session, "SELECT agent FROM c2c.calls") == [bob]


def test_the_manager_reads_everything(team: tuple[TeamDb, str, str, str]) -> None:
    team_db, alice, bob, boss = team
    with team_db.session(boss) as session:
        assert [name for _, name in session.assigned_lists()] == ["Both", "East", "West"]
        assert len(_names(session, "SELECT e164 FROM c2c.list_items")) == 3
        assert _names(session, "SELECT agent FROM c2c.calls") == sorted([alice, bob])
        assert _names(session, "SELECT agent FROM c2c.notes") == sorted([alice, bob])
        assert session.connection.execute("SELECT count(*) FROM c2c.claims_in_flight()").fetchone() == (0,)


@pytest.mark.parametrize("write", [_insert_call, _insert_note], ids=["call", "note"])
def test_writing_as_another_agent_fails(team: tuple[TeamDb, str, str, str], write) -> None:  # type: ignore[no-untyped-def]
    team_db, alice, bob, boss = team
    for writer, victim in ((alice, bob), (boss, alice)):
        with team_db.session(writer) as session, pytest.raises(psycopg.errors.InsufficientPrivilege):
            write(session, victim)
    with team_db.session(alice) as session:
        # Nor can an agent move its own row to someone else, or touch another's.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            session.connection.execute("UPDATE c2c.calls SET agent = %s", (bob,))
        assert session.connection.execute("UPDATE c2c.notes SET body = 'x' WHERE agent = %s", (bob,)).rowcount == 0


def test_an_agent_cannot_reach_the_guard_or_edit_lists_directly(team: tuple[TeamDb, str, str, str]) -> None:
    team_db, alice, _, _ = team
    refused = [
        "SELECT * FROM c2c.dial_guard",
        "SELECT * FROM c2c.claims_in_flight()",
        "UPDATE c2c.list_items SET lease_until = NULL",
        "UPDATE c2c.call_lists SET assigned_to = '{}'",
        "UPDATE c2c.team_settings SET cool_off = '0'",
        "SELECT c2c.take_number('+15550007001', 'x', NULL, true, '0', '1 s')",
    ]
    with team_db.session(alice) as session:
        for query in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                session.connection.execute(query)


def test_no_team_login_role_can_skip_row_level_security(team: tuple[TeamDb, str, str, str]) -> None:
    team_db, alice, bob, boss = team
    with team_db.owner() as owner:
        rows = owner.execute(
            "SELECT rolname, rolsuper, rolbypassrls, rolcanlogin, rolconnlimit FROM pg_roles WHERE rolname = ANY(%s)",
            ([alice, bob, boss],),
        ).fetchall()
        assert sorted(rows) == sorted((name, False, False, True, admin.CONNECTION_LIMIT) for name in (alice, bob, boss))
        owners = owner.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'c2c'"
        ).fetchall()
        assert owners == [("c2c_owner",)]
        forced = owner.execute(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'c2c' AND c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"
        ).fetchall()
        assert forced == []
        assert admin.security_problems(owner) == []
        # The check finds a role that would skip the policies.
        owner.execute(f'ALTER ROLE "{bob}" BYPASSRLS')
        owner.execute(f'GRANT c2c_owner TO "{alice}"')
        assert admin.security_problems(owner) == [f"{alice} can act as c2c_owner", f"{bob} has BYPASSRLS"]


def test_init_is_idempotent_and_records_its_version(team_db: TeamDb) -> None:
    with team_db.owner() as owner:
        assert admin.init_team(owner) == []
        assert admin.applied_versions(owner) == list(range(1, LATEST_VERSION + 1)) == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_every_pulled_table_gets_a_new_change_stamp_on_update_and_a_finished_call_stays_finished(
    team: tuple[TeamDb, str, str, str],
) -> None:
    team_db, alice, _, _ = team
    with team_db.owner() as owner:
        for table in STAMPED_TABLES:
            before = owner.execute(f"SELECT txid::text, seq FROM c2c.{table} ORDER BY seq LIMIT 1").fetchone()
            assert before is not None, table
            column = "cool_off" if table == "team_settings" else "deleted_at"
            owner.execute(f"UPDATE c2c.{table} SET {column} = {column} WHERE seq = %s", (before[1],))
            after = owner.execute(f"SELECT txid::text, seq FROM c2c.{table} ORDER BY seq DESC LIMIT 1").fetchone()
            assert after is not None and int(after[0]) > int(before[0]) and after[1] > before[1], table
    with team_db.session(alice) as session:
        key = uuid.uuid4()
        upsert = (
            "INSERT INTO c2c.calls (client_uuid, e164, state, started_at) VALUES (%s, '+15550007000', %s, now()) "
            "ON CONFLICT (agent, client_uuid) DO UPDATE SET state = excluded.state"
        )
        for state in ("placing", "placing", "done", "placing"):  # replays out of order
            session.connection.execute(upsert, (key, state))
        rows = session.connection.execute("SELECT state FROM c2c.calls WHERE client_uuid = %s", (key,)).fetchall()
        assert rows == [("done",)]


def test_verify_full_connects_for_the_certificate_s_host_name_only(team_db: TeamDb, pg_tls_ca: Path) -> None:
    alice = team_db.add_agent("alice")
    tls = {"hostaddr": "127.0.0.1", "sslmode": "verify-full", "sslrootcert": str(pg_tls_ca)}
    with TeamSession.open(
        team_db.cluster.tcp_url(alice, team_db.name, CERT_HOST, **tls), team_db.passwords[alice]
    ) as s:
        assert s.connection.pgconn.ssl_in_use
        assert s.connection.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)
    wrong = team_db.cluster.tcp_url(alice, team_db.name, "other.team.test", **tls)
    with pytest.raises(TeamUnavailable) as raised:
        TeamSession.open(wrong, team_db.passwords[alice])
    assert str(raised.value) == (
        "the server's certificate does not match other.team.test: connect by the name the certificate was made for"
    )
    assert team_db.passwords[alice] not in str(raised.value)


def test_a_remote_host_without_verify_full_is_refused_before_connecting(team_db: TeamDb) -> None:
    for params in ({}, {"sslmode": "require"}, {"sslmode": "verify-ca"}):
        with pytest.raises(TeamSetupError, match="sslmode=verify-full"):
            parse_team_url(team_db.cluster.tcp_url("alice", team_db.name, CERT_HOST, hostaddr="127.0.0.1", **params))
    with pytest.raises(TeamSetupError, match="password"):
        parse_team_url("postgresql://alice:secret@127.0.0.1/team")
    assert parse_team_url(team_db.cluster.tcp_url("alice", team_db.name))["host"] == "127.0.0.1"


def test_a_role_outside_the_team_cannot_connect(team_db: TeamDb) -> None:
    with team_db.owner() as owner:
        owner.execute("CREATE ROLE stranger_1 LOGIN PASSWORD 'stranger-pass'")
    try:
        with pytest.raises(TeamRefused, match=f"stranger_1 may not connect to the database {team_db.name} at "):
            TeamSession.open(team_db.url("stranger_1"), "stranger-pass")
    finally:
        with team_db.owner() as owner:
            owner.execute("DROP ROLE stranger_1")


def test_an_agent_added_with_the_old_limit_of_3_connections_gets_5_when_team_init_runs_again(blank_db: TeamDb) -> None:
    with blank_db.owner() as owner:
        init_team_up_to(owner, 7)
        alice = blank_db.add_agent("alice")
        owner.execute(f'ALTER ROLE "{alice}" CONNECTION LIMIT 3')  # as agents were added before version 8
        assert admin.init_team(owner) == [8, 9]
        limits = owner.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", (alice,)).fetchone()
    assert limits == (admin.CONNECTION_LIMIT,) == (5,)
