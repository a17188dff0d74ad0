"""The console script's launcher (c2c_desktop/launch.py): which launches it hands to a running window, and that it
finds the window exactly where the window listens, without loading platformdirs or Qt to work it out."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from c2c_desktop import handoff, launch
from c2c_desktop.core.store import default_db_path

posix_only = pytest.mark.skipif(os.name != "posix" or sys.platform == "darwin", reason="XDG folders")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], (True, None)),
        (["tel:+12125550142"], (True, "tel:+12125550142")),
        (["TEL:+12125550142"], (True, "TEL:+12125550142")),
        (["callto:+12125550142"], (True, "callto:+12125550142")),
        (["tel:garbage"], (True, "tel:garbage")),  # the window says it has no number
        (["(212) 555-0142"], (True, "(212) 555-0142")),
        (["--demo"], (False, None)),
        (["-v", "tel:+12125550142"], (False, None)),
        (["tel:+12125550142", "--demo"], (False, None)),
        (["--help"], (False, None)),
        (["-h"], (False, None)),
        (["--version"], (False, None)),
        (["call", "5552010003"], (False, None)),
        (["config"], (False, None)),
        (["keys", "status"], (False, None)),
        (["nonsense"], (False, None)),  # the CLI says it is no command
        (["tel:+1" + "2" * 2000], (False, None)),  # no phone link is that long: the CLI says so
    ],
)
def test_only_a_window_launch_is_handed_off(argv: list[str], expected: tuple[bool, str | None]) -> None:
    assert launch.window_link(argv) == expected


@posix_only
def test_with_no_window_the_launch_takes_the_ordinary_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # No window listens: a plain window launch opens the window directly (without the CLI); anything else, an option
    # included, goes on to the CLI with its arguments untouched. (Before issue 11's startup work every launch went
    # through the CLI.)
    called: list[list[str]] = []
    opened: list[dict[str, object]] = []
    monkeypatch.setattr("c2c_desktop.cli.main", lambda argv: called.append(list(argv)) or 7)
    monkeypatch.setattr("c2c_desktop.gui.app.run_gui", lambda **kwargs: opened.append(kwargs) or 5)
    assert launch.main(["tel:+12125550142"]) == 5
    assert launch.main([]) == 5
    assert launch.main(["--demo"]) == 7
    assert launch.main(["-v", "tel:+12125550142"]) == 7
    assert opened == [{"url": "tel:+12125550142"}, {"url": None}]
    assert called == [["--demo"], ["-v", "tel:+12125550142"]]


def test_the_direct_window_launch_says_one_plain_line_when_the_store_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from c2c_desktop.core.store import StoreError

    def fail(**_kwargs: object) -> int:
        raise StoreError("the database is locked")

    monkeypatch.setattr("c2c_desktop.gui.app.run_gui", fail)
    assert launch.open_window(None) == 2
    assert capsys.readouterr().err == "c2c-desktop: the database is locked\n"


def _window_paths() -> tuple[str | None, str | None]:
    from c2c_desktop.gui import app

    return app.instance_socket_path(), app.legacy_socket_path()


def _launcher_paths() -> list[str]:
    folder = handoff.user_data_folder()
    assert folder is not None
    return handoff.client_paths(folder)


@posix_only
@pytest.mark.parametrize(
    "data_home",
    [None, "", "   ", "relative/share", "~/share", "{tmp}/data", "{tmp}/data/", "{tmp}/other/../data", "{tmp}/link"],
)
@pytest.mark.parametrize("runtime", ["set", "unset"])
def test_the_launcher_finds_the_window_where_it_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_home: str | None, runtime: str
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "data")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if data_home is None:
        monkeypatch.delenv("XDG_DATA_HOME")
    else:
        monkeypatch.setenv("XDG_DATA_HOME", data_home.format(tmp=tmp_path))
    if runtime == "unset":
        monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "t"))

    assert handoff.user_data_folder() is not None
    assert Path(handoff.user_data_folder() or "").resolve() == default_db_path().parent.resolve()
    monkeypatch.setattr(handoff, "SYSTEMD_RUNTIME_FOLDER", str(tmp_path / "no-such-folder"))
    window_path, window_legacy = _window_paths()
    paths = _launcher_paths()
    assert paths[0] == window_path
    assert paths[-1] == window_legacy
    assert len(paths) == (2 if runtime == "set" else 1)


@posix_only
def test_a_launch_without_xdg_runtime_dir_finds_a_window_in_the_systemd_runtime_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # su, cron or an oddly started CRM: the launch's environment lacks XDG_RUNTIME_DIR, the window's had it.
    runtime = tmp_path / "run" / str(os.getuid())
    runtime.mkdir(parents=True, mode=0o700)
    monkeypatch.setattr(handoff, "SYSTEMD_RUNTIME_FOLDER", str(tmp_path / "run" / "{uid}"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    window_path, _ = _window_paths()
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert window_path in _launcher_paths()
    assert _launcher_paths()[0] != window_path  # its own first choice is the temp folder, where no window listens


@posix_only
def test_a_user_without_a_password_database_entry_still_gets_a_socket_name(monkeypatch: pytest.MonkeyPatch) -> None:
    # getpass.getuser() raises KeyError then (a container's arbitrary uid): the launch must not end in a traceback.
    import getpass

    def no_entry() -> str:
        raise KeyError("getpwuid(): uid not found")

    monkeypatch.setattr(getpass, "getuser", no_entry)
    legacy = handoff.legacy_socket_path(str(default_db_path().parent))
    assert f"-{os.getuid()}-" in os.path.basename(legacy)


@posix_only
@pytest.mark.parametrize("home", ["unset", "relative", "/", "{tmp}/home/"])
def test_the_launcher_reads_home_as_platformdirs_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: str
) -> None:
    monkeypatch.delenv("XDG_DATA_HOME")
    if home == "unset":
        monkeypatch.delenv("HOME", raising=False)
    elif home == "relative":
        monkeypatch.setenv("HOME", "somewhere")
    else:
        monkeypatch.setenv("HOME", home.format(tmp=tmp_path))
    assert Path(handoff.user_data_folder() or "").resolve() == default_db_path().parent.resolve()
    assert _launcher_paths()[0] == _window_paths()[0]


@posix_only
@pytest.mark.parametrize("tmpdir", ["", "{tmp}/t/", "{tmp}/x/../t", "relative"])
def test_the_old_name_follows_the_temp_folder_as_qt_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmpdir: str
) -> None:
    # Earlier versions put the socket where QLocalServer would: QDir.tempPath(), which cleans $TMPDIR.
    from PySide6.QtCore import QDir

    monkeypatch.setenv("TMPDIR", tmpdir.format(tmp=tmp_path))
    monkeypatch.chdir(tmp_path)
    legacy = handoff.legacy_socket_path(str(default_db_path().parent))
    assert os.path.dirname(legacy) == QDir.cleanPath(QDir.tempPath())


@posix_only
def test_a_runtime_folder_too_deep_for_a_socket_falls_back_to_the_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / ("d" * 90)
    deep.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    folder = str(default_db_path().parent)
    assert handoff.runtime_socket_path(folder) is None
    assert handoff.listen_path(folder) == handoff.legacy_socket_path(folder)


def test_a_link_too_long_to_be_a_phone_number_is_one_plain_line(capsys: pytest.CaptureFixture[str]) -> None:
    # The window would drop such a line unread; the launch says why instead of handing over nothing.
    assert launch.main(["tel:+1" + "2" * 2000]) == 2
    err = capsys.readouterr().err
    assert err.startswith("c2c-desktop: that link is too long to be a phone number (2,006 characters)")
    assert err.count("\n") == 1
