"""The desktop entry, its icon, the tel:/callto: defaults and the autostart entry, in throwaway XDG folders.

The entries are checked with the real desktop-file-validate (desktop-file-utils) and the defaults with the real
xdg-mime (xdg-utils); without them the test fails with the package to install.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from c2c_desktop import cli
from c2c_desktop.core import desktop_entry
from c2c_desktop.core.desktop_entry import (
    DESKTOP_FILE_NAME,
    DesktopEntryError,
    autostart_enabled,
    autostart_path,
    desktop_file_path,
    disable_autostart,
    enable_autostart,
    entry_text,
    exec_line,
    icon_path,
    install,
    launch_command,
    remove_from_mimeapps,
    uninstall,
)


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install the Debian package {package} (make test does this as root)")
    return path


def _validate(path: Path) -> None:
    result = subprocess.run(
        [_tool("desktop-file-validate", "desktop-file-utils"), str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower(), result.stdout


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def _no_xdg_mime(name: str) -> str | None:
    return None if name == "xdg-mime" else shutil.which(name)


@pytest.fixture
def home(isolated_profile: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME in the throwaway folder too (isolated_profile already moved the XDG folders there)."""
    monkeypatch.setenv("HOME", str(isolated_profile))
    return isolated_profile


def test_exec_line_quotes_what_the_specification_reserves() -> None:
    assert exec_line(["/opt/c2c/c2c-desktop"], "%u") == "/opt/c2c/c2c-desktop %u"
    # Quoted: a space, a $; inside the quotes \ " ` $ get a backslash, which the file format doubles again.
    assert exec_line(["/home/a b/$HOME/c2c-desktop"], "%u") == '"/home/a b/\\\\$HOME/c2c-desktop" %u'
    assert exec_line(["/opt/100%/c2c-desktop"], "--in-tray") == "/opt/100%%/c2c-desktop --in-tray"


def test_launch_command_is_the_bundle_the_console_script_or_the_module(tmp_path: Path) -> None:
    assert launch_command("whatever", "/opt/c2c-desktop/c2c-desktop", frozen=True) == ["/opt/c2c-desktop/c2c-desktop"]
    script = tmp_path / "bin" / "c2c-desktop"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    assert launch_command(str(script), "/venv/bin/python", frozen=False) == [str(script)]
    main_py = str(Path(desktop_entry.__file__).parent.parent / "__main__.py")
    assert launch_command(main_py, "/venv/bin/python", frozen=False) == ["/venv/bin/python", "-m", "c2c_desktop"]


def test_entries_are_valid_and_say_what_to_run(tmp_path: Path) -> None:
    command = ["/home/a b/venv/bin/c2c-desktop"]
    app = tmp_path / "app" / DESKTOP_FILE_NAME
    login = tmp_path / "login" / DESKTOP_FILE_NAME
    for path, text in ((app, entry_text(command)), (login, entry_text(command, autostart=True))):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        _validate(path)
    assert _entry(app)["Exec"] == '"/home/a b/venv/bin/c2c-desktop" %u'
    assert _entry(app)["MimeType"] == "x-scheme-handler/tel;x-scheme-handler/callto;"
    assert _entry(app)["TryExec"] == command[0]
    assert _entry(login)["Exec"] == '"/home/a b/venv/bin/c2c-desktop" --in-tray'
    assert "MimeType" not in _entry(login)  # starting at login must not make a second handler of tel: links


def test_install_writes_entry_and_icon_and_sets_the_defaults(home: Path) -> None:
    _tool("xdg-mime", "xdg-utils")
    lines = install(["/opt/c2c-desktop/c2c-desktop"])
    entry = desktop_file_path()
    assert entry == home / "xdg_data_home" / "applications" / DESKTOP_FILE_NAME
    _validate(entry)
    assert _entry(entry)["Exec"] == "/opt/c2c-desktop/c2c-desktop %u"
    assert icon_path().read_bytes().startswith(b"<svg")
    assert f"Installed the desktop entry: {entry}" in lines
    assert f"Installed the icon: {icon_path()}" in lines
    for mime_type in ("x-scheme-handler/tel", "x-scheme-handler/callto"):
        assert f"Default for {mime_type}: {DESKTOP_FILE_NAME}" in lines
        assert desktop_entry.query_default(mime_type) == DESKTOP_FILE_NAME


