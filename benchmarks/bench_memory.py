"""Resident memory with 100,000 contacts loaded, against a bare QMainWindow, each window in its own process.

    python benchmarks/bench_memory.py [--profile DIR] [--contacts 100000]

Without --profile a temporary profile is generated first (make_profile.py). Children:

* bare: an empty QMainWindow (the baseline).
* stack: the floor under the app's figure: a window with text widgets (so the font database is loaded) and the
  libraries the app needs (requests with OpenSSL, keyring, libphonenumber, SQLite) loaded and used once, with no app
  code.
* list: the contact list as the window shows it (a search field above a ContactListView with ContactListModel) in a
  QMainWindow, loaded from the profile's database the way the window loads it (`model.load(store.contact_rows)`,
  in pages), after a few searches (so search caches are in the figure). The headline figure, as this benchmark has
  always measured it (`memory_contacts_window_mib`).
* app / app_empty: the whole app, started as `c2c-desktop` starts (benchmarks/memory_probe.py runs its entry point)
  over the profile and over an empty one, with keys in its keyring (keyring_with_keys.py), measured once it has
  settled: every contact loaded, the modules it warms after the first paint (requests, libphonenumber)
  and the keyring loaded. This is the figure the issue's target applies to (`memory_app_window_100k_mib`).

Each child reads VmRSS from /proc/self/status once its window has painted (the app: once settled). Prints
`name: value` lines.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

TARGET_MIB = 110
SEARCHES = ("a", "an", "ann", "", "m", "ma", "mar", "555", "")  # a few searches, as the agent would


def _status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _child(kind: str, profile: Path | None) -> int:
    """Build one window (bare or list), print its RSS figures."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow, QVBoxLayout, QWidget

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1000, 680)
    if kind == "stack":
        _load_the_stack(window)
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
        for text in SEARCHES:
            field.setText(text)
            app.processEvents()
        print(f"contacts_loaded: {model.total_count}")
    app.processEvents()
    gc.collect()
    print(f"rss_mib: {_status_mib('VmRSS'):.1f}")
    print(f"rss_peak_mib: {_status_mib('VmHWM'):.1f}")
    sys.stdout.flush()
    window.close()
    return 0


def _load_the_stack(window: Any) -> None:
    """What the app needs before any app code: text widgets (the font database) and its libraries, loaded and used."""
    from PySide6.QtWidgets import QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

    import c2c_desktop.core  # the app's import policy for requests (no charset detector)  # noqa: F401

    central = QWidget()
    layout = QVBoxLayout(central)
    for widget in (QLineEdit("search"), QTableView(), QLabel("status")):
        layout.addWidget(widget)
    window.setCentralWidget(central)
    import keyring
    import phonenumbers
    import requests  # noqa: F401

    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring_with_keys.KeysKeyring"  # as for the app below
    keyring.get_keyring()
    phonenumbers.parse("(212) 555-0142", "US")
    sqlite3.connect(":memory:").execute("SELECT 1").close()


def _figures(completed: subprocess.CompletedProcess[str], kind: str) -> dict[str, float]:
    if completed.returncode != 0:
        raise SystemExit(f"{kind} child failed ({completed.returncode}):\n{completed.stderr}")
    figures: dict[str, float] = {}
    for line in completed.stdout.splitlines():
        name, _, value = line.partition(": ")
        with contextlib.suppress(ValueError):
            figures[name] = float(value)
    return figures


def _run_child(kind: str, profile: Path | None) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind]
    if profile is not None:
        command += ["--profile", str(profile)]
    return _figures(subprocess.run(command, capture_output=True, text=True, timeout=600, check=False), kind)


def _run_app(profile: Path, scratch: Path) -> dict[str, float]:
    """The whole app over `profile`, started through memory_probe.py in a private temp folder, with keys."""
    tmp = Path(tempfile.mkdtemp(dir=scratch))
    (tmp / "runtime").mkdir(mode=0o700)
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=env.get("QT_QPA_PLATFORM", "offscreen"),
        XDG_DATA_HOME=str(profile / "data"),
        XDG_CONFIG_HOME=str(profile / "config"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_RUNTIME_DIR=str(tmp / "runtime"),
        TMPDIR=str(tmp),  # its own single-instance socket
        PYTHON_KEYRING_BACKEND="keyring_with_keys.KeysKeyring",
        PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), str(HERE.parent), env.get("PYTHONPATH", "")])),
    )
    env.pop("C2C_DESKTOP_API_URL", None)
    command = [sys.executable, str(HERE / "memory_probe.py")]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    return _figures(completed, "app")


def main(argv: list[str] | None = None) -> int:
    """Measure both windows and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="a folder made by make_profile.py (else one is generated)")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts when generating a profile")
    parser.add_argument("--child", choices=["bare", "stack", "list"], help=argparse.SUPPRESS)
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
        stack = _run_child("stack", None)
        loaded = _run_child("list", profile)
        app_loaded = _run_app(profile, Path(scratch))
        app_empty = _run_app(empty, Path(scratch))

    print(f"contacts: {int(loaded['contacts_loaded'])}")
    print(f"memory_bare_window_mib: {bare['rss_mib']:.1f}")
    print(
        f"memory_stack_floor_mib: {stack['rss_mib']:.1f}   (text widgets + requests, keyring, libphonenumber, SQLite)"
    )
    print(f"memory_contacts_window_mib: {loaded['rss_mib']:.1f}")
    print(f"memory_contacts_window_peak_mib: {loaded['rss_peak_mib']:.1f}")
    print(f"memory_delta_mib: {loaded['rss_mib'] - bare['rss_mib']:.1f}")
    print(f"memory_ratio_to_bare: {loaded['rss_mib'] / bare['rss_mib']:.2f}")
    print(f"memory_target_mib: {TARGET_MIB}")
    print(f"memory_app_window_empty_profile_mib: {app_empty['rss_mib']:.1f}")
    print(f"memory_app_window_100k_mib: {app_loaded['rss_mib']:.1f}")
    print(f"memory_app_contacts_loaded: {app_loaded['contacts_loaded']:.0f}")
    print(f"memory_app_contacts_delta_mib: {app_loaded['rss_mib'] - app_empty['rss_mib']:.1f}")
    print(f"load_average_1min: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
