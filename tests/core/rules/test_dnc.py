"""Do-not-call lists: the internal list, imported lists (formats, bad input, atomic replacement), staleness, the CLI."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from c2c_desktop import cli
from c2c_desktop.core import config
from c2c_desktop.core.rules import dnc
from c2c_desktop.core.rules.dnc import DncError, DncRegistry, add_internal, import_lists, remove_internal
from c2c_desktop.core.rules.model import AuditEvent, DncLookup
from c2c_desktop.core.store import Store, default_db_path

NOW = datetime(2026, 12, 6, 15, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


class TableAudit:
    """An AuditLog for tests that writes to a table of the same database, so it commits or rolls back with the
    caller's transaction, as the real one must."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.connection.execute(
            "CREATE TABLE IF NOT EXISTS test_audit (action TEXT, callee TEXT, dnc_list TEXT, reason TEXT, version TEXT)"
        )

    def record(self, event: AuditEvent) -> None:
        with self.store.transaction():
            self.store.connection.execute(
                "INSERT INTO test_audit VALUES (?, ?, ?, ?, ?)",
                (event.action.value, event.callee_number, event.dnc_list, event.reason, event.data_version),
            )

    def rows(self) -> list[tuple[str, ...]]:
        return self.store.connection.execute("SELECT * FROM test_audit").fetchall()


@pytest.fixture
def audit(store: Store) -> TableAudit:
    return TableAudit(store)


def write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def registry(store: Store, **kwargs: object) -> DncRegistry:
    return DncRegistry(store, clock=clock, **kwargs)  # type: ignore[arg-type]


def names(store: Store, e164: str) -> list[str]:
    return [listing.list_name for listing in registry(store).listings(e164)]


# --- the internal list --------------------------------------------------------------------------------------------


def test_a_number_added_is_listed_at_once_by_another_connection_and_removal_needs_a_reason(
    store: Store, audit: TableAudit, tmp_path: Path
) -> None:
    assert add_internal(store, "+13125550101", "asked not to be called", agent_number="+13125550000", audit=audit)
    assert not add_internal(store, "+13125550101", "again", audit=audit)  # kept once, nothing recorded
    with Store(store.path) as other:  # another process's view: no cache anywhere
        assert DncRegistry(other).listings("+13125550101") == [
            dnc.DncListing("Internal", True, None, False, "asked not to be called")
        ]
        with pytest.raises(DncError, match="reason is required"):
            remove_internal(other, "+13125550101", "  ", audit=None)
        remove_internal(other, "+13125550101", "customer asked to be called back", audit=None)
    assert registry(store).listings("+13125550101") == []
    assert audit.rows() == [("dnc-added", "+13125550101", "Internal", "asked not to be called", "")]


def test_an_add_and_a_failure_after_it_in_one_transaction_leave_neither(store: Store, audit: TableAudit) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        add_internal(store, "+13125550101", "disposition: do not call", audit=audit)
        assert names(store, "+13125550101") == ["Internal"]  # visible inside the transaction
        raise RuntimeError("the disposition could not be saved")
    assert registry(store).listings("+13125550101") == []
    assert audit.rows() == []


def test_remove_refuses_a_number_only_on_an_imported_list(store: Store, tmp_path: Path) -> None:
    import_lists(store, [write(tmp_path / "fl.txt", "3055550100\n")], name="National DNC", audit=None, clock=clock)
    with pytest.raises(DncError, match='imported list "National DNC", which cannot be edited here'):
        remove_internal(store, "+13055550100", "wrong", audit=None)
    with pytest.raises(DncError, match="not on the internal do-not-call list"):
        remove_internal(store, "+13055550199", "wrong", audit=None)
    with pytest.raises(DncError, match="international form"):
        add_internal(store, "3055550100", audit=None)


# --- imported lists: formats --------------------------------------------------------------------------------------


def test_registry_lines_of_both_shapes_with_crlf_a_bom_and_bad_lines(
    store: Store, audit: TableAudit, tmp_path: Path
) -> None:
    data = "\ufeff2125550100\r\n212,5550101\r\n\r\n0125550100\r\nhello\r\n3055550102"  # no final newline
    result = import_lists(
        store, [write(tmp_path / "az-fl.txt", data)], name="US", data_date=date(2026, 11, 28), audit=audit, clock=clock
    )
    assert result.info.format == "ftc"
    assert result.info.rows == 3
    assert result.info.area_codes == ("212", "305")
    assert [(p.line, p.reason) for p in result.problems] == [
        (4, "'0125550100': an area code or exchange cannot start with 0 or 1"),
        (5, "'hello' is not a number of the list: expected 10 digits (2125550100) or AAA,NNNNNNN"),
    ]
    for number in ("+12125550100", "+12125550101", "+13055550102"):
        assert names(store, number) == ["US"]
    assert names(store, "+12125550102") == []
    assert audit.rows() == [("dnc-imported", "", "US", "3 numbers from az-fl.txt (ftc)", "US 2026-11-28")]


