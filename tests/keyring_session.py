"""A private D-Bus session bus with an unlocked gnome-keyring: a real Secret Service for keyring tests.

Use from any test module: importing the fixtures registers them there (test parameters named after them need
`# noqa: F811`):

    from tests.keyring_session import secret_service, secret_service_keyring  # noqa: F401

    @pytest.mark.keyring
    def test_something(secret_service_keyring: KeyringBackend) -> None:  # noqa: F811
        ...

`secret_service` (session scope) starts the daemons once and yields the environment a client needs
(DBUS_SESSION_BUS_ADDRESS, PYTHON_KEYRING_BACKEND); pass it to subprocesses as `{**os.environ, **secret_service}`.
`secret_service_keyring` (function scope) also points this process at it: the environment variables and
keyring's current backend, both restored afterwards, and it deletes the app's keyring entries after the test.

The daemons' own XDG folders and HOME are in a temp dir, so the real home is never touched. Missing programs fail
the test with the Debian packages to install; they are never skipped silently.
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.core
import keyring.errors
import pytest
from jeepney.bus_messages import MatchRule, message_bus
from jeepney.io.blocking import open_dbus_connection
from secretstorage.exceptions import SecretServiceNotAvailableException

SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"
KEYRING_PASSWORD = "test-pass"  # unlocks the throwaway login keyring the daemon creates
STARTUP_TIMEOUT_S = 10.0
SECRETS_BUS_NAME = "org.freedesktop.secrets"
APP_SERVICE = "c2c-desktop"
APP_USERNAMES = ("access_key", "secret_access_key")


def _require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.fail(
            f"{program} is not installed; the keyring tests need a real Secret Service. "
            "On Debian/Ubuntu: apt-get install dbus gnome-keyring",
            pytrace=False,
        )
    return path


def _read_first_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return proc.stdout.readline().decode().strip()


def _wait_for_secret_service(bus_address: str, start: Callable[[], object], timeout: float) -> None:
    """Call `start`, then wait until org.freedesktop.secrets has an owner on the bus (TimeoutError after timeout).

    Subscribing to NameOwnerChanged before starting and asking NameHasOwner after it leaves no window to miss
    the moment the daemon registers.
    """
    rule = MatchRule(
        type="signal",
        sender=message_bus.bus_name,
        interface=message_bus.interface,
        member="NameOwnerChanged",
        path=message_bus.object_path,
    )
    rule.add_arg_condition(0, SECRETS_BUS_NAME)
    deadline = time.monotonic() + timeout
    with open_dbus_connection(bus=bus_address) as connection:
        connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=timeout)
        with connection.filter(rule) as owner_changes:
            start()

            def has_owner() -> bool:
                reply = connection.send_and_get_reply(message_bus.NameHasOwner(SECRETS_BUS_NAME), timeout=timeout)
                return bool(reply.body[0])

            while not has_owner():
                connection.recv_until_filtered(owner_changes, timeout=max(0.0, deadline - time.monotonic()))


def _wait_until_unlocked(bus_address: str, timeout: float) -> None:
    """Wait until the daemon's default collection exists and is unlocked (TimeoutError after timeout).

    The daemon registers its bus name before it has necessarily created and unlocked the login keyring from the
    password on its stdin; a client asking in between finds it locked and fails ("Failed to unlock the collection").
    The Secret Service sends no signal for the unlock, so this asks again every few milliseconds, up to the deadline.
    """
    import secretstorage
    from secretstorage.exceptions import ItemNotFoundException

    deadline = time.monotonic() + timeout
    with open_dbus_connection(bus=bus_address) as connection:
        while True:
            try:
                if not secretstorage.Collection(connection).is_locked():
                    return
            except ItemNotFoundException:
                pass  # the default alias is not there yet
            if time.monotonic() >= deadline:
                raise TimeoutError("the default collection stayed locked")
            time.sleep(0.01)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()


KEYRING_STARTS = 3  # starts of gnome-keyring-daemon before the fixture gives up (see secret_service)


def _keyring_failure(log: Path, what: str, exit_code: int | None) -> str:
    tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
    return (
        f"gnome-keyring-daemon {what}: no unlocked Secret Service within {STARTUP_TIMEOUT_S:g} s "
        f"(exit code {exit_code}): {tail}"
    )


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Start dbus-daemon and an unlocked gnome-keyring-daemon; yield the client environment; stop both."""
    dbus_daemon = _require("dbus-daemon")
    keyring_daemon = _require("gnome-keyring-daemon")
    root = tmp_path_factory.mktemp("secret-service")
    daemon_env = {**os.environ, "HOME": str(root / "home")}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        folder = root / name.lower()
        folder.mkdir(mode=0o700)
        daemon_env[name] = str(folder)
    Path(daemon_env["HOME"]).mkdir(mode=0o700)
    keyring_log = root / "gnome-keyring-daemon.log"

    # Both daemons stay in the foreground as our children, so teardown stops exactly these processes.
    bus = subprocess.Popen(
        [
            dbus_daemon,
            "--session",
            "--nofork",
            "--nopidfile",
            f"--address=unix:path={root / 'bus'}",
            "--print-address=1",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=daemon_env,
    )
    daemons = [bus]
    try:
        address = _read_first_line(bus, STARTUP_TIMEOUT_S)
        if not address.startswith("unix:"):
            pytest.fail(f"dbus-daemon did not start (exit code {bus.poll()}, printed {address!r})", pytrace=False)
        daemon_env["DBUS_SESSION_BUS_ADDRESS"] = address

        def start_keyring() -> None:
            with keyring_log.open("wb") as log:
                daemon = subprocess.Popen(
                    [keyring_daemon, "--foreground", "--unlock", "--components=secrets"],
                    stdin=subprocess.PIPE,
                    stdout=log,
                    stderr=log,
                    env=daemon_env,
                )
            daemons.append(daemon)
            assert daemon.stdin is not None
            daemon.stdin.write(KEYRING_PASSWORD.encode())  # --unlock reads the password until EOF
            daemon.stdin.close()

        for attempt in range(1, KEYRING_STARTS + 1):
            try:
                _wait_for_secret_service(address, start_keyring, STARTUP_TIMEOUT_S)
                _wait_until_unlocked(address, STARTUP_TIMEOUT_S)
                break
            except SecretServiceNotAvailableException:
                # gnome-keyring-daemon 42 sometimes aborts when its collection is asked for just after it took its
                # bus name (a GLib assertion, "secret_objects_lookup_gck_object_for_path: assertion 'session'
                # failed"; seen once in CI): a daemon that died starting is started again.
                _stop(daemons.pop())
                if attempt == KEYRING_STARTS:
                    pytest.fail(_keyring_failure(keyring_log, "died while starting", None), pytrace=False)
            except TimeoutError:
                pytest.fail(_keyring_failure(keyring_log, "stayed locked", daemons[-1].poll()), pytrace=False)
        yield {"DBUS_SESSION_BUS_ADDRESS": address, "PYTHON_KEYRING_BACKEND": SECRET_SERVICE_BACKEND}
    finally:
        for daemon in reversed(daemons):
            _stop(daemon)


@pytest.fixture
def secret_service_keyring(
    secret_service: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[keyring.backend.KeyringBackend]:
    """Point this process (env and keyring's current backend) at the private Secret Service for one test."""
    from keyring.backends import SecretService

    for name, value in secret_service.items():
        monkeypatch.setenv(name, value)
    backend = SecretService.Keyring()
    # Set the library's cached backend directly so monkeypatch restores whatever was there (even "not chosen yet").
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    assert keyring.get_keyring() is backend
    yield backend
    for username in APP_USERNAMES:
        try:
            backend.delete_password(APP_SERVICE, username)
        except keyring.errors.PasswordDeleteError:
            pass
