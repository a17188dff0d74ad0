"""Do-not-call lists: the internal list agents add to, and imported lists (US National DNC Registry, Canada's
National DNCL, a plain CSV/TXT), all in the main SQLite database (schema migration 11).

Why SQLite rather than a sorted file of int64 searched through mmap: both look a number up in a few microseconds,
but every page an mmap search touches counts in the process's RSS (10,000 random lookups in a 10M list touch most
of its 80 MB), while SQLite reads pages into its own bounded cache (2 MB). SQLite also gives the atomic replacement
and the transaction shared with a disposition for free. Each imported list is a `WITHOUT ROWID` table of one 64-bit
integer per number (the international number's digits: +12125550100 is 12125550100), so a lookup is one B-tree
search and replacing a list is dropping a table.

Imports stream the file in 4 MiB chunks into a private temporary database, sort it there, then copy it into a new
table in batches of short transactions (a call's journal row never waits for more than a batch); the list becomes
visible in one small final transaction that also removes the old list of the same name. A failed import drops its
half-built table: readers only ever see a whole list, the old one or the new one.

Nothing here is cached: every lookup reads the database, so a number added by an agent (or by another process) is
refused from the next lookup on.
"""

from __future__ import annotations

import csv
import enum
import io
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from c2c_desktop.core.rules.model import AuditAction, AuditEvent, AuditLog, DncListing
from c2c_desktop.core.store import Store, StoreError

INTERNAL_LIST_NAME = "Internal"
#: The team's do-not-call list, as mirrored from the team server (core/team/sync.py): offline too.
TEAM_LIST_NAME = "Team"
#: The registry must be scrubbed against at least every 31 days (16 CFR 310.4(b)(3); 47 CFR 64.1200(c)(2)(i)).
REFRESH_DAYS = 31
#: Problem rows kept (and so printable) per import; the rest are only counted.
MAX_PROBLEMS_KEPT = 100
MAX_NAME_LENGTH = 100
#: Bytes read at a time; a line longer than this is not a list of numbers.
CHUNK_BYTES = 4 << 20
#: Numbers copied into the list's table per transaction (each takes about 0.1 s: a call waits at most that long).
COPY_BATCH = 500_000
#: A list still being built after this long was left by a crashed import: the next import removes it.
ABANDONED_BUILD_AFTER = timedelta(hours=6)

_NANP_LOW, _NANP_HIGH = 10_000_000_000, 20_000_000_000  # keys of +1 numbers: 1NPANXXXXXX
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# A registry line: 10 digits, or area code, comma, 7 digits. Area codes and exchanges never start with 0 or 1.
_REGISTRY_LINE = re.compile(rb"[2-9][0-9][0-9],?[2-9][0-9]{6}")
_REGISTRY_CHUNK = re.compile(rb"(?:[2-9][0-9][0-9],?[2-9][0-9]{6}\n)*")
_REGISTRY_SHAPE = re.compile(rb"[0-9]{3},?[0-9]{7}")
_CSV_SEPARATORS = re.compile(r"[\s().\-/]")
_BOM_UTF8 = b"\xef\xbb\xbf"
_BOMS_UTF16_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_QUOTE_LIMIT = 40

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DncError(Exception):
    """A do-not-call request that cannot be done (a bad file, a bad name, a number not on the list); str() is one
    plain line. Nothing was changed."""


class DncFormat(enum.StrEnum):
    AUTO = "auto"
    FTC = "ftc"  # US National DNC Registry: "2125550100" or "212,5550100" per line
    DNCL = "dncl"  # Canada's National DNCL: "416,1234567" per line (10 digits accepted as well)
    CSV = "csv"  # one number per row, in the first cell, any common way of writing it; a header row is skipped


@dataclass(frozen=True)
class DncProblem:
    """A line of an imported file that was left out, and why."""

    file_name: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file_name}: line {self.line}: {self.reason}"


