"""`make team-demo` (scripts/team_demo.py) without its windows: the cluster, the team, the shared list, the stand-in
and each agent's profile and keyring are set up as the windows will use them, and everything goes away at the end,
whether the demo ends by itself or by Ctrl+C."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.pg_cluster import Cluster, processes_under

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "team_demo.py"


def _env(temp_root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return {**env, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp_root)}


def test_the_demo_sets_up_both_agents_as_their_windows_will_use_them_and_cleans_up(temp_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env=_env(temp_root),
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    for agent in ("alice", "bob"):
        assert f"  {agent}: password read from its keyring, logged in, sees 'Team demo prospects'" in result.stdout
    assert "demo ready" in result.stdout
    assert "watch the claims" not in result.stdout  # --check ends at once: nothing to watch
    assert list(temp_root.iterdir()) == []
    assert processes_under(temp_root) == []


def test_ctrl_c_stops_the_demo_and_removes_everything(temp_root: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--no-windows"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env=_env(temp_root),
    )
    try:
        assert demo.stdout is not None
        output = b""
        deadline = time.monotonic() + 60
        with selectors.DefaultSelector() as selector:
            selector.register(demo.stdout, selectors.EVENT_READ)
            while b"Ctrl+C stops everything" not in output and time.monotonic() < deadline:
                if selector.select(1):
                    chunk = os.read(demo.stdout.fileno(), 65536)  # not readline: a buffered read could hide a line
                    if not chunk:
                        break
                    output += chunk
        assert b"Ctrl+C stops everything" in output, output.decode(errors="replace")
        assert b"open a window for an agent:" in output  # the commands, for a machine without windows
        assert b"watch the claims: " in output  # it keeps running: there is something to watch
        assert processes_under(temp_root) != []  # the server is running in the demo's folder
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGINT)  # the demo's own cleanup, so the test leaves nothing behind either
            demo.communicate(timeout=30)
    assert demo.returncode == 0
    assert b"its folders are removed" in rest
    assert list(temp_root.iterdir()) == []
    assert processes_under(temp_root) == []


def test_each_agent_is_set_up_through_the_app_commands_even_when_setting_names_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No second way to set an agent up: the demo never writes the team URL or password itself (it used to, when
    the window's team mode was not merged yet, whenever `team_url` was not among the setting names)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("team_demo_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, demo)  # its dataclasses look their module up there
    spec.loader.exec_module(demo)
    commands: list[tuple[str, ...]] = []
    monkeypatch.setattr(demo, "run_cli", lambda _agent, *arguments, stdin="": commands.append(arguments))
    # As the old check saw a checkout without team mode: its direct-write path would have run instead.
    monkeypatch.setattr(demo.config, "setting_names", lambda: ["api_url"])
    agent = demo.DemoAgent("alice", "pw-" + "x" * 20, "postgresql://alice@127.0.0.1:5432/c2c_team", tmp_path / "alice")
    demo.prepare_profile(agent, "http://127.0.0.1:9/")
    assert commands == [("config", "set", "team_url", agent.url), ("team", "login")]
    settings = json.loads((tmp_path / "alice" / "config" / "c2c-desktop" / "settings.json").read_text("utf-8"))
    assert not settings.get("team_url")  # `config set team_url` (not run here) is the only writer
    assert agent.password not in agent.keyring_file.read_text("utf-8")  # `team login` stores it, nothing else


def test_the_shared_list_connects_but_for_the_few_no_answers_the_readme_names(pg_cluster: Cluster) -> None:
    import psycopg

    sys.path.insert(0, str(ROOT / "scripts"))
    import team_demo

    from c2c_desktop.core.simulator import answer_for

    try:
        _passwords, numbers, dnc = team_demo.make_team(pg_cluster)
        no_answer = [number for number in dict.fromkeys(numbers) if answer_for(number) == "No Answer"]
        assert len(numbers) == team_demo.LIST_SIZE and len(no_answer) == team_demo.NO_ANSWERS == 3
        repeated = [number for number in numbers if numbers.count(number) > 1]
        assert repeated and all(answer_for(number) == "Call Connected" for number in repeated)
        names = team_demo.no_answer_names()
        readme = " ".join((ROOT / "README.md").read_text().split())
        assert f"{', '.join(names[:-1])} and {names[-1]}" in readme
        with psycopg.connect(pg_cluster.admin_conninfo(team_demo.DATABASE)) as owner:
            listed = owner.execute(
                "SELECT c.name FROM c2c.list_items i JOIN c2c.contacts c ON c.id = i.contact_id "
                "WHERE i.e164 = ANY(%s) ORDER BY i.position",
                (no_answer,),
            ).fetchall()
            assert [row[0] for row in listed] == names
            assert owner.execute("SELECT reason, deleted_at FROM c2c.dnc WHERE e164 = %s", (dnc,)).fetchone() == (
                "asked not to be called",
                None,
            )
    finally:
        with psycopg.connect(pg_cluster.admin_conninfo(), autocommit=True) as admin_connection:
            admin_connection.execute(f"DROP DATABASE IF EXISTS {team_demo.DATABASE} WITH (FORCE)")
            for role in (team_demo.MANAGER, *team_demo.AGENTS):
                admin_connection.execute(f'DROP ROLE IF EXISTS "{role}"')
