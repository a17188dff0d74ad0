"""The day's figures on a 100,000-call journal: the time to read and compute them, and the longest stall of the
window's event loop while the Figures view computes them (in its worker thread).

    python benchmarks/bench_figures.py [--calls 100000] [--numbers 20000]

The journal is written straight into a fresh SQLite file (the store's schema, rows over the last 7 days to `--numbers`
distinct numbers across 40 US area codes and a few other countries; outcomes and dispositions in a sales agent's
proportions). Prints `name: value` lines. Offscreen Qt; nothing else is needed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from c2c_desktop.core import figures as core  # noqa: E402
from c2c_desktop.core.store import Store  # noqa: E402

AREA_CODES = (
    "212 305 312 415 503 617 713 206 404 602 303 214 702 801 919 615 502 414 612 816 "
    "907 808 210 512 619 718 646 213 323 310 408 510 916 971 253 480 520 954 561 407"
).split()
OUTCOMES = (("connected", 45), ("no_answer", 40), ("unknown", 5), ("not_sent", 5), ("rejected", 5))
DISPOSITIONS = (
    ("Connected – interested", 10),
    ("Not interested", 15),
    ("Call back later", 10),
    ("Left voicemail", 30),
    ("Wrong number", 5),
    (None, 30),
)


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([item for item, _ in weighted], [weight for _, weight in weighted])[0]


def fill_journal(path: Path, calls: int, numbers: int, seed: int = 7) -> Period:
    rng = random.Random(seed)
    pool = [f"+1{rng.choice(AREA_CODES)}555{n % 10000:04d}" for n in range(numbers)]
    pool[: numbers // 20] = [f"+44207{n:07d}" for n in range(numbers // 20)]  # 5 % London
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=7)
    rows = []
    for n in range(calls):
        started = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
        e164 = rng.choice(pool)
        outcome = _pick(rng, OUTCOMES)
        disposition = _pick(rng, DISPOSITIONS) if outcome == "connected" else None
        text = started.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        rows.append((f"bench-{n}", text, e164[1:], "5552010001", 2, "done", outcome, disposition, e164))
    with Store(path) as store, store.transaction():
        store.connection.executemany(
            "INSERT INTO calls (ref, started_at, number, agent_number, call_type, state, outcome, disposition, e164) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    first = start.astimezone().date()
    return core.Period(first, date.today())


Period = core.Period


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--numbers", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "journal.sqlite3"
        period = fill_journal(path, args.calls, args.numbers)
        core.callee_zone.cache_clear()
        with Store(path) as store:
            started = time.perf_counter()
            start, end = period.bounds()
            calls = core.read_calls(store, start - core.CALLBACK_EARLY, end + core.CALLBACK_LATE)
            read_s = time.perf_counter() - started
            started = time.perf_counter()
            figures = core.compute_figures(calls, period)
            compute_cold_s = time.perf_counter() - started
            started = time.perf_counter()
            core.compute_figures(calls, period)
            compute_warm_s = time.perf_counter() - started
        print(f"calls: {len(calls)}  dials: {figures.dials}  distinct numbers: {args.numbers}")
        print(f"read_ms: {read_s * 1000:.0f}")
        print(f"compute_first_ms: {compute_cold_s * 1000:.0f}  (callee zones looked up)")
        print(f"compute_again_ms: {compute_warm_s * 1000:.0f}  (zones cached)")
        core.callee_zone.cache_clear()
        print(f"window_max_stall_ms: {window_stall(path, period):.1f}")
    return 0


def window_stall(path: Path, period: Period) -> float:
    """The longest gap between 5 ms ticks of the GUI thread from `refresh()` until the figures are on screen."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from c2c_desktop.gui.figures import FiguresDialog

    app = QApplication.instance() or QApplication([])
    with Store(path) as store:
        dialog = FiguresDialog(store)
        dialog.show()
        view = dialog.view
        view.date_from.blockSignals(True)
        view.date_to.blockSignals(True)
        view.period_combo.blockSignals(True)
        view.choose(core.DATE_RANGE)
        view.date_from.setDate(period.first)
        view.date_to.setDate(period.last)
        view._show_range(True)
        clock = QElapsedTimer()
        gaps: list[float] = []
        last = [0.0]

        def tick() -> None:
            now = clock.nsecsElapsed() / 1e6
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        done: list[object] = []
        view.shown.connect(done.append)
        clock.start()
        timer.start()
        view.refresh()  # the click: the GUI thread's own share is measured too
        last[0] = clock.nsecsElapsed() / 1e6
        while not done:
            app.processEvents()
            time.sleep(0.001)
        app.processEvents()
        timer.stop()
        print(f"window_total_ms: {clock.nsecsElapsed() / 1e6:.0f}  ({view.status_label.text()})")
        dialog.close()
        dialog.deleteLater()
    return max(gaps, default=0.0)


if __name__ == "__main__":
    sys.exit(main())
