"""gui/app.py's startup helpers: the single-instance hand-off without QtNetwork, and the imports deferred until the
window is painted."""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from PySide6.QtWidgets import QWidget

from c2c_desktop.gui import app

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the Unix-socket hand-off is POSIX only")

LINK = "tel:+1-555-010-0123"
#: Bound for what the event loop (or a thread) does in these tests: a busy machine may stall it for a while.
HAND_OFF_MS = 10_000


@pytest.fixture
def own_temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp folder, where the socket goes without XDG_RUNTIME_DIR (and where earlier versions put it): one of
    our own per test. (conftest.py gives each test its own XDG_RUNTIME_DIR.)"""
    folder = tmp_path / "t"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


@pytest.fixture
def no_runtime_folder(own_temp_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No XDG_RUNTIME_DIR: the socket falls back to the temp folder."""
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    return own_temp_folder


def received_links() -> tuple[list[str], app.OnLink]:
    """A list of the links a server hands over, and the callback that fills it."""
    links: list[str] = []
    return links, lambda link, _activation: links.append(link)


def test_the_window_listens_on_a_private_socket_in_the_runtime_folder(qtbot: QtBot, own_temp_folder: Path) -> None:
    server = app.listen_for_other_instances(lambda _link, _activation: None)
    assert isinstance(server, app.UnixInstanceServer)
    try:
        assert server.is_listening()
        assert server.path == app.instance_socket_path()
        assert Path(server.path).parent == Path(os.environ["XDG_RUNTIME_DIR"])
        assert not list(own_temp_folder.iterdir())  # nothing in the shared temp folder
        assert stat.S_IMODE(os.stat(server.path).st_mode) & 0o077 == 0  # other users cannot send it links
    finally:
        server.close()
    assert not Path(server.path).exists()
    server.close()  # idempotent


@pytest.mark.parametrize("runtime", ["unset", "relative", "missing", "a file", "open to others"])
def test_without_a_usable_runtime_folder_the_socket_is_in_the_temp_folder(
    qtbot: QtBot, own_temp_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runtime: str
) -> None:
    if runtime == "unset":
        monkeypatch.delenv("XDG_RUNTIME_DIR")
    elif runtime == "relative":
        monkeypatch.setenv("XDG_RUNTIME_DIR", "run")
    elif runtime == "missing":
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "missing"))
    elif runtime == "a file":
        (tmp_path / "file").write_text("")
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "file"))
    else:
        shared = tmp_path / "shared"
        shared.mkdir(mode=0o755)
        shared.chmod(0o755)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
    assert app.instance_socket_path() == app.legacy_socket_path()
    with listening() as (server, received):
        assert Path(server.path).parent == own_temp_folder
        assert app.forward_to_running_instance(LINK) is True
        qtbot.waitUntil(lambda: received == [LINK], timeout=HAND_OFF_MS)


def test_the_old_name_is_where_qlocalserver_listens(qtbot: QtBot, own_temp_folder: Path) -> None:
    # Windows of earlier versions listened there (QLocalServer, then the same path by hand): a launch still finds them.
    from PySide6.QtNetwork import QLocalServer

    server = QLocalServer()
    try:
        assert server.listen(app._instance_key())
        assert app.legacy_socket_path() == server.fullServerName()
    finally:
        server.close()


def test_an_older_window_listening_on_the_old_name_only_receives_the_link(qtbot: QtBot, own_temp_folder: Path) -> None:
    # During an upgrade the window of the earlier version is still open: it listens in the temp folder only, and
    # reads one line. The launch tries the new name (nobody), then the old one.
    old_path = app.legacy_socket_path()
    assert old_path is not None and old_path != app.instance_socket_path()
    received, on_link = received_links()
    old_window = app.UnixInstanceServer(old_path, on_link)
    try:
        assert app.forward_to_running_instance(LINK, activation="XDG_ACTIVATION_TOKEN=abc") is True
        qtbot.waitUntil(lambda: received == [LINK], timeout=HAND_OFF_MS)
        assert not Path(app.instance_socket_path() or "").exists()
    finally:
        old_window.close()


def test_an_older_window_reads_only_the_first_line(qtbot: QtBot, own_temp_folder: Path) -> None:
    # What a window of an earlier version did with a connection: the first line is the link, whatever follows.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as old_window:
        old_window.bind(str(own_temp_folder / "old"))
        old_window.listen(1)
        assert app.handoff.send(str(own_temp_folder / "old"), app.handoff.message(LINK, "DESKTOP_STARTUP_ID=x_TIME1"))
        connection, _ = old_window.accept()
        with connection:
            first_line = connection.makefile("rb").readline()
    assert first_line == LINK.encode() + b"\n"


@contextlib.contextmanager
def listening() -> Iterator[tuple[app.UnixInstanceServer, list[str]]]:
    """The running window's server, and the links it has received so far."""
    received, on_link = received_links()
    server = app.listen_for_other_instances(on_link)
    assert isinstance(server, app.UnixInstanceServer)
    try:
        yield server, received
    finally:
        server.close()


