"""The front door: the window by default, `--demo`, tel:/callto: links, and the terminal commands.

Every error is one plain line on stderr, never a traceback. `call` exits with the outcome's code (see EXIT_CODES).

Each command imports what it needs when it runs: opening the window must not wait for the HTTP client, the keyring
or the contact importers (tests/test_startup_imports.py keeps it that way).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import io
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, NoReturn, TextIO

from c2c_desktop import APP_NAME, __version__
from c2c_desktop.core import config
from c2c_desktop.core.models import EXIT_CODES, Contact, Credentials, JournalEntry, Outcome
from c2c_desktop.core.redaction import install_log_redaction
from c2c_desktop.core.text import json_terminal_safe, terminal_safe

if TYPE_CHECKING:
    from c2c_desktop.core.calllists import CallListStore, ListItem
    from c2c_desktop.core.contacts_io import DuplicatePolicy, ImportSummary
    from c2c_desktop.core.credentials import KeysState
    from c2c_desktop.core.disposition_rules import DispositionRules
    from c2c_desktop.core.figures import Figures
    from c2c_desktop.core.importers import ImportProblem
    from c2c_desktop.core.list_work import CallableNow, DueCallback, Standing
    from c2c_desktop.core.rules.guard import CallGuard
    from c2c_desktop.core.rules.model import AuditLog
    from c2c_desktop.core.store import Store
    from c2c_desktop.core.team.lists import Lead
    from c2c_desktop.team_cli import NumberGate

EXIT_OK = 0
EXIT_ERROR = 2  # bad input, missing keys or configuration (also argparse's usage error code)

COMMANDS = (
    "call",
    "rules",
    "keys",
    "config",
    "history",
    "simulator",
    "contacts",
    "dnc",
    "audit",
    "lists",
    "callbacks",
    "figures",
    "team",
    "install-desktop-entry",
    "uninstall-desktop-entry",
)
#: contacts_io.DuplicatePolicy's values, the default first: written out so that the parser (and so `--help` and every
#: command) does not load the importers and libphonenumber (~50 ms). tests/test_startup_imports.py compares them.
DUPLICATE_POLICIES = ("merge", "skip", "add")


class CliError(Exception):
    """A plain one-line error for stderr; the command exits with `code`."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def _positive_seconds(text: str) -> float:
    try:
        return config.parse_timeout(text)
    except config.ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("the port must be between 1 and 65535")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage is one `--help` away), as every other error of this CLI."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: {message} (see {self.prog} --help)\n")


#: The longest ring the stand-in accepts: an hour is already far beyond any read timeout.
MAX_RING_SECONDS = 3600.0


def _ring_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 <= value <= MAX_RING_SECONDS:  # also refuses nan
        raise argparse.ArgumentTypeError(f"the ring must last 0 to {MAX_RING_SECONDS:g} seconds")
    return value


def _positive_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("it must be 1 or more")
    return value


