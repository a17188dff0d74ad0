"""Shared by the benchmarks: a contacts profile (generated in a temp dir unless given) and the app's real window.

Not a benchmark itself (make bench runs bench_*.py only).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import make_profile  # noqa: E402

from c2c_desktop import APP_NAME  # noqa: E402


def quiet_offscreen_warnings() -> None:
    """The offscreen platform warns on every size-constrained window ("does not support propagateSizeHints");
    drop that one line so the figures stay readable. Everything else Qt says still goes to stderr."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode: Any, _context: Any, message: str) -> None:
        if "does not support propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def ensure_profile(profile: Path | None, contacts: int, scratch: Path) -> Path:
    """`profile` if given, else a new profile of `contacts` contacts under `scratch` (make_profile.py, ~10 s)."""
    if profile is not None:
        if not make_profile.profile_db_path(profile).exists():
            raise SystemExit(f"{profile} holds no database: make one with benchmarks/make_profile.py --out {profile}")
        return profile
    out = scratch / "profile"
    with open(os.devnull, "w") as quiet:
        sys.stdout, saved = quiet, sys.stdout
        try:
            make_profile.main(["--contacts", str(contacts), "--out", str(out)])
        finally:
            sys.stdout = saved
    return out


def open_window(profile_dir: Path, *, settings: Any = None, credentials: Any = None, clock: Any = None) -> Any:
    """The app's MainWindow over the profile's database, built as `c2c-desktop` builds it, with keys in memory.

    `settings`: a core.config.Settings (default: the defaults); `credentials`: the keys (default: none);
    `clock`: the calling rules' clock (default: the system's). Call `close_window` at the end. A QApplication must
    exist.
    """
    from PySide6.QtCore import QSettings

    from c2c_desktop.core import config
    from c2c_desktop.core.credentials import MemoryCredentialStore
    from c2c_desktop.core.store import Store
    from c2c_desktop.gui.mainwindow import MainWindow
    from c2c_desktop.gui.profile import Profile

    store = Store(make_profile.profile_db_path(profile_dir))
    profile = Profile(
        store=store,
        settings_path=profile_dir / "config" / APP_NAME / "settings.json",
        settings=settings if settings is not None else config.Settings(),
        credential_store=MemoryCredentialStore(credentials),
        window_state=QSettings(str(profile_dir / "bench-window.ini"), QSettings.Format.IniFormat),
        clock=clock,
    )
    profile.cleanups.append(store.close)
    return MainWindow(profile)


def close_window(window: Any) -> None:
    """Stop the window's threads, close it and its profile."""
    from PySide6.QtWidgets import QApplication

    window.shutdown()
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    window.profile.close()


def wait_until_loaded(window: Any, timeout_s: float = 120.0) -> float:
    """Run the event loop until every contact is loaded into the window's list; return the seconds waited."""
    from PySide6.QtCore import QEventLoop, QTimer

    started = time.perf_counter()
    model = window.contacts_model
    if model.is_loading:
        loop = QEventLoop()
        model.loading_finished.connect(loop.quit)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
        model.loading_finished.disconnect(loop.quit)
    if model.is_loading:
        raise SystemExit("the contacts did not finish loading in time")
    return time.perf_counter() - started