@pytest.mark.parametrize("where", ["runtime folder", "temp folder"])
def test_a_socket_left_by_a_crash_is_replaced(
    qtbot: QtBot, own_temp_folder: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "temp folder":
        monkeypatch.delenv("XDG_RUNTIME_DIR")
    path = app.instance_socket_path()
    assert path is not None
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, as after kill -9
    with listening() as (_server, received):
        assert app.forward_to_running_instance(LINK) is True
        qtbot.waitUntil(lambda: received == [LINK], timeout=HAND_OFF_MS)


def test_a_second_window_never_takes_over_a_listening_socket(qtbot: QtBot, own_temp_folder: Path) -> None:
    # Two launches at the same moment: the later one gets no server (and logs why); the first keeps the hand-off.
    with listening() as (_first, received):
        assert app.listen_for_other_instances(lambda _link, _activation: None) is None
        assert app.forward_to_running_instance(LINK) is True
        qtbot.waitUntil(lambda: received == [LINK], timeout=HAND_OFF_MS)


@pytest.mark.parametrize("where", ["runtime folder", "temp folder"])
def test_another_users_file_at_the_path_is_left_alone(
    own_temp_folder: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "temp folder":
        monkeypatch.delenv("XDG_RUNTIME_DIR")
    path = app.instance_socket_path()
    assert path is not None
    Path(path).write_text("not a socket")  # stands in for a file someone else put in the shared temp folder
    assert app.forward_to_running_instance(LINK) is False  # nothing is sent to it
    assert app.listen_for_other_instances(lambda _link, _activation: None) is None
    assert Path(path).read_text() == "not a socket"


def test_an_old_name_that_is_not_a_socket_gets_nothing(own_temp_folder: Path) -> None:
    # The launch also tries the old name in the shared temp folder: someone else's file there is never written to.
    old_path = app.legacy_socket_path()
    assert old_path is not None
    Path(old_path).write_text("not a socket")
    assert app.forward_to_running_instance(LINK) is False
    assert Path(old_path).read_text() == "not a socket"


def test_a_launch_that_never_sends_is_dropped(
    qtbot: QtBot, own_temp_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.UnixInstanceServer, "CLIENT_TIMEOUT_MS", 100)
    # Whether the connection was still held when its time was up, noted by the server itself: a poll of `_clients`
    # could miss it on a busy machine (accepted and dropped 100 ms later within one wait).
    held_at_time_up: list[bool] = []
    time_up = app.UnixInstanceServer._time_up

    def noted(self: app.UnixInstanceServer, fd: int, connection: socket.socket) -> None:
        held_at_time_up.append(fd in self._clients)
        time_up(self, fd, connection)

    monkeypatch.setattr(app.UnixInstanceServer, "_time_up", noted)
    with listening() as (server, received), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.connect(server.path)
        qtbot.waitUntil(lambda: held_at_time_up == [True], timeout=HAND_OFF_MS)
        assert not server._clients
    assert received == []


def test_a_launch_that_sent_its_link_but_never_closed_is_still_served(
    qtbot: QtBot, own_temp_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.UnixInstanceServer, "CLIENT_TIMEOUT_MS", 100)
    with listening() as (server, received), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(server.path)
        client.sendall(LINK.encode() + b"\n")
        qtbot.waitUntil(lambda: received == [LINK], timeout=HAND_OFF_MS)


def test_a_socket_that_cannot_be_made_leaves_the_window_without_hand_off(
    no_runtime_folder: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TMPDIR", str(no_runtime_folder / "missing"))
    assert app.listen_for_other_instances(lambda _link, _activation: None) is None
    assert "cannot listen for other launches" in caplog.text


def test_a_line_too_long_or_cut_short_is_no_link(qtbot: QtBot, own_temp_folder: Path) -> None:
    with listening() as (server, received):
        for payload in (b"x" * (app.UnixInstanceServer.MAX_LINE_BYTES + 10) + b"\n", b"tel:123"):  # no newline
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.connect(server.path)
                client.sendall(payload)
        qtbot.waitUntil(lambda: not server._clients, timeout=HAND_OFF_MS)  # both connections dropped
        assert app.forward_to_running_instance(LINK) is True  # and the server still serves
        qtbot.waitUntil(lambda: received == [LINK], timeout=HAND_OFF_MS)


def test_a_second_start_hands_its_link_to_the_running_window(qtbot: QtBot, own_temp_folder: Path) -> None:
    with listening() as (_server, received):
        assert app.forward_to_running_instance(LINK) is True
        qtbot.waitUntil(lambda: received == [LINK], timeout=HAND_OFF_MS)
        assert app.forward_to_running_instance(None) is True  # no link: the running window is just raised
        qtbot.waitUntil(lambda: received == [LINK, ""], timeout=HAND_OFF_MS)


@pytest.mark.parametrize(
    ("environment", "activation"),
    [
        ({"XDG_ACTIVATION_TOKEN": "wl-token-1"}, "XDG_ACTIVATION_TOKEN=wl-token-1"),
        ({"DESKTOP_STARTUP_ID": "crm-browser-42_TIME123"}, "DESKTOP_STARTUP_ID=crm-browser-42_TIME123"),
        ({}, ""),
    ],
)
def test_the_launch_passes_its_activation_token_on(
    qtbot: QtBot, own_temp_folder: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], activation: str
) -> None:
    for name in ("XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    handed: list[tuple[str, str]] = []
    server = app.listen_for_other_instances(lambda link, token: handed.append((link, token)))
    assert server is not None
    try:
        assert app.forward_to_running_instance(LINK) is True
        qtbot.waitUntil(lambda: handed == [(LINK, activation)], timeout=HAND_OFF_MS)
    finally:
        server.close()


def test_links_that_arrive_before_the_window_exists_are_kept_for_it(qtbot: QtBot, own_temp_folder: Path) -> None:
    path = app.instance_socket_path()
    assert path is not None
    server = app.UnixInstanceServer(path, None)  # claimed at start, before the window is built
    try:
        assert app.forward_to_running_instance(LINK, activation="") is True
        qtbot.waitUntil(lambda: server._kept == [(LINK, "")], timeout=HAND_OFF_MS)
        received, on_link = received_links()
        server.deliver_to(on_link)
        assert received == [LINK]
    finally:
        server.close()


def test_each_profile_has_its_own_hand_off(
    qtbot: QtBot, own_temp_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two profiles of one user (XDG_DATA_HOME differs): a link opened in one never lands in the other's window.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "profile-a"))
    with listening() as (server_a, received_a):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "profile-b"))
        assert app.instance_socket_path() != server_a.path
        assert app.forward_to_running_instance(LINK) is False  # profile b has no window yet: it opens its own
        with listening() as (_server_b, received_b):
            assert app.forward_to_running_instance(LINK) is True
            qtbot.waitUntil(lambda: received_b == [LINK], timeout=HAND_OFF_MS)
        # The same profile (reached through another spelling of its folder) hands over to its window.
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "profile-b" / ".." / "profile-a"))
        assert app.instance_socket_path() == server_a.path
        assert app.forward_to_running_instance(LINK) is True
        qtbot.waitUntil(lambda: received_a == [LINK], timeout=HAND_OFF_MS)
    assert received_b == [LINK]


