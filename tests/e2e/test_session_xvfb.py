"""A calling session worked in the real app's real X window under Xvfb, with xdotool only, like an agent at the
keyboard: a real profile (keys in a real keyring, settings and the list made with the CLI), the stand-in over
loopback, and a `kill -9` of the window while its call is out.

Every wait polls something the app shows outside itself: its windows' titles, the stand-in's request log, the
store (read-only). Screenshots go to $C2C_SESSION_SCREENSHOTS when set (a folder), else to the test's tmp_path.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from c2c_desktop.core.simulator import StandInService
from c2c_desktop.core.store import default_db_path
from tests.e2e.test_cli import configured, kill_9_once_requested, run_cli, standin  # noqa: F401  (fixtures)
from tests.e2e.test_window_xvfb import finish
from tests.e2e.xvfb import wait_for_window, xdotool, xvfb_display  # noqa: F401  (fixture)
from tests.keyring_session import secret_service  # noqa: F401  (fixture)

pytestmark = [pytest.mark.xvfb, pytest.mark.keyring, pytest.mark.slow]

DEADLINE_S = 30  # for anything the app does on a key; generous: the machine may be loaded
COUNTDOWN_S = 5  # power mode's, in the session test: long enough for Esc to come first on a loaded machine
LATE_TIMER_S = 2  # how late a loaded machine may fire a countdown that was not stopped
MAIN_TITLE = "^c2c-desktop$"  # the window's title between calls ("Calling Ada Okafor… — c2c-desktop" during one)
PICKER_TITLE = "^Work a list$"
CALLBACK_TITLE = "^Schedule a callback"
ASK_TITLE = "^Call again\\?$"
#: The prospects, in list order (New York numbers: the stand-in answers "No Answer" to a number ending in 7, 8 or 9).
LEADS = [
    ("Ada Okafor", "Northwind Traders", "Head of purchasing", "2125550140"),  # connected: 1 interested
    ("Ben Adler", "Contoso", "Office manager", "2125550147"),  # no answer: retried in 2 h
    ("Chloé Martin", "Fabrikam", "CFO", "2125550142"),  # S T: tomorrow
    ("Dev Patel", "Tailspin Toys", "Buyer", "2125550143"),  # C: a callback before calling
    ("Eve Novak", "Litware", "COO", "2125550144"),  # P, Enter (nothing), S L
    ("Finn Berg", "Adatum", "CTO", "2125550145"),  # P, Enter: connected: 5 call back later, with a time
    ("Gus Ortiz", "Proseware", "Owner", "2125550146"),  # power: the countdown stopped by Esc, then S L
]
BARE_NUMBER = "2125550148"  # added by number (`lists add`): power mode dials it when its countdown runs out


def screenshot(display: str, folder: Path, name: str) -> Path:
    """The whole screen as `name` (import -window root, ImageMagick)."""
    target = Path(os.environ.get("C2C_SESSION_SCREENSHOTS") or folder) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["import", "-window", "root", str(target)], env={**os.environ, "DISPLAY": display}, check=True, timeout=60
    )
    return target


def wait_until(condition: Callable[[], bool], what: str, timeout: float = DEADLINE_S) -> None:
    """Poll `condition` (something outside the app: X, the stand-in, the store) until true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)  # another process's state: there is no signal to wait on


def stays(condition: Callable[[], bool], *, until: float, what: str) -> None:
    """`condition` holds until time.monotonic() `until` (something must NOT happen before then: only time shows it)."""
    while time.monotonic() < until:
        assert condition(), what
        time.sleep(0.05)  # another process's state: there is no signal to wait on
    assert condition(), what


def visible(display: str, title_regex: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", title_regex],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=10,
    )
    return bool(found.stdout.split())


def title_of(display: str, window: str) -> str:
    return xdotool(display, "getwindowname", window)


def press(display: str, window: str, *keys: str) -> None:
    """Give `window` the keyboard (a dialog that just closed had it) and press `keys` in order."""
    xdotool(display, "windowfocus", "--sync", window)
    xdotool(display, "key", "--delay", "80", *keys)


