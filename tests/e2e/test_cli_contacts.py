"""`contacts import/export/list` and `history export` end to end: real subprocesses on a real SQLite file."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from c2c_desktop.core.models import CallRequest, CallResult, Outcome
from c2c_desktop.core.store import Store, default_db_path

DATA = Path(__file__).resolve().parents[1] / "data" / "contacts"


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "c2c_desktop", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def contact_count() -> int:
    with sqlite3.connect(default_db_path()) as db:
        return int(db.execute("SELECT COUNT(*) FROM contacts").fetchone()[0])


def listed() -> list[dict[str, object]]:
    result = run_cli("contacts", "list", "--json")
    assert result.returncode == 0, result.stderr
    contacts: list[dict[str, object]] = json.loads(result.stdout)
    return contacts


# Each sample file into an empty address book: (summary line, problem lines).
SAMPLES = {
    "broken.csv": (
        "5 imported, 0 merged, 4 skipped (generic-csv)",
        [
            "row 3: the number 12 is too short",
            "row 4: the number 555 is too short (skipped)",
            "row 5: no phone number (skipped)",
            "row 8: 7 cells but 5 headers; the extra cells were ignored",
            "row 10: no phone number found in 'call me maybe' (skipped)",
            "row 11: 911 is an emergency number; this app never dials emergency services (skipped)",
        ],
    ),
    "generic_semicolon.csv": ("3 imported, 0 merged, 0 skipped (generic-csv)", []),
    "google_current.csv": ("4 imported, 0 merged, 0 skipped (google-csv)", []),
    "google_legacy.csv": ("4 imported, 0 merged, 0 skipped (google-csv-legacy)", []),
    "outlook_cp1252.csv": ("3 imported, 0 merged, 0 skipped (outlook-csv)", []),
    "outlook_utf16.csv": ("2 imported, 0 merged, 0 skipped (outlook-csv)", []),
    "utf8_bom.csv": ("3 imported, 0 merged, 0 skipped (generic-csv)", []),
    "vcard21.vcf": ("3 imported, 0 merged, 1 skipped (vcard)", ["card 3: the number 12 is too short (skipped)"]),
    "vcard30_apple.vcf": ("2 imported, 0 merged, 1 skipped (vcard)", ["card 3: no phone number (skipped)"]),
    "vcard40.vcf": (
        "2 imported, 0 merged, 0 skipped (vcard)",
        ["card 2: 911 is an emergency number; this app never dials emergency services"],
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_import_each_sample_file(name: str) -> None:
    path = str(DATA / name)
    result = run_cli("contacts", "import", path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    summary, problems = SAMPLES[name]
    assert result.stdout.splitlines() == [f"{path}: {summary}"] + [f"{path}: {line}" for line in problems]
    imported = int(summary.split()[0])
    assert contact_count() == imported
    again = run_cli("contacts", "import", path, "--on-duplicate", "skip")
    assert again.stdout.splitlines()[0].startswith(f"{path}: 0 imported, 0 merged, ")
    assert contact_count() == imported


@pytest.mark.parametrize("name", ["empty.csv", "no_phone.csv", "not_contacts.png", "missing.csv"])
def test_an_unreadable_file_exits_2_changes_nothing_and_the_others_still_import(name: str) -> None:
    assert run_cli("contacts", "import", str(DATA / "vcard40.vcf")).returncode == 0
    before = listed()
    bad, good = str(DATA / name), str(DATA / "google_current.csv")
    result = run_cli("contacts", "import", bad, good)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and bad in result.stderr and "Nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines() == [f"{good}: 4 imported, 0 merged, 0 skipped (google-csv)"]
    after = listed()
    assert len(after) == len(before) + 4 and all(contact in after for contact in before)


def test_duplicates_merge_by_default_and_add_only_when_asked(tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("Name,Phone\nAda,(212) 555-0142\n", encoding="utf-8")
    second = tmp_path / "second.csv"
    second.write_text("Name,Company,Mobile\nADA,Analytical Engines,+1 212.555.0142\n", encoding="utf-8")
    assert run_cli("contacts", "import", str(first)).returncode == 0
    merged = run_cli("contacts", "import", str(second))
    assert merged.stdout.startswith(f"{second}: 0 imported, 1 merged, 0 skipped")
    (ada,) = listed()
    assert (ada["name"], ada["company"]) == ("Ada", "Analytical Engines")
    assert [phone["dial"] for phone in ada["phones"]] == ["2125550142"]  # type: ignore[attr-defined]
    added = run_cli("contacts", "import", str(second), "--on-duplicate", "add")
    assert added.stdout.startswith(f"{second}: 1 imported, 0 merged")
    assert len(listed()) == 2


def test_region_option_reads_national_numbers(tmp_path: Path) -> None:
    path = tmp_path / "uk.csv"
    path.write_text("Name,Phone\nBen,020 7946 0018\n", encoding="utf-8")
    assert run_cli("contacts", "import", str(path), "--region", "GB").returncode == 0
    # Read as British; the app still calls from its configured region (US here): international form, US digits.
    expected = {
        "number": "+44 20 7946 0018",
        "label": "",
        "e164": "+442079460018",
        "dial": "011442079460018",
        "primary": True,
    }
    assert listed()[0]["phones"] == [expected]
    bad = run_cli("contacts", "import", str(path), "--region", "XX")
    assert bad.returncode == 2 and "unknown region" in bad.stderr and bad.stderr.count("\n") == 1


@pytest.mark.parametrize("suffix", [".csv", ".vcf"])
def test_export_then_import_into_another_profile_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    samples = [str(DATA / name) for name in ("google_legacy.csv", "outlook_cp1252.csv", "vcard30_apple.vcf")]
    assert run_cli("contacts", "import", *samples).returncode == 0
    original = listed()
    exported = tmp_path / f"all{suffix}"
    result = run_cli("contacts", "export", str(exported))
    assert result.returncode == 0 and result.stdout.strip() == f"{len(original)} contacts written to {exported}"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "other-profile"))
    assert not default_db_path().exists()
    reimport = run_cli("contacts", "import", str(exported))
    assert reimport.stdout.splitlines() == [
        f"{exported}: {len(original)} imported, 0 merged, 0 skipped ({'vcard' if suffix == '.vcf' else 'google-csv'})"
    ]

    def without_id(contacts: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{key: value for key, value in contact.items() if key != "id"} for contact in contacts]

    assert without_id(listed()) == without_id(original)


def test_export_format_option_and_errors(tmp_path: Path) -> None:
    assert run_cli("contacts", "import", str(DATA / "vcard40.vcf")).returncode == 0
    unknown = run_cli("contacts", "export", str(tmp_path / "contacts.txt"))
    assert unknown.returncode == 2 and "--format" in unknown.stderr and unknown.stderr.count("\n") == 1
    forced = run_cli("contacts", "export", str(tmp_path / "contacts.txt"), "--format", "vcard")
    assert forced.returncode == 0
    assert (tmp_path / "contacts.txt").read_bytes().startswith(b"BEGIN:VCARD\r\nVERSION:3.0")
    nowhere = run_cli("contacts", "export", str(tmp_path / "no-folder" / "x.csv"))
    assert nowhere.returncode == 2 and "cannot write" in nowhere.stderr and "Traceback" not in nowhere.stderr


def test_list_prints_normalised_numbers() -> None:
    assert run_cli("contacts", "list").stdout.strip() == "No contacts yet."
    assert run_cli("contacts", "import", str(DATA / "google_legacy.csv")).returncode == 0
    table = run_cli("contacts", "list").stdout
    ada = next(line for line in table.splitlines() if line.startswith("Ada Lovelace"))
    assert "2125550142 (Mobile, primary)" in ada and "011442079460018 (Work)" in ada
    assert listed()[0]["name"] == "Ada Lovelace"


def test_history_export_writes_refs_oldest_first(tmp_path: Path) -> None:
    with Store(default_db_path()) as store:
        for index, outcome in enumerate((Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.UNKNOWN)):
            entry = store.begin_call(CallRequest("5552010001", f"555201000{index + 3}", ref=f"lead-{index}"))
            store.finish_call(entry.id, CallResult(outcome, "done", elapsed_s=0.5))
    path = tmp_path / "journal.csv"
    result = run_cli("history", "export", str(path))
    assert result.returncode == 0 and result.stdout.strip() == f"3 calls written to {path}"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(row["ref"], row["outcome"]) for row in rows] == [
        ("lead-0", "connected"),
        ("lead-1", "no_answer"),
        ("lead-2", "unknown"),
    ]
    missing = run_cli("history", "export")
    assert missing.returncode == 2 and "needs a FILE" in missing.stderr


# --- kill -9 in the middle of a 100k-row import ----------------------------------------------------------------------

BIG_ROWS = 100_000


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(11)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["First Name", "Last Name", "Company", "Business Phone", "Mobile Phone", "Job Title"])
    for index in range(BIG_ROWS):
        area, exchange = rng.randrange(201, 990), rng.randrange(200, 1000)
        writer.writerow(
            [f"First{index}", f"Last{index}", f"Co {index % 997}", f"({area}) {exchange}-{index % 10000:04d}"]
        )
    path = tmp_path_factory.mktemp("big") / "big.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.slow
def test_kill_9_during_a_large_import_leaves_the_database_as_it_was(big_csv: Path) -> None:
    assert run_cli("contacts", "import", str(DATA / "google_legacy.csv"), str(DATA / "vcard40.vcf")).returncode == 0
    before = listed()
    for attempt in range(3):
        process = subprocess.Popen(
            [sys.executable, "-m", "c2c_desktop", "contacts", "import", str(big_csv)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        assert process.stderr is not None
        try:
            # "big.csv: 60%" is printed once the first fifth of the contacts is written inside the transaction.
            seen: list[str] = []
            for line in process.stderr:
                seen.append(line)
                if line.rstrip().endswith("%") and int(line.rstrip()[:-1].rsplit(" ", 1)[1]) >= 60:
                    break
            else:
                pytest.fail(f"attempt {attempt}: the import ended before the kill: {seen}")
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=60)
            process.stderr.close()
        assert process.returncode == -signal.SIGKILL
        with sqlite3.connect(default_db_path()) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert listed() == before


def test_a_reader_that_went_away_ends_the_list_quietly() -> None:
    assert run_cli("contacts", "import", str(DATA / "google_legacy.csv")).returncode == 0
    reader, writer = os.pipe()
    os.close(reader)  # like `| head -1` having exited: every write now fails with EPIPE
    try:
        result = subprocess.run(
            [sys.executable, "-m", "c2c_desktop", "contacts", "list"],
            stdin=subprocess.DEVNULL,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=os.environ.copy(),
        )
    finally:
        os.close(writer)
    assert (result.returncode, result.stderr) == (0, "")


def test_a_terminal_that_cannot_show_a_name_gets_a_replacement_character(tmp_path: Path) -> None:
    source = tmp_path / "accents.csv"
    source.write_text("Name,Phone\nZoë Ångström,+1 212 555 0142\n", encoding="utf-8")
    assert run_cli("contacts", "import", str(source)).returncode == 0
    result = subprocess.run(
        [sys.executable, "-m", "c2c_desktop", "contacts", "list"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert result.returncode == 0, result.stderr
    assert b"Zo? ?ngstr?m" in result.stdout and b"2125550142" in result.stdout


# --- issue 9 ---------------------------------------------------------------------------------------------------------


def test_an_office_line_keeps_both_people_every_merge_is_listed_and_the_import_can_be_undone(tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("Name,Phone\nLeonel Salamanca,(505) 555-0104\n", encoding="utf-8")
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "Name,Company,Phone\nMarco Salamanca,,(505) 555-0104\nleonel salamanca,Cartel,505-555-0104\n", encoding="utf-8"
    )
    assert run_cli("contacts", "import", str(first)).returncode == 0
    result = run_cli("contacts", "import", str(leads))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{leads}: 1 imported, 1 merged, 0 skipped (generic-csv)",
        f"{leads}: row 2 Marco Salamanca shares (505) 555-0104 with Leonel Salamanca; kept both",
        f"{leads}: row 3 leonel salamanca → merged into Leonel Salamanca",
    ]
    assert [(c["name"], c["company"]) for c in listed()] == [("Leonel Salamanca", "Cartel"), ("Marco Salamanca", "")]

    undo = run_cli("contacts", "undo-import")
    assert undo.returncode == 0, undo.stderr
    assert undo.stdout.startswith("Undid the import of leads.csv (")
    assert undo.stdout.rstrip().endswith("): 1 contact removed, 1 merge undone.")
    assert [(c["name"], c["company"]) for c in listed()] == [("Leonel Salamanca", "")]
    assert run_cli("contacts", "undo-import").returncode == 0  # first.csv
    nothing = run_cli("contacts", "undo-import")
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (2, "", "c2c-desktop: There is no import to undo.\n")


def test_undo_import_refuses_when_a_contact_was_edited_since(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text("Name,Phone\nAda,(212) 555-0142\n", encoding="utf-8")
    assert run_cli("contacts", "import", str(leads)).returncode == 0
    with Store(default_db_path()) as store:
        (ada,) = store.list_contacts()
        store.update_contact(dataclasses.replace(ada, notes="called: interested"))
    refused = run_cli("contacts", "undo-import")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == (
        "c2c-desktop: The import of leads.csv cannot be undone: Ada, whom it added, was edited since."
        " Nothing changed.\n"
    )
    assert [c["notes"] for c in listed()] == ["called: interested"]


def test_an_oversized_cell_is_reported_and_the_rest_of_the_file_imported(tmp_path: Path) -> None:
    path = tmp_path / "big-cell.csv"
    rows = ["Name,Phone,Notes", "Ada,(212) 555-0142,", "Bob,(212) 555-0143,", "Cy,(212) 555-0144," + "x" * 200_000]
    rows += [f"P{index},(212) 555-{index:04d}," for index in range(200, 210)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("contacts", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{path}: 12 imported, 0 merged, 1 skipped (generic-csv)",
        f"{path}: row 4: a cell of 200,000 characters is longer than the limit of 100,000 (skipped)",
    ]
    assert contact_count() == 12


def test_control_and_bidi_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text(
        "Name,Company,Phone\nAd\u202ea Okafor,Evil\x1b[2J\x1b]0;owned\x07 Corp,(212) 555-0142\n", encoding="utf-8"
    )
    assert run_cli("contacts", "import", str(path)).returncode == 0
    # Stored clean on import...
    (ada,) = listed()
    assert (ada["name"], ada["company"]) == ("Ada Okafor", "Evil[2J]0;owned Corp")
    # ...and what is already stored (an older version's import) is escaped when printed.
    with Store(default_db_path()) as store:
        (stored,) = store.list_contacts()
        store.update_contact(dataclasses.replace(stored, name="Eve\u202eevil", company="Co\x1b[31m\x9b"))
        store.begin_call(
            CallRequest(agent_number="5550100100", phone_to_call="2125550142"),
            contact_id=stored.id,
            contact_name="Eve\u202eevil\x1b[5m",
        )
    table = run_cli("contacts", "list").stdout
    history = run_cli("history", "list").stdout
    as_json = run_cli("contacts", "list", "--json").stdout
    for output in (table, history, as_json):
        assert not any(char in output for char in "\x1b\x9b\u202e\x07"), output
    assert table.startswith("Eve\\u202eevil") and "Co\\x1b[31m\\x9b" in table
    assert "Eve\\u202eevil\\x1b[5m" in history
    assert json.loads(as_json)[0]["name"] == "Eve\u202eevil"  # the same JSON value, escaped
    bad = run_cli("contacts", "import", str(tmp_path / "no\x1b[31mfile.csv"))
    assert bad.returncode == 2 and "\x1b" not in bad.stderr and "no\\x1b[31mfile.csv" in bad.stderr


def test_import_into_a_list_new_then_existing_with_duplicates_reported(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "Name,Phone\nAda Lovelace,305 555 0100\nNo Number,\nGrace Hopper,212 555 0142\nAda Lovelace,(305) 555-0100\n",
        encoding="utf-8",
    )
    first = run_cli("contacts", "import", str(leads), "--list", "Monday")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"{leads}: ")  # the import's own report, as without --list
    assert f"{leads}: row 3: no phone number" in first.stdout
    assert first.stdout.endswith('"Monday": 2 items added; 1 already in the list, kept once (Ada Lovelace)\n')
    more = tmp_path / "more.csv"
    more.write_text("Name,Phone\nGrace Hopper,+1 212 555 0142\nAlan Turing,312 555 0177\n", encoding="utf-8")
    second = run_cli("contacts", "import", str(more), "--list", " monday ")  # the list that exists, any case
    assert second.returncode == 0, second.stderr
    assert second.stdout.endswith('"Monday": 1 item added; 1 already in the list, kept once (Grace Hopper)\n')
    shown = json.loads(run_cli("lists", "show", "Monday", "--json").stdout)["items"]
    assert [(item["name"], item["number"]) for item in shown] == [
        ("Ada Lovelace", "+13055550100"),
        ("Grace Hopper", "+12125550142"),
        ("Alan Turing", "+13125550177"),
    ]
    assert all(item["contact_id"] for item in shown)  # the imported contacts, not bare numbers
    assert len(listed()) == 3


def test_import_into_a_list_of_a_file_that_cannot_be_read_makes_no_list(tmp_path: Path) -> None:
    names = tmp_path / "names.csv"
    names.write_text("Name,Company\nAda,Acme\n", encoding="utf-8")
    failed = run_cli("contacts", "import", str(names), "--list", "Names")
    assert failed.returncode == 2 and "Nothing was imported from it." in failed.stderr
    assert run_cli("lists", "show", "Names").returncode == 2
    assert run_cli("contacts", "import", str(names), "--list", "   ").returncode == 2


def test_undo_import_takes_back_the_last_import_even_one_that_only_merged_and_keeps_list_items(
    tmp_path: Path,
) -> None:
    # A new user's steps: a list made from a file, the same file imported again (only merges), then undo-import.
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "Name,Phone\nAda Lovelace,(212) 555-0142\nBob Smith,(646) 555-0134\nConnor Murphy,(305) 555-0100\n",
        encoding="utf-8",
    )
    assert run_cli("lists", "create", "Monday", "--from", str(leads)).returncode == 0
    again = run_cli("contacts", "import", str(leads))
    assert again.stdout.splitlines()[0] == f"{leads}: 0 imported, 3 merged, 0 skipped (generic-csv)"

    undo = run_cli("contacts", "undo-import")
    assert undo.returncode == 0, undo.stderr
    assert undo.stdout.startswith("Undid the import of leads.csv (")
    assert undo.stdout.endswith("): 0 contacts removed, 3 merges undone (they had changed nothing).\n")
    assert contact_count() == 3

    first = run_cli("contacts", "undo-import")  # now the import that made the contacts (and the list's items)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[1:] == [
        'Call lists keep the removed contacts\' items as bare numbers: "Monday" (3 items).'
    ]
    assert contact_count() == 0
    shown = run_cli("lists", "show", "Monday", "--json")
    items = json.loads(shown.stdout)["items"]
    assert [(i["name"], i["number"], i["contact_deleted"]) for i in items] == [
        ("Ada Lovelace", "+12125550142", False),
        ("Bob Smith", "+16465550134", False),
        ("Connor Murphy", "+13055550100", False),
    ]
    # The same file imported into the list again: its numbers are already there (as bare numbers), kept once.
    again_into_list = run_cli("contacts", "import", str(leads), "--list", "Monday")
    assert again_into_list.returncode == 0, again_into_list.stderr
    assert '"Monday": 0 items added; 3 already in the list' in again_into_list.stdout
    shown = run_cli("lists", "show", "Monday", "--json")
    assert len(json.loads(shown.stdout)["items"]) == 3
