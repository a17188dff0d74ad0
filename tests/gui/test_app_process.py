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


def test_two_profiles_get_two_windows_and_the_same_profile_hands_over(tmp_path: Path) -> None:
    # Before, the hand-off socket was per user: profile b's launch handed its link to profile a's window and exited.
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])  # a private one for this test (conftest.py)

    def launch(profile: str, *args: str) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "TMPDIR": str(tmp_path),
            "XDG_RUNTIME_DIR": str(runtime),  # where the hand-off sockets go
            "XDG_CONFIG_HOME": str(tmp_path / profile / "config"),
            "XDG_DATA_HOME": str(tmp_path / profile / "data"),
        }
        command = [sys.executable, "-m", "c2c_desktop", *args]
        return subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def wait_for_sockets(count: int, *running: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 30
        while len([path for path in runtime.iterdir() if path.is_socket()]) < count:
            assert all(app.poll() is None for app in running), "a window exited instead of listening"
            assert time.monotonic() < deadline, "no window is listening"
            time.sleep(0.05)

    windows: list[subprocess.Popen[str]] = []
    try:
        windows.append(launch("a"))
        wait_for_sockets(1, *windows)
        windows.append(launch("b", "tel:+15552010003"))
        wait_for_sockets(2, *windows)  # profile b's launch became a window of its own
        again = launch("a", "tel:+15552010004")
        assert again.wait(timeout=30) == 0  # profile a's second launch handed over to a's window
        again.communicate()
        assert all(window.poll() is None for window in windows)
        for window in windows:
            window.send_signal(signal.SIGTERM)
            _, stderr = window.communicate(timeout=30)
            assert window.returncode == 0, stderr
    finally:
        for window in windows:
            if window.poll() is None:
                window.kill()
            window.communicate()
