"""The window (PySide6).

Importing this package prepares the window's start (benchmarks/bench_startup.py). The Qt-free modules the window
needs come first: PySide6 hooks every later import and reads the source file of each module imported through it
(shibokensupport's feature check, ~0.15 ms a module). Then PySide6 itself. The cyclic garbage collector is paused
meanwhile, and what was imported is then left out of its scans for good (gc.freeze): tens of thousands of objects
that live as long as the process would otherwise be scanned again and again, with nothing to collect. Only what the
first paint uses: no HTTP, keyring or phonenumbers.
"""

import gc
import importlib

from c2c_desktop.core.fileutil import gc_paused

with gc_paused():
    for _name in (
        "getpass",
        "queue",
        "sqlite3",
        "zlib",
        "c2c_desktop.core.credentials",
        "c2c_desktop.core.phone",
        "c2c_desktop.core.rules.model",
        "c2c_desktop.core.search",
        "c2c_desktop.core.store",
        "PySide6.QtCore",
        "PySide6.QtGui",
        "PySide6.QtWidgets",
    ):
        importlib.import_module(_name)
    gc.freeze()  # modules live as long as the process: the collector need never look at their objects again
