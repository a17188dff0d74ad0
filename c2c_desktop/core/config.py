"""The settings file: agent number, call type, caller IDs, page, region, service URL, timeouts.

Stored as JSON in the platform's config directory (platformdirs, so XDG_CONFIG_HOME moves it). The keys are never
stored here: they live in the OS keyring (credentials.py). The environment variable C2C_DESKTOP_API_URL overrides
api_url for one run without changing the file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

import platformdirs

from c2c_desktop import APP_NAME
from c2c_desktop.core.fileutil import atomic_write_text
from c2c_desktop.core.service import DEFAULT_API_URL, validate_api_url

__all__ = [
    "API_URL_ENV",
    "DEFAULT_API_URL",
    "DISPOSITIONS_FILE_NAME",
    "NUMBER_SETTINGS",
    "SETTING_HELP",
    "MAX_ATTEMPTS_PER_DAY",
    "WEEKDAY_NAMES",
    "ConfigError",
    "Settings",
    "caller_id_pool",
    "company_weekdays",
    "company_window",
    "default_config_dir",
    "parse_team_url_setting",
    "parse_timeout",
    "pin_number",
    "read_timeout_warning",
    "default_settings_path",
    "dispositions_path_for",
    "effective_settings",
    "format_value",
    "load_settings",
    "save_settings",
    "setting_names",
    "settings_to_save",
    "with_value",
]
API_URL_ENV = "C2C_DESKTOP_API_URL"


class ConfigError(ValueError):
    """A bad setting value or an unreadable settings file; str() is one plain line."""


@dataclass(frozen=True)
class Settings:
    agent_number: str = ""  # the service's `id`: the agent's own phone
    call_type: int = 2  # 2 = ring the agent first (see the API notes), 1 = ring the prospect first
    first_callerid: str = ""  # empty: the prospect's own number when call_type is 2 (tells the agent who is coming)
    second_callerid: str = ""
    page: str = "c2c-desktop"
    region: str = "US"
    api_url: str = DEFAULT_API_URL
    connect_timeout: float = 5.0
    read_timeout: float = 120.0
    # Absolute path of a CA file trusted INSTEAD of the system store (requests' verify=path replaces it).
    ca_bundle: str = ""
    mode: str = "consumer"  # a Mode value (core.rules.model)
    company_hours: str = ""  # "HH:MM-HH:MM" in the callee's local time, or "" for none (see company_window)
    company_days: str = ""  # "mon-fri", "mon,wed,fri", or "" for every day (see company_weekdays)
    caller_id_pool: str = ""  # numbers in international form, comma-separated (see caller_id_pool)
    max_attempts_per_day: int = 0  # 0: no company cap
    # Stale do-not-call lists (data older than 31 days) refuse every call to the area codes they cover.
    dnc_stale_refuses: bool = False
    # The desktop (gui/tray.py): a notification when a call's first leg resolves while the window is not in front,
    # and closing the window keeps the app in the tray (only where a tray is available).
    notifications: bool = True
    close_to_tray: bool = True
    # Minutes before a callback's time that its reminder shows (core/list_work.reminders).
    callback_reminder_minutes: int = 2
    # The team database (core/team), postgresql://NAME@HOST/DB; "" = no team mode. Its password is in the keyring.
    team_url: str = ""


#: What `config set` accepts, with the one-line help shown by `config list`.
SETTING_HELP: dict[str, str] = {
    "agent_number": "your own phone, rung as the service's `id`",
    "call_type": "2 = ring your phone first (default), 1 = ring the prospect first",
    "first_callerid": "caller ID shown on the first leg (empty: the prospect's number when call_type is 2)",
    "second_callerid": "caller ID shown on the second leg (a registered or tracking number of the account)",
    "page": "the 'page' recorded in the service's Click-to-Call report (max 255 characters)",
    "region": "default country for numbers without a country code (ISO code such as US, GB, DE)",
    "api_url": "the service URL (https; http only for a loopback stand-in)",
    "connect_timeout": "seconds to wait for the connection to the service",
    "read_timeout": "seconds to wait for the first leg to be answered or not (the phone may ring long)",
    "ca_bundle": "a CA certificate file to trust instead of the system's (for a service behind a private CA)",
    "mode": "consumer (all calling rules) or business (B2B: only the company window and the do-not-call lists)",
    "company_hours": "company calling window in the callee's local time, e.g. 09:00-18:00 (empty: none)",
    "company_days": "days the company calls, e.g. mon-fri or mon,wed,fri (empty: every day)",
    "caller_id_pool": "caller IDs the prospect may be shown, comma-separated; the closest to the prospect is used",
    "max_attempts_per_day": "calls per number per day that may have rung, at most (0: no company cap)",
    "dnc_stale_refuses": "true: a do-not-call list older than 31 days refuses every call to its area codes",
    "notifications": "true: a desktop notification when a call's outcome comes in while the window is not in front",
    "close_to_tray": "true: closing the window keeps the app in the tray (where there is one); quit with Ctrl+Q",
    "callback_reminder_minutes": "minutes before a callback's time that its reminder shows (0 to 120)",
    "team_url": "the team database, postgresql://NAME@HOST/DB?sslmode=verify-full (empty: no team mode)",
}


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_settings_path() -> Path:
    return default_config_dir() / "settings.json"


#: A phone often rings 20-30 s before it is answered or voicemail picks up; the service answers only then.
SHORT_READ_TIMEOUT_S = 30.0


def read_timeout_warning(seconds: float) -> str | None:
    """A warning when `seconds` is too short for the service's answer (it comes when the first leg is answered)."""
    if seconds >= SHORT_READ_TIMEOUT_S:
        return None
    return (
        f"A phone often rings 20-30 s before it is answered or voicemail picks up: a call still ringing after "
        f"{seconds:g} s is recorded as unknown (it may still connect)."
    )


