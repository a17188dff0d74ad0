"""Render the demo window in a real X window under Xvfb to a PNG (docs/screenshot.png for the README).

Usage: .venv/bin/python scripts/screenshot.py docs/screenshot.png
Without a DISPLAY it re-runs itself under xvfb-run. It places a few demo calls first so the status and the recent
calls list show what an agent sees mid-day.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from c2c_desktop.gui.mainwindow import MainWindow
    from c2c_desktop.gui.profile import Profile


def open_demo_window() -> tuple[QApplication, Profile, MainWindow]:
    """The demo window as `c2c-desktop --demo` shows it (in a real X window: QT_QPA_PLATFORM=xcb), 1100×720, its
    stand-in ringing 0.3 s. Also used by scripts/session_screenshot.py."""
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ["C2C_DESKTOP_DEMO_RING_SECONDS"] = "0.3"
    from PySide6.QtWidgets import QApplication

    from c2c_desktop.gui.mainwindow import MainWindow
    from c2c_desktop.gui.profile import open_demo_profile

    app = QApplication([sys.argv[0]])
    profile = open_demo_profile()
    window = MainWindow(profile)
    window.resize(1100, 720)
    window.show()
    window.start()
    return app, profile, window


def settle(ms: int) -> None:
    """Let the event loop run for `ms` milliseconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png").resolve()
    if not os.environ.get("DISPLAY"):
        if shutil.which("xvfb-run") is None:
            print("xvfb-run is missing: apt-get install xvfb xauth", file=sys.stderr)
            return 1
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, __file__, str(target)]
        return subprocess.run(command, check=False).returncode
    app, profile, window = open_demo_window()
    from PySide6.QtCore import QEventLoop, QTimer

    def call(query: str) -> None:
        window.search.setText(query)
        window.call_current_contact()
        loop = QEventLoop()
        window.controller.call_finished.connect(loop.quit)
        QTimer.singleShot(10_000, loop.quit)
        loop.exec()
        window.controller.call_finished.disconnect(loop.quit)

    settle(300)
    for query in ("lindqvist", "marcus", "priya", "claire", "ada"):
        call(query)
    window.search.setText("ad")
    settle(300)
    target.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(target))
    window.shutdown()
    profile.close()
    app.quit()
    print(f"wrote {target}" if ok else f"could not write {target}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
