"""The audit log of the calling rules, kept in the store: one row per refusal, override, do-not-call add or remove
and list import.

Append-only from the app's side: the table's triggers (schema 12) refuse every UPDATE and DELETE, and this module
only inserts and reads. A row never holds a key or a URL: every text is passed through the key redaction and any
link is cut out before it is written (a typed reason could quote one). The CSV export defuses formula cells like the
other exports and is renamed into place when complete.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from c2c_desktop.core.fileutil import atomic_write, defuse_formula
from c2c_desktop.core.phone import digits_of
from c2c_desktop.core.redaction import redact_text
from c2c_desktop.core.rules.model import AuditAction, AuditEvent
from c2c_desktop.core.store import Store

__all__ = ["AUDIT_CSV_COLUMNS", "StoreAuditLog", "write_audit_csv"]

AUDIT_CSV_COLUMNS: tuple[str, ...] = (
    "at_utc",
    "action",
    "agent_number",
    "callee_number",
    "rule",
    "data_version",
    "dnc_list",
    "reason",
)

_COLUMNS = "at, action, agent_number, callee_number, rule, data_version, dnc_list, reason"
_LINK = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://\S*")
_LINK_REMOVED = "(link removed)"


def _utc_text(moment: datetime) -> str:
    """ISO 8601 UTC text with milliseconds and "Z", as the journal's times (a naive time is taken as UTC)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _safe(text: str) -> str:
    """One line with no key and no link."""
    return " ".join(_LINK.sub(_LINK_REMOVED, redact_text(text)).split())


def _event_from_row(row: tuple[Any, ...]) -> AuditEvent:
    at, action, agent, callee, rule, version, dnc_list, reason = row
    return AuditEvent(
        action=AuditAction(action),
        at=datetime.fromisoformat(at).astimezone(UTC),
        agent_number=agent,
        callee_number=callee,
        rule=rule,
        data_version=version,
        dnc_list=dnc_list,
        reason=reason,
    )


class StoreAuditLog:
    """The `AuditLog` over the store's connection (an `AuditLog` for the guard, and the list the Compliance view
    shows). Same thread as the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def record(self, event: AuditEvent) -> None:
        """Append one event: inside the store's open transaction if there is one (it commits or rolls back with it),
        else committed before this returns (the connection is in autocommit mode between transactions)."""
        values = (
            _utc_text(event.at),
            AuditAction(event.action).value,
            _safe(event.agent_number),
            _safe(event.callee_number),
            _safe(event.rule),
            _safe(event.data_version),
            _safe(event.dnc_list),
            _safe(event.reason),
        )
        db = self._store.connection
        with self._store.plain_errors():
            db.execute(f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)

    def events(
        self,
        *,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        number: str = "",
        limit: int | None = None,
    ) -> list[AuditEvent]:
        """Events newest first. `since` inclusive, `until` exclusive (naive times are UTC); `number`: a part of the
        callee's or the agent's number, compared by its digits ("305 555" finds +13055550100)."""
        clauses: list[str] = []
        params: list[Any] = []
        if action is not None:
            clauses.append("action = ?")
            params.append(AuditAction(action).value)
        if since is not None:
            clauses.append("at >= ?")
            params.append(_utc_text(since))
        if until is not None:
            clauses.append("at < ?")
            params.append(_utc_text(until))
        wanted = digits_of(number) or number.strip()
        if wanted:
            escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append("(callee_number LIKE ? ESCAPE '\\' OR agent_number LIKE ? ESCAPE '\\')")
            params += [f"%{escaped}%"] * 2
        sql = f"SELECT {_COLUMNS} FROM audit"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, int(limit)))
        db = self._store.connection
        with self._store.plain_errors():
            rows = db.execute(sql, params).fetchall()
        return [_event_from_row(row) for row in rows]


def _cell(text: str) -> str:
    return defuse_formula(_safe(text))


def _number_cell(text: str) -> str:
    """A phone number stays a number ("+13055550142"); anything else in its place is defused like other cells."""
    return defuse_formula(_safe(text), keep_phone_numbers=True)


def write_audit_csv(events: Iterable[AuditEvent], path: str | os.PathLike[str]) -> int:
    """Write audit events (in the given order) as UTF-8 CSV with a header row; return how many were written.

    Times are UTC ("2026-12-06T14:02:03.120Z"). Raises OSError; the file is renamed into place when complete, so a
    failed export leaves no half file.
    """

    def write(temp: Path) -> int:
        count = 0
        with open(temp, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(AUDIT_CSV_COLUMNS)
            for event in events:
                writer.writerow(
                    [
                        _utc_text(event.at),
                        AuditAction(event.action).value,
                        _number_cell(event.agent_number),
                        _number_cell(event.callee_number),
                        _cell(event.rule),
                        _cell(event.data_version),
                        _cell(event.dnc_list),
                        _cell(event.reason),
                    ]
                )
                count += 1
        return count

    return atomic_write(path, write)