#: The editable disposition list lives next to the settings file.
DISPOSITIONS_FILE_NAME = "dispositions.txt"


def dispositions_path_for(settings_path: str | os.PathLike[str]) -> Path:
    """Where the disposition list is kept: `dispositions.txt` next to the settings file."""
    return Path(settings_path).with_name(DISPOSITIONS_FILE_NAME)


def parse_timeout(raw: str) -> float:
    """Seconds from text, 0.1 to 3600 (the settings file and the CLI's --timeout share this rule)."""
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"'{raw}' is not a number of seconds") from None
    if not math.isfinite(value) or not 0.1 <= value <= 3600:
        raise ConfigError("a timeout must be between 0.1 and 3600 seconds")
    return value


def _parse_call_type(raw: str) -> int:
    if raw.strip() not in ("1", "2"):
        raise ConfigError("call_type must be 1 (ring the prospect first) or 2 (ring your phone first)")
    return int(raw)


def _parse_page(raw: str) -> str:
    if len(raw) > 255:
        raise ConfigError("page is limited to 255 characters by the service")
    return raw


def _parse_region(raw: str) -> str:
    from c2c_desktop.core.phone import is_valid_region

    region = raw.strip().upper()
    if not is_valid_region(region):
        raise ConfigError(f"'{raw}' is not a known region code (use an ISO code such as US, GB, DE)")
    return region


def _parse_api_url(raw: str) -> str:
    url = raw.strip()
    # The client's own rule (https always; http only for loopback), so a URL saved here is one it will use.
    problem = validate_api_url(url)
    if problem:
        raise ConfigError(f"api_url: {problem} (a full https:// URL is needed)")
    if "?" in url:
        raise ConfigError("api_url must not contain a query string (keys never go in the settings file)")
    return url


#: A number already in international form: kept without loading libphonenumber (the settings load at startup).
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def pin_number(raw: str, region: str) -> str:
    """A phone number setting as stored: in international form, read in `region` (the default region in force when
    it is set), so that a later change of region never makes it another number. Kept as typed when it cannot be read:
    a call then refuses it with a message naming the setting."""
    text = raw.strip()
    if not text or _E164.fullmatch(text):
        return text
    from c2c_desktop.core.phone import PhoneError, parse_number

    try:
        return parse_number(text, region).e164
    except PhoneError:
        return text


def _parse_path(raw: str) -> str:
    path = raw.strip()
    if not path:
        return ""
    if not Path(path).is_file():
        raise ConfigError(f"no such file: {path}")
    # Absolute, so the setting means the same file whatever folder the app is started from.
    return str(Path(path).absolute())


# --- calling rules (core/rules): mode, company window, caller ID pool, caps -------------------------------------


def _parse_mode(raw: str) -> str:
    from c2c_desktop.core.rules.model import Mode

    text = raw.strip().lower()
    if text not in {mode.value for mode in Mode}:
        raise ConfigError("mode must be consumer (all calling rules) or business (B2B calls)")
    return text


_CLOCK = re.compile(r"([01]?[0-9]|2[0-4]):([0-5][0-9])")


def _minutes(text: str) -> int | None:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    minutes = int(match[1]) * 60 + int(match[2])
    return minutes if minutes <= 24 * 60 else None


