"""The team password in the OS keyring (core/team/credentials.py): one entry per account, read back after a save,
no file keyring unless opted in, a hanging keyring given up on, and no message that holds the password."""

from __future__ import annotations

from pathlib import Path

import keyring.backend
import pytest
from keyring.backends import null

from c2c_desktop.core.credentials import ALLOW_INSECURE_ENV, CredentialsError
from c2c_desktop.core.team.credentials import (
    SERVICE_NAME,
    TeamPasswordStore,
    forget_password,
    keyring_username,
    load_password,
    save_password,
)
from c2c_desktop.core.team.server import TeamSetupError
from tests.core.test_credentials import HangingKeyring, RaisingKeyring, _AltFileKeyring
from tests.keyring_session import secret_service, secret_service_keyring  # noqa: F401

URL = "postgresql://alice@db.example.com:5433/c2c?sslmode=verify-full"
PASSWORD = "Team-Pass-90af1e"


def test_the_entry_names_the_account() -> None:
    assert keyring_username(URL) == "pg:alice@db.example.com:5433/c2c"
    assert keyring_username("postgresql://bob@127.0.0.1/team") == "pg:bob@127.0.0.1/team"
    assert keyring_username("postgresql://bob@localhost") == "pg:bob@localhost/bob"  # libpq's default database
    with pytest.raises(TeamSetupError):
        keyring_username("postgresql://alice@db.example.com/c2c")  # refused as config set refuses it


@pytest.mark.keyring
def test_save_load_forget_in_the_secret_service(
    secret_service_keyring: keyring.backend.KeyringBackend,  # noqa: F811
) -> None:
    assert load_password(URL) is None
    assert save_password(URL, PASSWORD).startswith("Saved in the system keyring")
    assert secret_service_keyring.get_password(SERVICE_NAME, "pg:alice@db.example.com:5433/c2c") == PASSWORD
    assert load_password(URL) == PASSWORD
    assert load_password(URL.replace("alice", "bob")) is None  # another account, another entry
    forget_password(URL)
    forget_password(URL)  # nothing saved is not an error
    assert load_password(URL) is None


def test_a_keyring_that_keeps_nothing_is_found_out_by_the_read_back() -> None:
    with pytest.raises(CredentialsError, match="did not store it"):
        save_password(URL, PASSWORD, null.Keyring())


def test_a_file_keyring_is_refused_unless_the_user_opts_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = _AltFileKeyring(tmp_path / "keys.txt")
    with pytest.raises(CredentialsError, match="team password was not saved") as refused:
        save_password(URL, PASSWORD, backend)
    assert PASSWORD not in str(refused.value) and not backend.path.exists()
    monkeypatch.setenv(ALLOW_INSECURE_ENV, "1")
    save_password(URL, PASSWORD, backend)
    assert load_password(URL, backend) == PASSWORD


def test_a_hanging_keyring_is_given_up_on() -> None:
    hanging = HangingKeyring()
    try:
        with pytest.raises(CredentialsError, match="did not answer within 0.2 s"):
            TeamPasswordStore(URL, hanging, timeout_s=0.2).load_password()
    finally:
        hanging.release.set()


def test_a_keyring_error_never_shows_the_password() -> None:
    error = RuntimeError(f"cannot store {PASSWORD} now")
    with pytest.raises(CredentialsError) as failed:
        save_password(URL, PASSWORD, RaisingKeyring(error))
    assert PASSWORD not in str(failed.value)
