"""The app on a Linux desktop: its `.desktop` entry and icon in the user's XDG data folder, registered as the handler
of tel: and callto: links (xdg-mime), and the XDG autostart entry behind Settings → Start at login.

Qt-free: the CLI's `install-desktop-entry` / `uninstall-desktop-entry` and the settings dialog both use it. Every
function takes the environment to read XDG_DATA_HOME / XDG_CONFIG_HOME / HOME from (default: this process's), so
tests run it in throwaway folders. Errors are `DesktopEntryError`, one plain line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path

from c2c_desktop import APP_NAME
from c2c_desktop.core.fileutil import atomic_write_bytes, atomic_write_text

DESKTOP_FILE_NAME = f"{APP_NAME}.desktop"
ICON_NAME = APP_NAME
MIME_TYPES = ("x-scheme-handler/tel", "x-scheme-handler/callto")
#: The window's flag to start hidden in the tray (minimised where there is no tray): the autostart entry adds it.
IN_TRAY_FLAG = "--in-tray"
#: Marks the files this module wrote, so that uninstalling never removes an entry somebody else put there.
MARKER_KEY = "X-C2C-Desktop-Installed-By"
MARKER = f"{MARKER_KEY}={APP_NAME}"
#: What the ordinary Desktop Entry tools get to finish (they are local and quick; a hung one must not hang us).
TOOL_TIMEOUT_S = 30.0

# Characters that make an Exec argument need quoting (Desktop Entry Specification, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")

Which = Callable[[str], str | None]


class DesktopEntryError(Exception):
    """Installing or removing the desktop entry failed; the message is one plain line for the user."""


# -- where things go --------------------------------------------------------------------------------------------


def _xdg_folder(environ: Mapping[str, str], variable: str, default: str) -> Path:
    value = environ.get(variable, "")
    if value and os.path.isabs(value):  # the spec: a relative path is invalid and ignored
        return Path(value)
    home = environ.get("HOME") or os.path.expanduser("~")
    return Path(home) / default


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME, else ~/.local/share."""
    return _xdg_folder(os.environ if environ is None else environ, "XDG_DATA_HOME", ".local/share")


def config_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_CONFIG_HOME, else ~/.config."""
    return _xdg_folder(os.environ if environ is None else environ, "XDG_CONFIG_HOME", ".config")


def desktop_file_path(environ: Mapping[str, str] | None = None) -> Path:
    return data_home(environ) / "applications" / DESKTOP_FILE_NAME


def icon_path(environ: Mapping[str, str] | None = None) -> Path:
    return data_home(environ) / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"


def autostart_path(environ: Mapping[str, str] | None = None) -> Path:
    return config_home(environ) / "autostart" / DESKTOP_FILE_NAME


# -- the entry's text -------------------------------------------------------------------------------------------


def launch_command(argv0: str | None = None, executable: str | None = None, frozen: bool | None = None) -> list[str]:
    """The command that started this app, to put in an entry's Exec line.

    The bundle's executable when frozen (PyInstaller); the console script when started through it (the venv's
    `bin/c2c-desktop`); otherwise this interpreter with `-m c2c_desktop`.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = sys.executable if executable is None else executable
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if frozen:
        return [os.path.abspath(executable)]
    script = Path(argv0)
    if script.name in (APP_NAME, f"{APP_NAME}.exe", f"{APP_NAME}-script.py") and script.is_file():
        return [os.path.abspath(argv0)]
    return [os.path.abspath(executable), "-m", "c2c_desktop"]


def _exec_argument(argument: str) -> str:
    """One Exec argument, quoted where the Desktop Entry Specification asks for it; `%` doubled."""
    argument = argument.replace("%", "%%")
    if not argument or any(char in _RESERVED for char in argument):
        escaped = "".join("\\" + char if char in '"`$\\' else char for char in argument)
        argument = f'"{escaped}"'
    # The value is also a string of the file format, whose own escape for a backslash is a second backslash.
    return argument.replace("\\", "\\\\")


