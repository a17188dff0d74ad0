"""Notices what other programs change in the profile while the window is open: the store (contacts imported or
edited, calls placed by `c2c-desktop` in a terminal) and the settings file (`config set`, an editor).

Both are polled on one timer on the GUI thread, about once a second, and each poll is cheap whatever the size of
the list: the store's `PRAGMA data_version` (~0.1 ms; it changes only when another connection committed, never for
the window's own writes) and one `stat` of the settings file (inode, mtime, size: atomic replacements, which a file
system watch would lose track of, are seen too). Only a change costs more: the settings are read again, and the
window reads the contacts again in pages (ContactListModel.refresh).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from c2c_desktop.core import config
from c2c_desktop.core.store import Store, StoreError

log = logging.getLogger(__name__)

#: How often the store and the settings file are looked at: a change made elsewhere shows within about a second.
POLL_MS = 1000

_Stamp = tuple[int, int, int] | None


def _stamp_of(path: Path) -> _Stamp:
    """What tells a changed file from the same one, without reading it; None when there is no file."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


class ProfileWatcher(QObject):
    """GUI thread: polls the store and the settings file for changes made by other programs."""

    #: Another program committed to the store: the contacts may have changed (see `note_contacts_loaded`).
    contacts_changed = Signal()
    #: Another program committed to the store: the call journal may have changed.
    journal_changed = Signal()
    #: The settings file was changed by another program; the Settings read from it (as in the file).
    settings_changed = Signal(object)
    #: The settings file was changed but cannot be read (half written, not JSON, a bad value): one plain line.
    settings_unreadable = Signal(str)

    def __init__(
        self, store: Store, settings_path: Path, *, interval_ms: int = POLL_MS, parent: QObject | None = None
    ) -> None:
        """GUI thread. What the store and the file hold now counts as seen; `start` begins polling."""
        super().__init__(parent)
        self._store = store
        self._settings_path = settings_path
        version = self._store_version()
        self._journal_seen = version
        self._contacts_seen = version
        self._settings_seen = _stamp_of(settings_path)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def note_contacts_loaded(self) -> None:
        """GUI thread: the window is reading the whole list now (after an import in its dialog, which writes through
        a connection of its own): the commits made so far need no second reading."""
        self._contacts_seen = self._store_version()

    def note_settings_written(self) -> None:
        """GUI thread: the window wrote the settings file itself (Settings → OK): nothing to read back."""
        self._settings_seen = _stamp_of(self._settings_path)

    @Slot()
    def poll(self) -> None:
        """GUI thread (timer): look once at the store and the settings file."""
        version = self._store_version()
        if version is not None:
            if version != self._contacts_seen:
                self._contacts_seen = version
                self.contacts_changed.emit()
            if version != self._journal_seen:
                self._journal_seen = version
                self.journal_changed.emit()
        self._poll_settings()

    def _store_version(self) -> int | None:
        try:
            return self._store.data_version()
        except StoreError as exc:  # closed or unreadable for now: looked at again on the next poll
            log.debug("data_version: %s", exc)
            return None

    def _poll_settings(self) -> None:
        stamp = _stamp_of(self._settings_path)
        if stamp == self._settings_seen:
            return
        self._settings_seen = stamp
        if stamp is None:
            # Gone, for now: editors often write a new file after moving the old one away. A missing file means the
            # defaults only when the app starts; the settings in use are kept.
            return
        try:
            settings = config.load_settings(self._settings_path)
        except config.ConfigError as exc:
            self.settings_unreadable.emit(str(exc))
            return
        self.settings_changed.emit(settings)
