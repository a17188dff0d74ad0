"""The one-line verdict the window shows before a call (core/rules/glance.py), from a real guard over the shipped rules
with a frozen clock."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from c2c_desktop.core.config import Settings
from c2c_desktop.core.phone import parse_number
from c2c_desktop.core.rules.glance import glance
from tests.rules_support import guard_at

#: 03:43 UTC on a Wednesday: 04:43 in Berlin, 22:43 the evening before in New York.
BERLIN_NIGHT = datetime(2026, 12, 2, 3, 43, tzinfo=UTC)


def test_a_country_without_a_built_in_rule_is_not_just_callable_now() -> None:
    # A new-user pass read "04:43 (Europe/Berlin) · callable now" in consumer mode as "the law allows it": the rules
    # have no German calling hours, and the line must say so.
    verdict = glance(guard_at(Settings(mode="consumer"), BERLIN_NIGHT), parse_number("+49 30 901820", "US"))
    assert verdict.callable_now
    assert verdict.text == "04:43 (Europe/Berlin) · callable now · no built-in hours rule for DE"


def test_a_company_window_keeps_its_closing_time_and_the_missing_rule() -> None:
    settings = dataclasses.replace(Settings(mode="consumer"), company_hours="00:00-23:00")
    verdict = glance(guard_at(settings, BERLIN_NIGHT), parse_number("+49 30 901820", "US"))
    assert verdict.callable_now
    assert "callable until 23:00 · no built-in hours rule for DE" in verdict.text, verdict.text


def test_a_us_number_inside_its_window_says_nothing_about_missing_rules() -> None:
    afternoon = datetime(2026, 6, 3, 18, 0, tzinfo=UTC)  # 14:00 in New York
    verdict = glance(guard_at(Settings(mode="consumer"), afternoon), parse_number("+1 212 555 0142", "US"))
    assert verdict.callable_now and "no built-in" not in verdict.text, verdict.text