def test_no_running_window_means_no_hand_off(own_temp_folder: Path) -> None:
    assert app.forward_to_running_instance(LINK) is False


@pytest.mark.parametrize("name", ["new", "old"])
def test_a_socket_left_by_a_crash_means_no_hand_off(own_temp_folder: Path, name: str) -> None:
    path = app.instance_socket_path() if name == "new" else app.legacy_socket_path()
    assert path is not None
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        stale.bind(path)  # bound but never listening, like the file a killed instance leaves
        assert Path(path).exists()
        assert app.forward_to_running_instance(LINK) is False
    finally:
        stale.close()


def test_deferred_imports_run_off_the_gui_thread_after_the_window_shows(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two throwaway modules: one that fails to import (logged, no callback, the rest still load) and one that records
    # the thread that imported it.
    (tmp_path / "c2c_probe_broken.py").write_text("raise RuntimeError('broken on purpose')\n", encoding="utf-8")
    (tmp_path / "c2c_probe_module.py").write_text(
        "import threading\nIMPORTED_ON = threading.current_thread().name\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("c2c_probe_broken", "c2c_probe_module"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    callbacks: list[tuple[str, str]] = []

    app.AfterFirstPaint(
        window,
        ("c2c_probe_broken", "c2c_probe_module"),
        on_imported={
            name: lambda name=name: callbacks.append((name, threading.current_thread().name))
            for name in ("c2c_probe_broken", "c2c_probe_module")
        },
    )
    qtbot.waitUntil(lambda: bool(callbacks), timeout=HAND_OFF_MS)  # imported on a thread

    assert importlib.import_module("c2c_probe_module").IMPORTED_ON == "c2c-background-imports"
    assert callbacks == [("c2c_probe_module", threading.main_thread().name)]  # none for the module that failed


def test_work_the_first_paint_does_not_need_runs_after_it_on_the_gui_thread(qtbot: QtBot) -> None:
    # run_gui hands the window's start (keyring thread, watcher, tray icon) to on_painted: not before the window has
    # been exposed, in order, on the GUI thread.
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    calls: list[tuple[str, str]] = []
    app.AfterFirstPaint(
        window,
        (),
        on_painted=[
            lambda: calls.append(("tray", threading.current_thread().name)),
            lambda: calls.append(("start", threading.current_thread().name)),
        ],
    )
    assert calls == []  # nothing before the event loop has painted the window
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=HAND_OFF_MS)
    assert calls == [("tray", threading.main_thread().name), ("start", threading.main_thread().name)]
