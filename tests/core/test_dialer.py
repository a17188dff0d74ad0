"""prepare_call: what a call sends and what the agent is told before it goes out."""

from __future__ import annotations

from c2c_desktop.core.config import Settings
from c2c_desktop.core.dialer import prepare_call
from c2c_desktop.core.models import Credentials
from tests.rules_support import business_guard

SETTINGS = Settings(agent_number="+1 212 555 0100", region="US")
KEYS = Credentials("AKIAEXAMPLE", "secret-example")


def test_an_extension_is_not_dialled_and_the_agent_is_told_to_ask_for_it() -> None:
    prepared = prepare_call("(312) 555-0150 ext. 214", SETTINGS, KEYS, guard=business_guard(SETTINGS))
    assert prepared.request.phone_to_call == "3125550150"
    assert "ask for extension 214" in " ".join(prepared.warnings)


def test_a_plain_valid_number_has_no_warning() -> None:
    assert prepare_call("(312) 555-0150", SETTINGS, KEYS, guard=business_guard(SETTINGS)).warnings == ()
