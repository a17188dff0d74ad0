"""Where a callee is: US states and Canadian provinces as ISO 3166-2 codes ("US-FL", "CA-ON"), read from an address
(contact import, the contact's stored `region_code`), and the IANA time zones of each. (A number's own state comes
from its area code: areas.py.)

The zones of a state are a fixed table (`SUBDIVISION_ZONES`): every zone in use in some part of it, so that a contact
known only by its state is judged in all of them.
"""

from __future__ import annotations

import functools

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky",
    "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam", "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}  # fmt: skip

CA_PROVINCES: dict[str, str] = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut",
    "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}  # fmt: skip

#: Every IANA zone used in some part of each state or province (Florida's panhandle is Central, Idaho's north
#: Pacific, Arizona's Navajo Nation keeps daylight time, ...).
SUBDIVISION_ZONES: dict[str, tuple[str, ...]] = {
    "US-AL": ("America/Chicago",), "US-AK": ("America/Anchorage", "America/Adak"), "US-AZ": ("America/Phoenix",
    "America/Denver"), "US-AR": ("America/Chicago",), "US-CA": ("America/Los_Angeles",), "US-CO": ("America/Denver",),
    "US-CT": ("America/New_York",), "US-DE": ("America/New_York",), "US-DC": ("America/New_York",),
    "US-FL": ("America/New_York", "America/Chicago"), "US-GA": ("America/New_York",), "US-HI": ("Pacific/Honolulu",),
    "US-ID": ("America/Boise", "America/Los_Angeles"), "US-IL": ("America/Chicago",),
    "US-IN": ("America/Indiana/Indianapolis", "America/Chicago"), "US-IA": ("America/Chicago",),
    "US-KS": ("America/Chicago", "America/Denver"), "US-KY": ("America/New_York", "America/Chicago"),
    "US-LA": ("America/Chicago",), "US-ME": ("America/New_York",), "US-MD": ("America/New_York",),
    "US-MA": ("America/New_York",), "US-MI": ("America/Detroit", "America/Menominee"), "US-MN": ("America/Chicago",),
    "US-MS": ("America/Chicago",), "US-MO": ("America/Chicago",), "US-MT": ("America/Denver",),
    "US-NE": ("America/Chicago", "America/Denver"), "US-NV": ("America/Los_Angeles", "America/Denver"),
    "US-NH": ("America/New_York",), "US-NJ": ("America/New_York",), "US-NM": ("America/Denver",),
    "US-NY": ("America/New_York",), "US-NC": ("America/New_York",), "US-ND": ("America/Chicago", "America/Denver"),
    "US-OH": ("America/New_York",), "US-OK": ("America/Chicago",), "US-OR": ("America/Los_Angeles", "America/Boise"),
    "US-PA": ("America/New_York",), "US-RI": ("America/New_York",), "US-SC": ("America/New_York",),
    "US-SD": ("America/Chicago", "America/Denver"), "US-TN": ("America/Chicago", "America/New_York"),
    "US-TX": ("America/Chicago", "America/Denver"), "US-UT": ("America/Denver",), "US-VT": ("America/New_York",),
    "US-VA": ("America/New_York",), "US-WA": ("America/Los_Angeles",), "US-WV": ("America/New_York",),
    "US-WI": ("America/Chicago",), "US-WY": ("America/Denver",), "US-PR": ("America/Puerto_Rico",),
    "US-VI": ("America/St_Thomas",), "US-GU": ("Pacific/Guam",), "US-AS": ("Pacific/Pago_Pago",),
    "US-MP": ("Pacific/Saipan",),
    "CA-AB": ("America/Edmonton",), "CA-BC": ("America/Vancouver", "America/Creston", "America/Dawson_Creek",
    "America/Fort_Nelson", "America/Edmonton"), "CA-MB": ("America/Winnipeg",), "CA-NB": ("America/Moncton",),
    "CA-NL": ("America/St_Johns", "America/Goose_Bay"), "CA-NS": ("America/Halifax",),
    "CA-NT": ("America/Yellowknife", "America/Inuvik"), "CA-NU": ("America/Iqaluit", "America/Rankin_Inlet",
    "America/Cambridge_Bay"), "CA-ON": ("America/Toronto", "America/Winnipeg", "America/Atikokan"),
    "CA-PE": ("America/Halifax",), "CA-QC": ("America/Toronto", "America/Halifax", "America/Blanc-Sablon"),
    "CA-SK": ("America/Regina", "America/Swift_Current", "America/Edmonton"), "CA-YT": ("America/Whitehorse",),
}  # fmt: skip

