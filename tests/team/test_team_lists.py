"""`lists create NAME --from FILE --team`: a manager fills a team list on the server from a contact file."""

from __future__ import annotations

from pathlib import Path

import pytest

from c2c_desktop import cli
from c2c_desktop.core.store import Store, default_db_path
from c2c_desktop.core.team.lists import Lead, create_team_list
from c2c_desktop.core.team.server import TeamError, TeamRefused
from tests.team.conftest import TeamDb

pytestmark = pytest.mark.postgres

LEADS_CSV = (
    "Name,Company,Phone\n"
    "Ann Archer,Acme,(505) 555-0101\n"
    "Bob Baker,Bolt,505-555-0102\n"
    "ann  archer,Acme,+1 505 555 0101\n"  # Ann again, written otherwise: kept once
    "Cy Cole,Cog,505.555.0101\n"  # another person on Ann's office number: an item of their own, as locally
    "Di Dunn,Dot,\n"  # no number: left out
)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _password_env(monkeypatch: pytest.MonkeyPatch, team_db: TeamDb, role: str) -> None:
    monkeypatch.setenv("PGPASSWORD", team_db.passwords[role])  # libpq's own place, as `team …` reads it


def test_a_manager_makes_a_team_list_from_a_file(
    team_db: TeamDb, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    boss = team_db.add_agent("boss", manager=True)
    agent = team_db.add_agent("alice")
    leads = tmp_path / "leads.csv"
    leads.write_text(LEADS_CSV)
    _password_env(monkeypatch, team_db, boss)
    code, out, err = _run(capsys, "lists", "create", "East", "--from", str(leads), "--team", "--url", team_db.url(boss))
    assert code == 0, err
    assert '"East": 3 items added; 1 already in the list, kept once (ann archer)' in out
    assert f"{leads}: 4 read, 1 skipped" in out
    assert "3 new team contacts" in out
    with team_db.owner() as owner:
        rows = owner.execute(
            "SELECT i.position, i.e164, c.name, c.company FROM c2c.list_items i "
            "JOIN c2c.call_lists l ON l.id = i.list_id JOIN c2c.contacts c ON c.id = i.contact_id "
            "WHERE l.name = 'East' ORDER BY i.position"
        ).fetchall()
        created_by = owner.execute("SELECT created_by FROM c2c.call_lists WHERE name = 'East'").fetchone()
    assert rows == [
        (1, "+15055550101", "Ann Archer", "Acme"),
        (2, "+15055550102", "Bob Baker", "Bolt"),
        (3, "+15055550101", "Cy Cole", "Cog"),
    ]
    assert created_by == (boss,)
    # Nothing was stored in the manager's own profile: the list lives on the server.
    with Store(default_db_path()) as store:
        assert store.connection.execute("SELECT count(*) FROM contacts").fetchone() == (0,)

    # A second list from the same file reuses the team's contacts; the name of a live list is refused.
    code, out, err = _run(capsys, "lists", "create", "West", "--from", str(leads), "--team", "--url", team_db.url(boss))
    assert code == 0 and "0 new team contacts" in out, err
    code, _out, err = _run(
        capsys, "lists", "create", "East", "--from", str(leads), "--team", "--url", team_db.url(boss)
    )
    assert code == 2
    assert err.strip().endswith("no team list was made: there is already a team list named East: nothing was changed")

    # An agent cannot make one, and is told so plainly.
    _password_env(monkeypatch, team_db, agent)
    code, _out, err = _run(
        capsys, "lists", "create", "Mine", "--from", str(leads), "--team", "--url", team_db.url(agent)
    )
    assert code == 2
    assert f"only a manager or the database's owner can make a team list, and {agent} is an agent" in err
    assert "Traceback" not in err and team_db.passwords[agent] not in err
    with team_db.owner() as owner:
        assert owner.execute("SELECT count(*) FROM c2c.call_lists").fetchone() == (2,)


def test_a_file_that_cannot_be_read_makes_no_team_list(
    team_db: TeamDb, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    boss = team_db.add_agent("boss", manager=True)
    _password_env(monkeypatch, team_db, boss)
    no_phone = tmp_path / "no-phone.csv"
    no_phone.write_text("Name,Company\nAnn,Acme\n")
    code, _out, err = _run(
        capsys, "lists", "create", "East", "--from", str(no_phone), "--team", "--url", team_db.url(boss)
    )
    assert code == 2 and "Nothing was sent and no list was made." in err and "Traceback" not in err
    code, _out, err = _run(capsys, "lists", "create", "East", "--team", "--url", team_db.url(boss))
    assert code == 2 and "a team list is made from --from FILE" in err
    code, _out, err = _run(capsys, "lists", "create", "East", "--url", team_db.url(boss))
    assert code == 2 and "--url goes with --team" in err
    with team_db.owner() as owner:
        assert owner.execute("SELECT count(*) FROM c2c.call_lists").fetchone() == (0,)


def test_create_team_list_keeps_the_owner_and_a_manager_apart_from_agents(team_db: TeamDb) -> None:
    agent = team_db.add_agent("agent")
    with team_db.owner() as owner:  # the superuser
        report = create_team_list(owner, " North ", [Lead("+15055550101", "Ann"), Lead("+15055550101", "ann")])
    assert (report.name, report.added, report.duplicates, report.new_contacts) == ("North", 1, ("ann",), 1)
    with team_db.session(agent) as session, pytest.raises(TeamRefused, match="is an agent"):
        create_team_list(session.connection, "South", [Lead("+15055550101", "Ann")])
    with team_db.owner() as owner, pytest.raises(TeamError, match="needs a name"):
        create_team_list(owner, "  ", [])
