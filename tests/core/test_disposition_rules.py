"""The disposition rules file refuses what it would otherwise ignore or misread, naming the rule and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from c2c_desktop.core.disposition_rules import DispositionRulesError, load_rules, parse_rules


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        # The "no answer" outcome reached nobody: no callback time was agreed, nobody asked not to be called.
        ({"outcome": "no answer", "action": "do-not-call"}, r'rule 1 \("No answer"\): do-not-call makes no sense'),
        ({"outcome": "no answer", "action": "callback"}, r'rule 1 \("No answer"\): callback makes no sense'),
        ({"disposition": "No Answer", "action": "callback"}, "callback makes no sense"),
        (
            {"disposition": "Wrong number", "action": "done", "flag_number": "false"},
            "flag_number must be true or false",
        ),
        ({"disposition": "Wrong number", "action": "done", "flag_number": 1}, "flag_number must be true or false"),
        (
            {"disposition": "Not interested", "action": "done", "max_attempts": 3},
            "'max_attempts' does not apply to done",
        ),
        ({"disposition": "Call back later", "action": "callback", "delay": "1d"}, "'delay' does not apply to callback"),
        ({"disposition": "Left voicemail", "action": "retry", "delay": "1d", "flag_number": True}, "'flag_number'"),
        (
            {"disposition": "Gone", "action": "skip", "as": "Not interested"},
            r"rule 1 \(\"Gone\"\): 'as' does not apply",
        ),
        (
            {"outcome": "no answer", "action": "done", "flag_number": True},
            "flag_number' does not apply to the no answer",
        ),
    ],
)
def test_nonsense_rules_are_refused_naming_the_rule_and_field(rule: dict[str, object], words: str) -> None:
    with pytest.raises(DispositionRulesError, match=words):
        parse_rules(json.dumps({"rules": [rule]}))


def test_no_answer_same_as_a_callback_is_refused_but_same_as_a_retry_is_fine() -> None:
    callback = [
        {"disposition": "Call back later", "action": "callback"},
        {"outcome": "no answer", "action": "same-as", "as": "Call back later"},
    ]
    with pytest.raises(DispositionRulesError, match='"No answer" rule comes to callback'):
        parse_rules(json.dumps({"rules": callback}))
    retry = [
        {"disposition": "Left voicemail", "action": "retry", "delay": "1d"},
        {"outcome": "no answer", "action": "same-as", "as": "Left voicemail"},
    ]
    assert parse_rules(json.dumps({"rules": retry})).no_answer.action == "retry"


def test_real_json_booleans_are_read_as_such() -> None:
    rules = parse_rules(
        json.dumps({"rules": [{"disposition": "Wrong number", "action": "done", "flag_number": False}]})
    )
    found = rules.find("wrong number")
    assert found is not None and found.flag_number is False


def test_a_broken_file_is_refused_and_the_defaults_are_not_used_instead(tmp_path: Path) -> None:
    # The module docstring and the README say so: the list commands and the session stop until it is fixed.
    path = tmp_path / "disposition_rules.json"
    path.write_text(json.dumps({"rules": [{"outcome": "no answer", "action": "do-not-call"}]}), encoding="utf-8")
    with pytest.raises(DispositionRulesError, match="disposition_rules.json"):
        load_rules(path)
    path.unlink()
    assert load_rules(path).no_answer.action == "retry"  # no file: the defaults
