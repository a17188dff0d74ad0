"""The SQLite store: journal durability (kill -9), migrations, filters, contacts at 100k scale."""

from __future__ import annotations

import dataclasses
import os
import re
import selectors
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import c2c_desktop
from c2c_desktop.core import store as store_module
from c2c_desktop.core.models import CallRequest, CallResult, CallState, Contact, JournalEntry, Outcome, PhoneEntry
from c2c_desktop.core.store import (
    INTERRUPTED_MESSAGE,
    MIGRATIONS,
    RowNotFoundError,
    Store,
    StoreError,
    default_db_path,
    migrate,
    new_ref,
)

REPO_ROOT = Path(c2c_desktop.__file__).resolve().parent.parent
ISO_UTC_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "test.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as opened:
        yield opened


def request(number: str = "5552010002", **changes: object) -> CallRequest:
    base = CallRequest(agent_number="5552010001", phone_to_call=number, page="c2c-desktop")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def ada(**changes: object) -> Contact:
    base = Contact(
        id=None,
        name="Ada Lovelace",
        company="Analytical Engines",
        title="Countess",
        phones=(
            PhoneEntry("(555) 201-0002", label="work", e164="+15552010002", primary=False),
            PhoneEntry("555.201.0003", label="mobile", e164="+15552010003", primary=True),
        ),
        notes="Prefers mornings",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# --- opening, paths, pragmas --------------------------------------------------------------------------------------


def test_default_db_path_follows_xdg_data_home(isolated_profile: Path) -> None:
    path = default_db_path()
    assert path == Path(os.environ["XDG_DATA_HOME"]) / "c2c-desktop" / "c2c-desktop.sqlite3"
    assert isolated_profile in path.parents


def test_open_creates_parent_folders_and_sets_pragmas(db_path: Path, store: Store) -> None:
    assert db_path.is_file()
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    finally:
        db.close()
    conn = store._db
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    assert store.integrity_check() == "ok"


def test_close_is_idempotent_and_closed_store_refuses_work(db_path: Path) -> None:
    opened = Store(db_path)
    opened.close()
    opened.close()
    with pytest.raises(StoreError, match="closed"):
        opened.contact_count()


def test_store_refuses_use_from_another_thread(store: Store) -> None:
    import threading

    errors: list[BaseException] = []

    def use() -> None:
        try:
            store.contact_count()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=use)
    worker.start()
    worker.join(5)
    assert len(errors) == 1 and isinstance(errors[0], sqlite3.ProgrammingError)


def test_a_file_that_is_not_a_database_gives_a_store_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="Cannot use the database"):
        Store(bogus)


# --- migrations ---------------------------------------------------------------------------------------------------


