"""Suite-wide fixtures: every test runs in a throwaway profile and never touches the real home or keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop.core.store import Store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every platformdirs folder at a temp dir; default the keyring to the fail backend."""
    home = tmp_path / "home"
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = home / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
    monkeypatch.delenv("C2C_DESKTOP_API_URL", raising=False)
    if "C2C_TEST_KEEP_KEYRING" not in os.environ:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield home


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty database in a real SQLite file (modules that need one filled define their own `store`)."""
    with Store(tmp_path / "c2c-desktop.sqlite3") as opened:
        yield opened