def answer_dialog(display: str, title_regex: str, main: str, *keys: str) -> None:
    """Wait for the modal dialog, press `keys` in it, wait until it is gone, and give the main window the keys back."""
    dialog = wait_for_window(display, title_regex, timeout=DEADLINE_S)
    press(display, dialog, *keys)
    wait_until(lambda: not visible(display, title_regex), f"the dialog {title_regex!r} closed")
    xdotool(display, "windowfocus", "--sync", main)


def call_ended(display: str, service: StandInService, main: str, requests: int) -> None:
    """Wait for the `requests`-th request, then for the window's title to drop "Calling …" (its outcome is in)."""
    assert service.wait_for_requests(requests, timeout=DEADLINE_S), f"{service.request_count} requests"
    wait_until(lambda: title_of(display, main) == "c2c-desktop", "the call's outcome")


def dial_once_the_keys_are_read(display: str, main: str, service: StandInService, requests: int, *answer: str) -> None:
    """A dial by Enter (and `answer` keys in the "Call again?" question), pressed again until the call is out. Right
    after a start the keys may still be read from the keyring (slow on a loaded machine): the card's Enter then waits
    for them and calls once they are read (once, however often Enter is pressed meanwhile); and a card just shown
    takes no Enter for 0.4 s (a double press never dials twice): pressing again is what the agent does. A call is out
    once the title says "Calling …" (set after its journal row, before its request) or its request has come; each
    test then checks the request log exactly."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        press(display, main, "Return")
        if answer:
            answer_dialog(display, ASK_TITLE, main, *answer)
        retry_at = time.monotonic() + 2
        while time.monotonic() < retry_at:
            if service.request_count >= requests or title_of(display, main).startswith("Calling "):
                assert service.wait_for_requests(requests, timeout=DEADLINE_S), f"{service.request_count} requests"
                return
            time.sleep(0.05)  # another process's state: there is no signal to wait on
        assert time.monotonic() < deadline, f"{service.request_count} requests, not {requests}: the keys never came"


def items(list_name: str) -> dict[str, tuple[str, int, str | None, str | None]]:
    """The list's items by name: (state, attempts, last outcome, last disposition), read-only from the app's store."""
    with closing(sqlite3.connect(f"{default_db_path().as_uri()}?mode=ro", uri=True, timeout=10)) as db:
        rows = db.execute(
            "SELECT i.name, i.e164, i.state, i.attempts, i.last_outcome, i.last_disposition FROM list_items i "
            "JOIN call_lists l ON l.id = i.list_id WHERE l.name = ? ORDER BY i.position",
            (list_name,),
        ).fetchall()
    return {
        name or e164.removeprefix("+1"): (state, attempts, outcome, disposition)
        for name, e164, state, attempts, outcome, disposition in rows
    }


def state_of(list_name: str, name: str) -> tuple[str, int, str | None, str | None] | None:
    return items(list_name).get(name)


def launch(display: str) -> subprocess.Popen[str]:
    """The app as an agent starts it, on this test's profile (its XDG folders and keyring are in the environment)."""
    return subprocess.Popen(
        [sys.executable, "-m", "c2c_desktop"],
        env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def make_list(tmp_path: Path, name: str, leads: list[tuple[str, str, str, str]], *numbers: str) -> None:
    """The list through the CLI: the leads imported from a contact file into it, then bare numbers added."""
    contacts = tmp_path / f"{name}.csv"
    contacts.write_text(
        "Name,Company,Title,Phone\n"
        + "".join(f"{who},{company},{title},{phone}\n" for who, company, title, phone in leads),
        encoding="utf-8",
    )
    created = run_cli("lists", "create", name, "--from", str(contacts))
    assert created.returncode == 0, created.stdout + created.stderr
    if numbers:
        added = run_cli("lists", "add", name, *numbers)
        assert added.returncode == 0, added.stdout + added.stderr


def test_a_session_worked_with_xdotool_makes_exactly_the_expected_requests(
    xvfb_display: str,  # noqa: F811
    configured: StandInService,  # noqa: F811
    tmp_path: Path,
) -> None:
    display = xvfb_display
    make_list(tmp_path, "Today", LEADS, BARE_NUMBER)
    ada, ben, chloe, dev, eve, finn, gus = (lead[0] for lead in LEADS)
    app = launch(display)
    try:
        main = wait_for_window(display, MAIN_TITLE, timeout=DEADLINE_S)
        press(display, main, "ctrl+shift+l")
        answer_dialog(display, PICKER_TITLE, main, "Return")  # the list is highlighted, preview is the default

        dial_once_the_keys_are_read(display, main, configured, 1)  # Ada: connected; type 2: the card waits
        call_ended(display, configured, main, 1)
        shots = [screenshot(display, tmp_path, "session-connected-type2.png")]
        press(display, main, "Return", "1")  # Enter dials nothing while the disposition is awaited
        wait_until(lambda: state_of("Today", ada) == ("done", 1, "connected", "Connected – interested"), "Ada done")

        # Ben: No answer. With type 2 that is the agent's own phone: Ben was not called, and keeps his place and his
        # attempts; the card stays on him. S L puts him off to later today. (Enter is taken once the new card has
        # been shown for a moment: pressed again until the call is out.)
        dial_once_the_keys_are_read(display, main, configured, 2)
        call_ended(display, configured, main, 2)
        wait_until(lambda: state_of("Today", ben) == ("ready", 0, "no_answer", None), "Ben not called")
        press(display, main, "s", "l")
        wait_until(lambda: state_of("Today", ben) == ("due later", 0, "no_answer", None), "Ben put off")
        shots.append(screenshot(display, tmp_path, "session-card.png"))

        press(display, main, "s", "t")  # Chloé: skipped to tomorrow
        press(display, main, "c")  # Dev: a callback before calling (the dialog suggests a slot in an hour)
        answer_dialog(display, CALLBACK_TITLE, main, "Return")
        wait_until(lambda: state_of("Today", dev) == ("callback", 0, None, None), "Dev's callback")
        press(display, main, "p", "Return", "s", "l")  # Eve: paused, Enter does nothing; S would not act mid-call
        wait_until(lambda: state_of("Today", eve) == ("due later", 0, None, None), "Eve skipped to later today")
        assert configured.request_count == 2
        press(display, main, "p")  # Finn: resumed and called (his card came with the skip): connected; 5 needs a time
        dial_once_the_keys_are_read(display, main, configured, 3)
        call_ended(display, configured, main, 3)
        press(display, main, "5")
        answer_dialog(display, CALLBACK_TITLE, main, "Return")
        wait_until(
            lambda: state_of("Today", finn) == ("callback", 1, "connected", "Call back later"), "Finn's callback"
        )

        # Power mode: Gus's countdown runs; Esc stops it: past its end nothing was sent. S L skips him, and the bare
        # number's countdown then dials it.
        press(display, main, "alt+w")  # Work another list…: the picker, on this list
        answer_dialog(display, PICKER_TITLE, main, "Tab", "Down", "Tab", "ctrl+a", str(COUNTDOWN_S), "Return")
        gus_dials_by = time.monotonic() + COUNTDOWN_S  # his countdown started before the picker left the screen
        press(display, main, "Escape")
        stays(
            lambda: configured.request_count == 3, until=gus_dials_by + LATE_TIMER_S, what="Esc stopped the countdown"
        )
        shots.append(screenshot(display, tmp_path, "session-countdown-stopped.png"))
        press(display, main, "s", "l")
        wait_until(lambda: state_of("Today", gus) == ("due later", 0, None, None), "Gus skipped to later today")
        shots.append(screenshot(display, tmp_path, "session-countdown.png"))
        assert configured.request_count == 3, "the countdown was over before its screenshot"
        call_ended(display, configured, main, 4)
        # No answer on the agent's phone again (type 2): the number keeps its place; power mode pauses.
        wait_until(lambda: state_of("Today", BARE_NUMBER) == ("ready", 0, "no_answer", None), "not called")
        press(display, main, "ctrl+q")
        code, stderr = finish(app)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert [request.params["phone_to_call"] for request in configured.requests] == [
        LEADS[0][3],
        LEADS[1][3],
        LEADS[5][3],
        BARE_NUMBER,
    ]
    assert items("Today") == {
        ada: ("done", 1, "connected", "Connected – interested"),
        ben: ("due later", 0, "no_answer", None),
        chloe: ("due later", 0, None, None),
        dev: ("callback", 0, None, None),
        eve: ("due later", 0, None, None),
        finn: ("callback", 1, "connected", "Call back later"),
        gus: ("due later", 0, None, None),
        BARE_NUMBER: ("ready", 0, "no_answer", None),
    }
    callbacks = run_cli("callbacks", "list")
    assert dev in callbacks.stdout and finn in callbacks.stdout, callbacks.stdout
    assert all(shot.stat().st_size > 0 for shot in shots)


def test_kill_9_mid_call_then_restart_resumes_and_asks_before_calling_again(
    xvfb_display: str,  # noqa: F811
    configured: StandInService,  # noqa: F811
    tmp_path: Path,
) -> None:
    display = xvfb_display
    ada, ben = LEADS[0], LEADS[1]
    make_list(tmp_path, "Another", [ben])  # a resumed session on the wrong list would call Ben without asking
    make_list(tmp_path, "Kill", [ada])
    configured.ring_seconds = 60  # the call stays out: the stand-in holds it
    app = launch(display)
    try:
        main = wait_for_window(display, MAIN_TITLE, timeout=DEADLINE_S)
        press(display, main, "ctrl+shift+l")
        answer_dialog(display, PICKER_TITLE, main, "k", "Return")  # typing a list's first letter highlights it
        dial_once_the_keys_are_read(display, main, configured, 1)
    finally:
        kill_9_once_requested(configured, app, 1)
    assert app.returncode == -9
    [(call_id, state, outcome)] = journal()
    assert (state, outcome) == ("placing", None)  # as journaled before the request: the item points at it
    assert linked_call("Kill", ada[0]) == call_id

    configured.ring_seconds = 0
    again = launch(display)
    try:
        main = wait_for_window(display, MAIN_TITLE, timeout=DEADLINE_S)
        press(display, main, "Return")  # the resumed card: Enter asks first
        question = wait_for_window(display, ASK_TITLE, timeout=DEADLINE_S)
        shots = [screenshot(display, tmp_path, "session-resumed-asks.png")]
        assert journal() == [(call_id, "done", "unknown")]  # recovered at the start: it may still ring
        press(display, question, "Return")  # Cancel is the default: a second Enter never redials
        wait_until(lambda: not visible(display, ASK_TITLE), "the question closed")
        shots.append(screenshot(display, tmp_path, "session-resumed-card.png"))
        dial_once_the_keys_are_read(display, main, configured, 2, "alt+y")  # asked again; this time Yes
        call_ended(display, configured, main, 2)
        press(display, main, "4")  # not interested
        wait_until(lambda: state_of("Kill", ada[0]) == ("done", 2, "connected", "Not interested"), "Ada done")
        press(display, main, "ctrl+q")
        code, stderr = finish(again)
    finally:
        if again.poll() is None:
            again.kill()
            again.communicate()
    assert code == 0, stderr
    assert [request.params["phone_to_call"] for request in configured.requests] == [ada[3], ada[3]]
    assert [(state, outcome) for _id, state, outcome in journal()] == [("done", "unknown"), ("done", "connected")]
    assert all(shot.stat().st_size > 0 for shot in shots)


def journal() -> list[tuple[int, str, str | None]]:
    """Every call row (id, state, outcome), oldest first, read-only from the app's store."""
    with closing(sqlite3.connect(f"{default_db_path().as_uri()}?mode=ro", uri=True, timeout=10)) as db:
        return db.execute("SELECT id, state, outcome FROM calls ORDER BY id").fetchall()


def linked_call(list_name: str, name: str) -> int | None:
    """The call the item is linked to (its last call), read-only from the app's store."""
    with closing(sqlite3.connect(f"{default_db_path().as_uri()}?mode=ro", uri=True, timeout=10)) as db:
        row = db.execute(
            "SELECT i.last_call_id FROM list_items i JOIN call_lists l ON l.id = i.list_id "
            "WHERE l.name = ? AND i.name = ?",
            (list_name, name),
        ).fetchone()
    return None if row is None else row[0]
