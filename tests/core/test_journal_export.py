"""The journal CSV (joinable by ref, never a key or URL) and the editable disposition list."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop.core.config import Settings
from c2c_desktop.core.dialer import CallOverrides, client_for, place_call_now, prepare_call
from c2c_desktop.core.journal_export import (
    DEFAULT_DISPOSITIONS,
    JOURNAL_CSV_COLUMNS,
    load_dispositions,
    save_dispositions,
    write_journal_csv,
)
from c2c_desktop.core.models import CallRequest, CallResult, Credentials, JournalEntry, Outcome
from c2c_desktop.core.simulator import Fault, StandInService
from c2c_desktop.core.store import Store
from tests.rules_support import business_guard

CANARY = f"CANARY-{uuid.uuid4().hex}"
ACCESS_KEY = "AK-journal-test"


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_columns_and_values(tmp_path: Path) -> None:
    with Store(tmp_path / "j.sqlite3") as store:
        first = store.begin_call(CallRequest("5552010001", "5552010003", ref="lead-42", page="crm"), contact_name="Ada")
        store.finish_call(first.id, CallResult(Outcome.UNKNOWN, "the service did not answer", elapsed_s=1.23456))
        store.reconcile(first.id, Outcome.CONNECTED)
        store.set_disposition(first.id, "Connected – interested", 'wants a demo, "Tuesday"\nsecond line')
        second = store.begin_call(CallRequest("5552010001", "5552010004"), display_number="(555) 201-0004")
        entries = store.list_calls()
    path = tmp_path / "journal.csv"
    assert write_journal_csv(reversed(entries), path) == 2
    with open(path, encoding="utf-8", newline="") as stream:
        assert tuple(next(csv.reader(stream))) == JOURNAL_CSV_COLUMNS
    done, placing = read_rows(path)
    assert done["ref"] == "lead-42" and placing["ref"] == second.ref
    assert (done["outcome"], done["reconciled_outcome"], done["resolution_s"]) == ("unknown", "connected", "1.235")
    assert (done["contact"], done["page"], done["number"]) == ("Ada", "crm", "5552010003")
    assert done["note"] == 'wants a demo, "Tuesday"\nsecond line'
    assert done["disposition"] == "Connected – interested"
    assert (placing["outcome"], placing["finished_at"], placing["disposition"]) == ("placing", "", "")
    assert placing["display_number"] == "(555) 201-0004"


@pytest.mark.parametrize("fault", [Fault.NONE, Fault.UNAUTHORIZED, Fault.REDIRECT, Fault.HTML, Fault.SERVER_ERROR])
def test_export_never_holds_a_key_or_url(tmp_path: Path, fault: Fault) -> None:
    credentials = Credentials(ACCESS_KEY, CANARY)
    with StandInService(access_key=ACCESS_KEY, secret_access_key=CANARY, fault=fault) as service:
        settings = Settings(agent_number="(555) 201-0001", api_url=service.url, read_timeout=5)
        with Store(tmp_path / "j.sqlite3") as store, client_for(settings) as client:
            for number in ("(555) 201-0003", "555.201.0007"):
                prepared = prepare_call(
                    number, settings, credentials, overrides=CallOverrides(page="crm"), guard=business_guard(settings)
                )
                place_call_now(store, client, prepared, credentials)
            # A note quoting the keys the way a URL carries them is redacted too.
            call_id = store.list_calls(limit=1)[0].id
            store.set_disposition(
                call_id, "Wrong number", f"pasted ?access_key={ACCESS_KEY}&secret_access_key={CANARY}"
            )
            entries = store.list_calls()
        assert service.request_count == 2
        path = tmp_path / "journal.csv"
        assert write_journal_csv(entries, path) == 2
        text = path.read_text(encoding="utf-8")
        for forbidden in (CANARY, f"access_key={ACCESS_KEY}", service.url, "127.0.0.1", "http://"):
            assert forbidden not in text
        assert all(row["ref"] for row in read_rows(path))


def test_a_failed_export_leaves_no_half_file(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "journal.csv"
    target.write_text("yesterday's export\n", encoding="utf-8")

    def broken_entries() -> Iterator[JournalEntry]:
        with Store(tmp_path / "j.sqlite3") as store:
            store.begin_call(CallRequest("5552010001", "5552010003"))
            yield from store.list_calls()
        raise OSError("database went away")

    with pytest.raises(OSError):
        write_journal_csv(broken_entries(), target)
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"
    assert sorted(path.name for path in folder.iterdir()) == ["journal.csv"]
    assert write_journal_csv([], target) == 0
    assert target.read_text(encoding="utf-8").strip() == ",".join(JOURNAL_CSV_COLUMNS)


def test_dispositions_default_then_saved_list(tmp_path: Path) -> None:
    path = tmp_path / "config" / "dispositions.txt"
    assert load_dispositions(path) == list(DEFAULT_DISPOSITIONS)
    save_dispositions(path, ["  Demo booked ", "Left voicemail", "", "Left voicemail", "two\nlines"])
    assert load_dispositions(path) == ["Demo booked", "Left voicemail", "two lines"]
    save_dispositions(path, [])
    assert load_dispositions(path) == list(DEFAULT_DISPOSITIONS)  # never an empty strip
    path.write_bytes(b"\xff\xfe broken")
    assert load_dispositions(path) == list(DEFAULT_DISPOSITIONS)


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused(tmp_path: Path) -> None:
    with Store(tmp_path / "j.sqlite3") as store:
        entry = store.begin_call(CallRequest("5552010001", "5552010003"), contact_name='=HYPERLINK("http://evil","x")')
        store.finish_call(entry.id, CallResult(Outcome.REJECTED, "-2 credits left", http_status=400))
        store.set_disposition(entry.id, " @SUM(A1)", note="+1 call back")
        entries = store.list_calls()
    path = tmp_path / "journal.csv"
    write_journal_csv(entries, path)
    [row] = read_rows(path)
    assert row["contact"] == '\'=HYPERLINK("http://evil","x")'
    assert row["message"] == "'-2 credits left"
    assert row["note"] == "'+1 call back"
    assert row["disposition"].startswith("'") and row["disposition"].endswith("@SUM(A1)")
    assert (row["number"], row["http_status"], row["outcome"]) == ("5552010003", "400", "rejected")
