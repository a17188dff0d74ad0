"""Resident memory with 100,000 contacts loaded, against a bare QMainWindow, each window in its own process.

    python benchmarks/bench_memory.py [--profile DIR] [--contacts 100000]

Without --profile a temporary profile is generated first (make_profile.py). Children:

* bare: an empty QMainWindow (the baseline).
* list: the contact list as the window shows it (a search field above a ContactListView with ContactListModel) in a
  QMainWindow, loaded from the profile's database the way the window loads it (`model.load(store.contact_rows)`,
  in pages), after a few searches (so search caches are in the figure). The headline figure, as this benchmark has
  always measured it (`memory_contacts_window_mib`).
* app / app_empty: the app's real MainWindow (keys in memory) over the profile and over an empty profile: the whole
  app, whose imports (requests, keyring, phonenumbers, Qt network/SVG) come on top of the contacts.

Each child reads VmRSS from /proc/self/status once its window has painted. Prints `name: value` lines.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

TARGET_MIB = 110


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _child(kind: str, profile: Path | None) -> int:
    """Build one window, print its RSS figures."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow, QVBoxLayout, QWidget

    app = QApplication(sys.argv[:1])
    searches = ("a", "an", "ann", "", "m", "ma", "mar", "555", "")  # a few searches, as the agent would
    if kind in ("app", "app_empty"):
        from benchlib import close_window, open_window, wait_until_loaded

        assert profile is not None
        window = open_window(profile)
        window.show()
        QTest.qWaitForWindowExposed(window)
        wait_until_loaded(window)
        for text in searches:
            window.search.setText(text)
            app.processEvents()
        print(f"contacts_loaded: {window.contacts_model.total_count}")
    else:
        window = QMainWindow()
        window.resize(1000, 680)
        if kind == "list":
            from benchlib import wait_until_loaded
            from make_profile import profile_db_path

            from c2c_desktop.core.store import Store
            from c2c_desktop.gui.contacts_model import ContactListModel, ContactListView

            assert profile is not None
            store = Store(profile_db_path(profile))
            model = ContactListModel(contact_loader=store.get_contact)
            central = QWidget()
            layout = QVBoxLayout(central)
            field = QLineEdit()
            view = ContactListView()
            model.attach_to_view(view)
            field.textChanged.connect(model.set_query)
            layout.addWidget(field)
            layout.addWidget(view)
            window.setCentralWidget(central)
            window.contacts_model = model  # type: ignore[attr-defined]  # what wait_until_loaded looks at
            model.load(store.contact_rows)
        window.show()
        QTest.qWaitForWindowExposed(window)
        if kind == "list":
            wait_until_loaded(window)
            for text in searches:
                field.setText(text)
                app.processEvents()
            print(f"contacts_loaded: {model.total_count}")
    app.processEvents()
    gc.collect()
    print(f"rss_mib: {_status_mib('VmRSS'):.1f}")
    print(f"rss_peak_mib: {_status_mib('VmHWM'):.1f}")
    sys.stdout.flush()
    if kind in ("app", "app_empty"):
        close_window(window)
    else:
        window.close()
    return 0


def _run_child(kind: str, profile: Path | None) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind]
    if profile is not None:
        command += ["--profile", str(profile)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{kind} child failed ({completed.returncode}):\n{completed.stderr}")
    figures: dict[str, float] = {}
    for line in completed.stdout.splitlines():
        name, _, value = line.partition(": ")
        figures[name] = float(value)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure both windows and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="a folder made by make_profile.py (else one is generated)")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts when generating a profile")
    parser.add_argument("--child", choices=["bare", "list", "app", "app_empty"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.profile)

    with tempfile.TemporaryDirectory(prefix="c2c-bench-memory-") as scratch:
        from benchlib import ensure_profile

        profile = ensure_profile(args.profile, args.contacts, Path(scratch))
        empty = Path(scratch) / "empty-profile"
        from make_profile import profile_db_path

        from c2c_desktop.core.store import Store

        Store(profile_db_path(empty)).close()
        bare = _run_child("bare", None)
        loaded = _run_child("list", profile)
        app_loaded = _run_child("app", profile)
        app_empty = _run_child("app_empty", empty)

    print(f"contacts: {int(loaded['contacts_loaded'])}")
    print(f"memory_bare_window_mib: {bare['rss_mib']:.1f}")
    print(f"memory_contacts_window_mib: {loaded['rss_mib']:.1f}")
    print(f"memory_contacts_window_peak_mib: {loaded['rss_peak_mib']:.1f}")
    print(f"memory_delta_mib: {loaded['rss_mib'] - bare['rss_mib']:.1f}")
    print(f"memory_ratio_to_bare: {loaded['rss_mib'] / bare['rss_mib']:.2f}")
    print(f"memory_target_mib: {TARGET_MIB}")
    print(f"memory_app_window_empty_profile_mib: {app_empty['rss_mib']:.1f}")
    print(f"memory_app_window_100k_mib: {app_loaded['rss_mib']:.1f}")
    print(f"memory_app_window_100k_peak_mib: {app_loaded['rss_peak_mib']:.1f}")
    print(f"memory_app_contacts_delta_mib: {app_loaded['rss_mib'] - app_empty['rss_mib']:.1f}")
    print(f"load_average_1min: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
