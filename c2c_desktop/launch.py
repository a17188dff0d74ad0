"""The `c2c-desktop` command's entry point: a launch that only opens the window hands its link to this profile's
running window over a plain socket and exits, before anything heavy is loaded.

Clicking a tel: link in the CRM runs `c2c-desktop tel:+12125550142`; with the window already open that must take
no longer than starting Python, not the ~0.2 s of loading Qt and the CLI first. So this module imports only the
standard library (and c2c_desktop.handoff, which does the same) and no argument parser. Anything that is not exactly
a window launch — a command, an option (`--demo`, `-v`, `--help`), two arguments — and a launch that finds no window
goes on to c2c_desktop.cli.main untouched. A plain window launch that finds no window opens it through
open_window, without the CLI (tests/test_handoff_imports.py keeps this module light).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def window_link(argv: Sequence[str]) -> tuple[bool, str | None]:
    """(True, link) when `argv` only opens the window: no argument (link None), or one tel:/callto: link or number,
    as cli.cmd_gui would take it; (False, None) for anything else."""
    if not argv:
        return True, None
    if len(argv) != 1:
        return False, None
    word = argv[0]
    if word.startswith("-"):
        return False, None
    from c2c_desktop import handoff

    if len(word) <= handoff.MAX_LINK_CHARS and handoff.is_window_link(word):
        return True, word
    return False, None  # a command, or a link too long to be a phone number (the CLI says which)


def hand_off_to_running_window(argv: Sequence[str]) -> bool:
    """True when `argv` is a window launch and this profile's running window took it."""
    is_window_launch, link = window_link(argv)
    if not is_window_launch:
        return False
    from c2c_desktop import handoff  # here: a command has no use for sockets

    data_folder = handoff.user_data_folder()
    if data_folder is None:  # Windows and macOS: the window's own start finds the running one
        return False
    try:
        return handoff.hand_off(handoff.client_paths(data_folder), link, handoff.activation_line())
    except Exception:  # any surprise here (an odd environment, no user name): the ordinary path still hands over
        return False


def open_window(link: str | None) -> int:
    """A plain window launch that no running window took: the window, without the CLI's modules and argument parser
    (~5 ms before Qt: argparse, the commands' helpers). What cli.main does for it, here: warnings on stderr through
    the secret redaction filter, one plain line (never a traceback) when the window cannot start."""
    import logging

    from c2c_desktop.core.redaction import install_log_redaction

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    install_log_redaction()  # after basicConfig: the filter must sit on the handler it created
    try:
        from c2c_desktop.gui.app import run_gui
    except ImportError as exc:
        return _fail(f"the window cannot start: {exc}")
    try:
        return run_gui(url=link)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:
        from c2c_desktop.core.store import StoreError

        if not isinstance(exc, StoreError):
            raise
        return _fail(str(exc))


def _fail(message: str, code: int = 2) -> int:
    """One plain line on stderr, as cli.main writes it; returns `code`."""
    from c2c_desktop import APP_NAME
    from c2c_desktop.core.text import terminal_safe

    print(f"{APP_NAME}: {terminal_safe(message)}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: the instant hand-off when it applies, else the window (a plain window launch) or the whole
    CLI (anything else: commands, options such as `-v`, `--demo`, `--in-tray`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if hand_off_to_running_window(args):
        return 0
    is_window_launch, link = window_link(args)
    if is_window_launch:
        return open_window(link)
    from c2c_desktop.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