@dataclass(frozen=True)
class DncListInfo:
    """One imported list as `dnc lists` shows it."""

    name: str
    source_file: str
    format: str
    rows: int  # distinct numbers in the list
    data_date: date
    imported_at: str  # ISO 8601 UTC
    coverage: tuple[str, ...]  # "+1212" (area code 212), "+44" (a country): what the stale rule blocks
    stale: bool

    @property
    def area_codes(self) -> tuple[str, ...]:
        """The coverage as people write it: "212" for a US/Canada area code, "+44" for a country."""
        return tuple(prefix[2:] if prefix.startswith("+1") else prefix for prefix in self.coverage)


@dataclass(frozen=True)
class DncImportResult:
    """What an import did."""

    info: DncListInfo
    lines: int  # lines (rows) read, blank ones included
    duplicates: int  # numbers that appeared more than once (kept once)
    problems: list[DncProblem] = field(default_factory=list)  # the first MAX_PROBLEMS_KEPT
    problem_count: int = 0
    replaced: DncListInfo | None = None  # the list of the same name it replaced
    date_from_file: bool = False  # the data date is the files' modification date (no --date given)


def is_stale(data_date: date, today: date) -> bool:
    """True when a list's data is older than the REFRESH_DAYS the registry allows between two downloads."""
    return (today - data_date).days > REFRESH_DAYS


def _key_of(e164: str) -> int | None:
    """The integer an imported list stores for a number: its international digits; None if `e164` is not one."""
    return int(e164[1:]) if _E164.fullmatch(e164) else None


def _numbers_table(list_id: int) -> str:
    return f"dnc_numbers_{int(list_id):d}"


