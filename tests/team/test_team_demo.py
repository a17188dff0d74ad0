"""`make team-demo` (scripts/team_demo.py) without its windows: the cluster, the team, the shared list, the stand-in
and each agent's profile and keyring are set up as the windows will use them, and everything goes away at the end,
whether the demo ends by itself or by Ctrl+C."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg_cluster import find_bin_dir, postgres_required

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "team_demo.py"


@pytest.fixture
def temp_root() -> Iterator[Path]:
    """A temp root of the demo's own (reachable by the postgres user): everything the demo makes goes in it."""
    if find_bin_dir() is None:
        reason = "PostgreSQL's server programs (initdb, pg_ctl) are not installed (Debian: apt-get install postgresql)"
        if postgres_required():
            pytest.fail(reason, False)
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="c2c-demorun-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _env(temp_root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return {**env, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp_root)}


def _processes_under(folder: Path) -> list[str]:
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


def test_the_demo_sets_up_both_agents_as_their_windows_will_use_them_and_cleans_up(temp_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env=_env(temp_root),
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for agent in ("alice", "bob"):
        assert f"  {agent}: password read from its keyring, logged in, sees 'Team demo prospects'" in result.stdout
    assert "demo ready" in result.stdout
    assert list(temp_root.iterdir()) == []
    assert _processes_under(temp_root) == []


def test_ctrl_c_stops_the_demo_and_removes_everything(temp_root: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--no-windows"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env=_env(temp_root),
    )
    try:
        assert demo.stdout is not None
        output = b""
        deadline = time.monotonic() + 60
        with selectors.DefaultSelector() as selector:
            selector.register(demo.stdout, selectors.EVENT_READ)
            while b"Ctrl+C stops everything" not in output and time.monotonic() < deadline:
                if selector.select(1):
                    chunk = os.read(demo.stdout.fileno(), 65536)  # not readline: a buffered read could hide a line
                    if not chunk:
                        break
                    output += chunk
        assert b"Ctrl+C stops everything" in output, output.decode(errors="replace")
        assert b"open a window for an agent:" in output  # the commands, for a machine without windows
        assert _processes_under(temp_root) != []  # the server is running in the demo's folder
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGINT)  # the demo's own cleanup, so the test leaves nothing behind either
            demo.communicate(timeout=30)
    assert demo.returncode == 0
    assert b"its folders are removed" in rest
    assert list(temp_root.iterdir()) == []
    assert _processes_under(temp_root) == []
