"""What a disposition does to a list item: the editable rules (`disposition_rules.json`, beside dispositions.txt).

    {"rules": [
      {"disposition": "Left voicemail", "action": "retry", "delay": "1d"},
      {"outcome": "no answer", "action": "retry", "delay": "2h", "max_attempts": 6},
      {"disposition": "Call back later", "action": "callback"},
      {"disposition": "Wrong number", "action": "done", "flag_number": true},
      {"disposition": "Do not call", "action": "do-not-call"},
      {"disposition": "Voicemail full", "action": "same-as", "as": "No answer"}
    ]}

Actions: done (with `flag_number`: true or false, the number flagged as wrong), retry (after `delay`: "30m", "2h",
"1d"; with `max_attempts`, done once that many calls were made), callback (needs a time), do-not-call (the internal
list, at once), skip, same-as (another rule's action, named by `as`). A field that does not belong to the rule's action
is refused, not ignored. The "no answer" outcome (a call nobody answered, no disposition) has a rule of its own, whose
action (followed through same-as) may only be retry, done or skip.

A broken file is refused with one plain line naming the problem (the rule, and its field: an unknown action, a
nonsense delay, a same-as loop...). The defaults are NOT used instead: `load_rules` raises, and the list commands and
the calling session refuse to start until the file is fixed (or removed: no file means the defaults).

Disposition names are matched by `disposition_key` everywhere (the rules, the agent's dispositions.txt, the figures,
the session's keys): without regard to case, spacing or the kind of dash.
"""

from __future__ import annotations

import enum
import json
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from c2c_desktop.core.fileutil import atomic_write_text

RULES_FILE_NAME = "disposition_rules.json"
NO_ANSWER = "No answer"  # the rule for the outcome "no answer" when no disposition is given
MAX_DELAY = timedelta(days=365)
MIN_DELAY = timedelta(minutes=1)
DEFAULT_MAX_NO_ANSWER = 6


_DASHES = ("\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe58", "\ufe63", "\uff0d")


def disposition_key(name: str) -> str:
    """The one way disposition names are compared: "Connected – interested", "connected - Interested" and
    "Connected—interested " are the same disposition (case, spacing and every kind of dash do not matter)."""
    for dash in _DASHES:
        name = name.replace(dash, "-")
    return " ".join(name.replace("-", " - ").split()).casefold()


class DispositionRulesError(ValueError):
    """The rules file cannot be used; str() is one plain line."""


class Action(enum.StrEnum):
    DONE = "done"
    RETRY = "retry"
    CALLBACK = "callback"
    DO_NOT_CALL = "do-not-call"
    SKIP = "skip"
    SAME_AS = "same-as"


@dataclass(frozen=True)
class DispositionRule:
    name: str
    action: Action
    delay: timedelta | None = None
    max_attempts: int | None = None
    flag_number: bool = False
    same_as: str = ""

    @property
    def needs_time(self) -> bool:
        return self.action is Action.CALLBACK

    def describe(self) -> str:
        if self.action is Action.RETRY and self.delay is not None:
            cap = f", at most {self.max_attempts} attempts (then done)" if self.max_attempts else ""
            return f"retry in {format_delay(self.delay)}{cap}"
        if self.action is Action.CALLBACK:
            return "a callback at a time given with it (required)"
        if self.action is Action.DO_NOT_CALL:
            return "the internal do-not-call list, at once"
        if self.action is Action.SAME_AS:
            return f'as "{self.same_as}"'
        return "done" + (" and the number flagged as wrong" if self.flag_number else "")


@dataclass(frozen=True)
class DispositionRules:
    rules: dict[str, DispositionRule] = field(default_factory=dict)  # by disposition_key(name)

    def find(self, name: str) -> DispositionRule | None:
        """The rule for a disposition (matched by `disposition_key`), followed through same-as; None when there is
        none."""
        rule = self.rules.get(disposition_key(name))
        seen = 0
        while rule is not None and rule.action is Action.SAME_AS and seen <= len(self.rules):
            rule = self.rules.get(disposition_key(rule.same_as))
            seen += 1
        return rule

    @property
    def no_answer(self) -> DispositionRule:
        return self.find(NO_ANSWER) or DispositionRule(
            NO_ANSWER, Action.RETRY, timedelta(hours=2), DEFAULT_MAX_NO_ANSWER
        )


