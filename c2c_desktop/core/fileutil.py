"""Small file helpers shared by the core: crash-safe writes, pausing the cyclic garbage collector, CSV cells that a
spreadsheet cannot run as formulas."""

from __future__ import annotations

import contextlib
import gc
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "gc_paused"]

T = TypeVar("T")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (restored after, even on error; nests).

    For building or reading 100k+ small objects that form no cycles: the collector would otherwise rescan the
    growing heap hundreds of times (it doubled load times here). Pausing only delays collecting other garbage.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def atomic_write(path: str | os.PathLike[str], write_fn: Callable[[Path], T]) -> T:
    """Replace the file at `path` with what `write_fn` writes, all at once; return what `write_fn` returns.

    `write_fn` gets the path of a fresh, empty temporary file in the same folder and writes it (it may open it in
    any mode). The temporary file is then flushed to disk and renamed over `path`, so readers and a crash see the
    old file or the new one, never half of one; concurrent writers never share a temporary file (the last rename
    wins). If anything fails the temporary file is removed and `path` is unchanged.

    A new file is private to the user (mode 0600: these hold contacts and settings); an existing file keeps its mode.
    """
    target = Path(path)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temp_path = Path(temp_name)
    try:
        result = write_fn(temp_path)
        _keep_mode_of(target, temp_path)
        # "r+b": Windows' fsync needs a handle open for writing; the contents are not touched.
        with open(temp_path, "r+b") as written:
            os.fsync(written.fileno())
        os.replace(temp_path, target)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    return result


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file at `path` with `data` atomically (see `atomic_write`)."""
    atomic_write(path, lambda temp: temp.write_bytes(data))


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Replace the file at `path` with `text` atomically (see `atomic_write`); line endings are written as given."""
    atomic_write_bytes(path, text.encode(encoding))


def _keep_mode_of(target: Path, temp_path: Path) -> None:
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return
    os.chmod(temp_path, mode)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable on POSIX. Windows cannot open a folder; some file systems refuse the fsync.
    # Either way the new file is already in place, so a failure here is not the caller's failure.
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_FORMULA_STARTS = ("=", "+", "-", "@")
_PHONE_NUMBER_TEXT = re.compile(r"\+?[0-9 ().\-/]*")


def defuse_formula(text: str, *, keep_phone_numbers: bool = False) -> str:
    """`text` with a `'` in front when a spreadsheet would evaluate it as a formula (starts with = + - @, after any
    whitespace): CSV injection. `keep_phone_numbers`: leave a plain phone number such as "+1 555 201 0003" as it is
    (digits, spaces, + ( ) . - / only), so that another address book imports it as a number."""
    stripped = text.lstrip()
    if not stripped.startswith(_FORMULA_STARTS):
        return text
    if keep_phone_numbers and _PHONE_NUMBER_TEXT.fullmatch(stripped.rstrip()):
        return text
    return "'" + text
