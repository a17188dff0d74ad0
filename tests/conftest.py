"""Suite-wide fixtures: every test runs in a throwaway profile and never touches the real home or keyring."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from c2c_desktop.core.simulator import DEMO_ACCESS_KEY, DEMO_SECRET_ACCESS_KEY, StandInService
from c2c_desktop.core.store import Store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every platformdirs folder and XDG_RUNTIME_DIR at a temp dir; default the keyring to the fail backend."""
    home = tmp_path / "home"
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = home / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
    # The window's hand-off socket goes here: a private folder (0700, as the XDG spec requires), with a short path
    # (a socket's path holds at most 107 bytes, which a folder under tmp_path may exceed).
    runtime = tempfile.mkdtemp(prefix="c2c-run-")
    monkeypatch.setenv("XDG_RUNTIME_DIR", runtime)
    monkeypatch.delenv("C2C_DESKTOP_API_URL", raising=False)
    if "C2C_TEST_KEEP_KEYRING" not in os.environ:
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield home
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty database in a real SQLite file (modules that need one filled define their own `store`)."""
    with Store(tmp_path / "c2c-desktop.sqlite3") as opened:
        yield opened


@pytest.fixture
def standin() -> Iterator[StandInService]:
    """The stand-in with the demo keys, ringing 50 ms (a test file may define its own)."""
    with StandInService(
        ring_seconds=0.05, access_key=DEMO_ACCESS_KEY, secret_access_key=DEMO_SECRET_ACCESS_KEY
    ) as service:
        yield service
