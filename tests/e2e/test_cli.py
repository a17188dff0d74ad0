"""The CLI end to end: real subprocesses, the stand-in over loopback, a real gnome-keyring, a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from c2c_desktop.core.simulator import Fault, StandInService
from c2c_desktop.core.store import default_db_path
from tests.keyring_session import secret_service  # noqa: F401  (fixture)

pytestmark = pytest.mark.keyring

CANARY = f"CANARY-{uuid.uuid4().hex}"
ACCESS_KEY = "AK-cli-test"


def run_cli(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "c2c_desktop", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(access_key=ACCESS_KEY, secret_access_key=CANARY) as service:
        yield service


@pytest.fixture
def configured(secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch, standin: StandInService):  # noqa: F811
    """Keys in the real keyring, the agent number and the stand-in's URL in the settings file."""
    for name, value in secret_service.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    assert run_cli("keys", "set", stdin=f"{ACCESS_KEY}\n{CANARY}\n").returncode == 0
    assert run_cli("config", "set", "agent_number", "(555) 201-0001").returncode == 0
    assert run_cli("config", "set", "api_url", standin.url).returncode == 0
    # The fictional 555 area code has no time zone, which the consumer calling rules refuse; these tests are about
    # the call itself (tests/e2e/test_cli_rules.py runs the rules under a fake clock).
    assert run_cli("config", "set", "mode", "business").returncode == 0
    yield standin
    run_cli("keys", "clear")


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert CANARY not in text


@pytest.mark.parametrize(
    ("number", "fault", "code", "words"),
    [
        ("(555) 201-0003", Fault.NONE, 0, "Connected — the service is now calling"),
        ("555.201.0007", Fault.NONE, 1, "No answer on your phone"),
        ("+1 555 201 0004", Fault.UNAUTHORIZED, 4, "keys"),
        ("5552010004", Fault.RATE_LIMITED, 4, ""),
        ("5552010004", Fault.RESET, 3, "not retried"),
        ("5552010004", Fault.SERVER_ERROR, 3, "not retried"),
        ("5552010004", Fault.HTML, 3, "not retried"),
    ],
)
def test_call_exit_codes_and_exactly_one_request(
    configured: StandInService, number: str, fault: Fault, code: int, words: str
) -> None:
    configured.fault = fault
    result = run_cli("call", number)
    assert result.returncode == code, result.stderr
    assert words in result.stdout
    assert "Traceback" not in result.stderr
    assert configured.request_count == 1
    sent = configured.requests[0].params
    assert sent["phone_to_call"] == number_digits(number)
    assert sent["id"] == "5552010001"
    assert sent["type"] == "2"
    assert_no_secret(result.stdout, result.stderr)


