"""benchmarks/bench_team.py's smoke run (issue 13, acceptance 9): agents on their own roles claim, dial the stand-in
and push without a number dialed twice; without the per-number guard the same run finds the duplicates; the run
cleans up its own cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def _quick_run(temp_root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp_root)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_team.py"), "--quick", "--json", *extra],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert result.stdout.strip(), result.stderr[-2000:]
    assert list(temp_root.iterdir()) == []  # the cluster's folder is gone
    return result.returncode, json.loads(result.stdout.strip().splitlines()[-1])


def test_the_quick_benchmark_dials_no_number_twice(temp_root: Path) -> None:
    returncode, report = _quick_run(temp_root)
    assert report["errors"] == 0 and report["duplicates"] == 0
    assert report["dials"] == report["requests"] == report["server_rows"] > 0
    assert report["held_back_by_guard"] > 0  # repeated numbers came up, and the guard held them back
    assert returncode == 0


def test_the_quick_benchmark_without_the_number_guard_finds_duplicates_and_fails(temp_root: Path) -> None:
    returncode, report = _quick_run(temp_root, "--no-guard")
    assert report["errors"] == 0
    assert report["duplicates"] > 0 and report["dialed_twice"] == report["server_numbers_twice"]
    assert returncode == 1