def exec_line(command: Sequence[str], *arguments: str) -> str:
    """The Exec value that runs `command` (quoted as needed) followed by `arguments` as they are (e.g. %u)."""
    return " ".join([*(_exec_argument(part) for part in command), *arguments])


def _template() -> list[str]:
    text = (resources.files("c2c_desktop") / "resources" / DESKTOP_FILE_NAME).read_text(encoding="utf-8")
    return text.splitlines()


def entry_text(command: Sequence[str], *, autostart: bool = False) -> str:
    """The `.desktop` file that starts `command`: with `%u` and the tel:/callto: MIME types for the applications
    folder, or with `--in-tray` and no MIME types for the autostart folder."""
    if not command:
        raise ValueError("empty command")
    arguments = (IN_TRAY_FLAG,) if autostart else ("%u",)
    lines: list[str] = []
    for line in _template():
        key = line.partition("=")[0].strip()
        if key == "Exec":
            line = f"Exec={exec_line(command, *arguments)}"
        elif key == "TryExec":
            line = f"TryExec={command[0]}".replace("\\", "\\\\")  # a plain path: no Exec quoting
        elif key == "MimeType" and autostart:
            continue
        elif key == "StartupNotify" and autostart:
            line = "StartupNotify=false"  # nobody is waiting for a window at login: no busy cursor
        lines.append(line)
    if autostart:
        lines.append("X-GNOME-Autostart-enabled=true")
    lines.append(MARKER)
    return "\n".join(lines) + "\n"


def _icon_bytes() -> bytes:
    return (resources.files("c2c_desktop") / "resources" / "icons" / f"{ICON_NAME}.svg").read_bytes()


def _is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False


# -- running the desktop's own tools ----------------------------------------------------------------------------


def _run(argv: Sequence[str], environ: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(argv),
            env=dict(environ),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DesktopEntryError(f"{Path(argv[0]).name} did not run: {exc}") from None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "no message")


def _validate(path: Path, environ: Mapping[str, str], which: Which) -> None:
    validator = which("desktop-file-validate")
    if validator is None:
        return
    result = _run([validator, str(path)], environ)
    if result.returncode != 0:
        raise DesktopEntryError(f"the desktop entry would not be valid: {_first_line(result.stdout + result.stderr)}")


