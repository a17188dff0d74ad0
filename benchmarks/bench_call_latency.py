"""Call latency and GUI responsiveness during a call, with the real CallController against the loopback stand-in.

1. Trigger -> request: median over 100 calls (stand-in ring_seconds 0) from `controller.call()` to the request
   arriving at the stand-in. The trigger is stamped with time.perf_counter(); the arrival is the stand-in's own
   recorded time (time.time() once the request line and headers were read), moved onto the perf_counter clock by
   an offset sampled once. The path includes prepare_call and the committed (fsync'd) journal row on the GUI thread.
   A second figure stamps perf_counter in a thread blocked in `wait_for_requests` (adds that thread's wake-up).
2. Heartbeat: a 5 ms QTimer on the GUI thread while one call is held 5 s by the stand-in (ring_seconds 5); the
   longest gap between ticks.

Run: .venv/bin/python benchmarks/bench_call_latency.py [--db-dir DIR]   (default: a temp dir)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer  # noqa: E402

from c2c_desktop.core.config import Settings  # noqa: E402
from c2c_desktop.core.models import Credentials  # noqa: E402
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, StandInService  # noqa: E402
from c2c_desktop.core.store import Store  # noqa: E402
from c2c_desktop.gui.calls import CallController  # noqa: E402

CALLS = 100
HOLD_S = 5.0
HEARTBEAT_MS = 5
NUMBER = "5551112222"


def wait_for_finish(controller: CallController, timeout_s: float) -> None:
    """Run the GUI event loop until the controller reports the outcome."""
    loop = QEventLoop()
    controller.call_finished.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    controller.call_finished.disconnect(loop.quit)
    if controller.is_busy:
        raise SystemExit("the call did not finish in time")


def trigger_to_request(controller: CallController, service: StandInService) -> tuple[list[float], list[float]]:
    """Per call: ms from call() to the stand-in's recorded arrival, and to a waiting thread's wake-up."""
    by_record: list[float] = []
    by_waiter: list[float] = []
    for index in range(CALLS):
        woke: list[float] = []

        def stamp_arrival(count: int = index + 1, stamps: list[float] = woke) -> None:
            if service.wait_for_requests(count, 10):
                stamps.append(time.perf_counter())

        waiter = threading.Thread(target=stamp_arrival)
        waiter.start()
        offset = time.time() - time.perf_counter()
        triggered = time.perf_counter()
        if not controller.call(NUMBER):
            raise SystemExit("call() refused")
        wait_for_finish(controller, 10)
        waiter.join()
        arrived = service.requests[-1].time - offset
        by_record.append((arrived - triggered) * 1000)
        by_waiter.append((woke[0] - triggered) * 1000)
    if service.request_count != CALLS:
        raise SystemExit(f"expected {CALLS} requests, the stand-in saw {service.request_count}")
    return by_record, by_waiter


def heartbeat_gap(controller: CallController, service: StandInService) -> tuple[float, int]:
    """Longest gap (ms) between 5 ms heartbeat ticks while one call is held HOLD_S by the stand-in."""
    service.ring_seconds = HOLD_S
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    heartbeat.start()
    began = time.perf_counter()
    if not controller.call(NUMBER):
        raise SystemExit("call() refused")
    wait_for_finish(controller, HOLD_S + 10)
    heartbeat.stop()
    held = time.perf_counter() - began
    if held < HOLD_S:
        raise SystemExit(f"the call was not held ({held:.2f} s)")
    gaps = [(later - earlier) * 1000 for earlier, later in zip(ticks, ticks[1:], strict=False)]
    return max(gaps), len(ticks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-dir", help="folder for the journal database (default: a temp dir)")
    args = parser.parse_args()
    app = QCoreApplication.instance() or QCoreApplication(sys.argv)
    with tempfile.TemporaryDirectory(dir=args.db_dir) as folder, StandInService(ring_seconds=0.0) as service:
        store = Store(Path(folder) / "journal.sqlite3")
        settings = Settings(agent_number="5551230000", api_url=service.url, read_timeout=30.0, mode="business")
        controller = CallController(store, lambda: settings)
        controller.set_credentials(Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY))
        try:
            by_record, by_waiter = trigger_to_request(controller, service)
            max_gap, tick_count = heartbeat_gap(controller, service)
        finally:
            controller.shutdown()
            store.close()
    print(f"journal database in: {folder}")
    print(
        f"trigger->request over {CALLS} calls: median {statistics.median(by_record):.2f} ms, "
        f"p95 {sorted(by_record)[int(CALLS * 0.95) - 1]:.2f} ms, max {max(by_record):.2f} ms "
        f"(waiter-thread stamp: median {statistics.median(by_waiter):.2f} ms)"
    )
    print(f"heartbeat: {tick_count} ticks of {HEARTBEAT_MS} ms during a {HOLD_S:g} s call")
    print(f"call_trigger_to_request_median_ms: {statistics.median(by_record):.2f}")
    print(f"heartbeat_max_gap_ms: {max_gap:.2f}")
    del app


if __name__ == "__main__":
    main()