def _write_v1_database(path: Path) -> None:
    """A database as version 1 of the app left it, with one contact and one finished call."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, target=1) == 1
        conn.execute("INSERT INTO contacts (id, name) VALUES (7, 'Grace Hopper')")
        conn.execute(
            "INSERT INTO phones (contact_id, position, number, dial, is_primary) VALUES (7, 0, '555-201-0009', "
            "'5552010009', 1)"
        )
        conn.execute(
            "INSERT INTO calls (ref, started_at, number, agent_number, call_type, state, outcome, message) "
            "VALUES ('c2c-old', '2026-01-02T03:04:05.006Z', '5552010009', '5552010001', 2, 'done', 'connected', "
            "'Connected')"
        )
    finally:
        conn.close()


def test_a_version_1_database_migrates_to_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    _write_v1_database(path)
    with Store(path) as upgraded:
        assert upgraded.schema_version == len(MIGRATIONS) >= 2
        indexes = {row[0] for row in upgraded._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"phones_e164", "calls_number", "calls_started_at"} <= indexes
        # Migration 7 pinned the stored number and the old call to their country, read in the region in force.
        assert [c.name for c in upgraded.find_contacts_by_e164("+15552010009")] == ["Grace Hopper"]
        old = upgraded.last_call_that_may_have_rung(["5552010009"])
        assert old is not None and old.ref == "c2c-old" and old.outcome is Outcome.CONNECTED
        assert old.e164 == "+15552010009"
        assert upgraded.integrity_check() == "ok"


def test_a_failing_migration_is_rolled_back_whole(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store(db_path).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(RuntimeError, match="migration bug"):
        Store(db_path)
    monkeypatch.undo()
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    finally:
        conn.close()


def test_a_database_from_a_newer_app_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer version"):
        Store(db_path)


# --- journal ------------------------------------------------------------------------------------------------------


def test_new_ref_is_short_readable_and_unique() -> None:
    refs = {new_ref() for _ in range(10_000)}
    assert len(refs) == 10_000
    for ref in list(refs)[:50]:
        assert len(ref) <= 32
        assert re.fullmatch(r"c2c-\d{8}-\d{6}-[0-9a-f]{12}", ref)


def test_begin_call_commits_a_placing_row_before_returning(db_path: Path, store: Store) -> None:
    entry = store.begin_call(request(), display_number="(555) 201-0002", contact_id=3, contact_name="Ada Lovelace")
    assert entry.state is CallState.PLACING and entry.outcome is None
    assert entry.ref.startswith("c2c-") and len(entry.ref) <= 32
    assert ISO_UTC_MS.match(entry.started_at)
    assert (entry.number, entry.agent_number, entry.call_type, entry.page) == (
        "5552010002",
        "5552010001",
        2,
        "c2c-desktop",
    )
    assert (entry.display_number, entry.contact_id, entry.contact_name) == ("(555) 201-0002", 3, "Ada Lovelace")
    # Another connection sees it at once: it is committed, not pending in a transaction.
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("SELECT state, ref FROM calls").fetchall() == [("placing", entry.ref)]
    finally:
        other.close()


def test_begin_call_keeps_a_given_ref_even_a_repeated_one_and_refuses_long_refs(store: Store) -> None:
    # A CRM id used as the ref of two calls to the same lead is legitimate.
    first = store.begin_call(request(ref="crm-42"))
    second = store.begin_call(request(ref="crm-42"))
    assert first.ref == second.ref == "crm-42" and first.id != second.id
    with pytest.raises(ValueError, match="32"):
        store.begin_call(request(ref="x" * 33))
    assert [c.id for c in store.list_calls(text="crm-42")] == [second.id, first.id]
    plan = " ".join(str(row[3]) for row in store._db.execute("EXPLAIN QUERY PLAN SELECT id FROM calls WHERE ref = 'x'"))
    assert "calls_ref" in plan  # still indexed, just not unique


def test_migration_5_lets_an_old_journal_repeat_a_ref(tmp_path: Path) -> None:
    path = tmp_path / "v4.sqlite3"
    _write_v1_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, target=4) == 4
        with pytest.raises(sqlite3.IntegrityError):  # what version 4 did
            conn.execute(
                "INSERT INTO calls (ref, started_at, number, agent_number, call_type, state) "
                "VALUES ('c2c-old', '2026-01-02T03:04:06.000Z', '5552010009', '5552010001', 2, 'placing')"
            )
    finally:
        conn.close()
    with Store(path) as upgraded:
        again = upgraded.begin_call(request("5552010009", ref="c2c-old"))
        assert [c.id for c in upgraded.list_calls(text="c2c-old")] == [again.id, again.id - 1]
        assert upgraded.integrity_check() == "ok"


def test_begin_call_is_refused_inside_a_transaction(store: Store) -> None:
    with pytest.raises(StoreError, match="inside a transaction"), store.transaction():
        store.begin_call(request())
    assert store.list_calls() == []


def test_finish_call_records_the_result(store: Store) -> None:
    entry = store.begin_call(request())
    result = CallResult(
        Outcome.NO_ANSWER, "No answer on your phone", excerpt="No Answer", http_status=200, elapsed_s=31.5
    )
    done = store.finish_call(entry.id, result)
    assert done.state is CallState.DONE and done.outcome is Outcome.NO_ANSWER
    assert (done.message, done.excerpt, done.http_status, done.resolution_s) == (
        "No answer on your phone",
        "No Answer",
        200,
        31.5,
    )
    assert done.finished_at is not None and ISO_UTC_MS.match(done.finished_at)
    assert done.finished_at >= done.started_at
    assert store.get_call(entry.id) == done
    with pytest.raises(RowNotFoundError):
        store.finish_call(9999, result)


def test_hundreds_of_calls_survive_reopening(db_path: Path) -> None:
    outcomes = list(Outcome)
    with Store(db_path) as first:
        for i in range(300):
            entry = first.begin_call(request(f"555201{i:04d}"))
            if i % 3:
                first.finish_call(entry.id, CallResult(outcomes[i % 5], f"call {i}", elapsed_s=i / 10))
    with Store(db_path) as second:
        calls = second.list_calls()
        assert len(calls) == 300
        assert [c.number for c in calls] == [f"555201{i:04d}" for i in reversed(range(300))]
        assert sum(c.state is CallState.PLACING for c in calls) == 100
        assert second.get_call(calls[0].id) == calls[0]
        assert calls[1].outcome is outcomes[298 % 5] and calls[1].message == "call 298"
        # This process began them and is alive: they may still be in flight, so they stay placing.
        assert second.recover_interrupted() == 0
        # As a version without owners left them: now they count as interrupted.
        second._db.execute("UPDATE calls SET owner_host = NULL, owner_pid = NULL, owner_token = NULL")
        assert second.recover_interrupted() == 100
        assert second.recover_interrupted() == 0
        assert all(c.state is CallState.DONE for c in second.list_calls())
        assert second.integrity_check() == "ok"


_KILL_CHILD = """
import sys
from c2c_desktop.core.models import CallRequest
from c2c_desktop.core.store import Store
store = Store(sys.argv[1])
entry = store.begin_call(CallRequest(agent_number="5552010001", phone_to_call=sys.argv[2]))
print("ready", entry.id, flush=True)
sys.stdin.read()  # blocks until killed
"""


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"the child printed nothing within {timeout} s")
    return proc.stdout.readline()


@contextmanager
def _child_placing_a_call(db_path: Path, number: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A separate process that has begun a call (its row is `placing`) and waits; yields it and the row's id."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_CHILD, str(db_path), number],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = _read_line(proc, timeout=30)
        assert line.startswith("ready"), line
        yield proc, int(line.split()[1])
    finally:
        _end(proc)


def _end(proc: subprocess.Popen[str]) -> None:
    """Kill the child if it still runs and close its pipes."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()


