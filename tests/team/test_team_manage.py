"""A manager runs the team from the command line (new-user pass): the team's do-not-call list, unassigning a list,
removing an agent, listing the lists; every team command finds its URL and password in the same places; a password
typed as an argument is never echoed. Real subprocesses against the session's PostgreSQL, a real SQLite mirror."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop import APP_NAME
from c2c_desktop.core.store import Store
from c2c_desktop.core.team import admin
from c2c_desktop.core.team.credentials import keyring_username
from c2c_desktop.core.team.server import TeamRefused
from c2c_desktop.core.team.sync import TeamSync
from tests.team.conftest import TeamDb, c2c

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "c2c.db") as opened:
        yield opened


def _list(team_db: TeamDb, name: str, numbers: list[str], *agents: str) -> int:
    with team_db.owner() as owner:
        list_id = admin.create_list(owner, name, numbers)
        if agents:
            admin.assign_list(owner, name, agents)
    return list_id


# --- the team's do-not-call list -------------------------------------------------------------------------------------


def test_the_manager_adds_lists_and_removes_team_dnc_numbers_and_the_agents_pull_sees_both(
    team_db: TeamDb, store: Store
) -> None:
    alice = team_db.add_agent("alice")
    list_id = _list(team_db, "East", ["+15550008001", "+15550008002"], alice)
    url = team_db.owner_url
    # Typed as a person would: read as the local do-not-call list reads a number (the settings' region, US).
    added = _ok(c2c("team", "dnc", "add", "(555) 000-8001", "+1 555 000 8009", "--reason", "asked", "--url", url))
    assert added.splitlines() == [
        "+15550008001 added to the team's do-not-call list",
        "+15550008009 added to the team's do-not-call list",
    ]
    again = _ok(c2c("team", "dnc", "add", "555-000-8001", "--url", url))
    assert again.strip() == "+15550008001 is already on the team's do-not-call list"
    listed = _ok(c2c("team", "dnc", "list", "--url", url)).splitlines()
    assert [line.split()[0] for line in listed] == ["+15550008001", "+15550008009"]
    assert listed[0].endswith("(asked)") and "added by postgres" in listed[0]
    bad = c2c("team", "dnc", "add", "12", "--url", url)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "nothing was changed" in bad.stderr

    with team_db.session(alice) as session:
        sync = TeamSync(store, session)
        sync.pull()
        mirrored = {row[0] for row in store.connection.execute("SELECT e164 FROM team_dnc")}
        assert mirrored == {"+15550008001", "+15550008009"}
        claim = session.claim_next(list_id)
        assert claim is not None and claim.number == "+15550008002"  # the number on the DNC is never claimed
        session.release_claim(item_id=claim.item_id)

        removed = _ok(c2c("team", "dnc", "remove", "5550008001", "5550008003", "--url", url))
        assert removed.splitlines() == [
            "+15550008001 taken off the team's do-not-call list",
            "+15550008003 is not on the team's do-not-call list",
        ]
        assert sync.pull().changed["dnc"] == 1  # a soft delete: the next pull sees it go
        assert [row[0] for row in store.connection.execute("SELECT e164 FROM team_dnc")] == ["+15550008009"]
        assert session.claim_number("+15550008001").claimed
    with team_db.owner() as owner:
        assert owner.execute("SELECT deleted_at IS NOT NULL FROM c2c.dnc WHERE e164 = '+15550008001'").fetchone() == (
            True,
        )
    back = _ok(c2c("team", "dnc", "add", "5550008001", "--url", url))  # the same row comes back
    assert back.strip() == "+15550008001 added to the team's do-not-call list"
    assert len(_ok(c2c("team", "dnc", "list", "--url", url)).splitlines()) == 2


def test_an_agent_cannot_take_a_number_off_the_team_dnc(team_db: TeamDb) -> None:
    bob = team_db.add_agent("bob")
    _ok(c2c("team", "dnc", "add", "5550008001", "--url", team_db.owner_url))
    with team_db.session(bob) as session, pytest.raises(TeamRefused, match="permission denied"):
        admin.remove_dnc(session.connection, ["+15550008001"])
    with team_db.owner() as owner:
        assert [entry.e164 for entry in admin.dnc_entries(owner)] == ["+15550008001"]


# --- lists -----------------------------------------------------------------------------------------------------------


def test_unassigning_a_list_takes_it_out_of_the_agents_pull_and_team_lists_shows_assignees_and_progress(
    team_db: TeamDb, store: Store
) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _list(team_db, "East", ["+15550008001", "+15550008002"], alice, bob)
    _list(team_db, "West", ["+15550008003"])
    url = team_db.owner_url
    with team_db.session(alice) as session:
        sync = TeamSync(store, session)
        sync.pull()
        assert [row[0] for row in store.connection.execute("SELECT name FROM call_lists")] == ["East"]
        claim = session.claim_next(list_id)
        assert claim is not None
        shown = _ok(c2c("team", "lists", "--url", url)).splitlines()
        assert shown == [
            "Lists:",
            f"  East                 0/2 done (0%), 2 open, 1 in flight; assigned to {alice}, {bob}",
            "  West                 0/1 done (0%), 1 open, 0 in flight; assigned to nobody",
        ]
        result = _ok(c2c("team", "lists", "unassign", "East", alice, "nobody_else", "--url", url))
        assert result.splitlines() == ["East: nobody_else was not assigned", f"East: assigned to {bob}"]
        sync.pull()
        assert store.connection.execute("SELECT count(*) FROM call_lists WHERE deleted_at IS NULL").fetchone() == (0,)
        assert session.assigned_lists() == []
    missing = c2c("team", "lists", "unassign", "North", bob, "--url", url)
    assert missing.returncode == 2 and "no team list named North" in missing.stderr


# --- removing an agent -----------------------------------------------------------------------------------------------


def _role_exists(team_db: TeamDb, name: str) -> tuple[bool, bool] | None:
    """(can log in, in a team group) of a role, or None when it is gone."""
    with team_db.owner() as owner:
        row = owner.execute(
            "SELECT rolcanlogin, pg_has_role(oid, 'c2c_agent', 'MEMBER') OR pg_has_role(oid, 'c2c_manager', 'MEMBER') "
            "FROM pg_roles WHERE rolname = %s",
            (name,),
        ).fetchone()
    return None if row is None else (bool(row[0]), bool(row[1]))


def test_removing_an_agent_keeps_their_calls_gives_back_their_leads_and_drops_the_login_role(
    team_db: TeamDb, store: Store
) -> None:
    alice, bob = team_db.add_agent("alice"), team_db.add_agent("bob")
    list_id = _list(team_db, "East", ["+15550008001", "+15550008002", "+15550008003"], alice, bob)
    with team_db.session(alice) as session:
        held = session.claim_next(list_id)
        later = session.claim_next(list_id)
        assert held is not None and later is not None
        from datetime import UTC, datetime, timedelta

        assert session.schedule_callback(later.item_id, datetime.now(UTC) + timedelta(hours=2))
        session.connection.execute(
            "INSERT INTO c2c.calls (client_uuid, e164, state, outcome, started_at) "
            "VALUES (gen_random_uuid(), %s, 'done', 'connected', now())",
            (held.number,),
        )
    still_open = team_db.session(alice)  # her window, still connected
    result = c2c("team", "remove-agent", alice, "--url", team_db.owner_url)
    assert result.returncode == 0, result.stderr
    with still_open, pytest.raises(TeamRefused, match="permission denied"):  # out of the group: nothing to read
        still_open.assigned_lists()
    assert result.stdout.splitlines() == [
        f"removed {alice} from the team: 1 call kept under their name; 1 lead they held and 1 callback given back to "
        "the lists (each number once its cool-off from their claim ends); no longer assigned to East",
        f"the login role {alice} is dropped",
    ]
    assert _role_exists(team_db, alice) is None
    team_db.roles.remove(alice)
    with team_db.owner() as owner:
        assert owner.execute("SELECT count(*) FROM c2c.calls WHERE agent = %s", (alice,)).fetchone() == (1,)
        assert owner.execute("SELECT assigned_to FROM c2c.call_lists").fetchone() == ([bob],)
        # Nothing is held for alice any more; each number's cool-off still counts from her claim.
        assert owner.execute(
            "SELECT count(*) FROM c2c.list_items WHERE lease_until > now() OR callback_by IS NOT NULL"
        ).fetchone() == (0,)
    with team_db.session(bob) as session:  # her two numbers are in their cool-off from her claims
        first = session.claim_next(list_id)
        assert first is not None and first.number == "+15550008003" and session.claim_next(list_id) is None
    gone = c2c("team", "remove-agent", alice, "--url", team_db.owner_url)
    assert gone.returncode == 2 and f"no team member named {alice}" in gone.stderr


def test_a_role_that_cannot_be_dropped_is_left_unable_to_log_in_and_out_of_the_team(team_db: TeamDb) -> None:
    alice = team_db.add_agent("alice")
    with team_db.owner() as owner:  # a privilege in another database: PostgreSQL refuses DROP ROLE then
        owner.execute(f'GRANT CONNECT ON DATABASE postgres TO "{alice}"')
    try:
        result = c2c("team", "remove-agent", alice, "--url", team_db.owner_url)
        assert result.returncode == 0, result.stderr
        last = result.stdout.splitlines()[-1]
        assert last.startswith(f'the login role {alice} could not be dropped (role "{alice}" cannot be dropped')
        assert last.endswith("it stays, out of the team and unable to log in (NOLOGIN)")
        assert _role_exists(team_db, alice) == (False, False)
        refused = c2c("team", "status", "--url", team_db.url(alice), env={"PGPASSWORD": team_db.passwords[alice]})
        assert refused.returncode == 2
        assert f"{alice} may no longer sign in at 127.0.0.1:{team_db.cluster.port}/{team_db.name}" in refused.stderr
    finally:
        with team_db.owner() as owner:
            owner.execute(f'REVOKE CONNECT ON DATABASE postgres FROM "{alice}"')


def test_remove_agent_refuses_a_role_outside_the_team(team_db: TeamDb) -> None:
    result = c2c("team", "remove-agent", "postgres", "--url", team_db.owner_url)
    assert result.returncode == 2 and "'postgres' cannot be an agent's name" in result.stderr


# --- one way to find the account, for every team command ------------------------------------------------------------


def _demo_keyring(tmp_path: Path, url: str, password: str) -> dict[str, str]:
    from demo_keyring import FILE_ENV, write_entries  # scripts/, as `make team-demo` uses it

    path = tmp_path / "keyring.json"
    write_entries(path, {(APP_NAME, keyring_username(url)): password})
    return {"PYTHON_KEYRING_BACKEND": "demo_keyring.DemoKeyring", FILE_ENV: str(path)}


def test_every_team_command_takes_the_team_url_setting_and_the_password_team_login_kept(
    team_db: TeamDb, tmp_path: Path
) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    boss = team_db.add_agent("boss", manager=True)
    url = team_db.url(boss)
    _list(team_db, "East", ["+15550008001"])
    assert c2c("config", "set", "team_url", url).returncode == 0
    keyring_env = _demo_keyring(tmp_path, url, team_db.passwords[boss])
    for command in (
        ("status",),
        ("lists",),
        ("lists", "assign", "East", boss),
        ("lists", "unassign", "East", boss),
        ("dnc", "add", "5550008001"),
        ("dnc", "list"),
    ):
        result = c2c("team", *command, env=keyring_env)
        assert result.returncode == 0, f"team {' '.join(command)}: {result.stderr}"
    # $C2C_TEAM_URL comes before the setting, --url before both.
    wrong = url.replace(f":{team_db.cluster.port}/", ":1/")
    from_env = c2c("team", "status", env={**keyring_env, "C2C_TEAM_URL": wrong})
    assert from_env.stderr.strip() == "c2c-desktop: the team server at 127.0.0.1:1 is not answering (is it running?)"
    assert c2c("team", "status", "--url", url, env={**keyring_env, "C2C_TEAM_URL": wrong}).returncode == 0

    # Nothing in the keyring and no PGPASSWORD: the places tried are named (standard input is no terminal).
    none_kept = c2c("team", "status")
    assert none_kept.returncode == 2
    assert none_kept.stderr.strip() == (
        "c2c-desktop: no password: run `c2c-desktop team login` (or set PGPASSWORD / ~/.pgpass); tried: the keyring "
        f"(nothing kept for {boss}@127.0.0.1:{team_db.cluster.port}/{team_db.name}), PGPASSWORD and ~/.pgpass"
    )
    stale = c2c("team", "status", env=_demo_keyring(tmp_path, url, "an-old-password"))
    assert stale.stderr.strip() == (
        f"c2c-desktop: wrong password for {boss} at 127.0.0.1:{team_db.cluster.port}/{team_db.name}, or no such "
        "user (the password kept by team login: run team login again)"
    )
    assert c2c("team", "status", env={"PGPASSWORD": team_db.passwords[boss]}).returncode == 0
    assert c2c("config", "set", "team_url", "").returncode == 0
    nowhere = c2c("team", "status")
    assert nowhere.stderr.strip() == (
        "c2c-desktop: no team URL: none given with --url, none in $C2C_TEAM_URL, and no team_url setting "
        "(config set team_url postgresql://NAME@HOST/DATABASE)"
    )
    for result in (none_kept, stale, from_env):
        assert team_db.passwords[boss] not in result.stdout + result.stderr


# --- passwords are never arguments; small wording ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("team", "add-agent", "alice", "hunter2hunter2"),
        ("team", "add-agent", "alice", "--manager", "hunter2hunter2"),
        ("team", "add-agent", "--url", "postgresql://boss@127.0.0.1/team", "alice", "hunter2hunter2"),
        ("team", "login", "hunter2hunter2"),
        ("team", "login", "--url", "postgresql://alice@127.0.0.1/team", "hunter2hunter2"),
    ],
)
def test_a_password_typed_as_an_argument_is_refused_and_never_echoed(command: tuple[str, ...]) -> None:
    result = c2c(*command)
    assert result.returncode == 2
    assert result.stderr == (
        "c2c-desktop: passwords are never command-line arguments: you are asked for it (or send it on standard input)\n"
    )
    assert "hunter2" not in result.stdout + result.stderr


def test_names_and_counts_read_plainly(team_db: TeamDb) -> None:
    upper = c2c("team", "add-agent", "Alice", "--url", team_db.owner_url, stdin="Some-Pass-123\n")
    assert upper.stderr.strip() == "c2c-desktop: 'Alice' cannot be an agent's name: use lower-case: alice"
    long = c2c("team", "add-agent", "a" * 64, "--url", team_db.owner_url, stdin="Some-Pass-123\n")
    assert long.stderr.strip().endswith("(not starting with a digit, pg_ or c2c_; at most 63 characters)")
    alice = team_db.add_agent("alice")
    with team_db.session(alice) as session:
        session.connection.execute(
            "INSERT INTO c2c.calls (client_uuid, e164, state, started_at) VALUES (gen_random_uuid(), '+15550008001', "
            "'done', now())"
        )
    status = _ok(c2c("team", "status", "--url", team_db.owner_url))
    assert f"{alice:<20} agent    1 call\n" in status


def test_a_second_logout_says_it_was_not_signed_in(team_db: TeamDb, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    alice = team_db.add_agent("alice")
    url = team_db.url(alice)
    keyring_env = {**_demo_keyring(tmp_path, url, team_db.passwords[alice]), "C2C_TEAM_URL": url}
    where = f"{alice}@127.0.0.1:{team_db.cluster.port}/{team_db.name}"
    first = _ok(c2c("team", "logout", env=keyring_env))
    assert first.strip() == f"signed out: the password of {where} is no longer in the system keyring"
    second = _ok(c2c("team", "logout", env=keyring_env))
    assert second.strip() == f"{where} was not signed in: no password of it was in the system keyring"


def test_a_wrong_password_from_pgpassword_is_named(team_db: TeamDb) -> None:
    bob = team_db.add_agent("bob")
    result = c2c("team", "dnc", "remove", "5550008001", "--url", team_db.url(bob), env={"PGPASSWORD": "x"})
    assert result.returncode == 2 and "(the password from PGPASSWORD)" in result.stderr


# --- lists create --team --------------------------------------------------------------------------------------------


def test_lists_create_team_names_the_rows_it_skipped_and_makes_no_empty_list(
    team_db: TeamDb, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from c2c_desktop import cli

    boss = team_db.add_agent("boss", manager=True)
    monkeypatch.setenv("PGPASSWORD", team_db.passwords[boss])
    monkeypatch.delenv("C2C_TEAM_URL", raising=False)
    leads = tmp_path / "leads.csv"
    leads.write_text("Name,Phone\nAnn Archer,(505) 555-0101\nDi Dunn,\nEd Eve,12\nFay Fox,505-555-0104\n")
    code = cli.main(["lists", "create", "East", "--from", str(leads), "--team", "--url", team_db.url(boss)])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{leads}: 2 read, 2 skipped"
    skipped = [line for line in lines if line.endswith("(skipped)")]
    assert [line.split(": ")[1] for line in skipped] == ["row 3", "row 4"]  # the header is row 1
    assert all(line.startswith(f"{leads}: row ") and len(line.split(": ")) >= 3 for line in skipped)

    code = cli.main(["lists", "create", "Nobody", "--from-history", "no_answer", "--team", "--url", team_db.url(boss)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err == "c2c-desktop: the journal has no no answer call: no team list was made\n"
    with team_db.owner() as owner:
        assert owner.execute("SELECT name FROM c2c.call_lists ORDER BY name").fetchall() == [("East",)]
