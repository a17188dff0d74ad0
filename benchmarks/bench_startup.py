"""Time from launch to a visible window under Xvfb: the app (empty profile, 100,000 contacts) against a bare window.

    python benchmarks/bench_startup.py [--profile DIR] [--contacts 100000] [--runs 7] [--empty-only]

Each launch is a new process started the same way (`python -m c2c_desktop` for the app, `python -c <a bare PySide6
QMainWindow script>` for the baseline) with XDG_DATA_HOME/XDG_CONFIG_HOME pointing at a profile folder, a null
keyring backend (no keys: the app opens its first-run settings dialog, after its main window), its own TMPDIR (so its
single-instance socket never meets another copy of the app) and QT_QPA_PLATFORM=xcb on a private Xvfb display.

"Visible" is the X server's MapNotify for a top-level window titled exactly `c2c-desktop` (or the bare window's
title) and at least MIN_WINDOW_SIZE big, read by this script through libX11 (an event, not polling): the main
window, never the settings dialog, nor the "c2c-desktop cannot start" message box (same title, small: a profile the
app cannot open must not pass for a fast start). The clock runs from just before the process is spawned. The app is
then stopped (SIGTERM).

The app shows its window first and loads a big contact list in pages from the event loop, so with 100,000 contacts
the window is up before the contacts are. `contacts_searchable_100k_s` is the time from launch until the last page
is indexed, measured by launching the app through benchmarks/startup_probe.py, which runs the same entry point and
prints the moment the contact list model reports loading_finished.

A third window, the "widgets floor" (FLOOR_SCRIPT), is built from the same kinds of Qt widgets as the app's with no app
code: what PySide6 itself costs for such a window (materialising each Qt class and its enums, the font database).
It is a reference for the toolkit's share, not an exact floor: the app's window differs in detail.

Runs are interleaved in rounds (bare, floor, empty, 100k, probe) after one unmeasured warm-up round. Each ratio is
the median over the rounds of that launch's time over the bare window's in the same round, since this machine's
speed drifts from minute to minute. Prints `name: value` lines.

The app's package is byte-compiled first (`compileall`, into its gitignored __pycache__ folders), as an installed
wheel is: the bare window's PySide6 is byte-compiled too, and with PYTHONDONTWRITEBYTECODE set (as in this team's
sandbox) every launch would otherwise compile all of c2c_desktop from source, ~0.1 s that no user pays.
`--no-compile` skips this step (caches already there are still used).
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import ctypes.util
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from benchlib import ensure_profile  # noqa: E402

from tests.e2e.xvfb import start_xvfb  # noqa: E402

APP_TITLE = "c2c-desktop"
BARE_TITLE = "c2c-bare-window"
BARE_SCRIPT = f"""
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.setWindowTitle({BARE_TITLE!r})
window.resize(1000, 680)
window.show()
sys.exit(app.exec())
"""
#: The floor under the app's own figure: a window made of the same kinds of Qt widgets as the app's (search field with
#: a clear button, a table view over a Python model with a Python delegate, a splitter, a dial pad of buttons, a list,
#: menus with shortcuts, a status bar) and the Qt classes it imports, with no app code, no database and no settings.
FLOOR_TITLE = "c2c-widgets-floor"
FLOOR_SCRIPT = f"""
import sys
from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QSettings, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QIcon, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView, QApplication, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QListWidget, QMainWindow, QMessageBox, QPushButton, QSplitter, QStyle, QStyledItemDelegate, QTableView,
    QVBoxLayout, QWidget,
)

class Model(QAbstractTableModel):
    changed = Signal()
    def rowCount(self, parent=QModelIndex()): return 0
    def columnCount(self, parent=QModelIndex()): return 1
    def data(self, index, role=Qt.ItemDataRole.DisplayRole): return None

class Delegate(QStyledItemDelegate):
    def paint(self, painter, option, index): super().paint(painter, option, index)

