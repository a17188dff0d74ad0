"""Resident memory of a window showing 100,000 contacts, against a bare QMainWindow, each in its own process.

    python benchmarks/bench_memory.py [--profile DIR] [--contacts 100000]

Without --profile a temporary profile is generated first (make_profile.py). The contacts child loads them the way
the app does (Store.list_contacts), builds ContactListModel + a visible QListView with the delegate in a
QMainWindow, and reads VmRSS from /proc/self/status once the window has painted. Prints `name: value` lines.
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
    from PySide6.QtWidgets import QApplication, QLineEdit, QListView, QMainWindow, QVBoxLayout, QWidget

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(520, 760)
    if kind == "contacts":
        from make_profile import profile_db_path

        from c2c_desktop.core.store import Store
        from c2c_desktop.gui.contacts_model import ContactListModel

        assert profile is not None
        before_load = _status_mib("VmRSS")
        with Store(profile_db_path(profile)) as store:
            contacts = store.list_contacts()
        gc.collect()
        after_load = _status_mib("VmRSS")
        model = ContactListModel(contacts)
        del contacts  # the model's index holds the list
        central = QWidget()
        layout = QVBoxLayout(central)
        field = QLineEdit()
        view = QListView()
        model.attach_to_view(view)
        field.textChanged.connect(model.set_query)
        layout.addWidget(field)
        layout.addWidget(view)
        window.setCentralWidget(central)
        print(f"contacts_loaded: {model.total_count}")
        print(f"rss_before_load_mib: {before_load:.1f}")
        print(f"rss_after_load_mib: {after_load:.1f}")
    window.show()
    QTest.qWaitForWindowExposed(window)
    if kind == "contacts":
        for text in ("a", "an", "ann", ""):  # a few searches, as the agent would, so caches are in the figure
            field.setText(text)
            app.processEvents()
    app.processEvents()
    gc.collect()
    print(f"rss_mib: {_status_mib('VmRSS'):.1f}")
    print(f"rss_peak_mib: {_status_mib('VmHWM'):.1f}")
    sys.stdout.flush()
    window.close()
    window.deleteLater()  # widgets go before the models and the application
    app.processEvents()
    del window
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
    parser.add_argument("--child", choices=["bare", "contacts"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.profile)

    with tempfile.TemporaryDirectory(prefix="c2c-bench-memory-") as scratch:
        profile = args.profile
        if profile is None:
            import make_profile

            profile = Path(scratch) / "profile"
            with open(os.devnull, "w") as quiet:
                sys.stdout, saved = quiet, sys.stdout
                try:
                    make_profile.main(["--contacts", str(args.contacts), "--out", str(profile)])
                finally:
                    sys.stdout = saved
        bare = _run_child("bare", None)
        loaded = _run_child("contacts", profile)

    print(f"contacts: {int(loaded['contacts_loaded'])}")
    print(f"memory_bare_window_mib: {bare['rss_mib']:.1f}")
    print(f"memory_contacts_window_mib: {loaded['rss_mib']:.1f}")
    print(f"memory_contacts_window_peak_mib: {loaded['rss_peak_mib']:.1f}")
    print(f"memory_contact_objects_mib: {loaded['rss_after_load_mib'] - loaded['rss_before_load_mib']:.1f}")
    print(f"memory_model_index_view_mib: {loaded['rss_mib'] - loaded['rss_after_load_mib']:.1f}")
    print(f"memory_delta_mib: {loaded['rss_mib'] - bare['rss_mib']:.1f}")
    print(f"memory_ratio_to_bare: {loaded['rss_mib'] / bare['rss_mib']:.2f}")
    print(f"memory_target_mib: {TARGET_MIB}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
