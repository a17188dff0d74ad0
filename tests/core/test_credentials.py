"""Keys live in the OS keyring only: a real gnome-keyring, the fail and null backends, and a hanging backend."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail, null
from keyring.compat import properties

import c2c_desktop
from c2c_desktop.core.credentials import (
    ACCESS_KEY_USERNAME,
    ALLOW_INSECURE_ENV,
    SECRET_KEY_USERNAME,
    SERVICE_NAME,
    CredentialsError,
    CredentialStore,
    KeyringCredentialStore,
    MemoryCredentialStore,
    is_insecure_backend,
)
from c2c_desktop.core.models import Credentials
from tests import keyring_session
from tests.keyring_session import secret_service, secret_service_keyring  # noqa: F401

REPO_ROOT = Path(c2c_desktop.__file__).resolve().parent.parent
CANARY_SECRET = "CANARY-s3cr3t-7f1d2c9a"
KEYS = Credentials("AKIA-TEST-ACCESS-1234", CANARY_SECRET)


def _files_containing(folder: Path, needle: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert CANARY_SECRET not in text


# --- the real Secret Service --------------------------------------------------------------------------------------


@pytest.mark.keyring
def test_save_load_status_clear_against_gnome_keyring(
    secret_service_keyring: keyring.backend.KeyringBackend,  # noqa: F811
) -> None:
    store = KeyringCredentialStore()  # the library's choice, which the fixture made the real Secret Service
    assert store.backend_name() == "SecretService Keyring"
    assert store.load() is None
    assert store.status() == "No keys saved in the system keyring (SecretService Keyring)."

    where = store.save(KEYS)
    assert where == "Saved in the system keyring (SecretService Keyring)"
    assert secret_service_keyring.get_password(SERVICE_NAME, SECRET_KEY_USERNAME) == CANARY_SECRET
    assert secret_service_keyring.get_password(SERVICE_NAME, ACCESS_KEY_USERNAME) == KEYS.access_key
    assert KeyringCredentialStore(secret_service_keyring).load() == KEYS

    status = store.status()
    assert "SecretService Keyring" in status and "AKIA…" in status
    _assert_no_secret(status, where, repr(store), repr(store.load()))

    store.clear()
    assert store.load() is None
    assert secret_service_keyring.get_password(SERVICE_NAME, SECRET_KEY_USERNAME) is None
    store.clear()  # nothing saved is not an error


@pytest.mark.keyring
def test_half_a_pair_loads_as_none(secret_service_keyring: keyring.backend.KeyringBackend) -> None:  # noqa: F811
    secret_service_keyring.set_password(SERVICE_NAME, ACCESS_KEY_USERNAME, "AKIA-ONLY")
    store = KeyringCredentialStore()
    assert store.load() is None
    assert store.status().startswith("Only one of the two keys is saved")


@pytest.mark.keyring
def test_a_subprocess_reads_the_keys_through_the_fixture_environment(
    secret_service: dict[str, str],  # noqa: F811
    secret_service_keyring: keyring.backend.KeyringBackend,  # noqa: F811
) -> None:
    KeyringCredentialStore().save(KEYS)
    code = (
        "import sys\n"
        "from c2c_desktop.core.credentials import KeyringCredentialStore\n"
        "store = KeyringCredentialStore()\n"
        "keys = store.load()\n"
        "print(store.backend_name(), keys is not None and keys.secret_access_key == sys.argv[1])\n"
    )
    env = {**os.environ, **secret_service, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, CANARY_SECRET], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "SecretService Keyring True"


# --- no keyring at all ------------------------------------------------------------------------------------------


def test_fail_backend_gives_a_clear_error_and_writes_nothing(isolated_profile: Path, tmp_path: Path) -> None:
    store = KeyringCredentialStore(fail.Keyring())
    with pytest.raises(CredentialsError) as raised:
        store.save(KEYS)
    message = str(raised.value)
    assert message.startswith("No system keyring is available")
    assert "gnome-keyring or KWallet" in message and "Nothing was written anywhere" in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    _assert_no_secret(message, repr(raised.value), store.status(), repr(store))
    with pytest.raises(CredentialsError, match="No system keyring"):
        store.load()
    with pytest.raises(CredentialsError, match="No system keyring"):
        store.clear()
    assert store.status().startswith("No system keyring is available")
    assert store.backend_name() == "fail Keyring"
    assert isolated_profile.is_relative_to(tmp_path)
    assert _files_containing(tmp_path, CANARY_SECRET) == []


def test_the_default_backend_under_the_suite_is_the_fail_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    # conftest sets PYTHON_KEYRING_BACKEND to the fail backend; make keyring choose again from the environment.
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    store = KeyringCredentialStore()
    assert store.backend_name() == "fail Keyring"
    with pytest.raises(CredentialsError, match="No system keyring"):
        store.save(KEYS)


def test_null_backend_mismatch_is_detected() -> None:
    store = KeyringCredentialStore(null.Keyring())
    with pytest.raises(CredentialsError) as raised:
        store.save(KEYS)
    assert str(raised.value) == (
        "The keyring accepted the keys but did not store them (backend: null Keyring). Keys were not saved."
    )
    assert store.load() is None
    _assert_no_secret(str(raised.value), store.status())


# --- backends that hang or raise ----------------------------------------------------------------------------------


class _TestBackend(keyring.backend.KeyringBackend):
    """Base for the in-test backends; never chosen by autodetection."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("test backend only")

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        pass

    def delete_password(self, service: str, username: str) -> None:
        pass