DEFAULT_RULES_JSON = {
    "rules": [
        {"disposition": "Connected – interested", "action": "done"},
        {"disposition": "Not interested", "action": "done"},
        {"disposition": "Left voicemail", "action": "retry", "delay": "1d"},
        {"outcome": "no answer", "action": "retry", "delay": "2h", "max_attempts": DEFAULT_MAX_NO_ANSWER},
        {"disposition": "Call back later", "action": "callback"},
        {"disposition": "Wrong number", "action": "done", "flag_number": True},
        {"disposition": "Do not call", "action": "do-not-call"},
    ]
}

_DELAY = re.compile(r"\s*(\d+)\s*(m|min|minutes?|h|hours?|d|days?)\s*", re.IGNORECASE)


def parse_delay(text: object) -> timedelta:
    """'30m', '2h', '1d' as a timedelta; DispositionRulesError for anything else or outside 1 minute..365 days."""
    match = _DELAY.fullmatch(str(text)) if isinstance(text, str) else None
    if match is None:
        raise DispositionRulesError(f"delay {text!r} is not a delay such as 30m, 2h or 1d")
    amount, unit = int(match.group(1)), match.group(2)[0].lower()
    delay = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    if not MIN_DELAY <= delay <= MAX_DELAY:
        raise DispositionRulesError(f"delay {text!r} makes no sense: use 1 minute to 365 days")
    return delay


