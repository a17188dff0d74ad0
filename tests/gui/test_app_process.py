"""The app as a subprocess (offscreen): Ctrl+C or SIGTERM quit it the orderly way; two launches make one window."""

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


def test_two_launches_at_the_same_moment_open_one_window(tmp_path: Path) -> None:
    # The first launch claims the hand-off socket before anything else, so the second always finds it (before this,
    # two launches ~0.1 s apart could both open a window).
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    launches = [
        subprocess.Popen(
            [sys.executable, "-m", "c2c_desktop"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 30
        while all(launch.poll() is None for launch in launches):  # one of them hands over and exits
            assert time.monotonic() < deadline, "both launches are still running: two windows"
            time.sleep(0.05)
        handed_over = next(launch for launch in launches if launch.poll() is not None)
        window = next(launch for launch in launches if launch is not handed_over)
        assert handed_over.returncode == 0
        assert window.poll() is None  # the window stays
        window.send_signal(signal.SIGTERM)
        _, stderr = window.communicate(timeout=30)
        assert window.returncode == 0, stderr
    finally:
        for launch in launches:
            if launch.poll() is None:
                launch.kill()
            launch.communicate()