def test_a_canadian_dncl_file_and_only_plus_1_numbers_match_it(store: Store, tmp_path: Path) -> None:
    result = import_lists(store, [write(tmp_path / "416.csv", "416,2345678\n905,5550123\n")], audit=None, clock=clock)
    assert (result.info.name, result.info.format, result.info.rows) == ("416", "dncl", 2)
    assert names(store, "+14162345678") == ["416"]
    assert names(store, "+4164162345678") == []  # the same digits after another country code
    assert names(store, "+442079460018") == []


def test_a_csv_with_a_header_formatted_numbers_and_another_country(store: Store, tmp_path: Path) -> None:
    data = 'Phone,Name\n"(212) 555-0100",Ann\n+1 305 555 0101,Bob\n+44 20 7946 0018,Cy\n555,Short\n,\n'
    result = import_lists(store, [write(tmp_path / "mine.csv", data)], fmt="csv", audit=None, clock=clock)
    assert result.info.rows == 3
    assert result.info.coverage == ("+1212", "+1305", "+44")
    assert [p.line for p in result.problems] == [5]
    assert names(store, "+12125550100") == names(store, "+442079460018") == ["mine"]


def test_problems_are_counted_beyond_those_kept(store: Store, tmp_path: Path) -> None:
    lines = ["2125550100"] + [f"bad{i}" for i in range(dnc.MAX_PROBLEMS_KEPT + 50)]
    result = import_lists(store, [write(tmp_path / "l.txt", "\n".join(lines))], fmt="ftc", audit=None, clock=clock)
    assert result.problem_count == dnc.MAX_PROBLEMS_KEPT + 50
    assert len(result.problems) == dnc.MAX_PROBLEMS_KEPT
    assert result.problems[0].line == 2


# --- imported lists: bad input changes nothing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\r\n\r\n", "the file is empty"),
        (b"2125550100\n\x00\x01\x02binary", "binary file"),
        (b"PK\x03\x04zipped", "zip archive"),
        (b"\xff\xfe2\x001\x00", "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\xff\xd8\xff" * 10, "not text"),
        (b"Phone\nnot a number\n", "no number could be read"),
        (b"Phone\n", "no numbers in it"),
    ],
)
def test_bad_files_are_refused_and_the_old_list_stays(store: Store, tmp_path: Path, data: bytes, message: str) -> None:
    import_lists(store, [write(tmp_path / "good.txt", "2125550100\n")], name="L", audit=None, clock=clock)
    with pytest.raises(DncError, match=message):
        import_lists(store, [write(tmp_path / "bad.txt", data)], name="L", audit=None, clock=clock)
    assert [(info.name, info.rows, info.source_file) for info in dnc.list_infos(store)] == [("L", 1, "good.txt")]
    assert names(store, "+12125550100") == ["L"]
    tables = store.connection.execute("SELECT name FROM sqlite_master WHERE name LIKE 'dnc_numbers_%'").fetchall()
    assert len(tables) == 1


def test_a_nul_byte_deep_in_a_large_file_refuses_it(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dnc, "CHUNK_BYTES", 1 << 12)
    path = write(tmp_path / "l.txt", "2125550100\n" * 10_000 + "\x00\n")  # beyond the first 64 KiB checked
    with pytest.raises(DncError, match=r"binary file \(a NUL byte near line \d+\); nothing changed"):
        import_lists(store, [path], audit=None, clock=clock)
    assert dnc.list_infos(store) == []


def test_names_dates_and_files_that_are_refused(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "l.txt", "2125550100\n")
    with pytest.raises(DncError, match="internal list"):
        import_lists(store, [path], name="internal", audit=None, clock=clock)
    with pytest.raises(DncError, match="after today"):
        import_lists(store, [path], data_date=date(2027, 1, 1), audit=None, clock=clock)
    with pytest.raises(DncError, match="no such file"):
        import_lists(store, [tmp_path / "missing.txt"], audit=None, clock=clock)
    with pytest.raises(DncError, match="unknown format"):
        import_lists(store, [path], fmt="xml", audit=None, clock=clock)


# --- atomic replacement and scale ----------------------------------------------------------------------------------


