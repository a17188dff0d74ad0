"""The `postgres` tests skip with a reason when PostgreSQL is missing, and fail instead when CI asks for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ONE_TEST = "tests/team/test_security.py::test_init_is_idempotent_and_records_its_version"


def _run_without_postgres(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("CI", "C2C_REQUIRE_POSTGRES")}
    environment.update(PYTHONPATH=str(ROOT), C2C_PG_BIN=str(ROOT / "no-postgres-here"), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", ONE_TEST],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=environment,
    )


def test_missing_server_programs_skip_with_the_reason() -> None:
    result = _run_without_postgres()
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout and "server programs (initdb, pg_ctl) are not installed" in result.stdout


@pytest.mark.parametrize("flag", ["C2C_REQUIRE_POSTGRES", "CI"])
def test_ci_fails_when_the_server_programs_are_missing(flag: str) -> None:
    result = _run_without_postgres(**{flag: "1"})
    assert result.returncode == 1, result.stdout
    assert "1 error" in result.stdout and "CI (CI or C2C_REQUIRE_POSTGRES set) needs it" in result.stdout
