"""An owner freed inside its own child's destructor is deleted twice (a segfault): seen in 1 run in 11 of the team
client tests (and in CI), where a job's timer, deleted on its own after the answer, held the last reference to its
TeamLink. Each case runs in a child process, since the failure is the process dying; each failed (exit -11) before
gui/slots.weak_slot."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Answered at the top level (as pytest-qt's processEvents after a test): the child's deleteLater waits for the next
# loop, which runs after the last outside reference to its owner is gone.
PRELUDE = """
import gc, socket, sys, time, weakref
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])

def spin(ms):
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()

def at_top_level(done):
    deadline = time.monotonic() + 10
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    assert done(), "no answer in 10 s"

# How many of five owners, each returned by used_owner(attempt) after its child was let go, are freed once the last
# reference goes (the child's deleteLater still waiting until then).
def freed_in_five(used_owner):
    freed = 0
    for attempt in range(5):
        gone = weakref.ref(used_owner(attempt))
        spin(5)
        gc.collect()
        freed += gone() is None
    return freed
"""


def _run(body: str, tmp_path: Path) -> None:
    script = tmp_path / "case.py"
    script.write_text(PRELUDE + textwrap.dedent(body) + "\nprint('freed', freed_in_five(used_owner))\n")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.strip() == "freed 5", done.stdout  # and the owners are not kept alive by their children


def test_a_team_link_whose_job_timer_goes_after_it(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    _run(
        """
        from c2c_desktop.gui.team import TeamLink
        from tests.standin import closed_port

        def used_owner(_attempt):
            url = f"postgresql://alice@127.0.0.1:{closed_port()}/c2c"
            link = TeamLink(url, None, password_loader=lambda _url: "pw", listen=False)
            answers = []
            link.submit(lambda client: client.session, answers.append)  # refused at once: the timer is let go
            at_top_level(lambda: answers)
            link.shutdown()
            return link
        """,
        tmp_path,
    )


def test_an_instance_server_whose_client_notifier_goes_after_it(tmp_path: Path) -> None:
    _run(
        f"""
        from c2c_desktop.gui.app import UnixInstanceServer

        def used_owner(attempt):
            links = []
            server = UnixInstanceServer({str(tmp_path)!r} + f"/s{{attempt}}", lambda link, _token: links.append(link))
            launch = socket.socket(socket.AF_UNIX)
            launch.connect(server.path)
            launch.sendall(b"tel:+15550100001\\n\\n")
            launch.close()
            at_top_level(lambda: links)  # the client's notifier is let go
            server.close()
            return server
        """,
        tmp_path,
    )