def _parse_company_hours(raw: str) -> str:
    text = raw.strip().replace("\u2013", "-").replace("\u2014", "-")
    if not text:
        return ""
    start_text, dash, end_text = text.partition("-")
    start, end = _minutes(start_text), _minutes(end_text)
    if not dash or start is None or end is None or start >= 24 * 60:
        raise ConfigError(f"company_hours: '{raw}' is not a window such as 09:00-18:00 (empty for none)")
    if start >= end:
        raise ConfigError("company_hours: the window must end after it starts on the same day, e.g. 09:00-18:00")
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


#: Day names as `company_days` takes them, Monday first (datetime.weekday() numbers).
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(text: str, raw: str) -> int:
    name = text.strip().lower()
    for names in (WEEKDAY_NAMES, _FULL_DAY_NAMES):
        if name in names:
            return names.index(name)
    raise ConfigError(f"company_days: '{text.strip()}' in '{raw}' is not a day (use mon, tue, wed, thu, fri, sat, sun)")


def _days_of(raw: str) -> tuple[str, frozenset[int]]:
    """The canonical text and the weekdays (0 = Monday) of a `company_days` value; ConfigError when unreadable."""
    parts = [part.strip() for part in raw.split(",")]
    if not any(parts):
        return "", frozenset(range(7))
    days: set[int] = set()
    canonical: list[str] = []
    for part in parts:
        if not part:
            continue
        first_text, dash, last_text = part.partition("-")
        first = _weekday(first_text, raw)
        last = _weekday(last_text, raw) if dash else first
        span = (last - first) % 7  # "fri-mon" wraps over the weekend
        days.update((first + offset) % 7 for offset in range(span + 1))
        canonical.append(WEEKDAY_NAMES[first] + (f"-{WEEKDAY_NAMES[last]}" if dash else ""))
    return ",".join(canonical), frozenset(days)


def _parse_company_days(raw: str) -> str:
    return _days_of(raw)[0]


MAX_ATTEMPTS_PER_DAY = 1000


def _parse_max_attempts(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"max_attempts_per_day: '{raw}' is not a whole number (0 for no company cap)") from None
    if not 0 <= value <= MAX_ATTEMPTS_PER_DAY:
        raise ConfigError(f"max_attempts_per_day must be between 0 (no company cap) and {MAX_ATTEMPTS_PER_DAY}")
    return value


def _parse_reminder_minutes(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"callback_reminder_minutes: '{raw}' is not a whole number of minutes") from None
    if not 0 <= value <= 120:
        raise ConfigError("callback_reminder_minutes must be between 0 and 120")
    return value


def parse_team_url_setting(raw: str) -> str:
    """The team_url as stored: checked by the team client's own rule (no password in it; another machine only with
    sslmode=verify-full), so a URL saved here is one it will use. Empty: no team mode."""
    url = raw.strip()
    if not url:
        return ""
    try:
        from c2c_desktop.core.team.server import TeamError, parse_team_url
    except ImportError:
        raise ConfigError(f"team_url needs the team extra: pip install '{APP_NAME}[team]'") from None
    try:
        parse_team_url(url)
    except TeamError as exc:
        raise ConfigError(f"team_url: {exc}") from None
    return url


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _parse_bool_setting(key: str) -> Callable[[str], bool]:
    def parse(raw: str) -> bool:
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(f"{key} must be true or false")

    return parse


def _parse_caller_id_pool(raw: str, region: str) -> str:
    """The pool as stored: each number read in `region` and kept in international form, repeats dropped. A number
    that cannot be read is refused with its position (unlike a single number setting, nothing is kept as typed)."""
    pool: list[str] = []
    for position, text in enumerate(raw.split(","), 1):
        if not text.strip():
            continue
        if _E164.fullmatch(text.strip()):  # as saved: the settings load at startup without libphonenumber
            if text.strip() not in pool:
                pool.append(text.strip())
            continue
        from c2c_desktop.core.phone import PhoneError, parse_number

        try:
            number = parse_number(text, region)
        except PhoneError as exc:
            raise ConfigError(f"caller_id_pool: number {position} ('{text.strip()}'): {exc}") from None
        if number.extension:
            raise ConfigError(f"caller_id_pool: number {position} ('{text.strip()}'): a caller ID has no extension")
        if number.e164 not in pool:
            pool.append(number.e164)
    return ",".join(pool)


