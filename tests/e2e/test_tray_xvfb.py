"""The tray and notifications on a real desktop (issue 11): Xvfb, a private D-Bus session, a real tray host (trayer)
and a real notification daemon (dunst, whose `dunstctl history` shows what it received). The daemons run in a temp
folder with their own config; nothing touches the real session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from c2c_desktop.core.simulator import StandInService
from tests.e2e.test_window_xvfb import finish
from tests.e2e.xvfb import wait_for_window, xdotool, xvfb_display  # noqa: F401  (fixture)

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]

DUNSTRC = """
[global]
    font = DejaVu Sans 10
    markup = full
    format = "<b>%s</b>\\n%b"
    origin = top-right
    offset = 10x40
    width = 380
    frame_width = 1
[urgency_normal]
    background = "#24384f"
    foreground = "#ffffff"
    timeout = 0
"""
MAIN_WINDOW = "^c2c-desktop — demo$"
SCREENSHOTS = os.environ.get("C2C_TRAY_SCREENSHOTS")  # a folder: save what the screen showed (for docs/)


def _need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.fail(f"{program} is missing: install the Debian package {package} (make test does this as root)")
    return path


def _until(check: object, what: str, timeout: float = 30) -> None:
    """Poll an outside program's state (X and D-Bus daemons give this process no signal to wait on)."""
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