class HangingKeyring(_TestBackend):
    """get_password blocks until released, like a locked collection whose unlock prompt nobody answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.entered.set()
        self.release.wait(60)
        return None


class RaisingKeyring(_TestBackend):
    """Raises the given exception from every operation."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error


@pytest.fixture
def hanging() -> Iterator[HangingKeyring]:
    backend = HangingKeyring()
    yield backend
    backend.release.set()  # let the abandoned watchdog threads finish


@pytest.mark.parametrize("operation", ["load", "save", "status"])
def test_a_hanging_keyring_is_abandoned_after_the_watchdog_timeout(hanging: HangingKeyring, operation: str) -> None:
    store = KeyringCredentialStore(hanging, timeout_s=0.5)
    started = time.monotonic()
    if operation == "status":
        message = store.status()
    else:
        with pytest.raises(CredentialsError) as raised:
            if operation == "save":
                store.save(KEYS)
            else:
                store.load()
        message = str(raised.value)
    elapsed = time.monotonic() - started
    assert hanging.entered.is_set()
    assert 0.45 <= elapsed < 2.0
    assert message == "The system keyring did not answer within 0.5 s; it may be locked. Unlock it and try again."
    _assert_no_secret(message)


def test_default_watchdog_is_ten_seconds() -> None:
    store = KeyringCredentialStore(null.Keyring())
    assert store.timeout_s == 10.0


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (keyring.errors.KeyringLocked("Failed to unlock the collection!"), "The system keyring is locked"),
        (keyring.errors.InitError("Failed to create the collection: no bus."), "could not be opened: Failed to create"),
        (keyring.errors.PasswordSetError(f"rejected {CANARY_SECRET}"), "refused to store the keys: rejected <hidden>"),
        (keyring.errors.KeyringError(f"odd {CANARY_SECRET}"), "reported an error: odd <hidden>"),
        (OSError(f"socket gone {CANARY_SECRET}"), "failed (OSError): socket gone <hidden>"),
    ],
)
def test_keyring_errors_become_plain_messages_without_the_secret(error: Exception, expected: str) -> None:
    store = KeyringCredentialStore(RaisingKeyring(error), timeout_s=5)
    with pytest.raises(CredentialsError) as raised:
        store.save(KEYS)
    assert expected in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    # Reading, the secret is unknown and cannot be redacted: only the type of an unknown error is quoted.
    status = store.status()
    assert status.startswith("The system keyring")
    _assert_no_secret(str(raised.value), repr(raised.value), status)


def test_empty_keys_are_refused_before_touching_the_keyring() -> None:
    store = KeyringCredentialStore(RaisingKeyring(AssertionError("must not be called")))
    for keys in (Credentials("", "x"), Credentials("x", "  ")):
        with pytest.raises(CredentialsError, match="Both the access key and the secret"):
            store.save(keys)


# --- memory -------------------------------------------------------------------------------------------------------


def test_memory_store_round_trip(tmp_path: Path) -> None:
    store: CredentialStore = MemoryCredentialStore()
    assert store.load() is None and store.backend_name() == "memory"
    assert "not saved anywhere" in store.save(KEYS)
    assert store.load() == KEYS
    _assert_no_secret(store.status(), repr(store), repr(store.load()))
    assert "AKIA…" in store.status()
    store.clear()
    assert store.load() is None
    assert _files_containing(tmp_path, CANARY_SECRET) == []
    with pytest.raises(CredentialsError):
        store.save(Credentials("AKIA", ""))


def test_a_missing_daemon_fails_with_the_debian_packages_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder with no programs in it
    with pytest.raises(pytest.fail.Exception, match="apt-get install dbus gnome-keyring"):
        keyring_session._require("gnome-keyring-daemon")


class _FixedKeyring(_TestBackend):
    """Holds the given values (None: not saved)."""

    def __init__(self, values: dict[str, str | None]) -> None:
        super().__init__()
        self.values = values

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get(username)