def company_window(settings: Settings) -> tuple[time, time] | None:
    """The company window (callee's local time) as (start, end), end exclusive; None when none is set. An end of
    24:00 is given as time.max. The value was checked when it was set (`with_value`)."""
    if not settings.company_hours:
        return None
    start_text, _, end_text = _parse_company_hours(settings.company_hours).partition("-")
    start, end = _minutes(start_text) or 0, _minutes(end_text) or 0
    end_time = time.max if end == 24 * 60 else time(end // 60, end % 60)
    return time(start // 60, start % 60), end_time


def company_weekdays(settings: Settings) -> frozenset[int]:
    """The weekdays (0 = Monday, as datetime.weekday()) the company calls on; all seven when none are set."""
    return _days_of(settings.company_days)[1]


def caller_id_pool(settings: Settings) -> tuple[str, ...]:
    """The caller ID pool, in international form, in the order it was set."""
    return tuple(number for number in settings.caller_id_pool.split(",") if number)


#: The settings that hold a phone number: pinned to their country when set (`pin_number`).
NUMBER_SETTINGS = ("agent_number", "first_callerid", "second_callerid")

_PARSERS: dict[str, Callable[[str], Any]] = {
    "call_type": _parse_call_type,
    "page": _parse_page,
    "region": _parse_region,
    "api_url": _parse_api_url,
    "connect_timeout": parse_timeout,
    "read_timeout": parse_timeout,
    "ca_bundle": _parse_path,
    "mode": _parse_mode,
    "company_hours": _parse_company_hours,
    "company_days": _parse_company_days,
    "max_attempts_per_day": _parse_max_attempts,
    "dnc_stale_refuses": _parse_bool_setting("dnc_stale_refuses"),
    "notifications": _parse_bool_setting("notifications"),
    "close_to_tray": _parse_bool_setting("close_to_tray"),
    "callback_reminder_minutes": _parse_reminder_minutes,
    "team_url": parse_team_url_setting,
}


def setting_names() -> list[str]:
    return list(SETTING_HELP)


def with_value(settings: Settings, key: str, raw: str) -> Settings:
    """Return settings with `key` set from the text `raw`; ConfigError names what is wrong.

    A phone number is read in the region of `settings` (see `pin_number`): set the region first.
    """
    if key in NUMBER_SETTINGS:
        pinned: dict[str, Any] = {key: pin_number(raw, settings.region)}
        return dataclasses.replace(settings, **pinned)
    if key == "caller_id_pool":
        return dataclasses.replace(settings, caller_id_pool=_parse_caller_id_pool(raw, settings.region))
    parser = _PARSERS.get(key)
    if parser is None:
        raise ConfigError(f"unknown setting '{key}' (known: {', '.join(SETTING_HELP)})")
    return dataclasses.replace(settings, **{key: parser(raw)})


def format_value(settings: Settings, key: str) -> str:
    if key not in SETTING_HELP:
        raise ConfigError(f"unknown setting '{key}' (known: {', '.join(SETTING_HELP)})")
    value = getattr(settings, key)
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _from_mapping(data: Mapping[str, Any]) -> Settings:
    settings = Settings()
    # The region first: a number stored as typed by an older version is read in the file's region. team_url is taken
    # as written (checked when set, and again when used): reading the file at startup must not load psycopg.
    for key, value in sorted(data.items(), key=lambda item: item[0] != "region"):
        if key == "team_url" and isinstance(value, str):
            settings = dataclasses.replace(settings, team_url=value.strip())
        elif key in SETTING_HELP and value is not None:
            settings = with_value(settings, key, str(value))
    return settings


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file gives the defaults. Unknown keys are ignored (newer versions)."""
    path = path or default_settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(f"cannot read the settings file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"the settings file {path} is not UTF-8 text; fix or delete it") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ConfigError(f"the settings file {path} is not valid JSON; fix or delete it") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the settings file {path} is not a JSON object; fix or delete it")
    try:
        return _from_mapping(data)
    except ConfigError as exc:
        raise ConfigError(f"the settings file {path}: {exc}") from None


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically (temp file + rename) so a crash never leaves half a file."""
    path = path or default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(dataclasses.asdict(settings), indent=2, sort_keys=True) + "\n"
    atomic_write_text(path, text)
    return path


def settings_to_save(edited: Settings, in_file: Settings, environ: Mapping[str, str] | None = None) -> Settings:
    """What to write back after `edited` (a copy of the effective settings) was changed: a value that only came from
    an environment override, left as it was, keeps the file's own value instead of being written into the file."""
    in_use = effective_settings(in_file, environ)
    if edited.api_url == in_use.api_url != in_file.api_url:
        return dataclasses.replace(edited, api_url=in_file.api_url)
    return edited


def effective_settings(settings: Settings, environ: Mapping[str, str] | None = None) -> Settings:
    """Apply the environment overrides (C2C_DESKTOP_API_URL) on top of the file's settings."""
    environ = os.environ if environ is None else environ
    override = environ.get(API_URL_ENV, "").strip()
    if override:
        try:
            return dataclasses.replace(settings, api_url=_parse_api_url(override))
        except ConfigError as exc:
            raise ConfigError(f"{API_URL_ENV}: {exc}") from None
    return settings
