"""`make team-demo`: two agents work one shared list side by side, and never call the same prospect.

What it starts, all in throwaway places:
- a PostgreSQL cluster in a temp folder (tests/pg_cluster.py), a database `c2c_team` with the team schema
  (admin.init_team, as `team init` does), a manager and two agents, alice and bob, each with their own login role
  and a generated password (admin.add_agent, as `team add-agent` does);
- the shared list "Team demo prospects": 36 of the demo's sample contacts, 4 of their numbers twice (as merged lead
  files have them), assigned to alice and bob (`team lists assign`); one more number on the team's do-not-call list
  (`team dnc add`). The stand-in connects every prospect but three (NO_ANSWERS: their numbers end in 7-9, which it
  answers No answer), so a session shows both;
- the stand-in click-to-call service on a loopback port, ringing --ring seconds;
- for each agent a demo profile of their own (XDG folders under the temp folder): settings with the stand-in's URL,
  the agent's phone and the team URL; and the agent's keyring - a demo-only backend (scripts/demo_keyring.py) with
  the stand-in's demo keys and the agent's database password, so no real keyring is needed (as `--demo` keeps its
  keys in memory). The password is never in the profile itself;
- two windows (`python -m c2c_desktop`, this checkout's code), alice left and bob right.
Ctrl+C, SIGTERM, or closing both windows stops everything and removes every folder.

--no-windows sets everything up, prints the addresses, the commands that open the windows and the `team status`
command that watches the claims, and waits for Ctrl+C. --check sets everything up, checks each agent's side as the
window would use it (in a process with that agent's environment: the password read back from its keyring, a login
over loopback TCP, the shared list seen, one claim taken and released, the click-to-call keys read back), then
cleans up and exits (0: all good).

Each agent is set up through `config set team_url` and `team login`, as an agent would be.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from demo_keyring import FILE_ENV, write_entries  # noqa: E402

from c2c_desktop import APP_NAME  # noqa: E402
from c2c_desktop.core import config  # noqa: E402
from c2c_desktop.core.credentials import ACCESS_KEY_USERNAME, SECRET_KEY_USERNAME  # noqa: E402
from c2c_desktop.core.demo import load_demo_contacts  # noqa: E402
from c2c_desktop.core.models import Contact  # noqa: E402
from c2c_desktop.core.simulator import (  # noqa: E402
    DEMO_ACCESS_KEY,
    DEMO_SECRET_ACCESS_KEY,
    StandInService,
    answer_for,
)
from c2c_desktop.core.team import admin  # noqa: E402
from c2c_desktop.core.team.credentials import keyring_username  # noqa: E402
from c2c_desktop.core.team.server import connect  # noqa: E402
from tests.pg_cluster import Cluster, find_bin_dir, start_cluster  # noqa: E402

DATABASE = "c2c_team"
LIST_NAME = "Team demo prospects"
LIST_SIZE = 40
REPEATED = 4
#: Prospects whose number the stand-in answers No answer (last digit 7-9): a few, so a session shows what a lead
#: that does not pick up becomes; every other prospect connects. Their places in the list (0-based, before the
#: repeats are inserted): one early in each agent's stretch, none of them a repeated number.
NO_ANSWERS = 3
NO_ANSWER_PLACES = (4, 16, 31)
AGENTS = ("alice", "bob")
MANAGER = "manager"
AGENT_NUMBERS = {"alice": "+15550100101", "bob": "+15550100102"}
DEFAULT_RING_S = 2.5
WINDOW_STOP_S = 10.0


@dataclass
class DemoAgent:
    name: str
    password: str
    url: str
    folder: Path

    @property
    def keyring_file(self) -> Path:
        # Beside the profile, not in it: the profile never holds the database password.
        return self.folder.parent / "keyrings" / f"{self.name}.json"

    def env(self) -> dict[str, str]:
        """This agent's environment: its own XDG folders, its demo keyring, this checkout's code."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("XDG_CONFIG", "XDG_DATA", "XDG_STATE", "XDG_CACHE", "PYTHON_KEYRING"))
        }
        env.update(
            {
                "XDG_CONFIG_HOME": str(self.folder / "config"),
                "XDG_DATA_HOME": str(self.folder / "data"),
                "XDG_STATE_HOME": str(self.folder / "state"),
                "XDG_CACHE_HOME": str(self.folder / "cache"),
                "XDG_RUNTIME_DIR": str(self.folder / "run"),
                "PYTHON_KEYRING_BACKEND": "demo_keyring.DemoKeyring",
                FILE_ENV: str(self.keyring_file),
                "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "scripts")]),
            }
        )
        env.pop(config.API_URL_ENV, None)
        return env


