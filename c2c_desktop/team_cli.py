"""`c2c-desktop team …`: the manager's commands for the team workspace on PostgreSQL, and an agent's login, logout
and sync.

Imported by cli.py only when a team command runs (it loads psycopg, from the `team` extra). Failures are
core.team.server.TeamError with one plain line; cli.py prints them. Passwords are never arguments: the new agent's
is read from the terminal (asked twice) or from the first line of standard input.

Every command finds its account the same way (`resolve_url`, then `open_connection`): the URL from --url, else
$C2C_TEAM_URL, else the team_url setting; the password `team login` kept in the keyring, else libpq's own places
(PGPASSWORD, ~/.pgpass), else a prompt on a terminal. An error says which of those places were tried.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from c2c_desktop.core.team import admin
from c2c_desktop.core.team.lists import Lead, TeamListReport, create_team_list
from c2c_desktop.core.team.server import (
    NO_PASSWORD_TEXT,
    Connection,
    TeamError,
    TeamNoPassword,
    TeamRefused,
    TeamSession,
    TeamSetupError,
    connect,
    describe_url,
    parse_team_url,
    url_account,
)

if TYPE_CHECKING:
    from c2c_desktop.core.store import Store

__all__ = ["NumberGate", "TeamError", "create_list", "open_connection", "resolve_url", "run"]

URL_ENV = "C2C_TEAM_URL"
#: add-agent and login given more arguments than they take (perhaps a password): said instead of echoing them.
PASSWORD_ARGUMENT_MESSAGE = (
    "passwords are never command-line arguments: you are asked for it (or send it on standard input)"
)


def resolve_url(given: str | None) -> str:
    """The team URL: `given` (--url), else $C2C_TEAM_URL, else the team_url setting, checked by the client's rules.
    TeamSetupError names the places tried when none has one."""
    from c2c_desktop.core import config

    if given:
        parse_team_url(given)
        return given
    url = os.environ.get(URL_ENV, "").strip()
    source = f"${URL_ENV}"
    if not url:
        try:
            url = config.load_settings().team_url
        except config.ConfigError as exc:
            raise TeamSetupError(f"no --url, no ${URL_ENV}, and the settings cannot be read: {exc}") from None
        source = "the team_url setting"
    if not url:
        raise TeamSetupError(
            f"no team URL: none given with --url, none in ${URL_ENV}, and no team_url setting "
            "(config set team_url postgresql://NAME@HOST/DATABASE)"
        )
    try:
        parse_team_url(url)
    except TeamSetupError as exc:
        raise TeamSetupError(f"{source}: {exc}") from None
    return url


def _saved_password(url: str) -> str | None:
    """The password `team login` kept for this URL, or None (none kept, or no keyring here)."""
    from c2c_desktop.core.credentials import CredentialsError
    from c2c_desktop.core.team.credentials import load_password

    try:
        return load_password(url)
    except CredentialsError:
        return None


def _libpq_password_source() -> str:
    """Where libpq found the password it sent: PGPASSWORD, the password file, or "" (none: trust, or peer)."""
    if os.environ.get("PGPASSWORD"):
        return "PGPASSWORD"
    password_file = os.environ.get("PGPASSFILE") or os.path.expanduser("~/.pgpass")
    return os.environ.get("PGPASSFILE", "~/.pgpass") if os.path.isfile(password_file) else ""


def open_connection(url: str, stdin: TextIO | None = None) -> Connection:
    """A connection for `url` with the password `team login` kept (the keyring), else libpq's own (PGPASSWORD,
    ~/.pgpass), else one asked for on a terminal. A refusal says which password was tried."""
    stdin = sys.stdin if stdin is None else stdin
    saved = _saved_password(url)
    if saved:
        try:
            return connect(url, saved)
        except TeamRefused as exc:
            raise type(exc)(f"{exc} (the password kept by team login: run team login again)") from None
    try:
        return connect(url)
    except TeamNoPassword:
        if not stdin.isatty():
            where = describe_url(parse_team_url(url))
            raise TeamNoPassword(
                f"{NO_PASSWORD_TEXT}; tried: the keyring (nothing kept for {where}), PGPASSWORD and ~/.pgpass"
            ) from None
    except TeamRefused as exc:
        source = _libpq_password_source()
        raise type(exc)(f"{exc} (the password from {source})" if source else str(exc)) from None
    return connect(url, getpass.getpass(f"Password of {parse_team_url(url)['user']}: "))


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


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


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


def _remove_agent(args: argparse.Namespace, connection: Connection) -> None:
    removal = admin.remove_agent(connection, args.name)
    print(
        f"removed {removal.name} from the team: {_plural(removal.calls_kept, 'call')} kept under their name; "
        f"{_plural(removal.claims_released, 'lead')} they held and {_plural(removal.callbacks_released, 'callback')}"
        " given back to the lists (each number once its cool-off from their claim ends)"
        + (f"; no longer assigned to {', '.join(removal.lists_left)}" if removal.lists_left else "")
    )
    if removal.dropped:
        print(f"the login role {removal.name} is dropped")
    else:
        print(
            f"the login role {removal.name} could not be dropped ({removal.why_kept}): it stays, out of the team and "
            "unable to log in (NOLOGIN)"
        )


def _print_lists(lists: Sequence[admin.TeamList]) -> None:
    for team_list in lists:
        share = f"{team_list.done * 100 // team_list.items}%" if team_list.items else "-"
        print(
            f"  {team_list.name:<20} {team_list.done}/{team_list.items} done ({share}), {team_list.open} open, "
            f"{team_list.in_flight} in flight; assigned to {', '.join(team_list.assigned_to) or 'nobody'}"
        )
    if not lists:
        print("  none yet (lists create NAME --from FILE --team)")


def _lists(args: argparse.Namespace, connection: Connection) -> None:
    if args.lists_action == "assign":
        assigned = admin.assign_list(connection, args.list, args.agents)
        print(f"{args.list}: assigned to {', '.join(assigned)}")
    elif args.lists_action == "unassign":
        remaining, not_assigned = admin.unassign_list(connection, args.list, args.agents)
        if not_assigned:
            print(f"{args.list}: {', '.join(not_assigned)} {'was' if len(not_assigned) == 1 else 'were'} not assigned")
        print(f"{args.list}: assigned to {', '.join(remaining) or 'nobody'}")
    else:
        print("Lists:")
        _print_lists(admin.team_lists(connection))


def _dnc_numbers(texts: Sequence[str]) -> list[str]:
    """Each number as E.164, read as the local do-not-call list reads one (the settings' region)."""
    from c2c_desktop.core import config
    from c2c_desktop.core.phone import PhoneError, parse_number

    try:
        region = config.load_settings().region
    except config.ConfigError as exc:
        raise TeamSetupError(f"the settings cannot be read: {exc}") from None
    numbers = []
    for text in texts:
        try:
            numbers.append(parse_number(text, region).e164)
        except PhoneError as exc:
            raise TeamSetupError(f"{exc}; nothing was changed") from None
    return numbers


def _dnc(args: argparse.Namespace, connection: Connection) -> None:
    if args.dnc_action == "add":
        added, already = admin.add_dnc(connection, _dnc_numbers(args.numbers), args.reason)
        for number in added:
            print(f"{number} added to the team's do-not-call list")
        for number in already:
            print(f"{number} is already on the team's do-not-call list")
    elif args.dnc_action == "remove":
        removed, missing = admin.remove_dnc(connection, _dnc_numbers(args.numbers))
        for number in removed:
            print(f"{number} taken off the team's do-not-call list")
        for number in missing:
            print(f"{number} is not on the team's do-not-call list")
    else:
        entries = admin.dnc_entries(connection)
        for entry in entries:
            why = f" ({entry.reason})" if entry.reason else ""
            print(f"{entry.e164:<16} added by {entry.added_by} on {entry.added_at.astimezone():%Y-%m-%d}{why}")
        if not entries:
            print("the team's do-not-call list is empty (team dnc add NUMBER…)")


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
        print(f"  {member.name:<20} {'manager' if member.manager else 'agent':<8} {_plural(member.calls, 'call')}")
    if not status.members:
        print("  none yet (team add-agent NAME)")
    print("Lists:")
    _print_lists(status.lists)
    print(f"Claims in flight: {len(status.in_flight)}")
    for claim in status.in_flight:
        where = f" ({claim.list_name})" if claim.list_name else " (ad hoc)"
        since, until = _time(claim.claimed_at), _time(claim.lease_until)
        print(f"  {claim.number:<16} {claim.claimed_by:<20} since {since}, until {until}{where}")
    for problem in status.problems:
        print(f"warning: {problem}", file=sys.stderr)


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

    url = resolve_url(args.url)
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

    url = resolve_url(args.url)
    where = describe_url(parse_team_url(url))
    try:
        was_kept = forget_password(url)
    except CredentialsError as exc:
        raise TeamSetupError(str(exc)) from None
    if was_kept:
        print(f"signed out: the password of {where} is no longer in the system keyring")
    else:
        print(f"{where} was not signed in: no password of it was in the system keyring")


#: How `team sync` names what a pull changed (core.team.sync.PULLED_TABLES).
_PULLED_WORDS = {
    "team_settings": "setting",
    "contacts": "contact",
    "dnc": "do-not-call number",
    "call_lists": "list",
    "list_items": "list item",
}


def _sync(url: str, open_store: Callable[[], Store]) -> None:
    """An agent's terminal (the window does this by itself): push the calls and list items' ends waiting for the team
    server, then pull the assigned lists, the team's contacts and do-not-call list into the local mirrors."""
    from c2c_desktop.core.team.sync import TeamSync, pending_count

    account = url_account(url)
    with open_connection(url) as connection, open_store() as store:
        sync = TeamSync(store, TeamSession(connection), account=account)
        pushed = sync.push()
        ends = sync.send_item_updates()
        marks = sync.send_dnc_marks()
        report = sync.pull()
        waiting = pending_count(store, account)
    pulled = ", ".join(_plural(count, _PULLED_WORDS[table]) for table, count in report.changed.items() if count)
    extras = [_plural(ends, "list item end")] if ends else []
    extras += [_plural(marks, "do-not-call number")] if marks else []
    print(f"pushed {_plural(pushed, 'call')}" + "".join(f" and {extra}" for extra in extras))
    print(f"pulled {pulled or 'nothing new'}" + (" (first pull: everything)" if report.full else ""))
    if waiting:
        print(f"{_plural(waiting, 'call')} still waiting to sync")


_ACTIONS = {
    "init": _init,
    "add-agent": _add_agent,
    "remove-agent": _remove_agent,
    "lists": _lists,
    "dnc": _dnc,
    "status": _status,
}


def run(args: argparse.Namespace, open_store: Callable[[], Store] | None = None) -> int:
    """Run `team ACTION`; raises TeamError with a plain line on failure. `open_store`: the local journal (`sync`)."""
    if getattr(args, "extra_arguments", None):
        raise TeamSetupError(PASSWORD_ARGUMENT_MESSAGE)
    if args.action in ("login", "logout"):
        (_login if args.action == "login" else _logout)(args)
        return 0
    if args.action == "sync":
        if open_store is None:
            raise TeamSetupError("team sync needs the local journal")
        _sync(resolve_url(args.url), open_store)
        return 0
    if args.action in ("add-agent", "remove-agent"):
        admin.check_agent_name(args.name)  # before asking for any password
    with open_connection(resolve_url(args.url)) as connection:
        _ACTIONS[args.action](args, connection)
    return 0


def create_list(url: str, name: str, leads: Sequence[Lead]) -> TeamListReport:
    """`lists create NAME --team`: the team list made on the server as the URL's role (a manager or the owner), the
    password found as for every team command (open_connection)."""
    with open_connection(url) as connection:
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