def _kill_9(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL  # reaped: its pid no longer names a process


def test_kill_9_after_begin_call_leaves_an_unknown_row_and_a_sound_file(db_path: Path) -> None:
    for round_number in range(5):
        number = f"555201{round_number:04d}"
        with _child_placing_a_call(db_path, number) as (proc, call_id):
            _kill_9(proc)
        with Store(db_path) as reopened:
            assert reopened.recover_interrupted() == 1
            row = reopened.get_call(call_id)
            assert row is not None and row.number == number
            assert (row.state, row.outcome, row.message) == (CallState.DONE, Outcome.UNKNOWN, INTERRUPTED_MESSAGE)
            assert row.finished_at is None
            assert len(reopened.list_calls()) == round_number + 1
            assert reopened.integrity_check() == "ok"


def test_a_live_process_s_placing_call_is_not_recovered_by_another_store(db_path: Path) -> None:
    # `history list` while `call` rings in another process must not mark that call "app stopped".
    with _child_placing_a_call(db_path, "5552010002") as (proc, call_id), Store(db_path) as other:
        row = other._db.execute("SELECT owner_host, owner_pid FROM calls WHERE id = ?", (call_id,)).fetchone()
        assert row == (socket.gethostname(), proc.pid)
        assert other.recover_interrupted() == 0
        still = other.get_call(call_id)
        assert still is not None and still.state is CallState.PLACING and still.outcome is None
        _kill_9(proc)
        assert other.recover_interrupted() == 1  # its owner is gone now
        recovered = other.get_call(call_id)
        assert recovered is not None and (recovered.state, recovered.outcome) == (CallState.DONE, Outcome.UNKNOWN)


def test_recovery_decides_by_the_owner_of_each_placing_row(store: Store) -> None:
    finished_child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(finished_child.stdout)  # reaped, so no process has this id (a reuse within the test is remote)
    host = socket.gethostname()
    owners = {
        "ours, in flight": (host, os.getpid(), store_module._OWNER_TOKEN),
        "an earlier process with our pid": (host, os.getpid(), "another-token"),
        "a dead process": (host, dead_pid, "t"),
        "a live process on another machine": ("elsewhere.example", dead_pid, "t"),
        "an older version (no owner)": (None, None, None),
        "another machine, two hours ago": ("elsewhere.example", dead_pid, "t"),
        "ours, but two hours ago (a hung call)": (host, os.getpid(), store_module._OWNER_TOKEN),
    }
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="milliseconds")[:-6] + "Z"
    ids = {}
    for label, owner in owners.items():
        ids[label] = store.begin_call(request()).id
        store._db.execute(
            "UPDATE calls SET owner_host = ?, owner_pid = ?, owner_token = ? WHERE id = ?", (*owner, ids[label])
        )
        if "two hours ago" in label:
            store._db.execute("UPDATE calls SET started_at = ? WHERE id = ?", (two_hours_ago, ids[label]))
    assert store.recover_interrupted() == 5
    states = {label: store.get_call(call_id).state for label, call_id in ids.items()}  # type: ignore[union-attr]
    assert states == {
        "ours, in flight": CallState.PLACING,
        "an earlier process with our pid": CallState.DONE,
        "a dead process": CallState.DONE,
        "a live process on another machine": CallState.PLACING,
        "an older version (no owner)": CallState.DONE,
        "another machine, two hours ago": CallState.DONE,
        "ours, but two hours ago (a hung call)": CallState.DONE,
    }


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc: the owner's start time")


@linux_only
def test_a_killed_owner_that_is_still_a_zombie_is_gone(db_path: Path) -> None:
    # Killed, not yet reaped by its parent: its pid still answers os.kill(pid, 0), for ~1.5 s after a quick restart.
    with _child_placing_a_call(db_path, "5552010002") as (proc, call_id), Store(db_path) as other:
        os.kill(proc.pid, signal.SIGKILL)
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # it has ended, and is left unreaped: a zombie
        assert Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
        assert other.call_owner(call_id) == store_module.CallOwner(
            store_module.OwnerState.GONE, proc.pid, socket.gethostname()
        )
        assert other.recover_interrupted() == 1
        recovered = other.get_call(call_id)
        assert recovered is not None and (recovered.state, recovered.outcome) == (CallState.DONE, Outcome.UNKNOWN)
        assert proc.poll() == -signal.SIGKILL  # reaped only now


@linux_only
def test_an_owner_pid_that_now_names_another_process_is_gone(db_path: Path) -> None:
    # A pid reused by an unrelated process: the pid is alive, but the process that began the call is not.
    with _child_placing_a_call(db_path, "5552010002") as (proc, call_id), Store(db_path) as other:
        started = other._db.execute("SELECT owner_started FROM calls WHERE id = ?", (call_id,)).fetchone()[0]
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        ticks = int(Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split()[19])
        assert started == f"{boot_id}/{ticks}"  # the child recorded when it started
        assert other.recover_interrupted() == 0  # the same process: alive
        assert other.call_owner(call_id) == store_module.CallOwner(
            store_module.OwnerState.OTHER_PROCESS, proc.pid, socket.gethostname()
        )
        for earlier in (f"{boot_id}/{ticks - 1}", f"another-boot/{ticks}"):
            other._db.execute("UPDATE calls SET owner_started = ? WHERE id = ?", (earlier, call_id))
            assert other.call_owner(call_id).state is store_module.OwnerState.GONE  # type: ignore[union-attr]
        assert other.recover_interrupted() == 1
        assert proc.poll() is None  # the pid's process itself still runs


