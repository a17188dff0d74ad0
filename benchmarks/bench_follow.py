"""How long the open window's GUI thread is blocked while it follows an import made by another process.

    python benchmarks/bench_follow.py [--profile DIR] [--contacts 100000] [--import-count 1000]

The app's MainWindow is built over a profile's database (generated in a temp dir unless --profile is given; see
make_profile.py), shown, and left to load every contact; a search is left in progress ("mar"). Then
`c2c-desktop contacts import` runs in a subprocess on the same profile with `--import-count` new contacts, while the
window's event loop runs on. A 1 ms precise timer measures every gap between two turns of the event loop: the
longest gap is the longest time the window could not paint or take a key (`longest_gui_block_ms`). Also printed:
the seconds from the end of the import until the window shows the new contacts (`shown_after_import_s`; the window
polls once a second), and the sum of gaps over 5 ms while it read the list again (`gui_busy_during_reload_ms`).

Runs offscreen unless QT_QPA_PLATFORM is set. Prints `name: value` lines.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import make_profile  # noqa: E402
from benchlib import close_window, ensure_profile, open_window, quiet_offscreen_warnings, wait_until_loaded  # noqa: E402

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

BUSY_GAP_MS = 5.0


class LoopGaps:
    """Records the time between consecutive ticks of a precise timer on the GUI thread (every 1 ms unless told).
    `last_tick` is the time.perf_counter() of the latest tick (read from other threads to see a stall as it lasts)."""

    def __init__(self, interval_ms: int = 1) -> None:
        self.gaps_ms: list[float] = []
        self.last_tick = 0.0
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps_ms.clear()
        self._clock.start()
        self.last_tick = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self.gaps_ms.append(self._clock.nsecsElapsed() / 1e6)
        self._clock.restart()
        self.last_tick = time.perf_counter()


def write_leads(path: Path, count: int) -> None:
    contacts = make_profile.generate_contacts(count, seed=4242)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Company", "Phone"])
        for n, contact in enumerate(contacts):
            # New names and numbers, so that every row is a new contact (nothing merges).
            writer.writerow([f"Zq{n:04d} {contact.name}", contact.company, f"+1 917 {n // 100 % 1000:03d} {n:04d}"])


def run_loop_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until `condition()` holds or `timeout_s` passed; return `condition()`."""
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    poller = QTimer()
    poller.setInterval(5)

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    poller.timeout.connect(check)
    poller.start()
    loop.exec()
    poller.stop()
    return condition()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="a profile made by make_profile.py (default: a new one)")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts in a generated profile")
    parser.add_argument("--import-count", type=int, default=1000, help="contacts imported by the other process")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    quiet_offscreen_warnings()
    with tempfile.TemporaryDirectory(prefix="c2c-bench-follow-") as scratch:
        profile_dir = ensure_profile(args.profile, args.contacts, Path(scratch))
        leads = Path(scratch) / "leads.csv"
        write_leads(leads, args.import_count)
        window = open_window(profile_dir)
        try:
            window.resize(1000, 680)
            window.show()
            window.watcher.start()  # not start(): with no keys it would open Settings
            wait_until_loaded(window)
            before = window.contacts_model.total_count
            QTest.keyClicks(window.search, "mar")
            app.processEvents()
            gaps = LoopGaps()
            gaps.start()
            run_loop_until(lambda: False, 1.5)  # idle, polling: the baseline
            idle_longest = max(gaps.gaps_ms)

            env = dict(os.environ, XDG_DATA_HOME=str(profile_dir / "data"), XDG_CONFIG_HOME=str(profile_dir / "config"))
            process = subprocess.Popen(
                [sys.executable, "-m", "c2c_desktop", "contacts", "import", str(leads)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            refreshed: list[float] = []
            window.contacts_model.refreshed.connect(lambda: refreshed.append(time.monotonic()))
            gaps.start()
            run_loop_until(lambda: process.poll() is not None, 120)
            imported_at = time.monotonic()
            if process.returncode != 0:
                raise SystemExit(f"the import failed: {process.stderr.read().decode() if process.stderr else ''}")
            mark = len(gaps.gaps_ms)
            shown = run_loop_until(lambda: bool(refreshed), 30)
            gaps.stop()
            if not shown:
                raise SystemExit("the window did not show the imported contacts within 30 s")
            reload_gaps = gaps.gaps_ms[mark:]
            print(f"contacts_before: {before}")
            print(f"contacts_after: {window.contacts_model.total_count}")
            print(f"search_text_kept: {window.search.text() == 'mar'}")
            print(f"idle_longest_gap_ms: {idle_longest:.1f}")
            print(f"longest_gui_block_ms: {max(gaps.gaps_ms):.1f}")
            print(f"gui_busy_during_reload_ms: {sum(g for g in reload_gaps if g > BUSY_GAP_MS):.0f}")
            print(f"shown_after_import_s: {refreshed[0] - imported_at:.2f}")
        finally:
            close_window(window)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