_COUNTRY_NAMES: dict[str, str] = {
    "us": "US", "usa": "US", "u.s.": "US", "u.s.a.": "US", "united states": "US", "united states of america": "US",
    "ca": "CA", "can": "CA", "canada": "CA",
    # As French, German and Spanish address books write them (their Outlook exports put the country in words).
    "vereinigte staaten": "US", "vereinigte staaten von amerika": "US", "états-unis": "US", "etats-unis": "US",
    "états-unis d'amérique": "US", "estados unidos": "US", "estados unidos de américa": "US", "kanada": "CA",
    "france": "FR", "frankreich": "FR", "francia": "FR", "germany": "DE", "deutschland": "DE", "allemagne": "DE",
    "alemania": "DE", "spain": "ES", "spanien": "ES", "espagne": "ES", "españa": "ES", "espana": "ES",
    "austria": "AT", "österreich": "AT", "autriche": "AT", "switzerland": "CH", "schweiz": "CH", "suisse": "CH",
    "suiza": "CH", "belgium": "BE", "belgien": "BE", "belgique": "BE", "bélgica": "BE", "mexico": "MX",
    "méxico": "MX", "mexiko": "MX", "mexique": "MX",
}  # fmt: skip

_EXTRA_NAMES: dict[str, str] = {
    "washington dc": "US-DC", "washington d.c.": "US-DC", "d.c.": "US-DC", "us virgin islands": "US-VI",
    "virgin islands": "US-VI", "québec": "CA-QC", "colombie-britannique": "CA-BC", "nouveau-brunswick": "CA-NB",
    "nouvelle-écosse": "CA-NS", "terre-neuve-et-labrador": "CA-NL", "île-du-prince-édouard": "CA-PE",
    "newfoundland": "CA-NL", "pei": "CA-PE", "yukon territory": "CA-YT",
}  # fmt: skip


class RegionError(ValueError):
    """An address state, province or country that cannot be read; str() is a short plain reason."""


@functools.cache
def _names() -> dict[str, str]:
    """Lower-case state/province names and codes (with and without the country prefix) to their ISO 3166-2 code."""
    table: dict[str, str] = {}
    for country, subdivisions in (("US", US_STATES), ("CA", CA_PROVINCES)):
        for code, name in subdivisions.items():
            table[name.lower()] = f"{country}-{code}"
            table[f"{country}-{code}".lower()] = f"{country}-{code}"
    table.update(_EXTRA_NAMES)
    return table


def subdivision_name(code: str) -> str:
    """'US-FL' -> 'Florida'; the code itself when unknown."""
    country, _, sub = code.partition("-")
    table = US_STATES if country == "US" else CA_PROVINCES if country == "CA" else {}
    return table.get(sub, code)


def normalise_region(state: str, country: str = "") -> str:
    """An address's state/province and country as one code: "US-FL", "CA-ON", a country ("DE"), or "" when both are
    empty. Accepts US state and Canadian province names and 2-letter codes. Raises RegionError when unreadable."""
    state_text = " ".join(state.split()).strip().rstrip(".") if state else ""
    country_text = " ".join(country.split()).strip() if country else ""
    country_code = ""
    if country_text:
        country_code = _country_code(country_text)
    if not state_text:
        return country_code
    key = state_text.lower()
    found = _names().get(key) or _names().get(key + ".")
    if found is None and len(state_text) == 2 and state_text.isalpha():
        code = state_text.upper()
        candidates = [c for c in ("US", "CA") if code in (US_STATES if c == "US" else CA_PROVINCES)]
        if country_code in ("US", "CA"):
            candidates = [c for c in candidates if c == country_code]
        if candidates:
            found = f"{candidates[0]}-{code}"
    if found is None:
        if country_code and country_code not in ("US", "CA"):
            return country_code  # a region of another country: the country is what the rules read
        raise RegionError(f"unknown state or province '{state_text[:40]}'")
    if country_code and not found.startswith(country_code + "-"):
        raise RegionError(f"'{state_text[:40]}' is not in {country_text[:40]}")
    return found


def _country_code(text: str) -> str:
    code = _COUNTRY_NAMES.get(text.lower())
    if code is not None:
        return code
    if len(text) == 2 and text.isalpha():
        from c2c_desktop.core.phone import is_valid_region

        if is_valid_region(text):
            return text.upper()
    raise RegionError(f"unknown country '{text[:40]}'")


def is_region_code(code: str) -> bool:
    """True for a value `normalise_region` can return (a known subdivision, or a 2-letter country) or ""."""
    if not code:
        return True
    if "-" in code:
        return code in SUBDIVISION_ZONES
    from c2c_desktop.core.phone import is_valid_region

    return len(code) == 2 and code.isupper() and is_valid_region(code)
