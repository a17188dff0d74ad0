"""A call list as CSV: the one format of `lists export` and the list manager's Export (position, name, number, state,
attempts, next time, last outcome and disposition). Cells a spreadsheet would run as a formula are defused; a
well-formed phone number in the number column is written as it is."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from c2c_desktop.core.calllists import ListItem
from c2c_desktop.core.fileutil import atomic_write, defuse_formula

LIST_CSV_COLUMNS = (
    "position",
    "name",
    "number",
    "state",
    "attempts",
    "next_time",
    "last_outcome",
    "last_disposition",
)


def list_csv_row(item: ListItem) -> list[str]:
    due = item.due_at.isoformat().replace("+00:00", "Z") if item.due_at else ""
    name = item.name + (" (contact deleted)" if item.contact_missing else "")
    values = (
        item.position + 1,
        name,
        item.e164,
        item.state,
        item.attempts,
        due,
        item.last_outcome or "",
        item.last_disposition or "",
    )
    # A well-formed phone number is not a formula: written plain ("+13055550100", not "'+13055550100"), so that a
    # spreadsheet or dialer reads it as a number; every other cell (the number too, if it is anything else) is guarded.
    number_column = LIST_CSV_COLUMNS.index("number")
    return [
        defuse_formula(str(value), keep_phone_numbers=column == number_column) for column, value in enumerate(values)
    ]


def write_list_csv(items: Sequence[ListItem], path: str | os.PathLike[str]) -> int:
    """Write `items` to `path` (whole or not at all); the number of items written. OSError when it cannot be."""

    def write(temp: Path) -> int:
        with open(temp, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(LIST_CSV_COLUMNS)
            for item in items:
                writer.writerow(list_csv_row(item))
        return len(items)

    return atomic_write(path, write)
