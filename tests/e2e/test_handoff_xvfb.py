"""A tel: link handed to the running window under a real window manager (openbox on Xvfb): the window comes back
from the taskbar or from behind the CRM, takes the keyboard focus, and the agent's next Enter dials the number."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop.core.simulator import StandInService
from tests.e2e.xvfb import start_xvfb, wait_for_window, xdotool
from tests.keyring_session import secret_service  # noqa: F401  (fixture)

pytestmark = [pytest.mark.xvfb, pytest.mark.keyring, pytest.mark.slow]

ACCESS_KEY = "handoff-access-key"
SECRET = "handoff-secret-key"
#: Stands for the CRM's browser window that has the focus when the agent clicks a link.
OTHER_WINDOW = (
    "from PySide6.QtWidgets import QApplication, QLineEdit\n"
    "app = QApplication([])\n"
    "field = QLineEdit()\n"
    "field.setWindowTitle('CRM')\n"
    "field.resize(1200, 760)\n"
    "field.show()\n"
    "app.exec()\n"
)


@pytest.fixture(scope="module")
def desktop() -> Iterator[str]:
    """A private Xvfb display with openbox managing it (minimise, stacking, _NET_ACTIVE_WINDOW, focus stealing
    prevention), so that "active" means what it means on an agent's desktop."""
    if shutil.which("openbox") is None:
        pytest.fail("openbox is missing: install the Debian package openbox (make test does this as root)")
    server, display = start_xvfb()
    config = Path(os.environ.get("TMPDIR", "/tmp")) / f"openbox-config-{os.getpid()}"
    window_manager = subprocess.Popen(
        ["openbox"],
        env={**os.environ, "DISPLAY": display, "XDG_CONFIG_HOME": str(config)},  # its defaults, not a user's rc.xml
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while "claims not to support" in _active_window_answer(display):  # openbox is not managing yet
            assert window_manager.poll() is None, "openbox exited"
            assert time.monotonic() < deadline, "openbox did not start"
            time.sleep(0.05)  # an external X client: nothing to wait on
        yield display
    finally:
        window_manager.terminate()
        window_manager.wait(timeout=10)
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(config, ignore_errors=True)


def _active_window_answer(display: str) -> str:
    result = subprocess.run(
        ["xdotool", "getactivewindow"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=10,
    )
    return result.stdout.strip() + result.stderr


def wait_until_active(display: str, window: str, timeout: float = 20, *, active: bool = True) -> None:
    """Poll until `window` is (or, `active` False, is no longer) the window manager's active window."""
    deadline = time.monotonic() + timeout
    while ((answer := _active_window_answer(display)) == window) != active:
        assert time.monotonic() < deadline, f"window {window} is {'not ' if active else ''}active ({answer!r})"
        time.sleep(0.05)


@pytest.fixture
def agent(secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInService]:  # noqa: F811
    """This test's profile set up as an agent's: keys in the real keyring, their phone, the stand-in as service."""
    with StandInService(access_key=ACCESS_KEY, secret_access_key=SECRET, ring_seconds=0.1) as standin:
        for name, value in secret_service.items():
            monkeypatch.setenv(name, value)
        for arguments, stdin in (
            (["keys", "set"], f"{ACCESS_KEY}\n{SECRET}\n"),
            (["config", "set", "agent_number", "(555) 201-0001"], ""),
            (["config", "set", "api_url", standin.url], ""),
            # Business rules: the call's own hours do not depend on when this test runs (test_cli_rules.py has them).
            (["config", "set", "mode", "business"], ""),
        ):
            result = subprocess.run(
                [sys.executable, "-m", "c2c_desktop", *arguments], input=stdin, capture_output=True, text=True
            )
            assert result.returncode == 0, result.stderr
        yield standin


def start(display: str, *command: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        list(command),
        env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def hand_off(display: str, link: str) -> None:
    """What the CRM's click runs: the console script's entry, as a process of its own."""
    result = subprocess.run(
        [sys.executable, "-m", "c2c_desktop", link],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("away", ["minimised", "behind the CRM"])
def test_a_handed_off_link_brings_the_window_back_and_enter_dials_it(
    desktop: str, agent: StandInService, away: str
) -> None:
    app = start(desktop, sys.executable, "-m", "c2c_desktop")
    crm = None
    try:
        window = wait_for_window(desktop, "^c2c-desktop$")
        wait_until_active(desktop, window)
        if away == "minimised":
            xdotool(desktop, "windowminimize", "--sync", window)
        else:
            crm = start(desktop, sys.executable, "-c", OTHER_WINDOW)
            other = wait_for_window(desktop, "^CRM$")
            xdotool(desktop, "windowactivate", "--sync", other)
        wait_until_active(desktop, window, active=False)  # the window manager has caught up

        hand_off(desktop, "tel:+1-555-201-0003")

        wait_until_active(desktop, window)
        # The agent's next Enter, wherever the focus was before. Right after the window opened, gnome-keyring may
        # still be reading the keys (the call is then "not sent", and nothing goes out): press again, as an agent
        # would; the number stays selected in the field.
        deadline = time.monotonic() + 30
        while True:
            xdotool(desktop, "key", "Return")
            if agent.wait_for_requests(1, timeout=2):
                break
            assert time.monotonic() < deadline, "Enter in the window placed no call"
        assert agent.requests[0].params["phone_to_call"] == "5552010003"
        app.send_signal(signal.SIGTERM)  # quits without asking, also if the call is still out
        _, stderr = app.communicate(timeout=30)
        assert app.returncode == 0, stderr
        assert "Traceback" not in stderr
    finally:
        for process in (app, crm):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()
    assert agent.request_count == 1
