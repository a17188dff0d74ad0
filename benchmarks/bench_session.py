"""The calling session in the real window, on a 10,000-item list whose contacts are among 100,000.

Every figure ends when the card is painted: the window's paint that shows the new card is done (the top-level
window's UpdateRequest processed: each changed widget painted and the result handed to the screen). Keys are real
key events given to the widget that has the keyboard focus (the card), as the window system gives them.

- start: `MainWindow.start_list_session` to the first card painted (target <= 300); `start_cold` is the first one
  (the phone-number metadata is loaded then). start_from_picker: Enter on the picker (Call → Work a list…) to the
  first card painted; picker_open: from Ctrl+Shift+L's slot to the picker on screen (counts callable items per list).
- recompute: S then L (skip to later today: the item changes and the window works out "callable now" again), from L
  to the next card painted (target <= 50).
- next_card: a session of --calls calls in preview mode (Enter on each card) against the stand-in over loopback
  ringing --ring s: from the disposition key (1–3: "Not interested", "Left voicemail", "Connected – interested" in
  turn) to the next card painted (target <= 50); after_no_answer: from a "No answer" outcome (the session moves on
  by itself) to the next card painted.
- stall: a 5 ms heartbeat QTimer through that session: the longest gap between two ticks (target: none > 50 ms) and
  the p99 of the gaps. A watchdog thread samples the GUI thread's stack while the heartbeat is late; the places of
  the stalls over the target are printed.
- night: the same list when nothing in it is callable (the clock moved 14 h on: 03:00 in New York, 21:00 in
  Honolulu): night_start is from `start_list_session` to the card painted ("Nothing to call now"); night_opening to
  its "The next opens …" line shown; then the session's recheck (every 30 s) is run --night-rounds times. A 5 ms
  heartbeat runs through all of it: night_stall is its longest gap (target: none > 50 ms); picker_open_night is the
  picker opened meanwhile (its counts come later, off the GUI thread).
The calling rules are the consumer ones; their clock starts on a Wednesday 17:00 UTC (daytime in every US zone) and
runs on from there. Each figure is median, p95 (nearest rank) and max, in milliseconds; the load average is printed.

Run: .venv/bin/python benchmarks/bench_session.py [--profile DIR] [--calls 100] [--ring 1] [--rounds 11]
[--cases day,night]
(offscreen; with --x11 it opens the window on the X server of $DISPLAY, e.g. under xvfb-run). --cprofile FILE saves
a cProfile of the call session (the figures are then slower).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
if "--x11" in sys.argv[1:]:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench_follow import LoopGaps, run_loop_until  # noqa: E402
from bench_lists import DAY, add_bench_list, summary  # noqa: E402
from benchlib import close_window, ensure_profile, open_window, quiet_offscreen_warnings, wait_until_loaded  # noqa: E402

from PySide6.QtCore import QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from c2c_desktop.core import config  # noqa: E402
from c2c_desktop.core.calllists import StoreCallLists  # noqa: E402
from c2c_desktop.core.list_session import CHANGED_MARGIN, Mode, Phase  # noqa: E402
from c2c_desktop.core.models import Credentials, Outcome  # noqa: E402
from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, StandInService  # noqa: E402
from c2c_desktop.gui.app import BACKGROUND_IMPORTS  # noqa: E402
from c2c_desktop.gui.profile import DEMO_AGENT_NUMBER  # noqa: E402
from c2c_desktop.gui.session import ListPicker  # noqa: E402

HEARTBEAT_MS = 5
STALL_TARGET_MS = 50.0
DISPOSITIONS = ("Not interested", "Left voicemail", "Connected – interested")
WAIT_S = 30.0


class _NightOnly(Exception):
    """--cases night: the day's figures are skipped."""