def _number(contact: Contact) -> str:
    assert contact.primary_phone is not None
    return contact.primary_phone.e164


def _no_answer(number: str) -> bool:
    """The stand-in's own rule (simulator.answer_for): No answer when the number's last digit is 7, 8 or 9."""
    return answer_for(number) == "No Answer"


def no_answer_names() -> list[str]:
    """The prospects of the shared list the stand-in answers No answer (make_team picks the same)."""
    contacts = [contact for contact in load_demo_contacts() if contact.primary_phone and contact.primary_phone.e164]
    return [contact.name for contact in contacts if _no_answer(_number(contact))][:NO_ANSWERS]


def make_team(cluster: Cluster) -> tuple[dict[str, str], list[str], str]:
    """The schema, the manager and agents (name -> password), the shared list's numbers, the number on the DNC."""
    import psycopg

    with psycopg.connect(cluster.admin_conninfo(), autocommit=True) as superuser:
        superuser.execute(f"CREATE DATABASE {DATABASE}")
    contacts = [
        contact for contact in load_demo_contacts() if contact.primary_phone is not None and contact.primary_phone.e164
    ]
    connects = [contact for contact in contacts if not _no_answer(_number(contact))]
    no_answers = [contact for contact in contacts if _no_answer(_number(contact))][:NO_ANSWERS]
    chosen = connects[: LIST_SIZE - REPEATED - NO_ANSWERS]
    for index, contact in zip(NO_ANSWER_PLACES, no_answers, strict=True):
        chosen.insert(index, contact)
    dnc_contact = connects[LIST_SIZE - REPEATED - NO_ANSWERS]
    passwords = {name: secrets.token_urlsafe(12) for name in (MANAGER, *AGENTS)}
    with connect(cluster.socket_url("postgres", DATABASE)) as owner:
        admin.init_team(owner)
        for name, password in passwords.items():
            admin.add_agent(owner, name, password, manager=name == MANAGER)
        ids = {}
        for contact in [*chosen, dnc_contact]:
            assert contact.primary_phone is not None
            row = owner.execute(
                "INSERT INTO c2c.contacts (name, company, e164) VALUES (%s, %s, %s) RETURNING id",
                (contact.name, contact.company, contact.primary_phone.e164),
            ).fetchone()
            assert row is not None
            ids[contact.primary_phone.e164] = int(row[0])
        numbers = [contact.primary_phone.e164 for contact in chosen if contact.primary_phone is not None]
        for index in range(REPEATED):  # the copy 6 places on: both agents are at work near it at once
            numbers.insert(index * 9 + 7, numbers[index * 9 + 1])
        row = owner.execute("INSERT INTO c2c.call_lists (name) VALUES (%s) RETURNING id", (LIST_NAME,)).fetchone()
        assert row is not None
        with owner.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO c2c.list_items (list_id, position, e164, contact_id) VALUES (%s, %s, %s, %s)",
                [(row[0], position, number, ids[number]) for position, number in enumerate(numbers, 1)],
            )
        admin.assign_list(owner, LIST_NAME, AGENTS)
        dnc_number = _number(dnc_contact)
        admin.add_dnc(owner, [dnc_number], "asked not to be called")  # as `team dnc add` does
        # The do-not-call number is also on the list: nobody may claim it.
        owner.execute(
            "INSERT INTO c2c.list_items (list_id, position, e164, contact_id) VALUES (%s, %s, %s, %s)",
            (row[0], len(numbers) + 1, dnc_number, ids[dnc_number]),
        )
    return passwords, numbers, dnc_number


