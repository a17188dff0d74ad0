"""Hand dials from the command line in team mode (review of issue 13): `call NUMBER` claims the number on the team
server before its journal row, as the window does; offline or signed out it goes ahead under the local rules, marked
not team-guarded, and says so; `lists call-next` refuses a team list's local copy. Real subprocesses, the real
keyring, the stand-in over loopback, the session's PostgreSQL cluster."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import default_db_path
from c2c_desktop.core.team.server import url_account
from tests.keyring_session import secret_service  # noqa: F401  (fixture)
from tests.standin import closed_port
from tests.team.conftest import TeamDb, c2c

pytestmark = [pytest.mark.postgres, pytest.mark.keyring]

ACCESS_KEY = "AK-team-cli"
SECRET = "team-cli-secret-access-key"
NUMBER = "+15552010003"  # the stand-in answers it: connected


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(access_key=ACCESS_KEY, secret_access_key=SECRET) as service:
        yield service


@pytest.fixture
def agent(
    secret_service: dict[str, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    standin: StandInService,
    team_db: TeamDb,
) -> Iterator[str]:
    """alice signed in (`team login`, the password in the real keyring), keys stored, the stand-in configured."""
    for name, value in secret_service.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    alice = team_db.add_agent("alice")
    assert c2c("keys", "set", stdin=f"{ACCESS_KEY}\n{SECRET}\n").returncode == 0
    for key, value in (("agent_number", "(555) 201-0001"), ("api_url", standin.url), ("mode", "business")):
        assert c2c("config", "set", key, value).returncode == 0
    login = c2c("team", "login", "--url", team_db.url(alice), stdin=team_db.passwords[alice] + "\n")
    assert login.returncode == 0, login.stderr
    yield alice
    c2c("team", "logout")
    c2c("keys", "clear")


def _journal() -> list[tuple[str, int | None, str | None]]:
    with sqlite3.connect(default_db_path()) as connection:
        return list(connection.execute("SELECT state, team_guarded, team_account FROM calls ORDER BY id"))


def _guard(team_db: TeamDb, number: str) -> list[tuple[str, bool]]:
    """(claimed_by, lease still live) of the number's guard row."""
    with team_db.owner() as owner:
        rows = owner.execute(
            "SELECT claimed_by, lease_until > now() FROM c2c.dial_guard WHERE e164 = %s", (number,)
        ).fetchall()
    return [(str(by), bool(live)) for by, live in rows]


def test_call_claims_the_number_first_and_ends_its_lease_after(
    agent: str, team_db: TeamDb, standin: StandInService
) -> None:
    called = c2c("call", NUMBER)
    assert called.returncode == 0, called.stderr
    assert standin.request_count == 1
    assert _journal() == [("done", 1, url_account(team_db.url(agent)))]  # team-guarded, alice's
    assert _guard(team_db, NUMBER) == [(agent, False)]  # claimed by alice, the lease ended after the call


def test_call_in_a_teammates_cool_off_needs_anyway_and_never_beats_a_live_lease(
    agent: str, team_db: TeamDb, standin: StandInService
) -> None:
    bob = team_db.add_agent("bob")
    with team_db.session(bob) as session:
        assert session.claim_number(NUMBER).claimed  # bob is calling it now
        refused = c2c("call", NUMBER, "--anyway")
        assert refused.returncode != 0 and standin.request_count == 0
        assert f"Not sent: {bob} is calling this number now" in refused.stderr
        session.finish_number(NUMBER)  # bob's call ended: the number is in the team's cool-off
    asked = c2c("call", NUMBER)
    assert asked.returncode != 0 and standin.request_count == 0 and _journal() == []
    assert f"Not sent: {bob} called less than a minute ago; add --anyway to call anyway" in asked.stderr
    anyway = c2c("call", NUMBER, "--anyway")
    assert anyway.returncode == 0, anyway.stderr
    assert standin.request_count == 1 and [row[:2] for row in _journal()] == [("done", 1)]


def test_call_of_a_number_on_the_team_dnc_is_refused(agent: str, team_db: TeamDb, standin: StandInService) -> None:
    with team_db.owner() as owner:
        owner.execute("INSERT INTO c2c.dnc (e164) VALUES (%s)", (NUMBER,))
    refused = c2c("call", NUMBER, "--anyway")
    assert refused.returncode != 0 and "team's do-not-call list" in refused.stderr
    assert standin.request_count == 0 and _journal() == []


