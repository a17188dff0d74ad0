"""Fixtures for the team workspace tests: one throwaway PostgreSQL cluster per test session, a fresh team database
per test (migrations applied by the superuser), and helpers to add agents with their own login roles."""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.pg_cluster import Cluster, find_bin_dir, postgres_required, start_cluster
from tests.standin import make_tls_files

ROOT = Path(__file__).resolve().parents[2]

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from c2c_desktop.core.team.server import Connection, TeamSession
    from c2c_desktop.gui.settings_dialog import SettingsDialog

#: The host name in the server's test certificate (connections give hostaddr=127.0.0.1 with it).
CERT_HOST = "db.team.test"

_database_numbers = itertools.count(1)
_role_numbers = itertools.count(1)


def _missing(reason: str) -> None:
    if postgres_required():
        pytest.fail(f"{reason}; CI (CI or C2C_REQUIRE_POSTGRES set) needs it: scripts/system-packages.sh test", False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_tls_ca() -> Iterator[Path]:
    """A trustme CA (ca.pem) and the server certificate for CERT_HOST, in a folder kept for the session."""
    # The cluster's reaper removes this folder too if the test run is killed (ignore_cleanup_errors: it may be gone).
    with tempfile.TemporaryDirectory(prefix="c2c-pg-tls-", ignore_cleanup_errors=True) as folder:
        files = make_tls_files(Path(folder), CERT_HOST)
        (Path(folder) / "files").write_text(f"{files.cert_path}\n{files.key_path}\n")
        yield files.ca_path


@pytest.fixture(scope="session")
def pg_cluster(pg_tls_ca: Path) -> Iterator[Cluster]:
    """A PostgreSQL cluster for the session (TLS on, with the pg_tls_ca certificate); stopped and removed after."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("psycopg is not installed (pip install -e '.[team]')")
    bin_dir = find_bin_dir()
    if bin_dir is None:
        _missing("PostgreSQL's server programs (initdb, pg_ctl) are not installed (Debian: apt-get install postgresql)")
        raise AssertionError("unreachable")
    cert, key = (Path(line) for line in (pg_tls_ca.parent / "files").read_text().split())
    cluster = start_cluster(bin_dir, cert_files=(cert, key), also_remove=(pg_tls_ca.parent,))
    try:
        yield cluster
    finally:
        cluster.stop()


@dataclass
class TeamDb:
    """A fresh team database on the session's cluster; roles made through it are dropped at the end."""

    cluster: Cluster
    name: str
    roles: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def owner_url(self) -> str:
        return self.cluster.socket_url("postgres", self.name)

    def url(self, role: str, **params: str) -> str:
        return self.cluster.tcp_url(role, self.name, **params)

    def add_agent(self, stem: str, *, manager: bool = False) -> str:
        """A new login role (unique across the session) through admin.add_agent; its name. Password: passwords[name]."""
        from c2c_desktop.core.team import admin
        from c2c_desktop.core.team.server import connect

        name = f"{stem}_{next(_role_numbers)}"
        password = secrets.token_urlsafe(16)
        with connect(self.owner_url) as connection:
            admin.add_agent(connection, name, password, manager=manager)
        self.roles.append(name)
        self.passwords[name] = password
        return name

    def session(self, role: str) -> TeamSession:
        from c2c_desktop.core.team.server import TeamSession

        return TeamSession.open(self.url(role), self.passwords[role])

    def owner(self) -> Connection:
        """The superuser, over the unix socket."""
        from c2c_desktop.core.team.server import connect

        return connect(self.owner_url)


@contextmanager
def _database(cluster: Cluster, *, initialised: bool) -> Iterator[TeamDb]:
    import psycopg

    from c2c_desktop.core.team import admin
    from c2c_desktop.core.team.server import connect

    db = TeamDb(cluster, f"team_{next(_database_numbers)}")
    with psycopg.connect(cluster.admin_conninfo(), autocommit=True) as admin_connection:
        admin_connection.execute(f'CREATE DATABASE "{db.name}"')
        try:
            if initialised:
                with connect(db.owner_url) as connection:
                    admin.init_team(connection)
            yield db
        finally:
            admin_connection.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
            for role in db.roles:
                admin_connection.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def own_team_db(pg_cluster: Cluster) -> Iterator[TeamDb]:
    """A team database on a cluster of the test's own, which the test may halt and resume (the session's cluster
    stays up for the others); the cluster is removed at the end, stopped or not."""
    import psycopg

    from c2c_desktop.core.team import admin
    from c2c_desktop.core.team.server import connect

    bin_dir = find_bin_dir()
    assert bin_dir is not None  # pg_cluster checked it
    cluster = start_cluster(bin_dir)
    try:
        with psycopg.connect(cluster.admin_conninfo(), autocommit=True) as superuser:
            superuser.execute('CREATE DATABASE "team"')
        db = TeamDb(cluster, "team")
        with connect(db.owner_url) as owner:
            admin.init_team(owner)
        yield db
    finally:
        cluster.stop()


@pytest.fixture
def team_db(pg_cluster: Cluster) -> Iterator[TeamDb]:
    """A new database with the team schema (applied by the superuser, over the unix socket)."""
    with _database(pg_cluster, initialised=True) as db:
        yield db


@pytest.fixture
def blank_db(pg_cluster: Cluster) -> Iterator[TeamDb]:
    """A new empty database (for `team init`)."""
    with _database(pg_cluster, initialised=False) as db:
        yield db


@pytest.fixture
def temp_root() -> Iterator[Path]:
    """A temp root of a test's own, reachable by the postgres user, for a child process's TMPDIR (a demo, a
    benchmark, a test run): what it leaves behind is found there. Removed at the end."""
    if find_bin_dir() is None:
        _missing("PostgreSQL's server programs (initdb, pg_ctl) are not installed (Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="c2c-run-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def settings_dialog_with_team(qtbot: QtBot) -> Iterator[SettingsDialog]:
    """Settings with a Team page on a link of its own (team mode off: the page's checks run as its jobs); the link is
    shut down at the end."""
    import dataclasses

    from c2c_desktop.core import config
    from c2c_desktop.gui.settings_dialog import SettingsDialog
    from c2c_desktop.gui.team import TeamLink

    link = TeamLink("", None)
    dialog = SettingsDialog(dataclasses.replace(config.Settings(), agent_number="+15550100100"), None, team=link)
    qtbot.addWidget(dialog)
    assert dialog.team_page is not None
    try:
        yield dialog
    finally:
        link.shutdown()


def init_team_up_to(owner: Connection, version: int) -> list[int]:
    """`team init` as an older release ran it: the migrations up to `version` only; the versions applied."""
    from c2c_desktop.core.team import admin
    from c2c_desktop.core.team.migrations import MIGRATIONS

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(admin, "MIGRATIONS", MIGRATIONS[:version])
        return admin.init_team(owner)


def c2c(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`c2c-desktop ARGS` in a child process, in this test's profile (the root conftest's XDG folders);
    $C2C_TEAM_URL and $PGPASSWORD unset unless given; scripts/ importable (the demo keyring)."""
    base = {key: value for key, value in os.environ.items() if key not in ("C2C_TEAM_URL", "PGPASSWORD")}
    return subprocess.run(
        [sys.executable, "-m", "c2c_desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'scripts'}", **(env or {})},
    )
