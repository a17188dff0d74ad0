"""Runs the app exactly as `python -m c2c_desktop` does, and prints its resident memory once it has settled.

Used by bench_memory.py for the whole-app figures; not a benchmark itself. "Settled" means: the contact list has
loaded every contact, the modules warmed after the first paint (gui/app.py's BACKGROUND_IMPORTS: the HTTP client
stack and libphonenumber) and the keyring are loaded, and a further SETTLE_MS has passed for the keys to be read
(the key check itself is not observed). It then prints
`rss_mib: <VmRSS>` and `contacts_loaded: <count>` and quits the app. Before measuring, it types the same few searches
into the window's search field as bench_memory.py's list window (so the search caches are in the figure).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from c2c_desktop.cli import main
from c2c_desktop.gui import app as gui_app
from c2c_desktop.gui import contacts_model

SETTLE_MS = 1000
SEARCHES = ("a", "an", "ann", "", "m", "ma", "mar", "555", "")  # as bench_memory.py's list window
POLL_MS = 50
#: Loaded by the app soon after its first paint: warmed in the background (gui/app.py) or by the keyring worker.
SETTLED_MODULES = (*gui_app.BACKGROUND_IMPORTS, "keyring")


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not in /proc/self/status")


_original_init = contacts_model.ContactListModel.__init__


def _report_when_settled(self: contacts_model.ContactListModel, *args: object, **kwargs: object) -> None:
    _original_init(self, *args, **kwargs)  # type: ignore[arg-type]
    model = self

    def poll() -> None:
        if model.is_loading or any(name not in sys.modules for name in SETTLED_MODULES):
            QTimer.singleShot(POLL_MS, poll)
            return
        QTimer.singleShot(SETTLE_MS, report)

    def report() -> None:
        from c2c_desktop.gui.mainwindow import MainWindow

        for window in QApplication.topLevelWidgets():
            if isinstance(window, MainWindow):
                for text in SEARCHES:
                    window.search.setText(text)
                    QApplication.processEvents()
        gc.collect()
        print(f"contacts_loaded: {model.total_count}", flush=True)
        print(f"rss_mib: {_rss_mib():.1f}", flush=True)
        QApplication.quit()

    QTimer.singleShot(POLL_MS, poll)


contacts_model.ContactListModel.__init__ = _report_when_settled  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main([]))
