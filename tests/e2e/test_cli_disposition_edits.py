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
