"""`lists call-next` with calling rules that cannot be used: exit 2 with the real reason, nothing journaled or sent.

The calling rules come only from the file shipped with the app (`resources/calling_rules.json`, read by
`hours.load_rules`; no setting or file in the settings folder overrides it), so the user cannot break it: this test
breaks the loader instead (in-process CLI, a real SQLite file, the stand-in over loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop import cli
from c2c_desktop.core.rules import hours
from c2c_desktop.core.simulator import StandInService

REASON = "calling_rules.json: jurisdiction US-FL: 'hours' is not a time range"


@pytest.fixture
def rules_cache() -> Iterator[None]:
    """The rules are loaded once per process (rules_or_error is cached): forgotten before and after."""
    hours.rules_or_error.cache_clear()
    yield
    hours.rules_or_error.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_call_next_with_broken_calling_rules_exits_2_with_the_reason_and_sends_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, rules_cache: None, tmp_path: Path
) -> None:
    with StandInService(ring_seconds=0.1) as standin:
        assert run(capsys, "config", "set", "agent_number", "(312) 555-0100")[0] == 0
        assert run(capsys, "config", "set", "api_url", standin.url)[0] == 0
        assert run(capsys, "lists", "create", "Today")[0] == 0
        assert run(capsys, "lists", "add", "Today", "+13055550100")[0] == 0

        def broken(_path: Path | None = None) -> hours.CallingRules:
            raise hours.RulesFileError(REASON)

        monkeypatch.setattr(hours, "load_rules", broken)
        hours.rules_or_error.cache_clear()  # the commands above loaded the good ones in this process
        code, out, err = run(capsys, "lists", "call-next", "Today")
        assert code == 2, out + err
        assert err.strip() == f"c2c-desktop: Nothing was called: the calling rules file is broken: {REASON}"
        assert "Traceback" not in err and "callable now" not in out
        assert standin.request_count == 0
        code, out, err = run(capsys, "history", "list", "--json")
        assert code == 0 and json.loads(out) == []  # nothing journaled either
        item = json.loads(run(capsys, "lists", "show", "Today", "--json")[1])["items"][0]
        assert item["attempts"] == 0 and not item["callable_now"]
        assert item["why_not_now"] == "not callable: the calling rules cannot be used"