def _write_entry(path: Path, text: str, environ: Mapping[str, str], which: Which | None) -> None:
    """Write `text` to `path`; checked first by desktop-file-validate where installed, unless `which` is None."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if which is not None:
            # Checked in a folder of its own: desktop environments watch the applications folder and would pick a
            # copy up there. The validator wants the entry's own name (and its .desktop suffix).
            with tempfile.TemporaryDirectory(prefix=f"{APP_NAME}-check-") as folder:
                staged = Path(folder) / path.name
                staged.write_text(text, encoding="utf-8")
                _validate(staged, environ, which)
        atomic_write_text(path, text)
        path.chmod(0o644)
    except OSError as exc:
        raise DesktopEntryError(f"cannot write {path}: {exc.strerror or exc}") from None


def _update_desktop_database(folder: Path, environ: Mapping[str, str], which: Which) -> str | None:
    tool = which("update-desktop-database")
    if tool is None:
        return None
    result = _run([tool, str(folder)], environ)
    if result.returncode != 0:
        return f"update-desktop-database failed (the entry works without it): {_first_line(result.stderr)}"
    return f"Updated the desktop database: {folder / 'mimeinfo.cache'}"


def query_default(mime_type: str, environ: Mapping[str, str] | None = None, which: Which = shutil.which) -> str:
    """What `xdg-mime query default` names for `mime_type` ('' when none, or without xdg-mime)."""
    environ = os.environ if environ is None else environ
    tool = which("xdg-mime")
    if tool is None:
        return ""
    return _run([tool, "query", "default", mime_type], environ).stdout.strip()


# -- install / uninstall ----------------------------------------------------------------------------------------


def install(command: Sequence[str], environ: Mapping[str, str] | None = None, which: Which = shutil.which) -> list[str]:
    """Install the entry (Exec = `command` %u) and the icon, and make the app the default for tel: and callto:
    links. Returns what was done, one line each. Raises DesktopEntryError when the entry cannot be installed; a
    default that cannot be set is said in the lines (the entry still works from the menu)."""
    environ = os.environ if environ is None else environ
    _require_xdg_desktop()
    _refuse_percent(command)
    entry = desktop_file_path(environ)
    icon = icon_path(environ)
    _write_entry(entry, entry_text(command), environ, which)
    lines = [f"Installed the desktop entry: {entry}", f"  Exec={exec_line(command, '%u')}"]
    try:
        icon.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(icon, _icon_bytes())
        icon.chmod(0o644)
    except OSError as exc:
        raise DesktopEntryError(f"cannot write {icon}: {exc.strerror or exc}") from None
    lines.append(f"Installed the icon: {icon}")
    updated = _update_desktop_database(entry.parent, environ, which)
    if updated:
        lines.append(updated)
    xdg_mime = which("xdg-mime")
    if xdg_mime is None:
        lines.append(
            "Not set as the default for tel: and callto: links: xdg-mime was not found. Install xdg-utils "
            f"(Debian: apt-get install xdg-utils) and run {APP_NAME} install-desktop-entry again, or choose "
            f"{APP_NAME} for tel: links in your desktop's default-applications settings."
        )
        return lines
    for mime_type in MIME_TYPES:
        result = _run([xdg_mime, "default", DESKTOP_FILE_NAME, mime_type], environ)
        now = query_default(mime_type, environ, which)
        if result.returncode == 0 and now == DESKTOP_FILE_NAME:
            lines.append(f"Default for {mime_type}: {DESKTOP_FILE_NAME}")
        else:
            why = _first_line(result.stderr) if result.returncode != 0 else f"it still names {now or 'nothing'}"
            lines.append(
                f"Could not make {DESKTOP_FILE_NAME} the default for {mime_type} ({why}); set it with "
                f"`xdg-mime default {DESKTOP_FILE_NAME} {mime_type}` or in your desktop's settings."
            )
    return lines


def _refuse_percent(command: Sequence[str]) -> None:
    """A `%` in the command's path makes an entry that desktop-file-validate accepts (written as `%%`) but GIO's
    launcher refuses to start: say so rather than write an entry that does nothing."""
    if any("%" in part for part in command):
        raise DesktopEntryError(
            f"the app's path has a % in it ({command[0]}), which desktop launchers cannot start: move the "
            f"{APP_NAME} folder to a path without % and run this again"
        )


def _require_xdg_desktop() -> None:
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise DesktopEntryError(
            "desktop entries are for Linux desktops; on Windows and macOS see the README's Install section"
        )


def _mimeapps_lists(environ: Mapping[str, str]) -> list[Path]:
    # Where `xdg-mime default` writes (the spec's place), and the older place some desktops still use.
    return [config_home(environ) / "mimeapps.list", data_home(environ) / "applications" / "mimeapps.list"]


def remove_from_mimeapps(text: str) -> tuple[str, list[str]]:
    """`text` of a mimeapps.list without this app in its defaults and added associations; and the MIME types it
    was removed from. Other applications' entries and every other line are kept as they are."""
    out: list[str] = []
    removed: list[str] = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section in ("[Default Applications]", "[Added Associations]") and "=" in stripped:
            mime_type, _, value = stripped.partition("=")
            apps = [app.strip() for app in value.split(";") if app.strip()]
            if DESKTOP_FILE_NAME in apps:
                removed.append(mime_type.strip())
                kept = [app for app in apps if app != DESKTOP_FILE_NAME]
                if not kept:
                    continue
                line = f"{mime_type.strip()}={';'.join(kept)};"
        out.append(line)
    return ("\n".join(out) + "\n" if out else ""), removed


