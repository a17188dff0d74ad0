"""Render the Figures window over a realistic week (300 calls to the demo contacts) in a real X window under Xvfb to a
PNG (docs/figures.png for the README).

Usage: .venv/bin/python scripts/figures_screenshot.py docs/figures.png [--scale 2]
Without a DISPLAY it re-runs itself under xvfb-run. The calls are written through the store's API with its clock set
to each call's time: Monday to Friday 2026-11-23..27, 09:00-17:00 in New York (the agent's zone here), with more
prospects reached late morning and late afternoon at their end, as sales teams see it. Two calls in three are placed
from the call list "Week 48" (linked as a session links them), which has callbacks, some kept and some missed; the
window shows that list's figures.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

AGENT_ZONE = "America/New_York"
FIRST_DAY = date(2026, 11, 23)  # a Monday
DAYS = 5
CALLS = 300
LIST_NAME = "Week 48"


def fill_journal(db_path: Path) -> None:
    import c2c_desktop.core.store as store_module
    from c2c_desktop.core.calllists import NewItem, StoreCallLists
    from c2c_desktop.core.demo import load_demo_contacts
    from c2c_desktop.core.figures import callee_zone
    from c2c_desktop.core.models import CallRequest, CallResult, Outcome
    from c2c_desktop.core.phone import parse_number
    from c2c_desktop.core.store import Store

    rng = random.Random(12)
    numbers = [parse_number(phone.number, "US") for contact in load_demo_contacts() for phone in contact.phones]
    agent = ZoneInfo(AGENT_ZONE)
    with Store(db_path) as store:
        lists = StoreCallLists(store)
        week = lists.create_list(LIST_NAME)
        lists.add_items(week.id, [NewItem(number.e164) for number in numbers])
        items = {item.e164: item for item in lists.items(week.id)}
        for index in range(CALLS):
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            local = datetime(day.year, day.month, day.day, 9, tzinfo=agent) + timedelta(seconds=rng.randrange(8 * 3600))
            started = local.astimezone(UTC)
            number = rng.choice(numbers)
            zone = callee_zone(number.e164)
            hour = started.astimezone(ZoneInfo(zone)).hour if zone else 12
            good = hour in (10, 11, 16, 17)
            outcome = rng.choices(
                [Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.UNKNOWN, Outcome.NOT_SENT, Outcome.REJECTED],
                [60, 32, 4, 2, 2],
            )[0]
            disposition = None
            if outcome is Outcome.CONNECTED:
                reached = rng.random() < (0.55 if good else 0.25)
                disposition = (
                    rng.choice(["Connected – interested", "Not interested", "Call back later"])
                    if reached
                    else rng.choice(["Left voicemail", "Left voicemail", "Wrong number"])
                )
            text = started.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            store_module.utc_now = lambda text=text: text  # the store's clock, frozen at this call
            entry = store.begin_call(
                CallRequest(agent_number="5552010001", phone_to_call=number.dial),
                display_number=number.display,
                e164=number.e164,
            )
            store.finish_call(entry.id, CallResult(outcome, "demo"))
            if disposition:
                store.set_disposition(entry.id, disposition)
            if index % 3:
                item = items[number.e164]
                lists.link_call(week.id, item.id, entry.id)
                if index % 25 == 1:  # a callback agreed earlier: kept by this dial, or missed when it rang no one
                    due = started + timedelta(minutes=rng.choice([-3, 2, 10]))
                    if outcome in (Outcome.NOT_SENT, Outcome.REJECTED) or rng.random() < 0.3:
                        due -= timedelta(hours=2)
                    lists.add_callback(number.e164, due, zone or "", contact_id=None, name="", item_id=item.id, note="")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", nargs="?", default="docs/figures.png")
    parser.add_argument("--scale", default="1")
    args = parser.parse_args()
    target = Path(args.target).resolve()
    if not os.environ.get("DISPLAY"):
        if shutil.which("xvfb-run") is None:
            print("xvfb-run is missing: apt-get install xvfb xauth", file=sys.stderr)
            return 1
        command = ["xvfb-run", "-a", "-s", "-screen 0 2560x1600x24", sys.executable, __file__, str(target)]
        return subprocess.run([*command, "--scale", args.scale], check=False).returncode
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ["QT_SCALE_FACTOR"] = args.scale
    os.environ["TZ"] = AGENT_ZONE
    import time

    time.tzset()

    from PySide6.QtCore import QDate, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from c2c_desktop.core import figures as core
    from c2c_desktop.core.store import Store
    from c2c_desktop.gui.figures import FiguresDialog

    app = QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "figures.sqlite3"
        fill_journal(db_path)
        with Store(db_path) as store:
            dialog = FiguresDialog(store)
            dialog.show()
            view = dialog.view
            view.date_from.setDate(QDate(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day))
            last = FIRST_DAY + timedelta(days=DAYS - 1)
            view.date_to.setDate(QDate(last.year, last.month, last.day))
            loop = QEventLoop()
            view.shown.connect(lambda _figures: QTimer.singleShot(300, loop.quit))
            view.choose(core.DATE_RANGE)
            loop.exec()
            view.choose_list(LIST_NAME)
            loop.exec()
            image = dialog.grab()
            target.parent.mkdir(parents=True, exist_ok=True)
            image.save(str(target))
            print(f"{target}: {image.width()}x{image.height()}; {view.shown_values()}")
            dialog.close()
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
