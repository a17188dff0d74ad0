"""The call journal as CSV for a manager's spreadsheet, and the agent's editable list of call dispositions.

Text cells that a spreadsheet would run as a formula (starting with = + - @, after any whitespace) are prefixed with
a `'`, so a contact name or note cannot inject one.

The CSV carries `ref`, so each row can be joined with the service's Smart Click-to-Call report. It never carries a
key or the service URL: the journal holds neither, and every text cell is passed through the key redaction anyway
(a message or note could quote one).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from c2c_desktop.core.fileutil import atomic_write, atomic_write_text, defuse_formula
from c2c_desktop.core.models import JournalEntry
from c2c_desktop.core.redaction import redact_text

JOURNAL_CSV_COLUMNS: tuple[str, ...] = (
    "started_at",
    "finished_at",
    "contact",
    "number",
    "display_number",
    "agent_number",
    "call_type",
    "outcome",
    "reconciled_outcome",
    "message",
    "resolution_s",
    "http_status",
    "ref",
    "page",
    "disposition",
    "note",
)

DEFAULT_DISPOSITIONS: tuple[str, ...] = (
    "Connected – interested",
    "Left voicemail",
    "Wrong number",
    "Not interested",
    "Call back later",
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int):
        return str(value)
    return defuse_formula(redact_text(str(value)))


def _row(entry: JournalEntry) -> list[str]:
    values: dict[str, object] = {
        "started_at": entry.started_at,
        "finished_at": entry.finished_at,
        "contact": entry.contact_name,
        "number": entry.number,
        "display_number": entry.display_number,
        "agent_number": entry.agent_number,
        "call_type": entry.call_type,
        "outcome": entry.outcome.value if entry.outcome is not None else entry.state.value,
        "reconciled_outcome": entry.reconciled_outcome.value if entry.reconciled_outcome is not None else None,
        "message": entry.message,
        "resolution_s": entry.resolution_s,
        "http_status": entry.http_status,
        "ref": entry.ref,
        "page": entry.page,
        "disposition": entry.disposition,
        "note": entry.note,
    }
    return [_cell(values[column]) for column in JOURNAL_CSV_COLUMNS]


def write_journal_csv(entries: Iterable[JournalEntry], path: str | os.PathLike[str]) -> int:
    """Write journal rows (in the given order) as UTF-8 CSV with a header row; return how many rows were written.

    Times are ISO 8601 UTC text as stored; `outcome` is the original outcome (the row's state while still placing)
    and `reconciled_outcome` what the agent recorded afterwards. Raises OSError. The file is renamed into place
    when complete, so a failed export leaves no half file.
    """

    def write(temp: Path) -> int:
        count = 0
        with open(temp, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(JOURNAL_CSV_COLUMNS)
            for entry in entries:
                writer.writerow(_row(entry))
                count += 1
        return count

    return atomic_write(path, write)


def export_journal_csv(entries: Iterable[JournalEntry], path: str | os.PathLike[str]) -> int:
    """The journal export of the window and of `history export`: `write_journal_csv` with the rows oldest first (as a
    spreadsheet of the day reads), whatever order they come in. Returns how many rows were written; raises OSError."""
    return write_journal_csv(sorted(entries, key=lambda entry: (entry.started_at, entry.id)), path)


def load_dispositions(path: str | os.PathLike[str]) -> list[str]:
    """The disposition list: one per line of the file (blank lines and repeats dropped); the defaults if missing.

    An unreadable or empty file also gives the defaults: the strip after a call must always offer something.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return list(DEFAULT_DISPOSITIONS)
    items = _clean(text.splitlines())
    return items or list(DEFAULT_DISPOSITIONS)


def save_dispositions(path: str | os.PathLike[str], items: Sequence[str]) -> None:
    """Write the disposition list, one per line (trimmed; blanks and repeats dropped). Raises OSError.

    Written to a temporary file and renamed, so a crash never leaves a half list.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, "".join(f"{item}\n" for item in _clean(items)))


def _clean(items: Iterable[str]) -> list[str]:
    # One line each: a newline inside an item would split it in two on the next load.
    cleaned = (" ".join(item.split()) for item in items)
    return list(dict.fromkeys(item for item in cleaned if item))
