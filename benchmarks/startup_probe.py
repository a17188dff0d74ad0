"""Runs the app exactly as `python -m c2c_desktop` does, and prints when its contact list has loaded every contact.

Used by bench_startup.py for `contacts_searchable_100k_s`; not a benchmark itself. It prints one line,
`contacts_searchable_monotonic: <time.monotonic()>`, when the window's ContactListModel emits loading_finished (a
process-wide clock, so the parent can subtract its launch time).
"""

from __future__ import annotations

import sys
import time

from c2c_desktop.cli import main
from c2c_desktop.gui import contacts_model

_original_init = contacts_model.ContactListModel.__init__


def _report_when_loaded(self: contacts_model.ContactListModel, *args: object, **kwargs: object) -> None:
    _original_init(self, *args, **kwargs)  # type: ignore[arg-type]

    def loaded() -> None:
        print(f"contacts_searchable_monotonic: {time.monotonic():.6f}", flush=True)

    self.loading_finished.connect(loaded)


contacts_model.ContactListModel.__init__ = _report_when_loaded  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
