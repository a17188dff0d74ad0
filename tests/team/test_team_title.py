"""Two agents' windows side by side are told apart by their titles (new-user pass of `make team-demo`): in team mode
the title names the agent and the team, for every profile; it follows the team_url setting."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.gui.session_support import open_profile
from tests.gui.windows import running_window
from tests.team.conftest import TeamDb

pytestmark = pytest.mark.postgres


def test_the_title_names_the_agent_and_the_team_and_follows_the_setting(
    qtbot: QtBot, team_db: TeamDb, tmp_path: Path
) -> None:
    alice = team_db.add_agent("alice")
    url = team_db.url(alice)
    profile = open_profile(tmp_path / "profile", "http://127.0.0.1:9/", team_url=url)
    with running_window(qtbot, profile) as window:
        assert window.windowTitle() == f"c2c-desktop — {alice} · {team_db.name}"
        assert window.apply_settings(dataclasses.replace(profile.settings, team_url=""))
        assert window.windowTitle() == "c2c-desktop"
        assert window.apply_settings(dataclasses.replace(profile.settings, team_url=url))
        assert window.windowTitle() == f"c2c-desktop — {alice} · {team_db.name}"


def test_a_profile_without_a_team_keeps_the_plain_title(qtbot: QtBot, tmp_path: Path) -> None:
    profile = open_profile(tmp_path / "profile", "http://127.0.0.1:9/")
    with running_window(qtbot, profile) as window:
        assert window.windowTitle() == "c2c-desktop"