def test_install_without_xdg_mime_installs_the_entry_and_says_how_to_set_the_default(home: Path) -> None:
    lines = install(["/opt/c2c-desktop/c2c-desktop"], which=_no_xdg_mime)
    assert desktop_file_path().is_file()
    assert any(
        line.startswith("Not set as the default for tel: and callto: links: xdg-mime was not found") for line in lines
    )
    assert any("apt-get install xdg-utils" in line for line in lines)
    assert not (home / "xdg_config_home" / "mimeapps.list").exists()


def test_uninstall_removes_only_what_install_put_there(home: Path) -> None:
    install(["/opt/c2c-desktop/c2c-desktop"])
    mimeapps = home / "xdg_config_home" / "mimeapps.list"
    with mimeapps.open("a", encoding="utf-8") as file:
        file.write("x-scheme-handler/mailto=thunderbird.desktop\n")
    other_entry = desktop_file_path().with_name("other.desktop")
    other_entry.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=other\n", encoding="utf-8")

    lines = uninstall()

    assert not desktop_file_path().exists() and not icon_path().exists()
    assert other_entry.exists()
    assert [line for line in mimeapps.read_text(encoding="utf-8").splitlines() if line] == [
        "[Default Applications]",
        "x-scheme-handler/mailto=thunderbird.desktop",
    ]
    assert f"Removed the desktop entry: {desktop_file_path()}" in lines
    assert desktop_entry.query_default("x-scheme-handler/tel") == ""
    assert uninstall() == [f"Nothing to remove: no desktop entry of c2c-desktop in {desktop_file_path().parent}"]


def test_uninstall_leaves_an_entry_it_did_not_write(home: Path) -> None:
    foreign = desktop_file_path()
    foreign.parent.mkdir(parents=True)
    foreign.write_text("[Desktop Entry]\nType=Application\nName=Mine\nExec=mine\n", encoding="utf-8")
    lines = uninstall()
    assert foreign.exists()
    assert lines == [f"Left {foreign}: c2c-desktop install-desktop-entry did not write it"]


def test_remove_from_mimeapps_keeps_the_other_handlers() -> None:
    text = (
        "[Default Applications]\nx-scheme-handler/tel=other.desktop;c2c-desktop.desktop;\n"
        "[Added Associations]\nx-scheme-handler/callto=c2c-desktop.desktop;\n# a comment\n"
    )
    new_text, removed = remove_from_mimeapps(text)
    assert new_text == (
        "[Default Applications]\nx-scheme-handler/tel=other.desktop;\n[Added Associations]\n# a comment\n"
    )
    assert removed == ["x-scheme-handler/tel", "x-scheme-handler/callto"]


def test_autostart_is_written_read_and_removed(home: Path) -> None:
    assert not autostart_enabled()
    path = enable_autostart(["/opt/c2c-desktop/c2c-desktop"])
    assert path == home / "xdg_config_home" / "autostart" / DESKTOP_FILE_NAME == autostart_path()
    assert autostart_enabled()
    _validate(path)
    assert _entry(path)["Exec"] == "/opt/c2c-desktop/c2c-desktop --in-tray"
    assert disable_autostart() is True
    assert not autostart_enabled() and not path.exists()
    assert disable_autostart() is False