def run_cli(agent: DemoAgent, *arguments: str, stdin: str = "") -> None:
    result = subprocess.run(
        [sys.executable, "-m", "c2c_desktop", *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=agent.env(),
        cwd=agent.folder,
    )
    if result.returncode != 0:
        raise SystemExit(f"{agent.name}: c2c-desktop {arguments[0]} {arguments[1]} failed: {result.stderr.strip()}")


def prepare_profile(agent: DemoAgent, standin_url: str) -> None:
    """The agent's settings and keyring: the click-to-call keys written to its demo keyring, then the team URL and the
    database password through the app's own commands (`config set team_url`, `team login`), as an agent would."""
    for part in ("config", "data", "state", "cache", "run"):
        (agent.folder / part).mkdir(parents=True, exist_ok=True, mode=0o700)
    settings = dataclasses.replace(
        config.Settings(),
        agent_number=AGENT_NUMBERS[agent.name],
        api_url=standin_url,
        read_timeout=30.0,
        mode="business",  # the demo calls at any hour (company window and do-not-call lists only), as --demo does
        close_to_tray=False,  # closing both windows ends the demo
        notifications=False,
    )
    settings_path = agent.folder / "config" / APP_NAME / "settings.json"
    config.save_settings(settings, settings_path)
    keys = {(APP_NAME, ACCESS_KEY_USERNAME): DEMO_ACCESS_KEY, (APP_NAME, SECRET_KEY_USERNAME): DEMO_SECRET_ACCESS_KEY}
    write_entries(agent.keyring_file, keys)
    run_cli(agent, "config", "set", "team_url", agent.url)
    run_cli(agent, "team", "login", stdin=agent.password + "\n")


_PLACE_WINDOW = """
import sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv[:1])
area = app.primaryScreen().availableGeometry()
index, count = int(sys.argv[1]), int(sys.argv[2])
width = area.width() // count
frame = QWidget()
frame.setGeometry(area.x() + index * width, area.y() + 30, width, area.height() - 30)
state = QSettings("c2c-desktop", "c2c-desktop")
state.setValue("geometry", frame.saveGeometry())
state.sync()
"""


def place_window(agent: DemoAgent, index: int, count: int) -> None:
    """Remember a window place for the agent (its share of the screen, left to right), as the window saves one."""
    subprocess.run(
        [sys.executable, "-c", _PLACE_WINDOW, str(index), str(count)],
        env=agent.env(),
        timeout=60,
        capture_output=True,
        check=False,
    )


_CHECK_AGENT = """
import json, sys
import keyring
from c2c_desktop.core.credentials import KeyringCredentialStore
from c2c_desktop.core.config import load_settings, default_settings_path
from c2c_desktop.core.team.server import TeamSession
url, entry, expected_list = sys.argv[1:4]
raw = json.loads(default_settings_path().read_text())
password = keyring.get_password("c2c-desktop", entry)
keys = KeyringCredentialStore().load()
with TeamSession.open(url, password) as session:
    lists = dict((name, list_id) for list_id, name in session.assigned_lists())
    claim = session.claim_next(lists[expected_list])
    released = session.release_claim(item_id=claim.item_id)
    agent = session.agent
print(json.dumps({"agent": agent, "team_url": raw.get("team_url"), "api_url": load_settings().api_url,
                  "keys": keys is not None, "lists": sorted(lists), "claimed": claim.number, "released": released}))
"""


def check_agent(agent: DemoAgent, standin_url: str) -> list[str]:
    """Problems found on the agent's side (empty: ready), checked in a process with the agent's environment."""
    result = subprocess.run(
        [sys.executable, "-c", _CHECK_AGENT, agent.url, keyring_username(agent.url), LIST_NAME],
        env=agent.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        return [f"{agent.name}: the check failed: {result.stderr.strip().splitlines()[-1:]}"]
    seen = json.loads(result.stdout)
    problems = []
    if seen["agent"] != agent.name or seen["lists"] != [LIST_NAME] or not seen["released"]:
        problems.append(f"{agent.name}: logged in as {seen['agent']}, sees {seen['lists']}")
    if seen["team_url"] != agent.url or seen["api_url"] != standin_url or not seen["keys"]:
        problems.append(f"{agent.name}: settings or keys not as set up: {seen}")
    for path in agent.folder.rglob("*"):
        if path.is_file() and agent.password.encode() in path.read_bytes():
            problems.append(f"{agent.name}: the database password is in {path.relative_to(agent.folder)}")
    print(f"  {agent.name}: password read from its keyring, logged in, sees '{LIST_NAME}', claimed {seen['claimed']}")
    print(f"  {' ' * len(agent.name)}  and released it; click-to-call keys from its keyring; settings as set up")
    return problems


def launch_window(agent: DemoAgent) -> subprocess.Popen[bytes]:
    log = open(agent.folder / "window.log", "wb")  # noqa: SIM115 (closed with the process below)
    try:
        # A session of its own: Ctrl+C in the terminal reaches this script, which then closes the windows in order.
        return subprocess.Popen(
            [sys.executable, "-m", "c2c_desktop"],
            env=agent.env(),
            cwd=agent.folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()


def stop_windows(windows: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (the app quits the orderly way), then SIGKILL for one that has not gone after WINDOW_STOP_S."""
    for window in windows:
        if window.poll() is None:
            window.terminate()
    deadline = time.monotonic() + WINDOW_STOP_S
    for window in windows:
        try:
            window.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            window.kill()
            window.wait(5)


def print_setup(cluster: Cluster, standin: StandInService, agents: list[DemoAgent], dnc: str) -> None:
    print(f"team database: {cluster.tcp_url('USER', DATABASE)} (PostgreSQL in {cluster.folder})")
    print(f"stand-in service: {standin.url}")
    print(f"list '{LIST_NAME}': {LIST_SIZE} prospects, {REPEATED} numbers twice, {dnc} on the team's DNC list")
    for agent in agents:
        print(f"  {agent.name}: {agent.url}  profile {agent.folder}")
    print("the agents' settings and keyrings: set up through `config set team_url` and `team login`")
    print(f"no answer (the stand-in's rule: last digit 7-9): {', '.join(no_answer_names())}; all others connect")


def print_watch_command(cluster: Cluster) -> None:
    """How to watch the claims from a third terminal: only while the demo keeps running."""
    owner_url = cluster.socket_url("postgres", DATABASE)
    print(f"watch the claims: PYTHONPATH={ROOT} {sys.executable} -m c2c_desktop team status --url '{owner_url}'")


def print_window_commands(agents: list[DemoAgent]) -> None:
    print("open a window for an agent:")
    for agent in agents:
        env = agent.env()
        names = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR")
        parts = [f"{name}={env[name]}" for name in (*names, "PYTHON_KEYRING_BACKEND", FILE_ENV, "PYTHONPATH")]
        print(f"  {agent.name}: " + " ".join(parts) + f" {sys.executable} -m c2c_desktop")


def wait_for(windows: list[subprocess.Popen[bytes]], agents: list[DemoAgent]) -> None:
    """Until every window is closed (a window that fails at once has its log's end printed)."""
    while True:
        for window, agent in zip(windows, agents, strict=True):
            if window.returncode is None and window.poll() is not None and window.returncode != 0:
                log = (agent.folder / "window.log").read_text(errors="replace").strip().splitlines()
                print(f"{agent.name}'s window ended ({window.returncode}): " + " / ".join(log[-3:]), file=sys.stderr)
        if all(window.poll() is not None for window in windows):
            return
        time.sleep(0.5)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Two agents working one shared team list, side by side.")
    parser.add_argument("--no-windows", action="store_true", help="set up, print the commands, wait for Ctrl+C")
    parser.add_argument("--check", action="store_true", help="set up, check each agent's side, clean up, exit")
    parser.add_argument("--ring", type=float, default=DEFAULT_RING_S, metavar="S", help="the stand-in's ring time")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each line out at once, even to a pipe
    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("The team demo needs PostgreSQL's server programs: scripts/system-packages.sh team", file=sys.stderr)
        return 2

    def stop_on_term(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, stop_on_term)
    folder = Path(tempfile.mkdtemp(prefix="c2c-team-demo-"))
    windows: list[subprocess.Popen[bytes]] = []
    cluster: Cluster | None = None
    standin = StandInService(ring_seconds=max(0.0, args.ring))
    try:
        cluster = start_cluster(bin_dir)
        standin.start()
        passwords, _numbers, dnc = make_team(cluster)
        agents = [
            DemoAgent(name, passwords[name], cluster.tcp_url(name, DATABASE), folder / "agents" / name)
            for name in AGENTS
        ]
        for agent in agents:
            prepare_profile(agent, standin.url)
        print_setup(cluster, standin, agents, dnc)
        if args.check:
            print("checking each agent's side:")
            problems = [problem for agent in agents for problem in check_agent(agent, standin.url)]
            for problem in problems:
                print(f"PROBLEM {problem}", file=sys.stderr)
            print("demo ready" if not problems else "demo NOT ready")
            return 0 if not problems else 1
        print_watch_command(cluster)
        if args.no_windows or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            print_window_commands(agents)
            print("running; Ctrl+C stops everything and removes the folders")
            while True:
                time.sleep(3600)
        for index, agent in enumerate(agents):
            place_window(agent, index, len(agents))
        windows = [launch_window(agent) for agent in agents]
        print(f"windows open: {', '.join(AGENTS)} (left to right); close both, or Ctrl+C here, to end the demo")
        wait_for(windows, agents)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        stop_windows(windows)
        standin.stop()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
        print("demo stopped; its folders are removed")


if __name__ == "__main__":
    sys.exit(main())