def _quote(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = "".join(char if char.isprintable() else "?" for char in text)
    return repr(text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…")


def _check_e164(e164: str) -> None:
    if not _E164.fullmatch(e164):
        raise DncError(f"{_quote(e164)} is not a number in international form (+ and up to 15 digits)")


# --- the internal list ----------------------------------------------------------------------------------------------


def add_internal(
    store: Store,
    e164: str,
    reason: str = "",
    *,
    agent_number: str = "",
    audit: AuditLog | None,
    clock: Clock = _utc_now,
) -> bool:
    """Put `e164` (international form) on the internal list; True if added, False if it was already there (its
    first entry is kept and nothing is recorded).

    Runs inside the caller's `store.transaction()` when one is open (a disposition and its do-not-call entry commit
    together, or neither does), else in its own. The audit event is recorded in the same transaction.
    """
    _check_e164(e164)
    now = clock()
    with store.plain_errors(), store.transaction():
        cursor = store.connection.execute(
            "INSERT OR IGNORE INTO dnc_internal (e164, reason, agent_number, added_at) VALUES (?, ?, ?, ?)",
            (e164, reason.strip(), agent_number, _utc_text(now)),
        )
        if cursor.rowcount == 0:
            return False
        if audit is not None:
            audit.record(
                AuditEvent(
                    AuditAction.DNC_ADDED,
                    now,
                    agent_number=agent_number,
                    callee_number=e164,
                    dnc_list=INTERNAL_LIST_NAME,
                    reason=reason.strip(),
                )
            )
    return True


def remove_internal(
    store: Store,
    e164: str,
    reason: str,
    *,
    agent_number: str = "",
    audit: AuditLog | None,
    clock: Clock = _utc_now,
) -> None:
    """Take `e164` off the internal list; `reason` is required and recorded with the removal.

    DncError when the reason is blank or the number is not on the internal list (then it says whether an imported
    list has it: those change only by importing a newer list). Joins the caller's transaction as `add_internal`.
    """
    _check_e164(e164)
    if not reason.strip():
        raise DncError("a reason is required to take a number off the do-not-call list (--reason)")
    now = clock()
    with store.plain_errors(), store.transaction():
        cursor = store.connection.execute("DELETE FROM dnc_internal WHERE e164 = ?", (e164,))
        if cursor.rowcount == 0:
            imported = [listing.list_name for listing in DncRegistry(store, clock=clock).listings(e164)]
            if imported:
                names = ", ".join(f'"{name}"' for name in imported)
                raise DncError(
                    f"{e164} is not on the internal list; it is on the imported list {names}, which cannot be edited "
                    "here: import a newer list to change it"
                )
            raise DncError(f"{e164} is not on the internal do-not-call list")
        if audit is not None:
            audit.record(
                AuditEvent(
                    AuditAction.DNC_REMOVED,
                    now,
                    agent_number=agent_number,
                    callee_number=e164,
                    dnc_list=INTERNAL_LIST_NAME,
                    reason=reason.strip(),
                )
            )


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- looking numbers up ---------------------------------------------------------------------------------------------


class DncRegistry:
    """The do-not-call lists as the guard reads them (implements `DncLookup`). Opening it reads nothing.

    `stale_refuses`: the `dnc_stale_refuses` setting (a public attribute: change it when the setting changes).
    Use from the store's thread only, as the store.
    """

    def __init__(self, store: Store, *, clock: Clock = _utc_now, stale_refuses: bool = False) -> None:
        self._store = store
        self._clock = clock
        self.stale_refuses = stale_refuses

    def listings(self, e164: str) -> list[DncListing]:
        """Every list that has the number (international form): the internal list first, then the team's (the local
        mirror of the team server's list, so it refuses offline too), then imported lists by name. US/Canada lists
        hold only +1 numbers, so only a +1 number can match them."""
        today = self._clock().astimezone(UTC).date()
        found: list[DncListing] = []
        key = _key_of(e164)
        with self._snapshot() as conn:
            row = conn.execute("SELECT reason FROM dnc_internal WHERE e164 = ?", (e164,)).fetchone()
            if row is not None:
                found.append(DncListing(INTERNAL_LIST_NAME, True, None, False, row[0]))
            row = conn.execute("SELECT reason FROM team_dnc WHERE e164 = ?", (e164,)).fetchone()
            if row is not None:
                found.append(DncListing(TEAM_LIST_NAME, False, None, False, row[0]))
            if key is None:
                return found
            lists = conn.execute("SELECT id, name, data_date FROM dnc_lists WHERE ready = 1 ORDER BY name").fetchall()
            for list_id, name, data_text in lists:
                if conn.execute(f"SELECT 1 FROM {_numbers_table(list_id)} WHERE n = ?", (key,)).fetchone():
                    data_date = date.fromisoformat(data_text)
                    found.append(DncListing(name, False, data_date, is_stale(data_date, today)))
        return found

    def stale_block(self, e164: str) -> DncListing | None:
        """With `stale_refuses` on: a stale imported list covering the number's area code (+1) or country; else
        None."""
        if not self.stale_refuses or _key_of(e164) is None:
            return None
        today = self._clock().astimezone(UTC).date()
        prefixes = [e164[:5]] if e164.startswith("+1") else [e164[:2], e164[:3], e164[:4]]
        marks = ", ".join("?" * len(prefixes))
        with self._snapshot() as conn:
            rows = conn.execute(
                "SELECT l.name, l.data_date FROM dnc_list_coverage c JOIN dnc_lists l ON l.id = c.list_id "
                f"WHERE c.prefix IN ({marks}) AND l.ready = 1 ORDER BY l.data_date, l.name",
                prefixes,
            ).fetchall()
        for name, data_text in rows:
            data_date = date.fromisoformat(data_text)
            if is_stale(data_date, today):
                return DncListing(name, False, data_date, True)
        return None

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        # One read transaction for the whole lookup: a list replaced by another process meanwhile is seen whole,
        # old or new, never as a table that was just dropped. Inside the caller's transaction: that one.
        conn = self._store.connection
        with self._store.plain_errors():
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")


def list_infos(store: Store, *, clock: Clock = _utc_now) -> list[DncListInfo]:
    """The imported lists, by name."""
    today = clock().astimezone(UTC).date()
    with store.plain_errors():
        conn = store.connection
        rows = conn.execute(
            "SELECT id, name, source_file, format, rows, data_date, imported_at FROM dnc_lists WHERE ready = 1 "
            "ORDER BY name"
        ).fetchall()
        return [_info(conn, row, today) for row in rows]


def internal_count(store: Store) -> int:
    """How many numbers the internal list has."""
    with store.plain_errors():
        return int(store.connection.execute("SELECT COUNT(*) FROM dnc_internal").fetchone()[0])


def _info(conn: sqlite3.Connection, row: Sequence[object], today: date) -> DncListInfo:
    list_id, name, source_file, format_, rows, data_text, imported_at = row
    coverage = tuple(
        prefix
        for (prefix,) in conn.execute(
            "SELECT prefix FROM dnc_list_coverage WHERE list_id = ? ORDER BY prefix", (list_id,)
        )
    )
    data_date = date.fromisoformat(str(data_text))
    return DncListInfo(
        str(name), str(source_file), str(format_), int(str(rows)), data_date, str(imported_at), coverage,
        is_stale(data_date, today),
    )  # fmt: skip


# --- importing lists ------------------------------------------------------------------------------------------------


class _Collector:
    """Numbers read from the files, written to the staging table in batches, and the problem rows."""

    def __init__(self, conn: sqlite3.Connection, *, json_each: bool) -> None:
        self._conn = conn
        self._json_each = json_each
        self.problems: list[DncProblem] = []
        self.problem_count = 0
        self.lines = 0
        self.numbers = 0
        self.other_prefixes: set[str] = set()  # country codes of numbers outside +1 (CSV lists only)

    def problem(self, file_name: str, line: int, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(DncProblem(file_name, line, reason))

    def add_registry_digits(self, digits: bytes, count: int) -> None:
        """`count` 10-digit numbers (no area code comma), each followed by a newline."""
        if not count:
            return
        self.numbers += count
        if self._json_each:
            json_text = b"[" + digits[:-1].replace(b"\n", b",") + b"]"
            self._conn.execute(
                "INSERT INTO dnc_stage.numbers SELECT value + ? FROM json_each(?)",
                (_NANP_LOW, json_text.decode("ascii")),
            )
        else:
            self.add_keys([_NANP_LOW + int(line) for line in digits.split()], counted=True)

    def add_keys(self, keys: list[int], *, counted: bool = False) -> None:
        if not keys:
            return
        if not counted:
            self.numbers += len(keys)
        if self._json_each:
            self._conn.execute(
                "INSERT INTO dnc_stage.numbers SELECT value FROM json_each(?)", ("[" + ",".join(map(str, keys)) + "]",)
            )
        else:
            self._conn.executemany("INSERT INTO dnc_stage.numbers VALUES (?)", [(key,) for key in keys])


def import_lists(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    name: str | None = None,
    fmt: DncFormat | str = DncFormat.AUTO,
    data_date: date | None = None,
    region: str = "US",
    agent_number: str = "",
    audit: AuditLog | None,
    clock: Clock = _utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> DncImportResult:
    """Import the files as ONE list named `name` (default: the first file's name without its extension), replacing
    the list of that name atomically. DncError (one line; nothing changed) for a file that is missing, empty,
    binary, or holds no number; StoreError for the database.

    `data_date`: the date of the list's data (default: the oldest file's modification date). `region`: how a CSV
    list's numbers without a country code are read. `progress(bytes_read, total_bytes)` after each chunk.
    Not inside a transaction: the list is written in several (see the module docstring).
    """
    if store.in_transaction:
        raise StoreError("a do-not-call list cannot be imported inside a transaction")
    files = [Path(path) for path in paths]
    if not files:
        raise DncError("no file to import")
    list_name = _list_name(name if name is not None else files[0].stem)
    format_ = _format(fmt)
    sizes = [_check_file(path) for path in files]
    today = clock().astimezone(UTC).date()
    date_from_file = data_date is None
    if data_date is None:
        data_date = min(datetime.fromtimestamp(path.stat().st_mtime).date() for path in files)
    if data_date > today + timedelta(days=1):
        how = "the file's modification date" if date_from_file else "--date"
        raise DncError(
            f"the list's date {data_date} ({how}) is after today ({today}): check it, or the computer's clock"
        )
    conn = store.connection
    with store.plain_errors():
        _remove_abandoned_builds(store, clock)
        conn.execute("ATTACH DATABASE '' AS dnc_stage")  # a private temporary file, deleted on DETACH
        try:
            conn.execute("CREATE TABLE dnc_stage.numbers (n INTEGER NOT NULL)")
            collector = _Collector(conn, json_each=_has_json_each(conn))
            formats: list[str] = []
            done, total = 0, sum(sizes)
            for path, size in zip(files, sizes, strict=True):
                formats.append(_read_file(path, format_, region, collector))
                done += size
                if progress is not None:
                    progress(done, total)
            if collector.numbers == 0:
                raise DncError(_no_numbers_message(files, collector))
            conn.execute("CREATE INDEX dnc_stage.numbers_n ON numbers(n)")
            return _store_list(
                store,
                collector,
                list_name=list_name,
                source_file=", ".join(path.name for path in files),
                format_="+".join(dict.fromkeys(formats)),
                data_date=data_date,
                date_from_file=date_from_file,
                agent_number=agent_number,
                audit=audit,
                clock=clock,
            )
        finally:
            conn.execute("DETACH DATABASE dnc_stage")


def _list_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise DncError("the list needs a name (--name)")
    if len(name) > MAX_NAME_LENGTH:
        raise DncError(f"the list's name is longer than {MAX_NAME_LENGTH} characters")
    if name.casefold() == INTERNAL_LIST_NAME.casefold():
        raise DncError(f'"{INTERNAL_LIST_NAME}" is the internal list: give the imported list another name (--name)')
    return name


def _format(fmt: DncFormat | str) -> DncFormat:
    try:
        return DncFormat(fmt)
    except ValueError:
        raise DncError(f"unknown format {_quote(str(fmt))} (auto, ftc, dncl or csv)") from None


def _check_file(path: Path) -> int:
    """The file's size; DncError when it cannot be read, is empty, or is plainly not a text list."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise DncError(f"{path}: not a file")
        with path.open("rb") as file:
            head = file.read(64 * 1024)
    except FileNotFoundError:
        raise DncError(f"{path}: no such file") from None
    except OSError as exc:
        raise DncError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if not head.strip(b" \t\r\n" + _BOM_UTF8):
        raise DncError(f"{path}: the file is empty; nothing changed")
    if head.startswith(_ZIP_MAGIC):
        raise DncError(f"{path}: this is a zip archive (as the registry delivers it): unzip it and import the files")
    if head.startswith(_BOMS_UTF16_32):
        raise DncError(f"{path}: the file is UTF-16 or UTF-32 text: save it as UTF-8 (or plain ASCII) and import it")
    if b"\x00" in head:
        raise DncError(f"{path}: this is a binary file, not a list of numbers")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            raise DncError(f"{path}: this is not text (UTF-8): not a list of numbers") from None
    return size


def _has_json_each(conn: sqlite3.Connection) -> bool:
    # JSON is built into SQLite from 3.38; older builds may lack it (then rows are inserted one by one).
    try:
        conn.execute("SELECT json_each.value FROM json_each('[1]')").fetchall()
    except sqlite3.OperationalError:
        return False
    return True


def _chunks(path: Path) -> Iterator[tuple[bytes, int]]:
    """Whole lines of the file, a chunk at a time, "\n"-terminated ("\r\n" and a lone "\r" become "\n", a leading
    BOM is dropped), with the 1-based number of the chunk's first line. Never the whole file in memory."""
    first_line = 1
    rest = b""
    lone_cr = False
    with path.open("rb") as file:
        start = True
        while True:
            block = file.read(CHUNK_BYTES)
            if start:
                block = block.removeprefix(_BOM_UTF8)
                lone_cr = b"\n" not in block and b"\r" in block
                start = False
            if not block:
                break
            if b"\x00" in block:
                raise DncError(f"{path}: this is a binary file (a NUL byte near line {first_line}); nothing changed")
            if lone_cr:
                block = block.replace(b"\r", b"\n")
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > CHUNK_BYTES:
                    raise DncError(f"{path}: line {first_line} is longer than {CHUNK_BYTES >> 20} MiB: not a list")
                rest = data
                continue
            rest = data[cut:]
            lines = data[:cut].replace(b"\r\n", b"\n")
            yield lines, first_line
            first_line += lines.count(b"\n")
    if rest.strip():
        yield rest.replace(b"\r\n", b"\n").rstrip(b"\r") + b"\n", first_line


def _sniff_format(path: Path) -> DncFormat:
    """ftc or dncl when most of the first lines are registry lines (10 digits, or AAA,NNNNNNN; the others are then
    reported), else csv."""
    for lines, _ in _chunks(path):
        sample = [line.strip() for line in lines.split(b"\n")[:100] if line.strip()]
        registry = [line for line in sample if _REGISTRY_SHAPE.fullmatch(line)]
        if len(registry) * 2 <= len(sample):
            return DncFormat.CSV
        return DncFormat.DNCL if all(b"," in line for line in registry) else DncFormat.FTC
    return DncFormat.CSV


def _read_file(path: Path, format_: DncFormat, region: str, collector: _Collector) -> str:
    """Read one file into the collector; returns the format it was read as."""
    if format_ is DncFormat.AUTO:
        format_ = _sniff_format(path)
    if format_ is DncFormat.CSV:
        _read_csv(path, region, collector)
    else:
        _read_registry(path, collector)
    return format_.value


def _read_registry(path: Path, collector: _Collector) -> None:
    for lines, first_line in _chunks(path):
        count = lines.count(b"\n")
        collector.lines += count
        if _REGISTRY_CHUNK.fullmatch(lines):  # the usual case: every line good, checked in one pass of C
            collector.add_registry_digits(lines.replace(b",", b""), count)
            continue
        good: list[bytes] = []
        for number, raw in enumerate(lines.split(b"\n")[:count], first_line):
            line = raw.strip()
            if not line:
                continue
            if _REGISTRY_LINE.fullmatch(line):
                good.append(line.replace(b",", b""))
            elif _REGISTRY_SHAPE.fullmatch(line):
                collector.problem(
                    path.name, number, f"{_quote(line)}: an area code or exchange cannot start with 0 or 1"
                )
            else:
                collector.problem(
                    path.name,
                    number,
                    f"{_quote(line)} is not a number of the list: expected 10 digits (2125550100) or AAA,NNNNNNN",
                )
        collector.add_registry_digits(b"".join(line + b"\n" for line in good), len(good))


def _text_lines(path: Path) -> Iterator[str]:
    """The file's lines as text (UTF-8), streamed; DncError naming the line of the first undecodable byte."""
    for lines, first_line in _chunks(path):
        try:
            text = lines.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first_line + lines.count(b"\n", 0, exc.start)
            raise DncError(f"{path}: line {line} is not text (UTF-8); nothing changed") from None
        yield from io.StringIO(text, newline="")


def _read_csv(path: Path, region: str, collector: _Collector) -> None:
    from c2c_desktop.core.phone import PhoneError, parse_number

    nanp = _is_nanp_region(region)
    lines = _text_lines(path)
    first = next(lines, "")
    delimiter = max(",;\t|", key=first.count) if any(sep in first for sep in ",;\t|") else ","
    rows = csv.reader(_chained(first, lines), delimiter=delimiter)
    keys: list[int] = []
    line = 0
    first_row = True
    try:
        for row in rows:
            line = rows.line_num
            cell = row[0].strip() if row else ""
            if not cell:
                continue
            if first_row:
                first_row = False
                if not _has_digit(cell):
                    continue  # a header row
            key = _nanp_key(cell) if nanp else None
            if isinstance(key, str):
                collector.problem(path.name, line, f"{_quote(cell)}: {key}")
                continue
            if key is None:
                try:
                    key = int(parse_number(cell, region).e164[1:])
                except PhoneError as exc:
                    collector.problem(path.name, line, f"{_quote(cell)}: {exc}")
                    continue
                if not _NANP_LOW <= key < _NANP_HIGH:
                    collector.other_prefixes.add(_country_prefix(key))
            keys.append(key)
            if len(keys) >= 100_000:
                collector.add_keys(keys)
                keys = []
    except csv.Error as exc:
        raise DncError(f"{path}: line {line + 1}: {exc}; nothing changed") from None
    collector.lines += line
    collector.add_keys(keys)


def _chained(first: str, rest: Iterable[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _has_digit(text: str) -> bool:
    return any(char.isdigit() for char in text)


def _is_nanp_region(region: str) -> bool:
    import phonenumbers

    return phonenumbers.country_code_for_region(region.upper()) == 1


def _nanp_key(cell: str) -> int | str | None:
    """The key of a plainly written US/Canada number ("(212) 555-0100", "+1 212 555 0100", "2125550100"), why such a
    number cannot exist, or None for anything else (then libphonenumber reads it)."""
    digits = _CSV_SEPARATORS.sub("", cell)
    if digits.startswith("+1"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return None
    if digits[0] in "01" or digits[3] in "01":
        return "an area code or exchange cannot start with 0 or 1"
    return _NANP_LOW + int(digits)


def _country_prefix(key: int) -> str:
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    digits = str(key)
    for length in (1, 2, 3):
        if int(digits[:length]) in COUNTRY_CODE_TO_REGION_CODE:
            return "+" + digits[:length]
    return "+" + digits[:3]


def _no_numbers_message(files: list[Path], collector: _Collector) -> str:
    names = ", ".join(path.name for path in files)
    if collector.problems:
        first = collector.problems[0]
        return f"{names}: no number could be read ({collector.problem_count} bad lines; {first}); nothing changed"
    return f"{names}: no numbers in it; nothing changed"


def _store_list(
    store: Store,
    collector: _Collector,
    *,
    list_name: str,
    source_file: str,
    format_: str,
    data_date: date,
    date_from_file: bool,
    agent_number: str,
    audit: AuditLog | None,
    clock: Clock,
) -> DncImportResult:
    conn = store.connection
    with store.transaction():
        list_id = int(
            conn.execute(
                "INSERT INTO dnc_lists (name, source_file, format, data_date, imported_at, ready) "
                "VALUES (?, ?, ?, ?, ?, 0)",
                (list_name, source_file, format_, data_date.isoformat(), _utc_text(clock())),
            ).lastrowid
            or 0
        )
        conn.execute(f"CREATE TABLE {_numbers_table(list_id)} (n INTEGER PRIMARY KEY) WITHOUT ROWID")
    table = _numbers_table(list_id)
    try:
        # Sorted batches through the staging index: each appends to the new table's B-tree, in its own short
        # transaction, so that other writers (a call's journal row) wait at most one batch.
        last = -1
        while True:
            with store.transaction():
                conn.execute(
                    f"INSERT OR IGNORE INTO main.{table} "
                    "SELECT n FROM dnc_stage.numbers WHERE n > ? ORDER BY n LIMIT ?",
                    (last, COPY_BATCH),
                )
                highest = conn.execute(f"SELECT MAX(n) FROM main.{table}").fetchone()[0]
            if highest is None or highest == last:
                break
            last = int(highest)
        rows = int(conn.execute(f"SELECT COUNT(*) FROM main.{table}").fetchone()[0])
        coverage = sorted(_nanp_area_codes(conn, table) | collector.other_prefixes)
        now = clock()
        today = now.astimezone(UTC).date()
        with store.transaction():
            old = conn.execute(
                "SELECT id, name, source_file, format, rows, data_date, imported_at FROM dnc_lists "
                "WHERE name = ? AND ready = 1",
                (list_name,),
            ).fetchone()
            replaced = None if old is None else _info(conn, old, today)
            if old is not None:
                conn.execute("DELETE FROM dnc_lists WHERE id = ?", (old[0],))  # its coverage goes by cascade
            conn.execute(
                "UPDATE dnc_lists SET ready = 1, rows = ?, imported_at = ? WHERE id = ?",
                (rows, _utc_text(now), list_id),
            )
            conn.executemany(
                "INSERT INTO dnc_list_coverage (prefix, list_id) VALUES (?, ?)",
                [(prefix, list_id) for prefix in coverage],
            )
            info = _info(
                conn,
                conn.execute(
                    "SELECT id, name, source_file, format, rows, data_date, imported_at FROM dnc_lists WHERE id = ?",
                    (list_id,),
                ).fetchone(),
                today,
            )
            if audit is not None:
                audit.record(_import_event(info, replaced, now, agent_number))
    except BaseException:
        _drop_list(store, list_id)
        raise
    if old is not None:
        # After the switch, in its own transaction: dropping 10M rows takes about 0.6 s. A crash in between leaves
        # a table that no list names, which the next import removes.
        _drop_list(store, int(old[0]))
    return DncImportResult(
        info,
        lines=collector.lines,
        duplicates=collector.numbers - rows,
        problems=list(collector.problems),
        problem_count=collector.problem_count,
        replaced=replaced,
        date_from_file=date_from_file,
    )


def _import_event(info: DncListInfo, replaced: DncListInfo | None, at: datetime, agent_number: str) -> AuditEvent:
    what = f"{info.rows:,} number{'' if info.rows == 1 else 's'} from {info.source_file} ({info.format})"
    if replaced is not None:
        what += f"; replaced the list of {replaced.data_date} ({replaced.rows} numbers)"
    return AuditEvent(
        AuditAction.DNC_IMPORTED,
        at,
        agent_number=agent_number,
        data_version=f"{info.name} {info.data_date}",
        dnc_list=info.name,
        reason=what,
    )


def _nanp_area_codes(conn: sqlite3.Connection, table: str) -> set[str]:
    """The area codes of the table's +1 numbers, found by skipping from one area code to the next (a few queries,
    not a scan of millions of rows)."""
    found: set[str] = set()
    low = _NANP_LOW
    while True:
        row = conn.execute(f"SELECT MIN(n) FROM main.{table} WHERE n >= ? AND n < ?", (low, _NANP_HIGH)).fetchone()
        if row[0] is None:
            return found
        npa = int(row[0]) // 10_000_000  # 1NPA
        found.add(f"+{npa}")
        low = (npa + 1) * 10_000_000


def _drop_list(store: Store, list_id: int) -> None:
    with store.plain_errors(), store.transaction():
        store.connection.execute(f"DROP TABLE IF EXISTS main.{_numbers_table(list_id)}")
        store.connection.execute("DELETE FROM dnc_lists WHERE id = ?", (list_id,))


def _remove_abandoned_builds(store: Store, clock: Clock) -> None:
    """Drop what a crashed import left: a list still being built long after it began, and a numbers table that no
    list names (an old list whose table was not dropped yet)."""
    conn = store.connection
    before = _utc_text(clock() - ABANDONED_BUILD_AFTER)
    stale_builds = [
        int(list_id)
        for (list_id,) in conn.execute("SELECT id FROM dnc_lists WHERE ready = 0 AND imported_at < ?", (before,))
    ]
    known = {int(list_id) for (list_id,) in conn.execute("SELECT id FROM dnc_lists")}
    tables = [
        str(table_name)
        for (table_name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'dnc\\_numbers\\_%' ESCAPE '\\'"
        )
    ]
    orphans = [int(table_name.rsplit("_", 1)[1]) for table_name in tables if table_name.rsplit("_", 1)[1].isdigit()]
    for list_id in stale_builds + [list_id for list_id in orphans if list_id not in known]:
        _drop_list(store, list_id)