@pytest.mark.parametrize(
    ("access_key", "secret", "state"),
    [("AKEY12345678", "s3cret", "saved"), ("AKEY12345678", "", "missing"), (None, "s3cret", "missing")],
)
def test_check_agrees_with_load(access_key: str | None, secret: str | None, state: str) -> None:
    # `keys status` prints check()'s line and exits by its state: an empty saved secret is no key, as for load().
    backend = _FixedKeyring({ACCESS_KEY_USERNAME: access_key, SECRET_KEY_USERNAME: secret})
    store = KeyringCredentialStore(backend=backend)
    found, line = store.check()
    assert found == state and (store.load() is not None) == (state == "saved")
    assert "s3cret" not in line


# --- keyrings that keep the keys in a file ------------------------------------------------------------------------


class _FileKeyring(_TestBackend):
    """Keeps every key in a plain file, as keyrings.alt's PlaintextKeyring does."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def get_password(self, service: str, username: str) -> str | None:
        if not self.path.exists():
            return None
        lines = dict(line.split("=", 1) for line in self.path.read_text().splitlines())
        return lines.get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        with self.path.open("a") as file:
            file.write(f"{username}={password}\n")

    def delete_password(self, service: str, username: str) -> None:
        if self.path.exists():
            kept = [line for line in self.path.read_text().splitlines() if not line.startswith(f"{username}=")]
            self.path.write_text("".join(f"{line}\n" for line in kept))


class _AltFileKeyring(_FileKeyring):
    """Looks like keyrings.alt's backend, which rates itself usable."""

    priority = 1  # type: ignore[assignment]


_AltFileKeyring.__module__ = "keyrings.alt.file"


class _LowRatedFileKeyring(_FileKeyring):
    """Any backend that keyring itself rates "not recommended" (priority below 1)."""

    priority = 0.5  # type: ignore[assignment]


@pytest.mark.parametrize("kind", [_AltFileKeyring, _LowRatedFileKeyring])
def test_a_file_keyring_is_refused_unless_the_user_opts_in(
    kind: type[_FileKeyring], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    path = tmp_path / "keyring_pass.cfg"
    store = KeyringCredentialStore(kind(path))
    with pytest.raises(CredentialsError) as raised:
        store.save(KEYS)
    assert "keeps keys in a plain or weakly protected file, so the keys were not saved" in str(raised.value)
    assert f"{ALLOW_INSECURE_ENV}=1" in str(raised.value)
    assert not path.exists()

    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")  # the user's explicit choice
    assert store.save(KEYS).startswith("Saved in the system keyring")
    assert store.load() == KEYS


class _SecureKeyring(_FixedKeyring):
    priority = 5  # type: ignore[assignment]


class _Chainer:
    """Stands in for keyring's ChainerBackend (module and `backends`, best first)."""

    name = "chainer ChainerBackend"

    def __init__(self, links: list[keyring.backend.KeyringBackend]) -> None:
        self.backends = links


_Chainer.__module__ = "keyring.backends.chainer"


def test_the_chainer_keeps_to_its_secure_backend_when_a_file_one_is_chained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # keyring chains every backend rated above 0: a locked Secret Service would fall through to the file.
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    secure = _SecureKeyring({})
    leftover = _LowRatedFileKeyring(tmp_path / "keys.cfg")
    leftover.set_password(SERVICE_NAME, SECRET_KEY_USERNAME, CANARY_SECRET)  # saved there by an earlier session
    chain = _Chainer([secure, leftover])
    monkeypatch.setattr(keyring, "get_keyring", lambda: chain)
    store = KeyringCredentialStore()
    assert store.backend_name() == secure.name
    state, line = store.check()
    assert state == "missing" and "A copy is also in a file keyring" in line and CANARY_SECRET not in line
    store.clear()  # removing the keys removes the file copy too
    assert _files_containing(tmp_path, CANARY_SECRET) == []
    assert "copy" not in store.check()[1]


def test_a_chain_of_file_keyrings_only_is_refused_for_saving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_INSECURE_ENV, raising=False)
    chain = _Chainer([_AltFileKeyring(tmp_path / "a.cfg"), _LowRatedFileKeyring(tmp_path / "b.cfg")])
    monkeypatch.setattr(keyring, "get_keyring", lambda: chain)
    with pytest.raises(CredentialsError, match="plain or weakly protected file"):
        KeyringCredentialStore().save(KEYS)
    assert _files_containing(tmp_path, CANARY_SECRET) == []


def test_is_insecure_backend() -> None:
    assert is_insecure_backend(_AltFileKeyring(Path("unused")))
    assert is_insecure_backend(_LowRatedFileKeyring(Path("unused")))
    assert not is_insecure_backend(_SecureKeyring({}))
    assert not is_insecure_backend(null.Keyring()) and not is_insecure_backend(fail.Keyring())
    assert not is_insecure_backend(HangingKeyring())  # a backend that will not rate itself is not judged by it
