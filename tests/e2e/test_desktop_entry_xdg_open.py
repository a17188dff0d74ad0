"""`install-desktop-entry`, then `xdg-open tel:…` reaches the running window: the real xdg-utils, the installed
.desktop file's Exec line, a second c2c-desktop process and the hand-off socket, in throwaway XDG folders and HOME.

The window runs in this process (offscreen), listening the way the app does (gui/app.listen_for_other_instances), so
the test can read its dial pad; xdg-open and everything it starts are real subprocesses with the same environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from c2c_desktop.gui.app import listen_for_other_instances
from c2c_desktop.gui.profile import open_user_profile
from tests.e2e.xvfb import xvfb_display  # noqa: F401  (fixture)
from tests.gui.windows import running_window

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]

HANDOFF_MS = 30_000


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install the Debian package xdg-utils (make test does this as root)")
    return path


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv), capture_output=True, text=True, timeout=60, env=os.environ.copy(), stdin=subprocess.DEVNULL
    )


@pytest.fixture
def desktop_env(isolated_profile: Path, xvfb_display: str, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    """HOME in the throwaway folder, a real X display (xdg-open looks up scheme handlers only with one), and no
    desktop environment to detect: xdg-utils' own generic code runs."""
    monkeypatch.setenv("HOME", str(isolated_profile))
    monkeypatch.setenv("DISPLAY", xvfb_display)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    for name in ("XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    return isolated_profile


OTHER_DIALER = """[Desktop Entry]
Type=Application
Name=Other dialer
Exec=false %u
MimeType=x-scheme-handler/tel;x-scheme-handler/callto;
"""


def test_xdg_open_tel_link_reaches_the_running_window(desktop_env: Path, qtbot: QtBot) -> None:
    xdg_mime, xdg_open = _tool("xdg-mime"), _tool("xdg-open")
    # Another dialer is the default already: installing must make c2c-desktop the default, not just one handler.
    applications = desktop_env / "xdg_data_home" / "applications"
    applications.mkdir(parents=True)
    (applications / "other-dialer.desktop").write_text(OTHER_DIALER, encoding="utf-8")
    for scheme in ("tel", "callto"):
        assert _run(xdg_mime, "default", "other-dialer.desktop", f"x-scheme-handler/{scheme}").returncode == 0
    installed = _run(sys.executable, "-m", "c2c_desktop", "install-desktop-entry")
    assert installed.returncode == 0, installed.stderr
    assert "Default for x-scheme-handler/tel: c2c-desktop.desktop" in installed.stdout
    for scheme in ("tel", "callto"):
        query = _run(xdg_mime, "query", "default", f"x-scheme-handler/{scheme}")
        assert query.stdout.strip() == "c2c-desktop.desktop"

    with running_window(qtbot, open_user_profile()) as window:
        server = listen_for_other_instances(window.open_link)
        assert server is not None
        try:
            opened = _run(xdg_open, "tel:+12125550142")
            assert opened.returncode == 0, opened.stderr
            qtbot.waitUntil(lambda: window.dialpad.number_text().endswith("2125550142"), timeout=HANDOFF_MS)
        finally:
            server.close()

    removed = _run(sys.executable, "-m", "c2c_desktop", "uninstall-desktop-entry")
    assert removed.returncode == 0, removed.stderr
    assert _run(xdg_mime, "query", "default", "x-scheme-handler/tel").stdout.strip() != "c2c-desktop.desktop"
    assert not (applications / "c2c-desktop.desktop").exists()
    assert (applications / "other-dialer.desktop").exists()
