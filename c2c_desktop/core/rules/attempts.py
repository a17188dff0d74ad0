"""The attempt log over the call journal: calls to a number that may have rung (still placing, connected, no answer,
unknown), as the attempt caps count them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class _Journal(Protocol):
    def rung_call_times(self, e164: str, since: str) -> list[str]: ...


class JournalAttemptLog:
    """`AttemptLog` over the store's calls table (`Store.rung_call_times`). Rows from before the journal kept the
    international form (schema 6) have none and are not counted."""

    def __init__(self, journal: _Journal) -> None:
        self._journal = journal

    def attempts_since(self, e164: str, since: datetime) -> list[datetime]:
        since_text = since.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        times = []
        for text in self._journal.rung_call_times(e164, since_text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            times.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        return times
