"""`c2c-desktop team …` end to end: real subprocesses against the session's PostgreSQL cluster."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from c2c_desktop.core.team import admin
from tests.team.conftest import CERT_HOST, TeamDb, c2c

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Agent-Pass-7d1f0c"


def team(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return c2c("team", *args, stdin=stdin)


def test_a_manager_sets_up_a_team_from_the_command_line(blank_db: TeamDb) -> None:
    url = blank_db.owner_url
    first = team("init", "--url", url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "team database ready: migrations 1, 2, 3, 4, 5, 6, 7, 8, 9 applied"
    again = team("init", "--url", url)
    assert again.returncode == 0 and "already up to date (version 9)" in again.stdout

    name, boss = "cli_alice", "cli_boss"
    blank_db.roles += [name, boss]  # dropped after the test
    added = team("add-agent", name, "--url", url, stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == f"added {name} as agent (at most 5 connections at a time)"
    assert team("add-agent", boss, "--manager", "--url", url, stdin="Boss-Pass-99\n").returncode == 0
    twice = team("add-agent", name, "--url", url, stdin=PASSWORD + "\n")
    assert twice.returncode == 2 and f"already a database role named {name}" in twice.stderr

    with blank_db.owner() as owner:
        admin.create_list(owner, "East", ["+15550008001", "+15550008002"])
    assigned = team("lists", "assign", "East", name, "--url", url)
    assert assigned.returncode == 0 and assigned.stdout.strip() == f"East: assigned to {name}"
    unknown = team("lists", "assign", "East", "nobody_here", "--url", url)
    assert unknown.returncode == 2 and "no team member named nobody_here" in unknown.stderr

    blank_db.passwords[name] = PASSWORD
    with blank_db.session(name) as session:  # the agent logs in with the password given on standard input
        claim = session.claim_next(session.assigned_lists()[0][0])
        assert claim is not None
    status = team("status", "--url", url)
    assert status.returncode == 0, status.stderr
    assert f"{name:<20} agent" in status.stdout and f"{boss:<20} manager" in status.stdout
    assert f"East                 0/2 done (0%), 2 open, 1 in flight; assigned to {name}" in status.stdout
    assert "Claims in flight: 1" in status.stdout and f"{claim.number:<16} {name}" in status.stdout
    data = json.loads(team("status", "--json", "--url", url).stdout)
    assert data["lists"][0]["in_flight"] == 1 and data["problems"] == []
    for result in (first, again, added, twice, assigned, unknown, status):
        assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"postgresql://boss@{CERT_HOST}/team", f"{CERT_HOST} is not this machine: add sslmode=verify-full"),
        (f"postgresql://boss@{CERT_HOST}/team?sslmode=require", "add sslmode=verify-full"),
        ("postgresql://boss:Secret-In-Url@127.0.0.1/team", "leave the password out of the URL"),
        ("boss at the office", "that is not a PostgreSQL URL"),
    ],
)
def test_unsafe_or_broken_urls_are_refused_with_one_line(url: str, message: str) -> None:
    result = team("status", "--url", url)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Secret-In-Url" not in result.stderr


def test_add_agent_refuses_a_bad_name_before_asking_for_a_password(team_db: TeamDb) -> None:
    result = team("add-agent", "Robert'); DROP", "--url", team_db.owner_url, stdin="whatever-pass\n")
    assert result.returncode == 2 and "cannot be an agent's name" in result.stderr


def test_an_unreachable_server_is_one_plain_line(team_db: TeamDb) -> None:
    url = team_db.cluster.tcp_url("boss", team_db.name).replace(f":{team_db.cluster.port}/", ":1/")
    result = team("status", "--url", url)
    assert result.returncode == 2
    assert result.stderr == "c2c-desktop: the team server at 127.0.0.1:1 is not answering (is it running?)\n"


def test_without_the_team_extra_the_commands_say_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from c2c_desktop.cli import main\n"
        "sys.exit(main(['team', 'status', '--url', 'postgresql://boss@127.0.0.1/team']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr == "c2c-desktop: the team commands need the team extra: pip install 'c2c-desktop[team]'\n"
