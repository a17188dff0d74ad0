"""The audit log: append-only in the database, inside the caller's transaction, filtered lists, the CSV export."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from c2c_desktop.core.rules.audit import AUDIT_CSV_COLUMNS, StoreAuditLog, write_audit_csv
from c2c_desktop.core.rules.model import AuditAction, AuditEvent, Rule
from c2c_desktop.core.store import Store, StoreError, default_db_path

T0 = datetime(2026, 12, 7, 14, 2, 3, 120000, tzinfo=UTC)
CANARY = "CANARY-audit-4c1e"


def refusal(at: datetime = T0, callee: str = "+13055550100", **changes: str) -> AuditEvent:
    values = {
        "agent_number": "+15552010001",
        "rule": Rule.HOURS.value,
        "data_version": "rules 2026-12-01",
        "reason": "it is 20:14 in Florida (America/New_York); Florida allows calls 08:00–20:00",
    }
    values.update(changes)
    return AuditEvent(AuditAction.REFUSED, at, callee_number=callee, **values)


def test_recorded_events_read_back_newest_first_with_filters(store: Store) -> None:
    log = StoreAuditLog(store)
    log.record(refusal(T0))
    log.record(
        AuditEvent(
            AuditAction.DNC_ADDED,
            T0 + timedelta(hours=1),
            callee_number="+13125550101",
            dnc_list="Internal",
            reason="asked not to be called",
        )
    )
    log.record(refusal(T0 + timedelta(days=1), callee="+14165550100"))
    events = log.events()
    assert [event.at for event in events] == [T0 + timedelta(days=1), T0 + timedelta(hours=1), T0]
    assert events[2] == refusal(T0)  # every field round-trips, the time as UTC
    assert [e.callee_number for e in log.events(action=AuditAction.REFUSED)] == ["+14165550100", "+13055550100"]
    assert [e.at for e in log.events(since=T0 + timedelta(hours=1))] == [
        T0 + timedelta(days=1),
        T0 + timedelta(hours=1),
    ]
    assert [e.at for e in log.events(until=T0 + timedelta(hours=1))] == [T0]
    assert [e.callee_number for e in log.events(number="(312) 555")] == ["+13125550101"]
    assert [e.callee_number for e in log.events(number="416-555-0100")] == ["+14165550100"]
    assert len(log.events(number="5552010001")) == 2  # the agent's number matches too
    assert log.events(number="999") == [] and len(log.events(limit=2)) == 2
    # A time in another zone is stored as UTC.
    log.record(refusal(datetime(2026, 12, 9, 9, 0, tzinfo=UTC).astimezone(timezone_minus_5())))
    assert log.events(limit=1)[0].at == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


def timezone_minus_5():  # type: ignore[no-untyped-def]
    from datetime import timezone

    return timezone(timedelta(hours=-5))


def test_updates_and_deletes_are_refused_by_the_database(store: Store) -> None:
    StoreAuditLog(store).record(refusal())
    # Another program (or a bug) with a plain connection to the file cannot change or remove a row.
    with sqlite3.connect(store.path) as other:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            other.execute("UPDATE audit SET reason = 'nothing happened'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            other.execute("DELETE FROM audit")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            other.execute("INSERT OR REPLACE INTO audit (id, at, action) VALUES (1, 'x', 'refused')")
    with pytest.raises(StoreError, match="append-only"), store.plain_errors():
        store.connection.execute("DELETE FROM audit WHERE id = 1")
    assert StoreAuditLog(store).events() == [refusal()]


def test_recorded_inside_the_callers_transaction(store: Store, tmp_path: Path) -> None:
    log = StoreAuditLog(store)
    with pytest.raises(RuntimeError), store.transaction():
        log.record(refusal(callee="+13125550101"))
        raise RuntimeError("the DNC entry failed")  # its audit row goes with it
    assert log.events() == []
    with Store(store.path) as other:  # a second connection, as another process sees the file
        with store.transaction():
            log.record(refusal())
            assert StoreAuditLog(other).events() == []  # not committed before the transaction is
        assert StoreAuditLog(other).events() == [refusal()]
        log.record(refusal(T0 + timedelta(seconds=1)))  # outside a transaction: committed on return
        assert len(StoreAuditLog(other).events()) == 2


def test_no_key_or_link_is_stored(store: Store) -> None:
    log = StoreAuditLog(store)
    log.record(
        refusal(
            reason=f"see https://example.test/x?access_key=AK&secret_access_key={CANARY} now\nplease",
            data_version="ftp://lists.example/dnc.zip",
        )
    )
    stored = " ".join(str(value) for row in store.connection.execute("SELECT * FROM audit") for value in row)
    assert CANARY not in stored and "https://" not in stored and "ftp://" not in stored
    event = log.events()[0]
    assert event.reason == "see (link removed) now please" and event.data_version == "(link removed)"


def test_export_columns_utc_and_defused_formulas(tmp_path: Path, store: Store) -> None:
    log = StoreAuditLog(store)
    log.record(refusal(reason='=HYPERLINK("x")', dnc_list="@list", data_version="+1"))
    log.record(
        AuditEvent(
            AuditAction.OVERRIDDEN,
            T0 + timedelta(minutes=5),
            agent_number="+15552010001",
            callee_number="+13055550100",
            rule="hours",
            reason="-customer asked for a call now",
        )
    )
    path = tmp_path / "audit.csv"
    assert write_audit_csv(reversed(log.events()), path) == 2
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert tuple(rows[0]) == AUDIT_CSV_COLUMNS
    header = rows[0]
    first, second = (dict(zip(header, row, strict=True)) for row in rows[1:])
    assert first["at_utc"] == "2026-12-07T14:02:03.120Z" and second["at_utc"] == "2026-12-07T14:07:03.120Z"
    # Phone numbers stay numbers (as in the contacts export); a formula in their place would still be defused.
    assert (first["action"], first["callee_number"], first["agent_number"]) == (
        "refused",
        "+13055550100",
        "+15552010001",
    )
    assert (first["reason"], first["dnc_list"], first["data_version"]) == ('\'=HYPERLINK("x")', "'@list", "'+1")
    assert (second["action"], second["rule"], second["reason"]) == (
        "overridden",
        "hours",
        "'-customer asked for a call now",
    )


def test_a_failed_export_leaves_no_file(tmp_path: Path, store: Store) -> None:
    StoreAuditLog(store).record(refusal())

    def events():  # type: ignore[no-untyped-def]
        yield from StoreAuditLog(store).events()
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_audit_csv(events(), tmp_path / "audit.csv")
    assert list(tmp_path.glob("*audit.csv*")) == []


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "c2c_desktop", *args], capture_output=True, text=True, timeout=60)


def test_cli_audit_export(tmp_path: Path) -> None:
    with Store(default_db_path()) as store:  # the profile's database (isolated by the suite's fixture)
        StoreAuditLog(store).record(refusal())
        StoreAuditLog(store).record(refusal(T0 + timedelta(minutes=1), reason="=1+1"))
    path = tmp_path / "out.csv"
    result = run_cli("audit", "export", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"2 audit events written to {path}"
    with open(path, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["reason"] for row in rows] == [refusal().reason, "'=1+1"]  # oldest first
    bad = run_cli("audit", "export", str(tmp_path / "no such folder" / "out.csv"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "cannot write" in bad.stderr
    missing = run_cli("audit", "export")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