def _iso_date(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    """The parser of the terminal commands."""
    parser = _Parser(
        prog=APP_NAME,
        description="Click-to-call dialer for sales agents. Without a command, opens the window.",
        epilog=f"The window: {APP_NAME} [--demo] [--in-tray] [tel:NUMBER]; --demo runs it against the built-in "
        "stand-in service with sample contacts, in a throwaway profile; --in-tray starts it hidden in the tray.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr (keys redacted)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    call = sub.add_parser("call", help="place one call and print its outcome")
    call.add_argument("number", help="the number to call, in any format (e.g. '(555) 111-2222', tel:+15551112222)")
    call.add_argument("--agent", metavar="N", help="your own phone (overrides agent_number)")
    call.add_argument("--type", type=int, choices=(1, 2), dest="call_type", help="1 = prospect first, 2 = you first")
    call.add_argument(
        "--ref", metavar="R", help="reference for the service's report (max 32 chars; default: generated)"
    )
    call.add_argument("--page", metavar="P", help="page recorded in the service's report (max 255 chars)")
    call.add_argument("--first-callerid", metavar="N", help="caller ID shown on the first leg")
    call.add_argument("--second-callerid", metavar="N", help="caller ID shown on the second leg")
    call.add_argument(
        "--again",
        action="store_true",
        help="call even though the previous call to this number may still be ringing (unknown outcome)",
    )
    call.add_argument(
        "--anyway",
        action="store_true",
        help="team mode: call although a teammate called this number within the team's cool-off",
    )
    call.add_argument(
        "--timeout", type=_positive_seconds, metavar="SECONDS", help="read timeout (default: read_timeout)"
    )
    call.add_argument(
        "--override-hours",
        metavar="REASON",
        help="call although the callee's calling hours refuse it; the reason is kept in the audit log",
    )

    rules = sub.add_parser(
        "rules", help="whether a number can be called now: its time zones, local time, the rules that apply"
    )
    rules.add_argument("number", help="the number, in any format")
    rules.add_argument("--json", action="store_true", help="print JSON instead of text")

    keys = sub.add_parser("keys", help="store, check or remove the access key pair in the OS keyring")
    keys.add_argument("action", choices=("set", "status", "clear"))

    cfg = sub.add_parser("config", help="read or change settings")
    cfg.add_argument("action", choices=("get", "set", "list"))
    cfg.add_argument("key", nargs="?", help=", ".join(config.setting_names()))
    cfg.add_argument("value", nargs="?")

    history = sub.add_parser("history", help="the call journal: list it, or export it as CSV")
    history.add_argument("action", choices=("list", "export"))
    history.add_argument("file", nargs="?", metavar="FILE", help="export: the CSV file to write")
    history.add_argument("--json", action="store_true", help="print JSON instead of a table")
    history.add_argument(
        "--limit", type=_positive_count, default=None, metavar="N", help="list: only the newest N calls"
    )

    figures = sub.add_parser(
        "figures",
        help="the day's figures: dials, answers, prospect connects, rates, callbacks, connect rate by callee's hour",
        description="Today's figures, or those of the days from --from to --to (both included; --from alone: to "
        "today; --to alone: that day). Days are your computer's local days.",
    )
    figures.add_argument("--from", dest="first", type=_iso_date, metavar="DATE", help="the first day (YYYY-MM-DD)")
    figures.add_argument("--to", dest="last", type=_iso_date, metavar="DATE", help="the last day, included")
    figures.add_argument(
        "--list", metavar="NAME", help="only the calls placed from this call list, and its items' callbacks"
    )
    figures.add_argument("--json", action="store_true", help="print JSON instead of a table")
    figures.add_argument("--csv", metavar="FILE", help="also write the figures to FILE as CSV")

    audit = sub.add_parser("audit", help="the audit log of the calling rules: export it as CSV")
    audit.add_argument("action", choices=("export",))
    audit.add_argument("file", metavar="FILE", help="the CSV file to write")

    contacts = sub.add_parser("contacts", help="import, export or list contacts")
    contacts_sub = contacts.add_subparsers(dest="action", metavar="ACTION", required=True)
    contacts_import = contacts_sub.add_parser(
        "import", help="import CSV (Google, Outlook, other) or vCard files; each file is stored whole or not at all"
    )
    contacts_import.add_argument("files", nargs="+", metavar="FILE")
    contacts_import.add_argument(
        "--on-duplicate",
        choices=DUPLICATE_POLICIES,
        default=DUPLICATE_POLICIES[0],
        help="a contact whose number is already known: merge it into the same person (default; somebody else with "
        "that number is kept beside them), skip it, or add it anyway",
    )
    contacts_import.add_argument("--region", metavar="R", help="country of numbers without a country code")
    contacts_import.add_argument(
        "--list",
        metavar="NAME",
        help="also put the imported contacts, in file order, in this call list (made if there is none of that name)",
    )
    contacts_export = contacts_sub.add_parser("export", help="write every contact to a CSV or vCard 3.0 file")
    contacts_export.add_argument("file", metavar="FILE", help="the file to write (.csv or .vcf)")
    contacts_export.add_argument("--format", choices=("csv", "vcard"), help="default: from the file name")
    contacts_list = contacts_sub.add_parser("list", help="print every contact with its numbers as dialed")
    contacts_list.add_argument("--json", action="store_true", help="print JSON instead of a table")
    contacts_sub.add_parser(
        "undo-import", help="undo the last import as a whole: its contacts removed, those it merged into restored"
    )

    dnc = sub.add_parser(
        "dnc", help="do-not-call lists: import the registry, check, add to or remove from the internal list"
    )
    dnc_sub = dnc.add_subparsers(dest="action", metavar="ACTION", required=True)
    dnc_import = dnc_sub.add_parser(
        "import",
        help="import do-not-call lists (US registry, Canada DNCL, CSV/TXT); a list of the same name is replaced whole",
    )
    dnc_import.add_argument("files", nargs="+", metavar="FILE")
    dnc_import.add_argument(
        "--name", metavar="NAME", help="the list's name; all FILEs make this one list (default: one list per file)"
    )
    dnc_import.add_argument(
        "--format",
        choices=("auto", "ftc", "dncl", "csv"),
        default="auto",
        help="ftc: US registry (2125550100 or 212,5550100 per line); dncl: Canada (416,1234567); csv: one number per "
        "row in the first cell (default: auto)",
    )
    dnc_import.add_argument(
        "--date", type=_iso_date, metavar="YYYY-MM-DD", help="the date of the list's data (default: the file's date)"
    )
    dnc_check = dnc_sub.add_parser("check", help="exit 0 if the number is on no list, 1 if it is (and say which)")
    dnc_check.add_argument("number")
    dnc_add = dnc_sub.add_parser("add", help="put a number on the internal do-not-call list")
    dnc_add.add_argument("number")
    dnc_add.add_argument("--reason", metavar="R", default="", help="why (recorded in the audit log)")
    dnc_remove = dnc_sub.add_parser("remove", help="take a number off the internal do-not-call list")
    dnc_remove.add_argument("number")
    dnc_remove.add_argument("--reason", metavar="R", required=True, help="why (required; recorded in the audit log)")
    dnc_lists = dnc_sub.add_parser("lists", help="the do-not-call lists: source, rows, data date, stale or not")
    dnc_lists.add_argument("--json", action="store_true", help="print JSON instead of a table")

    lists = sub.add_parser("lists", help="call lists: make one, add to it, show it, call its next callable item")
    lists_sub = lists.add_subparsers(dest="action", metavar="ACTION", required=True)
    lists_create = lists_sub.add_parser("create", help="make a list (from contact files, a search, the journal)")
    lists_create.add_argument("name", metavar="NAME")
    lists_create.add_argument(
        "--from", dest="files", nargs="+", metavar="FILE", help="contact files: imported, their contacts listed"
    )
    lists_create.add_argument("--from-search", metavar="TEXT", help="the contacts the contact list's search finds")
    lists_create.add_argument(
        "--from-history",
        choices=("no_answer", "connected", "unknown", "any"),
        help="the numbers of the journal's calls with this outcome (with --since/--until)",
    )
    lists_create.add_argument("--since", type=_iso_date, metavar="YYYY-MM-DD", help="with --from-history")
    lists_create.add_argument("--until", type=_iso_date, metavar="YYYY-MM-DD", help="with --from-history (exclusive)")
    lists_create.add_argument(
        "--team",
        action="store_true",
        help="make it a team list on the team server (a manager): the people go into the team's contacts",
    )
    lists_create.add_argument(
        "--url",
        metavar="URL",
        help="with --team: postgresql://USER@HOST/DATABASE (default: $C2C_TEAM_URL, or the team_url setting)",
    )
    lists_add = lists_sub.add_parser("add", help="add numbers or contacts to a list (each kept once)")
    lists_add.add_argument("name", metavar="NAME")
    lists_add.add_argument("number", nargs="*", metavar="NUMBER")
    lists_add.add_argument("--contact", type=int, action="append", metavar="ID", help="a contact's id (repeatable)")
    lists_show = lists_sub.add_parser("show", help="the items: state, attempts, next time, why not callable now")
    lists_show.add_argument("name", metavar="NAME")
    lists_show.add_argument("--json", action="store_true", help="print JSON instead of a table")
    lists_export = lists_sub.add_parser("export", help="write the list's items to a CSV file")
    lists_export.add_argument("name", metavar="NAME")
    lists_export.add_argument("file", metavar="FILE.csv")
    lists_delete = lists_sub.add_parser("delete", help="delete a list (lists undo-delete brings it back)")
    lists_delete.add_argument("name", metavar="NAME")
    lists_undo = lists_sub.add_parser("undo-delete", help="bring back the last deleted list of that name")
    lists_undo.add_argument("name", metavar="NAME")
    lists_rename = lists_sub.add_parser("rename", help="rename a list")
    lists_rename.add_argument("name", metavar="NAME")
    lists_rename.add_argument("new_name", metavar="NEW_NAME")
    lists_sub.add_parser("list", help="every list with its size")
    time_help = 'the callback time, "YYYY-MM-DD HH:MM" on your clock (on the callee\'s with --callee-time)'
    lists_next = lists_sub.add_parser(
        "call-next", help="call the list's next callable item as a session's Enter does; exit codes as `call`, 5: none"
    )
    lists_next.add_argument("name", metavar="NAME")
    lists_next.add_argument("--disposition", metavar="TEXT", help="record this disposition afterwards (any case)")
    lists_next.add_argument("--at", metavar="TIME", help=time_help + " (dispositions that need one)")
    lists_next.add_argument("--callee-time", action="store_true", help="--at is on the callee's clock")
    lists_next.add_argument(
        "--again", action="store_true", help="also offer an item whose last call may still be ringing (unknown)"
    )
    lists_dispose = lists_sub.add_parser("dispose", help="record the disposition of the list's last call")
    lists_dispose.add_argument("name", metavar="NAME")
    lists_dispose.add_argument("disposition", metavar="TEXT")
    lists_dispose.add_argument("--at", metavar="TIME", help=time_help)
    lists_dispose.add_argument("--callee-time", action="store_true", help="--at is on the callee's clock")

    callbacks = sub.add_parser(
        "callbacks", help="callbacks: list them (overdue ones say how late), schedule one or cancel one"
    )
    callbacks_sub = callbacks.add_subparsers(dest="action", metavar="ACTION", required=True)
    callbacks_list = callbacks_sub.add_parser("list", help="pending callbacks, soonest first")
    callbacks_list.add_argument("--json", action="store_true", help="print JSON instead of a table")
    callbacks_add = callbacks_sub.add_parser("add", help="schedule a callback (refused outside the callee's hours)")
    callbacks_add.add_argument("number", metavar="NUMBER")
    callbacks_add.add_argument("--at", required=True, metavar="TIME", help=time_help)
    callbacks_add.add_argument("--callee-time", action="store_true", help="--at is on the callee's clock")
    callbacks_add.add_argument("--note", default="", metavar="TEXT")
    callbacks_cancel = callbacks_sub.add_parser("cancel", help="cancel a pending callback (its list item is skipped)")
    callbacks_cancel.add_argument("id", type=int, metavar="ID", help="the callback's id, as `callbacks list` shows")

    _add_team_parser(sub)

    sim = sub.add_parser("simulator", help="run the stand-in click-to-call service on loopback")
    sim.add_argument("--port", type=_port, default=8765)
    sim.add_argument(
        "--ring-seconds", type=_ring_seconds, default=2.0, help="how long a call rings before the answer (0 to 3600)"
    )

    sub.add_parser(
        "install-desktop-entry",
        help="add the app to the desktop's menu (XDG .desktop entry and icon) and make it open tel: and callto: links",
    )
    sub.add_parser(
        "uninstall-desktop-entry",
        help="remove what install-desktop-entry added, and the tel:/callto: defaults that name this app",
    )

    return parser


class _SecretSafeParser(_Parser):
    """A `team` subcommand's parser. With `keeps_extra_arguments` (add-agent, login), arguments it does not take are
    kept in `extra_arguments` for team_cli to refuse, instead of argparse's error that echoes them: one may be a
    password typed where it does not belong."""

    keeps_extra_arguments = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extra = super().parse_known_args(args, namespace)
        if not self.keeps_extra_arguments:
            return parsed, extra
        parsed.extra_arguments = extra
        return parsed, []


def _add_team_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    """`team …`: the team workspace on PostgreSQL (the handlers are in team_cli.py, loaded only when one runs)."""
    url, url_below = _SecretSafeParser(add_help=False), _SecretSafeParser(add_help=False)
    for parent, default in ((url, None), (url_below, argparse.SUPPRESS)):
        # url_below: under `team lists`, whose own --url (`team lists --url URL assign …`) it must not reset.
        parent.add_argument(
            "--url",
            default=default,
            metavar="URL",
            help="postgresql://USER@HOST/DATABASE (default: $C2C_TEAM_URL, else the team_url setting); another "
            "machine needs ?sslmode=verify-full",
        )
    team = sub.add_parser(
        "team", help="the team workspace on PostgreSQL: set it up, add and remove agents, lists, do-not-call, status"
    )
    team_sub = team.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_SecretSafeParser)
    team_sub.add_parser(
        "init", parents=[url], help="create or update the team's schema, roles and functions (as the database owner)"
    )
    add_agent = team_sub.add_parser(
        "add-agent",
        parents=[url],
        help="a login role for one person; the password is asked for, or read from standard input's first line",
    )
    add_agent.keeps_extra_arguments = True
    add_agent.add_argument("name", metavar="NAME", help="lower-case letters, digits and _")
    add_agent.add_argument("--manager", action="store_true", help="a manager: sees every list, call and note")
    remove_agent = team_sub.add_parser(
        "remove-agent",
        parents=[url],
        help="take a person out of the team: their calls stay, their leads and callbacks go back to the lists, their "
        "login role is dropped (as the database owner)",
    )
    remove_agent.add_argument("name", metavar="NAME")
    team_lists = team_sub.add_parser("lists", parents=[url], help="the team's lists, their assignees and progress")
    team_lists_sub = team_lists.add_subparsers(dest="lists_action", metavar="ACTION")
    assign = team_lists_sub.add_parser("assign", parents=[url_below], help="let these agents take leads from the list")
    assign.add_argument("list", metavar="LIST")
    assign.add_argument("agents", nargs="+", metavar="AGENT")
    unassign = team_lists_sub.add_parser(
        "unassign", parents=[url_below], help="these agents take no more leads from the list (it leaves their window)"
    )
    unassign.add_argument("list", metavar="LIST")
    unassign.add_argument("agents", nargs="+", metavar="AGENT")
    team_dnc = team_sub.add_parser("dnc", help="the team's do-not-call list (every agent's calls obey it)")
    team_dnc_sub = team_dnc.add_subparsers(dest="dnc_action", metavar="ACTION", required=True)
    dnc_add = team_dnc_sub.add_parser("add", parents=[url], help="put numbers on the team's do-not-call list")
    dnc_add.add_argument("numbers", nargs="+", metavar="NUMBER")
    dnc_add.add_argument("--reason", default="", metavar="TEXT", help="why (shown with the number)")
    dnc_remove = team_dnc_sub.add_parser("remove", parents=[url], help="take numbers off the team's do-not-call list")
    dnc_remove.add_argument("numbers", nargs="+", metavar="NUMBER")
    team_dnc_sub.add_parser("list", parents=[url], help="the numbers on the team's do-not-call list")
    status = team_sub.add_parser("status", parents=[url], help="members, lists and their progress, claims in flight")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    login = team_sub.add_parser(
        "login",
        help="an agent: check your database password (asked for, or standard input's first line) and keep it in the "
        "system keyring",
    )
    login.keeps_extra_arguments = True
    login.add_argument(
        "--url",
        metavar="URL",
        help="postgresql://NAME@HOST/DATABASE (default: $C2C_TEAM_URL, else the team_url setting; given, it is set)",
    )
    logout = team_sub.add_parser("logout", help="remove your team database password from the system keyring")
    logout.add_argument(
        "--url", metavar="URL", help="the account's URL (default: $C2C_TEAM_URL, else the team_url setting)"
    )
    team_sub.add_parser(
        "sync",
        parents=[url],
        help="an agent without the window: push your calls waiting to sync, then pull your lists, the team's "
        "contacts and do-not-call list",
    )


def build_gui_parser() -> argparse.ArgumentParser:
    """The parser used when no command is given: the window's options."""
    parser = _Parser(
        prog=APP_NAME,
        description=f"Click-to-call dialer for sales agents. Commands: {', '.join(COMMANDS)} (see {APP_NAME} -h).",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr (keys redacted)")
    parser.add_argument("--demo", action="store_true", help="open the window against the built-in stand-in service")
    parser.add_argument(
        "--in-tray", action="store_true", help="start hidden in the tray (minimised where there is no tray)"
    )
    parser.add_argument("url", nargs="?", help="a tel: or callto: link (or a number) to open in the dial pad")
    return parser


def _wants_command(argv: Sequence[str]) -> bool:
    """True when the first word that is not an option names a command (else: the window, maybe with a tel: link)."""
    for word in argv:
        if word in ("-h", "--help"):
            return True
        if not word.startswith("-"):
            return word in COMMANDS
    return False


# -- helpers --------------------------------------------------------------------------------------------------------


def _load_settings() -> config.Settings:
    try:
        return config.effective_settings(config.load_settings())
    except config.ConfigError as exc:
        raise CliError(str(exc)) from None


def _open_store() -> Store:
    from c2c_desktop.core.store import Store, default_db_path

    try:
        region = config.load_settings().region
    except config.ConfigError:
        region = config.Settings().region  # only an upgrade that pins old numbers reads it; the command says the rest
    try:
        store = Store(default_db_path(), region=region)
    except Exception as exc:  # sqlite3 / OS errors: one line, no traceback
        raise CliError(f"cannot open the call journal at {default_db_path()}: {exc}") from None
    store.recover_interrupted()
    return store


def _read_keys_from_stdin(stdin: TextIO) -> Credentials:
    if stdin.isatty():
        try:
            access_key = input("Access key: ").strip()
            secret = getpass.getpass("Secret access key: ").strip()
        except EOFError:
            raise CliError("no keys entered (input ended); nothing was stored") from None
    else:
        access_key = stdin.readline().strip()
        secret = stdin.readline().strip()
    if not access_key or not secret:
        raise CliError("both the access key and the secret access key are needed (two lines on standard input)")
    return Credentials(access_key, secret)


def _local_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


def _entry_json(entry: JournalEntry) -> dict[str, object]:
    return {
        key: (str(value) if isinstance(value, Outcome) else value) for key, value in dataclasses.asdict(entry).items()
    }


# -- commands -------------------------------------------------------------------------------------------------------


def cmd_call(args: argparse.Namespace) -> int:
    """Place one call; exits with the outcome's code."""
    from c2c_desktop.core.dialer import CallOverrides, NotSentError, begin, client_for, describe_outcome, prepare_call
    from c2c_desktop.core.models import CallResult
    from c2c_desktop.core.rules.caller_id import JournalCallerIdUsage
    from c2c_desktop.core.rules.guard import build_guard
    from c2c_desktop.core.store import StoreError

    settings = _load_settings()
    if args.timeout is not None:
        settings = dataclasses.replace(settings, read_timeout=args.timeout)
    credentials, keys_problem = _stored_keys()
    overrides = CallOverrides(
        agent_number=args.agent,
        call_type=args.call_type,
        ref=args.ref,
        page=args.page,
        first_callerid=args.first_callerid,
        second_callerid=args.second_callerid,
    )
    journal_problem = ""
    with _open_store() as store, client_for(settings) as client:
        try:
            # Without keys the rest is still checked first, so a bad number is not hidden behind the keys' problem.
            prepared = prepare_call(
                args.number,
                settings,
                credentials or _PLACEHOLDER_KEYS,
                overrides=overrides,
                caller_id_usage=JournalCallerIdUsage(store, settings.region),
                guard=build_guard(settings, store),
                override_hours=args.override_hours,
            )
        except NotSentError as exc:
            raise CliError(str(exc)) from None
        if keys_problem is not None:
            raise CliError(f"Not sent: {keys_problem}")
        for warning in prepared.warnings:
            print(f"warning: {terminal_safe(warning)}", file=sys.stderr)
        if prepared.caller_id_note:
            print(f"caller ID: {terminal_safe(prepared.caller_id_note)}", file=sys.stderr)
        if prepared.clearance is not None and prepared.clearance.notes:
            for note in prepared.clearance.notes:
                print(f"note: {terminal_safe(note)}", file=sys.stderr)
        dial = prepared.request.phone_to_call
        previous = store.last_call_that_may_have_rung([dial])
        if previous is not None and previous.may_still_be_ringing and not args.again:
            raise CliError(
                f"Not sent: the previous call to {prepared.display_number or dial} may still be ringing "
                "(unknown outcome); add --again to call anyway"
            )
        with _team_gate(settings) as gate:
            guarded = _team_claim(gate, prepared.e164 or dial, args.anyway)
            entry, request = begin(store, prepared)
            if gate is not None:  # before the request: the row says it was made in team mode, and how
                try:
                    from c2c_desktop.core.team.sync import set_team_guarded

                    set_team_guarded(store, entry.id, guarded, gate.account)
                except StoreError as exc:
                    _finish_not_sent(store, entry.id, f"Not sent: the journal could not be written ({exc})")
                    _team_note(gate.done(dialled=False))
                    raise CliError(f"Not sent: the journal could not be written ({exc}) [ref {entry.ref}]") from None
            sending = time.monotonic()
            try:
                result = client.place_call(request, credentials)
            except KeyboardInterrupt:  # the first leg was still undecided after this long
                result = CallResult(Outcome.UNKNOWN, INTERRUPTED_MESSAGE, elapsed_s=time.monotonic() - sending)
            try:
                store.finish_call(entry.id, result)
            except StoreError as exc:
                journal_problem = f" (the journal could not be updated: {exc})"
            if gate is not None:
                _team_note(gate.done(dialled=result.outcome not in (Outcome.NOT_SENT, Outcome.REJECTED)))
    line = describe_outcome(result, prepared)
    if result.excerpt:
        line += f" (service said: {result.excerpt})"
    print(terminal_safe(f"{line} [ref {entry.ref}]{journal_problem}"))  # the service's words are data
    return EXIT_CODES[result.outcome]


@contextlib.contextmanager
def _team_gate(settings: config.Settings) -> Iterator[NumberGate | None]:
    """Team mode (team_url set): the team's claim on a hand dial (team_cli.NumberGate), closed after; else None."""
    if not settings.team_url:
        yield None
        return
    try:
        from c2c_desktop import team_cli
    except ImportError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        raise CliError(
            f"Not sent: team mode (team_url is set) needs the team extra: pip install '{APP_NAME}[team]'"
        ) from None
    try:
        gate = team_cli.NumberGate(settings.team_url)
    except team_cli.TeamError as exc:
        raise CliError(f"Not sent: team_url: {exc}") from None
    try:
        yield gate
    finally:
        gate.close()


def _team_claim(gate: NumberGate | None, e164: str, anyway: bool) -> bool:
    """The number claimed on the team server before the journal row: True (team-guarded), False (the server out of
    reach or not letting us in: the call goes ahead under the local rules, and stderr says so); refused: CliError."""
    if gate is None:
        return False
    from c2c_desktop.team_cli import TeamError

    try:
        guarded, note = gate.claim(e164, anyway=anyway)
    except TeamError as exc:
        raise CliError(f"Not sent: {exc}") from None
    _team_note(note)
    return guarded


def _team_note(note: str) -> None:
    if note:
        print(f"{APP_NAME}: {terminal_safe(note)}", file=sys.stderr)


#: Stands in for missing keys while `call` checks the rest of a call; that call is refused before anything is sent.
_PLACEHOLDER_KEYS = Credentials("placeholder-access-key", "placeholder-secret")

INTERRUPTED_MESSAGE = "Unknown — interrupted while waiting; the call may still be ringing; it was not retried."


def _number_setting_warning(settings: config.Settings, key: str) -> str | None:
    """For a phone number setting: CliError when it holds no usable number (in the configured region), else the
    warning a possible-only number gets; None for other settings and for an empty value (which clears it)."""
    text = getattr(settings, key) if key in config.NUMBER_SETTINGS else ""
    if not text:
        return None
    from c2c_desktop.core.phone import PhoneError, parse_number

    try:
        number = parse_number(text, settings.region)
    except PhoneError as exc:
        raise CliError(f"{key}: {exc}") from None
    return f"{key}: {number.display}: {number.warning}" if number.warning else None


def cmd_rules(args: argparse.Namespace) -> int:
    """Whether a number can be called now, and why: exit 0 callable now, 1 not now, 2 bad input."""
    from c2c_desktop.core.phone import PhoneError, number_to_call
    from c2c_desktop.core.rules.guard import build_guard
    from c2c_desktop.core.rules.model import Clearance

    settings = _load_settings()
    try:
        number = number_to_call(args.number, settings.region)
    except PhoneError as exc:
        raise CliError(f"{args.number}: {exc}") from None
    with _open_store() as store:
        contacts = store.find_contacts_by_e164(number.e164)
        contact = contacts[0] if contacts else None
        report = build_guard(settings, store).report(number, contact=contact, record=False)
    verdict = report.verdict
    callable_now = isinstance(verdict, Clearance)
    if args.json:
        data: dict[str, object] = {
            "number": number.e164,
            "display": number.display,
            "callable_now": callable_now,
            "zones": list(report.zones),
            "local_times": {zone: text for zone, text in report.local_times},
            "rules": list(report.applied),
            "mode": report.mode,
            "rules_version": report.rules_version,
            "attempts_24h": report.attempts_24h,
            "contact": contact.name if contact else None,
            "address_region": contact.region_code if contact else "",
        }
        if isinstance(verdict, Clearance):
            data.update(summary=verdict.summary, notes=list(verdict.notes))
        else:
            opens = verdict.opens_at.isoformat().replace("+00:00", "Z") if verdict.opens_at else None
            data.update(rule=str(verdict.rule), reason=verdict.reason, opens_at=opens, overridable=verdict.overridable)
        print(json_terminal_safe(json.dumps(data, indent=2, ensure_ascii=False)))
        return EXIT_OK if callable_now else 1
    lines = [f"number: {number.display} ({number.e164})"]
    if contact is not None:
        lines.append(f"contact: {contact.name}" + (f" ({contact.region_code})" if contact.region_code else ""))
    lines.append(f"time zones: {', '.join(report.zones) or 'unknown'}")
    lines += [f"local time: {text} ({zone})" for zone, text in report.local_times]
    lines.append(f"mode: {report.mode}; rules file version {report.rules_version or '-'}")
    lines += [f"rule: {text}" for text in report.applied]
    lines.append(f"calls in the last 24 hours: {report.attempts_24h}")
    if isinstance(verdict, Clearance):
        lines.append(
            f"verdict: can be called now ({verdict.summary})" if verdict.summary else "verdict: can be called now"
        )
        lines += [f"note: {note}" for note in verdict.notes]
    else:
        lines.append(f"verdict: not now: {verdict.reason}")
        if verdict.opens_at is not None:
            lines.append(f"opens: {_local_time(verdict.opens_at.isoformat())} (your time)")
    print("\n".join(map(terminal_safe, lines)))
    return EXIT_OK if callable_now else 1


def cmd_keys(args: argparse.Namespace) -> int:
    """Store, check or remove the key pair in the OS keyring."""
    from c2c_desktop.core.credentials import CredentialsError, KeyringCredentialStore

    store = KeyringCredentialStore()
    try:
        if args.action == "set":
            print(store.save(_read_keys_from_stdin(sys.stdin)))
        elif args.action == "clear":
            store.clear()
            print("Keys removed from the system keyring.")
        else:
            state, line = store.check()
            print(line)
            return KEYS_STATUS_EXIT_CODES[state]
    except CredentialsError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


#: `keys status` exit codes, so that a script can tell the cases apart: 1 when no keys (or only one of the two) are
#: saved, 2 when there is no usable keyring (none, locked, refusing or hanging).
KEYS_STATUS_EXIT_CODES: dict[KeysState, int] = {"saved": EXIT_OK, "missing": 1, "unusable": EXIT_ERROR}


def cmd_config(args: argparse.Namespace) -> int:
    """Read or change settings."""
    path = config.default_settings_path()
    try:
        settings = config.load_settings(path)
        if args.action == "list":
            print(f"# {path}")
            effective = config.effective_settings(settings)
            for key, help_text in config.SETTING_HELP.items():
                value = config.format_value(effective, key)
                if value != config.format_value(settings, key):  # what `call` uses, and why it differs from the file
                    help_text = f"from {config.API_URL_ENV}; the file says {config.format_value(settings, key)}"
                print(f"{key} = {value}    # {help_text}")
        elif args.action == "get":
            if not args.key:
                raise CliError("config get needs a KEY")
            print(config.format_value(config.effective_settings(settings), args.key))
        else:
            if not args.key or args.value is None:
                raise CliError("config set needs a KEY and a VALUE")
            settings = config.with_value(settings, args.key, args.value)
            warning = _number_setting_warning(settings, args.key)  # as Settings does: a number that is no number fails
            config.save_settings(settings, path)
            print(f"{args.key} = {config.format_value(config.load_settings(path), args.key)}")
            if args.key == "read_timeout":
                warning = config.read_timeout_warning(settings.read_timeout)
            if warning:
                print(f"{APP_NAME}: warning: {warning}", file=sys.stderr)
    except config.ConfigError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write the settings file {path}: {exc.strerror}") from None
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    """List the call journal or export it as CSV."""
    if args.action == "export":
        return _history_export(args)
    if args.file is not None:
        raise CliError(f"unexpected argument '{args.file}' (history list takes no file)")
    with _open_store() as store:
        entries = store.list_calls(limit=args.limit)
    if args.json:
        print(json_terminal_safe(json.dumps([_entry_json(entry) for entry in entries], indent=2, ensure_ascii=False)))
        return EXIT_OK
    if not entries:
        print("No calls yet.")
        return EXIT_OK
    for entry in entries:
        outcome = str(entry.outcome) if entry.outcome else str(entry.state)
        who = terminal_safe(entry.contact_name or entry.display_number or entry.number)
        resolution = f"{entry.resolution_s:.1f}s" if entry.resolution_s is not None else "-"
        ref, message = terminal_safe(entry.ref), terminal_safe(entry.message)
        print(f"{_local_time(entry.started_at)}  {outcome:<9}  {who:<28}  {resolution:>6}  {ref}  {message}")
    return EXIT_OK


def _history_export(args: argparse.Namespace) -> int:
    from c2c_desktop.core.journal_export import export_journal_csv

    if not args.file:
        raise CliError("history export needs a FILE to write")
    with _open_store() as store:
        entries = store.list_calls(limit=args.limit)
    try:
        count = export_journal_csv(entries, args.file)  # oldest first, as the window's export
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(terminal_safe(f"{count} calls written to {args.file}"))
    return EXIT_OK


def cmd_figures(args: argparse.Namespace) -> int:
    """Print the figures of a period (today by default), as a table or JSON; optionally write them as CSV."""
    from c2c_desktop.core import figures as fig
    from c2c_desktop.core.calllists import StoreCallLists

    today = fig.local_today()
    first = args.first or args.last or today
    last = args.last or (today if args.first else first)
    if last < first:
        raise CliError(f"--to ({last}) is before --from ({first})")
    period = fig.today_period(today) if first == last == today else fig.Period(first, last)
    with _open_store() as store:
        call_list = None if args.list is None else StoreCallLists(store).require_list(args.list)  # unknown: exit 2
        figures = fig.day_figures(store, period, call_list=call_list)
    if args.csv:
        try:
            fig.write_figures_csv([figures], args.csv)
        except OSError as exc:
            raise CliError(f"cannot write {args.csv}: {exc.strerror or exc}") from None
    if args.json:
        print(json_terminal_safe(json.dumps(fig.figures_json(figures), indent=2, ensure_ascii=False)))
    else:
        for line in _figures_lines(figures):
            print(terminal_safe(line))
    if args.csv and not args.json:
        print(terminal_safe(f"Figures written to {args.csv}"))
    return EXIT_OK


def _figures_lines(figures: Figures) -> list[str]:
    from c2c_desktop.core import figures as fig

    lines = [f"Figures for {figures.period.words}" + (f", list {figures.list_name}" if figures.list_name else "")]
    lines += [f"  {name:<20} {value:>8}" for name, value in fig.figure_lines(figures)]
    lines.append("")
    if not figures.by_callee_hour:
        lines.append("Connect rate by the callee's local hour: no dials.")
        return lines
    lines.append("Connect rate by the callee's local hour")
    lines.append(f"  {'Hour':<8} {'Dials':>6} {'Connects':>9} {'Rate':>5}")
    for bar in figures.by_callee_hour:
        lines.append(
            f"  {fig.hour_words(bar.hour):<8} {bar.dials:>6,} {bar.connects:>9,} {fig.percent_text(bar.rate):>5}"
        )
    return lines


def cmd_audit(args: argparse.Namespace) -> int:
    """Export the audit log (refusals, overrides, do-not-call changes and imports) as CSV, oldest first."""
    from c2c_desktop.core.rules.audit import StoreAuditLog, write_audit_csv

    with _open_store() as store:
        events = StoreAuditLog(store).events()
    events.reverse()  # oldest first, as the journal's export
    try:
        count = write_audit_csv(events, args.file)
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(terminal_safe(f"{count} audit events written to {args.file}"))
    return EXIT_OK


#: Imports with at least this many rows or cards report their progress on stderr.
PROGRESS_MIN_ROWS = 10_000


def _import_progress(label: str) -> Callable[[int, int], None]:
    """A progress callback printing "FILE: 40%" on stderr at each tenth, for large files only."""
    shown = 0

    def report(done: int, total: int) -> None:
        nonlocal shown
        if total < 2 * PROGRESS_MIN_ROWS:  # import_file's scale is twice the rows
            return
        tenth = 10 * done // total
        if tenth > shown:
            shown = tenth
            print(f"{terminal_safe(label)}: {10 * tenth}%", file=sys.stderr, flush=True)

    return report


def _summary_lines(label: str, summary: ImportSummary) -> list[str]:
    label = terminal_safe(label)
    lines = [
        f"{label}: {summary.imported} imported, {summary.merged} merged, {summary.skipped} skipped ({summary.format})"
    ]
    for note in summary.notes:
        lines.append(f"{label}: {terminal_safe(str(note))}")
    return lines + _problem_lines(label, summary.problems)


def _problem_lines(label: str, problems: Sequence[ImportProblem]) -> list[str]:
    """One line per problem row of a contact file: where it is, why, and whether it was left out."""
    return [
        f"{terminal_safe(label)}: {problem.location}: {terminal_safe(problem.reason)}"
        + (" (skipped)" if problem.skipped else "")
        for problem in problems
    ]


def _contacts_import(args: argparse.Namespace) -> int:
    from c2c_desktop.core.contacts_io import DuplicatePolicy, import_file
    from c2c_desktop.core.phone import is_valid_region

    dial_region = _load_settings().region
    region = args.region if args.region is not None else dial_region
    if not is_valid_region(region):
        raise CliError(f"unknown region '{region}'; use a two-letter country code such as US, GB or DE")
    policy = DuplicatePolicy(args.on_duplicate)
    if args.list is not None:
        return _contacts_import_into_list(args, region, dial_region, policy)
    with _open_store() as store:
        code, _read = _import_each(
            args.files,
            lambda name: import_file(
                store,
                name,
                region=region,
                policy=policy,
                progress=_import_progress(name),
                dial_region=dial_region,  # a --region file's numbers are still dialled from here
            ),
        )
    return code


def _import_each(files: Sequence[str], import_one: Callable[[str], ImportSummary]) -> tuple[int, int]:
    """Each file imported by `import_one` (whole or not at all) and its summary printed; a file that cannot be read is
    said and passed over. The exit code, and how many files were read."""
    from c2c_desktop.core.importers import ContactFileError
    from c2c_desktop.core.store import StoreError

    code = EXIT_OK
    read = 0
    for name in files:
        try:
            summary = import_one(name)
        except ContactFileError as exc:
            print(f"{APP_NAME}: {terminal_safe(f'{name}: {exc}')} Nothing was imported from it.", file=sys.stderr)
            code = EXIT_ERROR
            continue
        except StoreError as exc:
            raise CliError(f"{name}: nothing was imported: {exc}") from None
        print("\n".join(_summary_lines(name, summary)), flush=True)
        read += 1
    return code, read


def _contacts_import_into_list(args: argparse.Namespace, region: str, dial_region: str, policy: DuplicatePolicy) -> int:
    """`contacts import FILE… --list NAME`: each file imported as `lists create --from` does (whole or not at all),
    then their contacts put in the list, each kept once (the repeats reported)."""
    from c2c_desktop.core import list_sources
    from c2c_desktop.core.calllists import NewItem, StoreCallLists

    if not args.list.split():  # refused before anything is imported
        raise CliError("--list needs a name")
    items: list[NewItem] = []

    def import_into_items(name: str) -> ImportSummary:
        found, summary = list_sources.from_file(store, name, region=region, dial_region=dial_region, policy=policy)
        items.extend(found)
        return summary

    with _open_store() as store:
        code, read = _import_each(args.files, import_into_items)
        if not read:
            return code  # no file could be read: no list made either
        lists = StoreCallLists(store)
        made, report = list_sources.into_list(store, lists, args.list, items, existing_ok=True)
        _print_add_report(made.name, report.added, report.duplicates, ())
    return code


def _contacts_export(args: argparse.Namespace) -> int:
    from c2c_desktop.core.contacts_io import export_contacts

    try:
        with _open_store() as store:
            count = export_contacts(store, args.file, args.format, region=_load_settings().region)
    except ValueError as exc:
        raise CliError(f"{exc} (--format csv|vcard)") from None
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(terminal_safe(f"{count} contacts written to {args.file}"))
    return EXIT_OK


def _phones_text(contact: Contact, region: str) -> str:
    """Each number as it is dialled from `region` (what the window calls), with its label."""
    from c2c_desktop.core.phone import digits_to_dial

    primary = contact.primary_phone
    texts = []
    for phone in contact.phones:
        dial = digits_to_dial(phone, region) or f"{phone.number} (cannot be called)"
        notes = ", ".join(part for part in (phone.label, "primary" if phone is primary else "") if part)
        texts.append(f"{dial} ({notes})" if notes else dial)
    return ", ".join(texts)


def _contacts_list(args: argparse.Namespace) -> int:
    from c2c_desktop.core.contacts_io import contacts_json

    region = _load_settings().region
    with _open_store() as store:
        contacts = store.list_contacts()
    if args.json:
        print(json_terminal_safe(json.dumps(contacts_json(contacts, region), indent=2, ensure_ascii=False)))
        return EXIT_OK
    if not contacts:
        print("No contacts yet.")
        return EXIT_OK
    for contact in contacts:
        name, company = terminal_safe(contact.name), terminal_safe(contact.company)
        print(f"{name:<28}  {company:<24}  {terminal_safe(_phones_text(contact, region))}")
    return EXIT_OK


def _contacts_undo_import() -> int:
    from c2c_desktop.core.store import NothingToUndoError

    with _open_store() as store:
        try:
            undone = store.undo_last_import()
        except NothingToUndoError as exc:
            raise CliError(str(exc)) from None
    # UndoRefusedError is a StoreError: main() prints it as one line and exits 2.
    record = undone.record
    added = f"{record.imported} contact{'s' if record.imported != 1 else ''} removed"
    when = _local_time(record.imported_at)
    print(terminal_safe(f"Undid the import of {record.file_name} ({when}): {added}, {undone.merges_text}."))
    if undone.lists_text:
        print(terminal_safe(undone.lists_text))
    return EXIT_OK


def cmd_contacts(args: argparse.Namespace) -> int:
    """Import, export or list contacts."""
    if args.action == "import":
        return _contacts_import(args)
    if args.action == "export":
        return _contacts_export(args)
    if args.action == "undo-import":
        return _contacts_undo_import()
    return _contacts_list(args)


#: Days between two downloads of the registry (core/rules/dnc.REFRESH_DAYS, not imported at startup).
DNC_REFRESH_DAYS = 31
#: Problem lines printed per imported list; the rest are counted.
DNC_PROBLEMS_SHOWN = 20
#: Imports of at least this many bytes report their progress on stderr.
DNC_PROGRESS_MIN_BYTES = 50 << 20


def _audit_log(store: Store) -> AuditLog:
    """Where do-not-call adds, removes and imports are recorded: the audit log kept in the same database."""
    from c2c_desktop.core.rules.audit import StoreAuditLog

    return StoreAuditLog(store)


def _dnc_number(text: str, region: str) -> str:
    from c2c_desktop.core.phone import PhoneError, parse_number

    try:
        return parse_number(text, region).e164
    except PhoneError as exc:
        raise CliError(str(exc)) from None


def _dnc_progress(label: str) -> Callable[[int, int], None]:
    shown = 0

    def report(done: int, total: int) -> None:
        nonlocal shown
        tenth = 10 * done // max(total, 1)
        if total >= DNC_PROGRESS_MIN_BYTES and tenth > shown:
            shown = tenth
            print(f"{terminal_safe(label)}: {10 * tenth}% read", file=sys.stderr, flush=True)

    return report


def _dnc_import(args: argparse.Namespace, settings: config.Settings) -> int:
    from c2c_desktop.core.rules.dnc import DncError, import_lists

    groups = [args.files] if args.name is not None else [[name] for name in args.files]
    code = EXIT_OK
    with _open_store() as store:
        for files in groups:
            label = args.name if args.name is not None else files[0]
            try:
                result = import_lists(
                    store,
                    files,
                    name=args.name,
                    fmt=args.format,
                    data_date=args.date,
                    region=settings.region,
                    agent_number=settings.agent_number,
                    audit=_audit_log(store),
                    progress=_dnc_progress(label),
                )
            except DncError as exc:
                print(f"{APP_NAME}: {terminal_safe(str(exc))}", file=sys.stderr)
                code = EXIT_ERROR
                continue
            info = result.info
            dated = " (the file's modification date; give --date to set it)" if result.date_from_file else ""
            line = (
                f'"{info.name}": {info.rows} numbers from {info.source_file} ({info.format}), data of '
                f"{info.data_date}{dated}; {result.lines} lines, {result.duplicates} duplicates, "
                f"{result.problem_count} problem lines"
            )
            if result.replaced is not None:
                line += f"; replaced the list of {result.replaced.data_date} ({result.replaced.rows} numbers)"
            if info.stale:
                line += f"; STALE: its data is more than {DNC_REFRESH_DAYS} days old"
            print(terminal_safe(line), flush=True)
            for problem in result.problems[:DNC_PROBLEMS_SHOWN]:
                print(terminal_safe(f"{problem} (skipped)"))
            if result.problem_count > DNC_PROBLEMS_SHOWN:
                print(f"… and {result.problem_count - DNC_PROBLEMS_SHOWN} more problem lines (skipped)")
    return code


def _dnc_check(args: argparse.Namespace, settings: config.Settings) -> int:
    from c2c_desktop.core.rules.dnc import DncRegistry

    e164 = _dnc_number(args.number, settings.region)
    with _open_store() as store:
        registry = DncRegistry(store, stale_refuses=settings.dnc_stale_refuses)
        listings = registry.listings(e164)
        blocked = registry.stale_block(e164)
    for listing in listings:
        if listing.internal:
            why = f": {listing.reason}" if listing.reason else ""
            print(terminal_safe(f'{e164} is on the internal do-not-call list "{listing.list_name}"{why}'))
        elif listing.data_date is None:  # the team's list, as last pulled from the team server
            why = f": {listing.reason}" if listing.reason else ""
            print(terminal_safe(f'{e164} is on the team\'s do-not-call list "{listing.list_name}"{why}'))
        else:
            stale = ", STALE" if listing.stale else ""
            print(
                terminal_safe(f'{e164} is on the do-not-call list "{listing.list_name}" ({listing.data_date}{stale})')
            )
    if blocked is not None:
        print(
            terminal_safe(
                f'{e164}: the list "{blocked.list_name}" covering it is stale (data of {blocked.data_date}): '
                "calls are refused (dnc_stale_refuses is on)"
            )
        )
    if not listings and blocked is None:
        print(f"{e164} is on no do-not-call list")
        return EXIT_OK
    return 1


def _dnc_add(args: argparse.Namespace, settings: config.Settings) -> int:
    from c2c_desktop.core.rules.dnc import DncError, add_internal

    e164 = _dnc_number(args.number, settings.region)
    with _open_store() as store:
        for_team = bool(settings.team_url) and _note_team_account(store, settings.team_url)
        try:
            added = add_internal(store, e164, args.reason, agent_number=settings.agent_number, audit=_audit_log(store))
        except DncError as exc:
            raise CliError(str(exc)) from None
    print(f"{e164} added to the internal do-not-call list" if added else f"{e164} is already on the internal list")
    if added and for_team:
        print("It goes on the team's do-not-call list at the next sync (`c2c-desktop team sync`, or the window).")
    return EXIT_OK


def _note_team_account(store: Store, team_url: str) -> bool:
    """Record the account `team_url` names as the profile's current one (a do-not-call mark made now is kept for the
    team's list: local migration 18); False when team mode cannot be used here (no psycopg, a URL refused)."""
    try:
        from c2c_desktop.core.team.server import TeamError, url_account
        from c2c_desktop.core.team.sync import set_current_account
    except ImportError:
        return False
    try:
        set_current_account(store, url_account(team_url))
    except TeamError:
        return False
    return True


def _dnc_remove(args: argparse.Namespace, settings: config.Settings) -> int:
    from c2c_desktop.core.rules.dnc import TEAM_LIST_NAME, DncError, DncRegistry, remove_internal

    e164 = _dnc_number(args.number, settings.region)
    with _open_store() as store:
        try:
            remove_internal(store, e164, args.reason, agent_number=settings.agent_number, audit=_audit_log(store))
        except DncError as exc:
            raise CliError(str(exc)) from None
        on_team_list = TEAM_LIST_NAME in [listing.list_name for listing in DncRegistry(store).listings(e164)]
    print(f"{e164} taken off the internal do-not-call list")
    if on_team_list:
        print("It is still on the team's do-not-call list: a team manager takes numbers off it, on the team server.")
    return EXIT_OK


def _dnc_lists(args: argparse.Namespace) -> int:
    from c2c_desktop.core.rules.dnc import INTERNAL_LIST_NAME, internal_count, list_infos

    with _open_store() as store:
        infos = list_infos(store)
        internal = internal_count(store)
    if args.json:
        rows: list[dict[str, object]] = [{"name": INTERNAL_LIST_NAME, "internal": True, "rows": internal}]
        rows += [
            {
                "name": info.name,
                "internal": False,
                "source_file": info.source_file,
                "format": info.format,
                "rows": info.rows,
                "data_date": info.data_date.isoformat(),
                "imported_at": info.imported_at,
                "stale": info.stale,
                "area_codes": list(info.area_codes),
            }
            for info in infos
        ]
        print(json_terminal_safe(json.dumps(rows, indent=2, ensure_ascii=False)))
        return EXIT_OK
    print(f"{INTERNAL_LIST_NAME}: {internal} numbers (added by agents)")
    for info in infos:
        codes = ", ".join(info.area_codes[:10]) + (
            f" and {len(info.area_codes) - 10} more" if len(info.area_codes) > 10 else ""
        )
        stale = f"  STALE (older than {DNC_REFRESH_DAYS} days: import a fresh download)" if info.stale else ""
        print(
            terminal_safe(
                f'"{info.name}": {info.rows} numbers, data of {info.data_date}, '
                f"imported {_local_time(info.imported_at)} from {info.source_file} ({info.format}); "
                f"area codes {codes}{stale}"
            )
        )
    return EXIT_OK


def cmd_dnc(args: argparse.Namespace) -> int:
    """Import do-not-call lists, check a number, add to or remove from the internal list, list the lists."""
    if args.action == "lists":
        return _dnc_lists(args)
    settings = _load_settings()
    if args.action == "import":
        return _dnc_import(args, settings)
    if args.action == "check":
        return _dnc_check(args, settings)
    if args.action == "add":
        return _dnc_add(args, settings)
    return _dnc_remove(args, settings)


# -- call lists and callbacks ---------------------------------------------------------------------------------------

#: `lists call-next`: nothing in the list is callable now.
EXIT_NOTHING_CALLABLE = 5


def _lists_context(store: Store) -> tuple[config.Settings, CallListStore, CallGuard, DispositionRules]:
    from c2c_desktop.core.calllists import StoreCallLists
    from c2c_desktop.core.disposition_rules import DispositionRulesError, load_rules, rules_path_for
    from c2c_desktop.core.rules.guard import build_guard

    settings = _load_settings()
    try:
        rules = load_rules(rules_path_for(config.default_settings_path()))
    except DispositionRulesError as exc:
        raise CliError(f"the disposition rules cannot be used: {exc}") from None
    return settings, StoreCallLists(store), build_guard(settings, store), rules


def _stored_keys() -> tuple[Credentials | None, str | None]:
    """The keys from the keyring, or None with why (`call`, `lists call-next`): the call is then not sent, but
    still journaled as such after the calling rules have had their say."""
    from c2c_desktop.core.credentials import CredentialsError, KeyringCredentialStore

    try:
        credentials = KeyringCredentialStore().load()
    except CredentialsError as exc:
        return None, str(exc)
    if credentials is None:
        return None, "no keys stored; run `c2c-desktop keys set` first"
    return credentials, None


def _checked_disposition(rules: DispositionRules, args: argparse.Namespace) -> str:
    """`--disposition` as one of the agent's dispositions, or ListError (e.g. it needs `--at` and has none)."""
    from c2c_desktop.core.journal_export import load_dispositions
    from c2c_desktop.core.list_work import DispositionRefused, check_disposition

    path = config.dispositions_path_for(config.default_settings_path())
    known = load_dispositions(path)
    try:
        return check_disposition(rules, known, args.disposition, args.at is not None)
    except DispositionRefused as exc:
        if str(exc).startswith("unknown disposition"):  # where the agent's list is, to add it there
            raise DispositionRefused(f"{exc}; your dispositions are listed in {path}") from None
        raise


def _callback_time(
    args: argparse.Namespace, store: Store, item: ListItem, settings: config.Settings
) -> tuple[datetime, str]:
    """`--at` (on the agent's clock, or the callee's with `--callee-time`) for a list item, with the callee's zone."""
    from c2c_desktop.core.list_work import callee_zone
    from c2c_desktop.core.phone import number_to_call

    contact = store.get_contact(item.contact_id) if item.contact_id is not None else None
    zone = callee_zone(number_to_call(item.e164, settings.region), contact)
    return _at(args.at, args.callee_time, zone), zone


def _record_disposition(
    store: Store,
    lists: CallListStore,
    rules: DispositionRules,
    item: ListItem,
    disposition: str,
    guard: CallGuard,
    callback_at: datetime | None,
    settings: config.Settings,
) -> ListItem:
    """The disposition of a list item's call, and the item's next state by the rules (`lists call-next
    --disposition`, `lists dispose`). Raises ListError when the rules refuse it; nothing is saved then."""
    from c2c_desktop.core.list_work import record_disposition

    return record_disposition(
        store,
        lists,
        rules,
        item,
        disposition,
        _now_utc(),
        guard=guard,
        callback_at=callback_at,
        agent_number=settings.agent_number,
        audit=_audit_log(store),
        region=settings.region,
    )


def _now_utc() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def _at(text: str, callee_time: bool, zone: str) -> datetime:
    """--at read on the agent's clock, or on the callee's with --callee-time."""
    from zoneinfo import ZoneInfo

    from c2c_desktop.core.list_work import agent_zone, parse_local_time

    if callee_time and not zone:
        raise CliError("the callee's time zone is unknown: give the time on your own clock (without --callee-time)")
    return parse_local_time(text, ZoneInfo(zone) if callee_time else agent_zone())


def _lists_create(args: argparse.Namespace, store: Store, lists: CallListStore, settings: config.Settings) -> int:
    from c2c_desktop.core import list_sources
    from c2c_desktop.core.calllists import NewItem
    from c2c_desktop.core.importers import ContactFileError
    from c2c_desktop.core.models import Outcome

    items: list[NewItem] = []
    problems: list[str] = []
    for name in args.files or ():
        try:
            found, summary = list_sources.from_file(store, name, region=settings.region, dial_region=settings.region)
        except ContactFileError as exc:
            raise CliError(f"{name}: {exc} Nothing was imported and no list was made.") from None
        print(terminal_safe(f"{name}: {summary.imported} imported, {summary.merged} merged, {summary.skipped} skipped"))
        items += found
    if args.from_search is not None:
        found, more = list_sources.from_search(store, args.from_search)
        if not found and not more:
            raise CliError(f'no contact matches "{args.from_search}": no list was made')
        items += found
        problems += more
    if args.since and args.until and args.since > args.until:
        raise CliError(f"--since {args.since} is after --until {args.until}: swap them; no list was made")
    if args.from_history is not None:
        outcome = None if args.from_history == "any" else Outcome(args.from_history.replace(" ", "_"))
        since = args.since.isoformat() if args.since else None
        until = args.until.isoformat() if args.until else None
        items += list_sources.from_calls(store.list_calls(outcome=outcome, since=since, until=until))
    made, report = list_sources.into_list(store, lists, args.name, items)
    _print_add_report(made.name, report.added, report.duplicates, problems)
    return EXIT_OK


def _lists_create_team(args: argparse.Namespace) -> int:
    """`lists create NAME --from FILE… --team`: the people of the files (or of a search, or of the journal's calls) in
    a new team list on the server, made by a manager. The files are read as for a local list; nothing is stored
    locally (the list comes down to each assigned agent's window with the next pull)."""
    from c2c_desktop.core.importers import ContactFileError

    try:
        from c2c_desktop import team_cli
        from c2c_desktop.core.team.lists import read_leads
    except ImportError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        raise CliError(f"team lists need the team extra: pip install '{APP_NAME}[team]'") from None
    settings = _load_settings()
    try:
        url = team_cli.resolve_url(args.url)
    except team_cli.TeamError as exc:
        raise CliError(f"no team list was made: {exc}") from None
    if not (args.files or args.from_search is not None or args.from_history is not None):
        raise CliError("a team list is made from --from FILE…, --from-search TEXT or --from-history OUTCOME")
    leads: list[Lead] = []
    for name in args.files or ():
        try:
            found, read = read_leads(name, region=settings.region, dial_region=settings.region)
        except ContactFileError as exc:
            raise CliError(f"{name}: {exc} Nothing was sent and no list was made.") from None
        print(terminal_safe(f"{name}: {len(found)} read, {read.skipped} skipped"))
        for line in _problem_lines(name, read.problems):
            print(line)
        leads += found
    problems: list[str] = []
    if args.from_search is not None or args.from_history is not None:
        local, problems = _local_leads(args)
        leads += local
    if not leads:
        raise CliError(f"{_nobody_found(args)}: no team list was made")
    try:
        report = team_cli.create_list(url, args.name, leads)
    except team_cli.TeamError as exc:
        raise CliError(f"no team list was made: {exc}") from None
    _print_add_report(report.name, report.added, report.duplicates, problems, team=True)
    print(
        terminal_safe(
            f'{report.new_contacts} new team contacts; assign it with: team lists assign "{report.name}" AGENT…'
        )
    )
    return EXIT_OK


def _nobody_found(args: argparse.Namespace) -> str:
    """What `lists create --team` read when it found nobody to call, in a few words."""
    if args.from_history is not None and not args.files and args.from_search is None:
        outcome = "" if args.from_history == "any" else f"{args.from_history.replace('_', ' ')} "
        since = f" since {args.since}" if args.since else ""
        until = f" before {args.until}" if args.until else ""
        return f"the journal has no {outcome}call{since}{until}"
    return "nobody to call was found"


def _local_leads(args: argparse.Namespace) -> tuple[list[Lead], list[str]]:
    """The people of `--from-search` / `--from-history` for a team list, from this profile's contacts and journal."""
    from c2c_desktop.core import list_sources
    from c2c_desktop.core.models import Outcome
    from c2c_desktop.core.team.lists import Lead

    problems: list[str] = []
    with _open_store() as store:
        items = []
        if args.from_search is not None:
            found, problems = list_sources.from_search(store, args.from_search)
            if not found and not problems:
                raise CliError(f'no contact matches "{args.from_search}": no list was made')
            items += found
        if args.from_history is not None:
            outcome = None if args.from_history == "any" else Outcome(args.from_history)
            since = args.since.isoformat() if args.since else None
            until = args.until.isoformat() if args.until else None
            items += list_sources.from_calls(store.list_calls(outcome=outcome, since=since, until=until))
        leads = []
        for item in items:
            contact = store.get_contact(item.contact_id) if item.contact_id is not None else None
            leads.append(Lead(item.e164, item.name, contact.company if contact is not None else ""))
    return leads, problems


def _print_add_report(
    name: str, added: int, duplicates: Sequence[str], problems: Sequence[str], *, team: bool = False
) -> None:
    line = f'{"team list " if team else ""}"{name}": {added} item{"s" if added != 1 else ""} added'
    if duplicates:
        shown = ", ".join(duplicates[:5]) + (f" and {len(duplicates) - 5} more" if len(duplicates) > 5 else "")
        line += f"; {len(duplicates)} already in the list, kept once ({shown})"
    print(terminal_safe(line))
    for problem in problems:
        print(terminal_safe(f"skipped: {problem}"))


def _lists_add(args: argparse.Namespace, store: Store, lists: CallListStore, settings: config.Settings) -> int:
    from c2c_desktop.core import list_sources

    found = lists.require_list(args.name)
    if args.contact is not None:
        items, problems = list_sources.from_contact_ids(store, args.contact)
    elif args.number:
        items, problems = list_sources.from_numbers(store, args.number, settings.region)
    else:
        raise CliError("lists add needs a NUMBER or --contact ID")
    report = lists.add_items(found.id, items)
    _print_add_report(found.name, report.added, report.duplicates, problems)
    return EXIT_OK if not problems else EXIT_ERROR


def _item_json(standing: Standing) -> dict[str, object]:
    item = standing.item
    return {
        "id": item.id,
        "position": item.position,
        "name": item.name,
        "number": item.e164,
        "contact_id": item.contact_id,
        "contact_deleted": item.contact_missing,
        "state": str(item.state),
        "attempts": item.attempts,
        "next_time": item.due_at.isoformat().replace("+00:00", "Z") if item.due_at else None,
        "last_outcome": item.last_outcome,
        "last_disposition": item.last_disposition,
        "last_call_id": item.last_call_id,
        "callable_now": standing.callable,
        "offered_as": standing.kind or None,
        "why_not_now": None if standing.callable else standing.why,
        "opens_at": standing.opens_at.isoformat().replace("+00:00", "Z") if standing.opens_at else None,
        "needs_confirmation": standing.needs_confirmation,
    }


def _lists_show(args: argparse.Namespace, store: Store, lists: CallListStore, guard: CallGuard) -> int:
    from c2c_desktop.core.list_work import CallableNow, outcome_words
    from c2c_desktop.core.phone import display_number

    found = lists.require_list(args.name)
    items = lists.items(found.id)
    region = _load_settings().region
    standings = CallableNow(store, guard, _now_utc(), region=region).all(items)
    if args.json:
        data = {"name": found.name, "items": [_item_json(standing) for standing in standings]}
        print(json_terminal_safe(json.dumps(data, indent=2, ensure_ascii=False)))
        return EXIT_OK
    callable_count = sum(standing.callable for standing in standings)
    print(terminal_safe(f'"{found.name}": {len(items)} items, {callable_count} callable now'))
    for standing in standings:
        item = standing.item
        when = f"  next {_local_time(item.due_at.isoformat())}" if item.due_at else ""
        status = f"callable now ({standing.kind})" if standing.callable else f"not now: {standing.why}"
        last = f"  last: {outcome_words(item.last_outcome)}" + (
            f" / {item.last_disposition}" if item.last_disposition else ""
        )
        number = display_number(item.e164, region)  # as the window shows it; --json keeps the +1… form
        print(
            terminal_safe(
                f"{item.position + 1:>4}. {item.name or number:<28} {number:<14} {item.state!s:<11} "
                f"{_attempts_text(item.attempts)}{when}{last if item.last_outcome else ''}  {status}"
            )
        )
    return EXIT_OK


def _lists_export(args: argparse.Namespace, lists: CallListStore) -> int:
    from c2c_desktop.core.list_export import write_list_csv

    found = lists.require_list(args.name)
    try:
        count = write_list_csv(lists.items(found.id), args.file)
    except OSError as exc:
        raise CliError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(terminal_safe(f'{count} items of "{found.name}" written to {args.file}'))
    return EXIT_OK


def _lists_call_next(
    args: argparse.Namespace,
    store: Store,
    lists: CallListStore,
    guard: CallGuard,
    settings: config.Settings,
    rules: DispositionRules,
) -> int:
    from c2c_desktop.core.calllists import ListError
    from c2c_desktop.core.dialer import NotSentError, begin, client_for, describe_outcome, prepare_call
    from c2c_desktop.core.list_work import (
        AGENT_NO_ANSWER_TEXT,
        CallableNow,
        agent_missed,
        call_finished,
        call_started,
        check_callback,
        disposition_not_applied,
    )
    from c2c_desktop.core.models import CallResult
    from c2c_desktop.core.phone import PhoneError, number_to_call
    from c2c_desktop.core.rules.caller_id import JournalCallerIdUsage
    from c2c_desktop.core.store import StoreError

    found = lists.require_list(args.name)
    disposition = None
    if args.disposition is not None:  # checked before anything is dialled: a refused one sends nothing
        try:
            disposition = _checked_disposition(rules, args)
        except ListError as exc:
            raise CliError(f"Not sent: {exc}") from None
    credentials, keys_problem = _stored_keys()
    now = _now_utc()
    items = lists.items(found.id)
    order = CallableNow(
        store, guard, now, region=settings.region, confirmed=lambda _item: bool(args.again), lists=lists, rules=rules
    )
    standing = order.first(items)
    if standing is None:
        _refuse_when_the_rules_cannot_be_used(order, items, guard, settings.region)
        waiting = [] if args.again else order.waiting_for_confirmation(items)
        opening = order.next_opening(items)
        line = f'Nothing in "{found.name}" is callable now'
        if opening is not None:
            moment, item = opening
            line += f"; the next item opens {_local_time(moment.isoformat())} your time ({item.label})"
        if waiting:
            line += f"; {len(waiting)} may still be ringing from an earlier call (add --again to call anyway)"
        print(terminal_safe(line))
        return EXIT_NOTHING_CALLABLE
    item = standing.item
    number_text = item.e164
    contact = store.get_contact(item.contact_id) if item.contact_id is not None else None
    callback_at = None
    if (
        args.at is not None
    ):  # judged in full before dialling (past, the callee's hours then): as the disposition will be
        callback_at, _zone = _callback_time(args, store, item, settings)
        try:
            check_callback(
                guard,
                number_to_call(item.e164, settings.region),
                callback_at,
                now,
                contact=Contact(item.contact_id, item.name, region_code=item.region_code),
            )
        except (ListError, PhoneError) as exc:
            raise CliError(f"Not sent: the callback time cannot be used: {exc}") from None
    journal_problem = ""
    with client_for(settings) as client:
        try:
            prepared = prepare_call(
                number_text,
                settings,
                credentials or _PLACEHOLDER_KEYS,
                contact=contact,
                caller_id_usage=JournalCallerIdUsage(store, settings.region),
                guard=guard,
            )
        except NotSentError as exc:
            raise CliError(str(exc)) from None
        if keys_problem is not None:
            raise CliError(f"Not sent: {keys_problem}")
        dial = prepared.request.phone_to_call
        previous = store.last_call_that_may_have_rung([dial])
        if previous is not None and previous.may_still_be_ringing and not args.again:
            raise CliError(
                f"Not sent: the previous call to {prepared.display_number or dial} may still be ringing "
                "(unknown outcome); add --again to call anyway"
            )
        print(terminal_safe(f'Calling {item.label} ({standing.kind}) from "{found.name}"'), file=sys.stderr)
        entry, request = begin(store, prepared)
        try:  # before the request: a kill leaves the item pointing at its call
            item = call_started(lists, item, entry.id)
        except (StoreError, ListError) as exc:  # nothing is sent: the row says so now, not "unknown" at the next start
            _finish_not_sent(store, entry.id, f"Not sent: the list item could not be updated ({exc})")
            raise CliError(
                f"Not sent: the list item could not be updated ({exc}) [ref {entry.ref}]", EXIT_CODES[Outcome.NOT_SENT]
            ) from None
        sending = time.monotonic()
        try:
            result = client.place_call(request, credentials)
        except KeyboardInterrupt:
            result = CallResult(Outcome.UNKNOWN, INTERRUPTED_MESSAGE, elapsed_s=time.monotonic() - sending)
        call_type = prepared.request.call_type
        try:
            store.finish_call(entry.id, result)
            item = call_finished(lists, rules, item, result.outcome, _now_utc(), call_type=call_type)
        except StoreError as exc:
            journal_problem = f" (the journal could not be updated: {exc})"
    missed = agent_missed(result.outcome, call_type)
    line = AGENT_NO_ANSWER_TEXT if missed else describe_outcome(result, prepared)
    if result.excerpt:
        line += f" (service said: {result.excerpt})"
    print(terminal_safe(f"{line} [ref {entry.ref}]{journal_problem}"))
    if disposition is not None:
        not_applied = disposition_not_applied(result.outcome, call_type)
        if not_applied is not None:
            print(f"{APP_NAME}: disposition not saved: {terminal_safe(not_applied)}", file=sys.stderr)
        else:
            try:
                item = _record_disposition(store, lists, rules, item, disposition, guard, callback_at, settings)
            except ListError as exc:
                print(f"{APP_NAME}: disposition not saved: {terminal_safe(str(exc))}", file=sys.stderr)
    print(terminal_safe(_item_line(item)))
    return EXIT_CODES[result.outcome]


def _refuse_when_the_rules_cannot_be_used(
    order: CallableNow, items: Sequence[ListItem], guard: CallGuard, region: str
) -> None:
    """Nothing callable: when that is because the calling rules cannot be used (a broken calling_rules.json), say so
    (as `lists show` does) and exit 2 rather than "nothing is callable now"."""
    from c2c_desktop.core.phone import PhoneError, number_to_call
    from c2c_desktop.core.rules.glance import glance
    from c2c_desktop.core.rules.model import Rule

    for item in order.candidates(items)[:1]:
        try:
            number = number_to_call(item.e164, region)
        except PhoneError:
            return
        seen = glance(guard, number, Contact(item.contact_id, item.name, region_code=item.region_code))
        if seen.rule is Rule.RULES_FILE:
            raise CliError(f"Nothing was called: {seen.reason or seen.text}")


def _finish_not_sent(store: Store, call_id: int, reason: str) -> None:
    """Close a journal row whose request was never sent (a row left "placing" would be recovered as unknown)."""
    from c2c_desktop.core.models import CallResult
    from c2c_desktop.core.store import StoreError

    try:
        store.finish_call(call_id, CallResult(Outcome.NOT_SENT, reason))
    except StoreError:
        pass  # the store is failing: the row is recovered as unknown at the next start, the safe side


def _item_line(item: ListItem) -> str:
    when = f" at {_local_time(item.due_at.isoformat())} your time" if item.due_at else ""
    disposition = f", {item.last_disposition}" if item.last_disposition else ""
    return f"{item.label}: {item.state}{when} ({_attempts_text(item.attempts)}{disposition})"


def _attempts_text(count: int) -> str:
    return f"{count} attempt{'s' * (count != 1)}"


def _lists_dispose(
    args: argparse.Namespace,
    store: Store,
    lists: CallListStore,
    guard: CallGuard,
    settings: config.Settings,
    rules: DispositionRules,
) -> int:
    from c2c_desktop.core.calllists import ListError

    found = lists.require_list(args.name)
    called = [item for item in lists.items(found.id) if item.last_call_id is not None]
    if not called:
        raise CliError(f'no item of "{found.name}" has been called yet')
    item = max(called, key=lambda each: each.last_call_id or 0)
    try:
        disposition = _checked_disposition(rules, args)
        callback_at = None if args.at is None else _callback_time(args, store, item, settings)[0]
        item = _record_disposition(store, lists, rules, item, disposition, guard, callback_at, settings)
    except ListError as exc:
        raise CliError(f"disposition not saved: {exc}") from None
    print(terminal_safe(_item_line(item)))
    return EXIT_OK


def cmd_lists(args: argparse.Namespace) -> int:
    """Call lists: create, add, show, export, delete (and undo), rename, call the next callable item."""
    if args.action == "create" and args.team:
        return _lists_create_team(args)
    if args.action == "create" and args.url:
        raise CliError("--url goes with --team (a team list); a local list needs no server")
    with _open_store() as store:
        settings, lists, guard, rules = _lists_context(store)
        if args.action == "create":
            return _lists_create(args, store, lists, settings)
        if args.action == "add":
            return _lists_add(args, store, lists, settings)
        if args.action == "show":
            return _lists_show(args, store, lists, guard)
        if args.action == "export":
            return _lists_export(args, lists)
        if args.action == "call-next":
            if lists.require_list(args.name).team_list_id is not None:
                raise CliError(
                    f'Not sent: "{args.name}" is a team list: work a team list in the window (each prospect is '
                    "claimed from the team server first)"
                )
            return _lists_call_next(args, store, lists, guard, settings, rules)
        if args.action == "dispose":
            return _lists_dispose(args, store, lists, guard, settings, rules)
        if args.action == "rename":
            found = lists.require_list(args.name)
            lists.rename_list(found.id, args.new_name)
            print(terminal_safe(f'"{found.name}" renamed "{" ".join(args.new_name.split())}"'))
            return EXIT_OK
        if args.action == "undo-delete":
            restored = lists.undo_delete(args.name)
            print(terminal_safe(f'"{restored.name}" is back ({restored.items} items)'))
            return EXIT_OK
        if args.action == "delete":
            found = lists.require_list(args.name)
            lists.delete_list(found.id)
            print(
                terminal_safe(f'"{found.name}" deleted ({found.items} items); undo: lists undo-delete "{found.name}"')
            )
            return EXIT_OK
        for each in lists.all_lists():
            print(terminal_safe(f'"{each.name}": {each.items} items'))
        return EXIT_OK


def _callback_json(due: DueCallback, agent: object) -> dict[str, object]:
    callback = due.callback
    return {
        "id": callback.id,
        "name": callback.name,
        "number": callback.e164,
        "due_at": callback.due_at.isoformat().replace("+00:00", "Z"),
        "zone": callback.zone,
        "list_item_id": callback.list_item_id,
        "note": callback.note,
        "overdue": due.overdue,
        "late_minutes": int(due.late.total_seconds() // 60) if due.overdue else 0,
    }


def cmd_callbacks(args: argparse.Namespace) -> int:
    """List pending callbacks (overdue ones say how late), schedule one, or cancel one."""
    from c2c_desktop.core.calllists import ListError
    from c2c_desktop.core.list_work import (
        DueCallback,
        agent_zone,
        both_clocks,
        callee_zone,
        due_words,
        schedule_callback,
        settle_callbacks,
    )
    from c2c_desktop.core.phone import PhoneError, display_number, number_to_call

    with _open_store() as store:
        settings, lists, guard, _rules = _lists_context(store)
        now = _now_utc()
        if args.action == "add":
            try:
                number = number_to_call(args.number, settings.region)
            except PhoneError as exc:
                raise CliError(f"{args.number}: {exc}") from None
            owners = store.find_contacts_by_e164(number.e164)
            contact = owners[0] if owners else None
            try:
                at = _at(args.at, args.callee_time, callee_zone(number, contact))
                callback = schedule_callback(lists, guard, number, at, now, contact=contact, note=args.note)
            except ListError as exc:
                raise CliError(f"callback not scheduled: {exc}") from None
            print(terminal_safe(f"Callback {callback.id} for {callback.label}: {both_clocks(at, callback.zone)}"))
            return EXIT_OK
        if args.action == "cancel":
            cancelled = lists.cancel_callback(args.id)
            if cancelled is None:
                raise CliError(f"no pending callback {args.id} (see `callbacks list`)")
            item = "; its list item is skipped" if cancelled.list_item_id is not None else ""
            print(terminal_safe(f"Callback {cancelled.id} with {cancelled.label} cancelled{item}"))
            return EXIT_OK
        settle_callbacks(lists)  # those dialled since (from anywhere) are kept, no longer pending
        pending = [DueCallback(callback, now - callback.due_at) for callback in lists.callbacks()]
        agent = agent_zone()
        if args.json:
            data = [_callback_json(due, agent) for due in pending]
            print(json_terminal_safe(json.dumps(data, indent=2, ensure_ascii=False)))
            return EXIT_OK
        if not pending:
            print("No callbacks scheduled.")
        for due in pending:
            callback = due.callback
            state = due_words(callback.due_at, now).replace("overdue", "OVERDUE")
            who = callback.name or display_number(callback.e164, settings.region)
            print(
                terminal_safe(
                    f"{callback.id:>4}  {who:<28} {both_clocks(callback.due_at, callback.zone, agent)}  {state}"
                )
            )
    return EXIT_OK


def cmd_simulator(args: argparse.Namespace) -> int:
    """Run the stand-in service on loopback until interrupted."""
    from c2c_desktop.core.simulator import serve_forever_cli

    try:
        serve_forever_cli("127.0.0.1", args.port, args.ring_seconds)
    except OSError as exc:
        raise CliError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from None
    return EXIT_OK


def cmd_desktop_entry(args: argparse.Namespace) -> int:
    """install-desktop-entry / uninstall-desktop-entry: print what was done, one line each."""
    from c2c_desktop.core import desktop_entry

    try:
        if args.command == "install-desktop-entry":
            lines = desktop_entry.install(desktop_entry.launch_command())
        else:
            lines = desktop_entry.uninstall()
    except desktop_entry.DesktopEntryError as exc:
        raise CliError(str(exc)) from None
    for line in lines:
        print(terminal_safe(line))
    return EXIT_OK


def cmd_team(args: argparse.Namespace) -> int:
    """team init / add-agent / remove-agent / lists / dnc / status / login / logout / sync (team_cli.py)."""
    try:
        from c2c_desktop import team_cli
    except ImportError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        raise CliError(f"the team commands need the team extra: pip install '{APP_NAME}[team]'") from None
    try:
        return team_cli.run(args, _open_store)
    except team_cli.TeamError as exc:
        raise CliError(str(exc)) from None


def cmd_gui(args: argparse.Namespace) -> int:
    """Open the window (Qt is imported only here)."""
    from c2c_desktop import handoff

    if args.url and len(args.url) > handoff.MAX_LINK_CHARS:
        raise CliError(f"that link is too long to be a phone number ({len(args.url):,} characters)")
    if args.url and not handoff.is_window_link(args.url):
        raise CliError(
            f"unknown command '{args.url}' (commands: {', '.join(COMMANDS)}; a tel: link or a number opens the window)"
        )
    try:
        from c2c_desktop.gui.app import run_gui
    except ImportError as exc:
        raise CliError(f"the window cannot start: {exc}") from None
    return run_gui(demo=args.demo, url=args.url, in_tray=args.in_tray)


HANDLERS = {
    "call": cmd_call,
    "rules": cmd_rules,
    "keys": cmd_keys,
    "config": cmd_config,
    "history": cmd_history,
    "simulator": cmd_simulator,
    "contacts": cmd_contacts,
    "dnc": cmd_dnc,
    "audit": cmd_audit,
    "lists": cmd_lists,
    "callbacks": cmd_callbacks,
    "figures": cmd_figures,
    "team": cmd_team,
    "install-desktop-entry": cmd_desktop_entry,
    "uninstall-desktop-entry": cmd_desktop_entry,
}


def _tolerate_unencodable_output() -> None:
    # A terminal or pipe that cannot show a name (PYTHONIOENCODING=ascii) gets a "?" instead of a traceback.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


def _silence_closed_stdout() -> None:
    # The reader went away (`| head -1`): stop writing, and keep the interpreter's final flush from complaining.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named in `argv` (or open the window); return the exit code. Errors are one line on stderr."""
    _tolerate_unencodable_output()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = (build_parser() if _wants_command(argv) else build_gui_parser()).parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    install_log_redaction()  # after basicConfig: the filter must sit on the handler it created
    handler = HANDLERS.get(getattr(args, "command", None) or "", cmd_gui)
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handling below, not at interpreter exit
        return code
    except CliError as exc:
        print(f"{APP_NAME}: {terminal_safe(str(exc))}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"{APP_NAME}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_closed_stdout()
        return EXIT_OK
    except Exception as exc:
        from c2c_desktop.core.store import StoreError

        if not isinstance(exc, StoreError):
            raise
        print(f"{APP_NAME}: {terminal_safe(str(exc))}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
