"""The window's startup path imports only what the first paint needs (issue 3, performance: time to a visible window).

The HTTP stack, the keyring, the stand-in server and QtNetwork are loaded after the window shows (gui/app.py warms
them in the background); a module-level import of any of them on this path would slow every start silently.
Checked in a fresh interpreter, since this test process has long loaded everything.
"""

from __future__ import annotations

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


def test_the_window_imports_its_qt_free_modules_before_pyside6() -> None:
    """PySide6 reads the source of every module imported after it (its feature check): the core modules the window
    needs, and sqlite3, come first (c2c_desktop/gui/__init__.py)."""
    code = (
        "import sys\n"
        "order = []\n"
        "class Spy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        order.append(name)\n"
        "sys.meta_path.insert(0, Spy())\n"
        "import c2c_desktop.cli, c2c_desktop.gui.app, c2c_desktop.gui.mainwindow\n"
        "print(','.join(order[order.index('PySide6'):]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    after_pyside = result.stdout.strip().split(",")
    assert "c2c_desktop.gui.mainwindow" in after_pyside  # the spy saw the imports
    late = [name for name in after_pyside if name.startswith("c2c_desktop.core") or name in ("sqlite3", "queue")]
    assert late == []


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