@linux_only
def test_the_current_process_and_its_parent_are_alive_by_pid_and_start(store: Store) -> None:
    own = store.begin_call(request())
    assert store.call_owner(own.id) == store_module.CallOwner(
        store_module.OwnerState.THIS_PROCESS, os.getpid(), socket.gethostname()
    )
    assert store.recover_interrupted() == 0
    for pid in (os.getpid(), os.getppid()):
        start = store_module._process_start(pid)
        assert start is not None and store_module._process_is_alive(pid, start)
        assert not store_module._process_is_alive(pid, start + "0")
    store.finish_call(own.id, CallResult(Outcome.CONNECTED, "done"))
    assert store.call_owner(own.id) is None  # done: nobody is placing it


def test_an_owner_without_a_recorded_start_is_judged_by_its_pid(store: Store) -> None:
    # Rows of earlier versions, and of systems without /proc: the pid alone decides, as before.
    entry = store.begin_call(request())
    store._db.execute("UPDATE calls SET owner_pid = ?, owner_started = NULL WHERE id = ?", (os.getppid(), entry.id))
    assert store.call_owner(entry.id).state is store_module.OwnerState.OTHER_PROCESS  # type: ignore[union-attr]
    assert store.recover_interrupted() == 0


# --- database problems become plain StoreErrors ------------------------------------------------------------------


