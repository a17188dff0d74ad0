"""Write c2c_desktop/resources/nanp_states.json: the state or province of each North American area code, from
libphonenumber's geocoder (see core/rules/areas.py). Run after upgrading phonenumbers:

    PYTHONPATH=. .venv/bin/python scripts/make_nanp_states.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict

import phonenumbers
from phonenumbers.geodata import GEOCODE_DATA

from c2c_desktop.core.rules.areas import TABLE_PATH, state_of_description


def area_code_states() -> tuple[dict[str, str], dict[str, str]]:
    """Each +1 area code's state or province, and the exchanges (national-number prefixes) that name another one.

    An area code's state is the one its own description names ("1305": "Florida"), else the one most of its
    exchanges name. Area codes 867 (three territories) and 902 (Nova Scotia and Prince Edward Island) span more than
    one; the geocoder also names a few odd exchanges elsewhere (201-631 "New York, NY"): those are kept as
    exceptions, looked up by their longest prefix.
    """
    by_prefix: dict[str, str] = {}
    for prefix, names in GEOCODE_DATA.items():
        if prefix.startswith("1") and len(prefix) >= 4:
            code = state_of_description(names.get("en", ""))
            if code is not None:
                by_prefix[prefix[1:]] = code
    counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for prefix, code in by_prefix.items():
        counts[prefix[:3]][code] += 1
    areas = {area: by_prefix.get(area) or tally.most_common(1)[0][0] for area, tally in sorted(counts.items())}
    exceptions = {
        prefix: code for prefix, code in sorted(by_prefix.items()) if len(prefix) > 3 and code != areas[prefix[:3]]
    }
    return areas, exceptions


def main() -> int:
    areas, exceptions = area_code_states()
    data = {"phonenumbers": phonenumbers.__version__, "area_codes": areas, "exchanges": exceptions}
    TABLE_PATH.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(areas)} area codes and {len(exceptions)} exchanges written to {TABLE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
