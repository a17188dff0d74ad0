"""The US state or Canadian province of a North American (+1) number, from its area code.

The table `resources/nanp_states.json` is made from libphonenumber's geocoder by `scripts/make_nanp_states.py`: the
geocoder names a +1 number's place either by its state or province ("Florida", "Ontario") or by a town and the
state's postal code ("Miami, FL", "Toronto, ON"), per area code and, where it knows them, per exchange. The table
keeps one state per area code and the exchanges that name another (area codes 867 and 902 span several provinces
and territories; an exchange the geocoder does not know is given its area code's). The geocoder itself is not loaded at
run time: it holds every country's places in every language (about 100 MiB in memory, 0.3 s to load).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from c2c_desktop.core.rules.regions import CA_PROVINCES, US_STATES

#: Territories with their own country codes in libphonenumber (PR, VI, GU, AS, MP): never a +1 US state here.
_US_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})

__all__ = ["PROVINCES", "STATE_NAMES", "state_of", "state_of_description"]

#: Postal codes of the US states (with DC) and the Canadian provinces and territories, and their names (the same
#: tables as an address's region: regions.py).
STATE_NAMES: dict[str, str] = {
    **{code: name for code, name in US_STATES.items() if code not in _US_TERRITORIES},
    **CA_PROVINCES,
}

#: The Canadian ones among them.
PROVINCES = frozenset(CA_PROVINCES)

_BY_NAME = {name.casefold(): code for code, name in STATE_NAMES.items()}
#: Names the geocoder uses that differ from the ones above.
_BY_NAME.update(
    {
        "newfoundland": "NL",
        "labrador": "NL",
        "washington d.c.": "DC",
        "washington, d.c.": "DC",
        "yukon territory": "YT",
    }
)

TABLE_PATH = Path(__file__).resolve().parent.parent.parent / "resources" / "nanp_states.json"


def state_of_description(description: str) -> str | None:
    """The postal code of the state or province the geocoder's English description of a +1 number names: "Florida"
    and "Miami, FL" give "FL"; None for anything else (a Caribbean island, "" for a toll-free number)."""
    text = description.strip()
    code = _BY_NAME.get(text.casefold())
    if code is not None:
        return code
    _, comma, tail = text.rpartition(",")
    tail = tail.strip().upper()
    return tail if comma and tail in STATE_NAMES else None


@functools.cache
def _table() -> tuple[dict[str, str], dict[str, str]]:
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return data["area_codes"], data["exchanges"]


def state_of(e164: str) -> str | None:
    """The postal code ("FL", "ON") of the state or province of a +1 number in international form ("+13055550100"),
    by its area code; None for other countries and for area codes with no state (toll-free, Caribbean, unknown)."""
    if not e164.startswith("+1") or len(e164) != 12:
        return None
    areas, exchanges = _table()
    national = e164[2:]
    for length in (7, 6, 5, 4):
        code = exchanges.get(national[:length])
        if code is not None:
            return code
    return areas.get(national[:3])