def test_a_database_locked_by_another_program_gives_a_plain_busy_error(db_path: Path) -> None:
    with Store(db_path, busy_timeout_ms=50) as waiting:
        waiting.add_contact(Contact(None, "Before"))
        holder = sqlite3.connect(db_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
            for attempt in (
                lambda: waiting.begin_call(request()),
                lambda: waiting.add_contact(Contact(None, "During")),
                lambda: waiting.add_contacts([Contact(None, "During")]),
            ):
                with pytest.raises(StoreError, match=r"^The database is busy \(another program holds it\); try again"):
                    attempt()
            assert not waiting.in_transaction
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        # Usable again once the lock is gone; nothing half-written.
        assert waiting.begin_call(request()).state is CallState.PLACING
        assert [c.name for c in waiting.list_contacts()] == ["Before"]


def test_the_busy_error_keeps_the_sqlite_error_as_its_cause(db_path: Path) -> None:
    with Store(db_path, busy_timeout_ms=50) as waiting:
        holder = sqlite3.connect(db_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            with pytest.raises(StoreError) as caught:
                waiting.begin_call(request())
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


def test_writing_a_read_only_connection_gives_a_plain_read_only_error(db_path: Path, store: Store) -> None:
    # query_only makes SQLite refuse writes even for root (for whom file permissions do not).
    store.begin_call(request())
    store._db.execute("UPDATE calls SET owner_pid = NULL, owner_host = NULL")
    store._db.execute("PRAGMA query_only = ON")
    for attempt in (
        lambda: store.begin_call(request()),
        store.recover_interrupted,
        lambda: store.add_contact(Contact(None, "Ada")),
    ):
        with pytest.raises(StoreError, match=r"^The database is read-only: .*test\.sqlite3"):
            attempt()
    assert len(store.list_calls()) == 1  # reading still works


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes read-only files; see the query_only test"
)
def test_a_read_only_database_file_gives_a_plain_read_only_error(db_path: Path) -> None:
    with Store(db_path) as writable:
        writable.begin_call(request())
        writable._db.execute("UPDATE calls SET owner_pid = NULL, owner_host = NULL")
    db_path.chmod(0o444)
    db_path.parent.chmod(0o555)
    try:
        with pytest.raises(StoreError, match=r"^The database is read-only: "):
            with Store(db_path) as read_only:
                read_only.recover_interrupted()
    finally:
        db_path.parent.chmod(0o755)
        db_path.chmod(0o644)


def test_a_full_disk_gives_a_plain_error_and_changes_nothing(store: Store) -> None:
    store.add_contact(ada())
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite answers SQLITE_FULL as for a full disk
    many = [Contact(None, f"Person {i}", notes="x" * 200) for i in range(2000)]
    with pytest.raises(StoreError, match=r"^The disk is full"):
        store.add_contacts(many)
    assert not store.in_transaction
    assert [c.name for c in store.list_contacts()] == ["Ada Lovelace"]


def _journal_for_filters(store: Store) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, number, outcome in [
        ("Ada Lovelace", "5552010002", Outcome.CONNECTED),
        ("Grace Hopper", "5552010009", Outcome.NO_ANSWER),
        ("", "4420794600", Outcome.UNKNOWN),
        ("Ada Lovelace", "5552010003", Outcome.REJECTED),
    ]:
        entry = store.begin_call(request(number), contact_name=name)
        store.finish_call(entry.id, CallResult(outcome, outcome.value))
        ids[f"{name}/{number}"] = entry.id
    return ids


def test_list_calls_filters(store: Store) -> None:
    ids = _journal_for_filters(store)
    assert [c.id for c in store.list_calls()] == sorted(ids.values(), reverse=True)
    assert [c.id for c in store.list_calls(2)] == sorted(ids.values(), reverse=True)[:2]
    assert [c.number for c in store.list_calls(outcome=Outcome.NO_ANSWER)] == ["5552010009"]
    assert [c.number for c in store.list_calls(text="ada")] == ["5552010003", "5552010002"]
    assert [c.number for c in store.list_calls(text="0794")] == ["4420794600"]
    assert [c.number for c in store.list_calls(text="ADA", outcome=Outcome.CONNECTED)] == ["5552010002"]
    # LIKE wildcards in the search text are literal.
    assert store.list_calls(text="%") == [] and store.list_calls(text="_") == []

    unknown_id = ids["/4420794600"]
    store.reconcile(unknown_id, Outcome.CONNECTED)
    reconciled = store.get_call(unknown_id)
    assert reconciled is not None
    assert reconciled.outcome is Outcome.UNKNOWN and reconciled.reconciled_outcome is Outcome.CONNECTED
    assert {c.number for c in store.list_calls(outcome=Outcome.CONNECTED)} == {"5552010002", "4420794600"}
    assert store.list_calls(outcome=Outcome.UNKNOWN) == []

    store.set_disposition(ids["Grace Hopper/5552010009"], "voicemail", "left a message about pricing")
    assert [c.number for c in store.list_calls(text="PRICING")] == ["5552010009"]
    assert [c.number for c in store.list_calls(text="voicemail")] == ["5552010009"]
    store.set_disposition(ids["Grace Hopper/5552010009"], None)
    cleared = store.get_call(ids["Grace Hopper/5552010009"])
    assert cleared is not None and (cleared.disposition, cleared.note) == (None, "")
    with pytest.raises(RowNotFoundError):
        store.set_disposition(9999, "x")
    with pytest.raises(RowNotFoundError):
        store.reconcile(9999, Outcome.CONNECTED)


def test_list_calls_date_range(store: Store) -> None:
    ids = _journal_for_filters(store)
    times = [
        "2026-11-29T23:59:59.999Z",
        "2026-11-30T00:00:00.000Z",
        "2026-11-30T12:00:00.000Z",
        "2026-12-01T00:00:00.000Z",
    ]
    for call_id, started_at in zip(sorted(ids.values()), times, strict=True):
        store._db.execute("UPDATE calls SET started_at = ? WHERE id = ?", (started_at, call_id))
    on_the_30th = store.list_calls(since="2026-11-30", until="2026-12-01")
    assert [c.started_at for c in on_the_30th] == times[2:0:-1]
    assert [c.started_at for c in store.list_calls(since="2026-11-30T12:00:00.000Z")] == times[:1:-1]
    assert [c.started_at for c in store.list_calls(until="2026-11-30")] == times[:1]


def test_a_call_keeps_its_number_in_international_form(store: Store) -> None:
    entry = store.begin_call(request("2125550142"), display_number="(212) 555-0142", e164="+12125550142")
    assert entry.e164 == "+12125550142"
    assert store.finish_call(entry.id, CallResult(Outcome.CONNECTED, "Connected")).e164 == "+12125550142"
    assert store.begin_call(request()).e164 == ""


def test_last_call_that_may_have_rung(store: Store) -> None:
    assert store.last_call_that_may_have_rung(["5552010002"]) is None
    first = store.begin_call(request("5552010002"))
    store.begin_call(request("5552010003"))
    second = store.begin_call(request("5552010002"))
    found = store.last_call_that_may_have_rung(["5552010002"])
    assert found is not None and found.id == second.id != first.id and found.may_still_be_ringing  # still placing
    store.finish_call(second.id, CallResult(Outcome.UNKNOWN, "Unknown — timed out"))
    # Later calls that dialled nobody (not sent, rejected) do not hide an unknown one that may still be ringing.
    for outcome in (Outcome.NOT_SENT, Outcome.REJECTED):
        retry = store.begin_call(request("5552010002"))
        store.finish_call(retry.id, CallResult(outcome, "did not ring"))
    found = store.last_call_that_may_have_rung(["5552010002"])
    assert found is not None and found.id == second.id and found.may_still_be_ringing
    store.reconcile(second.id, Outcome.NO_ANSWER)  # the agent settled it
    found = store.last_call_that_may_have_rung(["5552010002"])
    assert found is not None and found.id == second.id and not found.may_still_be_ringing
    # Several spellings of one number (the digits a region gave then and now): the newest call to any of them.
    other = store.begin_call(request("011442079460958"))
    found = store.last_call_that_may_have_rung(["02079460958", "011442079460958"])
    assert found is not None and found.id == other.id
    assert store.last_call_that_may_have_rung([]) is None


def test_journal_columns_mirror_journal_entry_and_nothing_more(store: Store) -> None:
    # Nothing else (no URL, no keys) has a place to go; the owner columns are recovery bookkeeping only, the sync
    # columns the team server's key and push bookkeeping (core/team/sync.py).
    columns = [row[1] for row in store._db.execute("PRAGMA table_info(calls)")]
    owner = ["owner_host", "owner_pid", "owner_token", "owner_started"]
    sync = ["client_uuid", "team_guarded", "team_account", "sync_change", "sync_pushed"]
    assert sorted(columns) == sorted([f.name for f in dataclasses.fields(JournalEntry)] + owner + sync)


# --- contacts -----------------------------------------------------------------------------------------------------


def test_add_get_update_delete_contact(store: Store) -> None:
    added = store.add_contact(ada())
    assert added.id is not None and added == ada(id=added.id)
    assert store.get_contact(added.id) == added
    assert store.get_contact(added.id + 1) is None
    assert added.primary_phone is not None and added.primary_phone.e164 == "+15552010003"

    changed = dataclasses.replace(
        added, name="Augusta Ada King", phones=(PhoneEntry("555 201 0004", "home", "+15552010004"),)
    )
    store.update_contact(changed)
    assert store.get_contact(added.id) == changed
    assert store.find_contacts_by_e164("+15552010002") == []
    with pytest.raises(RowNotFoundError):
        store.update_contact(dataclasses.replace(changed, id=9999))
    with pytest.raises(ValueError):
        store.update_contact(ada())

    call = store.begin_call(request("5552010004"), contact_id=added.id, contact_name=changed.name)
    deleted = store.delete_contact(added.id)
    assert deleted == changed
    assert store.get_contact(added.id) is None and store.contact_count() == 0
    assert store._db.execute("SELECT COUNT(*) FROM phones").fetchone()[0] == 0
    assert store.delete_contact(added.id) is None
    # The journal keeps the call; undo re-adds the contact under its old id.
    assert store.get_call(call.id) is not None
    assert store.add_contact(deleted) == changed
    with pytest.raises(StoreError, match="already exists"):
        store.add_contact(deleted)


def test_list_contacts_orders_by_name_case_insensitively(store: Store) -> None:
    names = ["bob", "Alice", "Émile", "charlie", "alice", "Zoë"]
    store.add_contacts(Contact(None, name) for name in names)
    listed = [c.name for c in store.list_contacts()]
    assert listed == sorted(names, key=str.casefold)
    assert listed.index("Alice") < listed.index("alice")  # ties keep insertion (id) order
    assert store.contact_count() == len(names)


def test_find_contacts_by_e164(store: Store) -> None:
    first = store.add_contact(ada())
    second = store.add_contact(
        Contact(None, "Ada's assistant", phones=(PhoneEntry("555-201-0003", e164="+15552010003"),))
    )
    store.add_contact(Contact(None, "Nobody", phones=(PhoneEntry("555-201-0099", e164="+15552010099"),)))
    assert store.find_contacts_by_e164("+15552010003") == [first, second]
    assert store.find_contacts_by_e164("+15552010002") == [first]
    assert store.find_contacts_by_e164("+1555201000") == []
    assert store.find_contacts_by_e164("") == []  # numbers that could not be read are nobody's
    plan = " ".join(row[3] for row in store._db.execute("EXPLAIN QUERY PLAN SELECT * FROM phones WHERE e164 = 'x'"))
    assert "phones_e164" in plan


def test_a_failed_import_changes_nothing(store: Store) -> None:
    store.add_contact(ada())
    with pytest.raises(RuntimeError, match="row 3 is bad"), store.transaction():
        store.add_contacts([Contact(None, "One"), Contact(None, "Two")])
        store.add_contact(Contact(None, "Three"))
        raise RuntimeError("row 3 is bad")
    assert [c.name for c in store.list_contacts()] == ["Ada Lovelace"]


def test_nested_transaction_failure_undoes_only_the_inner_block(store: Store) -> None:
    with store.transaction():
        store.add_contact(Contact(None, "Kept"))
        with pytest.raises(RuntimeError), store.transaction():
            store.add_contact(Contact(None, "Dropped"))
            raise RuntimeError("inner")
        assert store.in_transaction
    assert not store.in_transaction
    assert [c.name for c in store.list_contacts()] == ["Kept"]


def test_add_contacts_keeps_phone_order_and_assigns_fresh_ids(store: Store) -> None:
    store.add_contact(Contact(None, "Existing"))
    phones = tuple(PhoneEntry(f"555-201-{i:04d}", f"label {i}", f"555201{i:04d}", primary=i == 2) for i in range(4))
    assert store.add_contacts([Contact(42, "Many phones", phones=phones), Contact(None, "None")]) == 2
    listed = {c.name: c for c in store.list_contacts()}
    assert listed["Many phones"].phones == phones
    assert listed["Many phones"].primary_phone == phones[2]
    assert listed["None"].phones == ()
    assert sorted(c.id or 0 for c in listed.values()) == [1, 2, 3]
    assert store.add_contacts([]) == 0


def test_ids_of_deleted_contacts_are_never_reused(store: Store) -> None:
    first = store.add_contact(Contact(None, "First"))
    last = store.add_contact(Contact(None, "Last"))
    call = store.begin_call(request(), contact_id=last.id, contact_name="Last")
    assert last.id is not None and store.delete_contact(last.id) is not None
    assert store.add_contacts([Contact(None, "Bulk")]) == 1
    single = store.add_contact(Contact(None, "Single"))
    ids = {c.name: c.id for c in store.list_contacts()}
    assert ids["Bulk"] != last.id and single.id != last.id and ids["First"] == first.id
    # The journal's contact id still names nobody but the deleted contact, so undo relinks it.
    assert store.get_call(call.id) is not None and store.get_contact(last.id) is None
    assert store.add_contact(Contact(last.id, "Last")).id == last.id


def _indexes(store: Store) -> list[tuple[str, str]]:
    return store._db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()


@contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    seen: list[str] = []
    store._db.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        store._db.set_trace_callback(None)


def _numbered(count: int, start: int = 0) -> list[Contact]:
    # 0 to 3 phones each, so that the phone rows do not line up with the contact rows of one INSERT.
    return [
        Contact(
            None,
            f"Person {index}",
            f"Co {index % 7}",
            "",
            tuple(PhoneEntry(f"555-{index:07d}", str(n), f"8{index:07d}{n}", n == 1) for n in range(index % 4)),
            "x" if index % 5 else "",
        )
        for index in range(start, start + count)
    ]


@pytest.mark.parametrize("count", [1, 165, 166, 167, 333, 4979, 4980, 4981])
def test_add_contacts_stores_every_row_whatever_the_batch_sizes(store: Store, count: int) -> None:
    calls: list[tuple[int, int]] = []
    contacts = _numbered(count)
    assert store.add_contacts(contacts, progress=lambda done, total: calls.append((done, total))) == count
    loaded = sorted(store.list_contacts(), key=lambda contact: contact.id or 0)
    assert [dataclasses.replace(contact, id=None) for contact in loaded] == contacts
    assert [contact.id for contact in loaded] == list(range(1, count + 1))
    assert calls[-1] == (count, count) and len(calls) == -(-count // 4980)


def test_a_large_add_rebuilds_the_indexes_a_small_one_keeps_them(store: Store) -> None:
    indexes = _indexes(store)
    assert {"phones_e164", "contacts_sort_key"} <= {name for name, _ in indexes}
    with _statements(store) as seen:
        store.add_contacts(_numbered(6000))
    assert any(sql.startswith("DROP INDEX") for sql in seen)
    assert _indexes(store) == indexes
    assert store.integrity_check() == "ok"
    assert [c.name for c in store.find_contacts_by_e164("800000050")] == ["Person 5"]
    with _statements(store) as seen:
        store.add_contacts(_numbered(16_000, start=6000))  # more than a quarter of those stored
    assert any(sql.startswith("DROP INDEX") for sql in seen)
    with _statements(store) as seen:
        store.add_contacts(_numbered(5000, start=30_000))  # less than a quarter of the 22,000 stored
        store.add_contacts(_numbered(100, start=40_000))  # too few
    assert not any("INDEX" in sql for sql in seen)
    assert _indexes(store) == indexes
    assert store.contact_count() == 27_100 and store.integrity_check() == "ok"
    assert [c.name for c in store.find_contacts_by_e164("800300070")] == ["Person 30007"]


def test_a_failure_during_a_large_add_brings_back_the_rows_and_the_indexes(store: Store) -> None:
    store.add_contact(ada())
    before, indexes = store.list_contacts(), _indexes(store)

    def stop(done: int, total: int) -> None:
        if done < total:
            raise RuntimeError("stopped after the first batch")

    with _statements(store) as seen, pytest.raises(RuntimeError, match="first batch"):
        store.add_contacts(_numbered(12_000), progress=stop)
    assert any(sql.startswith("DROP INDEX") for sql in seen)
    assert not store.in_transaction
    assert store.list_contacts() == before and _indexes(store) == indexes
    assert store.integrity_check() == "ok"
    # Inside an outer transaction the failure undoes the add (a savepoint) and leaves the rest of the block.
    with store.transaction():
        store.add_contact(Contact(None, "Kept"))
        with pytest.raises(RuntimeError):
            store.add_contacts(_numbered(12_000), progress=stop)
    assert sorted(c.name for c in store.list_contacts()) == ["Ada Lovelace", "Kept"]
    assert _indexes(store) == indexes and store.integrity_check() == "ok"


_BULK_CHILD = """
import sys
from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.store import Store
store = Store(sys.argv[1])
contacts = [Contact(None, f"P{i}", phones=(PhoneEntry(f"555-{i:07d}", "", f"9{i:07d}", True),)) for i in range(20000)]
def wait_inside(done, total):
    if done < total:
        print("inside", flush=True)  # the indexes are dropped and a batch is written, uncommitted
        sys.stdin.read()  # blocks until killed
store.add_contacts(contacts, progress=wait_inside)
"""


def test_kill_9_during_a_large_add_leaves_the_rows_and_the_indexes_as_they_were(db_path: Path) -> None:
    with Store(db_path) as store:
        store.add_contact(ada())
        before, indexes = store.list_contacts(), _indexes(store)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", _BULK_CHILD, str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert _read_line(proc, timeout=60).strip() == "inside"
        _kill_9(proc)
    finally:
        _end(proc)
    with Store(db_path) as reopened:
        assert reopened.integrity_check() == "ok"
        assert reopened.list_contacts() == before and _indexes(reopened) == indexes
        assert reopened.add_contacts(_numbered(6000)) == 6000 and _indexes(reopened) == indexes


def _many_contacts(count: int) -> list[Contact]:
    contacts = []
    for i in range(count):
        phones = [
            PhoneEntry(f"(555) {i % 1000:03d}-{i % 10000:04d}", "work", f"555{i % 1000:03d}{i % 10000:04d}", True)
        ]
        if i % 2:
            phones.append(
                PhoneEntry(f"+1 555 9{i % 100:02d} {i % 10000:04d}", "mobile", f"15559{i % 100:02d}{i % 10000:04d}")
            )
        contacts.append(Contact(None, f"Person {count - i:06d}", f"Company {i % 700}", "Buyer", tuple(phones)))
    return contacts


@pytest.mark.slow
def test_one_hundred_thousand_contacts_insert_and_load_fast(db_path: Path) -> None:
    contacts = _many_contacts(100_000)
    with Store(db_path) as writer:
        wall, cpu = time.perf_counter(), time.process_time()
        assert writer.add_contacts(contacts) == 100_000
        insert_wall, insert_cpu = time.perf_counter() - wall, time.process_time() - cpu
    with Store(db_path) as reader:
        wall, cpu = time.perf_counter(), time.process_time()
        loaded = reader.list_contacts()
        load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert reader.contact_count() == 100_000
    print(
        f"100k contacts: insert {insert_wall:.2f} s ({insert_cpu:.2f} s CPU), "
        f"list_contacts {load_wall:.2f} s ({load_cpu:.2f} s CPU)"
    )
    assert len(loaded) == 100_000
    assert sum(len(c.phones) for c in loaded) == 150_000
    assert loaded[0].name == "Person 000001" and loaded[-1].name == "Person 100000"
    assert loaded[-1] == dataclasses.replace(contacts[0], id=1)
    # CPU time, not wall time: other jobs on a shared CI machine must not fail this. The bounds are the design
    # targets with head room; per-row queries (the regression this guards against) take many times longer.
    assert insert_cpu < 4.0
    assert load_cpu < 2.5


# --- compact contact rows (what the window's list loads) ---------------------------------------------------------


def _mixed_contacts() -> list[Contact]:
    return [
        ada(),  # primary is the second phone
        Contact(
            None, "émile Zola", "Rougon", "", (PhoneEntry("", "work", "+15552010007"),)
        ),  # only an international form
        Contact(None, "Émile Durand", phones=(PhoneEntry("555 201 0008", primary=True),)),
        Contact(None, "bob", "Acme"),  # no phones
        Contact(None, "Zoë", "", "CEO", (PhoneEntry("+44 20 7946 0018"), PhoneEntry("555-201-0010"))),
        Contact(None, "Straße", "", "", (PhoneEntry("555-201-0011", primary=True), PhoneEntry("555-201-0012"))),
    ]


def test_contact_rows_are_list_contacts_in_compact_columns(store: Store) -> None:
    store.add_contacts(_mixed_contacts())
    store.add_contact(Contact(None, "BOB", "Second Bob"))  # a casefold tie: id order
    listed = store.list_contacts()
    rows = store.contact_rows()
    assert rows == store_module.contact_rows_of(listed)
    assert len(rows) == 7
    assert rows.names == [c.name for c in sorted(listed, key=lambda c: (c.name.casefold(), c.id))]
    by_name = dict(zip(rows.names, zip(rows.primary_numbers, rows.numbers, strict=True), strict=True))
    # The primary number as it is called (its international form), every number as entered for the search.
    assert by_name["Ada Lovelace"] == ("+15552010003", "(555) 201-0002\x01555.201.0003")
    assert by_name["émile Zola"] == ("+15552010007", "")  # an empty number shows its international form
    assert by_name["bob"] == ("", "")
    assert by_name["Zoë"] == ("+44 20 7946 0018", "+44 20 7946 0018\x01555-201-0010")  # no primary: the first
    assert by_name["Straße"][0] == "555-201-0011"


def test_contact_rows_come_in_pages(store: Store) -> None:
    store.add_contacts(_mixed_contacts())
    whole = store.contact_rows()
    pages = [store.contact_rows(offset, 4) for offset in range(0, 8, 4)]
    assert [len(page) for page in pages] == [4, 2]
    assert pages[0].names + pages[1].names == whole.names
    assert pages[0].ids + pages[1].ids == whole.ids
    assert len(store.contact_rows(10, 4)) == 0 and len(store.contact_rows(0, 0)) == 0


def test_contact_rows_follow_renames_and_deletes(store: Store) -> None:
    first = store.add_contact(Contact(None, "Aaron"))
    store.add_contact(Contact(None, "Mallory"))
    assert first.id is not None
    store.update_contact(dataclasses.replace(first, name="Zed"))
    assert store.contact_rows().names == ["Mallory", "Zed"]
    store.delete_contact(first.id)
    assert store.contact_rows().names == ["Mallory"]


def test_contact_rows_read_the_sort_index_in_order(store: Store) -> None:
    sql = store_module._SELECT_CONTACT_ROWS
    plan = " ".join(str(row[3]) for row in store._db.execute("EXPLAIN QUERY PLAN " + sql, (-1, 0)))
    assert "contacts_sort_key" in plan
    assert "TEMP B-TREE" not in plan  # no sort step: rows stream out of the index


def test_migration_3_gives_existing_contacts_their_sort_key(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(conn, target=2) == 2
        conn.execute("INSERT INTO contacts (id, name) VALUES (1, 'zed'), (2, 'Émile'), (3, 'ada')")
    finally:
        conn.close()
    with Store(path) as upgraded:
        assert upgraded.contact_rows().names == ["ada", "zed", "Émile"]  # casefold order: é after z
        assert [c.name for c in upgraded.list_contacts()] == ["ada", "zed", "Émile"]


def test_data_version_changes_for_another_connections_commit_only(db_path: Path, store: Store) -> None:
    """What the open window polls to follow the CLI: its own writes must not look like someone else's."""
    before = store.data_version()
    store.add_contact(ada())
    entry = store.begin_call(request())
    store.finish_call(entry.id, CallResult(Outcome.CONNECTED, "Call Connected"))
    assert store.data_version() == before  # our own commits
    with Store(db_path) as other:
        other.add_contact(ada(name="Grace Hopper"))
    after = store.data_version()
    assert after != before
    assert store.data_version() == after  # stays put until the next commit elsewhere
