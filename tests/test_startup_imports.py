"""The window's startup path imports only what the first paint needs (issue 3, performance: time to a visible window).

The HTTP stack, the keyring, the stand-in server and QtNetwork are loaded after the window shows (gui/app.py warms
them in the background); a module-level import of any of them on this path would slow every start silently.
Checked in a fresh interpreter, since this test process has long loaded everything.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

#: Never loaded by importing the CLI and the main window: the HTTP client stack, the keyring, the stand-in service.
HEAVY_MODULES = (
    "requests",
    "urllib3",
    "ssl",
    "http.client",
    "http.server",
    "keyring",
    "PySide6.QtNetwork",
    "c2c_desktop.core.api",
    "c2c_desktop.core.dialer",
    "c2c_desktop.core.simulator",
    "secrets",  # loads OpenSSL's hashing (~7 ms); os.urandom gives the same bytes
    "c2c_desktop.gui.disposition",  # made after the first call
    "c2c_desktop.core.journal_export",
    "importlib.resources",  # icons come from the package folder when it is one
)

#: The modules this startup work made light, which load libphonenumber (~50 ms) only on first use.
PHONENUMBERS_FREE = (
    "c2c_desktop.cli",
    "c2c_desktop.gui.app",
    "c2c_desktop.gui.calls",
    "c2c_desktop.gui.keyring_worker",
    "c2c_desktop.gui.dialpad",
    "c2c_desktop.gui.settings_dialog",
    "c2c_desktop.gui.contacts_model",
)


def _loaded_after_importing(modules: tuple[str, ...], watched: tuple[str, ...]) -> list[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(','.join(name for name in {watched!r} if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return [name for name in result.stdout.strip().split(",") if name]


@pytest.mark.parametrize(
    "modules",
    [("c2c_desktop.cli",), ("c2c_desktop.cli", "c2c_desktop.gui.app", "c2c_desktop.gui.mainwindow")],
    ids=["cli", "cli+window"],
)
def test_startup_path_loads_no_http_keyring_or_server(modules: tuple[str, ...]) -> None:
    assert _loaded_after_importing(modules, HEAVY_MODULES) == []


def test_light_modules_leave_phonenumbers_for_later() -> None:
    assert _loaded_after_importing(PHONENUMBERS_FREE, ("phonenumbers",)) == []


def test_the_check_sees_a_module_that_is_loaded() -> None:
    # Guards the helper itself: a broken subprocess script must not make the tests above pass vacuously.
    assert _loaded_after_importing(("c2c_desktop.core.api",), HEAVY_MODULES) == [
        "requests",
        "urllib3",
        "ssl",
        "http.client",
        "c2c_desktop.core.api",
        "importlib.resources",  # certifi's
    ]


def test_the_http_client_loads_no_charset_detector() -> None:
    # ~3.5 MiB in every window (issue 3, memory): requests only needs it for Response.text, which the client never
    # uses. The real module is installed (a dependency of requests), so this sees the block in c2c_desktop.core.
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "import c2c_desktop.core.api, requests\n"
        "print(sys.modules.get('charset_normalizer'), sys.modules.get('chardet'), requests.compat.chardet)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["None", "None", "None"]
    installed = subprocess.run(
        [sys.executable, "-c", "import charset_normalizer"], capture_output=True, timeout=60, check=False
    )
    assert installed.returncode == 0


#: Loaded only after the window's first paint (gui/app.py: the profile is opened and handed to the window then): the
#: app's core, SQLite and the settings' JSON, and the window's modules that need them.
AFTER_FIRST_PAINT = (
    "c2c_desktop.core.store",
    "c2c_desktop.core.search",
    "c2c_desktop.core.phone",
    "c2c_desktop.core.config",
    "c2c_desktop.core.models",
    "c2c_desktop.core.credentials",
    "c2c_desktop.core.rules.model",
    "sqlite3",
    "json",
    "platformdirs",
    "c2c_desktop.gui.profile",
    "c2c_desktop.gui.contacts_model",
    "c2c_desktop.gui.calls",
    "c2c_desktop.gui.keyring_worker",
    "c2c_desktop.gui.store_watcher",
)

#: A plain window launch (`c2c-desktop`, the entry point without the CLI) in an empty throwaway profile, offscreen;
#: at the main window's first Expose it prints the watched modules already loaded, then whether the window was built,
#: and exits. `PRELOAD` (a module name or "") is imported first: the check must see a module that is loaded.
_FIRST_EXPOSE = """
import os, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication
if os.environ["PRELOAD"]:
    __import__(os.environ["PRELOAD"])
watched = sys.argv[1].split(",")
app = QApplication(sys.argv[:1])

class FirstExpose(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Expose and isinstance(obj, QWindow) and obj.title() == "c2c-desktop":
            print(",".join(name for name in watched if name in sys.modules))
            print("c2c_desktop.gui.mainwindow" in sys.modules, flush=True)
            os._exit(0)
        return False

spy = FirstExpose()
app.installEventFilter(spy)
from c2c_desktop.launch import main
sys.exit(main([]))
"""


def _loaded_at_first_expose(preload: str = "") -> tuple[list[str], bool]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PRELOAD=preload)
    result = subprocess.run(
        [sys.executable, "-c", _FIRST_EXPOSE, ",".join(AFTER_FIRST_PAINT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    loaded, built = result.stdout.splitlines()
    return [name for name in loaded.split(",") if name], built == "True"


def test_the_first_paint_comes_before_the_core() -> None:
    """The window's first paint needs Qt and the window's own modules only; the store, search, settings, phone,
    rules and keys are imported right after it (issue 11: time to a visible window)."""
    assert _loaded_at_first_expose() == ([], True)


def test_the_first_expose_check_sees_a_module_that_is_loaded() -> None:
    # Guards the check itself: a module loaded before the first paint is reported.
    loaded, built = _loaded_at_first_expose("c2c_desktop.core.store")
    assert "c2c_desktop.core.store" in loaded and "sqlite3" in loaded and built


def test_the_window_package_leaves_what_it_imported_out_of_the_collectors_scans() -> None:
    """~60 collections (~8 ms) before the first paint otherwise, over objects that live as long as the process."""
    code = (
        "import gc\n"
        "import c2c_desktop.gui\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000, 'PySide6.QtWidgets' in __import__('sys').modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["True", "True", "True"]


def test_a_plain_window_launch_loads_no_cli_and_logs_through_the_redaction_filter() -> None:
    # launch.open_window, up to the moment the window would be built (run_gui replaced): the CLI module is never
    # loaded, and warnings go to stderr through the secret redaction filter, as with cli.main.
    code = (
        "import logging, sys\n"
        "import c2c_desktop.gui.app as app\n"
        "from c2c_desktop.core.redaction import SecretRedactingFilter\n"
        "def report(**kwargs):\n"
        "    handlers = logging.getLogger().handlers\n"
        "    redacted = bool(handlers) and all(\n"
        "        any(isinstance(f, SecretRedactingFilter) for f in h.filters) for h in handlers)\n"
        "    print('c2c_desktop.cli' in sys.modules, redacted, logging.getLogger().level == logging.WARNING)\n"
        "    return 0\n"
        "app.run_gui = report\n"
        "from c2c_desktop import launch\n"
        "sys.exit(launch.open_window('tel:+12125550142'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["False", "True", "True"]
