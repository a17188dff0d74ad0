"""`figures` end to end: a real subprocess on a real SQLite file holding the fixture journal, in New York's zone."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from c2c_desktop.core.store import Store, default_db_path
from tests.figures_support import fill_fixture_journal, fill_fixture_lists


def run_figures(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "c2c_desktop", "figures", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": "America/New_York"},  # the agent's local days are New York's
    )


@pytest.fixture(autouse=True)
def journal(monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(default_db_path()) as store:
        fill_fixture_lists(store, fill_fixture_journal(store, monkeypatch))


MONDAY = ("--from", "2026-12-07", "--to", "2026-12-07")


def test_json_holds_the_hand_computed_figures() -> None:
    """The values of tests/core/test_figures.py's Monday, and the callbacks of tests/core/test_list_figures.py."""
    result = run_figures(*MONDAY, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {key: data[key] for key in ("from", "to", "list", "dials", "first_leg_answers", "prospect_connects")} == {
        "from": "2026-12-07",
        "to": "2026-12-07",
        "list": None,
        "dials": 9,
        "first_leg_answers": 5,
        "prospect_connects": 3,
    }
    assert (data["connect_rate"], data["calling_hours"], data["dials_per_hour"]) == (0.3333, 4, 2.25)
    # Kept a and e; b, c, d and h missed or pending, by when this runs (the CLI's "now" is the clock).
    assert data["callbacks_kept"] == 2 and data["callbacks_missed"] + data["callbacks_pending"] == 4
    assert [(bar["hour"], bar["dials"], bar["prospect_connects"]) for bar in data["by_callee_hour"]] == [
        (6, 1, 0),
        (9, 3, 2),
        (10, 1, 1),
        (18, 1, 0),
        (23, 1, 0),
        (None, 2, 0),
    ]


def test_text_table() -> None:
    result = run_figures(*MONDAY)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Figures for 2026-12-07"
    assert "  Dials                       9" in lines
    assert "  Connect rate              33%" in lines
    assert "  Dials per hour            2.3" in lines  # 9 / 4 = 2.25, half up
    assert "  09:00         3         2   67%" in lines
    assert "  unknown       2         0    0%" in lines


def test_from_alone_runs_to_today_and_to_alone_is_one_day() -> None:
    sunday = json.loads(run_figures("--to", "2026-12-06", "--json").stdout)
    assert (sunday["from"], sunday["to"], sunday["dials"]) == ("2026-12-06", "2026-12-06", 1)  # call 1, 23:59:59
    since = json.loads(run_figures("--from", "2026-01-01", "--json").stdout)
    assert (since["from"], since["to"]) == ("2026-01-01", str(datetime.now(ZoneInfo("America/New_York")).date()))
    today = json.loads(run_figures("--json").stdout)
    assert today["from"] == today["to"] == since["to"]


def test_csv_file_and_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "figures.csv"
    result = run_figures(*MONDAY, "--csv", str(path))
    assert result.returncode == 0 and f"Figures written to {path}" in result.stdout
    with open(path, encoding="utf-8", newline="") as stream:
        rows = {row["figure"]: row["value"] for row in csv.DictReader(stream)}
    assert (rows["dials"], rows["prospect_connects"], rows["connect_rate"]) == ("9", "3", "0.3333")
    backwards = run_figures("--from", "2026-12-09", "--to", "2026-12-01")
    assert backwards.returncode == 2 and backwards.stderr.strip().endswith("is before --from (2026-12-09)")
    unknown = run_figures("--list", "Q5")
    assert unknown.returncode == 2 and unknown.stderr.strip().endswith('no list named "Q5" (lists: "Other", "Q4")')
    not_a_date = run_figures("--from", "12/07/2026")
    assert not_a_date.returncode == 2 and "is not a date" in not_a_date.stderr


def test_one_lists_figures_as_json_table_and_csv(tmp_path: Path) -> None:
    """Q4 of tests/core/test_list_figures.py: calls 2, 3, 5 and 8; callbacks a, b, d and e."""
    data = json.loads(run_figures(*MONDAY, "--list", "q4", "--json").stdout)
    assert (data["list"], data["dials"], data["first_leg_answers"], data["prospect_connects"]) == ("Q4", 3, 2, 2)
    assert (data["connect_rate"], data["calling_hours"], data["dials_per_hour"]) == (0.6667, 2, 1.5)
    assert data["callbacks_kept"] == 2 and data["callbacks_missed"] + data["callbacks_pending"] == 2
    assert [(bar["hour"], bar["dials"], bar["prospect_connects"]) for bar in data["by_callee_hour"]] == [
        (6, 1, 0),
        (9, 2, 2),
    ]
    path = tmp_path / "q4.csv"
    table = run_figures(*MONDAY, "--list", "Q4", "--csv", str(path))
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0] == "Figures for 2026-12-07, list Q4"
    assert "  Dials                       3" in table.stdout.splitlines()
    with open(path, encoding="utf-8", newline="") as stream:
        rows = {row["figure"]: (row["list"], row["value"]) for row in csv.DictReader(stream)}
    assert rows["dials"] == ("Q4", "3") and rows["callbacks_kept"] == ("Q4", "2")