def test_an_entry_that_cannot_be_written_is_one_line_and_exit_2(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    applications = home / "xdg_data_home" / "applications"
    applications.write_text("a file where the folder should be")
    with pytest.raises(DesktopEntryError, match=r"^cannot write .*applications"):
        install(["/opt/c2c-desktop/c2c-desktop"])
    assert cli.main(["install-desktop-entry"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("c2c-desktop: cannot write ")


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_elsewhere_than_linux_it_says_where_to_look(home: Path, platform: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desktop_entry.sys, "platform", platform)
    for action in (lambda: install(["c2c-desktop"]), uninstall):
        with pytest.raises(DesktopEntryError, match="on Windows and macOS see the README's Install section"):
            action()
    assert not desktop_file_path().parent.exists()


def test_uninstall_changes_a_symlinked_mimeapps_list_where_it_points(home: Path) -> None:
    install(["/opt/c2c-desktop/c2c-desktop"])
    mimeapps = home / "xdg_config_home" / "mimeapps.list"
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "mimeapps.list"
    real.write_bytes(mimeapps.read_bytes())
    mimeapps.unlink()
    mimeapps.symlink_to(real)

    uninstall()

    assert mimeapps.is_symlink() and mimeapps.resolve() == real.resolve()
    assert DESKTOP_FILE_NAME not in real.read_text(encoding="utf-8")


def test_uninstall_keeps_the_bytes_of_a_mimeapps_list_that_is_not_utf8(home: Path) -> None:
    mimeapps = home / "xdg_config_home" / "mimeapps.list"
    mimeapps.parent.mkdir(parents=True, exist_ok=True)
    mimeapps.write_bytes(
        b"[Default Applications]\nx-scheme-handler/tel=c2c-desktop.desktop;\n"
        b"# caf\xe9 in Latin-1\ntext/plain=ed.desktop\n"
    )
    lines = uninstall()
    assert mimeapps.read_bytes() == b"[Default Applications]\n# caf\xe9 in Latin-1\ntext/plain=ed.desktop\n"
    assert f"Removed {DESKTOP_FILE_NAME} as the handler of x-scheme-handler/tel from {mimeapps}" in lines


def test_a_path_with_a_percent_sign_is_refused_with_what_to_do(home: Path) -> None:
    for action in (
        lambda: install(["/opt/50%off/c2c-desktop"]),
        lambda: enable_autostart(["/opt/50%off/c2c-desktop"]),
    ):
        with pytest.raises(DesktopEntryError, match=r"has a % in it .*move the c2c-desktop folder to a path without %"):
            action()
    assert not desktop_file_path().exists() and not autostart_path().exists()


def test_uninstall_removes_the_autostart_entry_it_wrote_and_leaves_a_foreign_one(home: Path) -> None:
    install(["/opt/c2c-desktop/c2c-desktop"], which=_no_xdg_mime)
    enable_autostart(["/opt/c2c-desktop/c2c-desktop"])
    lines = uninstall()
    assert not autostart_path().exists()
    assert f"Removed the autostart entry: {autostart_path()}" in lines

    autostart_path().write_text("[Desktop Entry]\nType=Application\nName=Mine\nExec=mine\n", encoding="utf-8")
    assert uninstall() == [f"Left {autostart_path()}: c2c-desktop did not write it"]
    assert autostart_path().exists()


def test_disable_autostart_leaves_an_entry_it_did_not_write(home: Path) -> None:
    foreign = autostart_path()
    foreign.parent.mkdir(parents=True)
    foreign.write_text("[Desktop Entry]\nType=Application\nName=Mine\nExec=mine\n", encoding="utf-8")
    with pytest.raises(DesktopEntryError, match=r"was not written by c2c-desktop: it is left as it is"):
        disable_autostart()
    assert foreign.exists()


@pytest.mark.parametrize("line", ["Hidden=true", "X-GNOME-Autostart-enabled=false"])
def test_an_autostart_entry_turned_off_is_not_enabled(home: Path, line: str) -> None:
    path = enable_autostart(["/opt/c2c-desktop/c2c-desktop"])
    text = path.read_text(encoding="utf-8").replace("X-GNOME-Autostart-enabled=true\n", "")
    path.write_text(text + line + "\n", encoding="utf-8")
    assert not autostart_enabled()


def test_the_entry_is_validated_outside_the_watched_applications_folder(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Desktops watch the applications folder: a copy staged there for the validator would show up in menus."""
    validated: list[Path] = []
    real_run = desktop_entry._run

    def run(argv: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
        if Path(argv[0]).name == "desktop-file-validate":
            validated.append(Path(argv[1]))
            assert Path(argv[1]).is_file()
        return real_run(argv, environ)

    _tool("desktop-file-validate", "desktop-file-utils")
    monkeypatch.setattr(desktop_entry, "_run", run)
    install(["/opt/c2c-desktop/c2c-desktop"], which=_no_xdg_mime)
    (checked,) = validated
    assert checked.name == DESKTOP_FILE_NAME
    assert checked.parent != desktop_file_path().parent and not checked.exists()
