"""The `postgres` tests start and stop their own server and leave no process or folder behind (issue 13, 10)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.pg_cluster import Cluster

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def _servers_under(folder: Path) -> list[str]:
    """Command lines of running processes that mention `folder` (a server, or one of its children)."""
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
        assert _servers_under(temp_root) == []
    finally:
        shutil.rmtree(temp_root, ignore_errors=True)
