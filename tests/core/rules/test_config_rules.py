"""The calling-rules settings: mode, company window and days, caller ID pool, attempt cap, stale DNC lists."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from c2c_desktop.core import config
from c2c_desktop.core.config import ConfigError, Settings


def test_defaults() -> None:
    settings = Settings()
    assert (settings.mode, settings.company_hours, settings.company_days) == ("consumer", "", "")
    assert (settings.caller_id_pool, settings.max_attempts_per_day, settings.dnc_stale_refuses) == ("", 0, False)
    assert config.company_window(settings) is None
    assert config.company_weekdays(settings) == frozenset(range(7))
    assert config.caller_id_pool(settings) == ()


@pytest.mark.parametrize(
    ("key", "raw", "stored"),
    [
        ("mode", " Business ", "business"),
        ("mode", "consumer", "consumer"),
        ("company_hours", "9:00 - 18:00", "09:00-18:00"),
        ("company_hours", "08:30–20:00", "08:30-20:00"),  # an en dash, as typed in a word processor
        ("company_hours", "00:00-24:00", "00:00-24:00"),
        ("company_hours", "", ""),
        ("company_days", "mon-fri", "mon-fri"),
        ("company_days", "Mon, Wed ,FRI", "mon,wed,fri"),
        ("company_days", "monday-saturday", "mon-sat"),
        ("company_days", " ", ""),
        ("max_attempts_per_day", " 3 ", "3"),
        ("max_attempts_per_day", "0", "0"),
        ("dnc_stale_refuses", "TRUE", "true"),
        ("dnc_stale_refuses", "no", "false"),
        ("caller_id_pool", "(305) 555-0100, 786 555 0100,,+44 20 7946 0018, 305.555.0100", None),
    ],
)
def test_accepted_values_are_stored_canonically(key: str, raw: str, stored: str | None) -> None:
    settings = config.with_value(Settings(), key, raw)
    if stored is None:  # the pool: pinned to international form, repeats and blanks dropped
        stored = "+13055550100,+17865550100,+442079460018"
    assert config.format_value(settings, key) == stored


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("mode", "b2b", "mode must be consumer (all calling rules) or business (B2B calls)"),
        ("company_hours", "9-5", "company_hours: '9-5' is not a window such as 09:00-18:00 (empty for none)"),
        ("company_hours", "18:00-09:00", "company_hours: the window must end after it starts on the same day"),
        ("company_hours", "24:00-24:00", "company_hours: '24:00-24:00' is not a window"),
        ("company_hours", "09:00-09:60", "is not a window"),
        ("company_days", "mon-fry", "company_days: 'fry' in 'mon-fry' is not a day (use mon, tue, wed"),
        ("max_attempts_per_day", "three", "max_attempts_per_day: 'three' is not a whole number"),
        ("max_attempts_per_day", "-1", "max_attempts_per_day must be between 0 (no company cap) and 1000"),
        ("dnc_stale_refuses", "maybe", "dnc_stale_refuses must be true or false"),
        ("caller_id_pool", "3055550100, banana", "caller_id_pool: number 2 ('banana'): "),
        ("caller_id_pool", "3055550100,,911", "caller_id_pool: number 3 ('911'): 911 is an emergency number"),
        ("caller_id_pool", "3055550100 ext. 12", "caller_id_pool: number 1 ('3055550100 ext. 12'): a caller ID has"),
    ],
)
def test_refused_values_say_why_in_one_line(key: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        config.with_value(Settings(), key, raw)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_the_pool_is_read_in_the_region_in_force() -> None:
    british = config.with_value(config.with_value(Settings(), "region", "GB"), "caller_id_pool", "020 7946 0018")
    assert config.caller_id_pool(british) == ("+442079460018",)
    # Saved in international form, it stays the same numbers after a change of region.
    assert config.caller_id_pool(config.with_value(british, "region", "US")) == ("+442079460018",)


def test_parsed_accessors() -> None:
    settings = Settings(company_hours="09:00-18:00", company_days="fri-mon,wed", caller_id_pool="+13055550100,+1786")
    assert config.company_window(settings) == (time(9, 0), time(18, 0))
    assert config.company_weekdays(settings) == frozenset({4, 5, 6, 0, 2})  # fri-mon wraps over the weekend
    assert config.caller_id_pool(settings) == ("+13055550100", "+1786")
    assert config.company_window(dataclasses.replace(settings, company_hours="00:00-24:00")) == (time(0), time.max)


def test_the_new_settings_round_trip_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings()
    for key, raw in {
        "mode": "business",
        "company_hours": "09:00-18:00",
        "company_days": "mon-fri",
        "caller_id_pool": "3055550100,4165550100",
        "max_attempts_per_day": "3",
        "dnc_stale_refuses": "true",
    }.items():
        settings = config.with_value(settings, key, raw)
    config.save_settings(settings, path)
    assert config.load_settings(path) == settings
    assert settings.dnc_stale_refuses is True and settings.max_attempts_per_day == 3


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "c2c_desktop", *args], capture_output=True, text=True, timeout=60, env=os.environ.copy()
    )


def test_config_set_from_the_command_line(isolated_profile: Path) -> None:
    done = run_cli("config", "set", "caller_id_pool", "(305) 555-0100, 416 555 0100")
    assert done.returncode == 0 and done.stdout == "caller_id_pool = +13055550100,+14165550100\n"
    assert run_cli("config", "set", "company_days", "Mon-Fri").stdout == "company_days = mon-fri\n"
    assert run_cli("config", "get", "dnc_stale_refuses").stdout == "false\n"
    for key, raw, message in [
        ("mode", "b2b", "mode must be consumer"),
        ("company_hours", "18:00-09:00", "company_hours: the window must end after it starts"),
        ("company_days", "weekdays", "company_days: 'weekdays' in 'weekdays' is not a day"),
        ("caller_id_pool", "3055550100,nope", "caller_id_pool: number 2 ('nope')"),
        ("max_attempts_per_day", "-2", "max_attempts_per_day must be between 0"),
        ("dnc_stale_refuses", "perhaps", "dnc_stale_refuses must be true or false"),
    ]:
        refused = run_cli("config", "set", key, raw)
        assert refused.returncode == 2, (key, refused.stderr)
        assert refused.stderr.count("\n") == 1 and message in refused.stderr and refused.stdout == ""
    # A refused value changes nothing in the file.
    assert run_cli("config", "get", "caller_id_pool").stdout == "+13055550100,+14165550100\n"
    listing = run_cli("config", "list").stdout
    assert "mode = consumer" in listing and "max_attempts_per_day = 0" in listing
