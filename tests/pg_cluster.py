"""A throwaway PostgreSQL cluster in a temp folder, for the tests marked `postgres`, benchmarks/bench_team.py and
`make team-demo` (scripts/team_demo.py); those two put the repository's root on sys.path to import it.

initdb refuses to run as root, so as root the server's programs run as Debian's `postgres` user (runuser), in a
folder that user owns. The cluster listens on a unix socket in that folder and on a loopback port; local socket
connections are trusted (the test's superuser), loopback TCP ones need a SCRAM password (the agents), and TLS is on
when a certificate is given. fsync is off: nothing here needs to survive a power cut.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

PG_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"
SUPERUSER = "postgres"


def find_bin_dir() -> Path | None:
    """The folder of initdb and pg_ctl: $C2C_PG_BIN when set (and only it), else Debian's newest
    /usr/lib/postgresql/N/bin, else the PATH's."""
    candidates: list[Path] = []
    if os.environ.get("C2C_PG_BIN"):
        candidates.append(Path(os.environ["C2C_PG_BIN"]))
    else:
        if PG_ROOT.is_dir():
            versions = sorted((p for p in PG_ROOT.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
            candidates.extend(version / "bin" for version in reversed(versions))
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def postgres_required() -> bool:
    """CI (CI=1/true) or C2C_REQUIRE_POSTGRES=1: missing server programs fail the tests instead of skipping them."""
    return any(
        os.environ.get(name, "").lower() not in ("", "0", "false", "no") for name in ("CI", "C2C_REQUIRE_POSTGRES")
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, SERVER_USER, SERVER_USER)


#: Run beside each cluster: waits for its standard input to close (the process that started the cluster has stopped
#: it, or died, even by kill -9), then stops the server if it still runs and removes the folders.
_REAPER = """
import pathlib, shutil, subprocess, sys
sys.stdin.buffer.read()
server_user, pg_ctl, data, *folders = sys.argv[1:]
as_user = ["runuser", "-u", server_user, "--"] if server_user else []
if (pathlib.Path(data) / "postmaster.pid").exists():
    subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "-w", "-t", "30", "stop"],
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
for folder in folders:
    shutil.rmtree(folder, ignore_errors=True)
"""


@dataclass
class Cluster:
    bin_dir: Path
    folder: Path
    port: int
    tls: bool
    setup_seconds: float = 0.0
    log: Path = field(init=False)
    reaper: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.log = self.folder / "server.log"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def admin_conninfo(self, dbname: str = "postgres") -> str:
        """The superuser over the unix socket (trusted)."""
        return f"host={self.folder} port={self.port} user={SUPERUSER} dbname={dbname}"

    def socket_url(self, user: str, dbname: str) -> str:
        """postgresql:// URL over the unix socket (trusted: no password)."""
        return f"postgresql://{quote(user)}@/{quote(dbname)}?" + urlencode(
            {"host": str(self.folder), "port": self.port}
        )

    def tcp_url(self, user: str, dbname: str, host: str = "127.0.0.1", **params: str) -> str:
        """postgresql:// URL over loopback TCP (a SCRAM password is needed)."""
        query = f"?{urlencode(params)}" if params else ""
        return f"postgresql://{quote(user)}@{host}:{self.port}/{quote(dbname)}{query}"

    def run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _as_server_user([str(self.bin_dir / command[0]), *command[1:]]),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
        )

    def halt(self, mode: str = "fast") -> None:
        """Stop the server, keeping its folder (a test's outage; `resume` starts it again)."""
        result = self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        assert result.returncode == 0, result.stderr

    def resume(self) -> None:
        """Start the server `halt` stopped, on the same port and folder."""
        result = self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")
        assert result.returncode == 0, result.stderr

    def stop(self) -> None:
        """Stop at once (nothing to keep) and remove the folder; safe to call twice."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            if self.reaper is not None:
                reaper, self.reaper = self.reaper, None
                reaper.communicate(timeout=60)  # closes its input: it finds nothing left to do

    def watch(self, *also_remove: Path) -> None:
        """Start the reaper: if this process dies without stop() (kill -9), the server is stopped and the folder
        (and `also_remove`) removed all the same."""
        server_user = SERVER_USER if os.geteuid() == 0 else ""
        pg_ctl = str(self.bin_dir / "pg_ctl")
        self.reaper = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _REAPER,
                server_user,
                pg_ctl,
                str(self.data),
                str(self.folder),
                *map(str, also_remove),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl+C to the test run's process group leaves it to do its work
        )

    def server_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


def start_cluster(
    bin_dir: Path,
    *,
    cert_files: tuple[Path, Path] | None = None,
    max_connections: int = 100,
    also_remove: tuple[Path, ...] = (),
) -> Cluster:
    """initdb + pg_ctl start in a new temp folder; the folder is removed again if anything fails, and by a reaper
    process if the caller dies without stopping it (with `also_remove`).

    `cert_files` (certificate chain, key) turns TLS on. `max_connections`: PostgreSQL's default is 100; the team
    benchmark gives each simulated agent its own connection and asks for more.
    """
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="c2c-pg-"))  # short: a socket path holds at most 107 bytes
    cluster = Cluster(bin_dir, folder, _free_port(), tls=cert_files is not None)
    try:
        cluster.watch(*also_remove)
        _give_to_server_user(folder)
        initdb = cluster.run(
            "initdb",
            "-D",
            str(cluster.data),
            "-U",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
            "--no-instructions",
            "--encoding=UTF8",
            "--locale=C",
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed: {initdb.stderr.strip()}")
        settings = [
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "listen_addresses = '127.0.0.1'",
            f"port = {cluster.port}",
            f"unix_socket_directories = '{folder}'",
            f"max_connections = {max_connections}",
            "log_min_messages = warning",
        ]
        if cert_files is not None:
            for source, name in zip(cert_files, ("server.crt", "server.key"), strict=True):
                target = folder / name
                shutil.copyfile(source, target)
                target.chmod(0o600)
                _give_to_server_user(target)
            settings += [
                "ssl = on",
                f"ssl_cert_file = '{folder / 'server.crt'}'",
                f"ssl_key_file = '{folder / 'server.key'}'",
            ]
        with open(cluster.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n".join(["", "# c2c-desktop tests", *settings, ""]))
        start = cluster.run("pg_ctl", "-D", str(cluster.data), "-l", str(cluster.log), "-w", "-t", "30", "start")
        if start.returncode != 0:
            log = cluster.log.read_text(errors="replace")[-2000:] if cluster.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()} {log}")
    except BaseException:
        cluster.stop()
        raise
    cluster.setup_seconds = time.perf_counter() - started
    return cluster


def processes_under(folder: Path) -> list[str]:
    """Command lines of running processes that mention `folder` (a server, one of its children, a demo's window)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(folder) in command:
                found.append(command)
    return found