def uninstall(environ: Mapping[str, str] | None = None, which: Which = shutil.which) -> list[str]:
    """Remove what `install` put there, and only that: the entry and icon it wrote, and the tel:/callto: defaults
    (and associations) that name this app. Returns what was done, one line each."""
    environ = os.environ if environ is None else environ
    _require_xdg_desktop()
    lines: list[str] = []
    for mimeapps in _mimeapps_lists(environ):
        # A symlinked list (dotfiles kept in a repository) is changed where it points, the link kept.
        target = Path(os.path.realpath(mimeapps))
        try:
            # Bytes that are not UTF-8 (another program's stray encoding) are kept as they are, not refused.
            text = target.read_bytes().decode("utf-8", "surrogateescape")
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DesktopEntryError(f"cannot read {mimeapps}: {exc.strerror or exc}") from None
        new_text, removed = remove_from_mimeapps(text)
        if not removed:
            continue
        try:
            atomic_write_bytes(target, new_text.encode("utf-8", "surrogateescape"))
        except OSError as exc:
            raise DesktopEntryError(f"cannot write {mimeapps}: {exc.strerror or exc}") from None
        lines.extend(f"Removed {DESKTOP_FILE_NAME} as the handler of {mime} from {mimeapps}" for mime in removed)

    autostart = autostart_path(environ)
    if _is_ours(autostart):
        _remove(autostart)
        lines.append(f"Removed the autostart entry: {autostart}")
    elif autostart.exists():
        lines.append(f"Left {autostart}: {APP_NAME} did not write it")

    entry = desktop_file_path(environ)
    entry_was_ours = _is_ours(entry)
    if entry_was_ours:
        _remove(entry)
        lines.append(f"Removed the desktop entry: {entry}")
    elif entry.exists():
        lines.append(f"Left {entry}: {APP_NAME} install-desktop-entry did not write it")
    icon = icon_path(environ)
    try:
        icon_is_ours = entry_was_ours or icon.read_bytes() == _icon_bytes()
    except OSError:
        icon_is_ours = False
    if icon_is_ours and icon.exists():
        _remove(icon)
        lines.append(f"Removed the icon: {icon}")
    if entry_was_ours and entry.parent.is_dir():
        updated = _update_desktop_database(entry.parent, environ, which)
        if updated:
            lines.append(updated)
    if not lines:
        lines.append(f"Nothing to remove: no desktop entry of {APP_NAME} in {entry.parent}")
    return lines


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise DesktopEntryError(f"cannot remove {path}: {exc.strerror or exc}") from None


# -- start at login ---------------------------------------------------------------------------------------------


def autostart_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the app starts at login: the XDG autostart entry exists (whoever wrote it) and is not turned off
    (`Hidden=true`, or GNOME's `X-GNOME-Autostart-enabled=false`, which desktops' own settings write)."""
    try:
        text = autostart_path(environ).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    values: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section == "[Desktop Entry]" and "=" in stripped:
            key, _, value = stripped.partition("=")
            values.setdefault(key.strip(), value.strip())
    return values.get("Hidden", "").lower() != "true" and values.get("X-GNOME-Autostart-enabled", "").lower() != "false"


def enable_autostart(command: Sequence[str], environ: Mapping[str, str] | None = None) -> Path:
    """Write the autostart entry (Exec = `command` --in-tray); return its path.

    No external tool runs (the window calls this on its GUI thread): the entry's text is the one the tests check
    with desktop-file-validate.
    """
    environ = os.environ if environ is None else environ
    _refuse_percent(command)
    path = autostart_path(environ)
    _write_entry(path, entry_text(command, autostart=True), environ, None)
    return path


def disable_autostart(environ: Mapping[str, str] | None = None) -> bool:
    """Remove the autostart entry this app wrote; True if there was one. An entry somebody else wrote (no marker
    line) is left where it is: DesktopEntryError says so."""
    path = autostart_path(environ)
    if not path.exists():
        return False
    if not _is_ours(path):
        raise DesktopEntryError(f"{path} was not written by {APP_NAME}: it is left as it is (remove it yourself)")
    _remove(path)
    return True
