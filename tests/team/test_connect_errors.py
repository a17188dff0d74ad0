"""Why a connection to the team server failed, as one plain line (new-user pass): not PostgreSQL's own text. The
same lines on the command line and in Settings → Team → Test connection; the password never in them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from c2c_desktop.core.team.server import (
    TeamNoPassword,
    TeamRefused,
    TeamSession,
    TeamSignInRefused,
    TeamUnavailable,
)
from tests.team.conftest import CERT_HOST, TeamDb, settings_dialog_with_team

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def _failure(url: str, password: str | None) -> TeamRefused | TeamUnavailable:
    with pytest.raises((TeamRefused, TeamUnavailable)) as raised:
        TeamSession.open(url, password)
    assert isinstance(raised.value, TeamRefused | TeamUnavailable)
    return raised.value


def test_each_connection_failure_is_one_plain_line(team_db: TeamDb, pg_tls_ca: Path) -> None:
    alice = team_db.add_agent("alice")
    password = team_db.passwords[alice]
    port, db = team_db.cluster.port, team_db.name
    where = f"127.0.0.1:{port}/{db}"
    tls = {"hostaddr": "127.0.0.1", "sslmode": "verify-full"}
    cases: list[tuple[str, str | None, type[Exception], str]] = [
        (
            team_db.url(alice),
            "Wrong-" + password,
            TeamSignInRefused,
            f"wrong password for {alice} at {where}, or no such user",
        ),
        (
            team_db.url("nobody_here"),
            password,
            TeamSignInRefused,
            f"wrong password for nobody_here at {where}, or no such user",
        ),
        (
            team_db.url(alice),
            None,
            TeamNoPassword,
            "no password: run `c2c-desktop team login` (or set PGPASSWORD / ~/.pgpass)",
        ),
        (
            team_db.url(alice).replace(f":{port}/", ":1/"),
            password,
            TeamUnavailable,
            "the team server at 127.0.0.1:1 is not answering (is it running?)",
        ),
        (
            team_db.cluster.tcp_url(alice, "no_such_db"),
            password,
            TeamUnavailable,
            f"there is no database no_such_db at 127.0.0.1:{port} (check the URL; the manager creates it and runs "
            "team init)",
        ),
        (
            team_db.cluster.tcp_url(alice, db, "other.team.test", sslrootcert=str(pg_tls_ca), **tls),
            password,
            TeamUnavailable,
            "the server's certificate does not match other.team.test: connect by the name the certificate was made for",
        ),
        (
            team_db.cluster.tcp_url(alice, db, CERT_HOST, sslrootcert="/etc/ssl/certs/ca-certificates.crt", **tls),
            password,
            TeamUnavailable,
            f"the server's certificate at {CERT_HOST}:{port} is not trusted: add sslrootcert=FILE (the certificate "
            "of the authority that signed it) to the URL",
        ),
        (
            team_db.cluster.tcp_url(alice, db, CERT_HOST, sslrootcert="/nonexistent/ca.pem", **tls),
            password,
            TeamUnavailable,
            f"the server's certificate at {CERT_HOST}:{port} cannot be checked: the sslrootcert file "
            "/nonexistent/ca.pem does not exist",
        ),
    ]
    for url, given, kind, text in cases:
        failure = _failure(url, given)
        assert type(failure) is kind, (url, failure)
        assert str(failure) == text
        assert password not in str(failure) and "\n" not in str(failure)


def test_the_command_line_and_test_connection_say_the_same(qtbot: QtBot, team_db: TeamDb) -> None:
    alice = team_db.add_agent("alice")
    url = team_db.url(alice)
    expected = f"wrong password for {alice} at 127.0.0.1:{team_db.cluster.port}/{team_db.name}, or no such user"
    env = {key: value for key, value in os.environ.items() if key != "C2C_TEAM_URL"}
    login = subprocess.run(
        [sys.executable, "-m", "c2c_desktop", "team", "login", "--url", url],
        input="Wrong-password-1\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    assert login.returncode == 2 and login.stderr == f"c2c-desktop: {expected}\n"

    with settings_dialog_with_team(qtbot) as dialog:
        page = dialog.team_page
        assert page is not None
        page.url_edit.setText(url)
        page.password_edit.setText("Wrong-password-1")
        page.test_button.click()
        qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
        assert page.status.text() == expected[0].upper() + expected[1:] + "."
        page.url_edit.setText(url.replace(f":{team_db.cluster.port}/", ":1/"))
        page.test_button.click()
        qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
        assert page.status.text() == "The team server at 127.0.0.1:1 is not answering (is it running?)."
