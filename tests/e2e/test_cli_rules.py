"""`rules` and `call` under a real fake clock (Debian's faketime, LD_PRELOAD of libfaketime): the production clock
path, the shipped rules file and the stand-in service, with the journal in a real SQLite file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import Store, default_db_path
from tests.keyring_session import secret_service  # noqa: F401  (fixture)

pytestmark = pytest.mark.keyring

ACCESS_KEY = "AK-rules-test"
SECRET = "rules-test-secret"
#: 20:30 in Miami (EDT), a Wednesday: inside the federal window, outside Florida's.
MIAMI_EVENING = "@2026-06-04 00:30:00"
MIAMI_AFTERNOON = "@2026-06-03 17:00:00"
FLORIDA = "+1 305 555 0100"


def run_at(instant: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.skip("Debian's faketime is not installed (scripts/system-packages.sh test installs it)")
    env = {**os.environ, "TZ": "UTC"}
    return subprocess.run(
        [faketime, "-f", instant, sys.executable, "-m", "c2c_desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(access_key=ACCESS_KEY, secret_access_key=SECRET) as service:
        yield service


@pytest.fixture
def configured(secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch, standin: StandInService):  # noqa: F811
    for name, value in secret_service.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    assert run_at(MIAMI_AFTERNOON, "keys", "set", stdin=f"{ACCESS_KEY}\n{SECRET}\n").returncode == 0
    assert run_at(MIAMI_AFTERNOON, "config", "set", "agent_number", "(312) 555-0100").returncode == 0
    assert run_at(MIAMI_AFTERNOON, "config", "set", "api_url", standin.url).returncode == 0
    yield standin
    run_at(MIAMI_AFTERNOON, "keys", "clear")


def test_the_fake_clock_reaches_the_app() -> None:
    shown = run_at(MIAMI_EVENING, "rules", FLORIDA, "--json")
    assert shown.returncode == 1, shown.stderr
    data = json.loads(shown.stdout)
    assert data["local_times"]["America/New_York"].startswith("2026-06-03 20:30")


def test_rules_says_why_not_now_and_when() -> None:
    evening = run_at(MIAMI_EVENING, "rules", FLORIDA)
    assert evening.returncode == 1
    assert "verdict: not now: it is 20:30 in Florida (America/New_York); Florida allows calls 08:00–20:00" in (
        evening.stdout
    )
    assert "rule: Florida mon-sun 08:00–20:00 (Fla. Stat. 501.616(6))" in evening.stdout
    data = json.loads(run_at(MIAMI_EVENING, "rules", FLORIDA, "--json").stdout)
    assert data["callable_now"] is False and data["rule"] == "hours" and data["opens_at"] == "2026-06-04T12:00:00Z"
    assert data["zones"] == ["America/New_York"] and data["attempts_24h"] == 0

    afternoon = run_at(MIAMI_AFTERNOON, "rules", FLORIDA)
    assert afternoon.returncode == 0 and "verdict: can be called now (Florida · 13:00)" in afternoon.stdout
    bad = run_at(MIAMI_AFTERNOON, "rules", "12")
    assert bad.returncode == 2 and "too short" in bad.stderr


def test_a_refused_call_sends_nothing_and_an_override_with_a_reason_goes(configured: StandInService) -> None:
    refused = run_at(MIAMI_EVENING, "call", FLORIDA)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "c2c-desktop: Not sent: it is 20:30 in Florida (America/New_York); Florida allows calls 08:00–20:00"
    )
    assert configured.request_count == 0
    with Store(default_db_path()) as store:
        assert store.list_calls() == []

    empty = run_at(MIAMI_EVENING, "call", FLORIDA, "--override-hours", "  ")
    assert empty.returncode == 2 and "an override needs a reason" in empty.stderr and configured.request_count == 0

    overridden = run_at(MIAMI_EVENING, "call", FLORIDA, "--override-hours", "customer asked for an evening call")
    assert overridden.returncode == 0, overridden.stderr
    assert "note: calling hours overridden: customer asked for an evening call" in overridden.stderr
    assert configured.request_count == 1
    with Store(default_db_path()) as store:
        assert [entry.e164 for entry in store.list_calls()] == ["+13055550100"]
