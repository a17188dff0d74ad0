"""Where a profile's window listens for later launches, and the plain-socket client that hands it a link.

Standard library only, and nothing from c2c_desktop.core: the launcher (launch.py) hands a tel: link to a running
window from here without loading Qt, requests, keyring, libphonenumber or SQLite. The window (gui/app.py) listens at
`listen_path` and the launcher tries `client_paths`, so both derive their names from this one module.

The socket is per user and profile (the data folder, which XDG_DATA_HOME moves). It lives in $XDG_RUNTIME_DIR, a
folder only this user can enter; only where that is unset or unusable does it fall back to the shared temp folder,
under the name earlier versions used there (which is also where QLocalServer would put it). A launch tries the new
name first and then that old one, so a window of an earlier version still open during an upgrade gets the link.

What a launch sends: its link (or nothing: just raise the window) on the first line, and on a second line the
activation token it was started with, `XDG_ACTIVATION_TOKEN=…` (Wayland) or `DESKTOP_STARTUP_ID=…` (X11), or an
empty line. A window of an earlier version reads only the first line.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import stat
import sys
import zlib
from collections.abc import Mapping

from c2c_desktop import APP_NAME

#: The longest path a Unix socket address holds on Linux (sun_path is 108 bytes, with its terminating NUL).
MAX_SOCKET_PATH_BYTES = 107
#: The environment variables that carry a launch's permission to take the focus, in the order they are looked at.
ACTIVATION_VARIABLES = ("XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID")
#: What a token may hold: what compositors and launchers write (random ids, `host-pid-n_TIME123`), nothing that could
#: surprise the environment it is put into (no NUL, newline, space or `=`-less junk), and not longer than this.
_TOKEN = re.compile(r"[A-Za-z0-9._:+/=@-]{1,256}")
#: Where systemd makes each user's runtime folder, which XDG_RUNTIME_DIR names in a login session.
SYSTEMD_RUNTIME_FOLDER = "/run/user/{uid}"
#: The longest link handed over: a phone link is far shorter; the window drops a longer line unread.
MAX_LINK_CHARS = 1000
#: A launch waits this long for a window to accept its connection; a live window accepts at once (the kernel does).
CONNECT_TIMEOUT_S = 0.5
#: And this long to hand over its bytes.
SEND_TIMEOUT_S = 1.0


def profile_key(data_folder: str) -> str:
    """A short name for a profile: the checksum of its resolved data folder.

    CRC-32 rather than a hashlib digest, which would load OpenSSL (~4 ms) on the way; telling apart the few
    profiles of one user needs no more.
    """
    folder = os.path.realpath(data_folder)
    return f"{zlib.crc32(folder.encode('utf-8', 'surrogateescape')):08x}"


def user_data_folder() -> str | None:
    """The profile's data folder as platformdirs gives it on Linux and the BSDs (core/store.default_db_path's folder),
    worked out without loading platformdirs; None on other systems (the launch then takes the ordinary path).

    tests/test_launch.py checks it against core/store.default_db_path for several XDG_DATA_HOME values.
    """
    if os.name != "posix" or sys.platform in ("darwin", "ios") or hasattr(sys, "getandroidapilevel"):
        return None
    base = os.environ.get("XDG_DATA_HOME", "")
    if not base.startswith("/"):  # platformdirs ignores a relative XDG_DATA_HOME
        home = os.environ.get("HOME", "")
        if not home.startswith("/"):  # unset or relative: the password database's, as platformdirs does
            try:
                import pwd

                home = pwd.getpwuid(os.getuid()).pw_dir
            except (ImportError, KeyError):
                return None
            if not home.startswith("/"):
                return None
        base = home.rstrip("/") + "/.local/share"
    return os.path.join(base, APP_NAME)


def legacy_socket_path(data_folder: str) -> str:
    """The name earlier versions listened at: in the temp folder, where `QLocalServer.listen(key)` puts it
    (QDir.tempPath(): $TMPDIR made absolute and cleaned, else /tmp), named after the user and the profile."""
    temp = os.path.abspath(os.environ.get("TMPDIR") or "/tmp")
    return f"{temp.rstrip('/')}/{APP_NAME}-{_user_name()}-{profile_key(data_folder)}"


def _user_name() -> str:
    """The login name, as getpass gives it; the user id where there is none (no password database entry)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return str(os.getuid())