class CardPaints(QObject):
    """Stamps each paint of the window while the session's card shows: (time.perf_counter() once the paint is done,
    the card's item id, the session's phase). The window's UpdateRequest is handled here so the stamp follows it."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.window = window
        self.painted: list[tuple[float, int | None, Phase]] = []
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is not self.window or event.type() != QEvent.Type.UpdateRequest:
            return False
        self.window.event(event)  # paint now: the stamp is taken after it
        session = self.window.session
        if session is not None and session.panel.isVisible():
            item = session.state.item
            self.painted.append((time.perf_counter(), item.id if item is not None else None, session.state.phase))
        return True

    def wait(self, since: float, shows: Callable[[int | None, Phase], bool], what: str) -> float:
        """Run the event loop until a paint after `since` shows what `shows` accepts; the seconds from `since`."""

        def found() -> float | None:
            for stamp, item_id, phase in reversed(self.painted):
                if stamp < since:
                    return None
                if shows(item_id, phase):
                    earliest = stamp
                    for earlier, other_id, other_phase in self.painted:
                        if since <= earlier < earliest and shows(other_id, other_phase):
                            earliest = earlier
                    return earliest - since
            return None

        if not run_loop_until(lambda: found() is not None, WAIT_S):
            raise SystemExit(f"no paint showed {what} within {WAIT_S:g} s")
        took = found()
        assert took is not None
        return took


class StallSampler(threading.Thread):
    """While the heartbeat is late by more than `late_ms`, samples where the GUI thread is (its Python stack, the
    project's frames) every few ms: one group of samples per late tick."""

    def __init__(self, beat: LoopGaps, late_ms: float = STALL_TARGET_MS / 2) -> None:
        super().__init__(name="stall-sampler", daemon=True)
        self.beat = beat
        self.late_s = late_ms / 1000
        self.samples: list[tuple[float, float, str]] = []  # (the late tick's time, how late so far, where)
        self._stopping = threading.Event()
        self._gui = threading.main_thread().ident

    def run(self) -> None:
        while not self._stopping.wait(0.004):
            tick = self.beat.last_tick
            late = time.perf_counter() - tick
            if tick and late > self.late_s:
                frame = sys._current_frames().get(self._gui or 0)
                self.samples.append((tick, late, _where(frame)))

    def stop(self) -> None:
        self._stopping.set()
        self.join()

    def stalls(self, over_ms: float) -> list[tuple[float, str]]:
        """(how long in ms, the place most sampled) of each stall longer than `over_ms`, longest first."""
        groups: dict[float, list[tuple[float, str]]] = {}
        for tick, late, where in self.samples:
            groups.setdefault(tick, []).append((late, where))
        found = []
        for group in groups.values():
            longest = max(late for late, _ in group) * 1000
            if longest > over_ms:
                place = Counter(where for _, where in group).most_common(1)[0][0]
                found.append((longest, place))
        return sorted(found, reverse=True)


class CollectionTimes:
    """How long Python's garbage collector held the GUI thread, per generation (a pause shows as a stall anywhere)."""

    def __init__(self) -> None:
        self.took: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._began = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        elif threading.current_thread() is threading.main_thread():
            self.took[info["generation"]].append(time.perf_counter() - self._began)

    def stop(self) -> None:
        gc.callbacks.remove(self._note)

    def text(self) -> str:
        parts = [
            f"gen {generation}: {len(took)}, longest {max(took, default=0) * 1000:.1f} ms"
            for generation, took in self.took.items()
        ]
        return "gc on the GUI thread: " + "; ".join(parts)


def _where(frame: FrameType | None) -> str:
    """The innermost frames of this project on a stack, innermost first: "session.py:420 refresh < …"."""
    parts: list[str] = []
    root = str(HERE.parent)
    while frame is not None and len(parts) < 4:
        path = frame.f_code.co_filename
        if path.startswith(root) and "/benchmarks/" not in path:
            parts.append(f"{Path(path).name}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(parts) or "outside the project (Qt, the event loop)"


def press(window: QWidget, key: Qt.Key) -> float:
    """One key press and release to the focused widget (the card); the time.perf_counter() just before it."""
    target = QApplication.focusWidget() or window
    pressed = time.perf_counter()
    QTest.keyClick(target, key)
    return pressed


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def settle() -> None:
    """Let posted events (deleteLater, paints) run."""
    run_loop_until(lambda: False, 0.05)


def measure_starts(window: Any, paints: CardPaints, list_id: int, rounds: int) -> list[float]:
    starts = []
    for _ in range(rounds):
        if window.session is not None:
            window.session.end()
        settle()
        began = time.perf_counter()
        if not window.start_list_session(list_id, mode=Mode.PREVIEW):
            raise SystemExit("the session did not start")
        starts.append(paints.wait(began, lambda item_id, phase: item_id is not None, "the first card"))
    return starts


def measure_picker_starts(
    window: Any, paints: CardPaints, list_id: int, rounds: int
) -> tuple[list[float], list[float]]:
    opens, starts = [], []
    for _ in range(rounds):
        if window.session is not None:
            window.session.end()
        settle()
        stamps: dict[str, float] = {}

        def choose(stamps: dict[str, float] = stamps) -> None:
            picker = QApplication.activeModalWidget()
            if not isinstance(picker, ListPicker) or not picker.isVisible():
                QTimer.singleShot(1, choose)
                return
            stamps["shown"] = time.perf_counter()
            for row in range(picker.lists.count()):
                if picker.lists.item(row).data(Qt.ItemDataRole.UserRole) == list_id:
                    picker.lists.setCurrentRow(row)
            picker.preview.setChecked(True)
            stamps["ok"] = time.perf_counter()
            QTest.keyClick(picker.lists, Qt.Key.Key_Return)

        QTimer.singleShot(1, choose)
        stamps["asked"] = time.perf_counter()
        window.work_a_list()  # Ctrl+Shift+L's slot: returns once the picker has closed and the session started
        opens.append(stamps["shown"] - stamps["asked"])
        starts.append(paints.wait(stamps["ok"], lambda item_id, phase: item_id is not None, "the picked list's card"))
    return opens, starts


def measure_skips(window: Any, paints: CardPaints, skips: int) -> list[float]:
    session = window.session
    took = []
    for _ in range(skips):
        item = session.state.item
        press(window, Qt.Key.Key_S)
        settle()
        pressed = press(window, Qt.Key.Key_L)
        took.append(paints.wait(pressed, lambda item_id, phase, old=item.id: item_id != old, "the card after a skip"))
    return took


def measure_night(window: Any, paints: CardPaints, list_id: int, rounds: int) -> dict[str, Any]:
    """The night case (see the docstring): a session on a list where nothing is callable, its rechecks, the picker."""
    if window.session is not None:
        window.session.end()
    settle()
    beat = LoopGaps(HEARTBEAT_MS)
    sampler = StallSampler(beat)
    beat.start()
    sampler.start()
    try:
        began = time.perf_counter()
        if not window.start_list_session(list_id, mode=Mode.PREVIEW):
            raise SystemExit("the night session did not start")
        started = paints.wait(began, lambda item_id, phase: phase is Phase.NOTHING, "the night card")
        session = window.session
        label = session.panel.local_label
        if not run_loop_until(lambda: label.text().startswith("The next opens"), WAIT_S):
            raise SystemExit(f"no 'The next opens' line within {WAIT_S:g} s: {label.text()!r}")
        opening = time.perf_counter() - began
        rechecks = []
        for _ in range(rounds):
            label.setText("")
            asked = time.perf_counter()
            session._recheck.timeout.emit()  # as the 30 s timer does
            if not run_loop_until(lambda: label.text().startswith("The next opens"), WAIT_S):
                raise SystemExit(f"the recheck showed no 'The next opens' line within {WAIT_S:g} s")
            rechecks.append(time.perf_counter() - asked)
        stamps: dict[str, float] = {}

        def close_picker() -> None:
            picker = QApplication.activeModalWidget()
            if not isinstance(picker, ListPicker) or not picker.isVisible():
                QTimer.singleShot(1, close_picker)
                return
            stamps["shown"] = time.perf_counter()
            picker.reject()

        session.end()
        settle()
        QTimer.singleShot(1, close_picker)
        stamps["asked"] = time.perf_counter()
        window.work_a_list()
        settle()
        run_loop_until(lambda: False, 1.0)  # the picker's counts, if any, arrive meanwhile
    finally:
        beat.stop()
        sampler.stop()
    return {
        "start": started,
        "opening": opening,
        "rechecks": rechecks,
        "picker": stamps["shown"] - stamps["asked"],
        "gaps": beat.gaps_ms,
        "stalls": sampler.stalls(STALL_TARGET_MS),
    }


def run_calls(
    window: Any, paints: CardPaints, calls: int, finished: list[tuple[float, Outcome]]
) -> tuple[list[float], list[float]]:
    """--calls calls, each by Enter; a connected one gets its disposition by key. (next_card, after_no_answer)."""
    session = window.session
    digits = {
        name: Qt.Key(Qt.Key.Key_1 + session.dispositions.index(name))
        for name in DISPOSITIONS
        if name in session.dispositions[:9]
    }
    if len(digits) != len(DISPOSITIONS):
        raise SystemExit(f"the dispositions {DISPOSITIONS} are not all on the keys: {session.dispositions}")
    next_cards: list[float] = []
    after_no_answer: list[float] = []
    for n in range(calls):
        if session.state.phase is not Phase.READY or session.state.item is None:
            raise SystemExit(f"call {n}: the session is {session.state.phase}, not ready for Enter")
        item = session.state.item
        ended = len(finished)
        if hasattr(session, "enter_armed"):  # a new card takes Enter only after a moment (a double Enter sends once)
            run_loop_until(session.enter_armed, WAIT_S)
        press(window, Qt.Key.Key_Return)
        if not run_loop_until(lambda ended=ended: len(finished) > ended, WAIT_S):
            raise SystemExit(f"call {n} did not end within {WAIT_S:g} s")
        outcome_at, outcome = finished[-1]
        moved_on = lambda item_id, phase, old=item.id: item_id != old and phase is Phase.READY  # noqa: E731
        if outcome is Outcome.CONNECTED:
            paints.wait(outcome_at, lambda item_id, phase: phase is Phase.WRAP_UP, "the wrap-up")
            pressed = press(window, digits[DISPOSITIONS[len(next_cards) % len(DISPOSITIONS)]])
            next_cards.append(paints.wait(pressed, moved_on, "the next card after a disposition"))
        elif outcome is Outcome.NO_ANSWER:
            after_no_answer.append(paints.wait(outcome_at, moved_on, "the next card after no answer"))
        else:
            raise SystemExit(f"call {n}: unexpected outcome {outcome}")
    return next_cards, after_no_answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", type=Path, help="a make_profile.py folder (default: a new 100k profile)")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts in a generated profile")
    parser.add_argument("--items", type=int, default=10_000, help="items in the list worked")
    parser.add_argument("--rounds", type=int, default=11, help="session starts measured (the first is cold)")
    parser.add_argument("--picker-rounds", type=int, default=5, help="session starts measured from the picker")
    parser.add_argument("--skips", type=int, default=20, help="skips (S, L) measured")
    parser.add_argument("--calls", type=int, default=100, help="calls in the measured session")
    parser.add_argument("--ring", type=float, default=1.0, help="seconds the stand-in rings before it answers")
    parser.add_argument("--x11", action="store_true", help="the X server of $DISPLAY instead of offscreen")
    parser.add_argument("--cprofile", type=Path, help="save a cProfile of the call session to this file")
    parser.add_argument("--cases", default="day,night", help="day (start, picker, skips, calls), night, or both")
    parser.add_argument("--night-rounds", type=int, default=3, help="rechecks measured in the night case")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    quiet_offscreen_warnings()
    load_before = os.getloadavg()
    began = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="c2c-bench-session-") as scratch,
        StandInService(
            ring_seconds=args.ring, access_key=DEMO_ACCESS_KEY, secret_access_key=DEMO_SECRET_ACCESS_KEY
        ) as service,
    ):
        profile_dir = ensure_profile(args.profile, args.contacts, Path(scratch))
        # Call type 1: the stand-in's "No Answer" is the prospect's, so the session moves on (with type 2 it would be
        # the agent's phone, and the card would stay).
        settings = config.Settings(agent_number=DEMO_AGENT_NUMBER, api_url=service.url, read_timeout=10.0, call_type=1)
        shift = [timedelta(0)]  # the night case moves the clock on
        window = open_window(
            profile_dir,
            settings=settings,
            credentials=Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY),
            clock=lambda: DAY + shift[0] + timedelta(seconds=time.perf_counter() - began),
        )
        cases = set(args.cases.split(","))
        night: dict[str, Any] | None = None
        made = add_bench_list(window.profile.store, args.items)
        # A session works a list made earlier: one made just now is inside the kept list's change margin
        # (core.list_session.CHANGED_MARGIN), so its first re-reads would read every item again as "changed".
        time.sleep(CHANGED_MARGIN.total_seconds() + 0.5)
        finished: list[tuple[float, Outcome]] = []
        window.controller.call_finished.connect(  # before the session's own slot: stamped first
            lambda _entry, result, _message: finished.append((time.perf_counter(), Outcome(result.outcome)))
        )
        paints = CardPaints(window)
        try:
            window.resize(1100, 760)
            window.show()
            window.start()
            window.activateWindow()
            if not run_loop_until(lambda: not window.controller.credentials_loading, WAIT_S):
                raise SystemExit("the keys were not read in time")
            wait_until_loaded(window)
            for module in BACKGROUND_IMPORTS:  # what the app imports on a thread once its window is painted
                importlib.import_module(module)
            settle()
            if "night" in cases:
                shift[0] = timedelta(hours=14)
                night = measure_night(window, paints, made.id, args.night_rounds)
                shift[0] = timedelta(0)
            if "day" not in cases:
                raise _NightOnly
            starts = measure_starts(window, paints, made.id, args.rounds)
            opens, picker_starts = measure_picker_starts(window, paints, made.id, args.picker_rounds)
            skips = measure_skips(window, paints, args.skips)

            beat = LoopGaps(HEARTBEAT_MS)
            sampler = StallSampler(beat)
            profiler = cProfile.Profile() if args.cprofile else None
            collections = CollectionTimes()
            beat.start()
            sampler.start()
            if profiler is not None:
                profiler.enable()
            session_began = time.perf_counter()
            next_cards, after_no_answer = run_calls(window, paints, args.calls, finished)
            session_s = time.perf_counter() - session_began
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.cprofile)
            beat.stop()
            sampler.stop()
            collections.stop()
            if service.request_count != args.calls:
                raise SystemExit(f"{args.calls} calls made, the stand-in saw {service.request_count} requests")
            linked = len(StoreCallLists(window.profile.store).call_ids_of_list(made.id))
        except _NightOnly:
            pass
        finally:
            if window.session is not None:
                window.session.end()
            StoreCallLists(window.profile.store).delete_list(made.id)
            close_window(window)
    contacts = "generated" if args.profile is None else str(args.profile)
    print(f"platform: {app.platformName()}; items: {args.items} (contacts: {args.contacts:,}, {contacts})")
    if night is not None:
        print(f"night_start_ms: {night['start'] * 1000:.1f} (nothing callable: the card painted)")
        print(f"night_opening_ms: {night['opening'] * 1000:.1f} (its 'The next opens' line shown)")
        print(summary("night_recheck", night["rechecks"]))
        print(f"picker_open_night_ms: {night['picker'] * 1000:.1f}")
        gaps = night["gaps"]
        print(
            f"night_stall_ms: max {max(gaps):.1f} p99 {percentile(gaps, 0.99):.1f} (heartbeat {HEARTBEAT_MS} ms, "
            f"{len(gaps)} gaps) target max <= {STALL_TARGET_MS:g}"
        )
        for took, where in night["stalls"][:6]:
            print(f"  stall {took:.0f} ms at {where}")
    if "day" not in cases:
        return 0
    print(f"start_cold_ms: {starts[0] * 1000:.1f}")
    print(summary("start", starts[1:] or starts, "300"))
    print(summary("picker_open", opens))
    print(summary("start_from_picker", picker_starts, "300"))
    print(summary("recompute", skips, "50"))
    print(summary("next_card", next_cards, "50"))
    print(summary("after_no_answer", after_no_answer, "50"))
    gaps = beat.gaps_ms
    print(
        f"session: {args.calls} calls ({len(next_cards)} dispositions, {len(after_no_answer)} no answer), "
        f"ring {args.ring:g} s, {session_s:.1f} s, {linked} calls linked to the list"
    )
    print(
        f"stall_ms: max {max(gaps):.1f} p99 {percentile(gaps, 0.99):.1f} median {percentile(gaps, 0.5):.1f} "
        f"(heartbeat {HEARTBEAT_MS} ms, {len(gaps)} gaps) target max <= {STALL_TARGET_MS:g}"
    )
    for took, where in sampler.stalls(STALL_TARGET_MS)[:10]:
        print(f"  stall {took:.0f} ms at {where}")
    print(collections.text())
    load_after = os.getloadavg()
    print(f"load_average: {load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min; 2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