def _numbers_file(path: Path, first: int, count: int) -> Path:
    with path.open("w") as file:
        for number in range(first, first + count):
            file.write(f"{number}\n")
    return path


def test_reimporting_200k_lines_replaces_the_list_whole_while_another_connection_reads(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dnc, "CHUNK_BYTES", 1 << 16)  # many chunks: the file is streamed
    monkeypatch.setattr(dnc, "COPY_BATCH", 20_000)  # many copy transactions
    old = _numbers_file(tmp_path / "old.txt", 2125000000, 200_000)
    new = _numbers_file(tmp_path / "new.txt", 3125000000, 200_000)
    import_lists(store, [old], name="US", data_date=date(2026, 11, 1), audit=None, clock=clock)
    seen: set[tuple[bool, ...]] = set()
    stop = threading.Event()

    def read() -> None:  # another process's view during the import: the old list or the new one, never a mix
        with Store(store.path) as reader:
            lookup = DncRegistry(reader, clock=clock)
            while not stop.is_set():
                reader.connection.execute("BEGIN")  # the three lookups see one state of the database
                numbers = ("+12125000000", "+13125000000", "+13125199999")
                seen.add(tuple(bool(lookup.listings(number)) for number in numbers))
                reader.connection.execute("COMMIT")

    thread = threading.Thread(target=read)
    thread.start()
    try:
        result = import_lists(store, [new], name="US", data_date=date(2026, 12, 1), audit=None, clock=clock)
    finally:
        stop.set()
        thread.join()
    assert seen <= {(True, False, False), (False, True, True)}
    assert (True, False, False) in seen
    assert result.replaced is not None and result.replaced.rows == 200_000
    assert (result.info.rows, result.info.data_date, result.lines) == (200_000, date(2026, 12, 1), 200_000)
    assert names(store, "+12125000000") == [] and names(store, "+13125199999") == ["US"]
    tables = store.connection.execute("SELECT name FROM sqlite_master WHERE name LIKE 'dnc_numbers_%'").fetchall()
    assert len(tables) == 1  # the old list's table is gone