@pytest.fixture
def desktop(xvfb_display: str, tmp_path: Path) -> Iterator[dict[str, str]]:  # noqa: F811
    """dbus-daemon, dunst and trayer on the Xvfb display; yields the environment a client needs."""
    dbus_daemon, dunst, trayer = (
        _need("dbus-daemon", "dbus"),
        _need("dunst", "dunst"),
        _need("trayer", "trayer"),
    )
    _need("dunstctl", "dunst")
    root = tmp_path / "desktop"
    env = {**os.environ, "DISPLAY": xvfb_display, "HOME": str(root / "home")}
    for name in ("XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "XDG_CACHE_HOME"):
        folder = root / name.lower()
        folder.mkdir(parents=True, mode=0o700)
        env[name] = str(folder)
    Path(env["HOME"]).mkdir()
    (root / "dunstrc").write_text(DUNSTRC)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        bus = subprocess.Popen(
            [dbus_daemon, "--session", "--nofork", "--nopidfile", f"--address=unix:path={root / 'bus'}"]
            + ["--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        processes.append(bus)
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        processes.append(
            subprocess.Popen([dunst, "-config", str(root / "dunstrc")], env=env, stderr=subprocess.DEVNULL)
        )
        processes.append(
            subprocess.Popen(
                [trayer, "--edge", "bottom", "--align", "right", "--widthtype", "request", "--height", "32"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        _until(lambda: dunstctl(env, "is-paused", check=False).returncode == 0, "dunst on the bus")
        yield env
    finally:
        if processes and processes[0].stdout is not None:
            processes[0].stdout.close()
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def dunstctl(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["dunstctl", *args], env=env, capture_output=True, text=True, timeout=10, check=check)


def displayed(env: dict[str, str]) -> int:
    return int(dunstctl(env, "count", "displayed").stdout.strip() or 0)


def history(env: dict[str, str]) -> list[tuple[str, str]]:
    """(summary, body) of every notification dunst received and closed, newest first."""
    data = json.loads(dunstctl(env, "history").stdout)["data"][0]
    return [(item["summary"]["data"], item["body"]["data"]) for item in data]


def screenshot(env: dict[str, str], name: str, crop: str | None = None) -> None:
    if not SCREENSHOTS:
        return
    target = Path(SCREENSHOTS) / name
    subprocess.run(["import", "-window", "root", *(["-crop", crop] if crop else []), str(target)], env=env, check=True)


def tray_available(env: dict[str, str]) -> bool:
    code = "from PySide6.QtWidgets import QApplication, QSystemTrayIcon; a = QApplication([]); "
    code += "print(QSystemTrayIcon.isSystemTrayAvailable())"
    done = subprocess.run(
        [sys.executable, "-c", code], env={**env, "QT_QPA_PLATFORM": "xcb"}, capture_output=True, text=True, timeout=30
    )
    return done.stdout.strip() == "True"


def launch(env: dict[str, str], api_url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "c2c_desktop", "--demo", *args],
        env={**env, "QT_QPA_PLATFORM": "xcb", "C2C_DESKTOP_API_URL": api_url},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def icon_in_tray(env: dict[str, str]) -> str:
    """The X window id of the app's tray icon if it is embedded in trayer's panel (a child of it), else ""."""
    tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, timeout=10).stdout
    lines = tree.splitlines()
    for number, line in enumerate(lines):
        if '("panel" "trayer")' in line:
            depth = len(line) - len(line.lstrip())
            for child in lines[number + 1 :]:
                if len(child) - len(child.lstrip()) <= depth:
                    break
                if '"c2c-desktop"' in child:
                    return child.split()[0]
    return ""


def visible_windows(display: str, name: str) -> list[str]:
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", name],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=10,
    )
    return done.stdout.split()


def test_in_the_tray_a_call_notifies_and_a_click_brings_the_window_back(
    desktop: dict[str, str],
    xvfb_display: str,  # noqa: F811
) -> None:
    _until(lambda: tray_available(desktop), "a tray (trayer) for QSystemTrayIcon")
    with StandInService(ring_seconds=3) as standin:
        app = launch(desktop, standin.url, "--in-tray")
        try:
            _until(lambda: icon_in_tray(desktop), "the app's icon embedded in trayer's panel")
            icon = icon_in_tray(desktop)
            assert visible_windows(xvfb_display, MAIN_WINDOW) == []  # started hidden in the tray

            xdotool(xvfb_display, "mousemove", "--window", icon, "10", "15", "click", "1")  # a click shows it
            window = wait_for_window(xvfb_display, MAIN_WINDOW)
            xdotool(xvfb_display, "windowfocus", "--sync", window)
            xdotool(xvfb_display, "type", "--delay", "40", "ada")
            xdotool(xvfb_display, "key", "Return")
            assert standin.wait_for_requests(1, timeout=30)

            # While it rings: the tray menu, Hide (the first entry): the window goes to the tray.
            before = set(visible_windows(xvfb_display, ""))
            xdotool(xvfb_display, "mousemove", "--window", icon, "10", "15", "click", "3")
            _until(lambda: set(visible_windows(xvfb_display, "")) - before, "the tray menu open")
            screenshot(desktop, "tray-menu.png", "290x104+990+698")
            xdotool(xvfb_display, "key", "Down", "Return")
            _until(lambda: visible_windows(xvfb_display, MAIN_WINDOW) == [], "the window hidden by the menu")

            _until(lambda: displayed(desktop) == 1, "dunst showing the outcome")
            screenshot(desktop, "notification.png", "410x90+870+30")
            dunstctl(desktop, "action", "0")  # a click on it: the window comes back
            wait_for_window(xvfb_display, MAIN_WINDOW)
            dunstctl(desktop, "close-all")
            assert history(desktop)[0] == (
                "Connected — the service is now calling Ada Okafor",
                "Ada Okafor · (212) 555-0142",
            )
            xdotool(xvfb_display, "windowfocus", "--sync", wait_for_window(xvfb_display, MAIN_WINDOW))
            xdotool(xvfb_display, "key", "ctrl+q")
            code, stderr = finish(app)
        finally:
            if app.poll() is None:
                app.kill()
                app.communicate()
    assert code == 0, stderr
    assert standin.request_count == 1
    assert "Traceback" not in stderr


_CLOSE_TO_TRAY = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from c2c_desktop.gui.app import run_gui
    from c2c_desktop.gui.mainwindow import MainWindow

    app = QApplication(sys.argv[:1])
    steps = []

    def step():
        window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)
        if window is None or not window.tray or not window.tray.is_in_tray():
            QTimer.singleShot(50, step)
            return
        if not steps:
            steps.append(1)
            window.close()  # the window manager's close button
            print("after close:", "shown" if window.isVisible() else "hidden", flush=True)
            QTimer.singleShot(300, step)  # the app is still running with the window hidden
        else:
            print("still running", flush=True)
            window.tray.quit_action.trigger()

    QTimer.singleShot(100, step)
    print("exited", run_gui(demo=True), flush=True)
    """
)


def test_closing_the_window_with_a_tray_hides_it_and_the_tray_quits(
    desktop: dict[str, str],
    xvfb_display: str,  # noqa: F811
) -> None:
    with StandInService(ring_seconds=0.1) as standin:
        done = subprocess.run(
            [sys.executable, "-c", _CLOSE_TO_TRAY],
            env={**desktop, "QT_QPA_PLATFORM": "xcb", "C2C_DESKTOP_API_URL": standin.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.stdout.splitlines() == ["after close: hidden", "still running", "exited 0"], done.stderr


def test_a_name_with_markup_reaches_dunst_as_text(
    desktop: dict[str, str], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from c2c_desktop.gui.notifications import FreedesktopNotifier

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", desktop["DBUS_SESSION_BUS_ADDRESS"])
    notifier = FreedesktopNotifier()
    failures: list[tuple[str, str]] = []
    notifier.failed.connect(lambda *args: failures.append(args))
    try:
        notifier.show("No answer — <b>Ada</b> & Co", "<b>Ada</b> & Co · (212) 555-0142\nNo answer on your phone")
        qtbot.waitUntil(lambda: displayed(desktop) == 1, timeout=20_000)
        screenshot(desktop, "notification-markup.png", "410x90+870+30")
        with qtbot.waitSignal(notifier.activated, timeout=10_000):
            dunstctl(desktop, "action", "0")
    finally:
        notifier.close()
    dunstctl(desktop, "close-all")
    assert failures == []
    # Sent as the specification wants it: the summary plain, the body escaped (dunst reads body markup), so the
    # daemon shows the characters, never bold text.
    assert history(desktop)[0] == (
        "No answer — <b>Ada</b> & Co",
        "&lt;b&gt;Ada&lt;/b&gt; &amp; Co · (212) 555-0142\nNo answer on your phone",
    )


_TRAY_GOES = textwrap.dedent(
    """
    import os, signal, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from c2c_desktop.gui.app import run_gui
    from c2c_desktop.gui.mainwindow import MainWindow

    app = QApplication(sys.argv[:1])
    in_tray = sys.argv[1] == "--in-tray"
    steps = []

    def step():
        window = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)
        if not steps and (window is None or not window.tray or not window.tray.is_in_tray()):
            QTimer.singleShot(50, step)
            return
        if not steps:
            steps.append(1)
            if not in_tray:
                window.close()  # the window manager's close button: hidden in the tray
            print("in the tray:", "shown" if window.isVisible() else "hidden", flush=True)
            os.kill(int(os.environ["TRAYER_PID"]), signal.SIGTERM)  # the tray host exits
        if not window.isVisible():
            QTimer.singleShot(100, step)
            return
        print("tray gone:", "minimised" if window.isMinimized() else "shown", flush=True)
        window.quit_app()

    QTimer.singleShot(100, step)
    QTimer.singleShot(30_000, lambda: (print("timed out", flush=True), app.exit(3)))
    print("exited", run_gui(demo=True, in_tray=in_tray), flush=True)
    """
)


def _trayer_on(display: str) -> int:
    """The pid of the trayer running on `display` (other tests' trayers may run on other displays)."""
    for pid in subprocess.run(["pgrep", "-x", "trayer"], capture_output=True, text=True).stdout.split():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"DISPLAY={display}".encode() in environ:
            return int(pid)
    raise AssertionError(f"no trayer on {display}")


@pytest.mark.parametrize("how", ["closed", "--in-tray"])
def test_the_window_comes_back_minimised_when_the_tray_host_exits(
    desktop: dict[str, str],
    xvfb_display: str,  # noqa: F811
    how: str,
) -> None:
    """Hidden in the tray (closed to it, or started there), then trayer exits: the window shows minimised, never
    left hidden with no icon to bring it back."""
    _until(lambda: tray_available(desktop), "a tray (trayer) for QSystemTrayIcon")
    env = {**desktop, "QT_QPA_PLATFORM": "xcb", "TRAYER_PID": str(_trayer_on(xvfb_display))}
    with StandInService(ring_seconds=0.1) as standin:
        done = subprocess.run(
            [sys.executable, "-c", _TRAY_GOES, how],
            env={**env, "C2C_DESKTOP_API_URL": standin.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.stdout.splitlines() == ["in the tray: hidden", "tray gone: minimised", "exited 0"], done.stderr
