"""A keyring backend that holds a pair of made-up keys, so that a benchmarked app starts as an agent's does: with keys.

Selected with PYTHON_KEYRING_BACKEND=keyring_with_keys.KeysKeyring (benchmarks/ on PYTHONPATH). Not a benchmark.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend

from c2c_desktop.core.credentials import ACCESS_KEY_USERNAME, SECRET_KEY_USERNAME


class KeysKeyring(KeyringBackend):
    """Returns the same made-up keys on every read; writes are kept in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._values = {ACCESS_KEY_USERNAME: "BENCHACCESSKEY0001", SECRET_KEY_USERNAME: "bench-secret-not-real-0001"}

    def get_password(self, service: str, username: str) -> str | None:
        return self._values.get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._values[username] = password

    def delete_password(self, service: str, username: str) -> None:
        self._values.pop(username, None)
