"""Issue 12: what Settings → Dispositions writes (through the same core function) is used by the very next
`lists call-next` — each command reads dispositions.txt and disposition_rules.json again."""

from __future__ import annotations

import json

import pytest

from c2c_desktop.core import config
from c2c_desktop.core.disposition_rules import rules_path_for, save_dispositions_and_rules
from c2c_desktop.core.simulator import StandInService
from tests.e2e.test_cli import configured, run_cli, standin  # noqa: F401
from tests.keyring_session import secret_service  # noqa: F401  (fixture)

pytestmark = pytest.mark.keyring


def test_the_next_command_uses_the_dispositions_saved_meanwhile(configured: StandInService) -> None:  # noqa: F811
    assert run_cli("lists", "create", "Edits").returncode == 0
    assert run_cli("lists", "add", "Edits", "5552010003", "5552010004").returncode == 0
    first = run_cli("lists", "call-next", "Edits", "--disposition", "not interested")
    assert first.returncode == 0 and "done" in first.stdout, first.stdout + first.stderr
    settings_path = config.default_settings_path()  # the same profile as the subprocesses (the environment's)
    rules = {"rules": [{"disposition": "Not interested", "action": "retry", "delay": "3h"}]}
    save_dispositions_and_rules(
        config.dispositions_path_for(settings_path),
        rules_path_for(settings_path),
        ["Not interested", "Gatekeeper"],
        json.dumps(rules),
    )
    second = run_cli("lists", "call-next", "Edits", "--disposition", "NOT INTERESTED")
    assert second.returncode == 0, second.stdout + second.stderr
    shown = json.loads(run_cli("lists", "show", "Edits", "--json").stdout)["items"]
    assert [item["state"] for item in shown] == ["done", "due later"]


def test_a_broken_rules_file_is_named_by_its_whole_path(configured: StandInService) -> None:  # noqa: F811
    """The agent has to find the file to fix it: the message says where it is (the settings folder)."""
    assert run_cli("lists", "create", "Broken").returncode == 0
    assert run_cli("lists", "add", "Broken", "5552010003").returncode == 0
    settings_path = config.default_settings_path()
    rules_path = rules_path_for(settings_path)
    assert rules_path.parent == settings_path.parent  # beside settings.json, which `config list` names
    assert f"# {settings_path}" in run_cli("config", "list").stdout
    rules_path.write_text('{"rules": [{"disposition": "Left voicemail", "action": "retry", "delay": "0m"}]}')
    try:
        for command in (("lists", "show", "Broken"), ("lists", "call-next", "Broken")):
            broken = run_cli(*command)
            assert broken.returncode == 2, broken.stdout + broken.stderr
            assert f"the disposition rules cannot be used: {rules_path}: rule 1" in broken.stderr, broken.stderr
            assert "Traceback" not in broken.stderr
        assert configured.request_count == 0
    finally:
        rules_path.unlink()
    unknown = run_cli("lists", "call-next", "Broken", "--disposition", "Gatekeeper")
    assert unknown.returncode == 2 and configured.request_count == 0
    assert f"your dispositions are listed in {config.dispositions_path_for(settings_path)}" in unknown.stderr
