"""The settings file: defaults, validation per key, atomic save, env override, never keys."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from c2c_desktop.core import config
from c2c_desktop.core.config import ConfigError, Settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = config.load_settings(tmp_path / "nope.json")
    assert settings == Settings()
    assert settings.call_type == 2
    assert settings.api_url == "https://secure.dialogtech.com/ibp_api.php"
    assert (settings.connect_timeout, settings.read_timeout) == (5.0, 120.0)


def test_default_path_follows_xdg_config_home(isolated_profile: Path) -> None:
    assert str(config.default_settings_path()).startswith(str(isolated_profile))


def test_round_trip_every_key(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    settings = Settings()
    for key, raw in {
        "agent_number": "(555) 201-0001",
        "call_type": "1",
        "first_callerid": "5552010002",
        "second_callerid": "5552010003",
        "page": "crm/leads",
        "region": "gb",
        "api_url": "http://127.0.0.1:9/ibp_api.php",
        "connect_timeout": "3",
        "read_timeout": "90.5",
    }.items():
        settings = config.with_value(settings, key, raw)
    config.save_settings(settings, path)
    loaded = config.load_settings(path)
    assert loaded == settings
    assert loaded.region == "GB"
    assert config.format_value(loaded, "read_timeout") == "90.5"
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left behind


@pytest.mark.parametrize(
    ("key", "raw", "words"),
    [
        ("call_type", "3", "1 (ring the prospect first) or 2"),
        ("page", "x" * 256, "255"),
        ("region", "XX", "not a known region"),
        ("api_url", "secure.dialogtech.com", "full https://"),
        ("api_url", "https://h/x?secret_access_key=1", "query string"),
        ("api_url", "https://[abc", "not a valid URL"),
        ("api_url", "http://example.com/ibp_api.php", "must use https"),
        ("api_url", "ftp://example.com/", "must use https"),
        ("api_url", "https://example.com:99999/", "not a valid URL"),
        ("read_timeout", "soon", "not a number"),
        ("read_timeout", "0", "between 0.1 and 3600"),
        ("connect_timeout", "nan", "between 0.1 and 3600"),
        ("ca_bundle", "/no/such/ca.pem", "no such file"),
        ("secret_access_key", "x", "unknown setting"),
    ],
)
def test_bad_values_are_refused_with_a_plain_message(key: str, raw: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        config.with_value(Settings(), key, raw)


def test_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        config.load_settings(path)
    path.write_text(json.dumps({"call_type": 7}), encoding="utf-8")
    with pytest.raises(ConfigError, match="call_type"):
        config.load_settings(path)


def test_unknown_keys_in_file_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"agent_number": "5552010001", "from_the_future": 1}), encoding="utf-8")
    assert config.load_settings(path).agent_number == "+15552010001"  # pinned to its country, read in the file's region


def test_env_overrides_api_url_only_for_the_run(tmp_path: Path) -> None:
    settings = Settings()
    env = {config.API_URL_ENV: "http://127.0.0.1:8765/ibp_api.php"}
    assert config.effective_settings(settings, env).api_url == "http://127.0.0.1:8765/ibp_api.php"
    assert config.effective_settings(settings, {}).api_url == config.DEFAULT_API_URL
    with pytest.raises(ConfigError, match=config.API_URL_ENV):
        config.effective_settings(settings, {config.API_URL_ENV: "ftp://x"})


def test_settings_have_no_key_fields() -> None:
    names = {field for field in Settings.__dataclass_fields__}
    assert not {name for name in names if "key" in name or "secret" in name}


def test_the_client_and_the_settings_share_one_url_rule_and_default() -> None:
    from c2c_desktop.core import api, service

    assert config.DEFAULT_API_URL is service.DEFAULT_API_URL is api.DEFAULT_API_URL
    assert api.validate_api_url is service.validate_api_url
    for url in ("http://localhost:8765/ibp_api.php", "http://[::1]:9/x", "https://example.com/ibp_api.php"):
        assert config.with_value(Settings(), "api_url", url).api_url == url


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"api_url": "https://[abc"}', "not a valid URL"),
        (b'{"page": "caf\xe9"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
    ids=["bad-url", "latin-1", "deeply-nested"],
)
def test_unreadable_settings_files_are_one_line_errors(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=words) as caught:
        config.load_settings(path)
    assert "\n" not in str(caught.value)


def test_bad_env_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="C2C_DESKTOP_API_URL: .*not a valid URL"):
        config.effective_settings(Settings(), {"C2C_DESKTOP_API_URL": "https://[abc"})


def test_ca_bundle_is_stored_absolute_and_help_says_it_replaces_the_system_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "corp-ca.pem").write_text("not checked here\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = config.with_value(Settings(), "ca_bundle", "corp-ca.pem")
    assert settings.ca_bundle == str(tmp_path / "corp-ca.pem")
    assert "instead of the system's" in config.SETTING_HELP["ca_bundle"]
    assert config.with_value(settings, "ca_bundle", "").ca_bundle == ""


def test_a_read_timeout_below_a_ring_gets_a_warning() -> None:
    assert config.read_timeout_warning(config.Settings().read_timeout) is None  # the default, 120 s
    assert config.read_timeout_warning(config.SHORT_READ_TIMEOUT_S) is None
    warning = config.read_timeout_warning(10)
    assert warning is not None and "10 s" in warning and "unknown" in warning


def test_an_environment_override_is_not_written_back() -> None:
    env = {config.API_URL_ENV: "http://127.0.0.1:8765/ibp_api.php"}
    in_file = Settings(agent_number="5550100")
    shown = config.effective_settings(in_file, env)  # what the Settings dialog shows
    edited = dataclasses.replace(shown, agent_number="5550199")
    saved = config.settings_to_save(edited, in_file, env)
    assert saved.api_url == config.DEFAULT_API_URL and saved.agent_number == "5550199"
    chosen = dataclasses.replace(shown, api_url="https://c2c.example/ibp_api.php")  # the user typed a new URL
    assert config.settings_to_save(chosen, in_file, env).api_url == "https://c2c.example/ibp_api.php"
    assert config.settings_to_save(edited, in_file, {}) == edited  # no override: written as edited