def number_digits(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def test_read_timeout_is_unknown_and_the_journal_says_so(configured: StandInService) -> None:
    configured.fault = Fault.HANG
    result = run_cli("call", "5552010002", "--timeout", "1")
    assert result.returncode == 3
    assert "may still be ringing" in result.stdout.lower() or "may have been placed" in result.stdout.lower()
    history = json.loads(run_cli("history", "list", "--json").stdout)
    assert history[0]["outcome"] == "unknown"
    assert history[0]["state"] == "done"
    assert configured.request_count == 1


def test_not_sent_cases_send_nothing(configured: StandInService) -> None:
    for args, words in [
        (("call", "555"), "too short"),
        (("call", "no number here"), "Not sent"),
        (("call", "911"), "Not sent"),
        (("call", "5552010003", "--ref", "r" * 33), "32"),
        (("call", "5552010003", "--page", "p" * 256), "255"),
    ]:
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert words in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert configured.request_count == 0


def test_refused_connection_is_not_sent(configured: StandInService) -> None:
    configured.stop()
    result = run_cli("call", "5552010003")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "refused the connection" in result.stdout, result.stdout + result.stderr
    assert "secret_access_key" not in result.stdout + result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_missing_keys_is_not_sent(configured: StandInService) -> None:
    assert run_cli("keys", "clear").returncode == 0
    result = run_cli("call", "5552010003")
    assert result.returncode == 2
    assert "keys set" in result.stderr
    bad_number = run_cli("call", "911")  # without keys, a refused number is still named
    assert bad_number.returncode == 2 and "emergency number" in bad_number.stderr
    assert "keys" not in bad_number.stderr
    assert configured.request_count == 0


def test_keys_status_never_prints_the_secret(configured: StandInService) -> None:
    result = run_cli("keys", "status")
    assert result.returncode == 0
    assert ACCESS_KEY[:4] in result.stdout or "stored" in result.stdout.lower()
    assert_no_secret(result.stdout, result.stderr)


def test_keys_status_exit_code_says_whether_keys_are_there(
    configured: StandInService, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("keys", "status").returncode == 0  # both saved (the fixture)
    assert run_cli("keys", "clear").returncode == 0
    missing = run_cli("keys", "status")
    assert missing.returncode == 1 and "No keys saved" in missing.stdout
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    unusable = run_cli("keys", "status")
    assert unusable.returncode == 2, unusable.stdout + unusable.stderr
    assert "keyring" in unusable.stdout.lower()


def test_config_set_warns_about_a_read_timeout_shorter_than_a_ring(configured: StandInService) -> None:
    short = run_cli("config", "set", "read_timeout", "10")
    assert short.returncode == 0 and "read_timeout = 10" in short.stdout
    assert "recorded as unknown" in short.stderr
    assert "warning" not in run_cli("config", "set", "read_timeout", "90").stderr


def test_config_set_refuses_a_phone_setting_that_holds_no_number(configured: StandInService) -> None:
    before = run_cli("config", "get", "agent_number").stdout
    refused = run_cli("config", "set", "agent_number", "garbage")
    assert refused.returncode == 2 and "agent_number: no phone number found in 'garbage'" in refused.stderr
    assert run_cli("config", "get", "agent_number").stdout == before  # nothing was saved
    assert run_cli("config", "set", "first_callerid", "12").returncode == 2
    accepted = run_cli("config", "set", "second_callerid", "(555) 201-0004")
    # Stored pinned to its country (read in the configured region), so a later change of region keeps the number.
    assert accepted.returncode == 0 and "second_callerid = +15552010004" in accepted.stdout
    assert run_cli("config", "set", "second_callerid", "").returncode == 0  # empty clears it


def test_overrides_reach_the_service(configured: StandInService) -> None:
    result = run_cli(
        "call",
        "5552010003",
        "--agent",
        "5552010009",
        "--type",
        "1",
        "--ref",
        "lead-42",
        "--page",
        "crm",
        "--first-callerid",
        "5552010005",
        "--second-callerid",
        "5552010006",
    )
    assert result.returncode == 0, result.stderr
    params = configured.requests[0].params
    assert (params["id"], params["type"], params["ref"], params["page"]) == ("5552010009", "1", "lead-42", "crm")
    assert (params["first_callerid"], params["second_callerid"]) == ("5552010005", "5552010006")
    assert "ref lead-42" in result.stdout


def test_generated_ref_is_sent_and_journaled(configured: StandInService) -> None:
    result = run_cli("call", "5552010003")
    assert result.returncode == 0
    sent_ref = configured.requests[0].params["ref"]
    assert 0 < len(sent_ref) <= 32
    history = json.loads(run_cli("history", "list", "--json").stdout)
    assert history[0]["ref"] == sent_ref
    assert history[0]["outcome"] == "connected"
    table = run_cli("history", "list").stdout
    assert sent_ref in table and "connected" in table


def kill_9_once_its_request_is_out(standin: StandInService, *args: str) -> subprocess.Popen[bytes]:
    """Run `c2c-desktop ARGS` against a stand-in that never answers and kill -9 it once its request has arrived."""
    standin.fault = Fault.HANG
    process = subprocess.Popen(
        [sys.executable, "-m", "c2c_desktop", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    kill_9_once_requested(standin, process, 1)
    return process


def kill_9_once_requested(standin: StandInService, process: subprocess.Popen[Any], requests: int) -> None:
    """kill -9 `process` once the stand-in has received `requests` requests in all (the call is out and its journal
    row says `placing`); its pipes are drained and closed. Also used for the window (test_session_xvfb.py)."""
    try:
        assert standin.wait_for_requests(requests, timeout=30), f"{standin.request_count} requests, not {requests}"
    finally:
        process.send_signal(signal.SIGKILL)  # also when the request never came: no process outlives the test
        process.communicate(timeout=30)


def test_kill_9_mid_call_leaves_an_unknown_row(configured: StandInService) -> None:
    process = kill_9_once_its_request_is_out(configured, "call", "5552010003")
    assert process.returncode == -signal.SIGKILL
    history = json.loads(run_cli("history", "list", "--json").stdout)  # the next start recovers the row
    assert len(history) == 1
    assert history[0]["outcome"] == "unknown"
    assert "stopped before the outcome was known" in history[0]["message"]
    with sqlite3.connect(default_db_path()) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        dump = "\n".join(db.iterdump())
    assert CANARY not in dump and "secret_access_key" not in dump


def test_settings_file_and_database_never_hold_the_secret(configured: StandInService, isolated_profile: Path) -> None:
    for fault in (Fault.NONE, Fault.RESET, Fault.SERVER_ERROR, Fault.REDIRECT, Fault.XML_FAILURE):
        configured.fault = fault
        run_cli("-v", "call", "5552010003", "--again")  # --again: the UNKNOWN outcomes would block the next call
    for path in isolated_profile.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_verbose_log_is_redacted(configured: StandInService) -> None:
    result = run_cli("-v", "call", "5552010003")
    assert result.returncode == 0
    assert "ibp_api.php" in result.stderr or "DEBUG" in result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_config_errors_are_one_line(isolated_profile: Path) -> None:
    bad = run_cli("config", "set", "call_type", "9")
    assert bad.returncode == 2 and "call_type must be 1" in bad.stderr and "Traceback" not in bad.stderr
    listing = run_cli("config", "list")
    assert listing.returncode == 0 and "agent_number" in listing.stdout and "read_timeout = 120" in listing.stdout
    settings = next(isolated_profile.rglob("settings.json"), None)
    assert settings is None  # a refused value writes nothing
    unknown = run_cli("frobnicate")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr


def test_keys_set_refuses_blank_input() -> None:
    result = run_cli("keys", "set", stdin="\n\n")
    assert result.returncode == 2
    assert "both the access key and the secret" in result.stderr


def test_no_keyring_is_a_clear_error() -> None:
    result = run_cli("keys", "set", stdin="a\nb\n")  # the suite's default: keyring's fail backend
    assert result.returncode == 2
    assert "keyring" in result.stderr.lower() and "Traceback" not in result.stderr
    assert "b\n" not in result.stderr


def test_ctrl_c_while_ringing_finishes_the_row_unknown_and_blocks_a_blind_redial(configured: StandInService) -> None:
    configured.fault = Fault.HANG
    process = subprocess.Popen(
        [sys.executable, "-m", "c2c_desktop", "call", "5552010003"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert configured.wait_for_requests(1, timeout=30)
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=1.0)  # still waiting for the first leg a second later
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
    assert process.returncode == 3, stderr
    assert "interrupted while waiting; the call may still be ringing; it was not retried" in stdout
    assert "Traceback" not in stderr
    [row] = json.loads(run_cli("history", "list", "--json").stdout)
    assert (row["state"], row["outcome"]) == ("done", "unknown") and "interrupted while waiting" in row["message"]
    assert 1.0 <= row["resolution_s"] < 30  # the time it waited for the first leg, not 0.0

    configured.fault = Fault.NONE
    refused = run_cli("call", "(555) 201-0003")
    assert refused.returncode == 2
    assert "may still be ringing (unknown outcome); add --again" in refused.stderr
    assert configured.request_count == 1
    again = run_cli("call", "5552010003", "--again")
    assert again.returncode == 0, again.stdout + again.stderr
    assert configured.request_count == 2
    assert run_cli("call", "5552010003").returncode == 0  # a known outcome does not block


def _run_main_with(handler_code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run cli.main in a child whose `config` command is replaced by `handler_code` (a function body)."""
    body = "\n".join(f"    {line}" for line in handler_code.splitlines())
    code = (
        "import logging, sys\n"
        "from c2c_desktop import cli\n"
        f"def handler(args):\n{body}\n"
        "cli.HANDLERS['config'] = handler\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, env=os.environ.copy()
    )


def test_verbose_log_filter_sits_on_the_root_handler() -> None:
    # A record from a logger that has no filter of its own (keyring, the window) reaches only the root handler.
    result = _run_main_with(
        f"logging.getLogger('keyring.backend').warning('url ?secret_access_key={CANARY}&x=1')\nreturn 0",
        "-v",
        "config",
        "list",
    )
    assert result.returncode == 0, result.stderr
    assert "secret_access_key=***" in result.stderr
    assert_no_secret(result.stdout, result.stderr)


def test_a_store_error_reaching_main_is_one_line() -> None:
    result = _run_main_with(
        "from c2c_desktop.core.store import StoreError\nraise StoreError('the journal is locked')", "config", "list"
    )
    assert result.returncode == 2
    assert result.stderr == "c2c-desktop: the journal is locked\n"


@pytest.mark.parametrize(
    ("setup", "args", "words"),
    [
        ("none", ("config", "set", "api_url", "https://[abc"), "not a valid URL"),
        ("env", ("config", "get", "api_url"), "C2C_DESKTOP_API_URL"),
        ("file-url", ("config", "list"), "not a valid URL"),
        ("file-latin1", ("config", "list"), "not UTF-8"),
        ("file-nested", ("config", "list"), "not valid JSON"),
        ("none", ("simulator", "--port", "70000"), "between 1 and 65535"),
        ("none", ("simulator", "--ring-seconds", "-1"), "the ring must last 0 to 3600 seconds"),
        ("none", ("simulator", "--ring-seconds", "3601"), "the ring must last 0 to 3600 seconds"),
        ("none", ("simulator", "--ring-seconds", "nan"), "the ring must last 0 to 3600 seconds"),
        ("none", ("simulator", "--ring-seconds", "soon"), "'soon' is not a number of seconds"),
    ],
)
def test_bad_input_is_one_line_not_a_traceback(
    isolated_profile: Path, monkeypatch: pytest.MonkeyPatch, setup: str, args: tuple[str, ...], words: str
) -> None:
    from c2c_desktop.core.config import default_settings_path

    path = default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if setup == "env":
        monkeypatch.setenv("C2C_DESKTOP_API_URL", "https://[abc")
    elif setup == "file-url":
        path.write_text('{"api_url": "https://[abc"}', encoding="utf-8")
    elif setup == "file-latin1":
        path.write_bytes(b'{"page": "caf\xe9"}')
    elif setup == "file-nested":
        path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    result = run_cli(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_keys_set_on_a_terminal_then_end_of_input_is_one_line() -> None:
    import pty

    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "c2c_desktop", "keys", "set"],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        os.close(terminal)
        terminal = -1
        os.write(controller, b"\x04")  # Ctrl+D at the prompt: end of input
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    assert process.returncode == 2, stdout + stderr
    assert "input ended" in stderr and "Traceback" not in stderr


def test_config_list_shows_the_environment_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C2C_DESKTOP_API_URL", "http://127.0.0.1:9/ibp_api.php")
    listing = run_cli("config", "list")
    assert listing.returncode == 0
    assert (
        "api_url = http://127.0.0.1:9/ibp_api.php    # from C2C_DESKTOP_API_URL; the file says https://"
        in listing.stdout
    )
    assert run_cli("config", "get", "api_url").stdout.strip() == "http://127.0.0.1:9/ibp_api.php"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("call", "--type", "3", "5552010003"), "invalid choice: 3"),
        (("history", "list", "--limit", "-1"), "it must be 1 or more"),
        (("keys", "bogus"), "invalid choice: 'bogus'"),
    ],
)
def test_usage_errors_are_one_line(args: tuple[str, ...], words: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and words in result.stderr and "--help" in result.stderr


def test_help_says_how_to_open_the_demo() -> None:
    assert "--demo" in run_cli("--help").stdout


def test_a_change_of_region_keeps_every_stored_number_the_same_number(
    configured: StandInService, tmp_path: Path
) -> None:
    # Numbers entered under US (the agent's phone in the fixture, a lead file) stay US numbers after region GB:
    # `contacts list` and `call` agree on the digits, dialled internationally from the UK.
    leads = tmp_path / "leads.csv"
    leads.write_text("Name,Phone\nAna Ruiz,(505) 555-0104\n", encoding="utf-8")
    assert run_cli("contacts", "import", str(leads)).returncode == 0
    assert run_cli("config", "set", "region", "GB").returncode == 0
    listed = run_cli("contacts", "list")
    assert "0015055550104" in listed.stdout, listed.stdout
    result = run_cli("call", "+1 505 555 0104")
    assert result.returncode == 0, result.stderr
    sent = configured.requests[0].params
    assert (sent["phone_to_call"], sent["id"]) == ("0015055550104", "0015552010001")
