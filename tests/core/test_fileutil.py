"""Crash-safe file replacement and the garbage-collector pause shared by the core."""

from __future__ import annotations

import gc
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop.core.fileutil import atomic_write, atomic_write_bytes, atomic_write_text, gc_paused


@pytest.fixture
def gc_enabled() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_gc_paused_pauses_and_restores_even_on_error_and_when_nested(gc_enabled: None) -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block must not re-enable it under the outer one
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_gc_paused_leaves_a_disabled_collector_disabled(gc_enabled: None) -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    # Not tmp_path itself: the shared conftest keeps the test's home folders there.
    path = tmp_path / "files"
    path.mkdir()
    return path


def _files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_atomic_write_replaces_the_file_and_returns_what_the_writer_returns(folder: Path) -> None:
    target = folder / "out.csv"
    target.write_text("old", encoding="utf-8")
    seen: list[Path] = []

    def write(temp: Path) -> int:
        seen.append(temp)
        assert temp.parent == folder and temp != target and temp.read_bytes() == b""
        assert target.read_text(encoding="utf-8") == "old"  # untouched until the rename
        temp.write_text("new", encoding="utf-8")
        return 42

    assert atomic_write(target, write) == 42
    assert target.read_text(encoding="utf-8") == "new"
    assert _files_in(folder) == ["out.csv"]
    assert not seen[0].exists()


def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(folder: Path) -> None:
    target = folder / "out.csv"
    target.write_text("old", encoding="utf-8")

    def fail_half_way(temp: Path) -> None:
        temp.write_text("half", encoding="utf-8")
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        atomic_write(target, fail_half_way)
    assert target.read_text(encoding="utf-8") == "old"
    assert _files_in(folder) == ["out.csv"]


def test_a_failing_rename_leaves_no_temporary_file(folder: Path) -> None:
    target = folder / "taken"
    target.mkdir()
    (target / "inside").write_text("x", encoding="utf-8")  # a non-empty folder cannot be replaced by a file
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"data")
    assert _files_in(folder) == ["taken"]


def test_a_missing_folder_is_an_os_error(folder: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write_bytes(folder / "missing" / "out.csv", b"data")
    assert _files_in(folder) == []


def test_two_writers_of_one_file_never_share_a_temporary_file(folder: Path) -> None:
    # A second export finishing while the first is still writing: with one fixed temporary name the first one's
    # rename would find its file gone (or publish the other's half-written data).
    target = folder / "contacts.csv"

    def first(temp: Path) -> str:
        temp.write_text("first, complete", encoding="utf-8")
        atomic_write_text(target, "second, complete")
        assert target.read_text(encoding="utf-8") == "second, complete"
        assert temp.read_text(encoding="utf-8") == "first, complete"
        return "first done"

    assert atomic_write(target, first) == "first done"
    assert target.read_text(encoding="utf-8") == "first, complete"  # the last rename wins, whole
    assert _files_in(folder) == ["contacts.csv"]


def test_text_and_bytes_are_written_exactly(folder: Path) -> None:
    atomic_write_text(folder / "a.txt", "line 1\r\nZoë\n")
    assert (folder / "a.txt").read_bytes() == "line 1\r\nZoë\n".encode()
    atomic_write_text(folder / "b.txt", "Zoë", encoding="latin-1")
    assert (folder / "b.txt").read_bytes() == b"Zo\xeb"
    atomic_write_bytes(str(folder / "c.bin"), b"\x00\xff")
    assert (folder / "c.bin").read_bytes() == b"\x00\xff"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_a_new_file_is_private_and_an_existing_file_keeps_its_mode(folder: Path) -> None:
    new = folder / "new.csv"
    atomic_write_bytes(new, b"x")
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    shared = folder / "shared.csv"
    shared.write_bytes(b"old")
    shared.chmod(0o644)
    atomic_write_bytes(shared, b"new")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644


def test_the_data_is_flushed_to_disk_before_the_rename(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(source: str, destination: str) -> None:
        events.append("rename")
        real_replace(source, destination)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic_write_bytes(folder / "out.csv", b"data")
    expected = ["fsync file", "rename"] if sys.platform == "win32" else ["fsync file", "rename", "fsync folder"]
    assert events == expected