def test_a_failed_import_leaves_the_old_list_and_no_half_built_table(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_lists(store, [write(tmp_path / "a.txt", "2125550100\n")], name="US", audit=None, clock=clock)
    monkeypatch.setattr(dnc, "COPY_BATCH", 10)
    monkeypatch.setattr(dnc, "_nanp_area_codes", lambda conn, table: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError):
        import_lists(store, [_numbers_file(tmp_path / "b.txt", 3125550000, 100)], name="US", audit=None, clock=clock)
    assert [(info.rows, info.source_file) for info in dnc.list_infos(store)] == [(1, "a.txt")]
    assert names(store, "+12125550100") == ["US"] and names(store, "+13125550000") == []
    tables = store.connection.execute("SELECT name FROM sqlite_master WHERE name LIKE 'dnc_numbers_%'").fetchall()
    assert len(tables) == 1


def test_a_build_left_by_a_crashed_import_is_removed_by_the_next_import(store: Store, tmp_path: Path) -> None:
    conn = store.connection
    conn.execute(
        "INSERT INTO dnc_lists (id, name, data_date, imported_at, ready) VALUES (7, 'US', '2026-11-01', "
        "'2026-11-01T00:00:00.000Z', 0)"
    )
    conn.execute("CREATE TABLE dnc_numbers_7 (n INTEGER PRIMARY KEY) WITHOUT ROWID")
    conn.execute("CREATE TABLE dnc_numbers_99 (n INTEGER PRIMARY KEY) WITHOUT ROWID")  # a replaced list's table
    conn.execute("INSERT INTO dnc_numbers_7 VALUES (12125550100)")
    assert names(store, "+12125550100") == []  # a list being built is never read
    import_lists(store, [write(tmp_path / "a.txt", "3055550100\n")], name="US", audit=None, clock=clock)
    tables = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'dnc_numbers_%'").fetchall()
    assert len(tables) == 1
    assert conn.execute("SELECT COUNT(*) FROM dnc_lists").fetchone()[0] == 1


# --- staleness ---------------------------------------------------------------------------------------------------


def test_a_list_older_than_31_days_is_stale_and_blocks_its_area_codes_only_when_the_setting_is_on(
    store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "fl.txt", "3055550100\n")
    import_lists(store, [path], name="FL", data_date=date(2026, 11, 5), audit=None, clock=clock)  # 31 days old
    assert not dnc.list_infos(store, clock=clock)[0].stale
    assert registry(store, stale_refuses=True).stale_block("+13055550199") is None
    import_lists(store, [path], name="FL", data_date=date(2026, 11, 4), audit=None, clock=clock)  # 32 days old
    assert dnc.list_infos(store, clock=clock)[0].stale
    assert registry(store).listings("+13055550100") == [dnc.DncListing("FL", False, date(2026, 11, 4), True)]
    assert registry(store).stale_block("+13055550199") is None  # setting off
    on = registry(store, stale_refuses=True)
    assert on.stale_block("+13055550199") == dnc.DncListing("FL", False, date(2026, 11, 4), True)
    assert on.stale_block("+12125550199") is None  # an area code the list does not cover
    assert on.stale_block("+442079460018") is None


def test_the_registry_is_a_dnc_lookup(store: Store) -> None:
    lookup: DncLookup = registry(store)
    assert lookup.listings("not a number") == [] and lookup.stale_block("") is None


# --- CLI ---------------------------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_check_add_remove_and_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "ftc.txt", "2125550100\n2125550101\n212555010\n")
    os.utime(path, (NOW.timestamp(), (NOW - timedelta(days=40)).timestamp()))
    code, out, err = run(capsys, "dnc", "import", str(path), "--name", "National DNC")
    assert code == 0, err
    assert "2 numbers from ftc.txt (ftc)" in out and "the file's modification date" in out and "STALE" in out
    assert "ftc.txt: line 3: '212555010' is not a number of the list" in out
    assert run(capsys, "dnc", "check", "(212) 555-0100")[:2] == (
        1,
        '+12125550100 is on the do-not-call list "National DNC" ('
        + (NOW - timedelta(days=40)).astimezone().date().isoformat()
        + ", STALE)\n",
    )
    assert run(capsys, "dnc", "check", "212 555 0199")[0] == 0
    code, out, err = run(capsys, "dnc", "check", "12")
    assert code == 2 and err.count("\n") == 1
    assert run(capsys, "dnc", "add", "212 555 0199", "--reason", "rude")[0] == 0
    code, out, _ = run(capsys, "dnc", "check", "+1 212 555 0199")
    assert code == 1 and 'internal do-not-call list "Internal": rude' in out
    code, _, err = run(capsys, "dnc", "remove", "2125550100", "--reason", "x")
    assert code == 2 and "cannot be edited here" in err and err.count("\n") == 1
    assert run(capsys, "dnc", "remove", "2125550199")[0] == 2  # --reason is required
    assert run(capsys, "dnc", "remove", "2125550199", "--reason", "asked again")[0] == 0
    code, out, _ = run(capsys, "dnc", "lists", "--json")
    lists = json.loads(out)
    assert [(row["name"], row["rows"]) for row in lists] == [("Internal", 0), ("National DNC", 2)]
    assert lists[1]["stale"] is True and lists[1]["area_codes"] == ["212"] and lists[1]["source_file"] == "ftc.txt"
    code, out, _ = run(capsys, "dnc", "lists")
    assert code == 0 and "STALE" in out


def test_cli_refuses_bad_input_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = write(tmp_path / "empty.txt", "")
    code, out, err = run(capsys, "dnc", "import", str(empty))
    assert (code, out) == (2, "") and err.count("\n") == 1 and "empty" in err
    code, _, err = run(capsys, "dnc", "import", str(empty), "--date", "2026-13-01")
    assert code == 2 and "not a date" in err and err.count("\n") == 1
    assert not default_db_path().exists() or not dnc.list_infos(Store(default_db_path()))


def test_cli_check_is_blocked_by_a_stale_list_when_the_setting_is_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "fl.txt", "3055550100\n")
    assert run(capsys, "dnc", "import", str(path), "--date", "2020-01-01")[0] == 0
    assert run(capsys, "dnc", "check", "305 555 0199")[0] == 0
    assert run(capsys, "config", "set", "dnc_stale_refuses", "yes")[0] == 0
    assert config.load_settings().dnc_stale_refuses is True
    code, out, _ = run(capsys, "dnc", "check", "305 555 0199")
    assert code == 1 and "dnc_stale_refuses is on" in out
    assert run(capsys, "config", "set", "dnc_stale_refuses", "maybe")[0] == 2


def test_migration_11_creates_the_tables_on_an_existing_database(tmp_path: Path) -> None:
    from c2c_desktop.core.store import MIGRATIONS, migrate

    conn = sqlite3.connect(tmp_path / "old.sqlite3", isolation_level=None)
    migrate(conn, target=9)
    conn.close()
    with Store(tmp_path / "old.sqlite3") as upgraded:
        assert upgraded.schema_version == len(MIGRATIONS)
        assert add_internal(upgraded, "+13125550101", audit=None)
