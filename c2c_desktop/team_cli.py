"""`c2c-desktop team …`: the manager's commands for the team workspace on PostgreSQL.

Imported by cli.py only when a team command runs (it loads psycopg, from the `team` extra). Failures are
core.team.server.TeamError with one plain line; cli.py prints them. Passwords are never arguments: the new agent's
is read from the terminal (asked twice) or from the first line of standard input; the owner's comes from libpq's
usual places (PGPASSWORD, ~/.pgpass) or, on a terminal, a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from c2c_desktop.core.team import admin
from c2c_desktop.core.team.lists import Lead, TeamListReport, create_team_list
from c2c_desktop.core.team.server import (
    Connection,
    TeamError,
    TeamRefused,
    TeamSession,
    TeamSetupError,
    connect,
    describe_url,
    parse_team_url,
)

__all__ = ["NumberGate", "TeamError", "create_list", "run"]


def _connect(url: str, stdin: TextIO) -> Connection:
    try:
        return connect(url)
    except TeamRefused as exc:
        if "password" not in str(exc) or not stdin.isatty():
            raise
    return connect(url, getpass.getpass("Password of the database owner: "))


def _new_password(name: str, stdin: TextIO) -> str:
    if stdin.isatty():
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("The same password again: ") != password:
            raise TeamSetupError("the two passwords differ; nothing was changed")
    else:
        password = stdin.readline().rstrip("\r\n")
    if not password:
        raise TeamSetupError(
            "no password given (type it at the prompt, or send it as the first line of standard input)"
        )
    return password


def _time(value: datetime) -> str:
    return value.astimezone().strftime("%H:%M:%S")


def _init(args: argparse.Namespace, connection: Connection) -> None:
    applied = admin.init_team(connection)
    if applied:
        print(f"team database ready: migrations {', '.join(map(str, applied))} applied")
    else:
        print(f"team database already up to date (version {admin.applied_versions(connection)[-1]})")
    for problem in admin.security_problems(connection):
        print(f"warning: {problem}", file=sys.stderr)


def _add_agent(args: argparse.Namespace, connection: Connection) -> None:
    admin.check_agent_name(args.name)
    password = _new_password(args.name, sys.stdin)
    admin.add_agent(connection, args.name, password, manager=args.manager)
    kind = "manager" if args.manager else "agent"
    print(f"added {args.name} as {kind} (at most {admin.CONNECTION_LIMIT} connections at a time)")


def _assign(args: argparse.Namespace, connection: Connection) -> None:
    assigned = admin.assign_list(connection, args.list, args.agents)
    print(f"{args.list}: assigned to {', '.join(assigned)}")


def _status(args: argparse.Namespace, connection: Connection) -> None:
    status = admin.team_status(connection)
    if args.json:
        print(
            json.dumps(
                {
                    "members": [vars(member) for member in status.members],
                    "lists": [vars(team_list) for team_list in status.lists],
                    "in_flight": [
                        {
                            **vars(claim),
                            "claimed_at": claim.claimed_at.isoformat(),
                            "lease_until": claim.lease_until.isoformat(),
                        }
                        for claim in status.in_flight
                    ],
                    "problems": status.problems,
                },
                indent=2,
            )
        )
        return
    print("Members:")
    for member in status.members or []:
        print(f"  {member.name:<20} {'manager' if member.manager else 'agent':<8} {member.calls} calls")
    if not status.members:
        print("  none yet (team add-agent NAME)")
    print("Lists:")
    for team_list in status.lists:
        share = f"{team_list.done * 100 // team_list.items}%" if team_list.items else "-"
        print(
            f"  {team_list.name:<20} {team_list.done}/{team_list.items} done ({share}), {team_list.open} open, "
            f"{team_list.in_flight} in flight; assigned to {', '.join(team_list.assigned_to) or 'nobody'}"
        )
    if not status.lists:
        print("  none yet")
    print(f"Claims in flight: {len(status.in_flight)}")
    for claim in status.in_flight:
        where = f" ({claim.list_name})" if claim.list_name else " (ad hoc)"
        since, until = _time(claim.claimed_at), _time(claim.lease_until)
        print(f"  {claim.number:<16} {claim.claimed_by:<20} since {since}, until {until}{where}")
    for problem in status.problems:
        print(f"warning: {problem}", file=sys.stderr)


_ACTIONS = {"init": _init, "add-agent": _add_agent, "assign": _assign, "status": _status}


def _account_url(args: argparse.Namespace) -> str:
    """--url, else the team_url setting; checked by the client's rules."""
    from c2c_desktop.core import config

    try:
        url = args.url or config.load_settings().team_url
        if not url:
            raise TeamSetupError("no team URL: give --url, or config set team_url postgresql://NAME@HOST/DATABASE")
        return config.parse_team_url_setting(url)
    except config.ConfigError as exc:
        raise TeamSetupError(str(exc)) from None


def _agent_password(stdin: TextIO) -> str:
    password = getpass.getpass("Your team database password: ") if stdin.isatty() else stdin.readline()
    password = password.rstrip("\r\n")
    if not password:
        raise TeamSetupError("no password given (type it at the prompt, or send it as standard input's first line)")
    return password


