"""The keyring of one agent of `make team-demo`: a demo-only backend, so the demo needs no real keyring.

Selected in an agent window's process with PYTHON_KEYRING_BACKEND=demo_keyring.DemoKeyring (scripts/ on
PYTHONPATH) and C2C_DEMO_KEYRING_FILE=<that agent's file>. It holds what that agent's real keyring would: the
stand-in's demo keys and the agent's database password, under the names the app uses. The file (mode 0600) lives in
the demo's temp folder, outside the agent's profile, and goes when the demo ends; like `--demo`'s keys in memory it
is for throwaway values only: never select it for a real profile.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

FILE_ENV = "C2C_DEMO_KEYRING_FILE"


def write_entries(path: Path, entries: dict[tuple[str, str], str]) -> None:
    """Write (service, username) -> password to `path`, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump([[service, username, password] for (service, username), password in entries.items()], out)


def read_entries(path: Path) -> dict[tuple[str, str], str]:
    if not path.exists():
        return {}
    return {(service, username): password for service, username, password in json.loads(path.read_text("utf-8"))}


class DemoKeyring(KeyringBackend):
    """Reads and writes the entries of the file named by $C2C_DEMO_KEYRING_FILE."""

    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        value = os.environ.get(FILE_ENV)
        if not value:
            raise RuntimeError(f"{FILE_ENV} is not set: this keyring is for `make team-demo` only")
        return Path(value)

    def get_password(self, service: str, username: str) -> str | None:
        return read_entries(self._path).get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = read_entries(self._path)
        entries[(service, username)] = password
        write_entries(self._path, entries)

    def delete_password(self, service: str, username: str) -> None:
        entries = read_entries(self._path)
        if entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")
        write_entries(self._path, entries)