def usable_runtime_folder(folder: str | None = None) -> str | None:
    """`folder` ($XDG_RUNTIME_DIR by default) when it is what the XDG spec promises (an absolute path to a folder of
    this user's that nobody else may enter); None otherwise."""
    if folder is None:
        folder = os.environ.get("XDG_RUNTIME_DIR", "")
    if not folder.startswith("/"):
        return None
    try:
        info = os.stat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return folder


def runtime_socket_path(data_folder: str, runtime_folder: str | None = None) -> str | None:
    """The socket in `runtime_folder` ($XDG_RUNTIME_DIR by default), or None where it is unusable or the path would be
    too long for a socket."""
    folder = usable_runtime_folder(runtime_folder)
    if folder is None:
        return None
    path = os.path.join(folder, f"{APP_NAME}-{profile_key(data_folder)}")
    if len(os.fsencode(path)) > MAX_SOCKET_PATH_BYTES:
        return None
    return path


def listen_path(data_folder: str) -> str:
    """Where this profile's window listens: in $XDG_RUNTIME_DIR, else (only there) the old temp-folder name."""
    return runtime_socket_path(data_folder) or legacy_socket_path(data_folder)


def client_paths(data_folder: str) -> list[str]:
    """Where a launch looks for this profile's window, in order: the new name; the one in the systemd runtime folder
    (/run/user/UID), for a launch whose environment lacks XDG_RUNTIME_DIR (su, cron, a CRM started oddly) beside a
    window that has it; then the old temp-folder name."""
    candidates = [
        listen_path(data_folder),
        runtime_socket_path(data_folder, SYSTEMD_RUNTIME_FOLDER.format(uid=os.getuid())),
        legacy_socket_path(data_folder),
    ]
    return list(dict.fromkeys(path for path in candidates if path is not None))


def is_window_link(word: str) -> bool:
    """True when a launch's one argument is for the window: a tel:/callto: link or text with a digit (a number).

    The launcher, the CLI and the window decide the same way; a command's name never holds a digit.
    """
    return word.lower().startswith(("tel:", "callto:")) or any(ch.isdigit() for ch in word)


def parse_activation(line: str) -> tuple[str, str] | None:
    """A launch's second line as (variable, token) when it is one of ACTIVATION_VARIABLES with a plausible token;
    None for an empty line or anything else (a client other than the launcher may send anything)."""
    name, equals, token = line.strip().partition("=")
    if not equals or name not in ACTIVATION_VARIABLES or not _TOKEN.fullmatch(token):
        return None
    return name, token


def is_own_socket(path: str) -> bool:
    """True when `path` is a socket of this user (never hand a number to someone else's file in a shared folder)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid()


def activation_line(environ: Mapping[str, str] | None = None) -> str:
    """The second line a launch sends: the token it was started with (`NAME=value`), or "" when it has none."""
    env = os.environ if environ is None else environ
    for name in ACTIVATION_VARIABLES:
        value = env.get(name, "")
        if value and _TOKEN.fullmatch(value):
            return f"{name}={value}"
    return ""


def message(link: str | None, activation: str = "") -> bytes:
    """The bytes a launch sends: the link's line, then the activation token's line."""
    first = " ".join((link or "").split())  # one line whatever the link holds
    return f"{first}\n{activation}\n".encode("utf-8", "surrogateescape")


def send(path: str, payload: bytes) -> bool:
    """Hand `payload` to the window listening at `path`; False when none listens there (nothing was sent).

    Once connected, True: the window is there, even if it then fails to read (the link is lost, the window stays).
    """
    if not is_own_socket(path):
        return False  # none there, or another user's file in the shared temp folder
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(CONNECT_TIMEOUT_S)
        try:
            connection.connect(path)
        except OSError:  # no socket, or a stale one left by a crash: no window is running
            return False
        with contextlib.suppress(OSError):
            connection.settimeout(SEND_TIMEOUT_S)
            connection.sendall(payload)
            connection.shutdown(socket.SHUT_WR)  # the window reads to the end: this says there is no more
    return True


def hand_off(paths: list[str], link: str | None, activation: str = "") -> bool:
    """Hand the link to the first window that answers at one of `paths`; False when none does."""
    payload = message(link, activation)
    return any(send(path, payload) for path in paths)
