"""The tel: hand-off to a running window, and the quick commands, load only what they need (issue 11: the hand-off
took 185 ms because it loaded Qt before it found the window; `--help` took 90 ms).

Each case runs the real command in a fresh interpreter with `-X importtime`, which names every module imported, and
the hand-off runs against a real listening socket where the window would listen.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop import handoff
from c2c_desktop.core.store import default_db_path

pytestmark = pytest.mark.skipif(os.name != "posix" or sys.platform == "darwin", reason="the Unix-socket hand-off")

ROOT = Path(__file__).resolve().parent.parent
LINK = "tel:+12125550142"

#: Never loaded by a hand-off: Qt, the HTTP stack, the keyring, libphonenumber, SQLite and the app's core (which
#: loads platformdirs and, through the store, SQLite), nor the CLI and its argument parser.
NOT_ON_THE_HAND_OFF = (
    "PySide6",
    "shiboken6",
    "requests",
    "urllib3",
    "ssl",
    "keyring",
    "phonenumbers",
    "sqlite3",
    "platformdirs",
    "argparse",
    "c2c_desktop.core",
    "c2c_desktop.core.store",
    "c2c_desktop.cli",
    "c2c_desktop.gui",
)
#: Never loaded by `--help`, `config get` or `keys status`: Qt, libphonenumber (the importers' ~50 ms), the HTTP stack.
NOT_ON_QUICK_COMMANDS = ("PySide6", "shiboken6", "phonenumbers", "requests", "c2c_desktop.core.contacts_io")


def console_script(tmp_path: Path) -> Path:
    """The `c2c-desktop` script as pip writes it for pyproject.toml's [project.scripts] entry (this checkout's, not
    the one the venv was installed from)."""
    entry = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]["c2c-desktop"]
    module, _, function = entry.partition(":")
    script = tmp_path / "c2c-desktop"
    script.write_text(
        f"#!{sys.executable}\n"
        "import re\nimport sys\n"
        f"from {module} import {function}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({function}())\n",
        encoding="utf-8",
    )
    return script


def run_with_importtime(command: list[str]) -> tuple[int, set[str], str]:
    """Run `python -X importtime <command>`: its exit code, the modules it imported, its stderr without them."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in handoff.ACTIVATION_VARIABLES:
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules, other = set(), []
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                modules.add(name)
        else:
            other.append(line)
    return result.returncode, modules, "\n".join(other)


def loaded(modules: set[str], watched: tuple[str, ...]) -> list[str]:
    """The watched modules (or any of their submodules) that were loaded."""
    return sorted(name for name in modules if any(name == w or name.startswith(w + ".") for w in watched))


@pytest.fixture
def window_socket() -> Iterator[list[bytes]]:
    """A listener where this profile's window listens (the path gui/app.py binds), collecting what each launch sent."""
    path = handoff.listen_path(str(default_db_path().parent))
    received: list[bytes] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    server.settimeout(30)

    def serve() -> None:
        try:
            connection, _ = server.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(10)
            data = b""
            while chunk := connection.recv(4096):
                data += chunk
        received.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.close()
        thread.join(timeout=30)
        Path(path).unlink(missing_ok=True)


@pytest.mark.parametrize("how", ["console script", "python -m c2c_desktop"])
def test_the_hand_off_loads_neither_qt_nor_the_app(window_socket: list[bytes], tmp_path: Path, how: str) -> None:
    entry = [str(console_script(tmp_path))] if how == "console script" else ["-m", "c2c_desktop"]
    code, modules, stderr = run_with_importtime([*entry, LINK])
    assert code == 0, stderr
    assert window_socket == [LINK.encode() + b"\n\n"]  # the link, and no activation token
    assert "socket" in modules  # the check sees what was loaded
    assert loaded(modules, NOT_ON_THE_HAND_OFF) == []


@pytest.mark.parametrize("arguments", [["--help"], ["config", "get", "region"], ["keys", "status"]])
def test_quick_commands_load_neither_qt_nor_libphonenumber(tmp_path: Path, arguments: list[str]) -> None:
    code, modules, stderr = run_with_importtime([str(console_script(tmp_path)), *arguments])
    assert code in (0, 2), stderr  # keys status says "no keyring" (exit 2) with the suite's fail backend
    assert "argparse" in modules
    assert loaded(modules, NOT_ON_QUICK_COMMANDS) == []
    if arguments[0] != "keys":
        assert loaded(modules, ("keyring",)) == []  # only keys status needs the keyring


def test_the_cli_offers_the_import_policies_there_are() -> None:
    # Written out in cli.py so that the parser does not load the importers.
    from c2c_desktop.cli import DUPLICATE_POLICIES
    from c2c_desktop.core.contacts_io import DuplicatePolicy

    assert DUPLICATE_POLICIES == tuple(policy.value for policy in DuplicatePolicy)
    assert DUPLICATE_POLICIES[0] == DuplicatePolicy.MERGE.value  # the default