def format_delay(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def parse_rules(text: str) -> DispositionRules:
    """Read and check the rules; DispositionRulesError names the first problem (rule N: ...)."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DispositionRulesError(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    rows = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise DispositionRulesError('it must hold {"rules": [...]}')
    rules: dict[str, DispositionRule] = {}
    for number, row in enumerate(rows, 1):
        where = f"rule {number}"
        if not isinstance(row, dict):
            raise DispositionRulesError(f"{where} is not an object")
        unknown = set(row) - {"disposition", "outcome", "action", "delay", "max_attempts", "flag_number", "as"}
        if unknown:
            raise DispositionRulesError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        if "outcome" in row:
            if str(row["outcome"]).strip().casefold() != NO_ANSWER.casefold():
                raise DispositionRulesError(f'{where}: the only outcome with a rule is "no answer"')
            name = NO_ANSWER
        else:
            name = " ".join(str(row.get("disposition", "")).split())
        if not name:
            raise DispositionRulesError(f"{where}: a disposition name is missing")
        where = f'{where} ("{name}")'
        try:
            action = Action(str(row.get("action", "")).strip().lower())
        except ValueError:
            known = ", ".join(action.value for action in Action)
            raise DispositionRulesError(f"{where}: unknown action {row.get('action')!r} (known: {known})") from None
        _check_fields(where, row, action, is_no_answer=disposition_key(name) == disposition_key(NO_ANSWER))
        delay = None
        if action is Action.RETRY:
            try:
                delay = parse_delay(row.get("delay"))
            except DispositionRulesError as exc:
                raise DispositionRulesError(f"{where}: {exc}") from None
        max_attempts = row.get("max_attempts")
        if max_attempts is not None and (
            isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or not 1 <= max_attempts <= 100
        ):
            raise DispositionRulesError(f"{where}: max_attempts must be a whole number from 1 to 100")
        flag_number = row.get("flag_number", False)
        if not isinstance(flag_number, bool):
            raise DispositionRulesError(
                f"{where}: flag_number must be true or false (without quotes), not {flag_number!r}"
            )
        same_as = " ".join(str(row.get("as", "")).split())
        if action is Action.SAME_AS and not same_as:
            raise DispositionRulesError(f'{where}: same-as needs "as": the disposition it behaves like')
        if disposition_key(name) in rules:
            raise DispositionRulesError(f"{where}: a second rule for the same disposition")
        rules[disposition_key(name)] = DispositionRule(name, action, delay, max_attempts, flag_number, same_as)
    for rule in rules.values():
        _check_chain(rule, rules)
    checked = DispositionRules(rules)
    no_answer = checked.find(NO_ANSWER)
    if no_answer is not None and no_answer.action not in NO_ANSWER_ACTIONS:
        allowed = ", ".join(action.value for action in NO_ANSWER_ACTIONS)
        raise DispositionRulesError(
            f'the "{NO_ANSWER}" rule comes to {no_answer.action.value}: nobody was reached, so only {allowed} fit'
        )
    return checked


#: The fields each action takes, besides "disposition"/"outcome" and "action".
_FIELDS_OF = {
    Action.DONE: frozenset({"flag_number"}),
    Action.RETRY: frozenset({"delay", "max_attempts"}),
    Action.CALLBACK: frozenset(),
    Action.DO_NOT_CALL: frozenset(),
    Action.SKIP: frozenset(),
    Action.SAME_AS: frozenset({"as"}),
}
#: What the "no answer" outcome may do: nobody was reached, so no callback time was agreed and no one asked not to
#: be called.
NO_ANSWER_ACTIONS = (Action.RETRY, Action.DONE, Action.SKIP)


def _check_fields(where: str, row: dict[str, Any], action: Action, *, is_no_answer: bool) -> None:
    """A field that the action does not use is refused (it would be silently ignored), naming the rule and field."""
    for name in ("delay", "max_attempts", "flag_number", "as"):
        if name in row and name not in _FIELDS_OF[action]:
            users = [each.value for each, fields in _FIELDS_OF.items() if name in fields]
            raise DispositionRulesError(
                f"{where}: {name!r} does not apply to {action.value} (only to {' and '.join(users)}): remove it"
            )
    if is_no_answer and "flag_number" in row:
        raise DispositionRulesError(f"{where}: 'flag_number' does not apply to the no answer outcome: remove it")
    if is_no_answer and action not in (*NO_ANSWER_ACTIONS, Action.SAME_AS):
        allowed = ", ".join(each.value for each in NO_ANSWER_ACTIONS)
        raise DispositionRulesError(f"{where}: {action.value} makes no sense for a call nobody answered: use {allowed}")


def _check_chain(rule: DispositionRule, rules: dict[str, DispositionRule]) -> None:
    path = [rule.name]
    current = rule
    while current.action is Action.SAME_AS:
        target = rules.get(disposition_key(current.same_as))
        if target is None:
            raise DispositionRulesError(f'"{current.name}" is the same as "{current.same_as}", which has no rule')
        if target.name in path:
            loop = " → ".join([*path, target.name])
            raise DispositionRulesError(f"the rules go round in a loop: {loop}")
        path.append(target.name)
        current = target


def default_rules() -> DispositionRules:
    return parse_rules(json.dumps(DEFAULT_RULES_JSON))


def rules_path_for(settings_path: str | os.PathLike[str]) -> Path:
    """`disposition_rules.json` next to the settings file (and dispositions.txt)."""
    return Path(settings_path).with_name(RULES_FILE_NAME)


def load_rules(path: str | os.PathLike[str]) -> DispositionRules:
    """The rules in the file, or the defaults when there is none; DispositionRulesError when it is broken."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return default_rules()
    except OSError as exc:
        raise DispositionRulesError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DispositionRulesError(f"cannot read {path}: it is not UTF-8 text") from None
    try:
        return parse_rules(text)
    except DispositionRulesError as exc:
        # The whole path: the agent has to find the file (the settings folder) to fix it.
        raise DispositionRulesError(f"{path}: {exc}") from None


def save_rules_text(path: str | os.PathLike[str], text: str) -> DispositionRules:
    """Check `text` and write it (whole, or nothing if it is refused)."""
    rules = parse_rules(text)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(Path(path), text)
    return rules


# -- Settings → Dispositions: the list and its rules, edited together ----------------------------------------------


def delay_text(delay: timedelta) -> str:
    """A delay as the rules file writes it ("30m", "2h", "1d"); `parse_delay` reads it back."""
    minutes = int(delay.total_seconds() // 60)
    if minutes and minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes and minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def save_dispositions_and_rules(
    dispositions_path: str | os.PathLike[str], rules_path: str | os.PathLike[str], names: list[str], rules_text: str
) -> DispositionRules:
    """Write the disposition list (`names`, in the order of the keys 1–9) and the rules file together.

    Both are checked first: the rules by `parse_rules` (the same refusals as a file edited by hand), the names for
    an empty one or one given twice ("row N: ..."). A refusal raises DispositionRulesError and writes nothing. Each
    file is written whole (renamed into place); if the list cannot be written after the rules were, the rules file
    is put back as it was and the OSError raised."""
    from c2c_desktop.core.journal_export import save_dispositions

    rules = parse_rules(rules_text)
    cleaned = [" ".join(name.split()) for name in names]
    if not cleaned:
        raise DispositionRulesError("keep at least one disposition")
    seen: dict[str, int] = {}
    for number, name in enumerate(cleaned, 1):
        if not name:
            raise DispositionRulesError(f"row {number}: a disposition name is missing")
        if name.casefold() in seen:
            raise DispositionRulesError(f'row {number} ("{name}") is also row {seen[name.casefold()]}')
        seen[name.casefold()] = number
    target = Path(rules_path)
    try:
        previous: str | None = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        previous = None
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, rules_text)
    try:
        save_dispositions(dispositions_path, cleaned)
    except OSError:
        if previous is None:
            target.unlink(missing_ok=True)
        else:
            atomic_write_text(target, previous)
        raise
    return rules
