"""Render a calling session in the demo window (a real X window under Xvfb) to a PNG (docs/session.png for the README).

Usage: .venv/bin/python scripts/session_screenshot.py docs/session.png
Without a DISPLAY it re-runs itself under xvfb-run. The demo's "Demo prospects" list is worked in power mode with a
10 s countdown: two prospects are called and given a disposition by key presses, as an agent would, and the picture
is taken while the third card counts down. It runs under Debian's faketime from a Tuesday at 10:40 in New York
(the agent's zone here), so the callees' local times and the recent calls read as in a working day.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

AGENT_ZONE = "America/New_York"
START_TIME = "2026-12-08 10:40:00"  # faketime: starts there and runs on (a Tuesday, in AGENT_ZONE)


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/session.png").resolve()
    if not os.environ.get("DISPLAY"):
        missing = [tool for tool in ("xvfb-run", "faketime") if shutil.which(tool) is None]
        if missing:
            print(f"{' and '.join(missing)} missing: apt-get install xvfb xauth faketime", file=sys.stderr)
            return 1
        # Qt's timers run on the real monotonic clock: only the wall clock is moved.
        env = {**os.environ, "TZ": AGENT_ZONE, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        xvfb = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"]
        command = [*xvfb, "faketime", "-f", f"@{START_TIME}", sys.executable, __file__, str(target)]
        return subprocess.run(command, env=env, check=False).returncode
    from screenshot import open_demo_window, settle  # scripts/screenshot.py, beside this one

    app, profile, window = open_demo_window()
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from c2c_desktop.core.calllists import StoreCallLists
    from c2c_desktop.core.demo import DEMO_LIST_NAME
    from c2c_desktop.core.list_session import Mode

    def press(text: str) -> None:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(window, QKeyEvent(kind, Qt.Key(ord(text)), Qt.KeyboardModifier.NoModifier, text))

    def call_and_dispose(disposition_key: str) -> None:
        loop = QEventLoop()
        window.controller.call_finished.connect(loop.quit)
        QTimer.singleShot(20_000, loop.quit)
        loop.exec()  # power mode dials when its countdown runs out
        window.controller.call_finished.disconnect(loop.quit)
        settle(200)
        press(disposition_key)

    while not window.ready:
        settle(50)
    demo_list = StoreCallLists(profile.store).require_list(DEMO_LIST_NAME)
    if not window.start_list_session(demo_list.id, mode=Mode.POWER, countdown_ms=300):
        print("the session did not start", file=sys.stderr)
        return 1
    call_and_dispose("2")  # Left voicemail
    call_and_dispose("6")  # No answer
    session = window.session
    assert session is not None
    session.state.countdown_ms = 10_000  # the third card counts down slowly enough to be seen
    settle(50)
    press("P")  # pause (the short countdown may have started) and resume: the 10 s countdown starts over
    settle(100)
    press("P")
    settle(3000)
    image = window.grab()
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(target))
    print(f"{target}: {image.width()}x{image.height()}")
    press("P")  # paused: nothing more is dialled while the window closes
    window.shutdown()
    window.close()
    profile.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