@pytest.mark.parametrize("why", ["server down", "signed out"])
def test_call_goes_ahead_unguarded_when_the_team_server_cannot_be_asked(
    agent: str, team_db: TeamDb, standin: StandInService, why: str
) -> None:
    if why == "server down":
        url = team_db.url(agent).replace(f":{team_db.cluster.port}/", f":{closed_port()}/")
        assert c2c("config", "set", "team_url", url).returncode == 0
        said = "team server not reached"
    else:
        assert c2c("team", "logout").returncode == 0
        url = team_db.url(agent)
        said = "team: not signed in (run `team login`)"
    called = c2c("call", NUMBER)
    assert called.returncode == 0, called.stderr
    assert said in called.stderr and "not team-guarded" in called.stderr
    assert standin.request_count == 1
    assert _journal() == [("done", 0, url_account(url))]  # pushed later, by this account, marked not team-guarded


def test_lists_call_next_refuses_a_team_lists_local_copy(agent: str, standin: StandInService) -> None:
    assert c2c("lists", "list").returncode == 0  # the journal file exists, at the latest version
    with sqlite3.connect(default_db_path()) as connection:
        connection.execute(
            "INSERT INTO call_lists (name, name_key, created_at, team_list_id) "
            "VALUES ('East', 'east', '2026-01-01T00:00:00+00:00', 7)"
        )
        list_id = connection.execute("SELECT id FROM call_lists WHERE team_list_id = 7").fetchone()[0]
        connection.execute(
            "INSERT INTO list_items (list_id, position, item_key, e164, name, state, updated_at, team_item_id) "
            "VALUES (?, 1, 'team:70', ?, '', 'ready', '2026-01-01T00:00:00+00:00', 70)",
            (list_id, NUMBER),
        )
    refused = c2c("lists", "call-next", "East")
    assert refused.returncode != 0
    assert 'Not sent: "East" is a team list: work a team list in the window' in refused.stderr
    assert standin.request_count == 0 and _journal() == []


def test_team_sync_pushes_what_a_terminal_dialled_unguarded_and_pulls_the_mirrors(
    agent: str, team_db: TeamDb, standin: StandInService
) -> None:
    """An agent without the window: `team sync` sends the calls waiting (once), then pulls the mirrors; not signed in
    or the server not answering, it says so in one line and the calls keep waiting."""
    assert c2c("team", "logout").returncode == 0
    assert c2c("call", NUMBER).returncode == 0  # signed out: dialled under the local rules, waiting to sync
    marked = c2c("dnc", "add", "+15552010077", "--reason", "asked alice")  # the prospect asked the company
    assert marked.returncode == 0, marked.stderr
    assert "goes on the team's do-not-call list at the next sync" in marked.stdout
    signed_out = c2c("team", "sync")
    assert signed_out.returncode != 0 and "no password" in signed_out.stderr, signed_out.stderr
    down = team_db.url(agent).replace(f":{team_db.cluster.port}/", f":{closed_port()}/")
    not_answering = c2c("team", "sync", "--url", down)
    assert not_answering.returncode != 0 and "is not answering" in not_answering.stderr, not_answering.stderr
    for failed in (signed_out, not_answering):
        assert "Traceback" not in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    with team_db.owner() as owner:
        owner.execute("INSERT INTO c2c.dnc (e164) VALUES ('+15552010099')")
        assert owner.execute("SELECT count(*) FROM c2c.calls").fetchone() == (0,)

    assert c2c("team", "login", stdin=team_db.passwords[agent] + "\n").returncode == 0
    synced = c2c("team", "sync")
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.splitlines()[0] == "pushed 1 call and 1 do-not-call number", synced.stdout
    assert synced.stdout.splitlines()[1:] == ["pulled 1 setting, 2 do-not-call numbers (first pull: everything)"]
    with team_db.owner() as owner:
        rows = owner.execute("SELECT agent, e164, state, team_guarded FROM c2c.calls").fetchall()
        marks = owner.execute("SELECT e164, added_by, reason FROM c2c.dnc ORDER BY e164").fetchall()
    assert rows == [(agent, NUMBER, "done", False)]
    assert marks == [("+15552010077", agent, "asked alice"), ("+15552010099", "postgres", "")], marks
    with sqlite3.connect(default_db_path()) as connection:
        assert connection.execute("SELECT e164 FROM team_dnc ORDER BY e164").fetchall() == [
            ("+15552010077",),
            ("+15552010099",),
        ]
    again = c2c("team", "sync")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["pushed 0 calls", "pulled nothing new"]
    taken_off = c2c("dnc", "remove", "+15552010077", "--reason", "asked again to be called")
    assert taken_off.returncode == 0, taken_off.stderr
    assert taken_off.stdout.splitlines()[1:] == [
        "It is still on the team's do-not-call list: a team manager takes numbers off it, on the team server."
    ]
