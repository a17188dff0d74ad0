"""The attempt log: calls that may have rung a number, read from the call journal (what attempt caps count).

A call may have rung when its row is still `placing` or its effective outcome (the agent's reconciled one if set,
else the original) is connected, no answer or unknown. A call refused or not sent, or rejected by the service,
rang nobody and is not counted. Rows are found by the number in international form (`calls.e164`, indexed with the
start time since schema 12), so a change of the default region never splits a number's count.
"""

from __future__ import annotations

from datetime import UTC, datetime

from c2c_desktop.core.models import CallState, Outcome
from c2c_desktop.core.store import Store

__all__ = ["ATTEMPTS_SQL", "MAY_HAVE_RUNG", "RANG_OUTCOMES", "JournalAttemptLog"]

#: Effective outcomes of a call that may have rung the number.
RANG_OUTCOMES = (Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.UNKNOWN)
#: The SQL condition on a `calls` row for "may have rung" (no parameters).
MAY_HAVE_RUNG = (
    f"(state = '{CallState.PLACING.value}' OR COALESCE(reconciled_outcome, outcome) IN "
    f"({', '.join(repr(outcome.value) for outcome in RANG_OUTCOMES)}))"
)

#: The calls to one number (e164) at or after a time (ISO UTC text) that may have rung, oldest first.
ATTEMPTS_SQL = (
    f"SELECT started_at FROM calls WHERE e164 = ? AND started_at >= ? AND {MAY_HAVE_RUNG} ORDER BY started_at"
)


def _utc_text(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JournalAttemptLog:
    """The `AttemptLog` over the store's call journal. Same thread as the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def attempts_since(self, e164: str, since: datetime) -> list[datetime]:
        """Start times (UTC) of calls to `e164` ("+13125550101") that may have rung, at or after `since` (a naive
        time is taken as UTC), oldest first."""
        if not e164:
            return []
        db = self._store.connection
        with self._store.plain_errors():
            rows = db.execute(ATTEMPTS_SQL, (e164, _utc_text(since))).fetchall()
        return [datetime.fromisoformat(started_at).astimezone(UTC) for (started_at,) in rows]
