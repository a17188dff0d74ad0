"""The window (PySide6).

Importing this package prepares the window's start (benchmarks/bench_startup.py): PySide6 itself, with the cyclic
garbage collector paused meanwhile, and what was imported then left out of its scans for good (gc.freeze): tens of
thousands of objects that live as long as the process would otherwise be scanned again and again, with nothing to
collect. The window is painted before the app's core is imported (gui/app.py): no store, search, settings, phone,
rules, HTTP, keyring or phonenumbers here.
"""

import gc
import importlib

from c2c_desktop.core.fileutil import gc_paused

with gc_paused():
    for _name in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"):
        importlib.import_module(_name)
    gc.freeze()  # modules live as long as the process: the collector need never look at their objects again
