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

__all__ = ["PROVINCES", "STATE_NAMES", "state_of", "state_of_description"]

#: Postal codes of the US states (with DC) and the Canadian provinces and territories, and their names.
STATE_NAMES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "Washington D.C.", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming",
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut",
    "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip

#: The Canadian ones among them.
PROVINCES = frozenset({"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"})

_BY_NAME = {name.casefold(): code for code, name in STATE_NAMES.items()}
#: Names the geocoder uses that differ from the ones above.
_BY_NAME.update({"newfoundland": "NL", "labrador": "NL", "washington, d.c.": "DC", "yukon territory": "YT"})

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