app = QApplication(sys.argv)
window = QMainWindow()
window.setWindowTitle({FLOOR_TITLE!r})
search = QLineEdit(); search.setPlaceholderText("Search name, company or number"); search.setClearButtonEnabled(True)
view = QTableView(); view.setModel(Model(view)); view.setItemDelegate(Delegate(view))
view.horizontalHeader().hide(); view.verticalHeader().hide()
view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
left = QWidget(); left_layout = QVBoxLayout(left); left_layout.addWidget(search); left_layout.addWidget(view, 1)
row = QHBoxLayout(); row.addWidget(QLabel("0 contacts"), 1); row.addWidget(QPushButton("Call selected"))
left_layout.addLayout(row)
right = QWidget(); right_layout = QVBoxLayout(right)
number = QLineEdit(); number.setClearButtonEnabled(True); right_layout.addWidget(number)
pad = QGridLayout()
for i, key in enumerate("123456789*0#"):
    pad.addWidget(QPushButton(key), i // 3, i % 3)
right_layout.addLayout(pad)
for widget in (QPushButton("Call"), QLabel("Ready"), QComboBox()):
    right_layout.addWidget(widget)
right_layout.addWidget(QLabel("Recent calls")); right_layout.addWidget(QListWidget(), 1)
splitter = QSplitter(Qt.Orientation.Horizontal); splitter.addWidget(left); splitter.addWidget(right)
window.setCentralWidget(splitter)
for title in ("&File", "C&ontacts", "&Call"):
    menu = window.menuBar().addMenu(title)
    for n in range(4):
        action = QAction(f"Action {{n}}", window)
        action.setShortcut(QKeySequence(f"Ctrl+{{n}}"))
        menu.addAction(action)
window.statusBar()
window.resize(1000, 680)
window.show()
sys.exit(app.exec())
"""
TIMEOUT_S = 60.0
#: Both windows open at 1000 x 680; message boxes are far smaller.
MIN_WINDOW_SIZE = (600, 400)
MAP_NOTIFY = 19
SUBSTRUCTURE_NOTIFY_MASK = 1 << 19


class _MapEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("event", ctypes.c_ulong),
        ("window", ctypes.c_ulong),
        ("override_redirect", ctypes.c_int),
    ]


class _Event(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("map", _MapEvent), ("pad", ctypes.c_long * 24)]


class MapWatcher:
    """Watches an X display for top-level windows being mapped (shown), through libX11."""

    def __init__(self, display: str) -> None:
        path = ctypes.util.find_library("X11")
        if path is None:
            raise SystemExit("libX11 is missing (apt-get install libx11-6)")
        x11 = ctypes.CDLL(path)
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x11.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
        x11.XConnectionNumber.argtypes = [ctypes.c_void_p]
        x11.XPending.argtypes = [ctypes.c_void_p]
        x11.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Event)]
        x11.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
        x11.XFree.argtypes = [ctypes.c_void_p]
        int_p, uint_p = ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_uint)
        x11.XGetGeometry.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong), int_p, int_p]
        x11.XGetGeometry.argtypes += [uint_p, uint_p, uint_p, uint_p]
        x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._x11 = x11
        self._display = x11.XOpenDisplay(display.encode())
        if not self._display:
            raise SystemExit(f"cannot open X display {display}")
        x11.XSelectInput(self._display, x11.XDefaultRootWindow(self._display), SUBSTRUCTURE_NOTIFY_MASK)
        x11.XSync(self._display, 0)
        self._fd = x11.XConnectionNumber(self._display)

    def drain(self) -> None:
        """Forget events seen so far."""
        event = _Event()
        while self._x11.XPending(self._display):
            self._x11.XNextEvent(self._display, ctypes.byref(event))

    def wait_for_title(self, title: str, deadline: float) -> float | None:
        """time.monotonic() when a window titled exactly `title` was mapped, or None at the deadline."""
        event = _Event()
        while True:
            while self._x11.XPending(self._display):
                self._x11.XNextEvent(self._display, ctypes.byref(event))
                if event.type == MAP_NOTIFY and self._name(event.map.window) == title and self._big(event.map.window):
                    return time.monotonic()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            select.select([self._fd], [], [], remaining)

    def _name(self, window: int) -> str | None:
        name = ctypes.c_char_p()
        if not self._x11.XFetchName(self._display, window, ctypes.byref(name)) or not name.value:
            return None
        try:
            return name.value.decode("utf-8", "replace")
        finally:
            self._x11.XFree(name)

    def _big(self, window: int) -> bool:
        root, x, y = ctypes.c_ulong(), ctypes.c_int(), ctypes.c_int()
        width, height, border, depth = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
        if not self._x11.XGetGeometry(
            self._display, window, *(ctypes.byref(value) for value in (root, x, y, width, height, border, depth))
        ):
            return False
        return width.value >= MIN_WINDOW_SIZE[0] and height.value >= MIN_WINDOW_SIZE[1]

    def close(self) -> None:
        """Close the connection."""
        self._x11.XCloseDisplay(self._display)


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise SystemExit("Xvfb is missing: apt-get install xvfb")
    try:
        return start_xvfb(xvfb)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None


def _environment(display: str, profile: Path, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        XDG_DATA_HOME=str(profile / "data"),
        XDG_CONFIG_HOME=str(profile / "config"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_RUNTIME_DIR=str(tmp / "runtime"),
        TMPDIR=str(tmp),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH", "")])),
    )
    env.pop("C2C_DESKTOP_API_URL", None)
    (tmp / "runtime").mkdir(mode=0o700, exist_ok=True)
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def launch_until_visible(watcher: MapWatcher, command: list[str], env: dict[str, str], title: str) -> float:
    """Seconds from spawning `command` until its window titled `title` is mapped."""
    watcher.drain()
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        shown = watcher.wait_for_title(title, started + TIMEOUT_S)
    finally:
        _stop(process)
    if shown is None:
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise SystemExit(f"no window {title!r} within {TIMEOUT_S:g} s from {command}:\n{error[-2000:]}")
    return shown - started


def launch_until_searchable(env: dict[str, str]) -> float:
    """Seconds from spawning the app (through startup_probe.py) until its contact list has loaded every contact."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "startup_probe.py")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], TIMEOUT_S)
        line = process.stdout.readline().decode() if ready else ""
    finally:
        _stop(process)
    name, _, value = line.partition(": ")
    if name != "contacts_searchable_monotonic":
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise SystemExit(f"the probe did not report loading within {TIMEOUT_S:g} s:\n{line}{error[-2000:]}")
    return float(value) - started


def main(argv: list[str] | None = None) -> int:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="a 100k folder made by make_profile.py (else one is generated)")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts when generating a profile")
    parser.add_argument("--runs", type=int, default=7, help="measured launches of each kind (at least 5)")
    parser.add_argument("--no-compile", action="store_true", help="do not byte-compile the app's package first")
    parser.add_argument(
        "--empty-only", action="store_true", help="only the app with an empty profile, the floor and the bare window"
    )
    args = parser.parse_args(argv)
    runs = max(5, args.runs)
    if not args.no_compile and not compileall.compile_dir(HERE.parent / "c2c_desktop", quiet=1):
        raise SystemExit("byte-compiling c2c_desktop failed")

    server, display = _start_xvfb()
    try:
        with tempfile.TemporaryDirectory(prefix="c2c-bench-startup-") as scratch_name:
            scratch = Path(scratch_name)
            big = (
                scratch / "no-big-profile" if args.empty_only else ensure_profile(args.profile, args.contacts, scratch)
            )
            empty = scratch / "empty-profile"
            (empty / "config").mkdir(parents=True)
            (empty / "data").mkdir()
            tmp = {kind: scratch / f"tmp-{kind}" for kind in ("bare", "floor", "empty", "big", "probe")}
            for folder in tmp.values():
                folder.mkdir()
            envs = {
                "bare": _environment(display, empty, tmp["bare"]),
                "floor": _environment(display, empty, tmp["floor"]),
                "empty": _environment(display, empty, tmp["empty"]),
            }
            if not args.empty_only:
                envs["big"] = _environment(display, big, tmp["big"])
                envs["probe"] = _environment(display, big, tmp["probe"])
            bare_command = [sys.executable, "-c", BARE_SCRIPT]
            floor_command = [sys.executable, "-c", FLOOR_SCRIPT]
            app_command = [sys.executable, "-m", "c2c_desktop"]
            watcher = MapWatcher(display)
            times: dict[str, list[float]] = {kind: [] for kind in envs}
            try:
                for run in range(runs + 1):  # run 0 warms the caches (and creates the empty profile's database)
                    measured = {
                        "bare": launch_until_visible(watcher, bare_command, envs["bare"], BARE_TITLE),
                        "floor": launch_until_visible(watcher, floor_command, envs["floor"], FLOOR_TITLE),
                        "empty": launch_until_visible(watcher, app_command, envs["empty"], APP_TITLE),
                    }
                    if not args.empty_only:
                        measured["big"] = launch_until_visible(watcher, app_command, envs["big"], APP_TITLE)
                        measured["probe"] = launch_until_searchable(envs["probe"])
                    if run:
                        for kind, seconds in measured.items():
                            times[kind].append(seconds)
            finally:
                watcher.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    bare, empty_s = (statistics.median(times[kind]) for kind in ("bare", "empty"))

    def ratio(kind: str) -> float:
        # Per launch round, against the bare window launched in the same round: this machine's speed drifts from
        # minute to minute, which a ratio of the medians over the whole run would mix in.
        return statistics.median(mine / base for mine, base in zip(times[kind], times["bare"], strict=True))

    print(f"runs: {runs}")
    print(f"app_bytecode: {'as found (not compiled first)' if args.no_compile else 'byte-compiled (as installed)'}")
    print(f"load_average_1min: {os.getloadavg()[0]:.2f}")
    print(f"startup_bare_s: {bare:.3f}")
    print(f"startup_empty_s: {empty_s:.3f}")
    print(f"startup_empty_ratio: {ratio('empty'):.2f}   (median of the per-round ratios)")
    floor = statistics.median(times["floor"])
    print(f"startup_widgets_floor_s: {floor:.3f}   (the same kinds of Qt widgets, no app code)")
    print(f"startup_widgets_floor_ratio: {ratio('floor'):.2f}")
    print(f"startup_empty_over_floor: {ratio('empty') / ratio('floor'):.2f}")
    if not args.empty_only:
        print(f"startup_100k_s: {statistics.median(times['big']):.3f}")
        print(f"startup_100k_ratio: {ratio('big'):.2f}")
        print(f"contacts_searchable_100k_s: {statistics.median(times['probe']):.3f}")
        print(f"contacts_searchable_100k_ratio: {ratio('probe'):.2f}")
    print("startup_target_ratio: empty <= 1.6, 100k <= 3")
    for kind in times:
        print(f"startup_{kind}_all_s: {' '.join(f'{seconds:.3f}' for seconds in times[kind])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
