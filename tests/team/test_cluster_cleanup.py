"""The `postgres` tests start and stop their own server and leave no process or folder behind (issue 13, 10)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.pg_cluster import Cluster, processes_under

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def test_a_postgres_test_run_leaves_no_server_or_folder_behind(pg_cluster: Cluster) -> None:
    # A temp root of its own, reachable by the postgres user (pytest's tmp_path is private to root).
    temp_root = Path(tempfile.mkdtemp(prefix="c2c-pgrun-"))
    temp_root.chmod(0o755)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp_root)}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/team/test_claims.py", "-k", "dnc"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env=env,
        )
        assert result.returncode == 0, result.stdout[-2000:]
        assert "1 passed" in result.stdout
        assert [path.name for path in temp_root.iterdir() if path.name.startswith("c2c-pg-")] == []
        assert processes_under(temp_root) == []
    finally:
        shutil.rmtree(temp_root, ignore_errors=True)


_START_AND_HANG = """
import sys, time
from tests.pg_cluster import find_bin_dir, start_cluster
cluster = start_cluster(find_bin_dir())
print(cluster.folder, cluster.server_pid(), flush=True)
time.sleep(600)  # killed here, without stopping the cluster
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "(zombie)" not in Path(f"/proc/{pid}/status").read_text()


def test_a_test_run_killed_with_kill_9_still_leaves_no_server_or_folder(pg_cluster: Cluster) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _START_AND_HANG],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as child:
        assert child.stdout is not None
        folder_text, pid_text = child.stdout.readline().split()
        folder, server = Path(folder_text), int(pid_text)
        assert folder.is_dir() and _alive(server)
        child.kill()
    deadline = time.monotonic() + 30
    while (folder.exists() or _alive(server)) and time.monotonic() < deadline:
        time.sleep(0.1)  # the reaper works in another process: nothing to wait on but its result
    assert not folder.exists()
    assert not _alive(server)
