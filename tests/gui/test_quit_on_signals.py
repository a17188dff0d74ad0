"""Ctrl+C or SIGTERM to the app in a terminal quits it the orderly way (the app as a subprocess, offscreen)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from c2c_desktop.core.simulator import StandInService

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_quits_the_demo_and_removes_its_folder(tmp_path: Path, number: int) -> None:
    with StandInService(ring_seconds=0.1) as standin:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "TMPDIR": str(tmp_path),  # the demo's throwaway folder (and its single-instance socket) go here
            "C2C_DESKTOP_API_URL": standin.url,
        }
        app = subprocess.Popen(
            [sys.executable, "-m", "c2c_desktop", "--demo"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not list(tmp_path.glob("c2c-desktop-demo-*/*.sqlite3")):  # the profile is open: handlers are in
                assert app.poll() is None and time.monotonic() < deadline, app.stderr.read() if app.stderr else ""
                time.sleep(0.05)
            app.send_signal(number)
            _, stderr = app.communicate(timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
                app.communicate()
    assert app.returncode == 0, stderr
    assert "Traceback" not in stderr and "QThread" not in stderr
    assert not list(tmp_path.glob("c2c-desktop-demo-*"))  # the throwaway profile is gone
