"""Where one run of the window keeps its data and what it talks to: the user's profile or a throwaway demo profile.

Its own module so that both the app's start-up (gui/app.py) and the window (gui/mainwindow.py) can import it
without importing each other.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from c2c_desktop import APP_NAME
from c2c_desktop.core import config
from c2c_desktop.core.credentials import CredentialStore, KeyringCredentialStore, MemoryCredentialStore
from c2c_desktop.core.models import Credentials
from c2c_desktop.core.store import Store, default_db_path

if TYPE_CHECKING:
    from c2c_desktop.core.simulator import Fault, StandInService

log = logging.getLogger(__name__)

DEMO_AGENT_NUMBER = "+15550100100"  # (555) 010-0100, pinned to North America like every stored number
DEMO_RING_SECONDS = 2.5
DEMO_READ_TIMEOUT = 30.0  # short, so a stalled demo call shows UNKNOWN soon
#: How long a write on the GUI thread waits for another program's write lock (an import running in the CLI or in the
#: import dialog's thread) before it fails as "busy": the window must not freeze for the store's usual 5 s.
GUI_BUSY_TIMEOUT_MS = 250


@dataclass
class Profile:
    """Where one run keeps its data, and what it talks to. `cleanups` run in reverse order at exit."""

    store: Store
    settings_path: Path
    settings: config.Settings
    credential_store: CredentialStore
    window_state: QSettings
    demo: bool = False
    standin: StandInService | None = None
    settings_error: str | None = None
    #: The calling rules' clock (UTC); None: the system's. Tests freeze it to judge calling hours.
    clock: Callable[[], datetime] | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    #: The team database password of a team_url, read on the team worker; None: the OS keyring's (tests give theirs).
    team_password_loader: Callable[[str], str | None] | None = None

    def close(self) -> None:
        """Idempotent; runs on the GUI thread after the window's threads have stopped."""
        while self.cleanups:
            cleanup = self.cleanups.pop()
            try:
                cleanup()
            except Exception:  # one failing cleanup must not keep the others from running
                log.exception("cleanup failed")


def open_user_profile(window_state: QSettings | None = None) -> Profile:
    """The real profile: platformdirs folders, the OS keyring. Rows left `placing` by a crash become UNKNOWN.
    `window_state`: the saved size and place, when the window has read it already (run_gui); else opened here."""
    settings_path = config.default_settings_path()
    settings_error = None
    try:
        settings = config.effective_settings(config.load_settings(settings_path))
    except config.ConfigError as exc:
        settings, settings_error = config.Settings(), str(exc)
    # Opening may wait the usual 5 s for a lock: the window is not up yet. The region pins numbers an older version
    # stored as typed (a one-time upgrade).
    store = Store(default_db_path(), region=settings.region)
    store.recover_interrupted()
    store.set_busy_timeout(GUI_BUSY_TIMEOUT_MS)
    profile = Profile(
        store=store,
        settings_path=settings_path,
        settings=settings,
        credential_store=KeyringCredentialStore(),
        window_state=QSettings(APP_NAME, APP_NAME) if window_state is None else window_state,
        settings_error=settings_error,
    )
    profile.cleanups.append(store.close)
    return profile


def open_demo_profile() -> Profile:
    """A throwaway profile: its own temp folder, the stand-in on a free loopback port, demo keys in memory.

    C2C_DESKTOP_API_URL points the demo at a stand-in that is already running (the end-to-end tests run their own);
    C2C_DESKTOP_DEMO_RING_SECONDS changes how long the built-in stand-in rings.
    """
    from c2c_desktop.core.demo import add_demo_list, load_demo_contacts
    from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, StandInService

    folder = Path(tempfile.mkdtemp(prefix="c2c-desktop-demo-"))
    cleanups: list[Callable[[], None]] = [lambda: shutil.rmtree(folder, ignore_errors=True)]
    standin = None
    api_url = os.environ.get(config.API_URL_ENV, "").strip()
    if not api_url:
        standin = StandInService(ring_seconds=_demo_ring_seconds())
        standin.fault_for_number.update(demo_faults())
        standin.start()
        cleanups.append(standin.stop)
        api_url = standin.url
    settings = dataclasses.replace(
        config.Settings(),
        agent_number=DEMO_AGENT_NUMBER,
        api_url=api_url,
        read_timeout=DEMO_READ_TIMEOUT,
        # The demo calls at any hour of the agent's day: business mode (company window and do-not-call lists only).
        mode="business",
    )
    settings_path = folder / "settings.json"
    config.save_settings(settings, settings_path)
    store = Store(folder / "c2c-desktop.sqlite3")
    cleanups.append(store.close)
    store.add_contacts(load_demo_contacts())
    add_demo_list(store)
    store.set_busy_timeout(GUI_BUSY_TIMEOUT_MS)
    return Profile(
        store=store,
        settings_path=settings_path,
        settings=settings,
        credential_store=MemoryCredentialStore(Credentials(DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY)),
        window_state=QSettings(str(folder / "window.ini"), QSettings.Format.IniFormat),
        demo=True,
        standin=standin,
        cleanups=cleanups,
    )


def demo_faults() -> dict[str, Fault]:
    """Demo numbers (digits sent as phone_to_call) that show the outcomes a healthy service never gives."""
    from c2c_desktop.core.simulator import Fault

    return {"6125550199": Fault.RESET, "5045550197": Fault.XML_FAILURE}  # Peter Lindqvist, Claire Dawson


def _demo_ring_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("C2C_DESKTOP_DEMO_RING_SECONDS", DEMO_RING_SECONDS)))
    except ValueError:
        return DEMO_RING_SECONDS
