"""The real app in a real X window under Xvfb, driven with xdotool like a person at the keyboard."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from c2c_desktop.core.simulator import StandInService
from tests.e2e.xvfb import wait_for_window, xdotool, xvfb_display  # noqa: F401  (fixture)

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


@pytest.fixture
def standin() -> Iterator[StandInService]:
    with StandInService(ring_seconds=0.2) as service:
        yield service


def launch_demo(display: str, api_url: str, *, tmpdir: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "C2C_DESKTOP_API_URL": api_url}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)  # the demo's throwaway folder goes here
    return subprocess.Popen(
        [sys.executable, "-m", "c2c_desktop", "--demo"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        raise AssertionError(f"the app did not exit; stderr:\n{stderr}") from None
    return process.returncode, stderr


def test_type_a_name_and_enter_places_one_call(xvfb_display: str, standin: StandInService) -> None:  # noqa: F811
    app = launch_demo(xvfb_display, standin.url)
    try:
        window = wait_for_window(xvfb_display, "^c2c-desktop")
        xdotool(xvfb_display, "windowfocus", "--sync", window)
        xdotool(xvfb_display, "type", "--delay", "40", "marcus")
        xdotool(xvfb_display, "key", "Return")
        assert standin.wait_for_requests(1, timeout=30)
        assert standin.requests[0].params["phone_to_call"] == "4155550167"  # Marcus Chen's primary number
        wait_for_window(xvfb_display, "^c2c-desktop")  # the title says "Calling Marcus Chen…" until the outcome
        xdotool(xvfb_display, "key", "ctrl+q")
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # X can still show the title from before the call when the request has already arrived (the title's
            # change reaches the X server with the window's next flush): Ctrl+Q then came during the call, and the
            # window asks first. Its default button closes.
            box = wait_for_window(xvfb_display, "^(A call is in progress|The call has ended)$", timeout=10)
            xdotool(xvfb_display, "windowfocus", "--sync", box)
            xdotool(xvfb_display, "key", "Return")
        code, stderr = finish(app)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert code == 0, stderr
    assert standin.request_count == 1
    assert "Traceback" not in stderr and "QThread" not in stderr


@contextmanager
def calling_ada_on_a_slow_line(display: str, tmpdir: Path | None = None) -> Iterator[subprocess.Popen[str]]:
    """The demo app with a call to Ada out (the stand-in holds it 60 s); killed at the end if still running."""
    with StandInService(ring_seconds=60) as slow:
        app = launch_demo(display, slow.url, tmpdir=tmpdir)
        try:
            window = wait_for_window(display, "^c2c-desktop")
            xdotool(display, "windowfocus", "--sync", window)
            xdotool(display, "type", "--delay", "40", "ada")
            xdotool(display, "key", "Return")
            assert slow.wait_for_requests(1, timeout=30)
            yield app
        finally:
            if app.poll() is None:
                app.kill()
                app.communicate()
        assert slow.request_count == 1


def test_close_during_a_call_exits_cleanly(xvfb_display: str) -> None:  # noqa: F811
    with calling_ada_on_a_slow_line(xvfb_display) as app:
        xdotool(xvfb_display, "key", "ctrl+q")
        dialog = wait_for_window(xvfb_display, "^A call is in progress")
        xdotool(xvfb_display, "windowfocus", "--sync", dialog)
        xdotool(xvfb_display, "key", "Return")  # the default button closes
        code, stderr = finish(app)
    assert code == 0, stderr
    assert "QThread: Destroyed while thread is still running" not in stderr
    assert "Traceback" not in stderr


def test_sigterm_during_a_call_quits_without_asking(xvfb_display: str, tmp_path: Path) -> None:  # noqa: F811
    with calling_ada_on_a_slow_line(xvfb_display, tmp_path) as app:
        app.send_signal(signal.SIGTERM)  # as a logout or `kill` does: nobody is there to answer a question
        code, stderr = finish(app)
    assert code == 0, stderr
    assert "QThread: Destroyed while thread is still running" not in stderr and "Traceback" not in stderr
    assert not list(tmp_path.glob("c2c-desktop-demo-*"))  # the throwaway profile went with it