def _login(args: argparse.Namespace) -> None:
    """Check the password by connecting as the agent, then keep it in the keyring (and --url as team_url)."""
    from c2c_desktop.core import config
    from c2c_desktop.core.credentials import CredentialsError
    from c2c_desktop.core.team.client import CONNECT_TIMEOUT_S
    from c2c_desktop.core.team.credentials import save_password

    url = _account_url(args)
    password = _agent_password(sys.stdin)
    with TeamSession.open(url, password, connect_timeout=CONNECT_TIMEOUT_S) as session:
        agent = session.agent
    try:
        where = save_password(url, password)
    except CredentialsError as exc:
        raise TeamSetupError(f"signed in, but the password was not kept: {exc}") from None
    if args.url:
        path = config.default_settings_path()
        try:
            settings = config.with_value(config.load_settings(path), "team_url", url)
            config.save_settings(settings, path)
        except (config.ConfigError, OSError) as exc:
            raise TeamSetupError(f"the password is kept, but team_url was not set: {exc}") from None
        print(f"team_url = {url}")
    print(f"signed in as {agent} ({describe_url(parse_team_url(url))}); password: {where.lower()}")


def _logout(args: argparse.Namespace) -> None:
    from c2c_desktop.core.credentials import CredentialsError
    from c2c_desktop.core.team.credentials import forget_password

    url = _account_url(args)
    try:
        forget_password(url)
    except CredentialsError as exc:
        raise TeamSetupError(str(exc)) from None
    print(f"signed out: the password of {describe_url(parse_team_url(url))} is no longer in the system keyring")


def run(args: argparse.Namespace) -> int:
    """Run `team ACTION`; raises TeamError with a plain line on failure."""
    if args.action in ("login", "logout"):
        (_login if args.action == "login" else _logout)(args)
        return 0
    action = "assign" if args.action == "lists" else args.action
    if action == "add-agent":
        admin.check_agent_name(args.name)  # before asking for any password
    with _connect(args.url, sys.stdin) as connection:
        _ACTIONS[action](args, connection)
    return 0


def _saved_password(url: str) -> str | None:
    """The password `team login` kept for this URL, or None (none kept, or no keyring here)."""
    from c2c_desktop.core.credentials import CredentialsError
    from c2c_desktop.core.team.credentials import load_password

    try:
        return load_password(url)
    except CredentialsError:
        return None


def create_list(url: str, name: str, leads: Sequence[Lead]) -> TeamListReport:
    """`lists create NAME --team`: the team list made on the server as the URL's role (a manager or the owner), with
    the password `team login` kept, else libpq's own (PGPASSWORD, ~/.pgpass), else asked for on a terminal."""
    password = _saved_password(url)
    with connect(url, password) if password else _connect(url, sys.stdin) as connection:
        return create_team_list(connection, name, leads)


class NumberGate:
    """`call NUMBER` in team mode: the number is claimed on the team server before its journal row is written, as the
    window's ad-hoc dial does. Blocking (a command has no event loop to keep free); the password is the one `team
    login` kept in the keyring."""

    def __init__(self, url: str) -> None:
        from c2c_desktop.core.team.client import TeamClient
        from c2c_desktop.core.team.server import url_account

        self.account = url_account(url)
        self._client = TeamClient(url, lambda: _saved_password(url), None)
        self._number: str | None = None

    def claim(self, e164: str, *, anyway: bool) -> tuple[bool, str]:
        """(team-guarded, a note for standard error). Claimed: (True, ""). The server not reached or not letting this
        agent in: (False, why), the call goes ahead under the local rules. Refused (the team's do-not-call list,
        another agent calling it now, its cool-off without `anyway`, any other refusal): TeamError with the reason."""
        from c2c_desktop.core.team.client import sign_in_failed, went_offline

        try:
            session = self._client.session
            answer = session.claim_number(e164)
            if anyway and not (answer.claimed or answer.on_dnc or answer.in_progress):
                answer = session.claim_number(e164, confirmed=True)  # its cool-off: the agent said call anyway
        except TeamError as exc:
            if sign_in_failed(exc):
                return False, "team: not signed in (run `team login`): calling under your own rules, not team-guarded"
            if went_offline(exc):
                return False, f"team server not reached ({exc}): calling under your own rules, not team-guarded"
            raise TeamError(f"the team server refused it: {exc}") from None
        if answer.claimed:
            self._number = e164
            return True, ""
        if answer.on_dnc:
            raise TeamError("this number is on the team's do-not-call list")
        said = answer.describe(datetime.now(UTC), session.agent)
        if answer.in_progress or anyway:
            raise TeamError(said or "the team server did not give this number")
        raise TeamError(f"{said}; add --anyway to call anyway")

    def done(self, *, dialled: bool) -> str:
        """After the call (or when nothing was sent): the claim's lease ends, or the claim is given back when the
        number was never dialled. "" or a note for standard error (the lease then ends by itself)."""
        number, self._number = self._number, None
        if number is None:
            return ""
        try:
            if dialled:
                self._client.session.finish_number(number)
            else:
                self._client.session.release_claim(number=number)
        except TeamError as exc:
            return f"team: the claim was not {'ended' if dialled else 'given back'} ({exc}); its lease ends by itself"
        return ""

    def close(self) -> None:
        self._client.close()
